"""Password reset that does not reveal whether an account exists, not even by the time it takes.

The request only validates the address and queues a task, the same for every address;
the task looks the accounts up and sends Django's standard reset e-mail (password_reset_email).
"""

import logging

from django.contrib.auth.forms import PasswordResetForm
from django.db import transaction
from django.utils import translation

from onmt_portal.tasks import send_password_reset_email

logger = logging.getLogger(__name__)


class PasswordResetRequestForm(PasswordResetForm):
    """Django's form whose save() queues the e-mail instead of looking up and sending in the request."""

    def save(self, *args, **kwargs) -> None:
        # The view's arguments (request, domain override…) are ignored on purpose: the link
        # is built from SITE_URL, never from the request's Host header.
        password_reset_request(email=self.cleaned_data["email"], language=translation.get_language())


def password_reset_request(*, email: str, language: str | None) -> None:
    """Queue the reset e-mail for `email` after commit, whether or not an account has it.

    No query and no sending here, so an existing and an unknown address cost the request
    the same. A broker that is down is logged, never raised: the answer stays the same.
    """
    transaction.on_commit(lambda: _dispatch(email=email, language=language))


def _dispatch(*, email: str, language: str | None) -> None:
    try:
        send_password_reset_email.delay(email=email, language=language)
    except Exception:
        logger.exception("Could not dispatch a password reset e-mail; the person can ask again")
