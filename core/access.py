"""Who may open a private page: decorators shared by the apps' views (the per-object rules stay in selectors)."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.views.decorators.cache import never_cache


def private(view):
    """Logged-in users only (others go to the login page); never cached by browsers or proxies."""
    return login_required(never_cache(view))


def staff_only(view):
    """ONMT staff only: others logged in get 403, anonymous visitors go to the login page."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_staff:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return private(wrapper)
