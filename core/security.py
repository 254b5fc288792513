"""The client's address, one rule for everything that counts requests per client (rate limits, login throttling)."""

from django.conf import settings


def client_ip(request) -> str:
    """REMOTE_ADDR, or the address the first of PROXY_COUNT trusted proxies saw.

    Each proxy appends the address it received the request from, so only the last
    PROXY_COUNT entries of X-Forwarded-For are trustworthy; whatever the client wrote
    before them is ignored. Without a trusted proxy the header is ignored altogether.
    """
    if settings.PROXY_COUNT:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= settings.PROXY_COUNT:
            return forwarded[-settings.PROXY_COUNT]
    return request.META.get("REMOTE_ADDR", "")


# django-axes stores the username it throttles in a 255-character column.
AXES_USERNAME_MAX_LENGTH = 255


def login_username(request, credentials: dict | None = None) -> str | None:
    """The username django-axes counts failures for, cut to what its tables hold.

    Django's login form does not enforce the username's maximum length before
    authenticating, so an overlong one reached axes whole and failed its INSERT (a 500).
    No real account has a username that long, so the cut never merges two accounts.
    """
    data = credentials if credentials else getattr(request, "data", request.POST)
    username = data.get("username")
    return username[:AXES_USERNAME_MAX_LENGTH] if isinstance(username, str) else username
