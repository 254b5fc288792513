from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from meetings.models import Meeting
from meetings.tests.factories import MeetingFactory, RegistrationFactory, TourFactory
from regions.tests.factories import UserFactory, region

pytestmark = pytest.mark.django_db

CASABLANCA = ZoneInfo("Africa/Casablanca")
CHANGELIST = reverse("admin:meetings_meeting_changelist")


@pytest.fixture
def notified(monkeypatch):
    calls = []
    for name in ["notify_meeting_cancelled", "notify_meeting_postponed"]:
        monkeypatch.setattr(
            f"meetings.services.notifications.{name}", lambda *, meeting, name=name: calls.append((name, meeting.pk))
        )
    return calls


def split(moment: datetime, name: str) -> dict:
    local = timezone.localtime(moment)
    return {f"{name}_0": local.strftime("%Y-%m-%d"), f"{name}_1": local.strftime("%H:%M")}


def meeting_form(tour, *, starts_at: datetime, capacity: int = 80, **overrides) -> dict:
    data = {
        "tour": tour.pk,
        "region": region(11).pk,
        "kind": Meeting.Kind.PROFESSIONALS,
        "title_fr": "Rencontre de Laâyoune",
        "slug": "rencontre-laayoune",
        **split(starts_at, "starts_at"),
        **split(starts_at + timedelta(hours=3), "ends_at"),
        "venue_name_fr": "Palais des congrès",
        "address_fr": "Avenue de la Marche Verte",
        "city_fr": "Laâyoune",
        "capacity": capacity,
        "registration_opens_at_0": "",
        "registration_opens_at_1": "",
        "registration_closes_at_0": "",
        "registration_closes_at_1": "",
        "waitlist_offer_hours": 48,
        "delegation-TOTAL_FORMS": 0,
        "delegation-INITIAL_FORMS": 0,
        "delegation-MIN_NUM_FORMS": 0,
        "delegation-MAX_NUM_FORMS": 1000,
        "agenda_items-TOTAL_FORMS": 0,
        "agenda_items-INITIAL_FORMS": 0,
        "agenda_items-MIN_NUM_FORMS": 0,
        "agenda_items-MAX_NUM_FORMS": 1000,
        "reminders-TOTAL_FORMS": 0,
        "reminders-INITIAL_FORMS": 0,
        "reminders-MIN_NUM_FORMS": 0,
        "reminders-MAX_NUM_FORMS": 1000,
    }
    data.update(overrides)
    return data


def test_changelist_shows_registrations_over_capacity_with_constant_queries(staff_client):
    meeting = MeetingFactory(capacity=50)
    RegistrationFactory.create_batch(3, meeting=meeting)
    with CaptureQueriesContext(connection) as few:
        response = staff_client.get(CHANGELIST)
    assert response.status_code == 200
    assert "3 / 50" in response.content.decode()
    for other in MeetingFactory.create_batch(20):
        RegistrationFactory.create_batch(5, meeting=other)
    with CaptureQueriesContext(connection) as many:
        assert staff_client.get(CHANGELIST).status_code == 200
    assert len(many) == len(few)


def test_changelist_filters_by_tour_region_status_and_month(staff_client):
    february = MeetingFactory(
        region=region(12),
        starts_at=datetime(2027, 2, 20, 10, tzinfo=CASABLANCA),
        ends_at=datetime(2027, 2, 20, 13, tzinfo=CASABLANCA),
    )
    march = MeetingFactory(
        region=region(11),
        status=Meeting.Status.DRAFT,
        starts_at=datetime(2027, 3, 1, 10, tzinfo=CASABLANCA),
        ends_at=datetime(2027, 3, 1, 13, tzinfo=CASABLANCA),
    )
    other_tour = MeetingFactory(
        tour=TourFactory(slug="autre"),
        starts_at=datetime(2027, 4, 10, 10, tzinfo=CASABLANCA),
        ends_at=datetime(2027, 4, 10, 13, tzinfo=CASABLANCA),
    )

    def listed(query: str) -> set[int]:
        response = staff_client.get(f"{CHANGELIST}?{query}")
        assert response.status_code == 200
        return {row.pk for row in response.context["cl"].result_list}

    assert listed("month=2027-02") == {february.pk}
    assert listed(f"region__id__exact={region(11).pk}") == {march.pk}
    assert listed("status__exact=draft") == {march.pk}
    assert listed(f"tour__id__exact={other_tour.tour.pk}") == {other_tour.pk}
    assert listed("month=2027-13") == set()
    assert listed("month=n'importe-quoi") == set()
    assert "février 2027" in staff_client.get(CHANGELIST).content.decode()


