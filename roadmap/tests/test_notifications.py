"""The roadmap's e-mails: officials told of ONMT's changes (at once or in digests), staff reminded of due dates."""

import datetime
import re
from datetime import timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.tests.concurrency import run_at_once
from messaging.models import OutboundMessage
from messaging.sending import _headers
from regions.tests.factories import OfficialFactory, UserFactory, region
from roadmap import notifications
from roadmap.models import (
    DigestEntry,
    ItemChange,
    ItemResponsible,
    NoticeFrequency,
    NotificationPreference,
    RoadmapItem,
)
from roadmap.services import roadmap_item_acknowledge, roadmap_item_update
from roadmap.tests.factories import RoadmapItemFactory
from roadmap.tokens import CHANGES, REMINDERS

pytestmark = pytest.mark.django_db

Kind = OutboundMessage.Kind
CASABLANCA = ZoneInfo("Africa/Casablanca")


@pytest.fixture
def staff():
    return UserFactory(is_staff=True, first_name="Salma", last_name="Idrissi", email="salma.idrissi@onmt.ma")


def _edit(item, staff, **data):
    return roadmap_item_update(actor=staff, item=item, data=data)


def _official(region_number=12, frequency=None, **fields):
    contact = OfficialFactory(region=region(region_number), **fields)
    if frequency is not None:
        notifications.notification_preference_update(user=contact.user, frequency=frequency)
    return contact


def _messages(kind):
    return list(OutboundMessage.objects.filter(kind=kind).order_by("pk"))


def _path(url: str) -> str:
    return urlsplit(url).path


# ------------------------------------------------------------------ at once


def test_an_official_is_told_at_once_what_changed_before_and_after_with_a_link_to_acknowledge(staff):
    item = RoadmapItemFactory(region=region(12), due_on=datetime.date(2027, 1, 15), status="planned")
    official = _official(12, full_name="Mariam Ould Sidi")
    other_region = _official(9)

    _edit(item, staff, due_on=datetime.date(2027, 2, 28), status=RoadmapItem.Status.IN_PROGRESS)

    [message] = _messages(Kind.ROADMAP_CHANGE)
    assert (message.recipient_email, message.recipient_name, message.language) == (
        official.email,
        "Mariam Ould Sidi",
        "fr",
    )
    assert message.idempotency_key == f"roadmap_change:{item.pk}:1:{official.user.pk}"
    assert item.title in message.subject
    text = message.body_text
    assert "Statut : Planifiée → En cours" in text
    assert "Échéance : 15 janvier 2027 → 28 février 2027" in text
    assert "par Salma Idrissi (ONMT)" in text
    item_url = f"/feuille-de-route/{item.region.slug}/actions/{item.pk}/#modifications"
    assert item_url in text and item_url in message.body_html
    assert "accuser réception" in text
    assert message.unsubscribe_url and message.unsubscribe_url in text
    assert other_region.email not in {m.recipient_email for m in OutboundMessage.objects.all()}
    change = ItemChange.objects.get(item=item)
    assert (change.number, change.changed_by, change.material) == (1, staff, True)


def test_the_message_is_in_the_officials_language(staff):
    item = RoadmapItemFactory(region=region(12), due_on=datetime.date(2027, 1, 15))
    official = _official(12, language="ar")
    _edit(item, staff, due_on=datetime.date(2027, 2, 28))
    notifications.notification_preference_update(user=official.user, language="en")
    _edit(item, staff, due_on=datetime.date(2027, 3, 31))
    arabic, english = _messages(Kind.ROADMAP_CHANGE)
    assert arabic.language == "ar" and "يناير" in arabic.body_text and 'dir="rtl"' in arabic.body_html
    assert english.language == "en" and "February 2027" in english.body_text


def test_the_link_shows_the_change_and_the_official_acknowledges_it(client, staff):
    item = RoadmapItemFactory(region=region(12), title="Vols charters Paris–Dakhla", progress=10)
    official = _official(12)
    _edit(item, staff, title="Vols charters Paris et Lyon–Dakhla")
    client.force_login(official.user)
    page = client.get(reverse("roadmap:item", args=[item.region.slug, item.pk])).content.decode()
    assert 'id="modifications"' in page
    assert "Vols charters Paris–Dakhla" in page and "Vols charters Paris et Lyon–Dakhla" in page
    assert "À revoir par le CRT" in page
    item.refresh_from_db()
    roadmap_item_acknowledge(actor=official.user, item=item, revision=item.revision)
    page = client.get(reverse("roadmap:item", args=[item.region.slug, item.pk])).content.decode()
    assert "À revoir par le CRT" not in page


