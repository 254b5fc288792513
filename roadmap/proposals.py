"""Proposals of the consultation traced to roadmap items: staff link a proposal to an item (existing or new), and
its author is told by e-mail when the item is decided and at each change of its status, once per status.

Locks, in this order: the consultation answer (linking a proposal; its opt-out and erasure are written under it),
then the link's row (the status last told), then the outbox's rows (their unique keys). The sweep locks the link
alone (skip locked): two sweeps at once tell each status once, and the message's key names the answer, the item
and the status.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from meetings.drafts import proposal_outcome_key_prefix
from meetings.models import ConsultationAnswer
from messaging.links import absolute_url
from messaging.models import OutboundMessage
from messaging.services import MessageDraft, messages_queue
from roadmap.models import ProposalLink, RoadmapItem
from roadmap.services import roadmap_item_create
from roadmap.tokens import proposals_unsubscribe_token_make

# An item still "proposed" is not decided: its proposer hears of it once it is planned, started, done or dropped.
UNDECIDED = RoadmapItem.Status.PROPOSED


def proposals_unsubscribe_url(*, answer_id: int) -> str:
    return absolute_url("roadmap:proposals_unsubscribe", proposals_unsubscribe_token_make(answer_id=answer_id))


def _outcome_draft(link: ProposalLink) -> MessageDraft:
    answer, item = link.answer, link.item
    meeting = answer.meeting
    return MessageDraft(
        kind=OutboundMessage.Kind.PROPOSAL_OUTCOME,
        idempotency_key=f"{proposal_outcome_key_prefix(answer.pk)}{item.pk}:{item.status}",
        recipient_email=answer.email,
        recipient_name=answer.full_name,
        language=answer.language,
        template=OutboundMessage.Kind.PROPOSAL_OUTCOME,
        meeting=meeting,
        registration=answer.registration,
        contact=answer.contact,
        unsubscribe_url=proposals_unsubscribe_url(answer_id=answer.pk),
        context={
            "recipient": " ".join(answer.full_name.split()),
            "meeting": meeting,
            "region": meeting.region,
            "proposal": answer.proposal,
            "item": item,
            "status": item.get_status_display(),
            "roadmap_url": absolute_url("regions:roadmap_summary", meeting.region.slug),
            "consultation_url": absolute_url("meetings:consultation", answer.public_id, answer.secret),
        },
    )


def _may_be_told(answer: ConsultationAnswer) -> bool:
    return answer.erased_at is None and answer.outcome_emails and bool(answer.proposal)


def _tell(link: ProposalLink) -> bool:
    """Queue the message of the item's current status to the proposal's author, unless told already, undecided,
    opted out or erased; the link's row is locked by the caller."""
    if link.item.status == UNDECIDED or link.told_status == link.item.status:
        return False
    told = _may_be_told(link.answer) and bool(messages_queue(drafts=[_outcome_draft(link)]))
    link.told_status = link.item.status
    link.save(update_fields=["told_status", "updated_at"])
    return told


@transaction.atomic
def proposal_link(
    *, actor, answer_id: int, item_id: int | None = None, new_title: str = "", new_axis: str = ""
) -> ProposalLink:
    """Link an answer's proposal to an item of its meeting's region, or to a new item made from it (`new_title`,
    `new_axis`: a "proposed" item, through the roadmap's own service); its author is told at once if decided."""
    answer = ConsultationAnswer.objects.select_for_update().select_related("meeting__region").get(pk=answer_id)
    if answer.erased_at is not None or not answer.proposal:
        raise ValidationError(_("Cette réponse n'a pas (ou plus) de proposition."))
    region = answer.meeting.region
    if item_id is not None:
        item = RoadmapItem.objects.filter(pk=item_id, region=region).first()
        if item is None:
            raise ValidationError(_("Choisissez une action de la feuille de route de la région de la rencontre."))
    else:
        item = roadmap_item_create(actor=actor, region=region, title=new_title, axis=new_axis, meeting=answer.meeting)
    link, _created = ProposalLink.objects.get_or_create(answer=answer, item=item, defaults={"linked_by": actor})
    link = ProposalLink.objects.select_for_update().select_related("answer__meeting__region", "item").get(pk=link.pk)
    _tell(link)
    return link


def proposal_outcomes_send() -> int:
    """Tell each proposal's author the current status of its item, where not told yet; returns how many were queued.

    Selected by "status not told yet", never by a date: a run missed is caught up by the next.
    """
    pending = ProposalLink.objects.exclude(item__status=UNDECIDED).exclude(told_status=F("item__status"))
    told = 0
    for link_id in pending.values_list("pk", flat=True):
        with transaction.atomic():
            link = (
                ProposalLink.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("answer__meeting__region", "answer__registration", "answer__contact", "item")
                .filter(pk=link_id)
                .first()
            )
            if link is not None:
                told += _tell(link)
    return told


@transaction.atomic
def proposals_unsubscribe(*, answer_id: int) -> ConsultationAnswer | None:
    """The author asks for no more e-mails about their proposals (one-click link); None for an answer gone."""
    answer = ConsultationAnswer.objects.select_for_update().filter(pk=answer_id).first()
    if answer is not None and answer.outcome_emails:
        answer.outcome_emails = False
        answer.save(update_fields=["outcome_emails", "updated_at"])
    return answer
