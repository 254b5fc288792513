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