def test_adding_an_overlapping_meeting_shows_the_clash_and_saves_nothing(staff_client):
    existing = MeetingFactory(title="Séance de Dakhla")
    count = Meeting.objects.count()
    response = staff_client.post(
        reverse("admin:meetings_meeting_add"),
        meeting_form(existing.tour, starts_at=existing.starts_at + timedelta(hours=1)),
    )
    assert response.status_code == 200
    assert "Séance de Dakhla" in response.content.decode() and "chevaucher" in response.content.decode()
    assert Meeting.objects.count() == count


def test_adding_a_meeting_closing_registration_after_its_start_is_refused(staff_client):
    tour = TourFactory()
    start = timezone.now() + timedelta(days=40)
    data = meeting_form(tour, starts_at=start)
    data.update(split(start + timedelta(hours=1), "registration_closes_at"))
    response = staff_client.post(reverse("admin:meetings_meeting_add"), data)
    assert response.status_code == 200
    assert "au plus tard au début" in response.content.decode()
    assert not Meeting.objects.filter(slug="rencontre-laayoune").exists()


def test_adding_a_meeting_saves_a_draft(staff_client):
    tour = TourFactory()
    response = staff_client.post(
        reverse("admin:meetings_meeting_add"), meeting_form(tour, starts_at=timezone.now() + timedelta(days=40))
    )
    assert response.status_code == 302
    meeting = Meeting.objects.get(slug="rencontre-laayoune")
    assert (meeting.status, meeting.region.number, meeting.sequence) == (Meeting.Status.DRAFT, 11, 0)


def test_agenda_is_entered_inline_and_shown_in_order_on_the_meeting_page(staff_client, client):
    tour = TourFactory()
    rows = [("2", "16:00", "Échanges avec les professionnels", ""), ("1", "15:00", "Mot de bienvenue", "CRT")]
    agenda = {"agenda_items-TOTAL_FORMS": len(rows)}
    for n, (position, at, title, speaker) in enumerate(rows):
        agenda.update(
            {
                f"agenda_items-{n}-position": position,
                f"agenda_items-{n}-starts_at": at,
                f"agenda_items-{n}-title_fr": title,
                f"agenda_items-{n}-speaker": speaker,
            }
        )
    response = staff_client.post(
        reverse("admin:meetings_meeting_add"),
        meeting_form(tour, starts_at=timezone.now() + timedelta(days=40), **agenda),
    )
    assert response.status_code == 302
    meeting = Meeting.objects.get(slug="rencontre-laayoune")
    titles = [item.title for item in meeting.agenda_items.all()]
    assert titles == ["Mot de bienvenue", "Échanges avec les professionnels"]
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.PUBLISHED)
    body = client.get(meeting.get_absolute_url()).content.decode()
    assert body.index("Mot de bienvenue") < body.index("Échanges avec les professionnels")


def test_capacity_cannot_go_below_the_confirmed_registrations(staff_client):
    meeting = MeetingFactory(capacity=10, region=region(11), slug="rencontre-laayoune")
    RegistrationFactory.create_batch(4, meeting=meeting)
    url = reverse("admin:meetings_meeting_change", args=[meeting.pk])
    response = staff_client.post(url, meeting_form(meeting.tour, starts_at=meeting.starts_at, capacity=3))
    assert response.status_code == 200
    assert "4 places sont déjà attribuées" in response.content.decode()
    assert Meeting.objects.get(pk=meeting.pk).capacity == 10
    response = staff_client.post(url, meeting_form(meeting.tour, starts_at=meeting.starts_at, capacity=4))
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.capacity == 4 and meeting.sequence == 1  # the title and venue changed too


