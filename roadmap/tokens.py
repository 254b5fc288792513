"""The signed value of the one-click unsubscribe link of the roadmap's e-mails: whose, and from which list."""

from django.core import signing

UNSUBSCRIBE_SALT = "roadmap.notices.unsubscribe"
# The two lists: officials' notices of changes, staff reminders of due dates.
CHANGES, REMINDERS = "changes", "reminders"


def notices_unsubscribe_token_make(*, user_id: int, topic: str) -> str:
    # No timestamp: the same link in the message's text and in its header, on every attempt (RFC 8058).
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign_object([user_id, topic], compress=True)


def notices_unsubscribe_token_read(*, token: str) -> tuple[int, str] | None:
    """(user id, list) of a link, or None if it is forged. It never expires: the RFC expects that."""
    try:
        value = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign_object(token)
    except signing.BadSignature:
        return None
    if isinstance(value, list) and len(value) == 2 and isinstance(value[0], int) and value[1] in (CHANGES, REMINDERS):
        return value[0], value[1]
    return None


PROPOSALS_UNSUBSCRIBE_SALT = "roadmap.proposals.unsubscribe"


def proposals_unsubscribe_token_make(*, answer_id: int) -> str:
    """The one-click link that stops the e-mails about what became of one consultation answer's proposals."""
    # No timestamp: the same link in the text and the header, on every attempt (RFC 8058).
    return signing.Signer(salt=PROPOSALS_UNSUBSCRIBE_SALT).sign_object(answer_id)


def proposals_unsubscribe_token_read(*, token: str) -> int | None:
    """The answer id of a link, or None if it is forged. It never expires."""
    try:
        value = signing.Signer(salt=PROPOSALS_UNSUBSCRIBE_SALT).unsign_object(token)
    except signing.BadSignature:
        return None
    return value if type(value) is int else None