def test_nobody_is_told_of_an_edit_that_changes_nothing_nor_an_official_who_asked_for_no_email(staff):
    item = RoadmapItemFactory(region=region(12), progress=10)
    _official(12, frequency=NoticeFrequency.NEVER)
    _edit(item, staff, progress=10)
    assert not ItemChange.objects.exists()
    _edit(item, staff, progress=40)
    assert ItemChange.objects.count() == 1
    assert not OutboundMessage.objects.exists() and not DigestEntry.objects.exists()


# ------------------------------------------------------------------ digests


def test_a_daily_digest_holds_the_changes_once_and_is_not_sent_again(staff):
    first = RoadmapItemFactory(region=region(12), title="Salon ITB Berlin", progress=10)
    second = RoadmapItemFactory(region=region(12), title="Eductour kitesurf", progress=0)
    official = _official(12, frequency=NoticeFrequency.DAILY)
    _edit(first, staff, progress=30)
    _edit(first, staff, progress=50)
    _edit(second, staff, status=RoadmapItem.Status.IN_PROGRESS)
    assert not OutboundMessage.objects.exists()
    assert DigestEntry.objects.filter(recipient=official.user, digested_at=None).count() == 3

    now = timezone.now()
    assert notifications.digests_send(now=now) == 0  # recorded after today's slot: tomorrow's digest
    tomorrow = now + timedelta(days=1)
    assert notifications.digests_send(now=tomorrow) == 1
    assert notifications.digests_send(now=tomorrow) == 0
    assert notifications.digests_send(now=tomorrow + timedelta(days=8)) == 0

    [digest] = _messages(Kind.ROADMAP_DIGEST)
    assert digest.recipient_email == official.email
    assert "3 modifications" in digest.subject
    assert "Salon ITB Berlin" in digest.body_text and "Eductour kitesurf" in digest.body_text
    assert "10 % → 30 %" in digest.body_text and "30 % → 50 %" in digest.body_text
    assert digest.unsubscribe_url
    assert not DigestEntry.objects.filter(digested_at=None).exists()


@pytest.mark.parametrize(
    ("now", "frequency", "slot"),
    [
        # Wednesday 2 December 2026.
        (datetime.datetime(2026, 12, 2, 10, 0), NoticeFrequency.DAILY, datetime.datetime(2026, 12, 2, 8, 0)),
        (datetime.datetime(2026, 12, 2, 7, 59), NoticeFrequency.DAILY, datetime.datetime(2026, 12, 1, 8, 0)),
        (datetime.datetime(2026, 12, 2, 10, 0), NoticeFrequency.WEEKLY, datetime.datetime(2026, 11, 30, 8, 0)),
        (datetime.datetime(2026, 11, 30, 7, 0), NoticeFrequency.WEEKLY, datetime.datetime(2026, 11, 23, 8, 0)),
        # Ramadan 2027: Morocco is on UTC+0, not UTC+1; the digest stays at 08:00 local time.
        (datetime.datetime(2027, 2, 20, 9, 0), NoticeFrequency.DAILY, datetime.datetime(2027, 2, 20, 8, 0)),
    ],
)
def test_digests_are_due_at_the_set_hour_and_weekday_in_local_time(now, frequency, slot):
    now = now.replace(tzinfo=CASABLANCA)
    assert notifications.digest_slot(frequency=frequency, now=now) == slot.replace(tzinfo=CASABLANCA)
    assert timezone.localtime(notifications.digest_slot(frequency=frequency, now=now)).hour == 8


def test_a_weekly_digest_waits_for_its_day(staff, settings):
    item = RoadmapItemFactory(region=region(12), progress=0)
    official = _official(12, frequency=NoticeFrequency.WEEKLY)
    _edit(item, staff, progress=20)
    entry = DigestEntry.objects.get(recipient=official.user)
    # Recorded on Tuesday 1 December 2026; the weekly digest goes on Monday at 08:00.
    entry.created_at = datetime.datetime(2026, 12, 1, 15, 0, tzinfo=CASABLANCA)
    entry.save()
    assert notifications.digests_send(now=datetime.datetime(2026, 12, 6, 20, 0, tzinfo=CASABLANCA)) == 0
    assert notifications.digests_send(now=datetime.datetime(2026, 12, 7, 8, 5, tzinfo=CASABLANCA)) == 1
    assert notifications.digests_send(now=datetime.datetime(2026, 12, 14, 8, 5, tzinfo=CASABLANCA)) == 0


def test_an_empty_digest_is_never_sent(staff):
    official = _official(12, frequency=NoticeFrequency.DAILY)
    later = timezone.now() + timedelta(days=2)
    assert notifications.digest_send(user_id=official.user.pk, now=later) is False
    # Changes of a region the official no longer belongs to are not theirs to read: no digest either.
    item = RoadmapItemFactory(region=region(12), progress=0)
    _edit(item, staff, progress=20)
    official.region = region(9)
    official.save()
    assert notifications.digests_send(now=later) == 0
    assert not OutboundMessage.objects.exists() and not DigestEntry.objects.exists()