def test_publish_action_reports_meetings_it_cannot_publish(staff_client):
    draft = MeetingFactory(status=Meeting.Status.DRAFT)
    cancelled = MeetingFactory(status=Meeting.Status.CANCELLED)
    response = staff_client.post(
        CHANGELIST, {"action": "publish", "_selected_action": [draft.pk, cancelled.pk]}, follow=True
    )
    body = response.content.decode()
    assert "1 rencontre publiée." in body and "impossible de la publier" in body
    assert Meeting.objects.get(pk=draft.pk).status == Meeting.Status.PUBLISHED
    assert Meeting.objects.get(pk=cancelled.pk).status == Meeting.Status.CANCELLED


@pytest.mark.parametrize(
    ("language", "published", "refused"),
    [
        ("en", "1 meeting published.", "is cancelled: it cannot be published."),
        ("ar", "نُشر 1 لقاء.", "حالته: ملغى، ولا يمكن نشره."),
    ],
)
def test_admin_actions_answer_in_the_staff_members_language(staff_client, language, published, refused):
    draft = MeetingFactory(status=Meeting.Status.DRAFT)
    cancelled = MeetingFactory(status=Meeting.Status.CANCELLED)
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = staff_client.post(
        CHANGELIST, {"action": "publish", "_selected_action": [draft.pk, cancelled.pk]}, follow=True
    )
    body = response.content.decode()
    assert published in body and refused in body
    assert "publiée" not in body


def test_tour_timeline_speaks_english_with_plurals(staff_client):
    tour = TourFactory()
    MeetingFactory(tour=tour, region=region(12))
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = staff_client.get(reverse("admin:meetings_tour_timeline", args=[tour.pk])).content.decode()
    assert "Stops (1 region out of 12)" in body and "Regions not yet scheduled (11)" in body
    assert "Dakhla-Oued Ed-Dahab" in body


def test_cancel_action_asks_for_confirmation_then_cancels_and_notifies(staff_client, notified):
    meeting = MeetingFactory()
    RegistrationFactory.create_batch(2, meeting=meeting)
    response = staff_client.post(CHANGELIST, {"action": "cancel", "_selected_action": [meeting.pk]})
    assert response.status_code == 200
    assert (
        "Oui, annuler ces rencontres" in response.content.decode()
        and "2 inscrits avec une place" in response.content.decode()
    )
    assert Meeting.objects.get(pk=meeting.pk).status == Meeting.Status.PUBLISHED
    response = staff_client.post(
        CHANGELIST, {"action": "cancel", "_selected_action": [meeting.pk], "confirm": "yes"}, follow=True
    )
    assert "1 rencontre annulée ; les inscrits sont prévenus." in response.content.decode()
    assert Meeting.objects.get(pk=meeting.pk).status == Meeting.Status.CANCELLED
    assert notified == [("notify_meeting_cancelled", meeting.pk)]


def test_postpone_action_leads_to_a_form_that_moves_the_meeting(staff_client, notified):
    meeting, other = MeetingFactory.create_batch(2)
    response = staff_client.post(CHANGELIST, {"action": "postpone", "_selected_action": [meeting.pk, other.pk]})
    assert response.status_code == 302 and response["Location"].endswith(CHANGELIST)
    response = staff_client.post(CHANGELIST, {"action": "postpone", "_selected_action": [meeting.pk]})
    url = reverse("admin:meetings_meeting_postpone", args=[meeting.pk])
    assert response["Location"] == url
    assert staff_client.get(url).status_code == 200
    clash = staff_client.post(url, {**split(other.starts_at, "starts_at"), **split(other.ends_at, "ends_at")})
    assert clash.status_code == 200 and "chevaucher" in clash.content.decode()
    bad = staff_client.post(
        url, {"starts_at_0": "31/02/2027", "starts_at_1": "25:00", **split(other.ends_at, "ends_at")}
    )
    assert bad.status_code == 200 and Meeting.objects.get(pk=meeting.pk).status == Meeting.Status.PUBLISHED
    new_start = (meeting.starts_at + timedelta(days=60)).replace(second=0)
    response = staff_client.post(
        url, {**split(new_start, "starts_at"), **split(new_start + timedelta(hours=2), "ends_at")}
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.status, meeting.starts_at) == (Meeting.Status.POSTPONED, new_start)
    assert notified == [("notify_meeting_postponed", meeting.pk)]


