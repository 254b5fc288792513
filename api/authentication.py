from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from api.selectors import api_token_for_secret
from api.services import api_token_touch


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <secret>`: the request acts as the token's account; a revoked, expired or
    unknown secret is refused (401), never treated as anonymous."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("En-tête Authorization attendu : « Bearer <jeton> »."))
        try:
            secret = header[1].decode("ascii")
        except UnicodeDecodeError as error:
            raise exceptions.AuthenticationFailed(_("Jeton inconnu, expiré ou révoqué.")) from error
        token = api_token_for_secret(secret=secret)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Jeton inconnu, expiré ou révoqué."))
        api_token_touch(token=token)
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword
