"""Staff on a busy day, on PostgreSQL: a service refusing under its lock is a message, not a 500; an edit
made on a page opened before somebody else changed the record is refused with what changed, not saved over
it; a NUL in a query string is a 400."""

import re
import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from meetings.admin.meeting import MeetingAdminForm
from meetings.models import Meeting, Registration
from meetings.services import registration as registration_services
from meetings.tests.factories import MeetingFactory
from meetings.tests.test_admin import meeting_form
from roadmap.models import RoadmapItem
from roadmap.tests.factories import RoadmapItemFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _seen_version(page: str) -> str:
    return re.search(r'name="seen_version" value="([^"]+)"', page)[1]


def _change_form(meeting: Meeting, page: str, **overrides) -> dict:
    data = meeting_form(
        meeting.tour, starts_at=meeting.starts_at, region=meeting.region.pk, slug=meeting.slug, title_fr=meeting.title
    )
    return {**data, "seen_version": _seen_version(page), **overrides}


def _register_many(meeting: Meeting, count: int) -> None:
    """Professionals registering from their phones meanwhile: another thread, its own connection, committed."""

    def run():
        try:
            for number in range(count):
                registration_services.registration_create(
                    meeting_id=meeting.pk,
                    full_name="Pro",
                    organisation="Hôtel",
                    sector=Registration.Sector.LODGING,
                    email=f"pro{number}@example.ma",
                    phone="+212612345678",
                )
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()


def test_lowering_the_capacity_while_people_register_is_a_message_on_the_form_not_a_500(staff_client, monkeypatch):
    meeting = MeetingFactory(capacity=40)
    url = reverse("admin:meetings_meeting_change", args=[meeting.pk])
    page = staff_client.get(url).content.decode()
    clean = MeetingAdminForm.clean

    def registrations_arrive_after_the_form_checked(form):
        cleaned = clean(form)
        # The form counted no registration; thirty arrive before the save takes the meeting's lock.
        if not Registration.objects.filter(meeting=meeting).exists():
            _register_many(meeting, 30)
        return cleaned

    monkeypatch.setattr(MeetingAdminForm, "clean", registrations_arrive_after_the_form_checked)
    response = staff_client.post(url, _change_form(meeting, page, capacity=20))
    assert response.status_code == 200
    assert "30 places sont déjà attribuées" in response.content.decode()
    # What staff typed is still in the form; nothing was saved.
    assert 'name="capacity" value="20"' in response.content.decode()
    assert Meeting.objects.get(pk=meeting.pk).capacity == 40
    assert Registration.objects.filter(meeting=meeting, status=Registration.Status.CONFIRMED).count() == 30


def test_a_publication_made_while_another_staff_member_edits_is_not_lost(staff_user, django_user_model):
    meeting = MeetingFactory(status=Meeting.Status.DRAFT, capacity=40)
    url = reverse("admin:meetings_meeting_change", args=[meeting.pk])
    editor, publisher = Client(), Client()
    editor.force_login(staff_user)
    publisher.force_login(django_user_model.objects.create_superuser("planner", "planner@onmt.ma", "pass-2026-x"))
    page = editor.get(url).content.decode()
    answer = publisher.post(
        reverse("admin:meetings_meeting_changelist"), {"action": "publish", "_selected_action": [meeting.pk]}
    )
    assert answer.status_code == 302
    response = editor.post(url, _change_form(meeting, page, capacity=60))
    assert response.status_code == 200
    body = response.content.decode()
    assert "a été modifié par quelqu" in body and "Publiée" in body
    meeting.refresh_from_db()
    assert (meeting.status, meeting.capacity) == (Meeting.Status.PUBLISHED, 40)
    assert meeting.reminders.count() == 2  # what publishing added is still there
    # Told what changed, the editor saves again: their edit goes in, the publication stays.
    again = editor.post(url, _change_form(meeting, body, capacity=60))
    assert again.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.status, meeting.capacity) == (Meeting.Status.PUBLISHED, 60)


def test_a_roadmap_item_changed_since_the_page_was_opened_is_not_saved_over(staff_client):
    item = RoadmapItemFactory(progress=10)
    url = reverse("admin:roadmap_roadmapitem_change", args=[item.pk])
    page = staff_client.get(url).content.decode()
    RoadmapItem.objects.filter(pk=item.pk).update(progress=50)
    data = {
        "title_fr": item.title,
        "description_fr": item.description,
        "axis": item.axis,
        "product_line": item.product_line,
        "owner": item.owner,
        "priority": item.priority,
        "status": item.status,
        "progress": 20,
        "markets": [],
        "seen_version": _seen_version(page),
        "responsible-TOTAL_FORMS": 0,
        "responsible-INITIAL_FORMS": 0,
        "indicators-TOTAL_FORMS": 0,
        "indicators-INITIAL_FORMS": 0,
        "budget_lines-TOTAL_FORMS": 0,
        "budget_lines-INITIAL_FORMS": 0,
        "history-TOTAL_FORMS": 0,
        "history-INITIAL_FORMS": 0,
        "comments-TOTAL_FORMS": 0,
        "comments-INITIAL_FORMS": 0,
    }
    response = staff_client.post(url, data)
    assert response.status_code == 200
    assert "a été modifié par quelqu" in response.content.decode()
    assert RoadmapItem.objects.get(pk=item.pk).progress == 50


@pytest.mark.parametrize(
    "path",
    [
        "/admin/axes/accesslog/?path_info=%00NUL",
        "/admin/meetings/registration/?q=ab%00cd",
        "/admin/messaging/outboundmessage/?status=%00",
    ],
)
def test_a_nul_in_an_admin_query_string_is_a_400_not_a_500(staff_client, path):
    response = staff_client.get(path)
    assert response.status_code == 400