def test_an_official_who_leaves_the_digest_for_at_once_gets_what_waited_at_the_next_run(staff):
    item = RoadmapItemFactory(region=region(12), progress=0)
    official = _official(12, frequency=NoticeFrequency.DAILY)
    _edit(item, staff, progress=20)
    notifications.notification_preference_update(user=official.user, frequency=NoticeFrequency.AT_ONCE)
    assert notifications.digests_send(now=timezone.now() + timedelta(seconds=1)) == 1


def test_the_digest_build_takes_the_same_queries_for_ten_times_more_changes(staff):
    def queries_for(region_number: int, items: int) -> int:
        official = _official(region_number, frequency=NoticeFrequency.DAILY)
        for n in range(items):
            item = RoadmapItemFactory(region=region(region_number), title=f"Action {region_number}-{n}", progress=0)
            _edit(item, staff, progress=20, due_on=datetime.date(2027, 6, 30))
        later = timezone.now() + timedelta(days=1)
        with CaptureQueriesContext(connection) as queries:
            assert notifications.digest_send(user_id=official.user.pk, now=later)
        return len(queries)

    assert queries_for(12, 3) == queries_for(9, 30)


# ------------------------------------------------------------------ always at once


def test_a_status_change_of_an_item_the_official_acknowledged_is_sent_at_once_whatever_they_chose(staff):
    item = RoadmapItemFactory(region=region(12), status="planned", progress=0)
    president = _official(12, frequency=NoticeFrequency.WEEKLY)
    colleague = _official(12, frequency=NoticeFrequency.WEEKLY)
    roadmap_item_acknowledge(actor=president.user, item=item, revision=item.revision)

    _edit(item, staff, status=RoadmapItem.Status.BLOCKED)
    [message] = _messages(Kind.ROADMAP_CHANGE)
    assert message.recipient_email == president.email
    assert list(DigestEntry.objects.values_list("recipient", flat=True)) == [colleague.user.pk]

    # Not a status change: the president's digest, like anybody's.
    _edit(item, staff, progress=15)
    assert len(_messages(Kind.ROADMAP_CHANGE)) == 1
    assert DigestEntry.objects.filter(recipient=president.user).count() == 1


# ------------------------------------------------------------------ reminders


def _followed_item(staff, **fields):
    item = RoadmapItemFactory(region=region(12), **fields)
    ItemResponsible.objects.create(item=item, user=staff)
    return item


def test_the_responsible_is_reminded_before_the_due_date_and_when_overdue_once_each(staff, settings):
    settings.ROADMAP_REMINDER_DAYS_BEFORE = 7
    item = _followed_item(staff, title="Roadshow Benelux", due_on=datetime.date(2027, 3, 20))
    _followed_item(staff, title="Déjà faite", due_on=datetime.date(2027, 3, 15), status="done")
    RoadmapItemFactory(region=region(12), title="Sans responsable", due_on=datetime.date(2027, 3, 15))

    assert notifications.due_reminders_send(today=datetime.date(2027, 3, 12)) == 0
    assert notifications.due_reminders_send(today=datetime.date(2027, 3, 13)) == 1
    assert notifications.due_reminders_send(today=datetime.date(2027, 3, 14)) == 0
    assert notifications.due_reminders_send(today=datetime.date(2027, 3, 20)) == 0
    assert notifications.due_reminders_send(today=datetime.date(2027, 3, 21)) == 1
    assert notifications.due_reminders_send(today=datetime.date(2027, 4, 30)) == 0

    [soon] = _messages(Kind.ROADMAP_DUE_SOON)
    [late] = _messages(Kind.ROADMAP_OVERDUE)
    assert soon.recipient_email == late.recipient_email == "salma.idrissi@onmt.ma"
    assert soon.subject == "Échéance dans 7 jours : Roadshow Benelux"
    assert late.subject == "Action en retard : Roadshow Benelux"
    assert "20 mars 2027" in soon.body_text and f"/admin/roadmap/roadmapitem/{item.pk}/change/" in soon.body_text
    assert soon.unsubscribe_url and late.unsubscribe_url

    # A new due date: reminded again, once each.
    _edit(item, staff, due_on=datetime.date(2027, 5, 10))
    assert notifications.due_reminders_send(today=datetime.date(2027, 5, 5)) == 1
    assert notifications.due_reminders_send(today=datetime.date(2027, 5, 11)) == 1
    assert notifications.due_reminders_send(today=datetime.date(2027, 5, 12)) == 0


