import re
from datetime import UTC, datetime, time, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from meetings import tokens
from meetings.models import Meeting, MeetingFollowUp, Minutes, Registration, Reminder
from meetings.services import campaigns, notifications
from meetings.tests.factories import DecisionFactory, MeetingFactory, RegistrationFactory, ReminderFactory
from messaging.models import OutboundMessage
from regions.models import Contact
from regions.tests.factories import ContactFactory, region

pytestmark = pytest.mark.django_db

Kind = OutboundMessage.Kind


def _recipients():
    return sorted(message.to[0].split("<")[-1].rstrip(">") for message in mail.outbox)


def test_invitations_go_once_to_each_contact_to_invite_of_the_region(django_capture_on_commit_callbacks):
    meeting = MeetingFactory()
    crt = ContactFactory(region=meeting.region)
    association = ContactFactory(region=meeting.region, kind=Contact.Kind.ASSOCIATION)
    ContactFactory(region=meeting.region, invite=False)
    ContactFactory(region=region(1))
    with django_capture_on_commit_callbacks(execute=True):
        assert campaigns.invitations_send(meeting_id=meeting.pk) == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert campaigns.invitations_send(meeting_id=meeting.pk) == 0
    assert _recipients() == sorted([crt.email, association.email])
    body = next(m.body for m in mail.outbox if crt.email in m.to[0])
    link = re.search(r"(http://127\.0\.0\.1:8000/inscriptions/\S+)", body).group(1)
    assert urlsplit(link).path == f"/inscriptions/{meeting.slug}/"
    token = parse_qs(urlsplit(link).query)["invitation"][0]
    assert tokens.invitation_token_read(token=token, meeting_id=meeting.pk) == crt.pk


def test_scheduled_invitations_wait_for_the_sweep(django_capture_on_commit_callbacks):
    meeting = MeetingFactory()
    ContactFactory(region=meeting.region)
    with django_capture_on_commit_callbacks(execute=True):
        campaigns.invitations_send(meeting_id=meeting.pk, send_after=timezone.now() + timedelta(hours=2))
    assert mail.outbox == [] and OutboundMessage.objects.get().status == OutboundMessage.Status.QUEUED


def test_invitations_cannot_be_scheduled_after_the_meeting_starts():
    meeting = MeetingFactory()
    ContactFactory(region=meeting.region)
    with pytest.raises(ValidationError) as error:
        campaigns.invitations_send(meeting_id=meeting.pk, send_after=meeting.starts_at)
    assert "avant le début" in error.value.message_dict["send_after"][0]
    assert not OutboundMessage.objects.exists()


@pytest.mark.parametrize("status", [Meeting.Status.DRAFT, Meeting.Status.CANCELLED, Meeting.Status.HELD])
def test_invitations_only_for_an_upcoming_published_meeting(status):
    meeting = MeetingFactory(status=status)
    ContactFactory(region=meeting.region)
    with pytest.raises(ValidationError):
        campaigns.invitations_send(meeting_id=meeting.pk)
    assert not OutboundMessage.objects.exists()


def test_reminder_is_due_two_days_before_and_sent_once_to_confirmed_registrants(django_capture_on_commit_callbacks):
    meeting = MeetingFactory()
    confirmed = RegistrationFactory(meeting=meeting)
    RegistrationFactory(meeting=meeting, status=Registration.Status.WAITLISTED)
    ReminderFactory(meeting=meeting)
    before = meeting.starts_at - timedelta(days=2, minutes=1)
    assert campaigns.reminders_send_due(now=before) == 0
    # A late beat run still finds it, a repeated one does not send it again.
    late = meeting.starts_at - timedelta(hours=30)
    with django_capture_on_commit_callbacks(execute=True):
        assert campaigns.reminders_send_due(now=late) == 1
        assert campaigns.reminders_send_due(now=late + timedelta(minutes=1)) == 0
    assert _recipients() == [confirmed.email]
    assert OutboundMessage.objects.get().kind == Kind.REMINDER


