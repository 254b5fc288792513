"""Co-signature of the minutes by the region's CRT: versions sent for validation, and the validator's answer.

A version freezes what the CRT signs (meetings.selectors.validation.minutes_content) with its SHA-256.
The designated validator answers once per version, from the personal link or from their account,
and only while the version is the latest and the minutes are unchanged since it was sent; any later
edit puts the minutes back to draft (the minutes service) and the next send makes a new version.

Lock order, as every write to the minutes: the meeting row, then the minutes row, then the rest.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.text import isolate, local_moment
from meetings import drafts
from meetings.models import Meeting, Minutes, MinutesValidation, MinutesVersion
from meetings.selectors.validation import content_hash, minutes_content
from meetings.services import documents
from messaging.services import messages_queue
from regions.models import Contact


def _lock(minutes_id: int) -> tuple[Meeting, Minutes]:
    meeting_id = Minutes.objects.filter(pk=minutes_id).values_list("meeting_id", flat=True).get()
    meeting = Meeting.objects.select_for_update().select_related("region").get(pk=meeting_id)
    return meeting, Minutes.objects.select_for_update().get(pk=minutes_id)


def _refuse_unchanged(minutes: Minutes, last: MinutesVersion | None, digest: str) -> None:
    """Nothing changed since the last version, and it is still awaiting its answer or validated: refuse."""
    if last is None or last.content_hash != digest:
        return
    answer = getattr(last, "validation", None)
    if answer is not None and answer.outcome == MinutesValidation.Outcome.VALIDATED:
        raise ValidationError(
            _(
                "Rien n'a changé depuis la version %(number)d, validée le %(when)s par %(name)s : "
                "il n'y a pas de nouvelle version à envoyer."
            )
            % {
                "number": last.number,
                "when": local_moment(answer.decided_at),
                "name": isolate(answer.signed_by),
            },
            code="unchanged",
        )
    if answer is None and minutes.status == Minutes.Status.SUBMITTED:
        raise ValidationError(
            _(
                "Rien n'a changé depuis la version %(number)d, envoyée le %(when)s à %(name)s, "
                "qui attend encore sa réponse."
            )
            % {
                "number": last.number,
                "when": local_moment(last.created_at),
                "name": isolate(last.validator.full_name if last.validator else "—"),
            },
            code="unchanged",
        )


@transaction.atomic
def minutes_send_for_validation(*, minutes: Minutes, validator: Contact, actor) -> MinutesVersion:
    """Freeze the minutes as they are into a new version and e-mail `validator` their personal link.

    The minutes become "submitted" to `validator`, a CRT member of the meeting's region. Refused when
    the meeting has not been held, or when nothing changed since the last version and that version is
    validated or still awaiting its answer.
    """
    meeting, locked = _lock(minutes.pk)
    if meeting.status != Meeting.Status.HELD:
        raise ValidationError(
            _("La rencontre n'est pas marquée comme tenue : son compte rendu ne peut pas encore être validé."),
            code="not_held",
        )
    if validator.region_id != meeting.region_id or validator.kind != Contact.Kind.CRT_MEMBER:
        raise ValidationError(
            {"validator": _("Choisissez un membre du CRT de la région de la rencontre.")}, code="validator"
        )
    content = minutes_content(minutes=locked)
    digest = content_hash(content)
    last = locked.versions.select_related("validation", "validator").order_by("-number").first()
    _refuse_unchanged(locked, last, digest)
    version = MinutesVersion.objects.create(
        minutes=locked,
        number=last.number + 1 if last else 1,
        content=content,
        content_hash=digest,
        created_by=actor,
        validator=validator,
    )
    locked.status, locked.validator = Minutes.Status.SUBMITTED, validator
    locked.save(update_fields=["status", "validator", "updated_at"])
    messages_queue(drafts=[drafts.minutes_validation_draft(version, contact=validator, meeting=meeting)])
    return version


def _refuse_answer(version: MinutesVersion, minutes: Minutes, contact: Contact | None) -> None:
    if contact is None or version.validator_id != contact.pk:
        name = version.validator.full_name if version.validator else "—"
        raise ValidationError(
            _("Seul(e) %(name)s, désigné(e) par l'ONMT, peut répondre pour le CRT sur cette version.")
            % {"name": isolate(name)},
            code="not_validator",
        )
    answer = MinutesValidation.objects.filter(version=version).first()
    if answer is not None:
        raise ValidationError(
            _("Une réponse a déjà été donnée sur cette version le %(when)s par %(name)s (%(outcome)s).")
            % {
                "when": local_moment(answer.decided_at),
                "name": isolate(answer.signed_by),
                "outcome": answer.get_outcome_display().lower(),
            },
            code="answered",
        )
    latest = minutes.versions.order_by("-number").values_list("number", flat=True).first()
    if latest != version.number:
        raise ValidationError(
            _("Cette version a été remplacée par la version %(number)d : c'est sur celle-là qu'il faut répondre.")
            % {"number": latest},
            code="superseded",
        )
    if (
        minutes.status != Minutes.Status.SUBMITTED
        or content_hash(minutes_content(minutes=minutes)) != version.content_hash
    ):
        raise ValidationError(
            _(
                "Le compte rendu a été modifié depuis l'envoi de cette version : "
                "l'ONMT vous enverra la nouvelle version à valider."
            ),
            code="changed",
        )


def _answer(
    *, version: MinutesVersion, contact: Contact | None, user, channel: str, outcome: str, comment: str = ""
) -> MinutesValidation:
    meeting, minutes = _lock(version.minutes_id)
    version = MinutesVersion.objects.select_related("validator", "created_by").get(pk=version.pk)
    _refuse_answer(version, minutes, contact)
    validation = MinutesValidation.objects.create(
        version=version,
        outcome=outcome,
        comment=comment,
        contact=contact,
        user=user,
        signed_by=contact.full_name,
        channel=channel,
        content_hash=version.content_hash,
    )
    minutes.status = (
        Minutes.Status.VALIDATED if outcome == MinutesValidation.Outcome.VALIDATED else Minutes.Status.REFUSED
    )
    minutes.save(update_fields=["status", "updated_at"])
    staff = {person.pk: person for person in (version.created_by, minutes.updated_by) if person and person.email}
    messages_queue(
        drafts=[drafts.minutes_answer_draft(validation, user=person, meeting=meeting) for person in staff.values()]
    )
    return validation


@transaction.atomic
def minutes_validate(*, version: MinutesVersion, contact: Contact | None, channel: str, user=None) -> MinutesValidation:
    """The designated validator validates `version` for the CRT; staff who sent or last edited it are told.

    `channel` is MinutesValidation.Channel: LINK (the personal link, `user` None) or ACCOUNT (`user`
    logged in, `contact` their CRT contact). Refused (ValidationError, with a code) when `contact` is
    not the version's validator ("not_validator"), the version was already answered ("answered"), a
    newer version was sent ("superseded") or the minutes changed since ("changed").
    """
    validation = _answer(
        version=version, contact=contact, user=user, channel=channel, outcome=MinutesValidation.Outcome.VALIDATED
    )
    # The co-signed minutes go to the region's CRT contacts, the PDF in each one's language attached.
    documents.minutes_validated_notify(version_id=version.pk)
    return validation


@transaction.atomic
def minutes_refuse(
    *, version: MinutesVersion, contact: Contact | None, channel: str, comment: str, user=None
) -> MinutesValidation:
    """The designated validator refuses `version`, saying what must change; the same rules as minutes_validate."""
    comment = comment.strip()
    if not comment:
        raise ValidationError({"comment": _("Dites ce qui doit changer dans le compte rendu.")}, code="comment")
    return _answer(
        version=version,
        contact=contact,
        user=user,
        channel=channel,
        outcome=MinutesValidation.Outcome.REFUSED,
        comment=comment,
    )
