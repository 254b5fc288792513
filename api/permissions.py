from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from api.models import ApiToken


class TokenRequired(permissions.BasePermission):
    """A valid token; a read-only one for reads only."""

    message = _("Ce jeton est en lecture seule.")

    def has_permission(self, request, view):
        token = request.auth
        if not isinstance(token, ApiToken):
            return False
        return request.method in permissions.SAFE_METHODS or token.can_write


class StaffTokenRequired(TokenRequired):
    """A token of ONMT staff (personal data, national writes): a CRT token is refused."""

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        if not request.user.is_staff:
            self.message = _("Réservé aux jetons de l'ONMT.")
            return False
        return True
