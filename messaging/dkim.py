"""DKIM signing of the portal's messages, for deployments whose mail relay does not sign (dkimpy).

Used as EMAIL_BACKEND when DKIM_PRIVATE_KEY_FILE is set: Django's SMTP backend, each message signed
(relaxed/relaxed, RSA-SHA256) over the headers a receiver checks, just before it leaves.
"""

import smtplib

import dkim
from django.conf import settings
from django.core.mail.backends.smtp import EmailBackend
from django.core.mail.message import sanitize_address

SIGNED_HEADERS = [
    b"From",
    b"To",
    b"Subject",
    b"Date",
    b"Message-ID",
    b"Reply-To",
    b"Content-Type",
    b"MIME-Version",
    b"Auto-Submitted",
    b"List-Unsubscribe",
    b"List-Unsubscribe-Post",
]


class DkimEmailBackend(EmailBackend):
    """Django's SMTP backend that adds a DKIM-Signature to every message it sends."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        with open(settings.DKIM_PRIVATE_KEY_FILE, "rb") as key_file:
            self.private_key = key_file.read()

    def _send(self, email_message):
        if not email_message.recipients():
            return False
        encoding = email_message.encoding or settings.DEFAULT_CHARSET
        from_email = sanitize_address(email_message.from_email, encoding)
        recipients = [sanitize_address(address, encoding) for address in email_message.recipients()]
        message = email_message.message().as_bytes(linesep="\r\n")
        signature = dkim.sign(
            message,
            selector=settings.DKIM_SELECTOR.encode(),
            domain=settings.DKIM_DOMAIN.encode(),
            privkey=self.private_key,
            include_headers=[header for header in SIGNED_HEADERS if header + b":" in message],
            canonicalize=(b"relaxed", b"relaxed"),
        )
        try:
            self.connection.sendmail(from_email, recipients, signature + message)
        except smtplib.SMTPException:
            if not self.fail_silently:
                raise
            return False
        return True
