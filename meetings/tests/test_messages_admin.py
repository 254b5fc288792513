from datetime import time, timedelta

import pytest
from django.conf import settings
from django.contrib.admin import AdminSite
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from meetings.admin.campaigns import ReminderInline, add_default_reminders
from meetings.models import Meeting, Registration, SurveyResponse
from meetings.tests.factories import MeetingFactory, RegistrationFactory
from messaging import tasks
from messaging.models import OutboundMessage
from messaging.tests.factories import OutboundMessageFactory
from onmt_portal.celery import app as celery_app

pytestmark = pytest.mark.django_db

Status = OutboundMessage.Status


def test_message_list_filters_and_keeps_a_constant_number_of_queries(staff_client, django_assert_max_num_queries):
    url = reverse("admin:messaging_outboundmessage_changelist")
    OutboundMessageFactory(meeting=MeetingFactory())
    staff_client.get(url)
    with django_assert_max_num_queries(12) as few:
        assert staff_client.get(url).status_code == 200
    for meeting in MeetingFactory.create_batch(5):
        OutboundMessageFactory.create_batch(3, meeting=meeting, status=Status.FAILED, last_error="550")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = staff_client.get(url, {"status__exact": "failed", "kind__exact": "invitation"})
    assert response.status_code == 200 and response.text.count("550") >= 15


def test_staff_resend_a_failed_message(staff_client, django_capture_on_commit_callbacks):
    failed = OutboundMessageFactory(status=Status.FAILED, attempts=1, last_error="550 No such user")
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("admin:messaging_outboundmessage_changelist"),
            {"action": "resend", "_selected_action": [failed.pk]},
            follow=True,
        )
    assert "1 message remis en file." in response.text
    failed.refresh_from_db()
    assert failed.status == Status.SENT and len(mail.outbox) == 1


def test_counts_per_meeting_in_one_query(staff_client, django_assert_max_num_queries):
    url = reverse("admin:meetings_meetingmessagestats_changelist")
    meeting = MeetingFactory(title="Rencontre de Dakhla")
    OutboundMessageFactory.create_batch(2, meeting=meeting)
    OutboundMessageFactory.create_batch(3, meeting=meeting, status=Status.SENT, sent_at=timezone.now())
    OutboundMessageFactory(meeting=meeting, status=Status.FAILED)
    for rating in (3, 5):
        registration = RegistrationFactory(meeting=meeting, status=Registration.Status.ATTENDED)
        SurveyResponse.objects.create(meeting=meeting, registration=registration, rating=rating)
    staff_client.get(url)
    with django_assert_max_num_queries(12) as few:
        response = staff_client.get(url)
    row = next(line for line in response.text.split("<tr") if "Rencontre de Dakhla" in line)
    cells = [cell.split(">", 1)[1].split("<", 1)[0] for cell in row.split("<td")[1:]]
    assert cells[-5:] == ["2", "3", "1", "2", "4.0 / 5"]
    for other in MeetingFactory.create_batch(4):
        OutboundMessageFactory(meeting=other)
    with django_assert_max_num_queries(len(few.captured_queries)):
        staff_client.get(url)


def test_survey_responses_are_listed_for_staff(staff_client):
    registration = RegistrationFactory(status=Registration.Status.ATTENDED)
    SurveyResponse.objects.create(
        meeting=registration.meeting, registration=registration, rating=2, comment="Salle trop petite"
    )
    elsewhere = RegistrationFactory(status=Registration.Status.ATTENDED)
    SurveyResponse.objects.create(
        meeting=elsewhere.meeting, registration=elsewhere, rating=5, comment="Autre rencontre parfaite"
    )
    response = staff_client.get(
        reverse("admin:meetings_surveyresponse_changelist"), {"meeting__id__exact": registration.meeting_id}
    )
    assert "Salle trop petite" in response.text
    assert "Autre rencontre parfaite" not in response.text


def _request(rf, staff_user):
    request = rf.post("/admin/meetings/meeting/")
    request.user = staff_user
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def test_beat_schedule_names_registered_tasks_and_no_countdown_exceeds_the_visibility_timeout():
    celery_app.loader.import_default_modules()
    registered = set(celery_app.tasks)
    assert {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()} <= registered
    assert tasks.send_batch.name in registered
    assert settings.MESSAGING_RETRY_BACKOFF_MAX < settings.CELERY_VISIBILITY_TIMEOUT
    assert timedelta(seconds=max(e["schedule"] for e in settings.CELERY_BEAT_SCHEDULE.values())) < timedelta(minutes=10)


def test_add_default_reminders_action(rf, staff_user):
    from django.contrib.admin import ModelAdmin

    meeting = MeetingFactory()
    request = _request(rf, staff_user)
    modeladmin = ModelAdmin(Meeting, AdminSite())
    add_default_reminders(modeladmin, request, Meeting.objects.filter(pk=meeting.pk))
    add_default_reminders(modeladmin, request, Meeting.objects.filter(pk=meeting.pk))
    assert {(r.offset, r.local_time) for r in meeting.reminders.all()} == {(timedelta(days=2), None), (None, time(8))}
    assert meeting.reminders.count() == 2


def test_reminder_inline_saves_a_reminder_at_any_offset_and_refuses_an_ambiguous_one(rf, staff_user):
    meeting = MeetingFactory()
    inline = ReminderInline(Meeting, AdminSite())
    formset_class = inline.get_formset(_request(rf, staff_user), meeting)
    prefix = formset_class.get_default_prefix()

    def post(**row):
        data = {f"{prefix}-TOTAL_FORMS": "1", f"{prefix}-INITIAL_FORMS": "0", f"{prefix}-0-days_before": "0"}
        data.update({f"{prefix}-0-{name}": value for name, value in row.items()})
        return formset_class(data, instance=meeting, prefix=prefix)

    ambiguous = post(offset="3:00:00", local_time="08:00")
    assert not ambiguous.is_valid()
    formset = post(offset="3:00:00")
    assert formset.is_valid(), formset.errors
    formset.save()
    reminder = meeting.reminders.get()
    assert str(reminder) == "3 h 00 avant le début"
    assert reminder.due_at(starts_at=meeting.starts_at) == meeting.starts_at - timedelta(hours=3)