def test_reminders_of_past_cancelled_or_draft_meetings_are_never_sent():
    now = timezone.now()
    for status in (Meeting.Status.CANCELLED, Meeting.Status.DRAFT):
        ReminderFactory(meeting=MeetingFactory(status=status, starts_at=now + timedelta(hours=1)))
    assert campaigns.reminders_send_due(now=now) == 0


def test_postponing_moves_pending_reminders_and_rearms_sent_ones(django_capture_on_commit_callbacks):
    meeting = MeetingFactory()
    RegistrationFactory(meeting=meeting)
    two_days = ReminderFactory(meeting=meeting)
    old_due = meeting.starts_at - timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        assert campaigns.reminders_send_due(now=old_due) == 1
    # Staff move the meeting a week later (as meetings.services.meeting_postpone does).
    meeting.starts_at += timedelta(days=7)
    meeting.ends_at += timedelta(days=7)
    meeting.status = Meeting.Status.POSTPONED
    meeting.sequence += 1
    meeting.save()
    morning = Reminder.objects.create(meeting=meeting, local_time=time(8, 0))
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify_meeting_postponed(meeting=meeting)
        campaigns.reminders_rearm(meeting=meeting)
    two_days.refresh_from_db()
    assert two_days.sent_at is None
    assert campaigns.reminders_send_due(now=old_due + timedelta(days=1)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert campaigns.reminders_send_due(now=meeting.starts_at - timedelta(days=2)) == 1
    morning_due = timezone.localtime(meeting.starts_at).replace(hour=8, minute=0, second=0)
    assert morning.due_at(starts_at=meeting.starts_at) == morning_due
    kinds = list(OutboundMessage.objects.order_by("pk").values_list("kind", flat=True))
    assert kinds == [Kind.REMINDER, Kind.MEETING_POSTPONED, Kind.REMINDER]


@pytest.mark.parametrize(
    ("local_start", "utc_due"),
    [
        # Ramadan 2026: Morocco on UTC+0, 08:00 local is 08:00 UTC.
        (datetime(2026, 3, 10, 10, 0), datetime(2026, 3, 10, 8, 0, tzinfo=UTC)),
        # Otherwise UTC+1, 08:00 local is 07:00 UTC.
        (datetime(2026, 4, 14, 10, 0), datetime(2026, 4, 14, 7, 0, tzinfo=UTC)),
        # A meeting at 00:30 local time: "the morning of" is its local day, not the UTC one.
        (datetime(2026, 4, 15, 0, 30), datetime(2026, 4, 15, 7, 0, tzinfo=UTC)),
    ],
)
def test_morning_of_reminder_is_due_at_eight_casablanca_time(local_start, utc_due):
    starts_at = timezone.make_aware(local_start)
    reminder = Reminder(local_time=time(8, 0))
    assert reminder.due_at(starts_at=starts_at) == utc_due


def test_beat_selection_across_the_casablanca_offset():
    ramadan = MeetingFactory(starts_at=timezone.make_aware(datetime(2026, 3, 10, 10, 0)))
    spring = MeetingFactory(starts_at=timezone.make_aware(datetime(2026, 4, 14, 10, 0)))
    for meeting in (ramadan, spring):
        Reminder.objects.create(meeting=meeting, local_time=time(8, 0))
    # 07:30 UTC is 08:30 in spring (due) but 07:30 during Ramadan (not yet).
    assert [r.meeting for r in campaigns.reminders_due(now=datetime(2026, 3, 10, 7, 30, tzinfo=UTC))] == []
    assert [r.meeting for r in campaigns.reminders_due(now=datetime(2026, 4, 14, 7, 30, tzinfo=UTC))] == [spring]
    assert [r.meeting for r in campaigns.reminders_due(now=datetime(2026, 3, 10, 8, 0, tzinfo=UTC))] == [ramadan]


def test_invited_contacts_who_did_not_register_can_be_reminded(django_capture_on_commit_callbacks):
    meeting = MeetingFactory()
    registered = ContactFactory(region=meeting.region)
    pending = ContactFactory(region=meeting.region)
    with django_capture_on_commit_callbacks(execute=True):
        campaigns.invitations_send(meeting_id=meeting.pk)
    RegistrationFactory(meeting=meeting, email=registered.email)
    ReminderFactory(meeting=meeting, include_invited=True)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        campaigns.reminders_send_due(now=meeting.starts_at - timedelta(days=1))
    reminded = OutboundMessage.objects.filter(kind=Kind.REMINDER)
    assert sorted(reminded.values_list("recipient_email", flat=True)) == sorted([registered.email, pending.email])
    assert reminded.get(contact=pending).body_text.count("?invitation=") == 1


def test_follow_up_after_a_held_meeting_targets_by_attendance(django_capture_on_commit_callbacks):
    meeting = MeetingFactory(status=Meeting.Status.HELD, starts_at=timezone.now() - timedelta(days=2))
    came = RegistrationFactory(meeting=meeting, status=Registration.Status.ATTENDED, attended_at=timezone.now())
    missed = RegistrationFactory(meeting=meeting)
    RegistrationFactory(meeting=meeting, status=Registration.Status.CANCELLED, cancelled_at=timezone.now())
    crt = ContactFactory(region=meeting.region)
    ContactFactory(region=meeting.region, kind=Contact.Kind.ASSOCIATION)
    MeetingFactory(status=Meeting.Status.PUBLISHED, starts_at=timezone.now() - timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert campaigns.follow_ups_send() == 1
        assert campaigns.follow_ups_send() == 0
    kinds = dict(OutboundMessage.objects.values_list("recipient_email", "kind"))
    assert kinds == {came.email: Kind.FOLLOW_UP, missed.email: Kind.FOLLOW_UP_ABSENT, crt.email: Kind.ROADMAP_REVIEW}
    assert len(mail.outbox) == 3
    # Professionals get the public summary (they have no login), CRT contacts the private roadmap.
    public_summary = reverse("regions:roadmap_summary", args=[meeting.region.slug])
    private_roadmap = reverse("roadmap:region", args=[meeting.region.slug])
    follow_up = OutboundMessage.objects.get(kind=Kind.FOLLOW_UP)
    absent = OutboundMessage.objects.get(kind=Kind.FOLLOW_UP_ABSENT)
    for message in (follow_up, absent):
        assert public_summary in message.body_text and public_summary in message.body_html
        assert private_roadmap not in message.body_text + message.body_html
        assert "/suivi/enquete/" in message.body_text
    assert len(absent.body_text) < len(follow_up.body_text)
    review = OutboundMessage.objects.get(kind=Kind.ROADMAP_REVIEW)
    assert private_roadmap in review.body_text and "/suivi/enquete/" not in review.body_text
    assert MeetingFollowUp.objects.filter(meeting=meeting).exists()


def test_the_attendees_follow_up_lists_the_public_decisions_by_title_only(django_capture_on_commit_callbacks):
    meeting = MeetingFactory(status=Meeting.Status.HELD, starts_at=timezone.now() - timedelta(days=2))
    RegistrationFactory(meeting=meeting, status=Registration.Status.ATTENDED, attended_at=timezone.now())
    RegistrationFactory(meeting=meeting, language="ar", status=Registration.Status.ATTENDED)
    RegistrationFactory(meeting=meeting)
    DecisionFactory(meeting=meeting, title="Éductour golf & kitesurf", details="Budget interne", position=2)
    DecisionFactory(meeting=meeting, title="Roadshow Allemagne", position=1)
    DecisionFactory(meeting=meeting, title="Négociation confidentielle", is_public=False)
    DecisionFactory(title="Décision d'une autre rencontre")
    with django_capture_on_commit_callbacks(execute=True):
        campaigns.follow_ups_send()
    for message in OutboundMessage.objects.filter(kind=Kind.FOLLOW_UP):
        text = message.body_text
        assert text.index("- Roadshow Allemagne") < text.index("- Éductour golf & kitesurf"), text
        # In an Arabic or English message, a title with no translation is the French one, marked as such.
        title = "Éductour golf &amp; kitesurf"
        shown = f'<bdi lang="fr">{title}</bdi>' if message.language != "fr" else title
        assert f"<li>{shown}</li>" in message.body_html
        for private in ("Budget interne", "Négociation confidentielle", "Décision d'une autre rencontre"):
            assert private not in text + message.body_html
    absent = OutboundMessage.objects.get(kind=Kind.FOLLOW_UP_ABSENT)
    assert "Roadshow Allemagne" not in absent.body_text


def test_the_follow_up_says_nothing_of_decisions_when_there_are_none(django_capture_on_commit_callbacks):
    meeting = MeetingFactory(status=Meeting.Status.HELD, starts_at=timezone.now() - timedelta(days=2))
    RegistrationFactory(meeting=meeting, status=Registration.Status.ATTENDED, attended_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        campaigns.follow_ups_send()
    assert "engagements" not in OutboundMessage.objects.get(kind=Kind.FOLLOW_UP).body_text


def test_the_follow_up_roadmap_link_opens_without_a_login(client, settings, django_capture_on_commit_callbacks):
    """The link a professional follows lands on the region's figures, not on the login page."""
    meeting = MeetingFactory(status=Meeting.Status.HELD, starts_at=timezone.now() - timedelta(days=2))
    RegistrationFactory(meeting=meeting, status=Registration.Status.ATTENDED, attended_at=timezone.now())
    RegistrationFactory(meeting=meeting)
    with django_capture_on_commit_callbacks(execute=True):
        campaigns.follow_ups_send()
    for message in OutboundMessage.objects.filter(kind__in=[Kind.FOLLOW_UP, Kind.FOLLOW_UP_ABSENT]):
        links = re.findall(re.escape(settings.SITE_URL) + r"(/\S*feuille-de-route/)", message.body_text)
        assert len(links) == 1, message.body_text
        response = client.get(links[0])
        assert response.status_code == 200, links[0]
        # The second link is served from the page cache: the page is told by its heading, not its template.
        assert "<h1>Avancement de la feuille de route" in response.content.decode()


def test_no_follow_up_for_a_meeting_held_long_ago():
    MeetingFactory(status=Meeting.Status.HELD, starts_at=timezone.now() - timedelta(days=40))
    assert campaigns.follow_ups_send() == 0


def test_the_follow_up_waits_for_the_co_signed_minutes_at_most_the_configured_delay(
    settings, django_capture_on_commit_callbacks
):
    settings.MEETINGS_FOLLOW_UP_DELAY_HOURS = 24
    start = timezone.now() - timedelta(hours=6)
    meeting = MeetingFactory(status=Meeting.Status.HELD, starts_at=start, ends_at=start + timedelta(hours=3))
    RegistrationFactory(meeting=meeting, status=Registration.Status.ATTENDED, attended_at=start)
    minutes = Minutes.objects.create(meeting=meeting)
    with django_capture_on_commit_callbacks(execute=True):
        # Minutes being written: the decisions are not final, the follow-up waits.
        assert campaigns.follow_ups_send() == 0
        Minutes.objects.filter(pk=minutes.pk).update(status=Minutes.Status.VALIDATED)
        assert campaigns.follow_ups_send() == 1
    other = MeetingFactory(status=Meeting.Status.HELD, starts_at=start, ends_at=start + timedelta(hours=3))
    RegistrationFactory(meeting=other, status=Registration.Status.ATTENDED, attended_at=start)
    with django_capture_on_commit_callbacks(execute=True):
        assert campaigns.follow_ups_send() == 0
        # Unsigned a day after the end: it goes with what is known.
        assert campaigns.follow_ups_send(now=other.ends_at + timedelta(hours=24)) == 1