def test_invitations_are_scheduled_from_the_admin_once_per_contact(staff_client, django_capture_on_commit_callbacks):
    from messaging.models import OutboundMessage
    from regions.tests.factories import ContactFactory

    meeting = MeetingFactory()
    invited = ContactFactory.create_batch(2, region=meeting.region)
    ContactFactory(region=meeting.region, invite=False)
    response = staff_client.post(
        CHANGELIST, {"action": "send_invitations", "_selected_action": [meeting.pk]}, follow=True
    )
    url = reverse("admin:meetings_meeting_invitations", args=[meeting.pk])
    assert response.redirect_chain[-1][0] == url
    assert response.status_code == 200
    # Before anything goes: the two contacts to invite (not the third) and the message they will read.
    preview = response.context["preview"]
    assert sorted(contact.pk for contact in preview.recipients) == sorted(contact.pk for contact in invited)
    assert meeting.title in preview.subject + preview.text and "?invitation=" in preview.text
    assert preview.problem is None

    too_late = staff_client.post(url, split(meeting.starts_at + timedelta(hours=1), "send_after"))
    assert too_late.status_code == 200 and "avant le début" in too_late.content.decode()
    assert not OutboundMessage.objects.exists()

    when = timezone.localtime(meeting.starts_at - timedelta(days=7)).replace(second=0)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(url, split(when, "send_after"), follow=True)
        staff_client.post(url, split(when, "send_after"))
    assert "2 nouvelles invitations, envoi à partir du" in response.content.decode()
    messages = OutboundMessage.objects.filter(kind=OutboundMessage.Kind.INVITATION)
    assert sorted(message.contact_id for message in messages) == sorted(contact.pk for contact in invited)
    assert {message.send_after for message in messages} == {when}
    assert {message.status for message in messages} == {OutboundMessage.Status.QUEUED}


def test_duplicate_action_proposes_an_unscheduled_region_and_creates_a_draft(staff_client):
    source = MeetingFactory(region=region(1))
    response = staff_client.post(CHANGELIST, {"action": "duplicate", "_selected_action": [source.pk]})
    url = reverse("admin:meetings_meeting_duplicate", args=[source.pk])
    assert response["Location"] == url
    assert staff_client.get(url).context["form"].initial["region"] == region(2)
    new_start = (source.starts_at + timedelta(days=8)).replace(second=0)
    response = staff_client.post(url, {"region": region(12).pk, **split(new_start, "starts_at")})
    copy = Meeting.objects.exclude(pk=source.pk).get()
    assert response["Location"] == reverse("admin:meetings_meeting_change", args=[copy.pk])
    assert (copy.region, copy.status, copy.starts_at) == (region(12), Meeting.Status.DRAFT, new_start)


def test_tour_timeline_shows_stops_in_order_and_unscheduled_regions(staff_client):
    tour = TourFactory()
    MeetingFactory(tour=tour, region=region(12), title="Étape de Dakhla")
    MeetingFactory(tour=tour, region=region(11), title="Étape de Laâyoune", status=Meeting.Status.DRAFT)
    changelist = staff_client.get(reverse("admin:meetings_tour_changelist")).content.decode()
    url = reverse("admin:meetings_tour_timeline", args=[tour.pk])
    assert url in changelist
    body = staff_client.get(url).content.decode()
    assert body.index("Étape de Dakhla") < body.index("Étape de Laâyoune")
    assert "Brouillon" in body and "Publiée" in body
    unscheduled = body[body.index('id="unscheduled"') :]
    assert "Souss-Massa" in unscheduled and "Dakhla" not in unscheduled
    assert "Régions non programmées (10)" in body


