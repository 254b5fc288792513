"""DKIM signing (dkimpy) of the messages as a real SMTP server receives them, verified against the public key."""

import base64
import subprocess

import dkim
import pytest

from messaging import sending
from messaging.tests.factories import OutboundMessageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def dkim_key(tmp_path):
    """A fresh RSA key pair; returns the private key's file and the DNS TXT record of the public one."""
    private = tmp_path / "dkim.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(private), "2048"], check=True, capture_output=True)
    public = subprocess.run(
        ["openssl", "rsa", "-in", str(private), "-pubout", "-outform", "DER"], check=True, capture_output=True
    ).stdout
    return private, b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)


def test_every_message_is_signed_and_the_signature_verifies(settings, smtp, dkim_key):
    private, record = dkim_key
    settings.EMAIL_BACKEND = "messaging.dkim.DkimEmailBackend"
    settings.DKIM_PRIVATE_KEY_FILE, settings.DKIM_SELECTOR, settings.DKIM_DOMAIN = str(private), "tournee", "onmt.ma"
    message = OutboundMessageFactory(recipient_name="فاطمة الزهراء", subject="Invitation — Dakhla", bulk=True)
    assert sending.messages_send_batch(message_ids=[message.pk]) == []
    raw = smtp.raw[0]
    assert raw.startswith(b"DKIM-Signature:") and b"d=onmt.ma" in raw and b"s=tournee" in raw

    def dns(name, timeout=5):
        assert name == b"tournee._domainkey.onmt.ma."
        return record

    assert dkim.verify(raw, dnsfunc=dns)
    # A relay that changed the subject on the way breaks the signature: the check is real.
    assert not dkim.verify(raw.replace(b"Invitation", b"Invitatio_", 1), dnsfunc=dns)
