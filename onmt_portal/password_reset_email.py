"""The password reset e-mail, sent by a task: the accounts are looked up here, never in the request."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.utils import translation


def password_reset_email_send(*, email: str, language: str | None) -> None:
    """Send Django's reset e-mail to every active account with a usable password and this address.

    Django's PasswordResetForm does the lookup, the token and the rendering
    (registration/password_reset_email.html and _subject.txt); the link points at
    settings.SITE_URL, in `language` (the one the person used to ask) when the portal has it.
    """
    form = PasswordResetForm(data={"email": email})
    if not form.is_valid():
        return
    site = urlsplit(settings.SITE_URL)
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    with translation.override(language):
        # SITE_URL may carry a path prefix: links are SITE_URL + path, as in messaging.links.
        form.save(domain_override=site.netloc + site.path.rstrip("/"), use_https=site.scheme == "https")