def test_admin_meeting_pages_are_for_staff_only(client):
    meeting = MeetingFactory()
    client.force_login(UserFactory())
    for url in [
        CHANGELIST,
        reverse("admin:meetings_meeting_postpone", args=[meeting.pk]),
        reverse("admin:meetings_tour_timeline", args=[meeting.tour.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_admin_change_and_add_pages_load(staff_client):
    meeting = MeetingFactory()
    for url in [
        reverse("admin:meetings_meeting_change", args=[meeting.pk]),
        reverse("admin:meetings_meeting_add"),
        reverse("admin:meetings_tour_change", args=[meeting.tour.pk]),
        reverse("admin:meetings_meeting_duplicate", args=[meeting.pk]),
    ]:
        assert staff_client.get(url).status_code == 200
    assert staff_client.get(reverse("admin:meetings_meeting_postpone", args=[999999])).status_code == 404
    change_page = staff_client.get(reverse("admin:meetings_meeting_change", args=[meeting.pk])).content.decode()
    assert reverse("admin:meetings_meeting_postpone", args=[meeting.pk]) in change_page
    assert reverse("admin:meetings_tour_timeline", args=[meeting.tour.pk]) in change_page


def test_dates_of_a_published_meeting_change_only_through_postponement(staff_client):
    meeting = MeetingFactory(region=region(11), slug="rencontre-laayoune")
    url = reverse("admin:meetings_meeting_change", args=[meeting.pk])
    moved = meeting.starts_at + timedelta(days=3)
    response = staff_client.post(url, meeting_form(meeting.tour, starts_at=moved))
    assert response.status_code == 302
    assert Meeting.objects.get(pk=meeting.pk).starts_at == meeting.starts_at
    late = split(meeting.starts_at + timedelta(hours=1), "registration_closes_at")
    response = staff_client.post(url, meeting_form(meeting.tour, starts_at=meeting.starts_at, **late))
    assert response.status_code == 200 and "au plus tard au début" in response.content.decode()


def test_duplicating_onto_a_busy_slot_shows_the_clash(staff_client):
    source = MeetingFactory(title="Séance de Dakhla")
    url = reverse("admin:meetings_meeting_duplicate", args=[source.pk])
    response = staff_client.post(url, {"region": region(11).pk, **split(source.starts_at, "starts_at")})
    assert response.status_code == 200
    assert "Séance de Dakhla" in response.content.decode() and "chevaucher" in response.content.decode()
    response = staff_client.post(url, {"region": "", "starts_at_0": "demain", "starts_at_1": ""})
    assert response.status_code == 200 and response.context["form"].errors.keys() == {"region", "starts_at"}
    assert Meeting.objects.count() == 1


def test_tour_dates_cannot_leave_a_meeting_outside_the_tour(staff_client):
    meeting = MeetingFactory(title="Rencontre de Dakhla")
    tour = meeting.tour
    url = reverse("admin:meetings_tour_change", args=[tour.pk])
    data = {"name_fr": tour.name, "slug": tour.slug, "description_fr": "", "is_published": "on"}
    last_day = timezone.localdate(meeting.starts_at) - timedelta(days=1)
    response = staff_client.post(url, {**data, "starts_on": tour.starts_on, "ends_on": last_day})
    assert response.status_code == 200 and "Rencontre de Dakhla" in response.content.decode()
    tour.refresh_from_db()
    assert tour.ends_on > last_day
    response = staff_client.post(url, {**data, "starts_on": tour.starts_on, "ends_on": last_day + timedelta(days=1)})
    assert response.status_code == 302


def test_invitations_that_would_lead_to_a_closed_page_are_refused_with_what_to_do(staff_client):
    from messaging.models import OutboundMessage
    from regions.tests.factories import ContactFactory

    meeting = MeetingFactory(registration_opens_at=timezone.now() + timedelta(days=3))
    ContactFactory(region=meeting.region)
    url = reverse("admin:meetings_meeting_invitations", args=[meeting.pk])
    page = staff_client.get(url).content.decode()
    assert "programmez les invitations à partir de cette date" in page
    assert "programmez les invitations" in staff_client.post(url, {}).content.decode()
    assert not OutboundMessage.objects.exists()
    # Scheduled for when registration is open, they are accepted.
    when = timezone.localtime(meeting.registration_opens_at + timedelta(hours=1)).replace(second=0, microsecond=0)
    assert staff_client.post(url, split(when, "send_after")).status_code == 302
    assert OutboundMessage.objects.filter(kind=OutboundMessage.Kind.INVITATION).count() == 1