def test_a_responsible_who_unsubscribed_from_reminders_gets_none(staff):
    _followed_item(staff, due_on=datetime.date(2027, 3, 20))
    notifications.notices_unsubscribe(user=staff, topic=REMINDERS)
    assert notifications.due_reminders_send(today=datetime.date(2027, 3, 25)) == 0


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_queue_each_reminder_and_each_digest_once(staff):
    for n in range(5):
        _followed_item(staff, title=f"Action suivie {n}", due_on=datetime.date(2027, 3, 20))
    official = _official(12, frequency=NoticeFrequency.DAILY)
    for item in RoadmapItem.objects.all():
        _edit(item, staff, progress=60)

    reminders = run_at_once([lambda: notifications.due_reminders_send(today=datetime.date(2027, 3, 25))] * 2)
    assert sorted(reminders) == [0, 5]
    assert OutboundMessage.objects.filter(kind=Kind.ROADMAP_OVERDUE).count() == 5

    later = timezone.now() + timedelta(days=1)
    digests = run_at_once([lambda: notifications.digests_send(now=later)] * 2)
    assert sorted(digests) == [0, 1]
    [digest] = _messages(Kind.ROADMAP_DIGEST)
    assert (digest.recipient_email, "5 modifications" in digest.subject) == (official.email, True)


# ------------------------------------------------------------------ unsubscribe


def test_one_click_unsubscribe_without_session_or_csrf_stops_the_notices(staff):
    item = RoadmapItemFactory(region=region(12), progress=0)
    official = _official(12, frequency=NoticeFrequency.DAILY)
    _edit(item, staff, progress=10)  # waits for the digest
    url = _path(notifications.notices_unsubscribe_url(user_id=official.user.pk, topic=CHANGES))
    mail_client = Client(enforce_csrf_checks=True)

    # Mail scanners follow links: a GET only asks.
    assert "Me désabonner" in mail_client.get(url).content.decode()
    assert NotificationPreference.objects.get(user=official.user).frequency == NoticeFrequency.DAILY
    # What a mailbox provider sends (RFC 8058): a POST, no cookie, no CSRF token.
    assert mail_client.post(url, {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert NotificationPreference.objects.get(user=official.user).frequency == NoticeFrequency.NEVER
    assert not DigestEntry.objects.exists()

    _edit(item, staff, status=RoadmapItem.Status.IN_PROGRESS)
    assert notifications.digests_send(now=timezone.now() + timedelta(days=8)) == 0
    assert not OutboundMessage.objects.exists()
    assert mail_client.post(url.replace("/desabonnement/", "/desabonnement/x")).status_code == 404


def test_every_roadmap_message_carries_the_one_click_unsubscribe_headers(staff):
    item = _followed_item(staff, due_on=datetime.date(2027, 3, 20))
    _official(12)
    _edit(item, staff, progress=50)
    notifications.due_reminders_send(today=datetime.date(2027, 3, 18))
    messages = list(OutboundMessage.objects.all())
    assert {message.kind for message in messages} == {Kind.ROADMAP_CHANGE, Kind.ROADMAP_DUE_SOON}
    for message in messages:
        headers = _headers(message)
        assert headers["List-Unsubscribe"] == f"<{message.unsubscribe_url}>"
        assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert "/feuille-de-route/desabonnement/" in message.unsubscribe_url
        assert message.unsubscribe_url in message.body_text and message.unsubscribe_url in message.body_html


# ------------------------------------------------------------------ the profile page


def test_an_official_chooses_a_digest_and_a_language_on_their_profile_page(client):
    official = _official(12, language="fr")
    client.force_login(official.user)
    url = reverse("roadmap:profile")
    page = client.get(url).content.decode()
    assert "Un résumé par semaine" in page and "rappels d'échéance" not in page
    assert re.search(r'value="at_once"[^>]*checked', page)

    answer = client.post(url, {"frequency": "weekly", "language": "ar"})
    assert answer.status_code == 302
    preference = NotificationPreference.objects.get(user=official.user)
    assert (preference.frequency, preference.language) == ("weekly", "ar")
    assert client.post(url, {"frequency": "hourly", "language": "ar"}).status_code == 400


def test_staff_choose_their_reminders_and_others_are_refused(client, staff):
    client.force_login(staff)
    page = client.get(reverse("roadmap:profile")).content.decode()
    assert "Me rappeler l&#x27;échéance" in page and 'name="frequency"' not in page
    assert client.post(reverse("roadmap:profile"), {"language": "en"}).status_code == 302
    preference = NotificationPreference.objects.get(user=staff)
    assert (preference.due_reminders, preference.language) == (False, "en")
    client.force_login(UserFactory())
    assert client.get(reverse("roadmap:profile")).status_code == 403
