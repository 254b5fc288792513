"""Proposals of the consultation traced to roadmap items: their author is told by e-mail (a real SMTP server) when the
item is decided and at each change of its status, once per status, never after opting out or being erased."""

from datetime import timedelta
from email.header import decode_header, make_header

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings.models import ConsultationAnswer
from meetings.services import consultation as consultation_services
from meetings.services import registration as registration_services
from meetings.tests.factories import MeetingFactory, RegistrationFactory
from messaging.models import OutboundMessage
from regions.tests.factories import region
from roadmap.models import ProposalLink, RoadmapItem
from roadmap.proposals import proposal_link, proposal_outcomes_send
from roadmap.services import roadmap_item_update
from roadmap.tests.factories import RoadmapItemFactory

pytestmark = pytest.mark.django_db

Status = RoadmapItem.Status


@pytest.fixture
def answer() -> ConsultationAnswer:
    start = timezone.now() + timedelta(days=3)
    meeting = MeetingFactory(starts_at=start, ends_at=start + timedelta(hours=3))
    RegistrationFactory(meeting=meeting, full_name="Nadia Proposante", email="nadia@example.ma", language="fr")
    consultation_services.consultations_send_due()
    answer = ConsultationAnswer.objects.get(meeting=meeting)
    consultation_services.consultation_answer_save(
        answer_id=answer.pk,
        version=0,
        markets=[],
        product_lines=[],
        obstacles=[],
        obstacle_other="",
        proposal="Un festival du désert à Dakhla",
    )
    return ConsultationAnswer.objects.get(pk=answer.pk)


def _subject(message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def _outcomes(smtp) -> list[str]:
    return [_subject(message) for message in smtp.received if _subject(message).startswith("Votre proposition")]


def _set_status(item: RoadmapItem, status: str, *, actor, capture) -> None:
    with capture(execute=True):
        roadmap_item_update(actor=actor, item=RoadmapItem.objects.get(pk=item.pk), data={"status": status})


def _sweep(capture) -> int:
    with capture(execute=True):
        return proposal_outcomes_send()


def test_the_author_is_told_once_per_status_with_a_one_click_opt_out(
    answer, smtp, staff_user, client, django_capture_on_commit_callbacks
):
    item = RoadmapItemFactory(region=answer.meeting.region, title="Festival du désert", status=Status.PLANNED)
    with django_capture_on_commit_callbacks(execute=True):
        proposal_link(actor=staff_user, answer_id=answer.pk, item_id=item.pk)
    assert _outcomes(smtp) == ["Votre proposition : « Festival du désert » — Planifiée"]
    [message] = [m for m in smtp.received if _subject(m).startswith("Votre proposition")]
    text = next(part for part in message.walk() if part.get_content_type() == "text/plain")
    text = text.get_payload(decode=True).decode()
    assert "Un festival du désert à Dakhla" in text and "Planifiée" in text
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = str(message["List-Unsubscribe"]).strip("<>")

    assert _sweep(django_capture_on_commit_callbacks) == 0  # nothing changed: nothing sent
    _set_status(item, Status.IN_PROGRESS, actor=staff_user, capture=django_capture_on_commit_callbacks)
    assert _sweep(django_capture_on_commit_callbacks) == 1
    assert _sweep(django_capture_on_commit_callbacks) == 0
    assert len(_outcomes(smtp)) == 2 and _outcomes(smtp)[-1].endswith("En cours")

    # One click from the mail client: no session, no CSRF token.
    path = unsubscribe.split("://", 1)[1].split("/", 1)[1]
    assert client.get("/" + path).status_code == 200  # a scanner following the link changes nothing
    answer.refresh_from_db()
    assert answer.outcome_emails
    assert client.post("/" + path, {"List-Unsubscribe": "One-Click"}).status_code == 200
    _set_status(item, Status.DONE, actor=staff_user, capture=django_capture_on_commit_callbacks)
    assert _sweep(django_capture_on_commit_callbacks) == 0
    assert len(_outcomes(smtp)) == 2
    assert ProposalLink.objects.get().told_status == Status.DONE


def test_a_new_item_made_from_the_proposal_is_told_once_decided_and_never_to_an_erased_person(
    answer, smtp, staff_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        link = proposal_link(actor=staff_user, answer_id=answer.pk, new_title="Festival", new_axis="product")
    assert link.item.status == Status.PROPOSED and link.item.region_id == answer.meeting.region_id
    assert _outcomes(smtp) == []  # proposed is not decided
    _set_status(link.item, Status.PLANNED, actor=staff_user, capture=django_capture_on_commit_callbacks)
    assert _sweep(django_capture_on_commit_callbacks) == 1
    registration_services.registration_erase(registration_id=answer.registration_id)
    _set_status(link.item, Status.IN_PROGRESS, actor=staff_user, capture=django_capture_on_commit_callbacks)
    assert _sweep(django_capture_on_commit_callbacks) == 0
    assert len(_outcomes(smtp)) == 1
    assert not OutboundMessage.objects.filter(body_text__contains="festival du désert").exists()


def test_the_personal_page_lists_the_proposals_and_what_became_of_them(answer, client, staff_user):
    item = RoadmapItemFactory(region=answer.meeting.region, title="Festival du désert", status=Status.PLANNED)
    proposal_link(actor=staff_user, answer_id=answer.pk, item_id=item.pk)
    registration = answer.registration
    manage = client.get(reverse("registrations:manage", args=[registration.public_id, registration.manage_secret]))
    page = manage.content.decode()
    assert "Un festival du désert à Dakhla" in page and "Festival du désert" in page and "Planifiée" in page
    consultation = client.get(reverse("meetings:consultation", args=[answer.public_id, answer.secret]))
    assert "Festival du désert" in consultation.content.decode()


def test_staff_link_from_the_meeting_page_and_a_bad_choice_is_a_clear_400(answer, staff_client):
    other_region_item = RoadmapItemFactory(region=region(9))
    assert answer.meeting.region != other_region_item.region
    url = reverse("roadmap:proposal_link", args=[answer.meeting.slug, answer.pk])
    refused = staff_client.post(url, {"item": str(other_region_item.pk)})
    assert refused.status_code == 400 and not ProposalLink.objects.exists()
    assert staff_client.post(url, {"item": "", "new_title": ""}).status_code == 400
    assert staff_client.post(url, {"new_title": "Nouvelle action", "new_axis": "product"}).status_code == 302
    page = staff_client.get(reverse("roadmap:proposals", args=[answer.meeting.slug])).content.decode()
    assert "Nouvelle action" in page and "Un festival du désert à Dakhla" in page
