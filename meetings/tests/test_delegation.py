"""The delegation of a meeting: who is named, from which lists, and nobody in two places at once."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from meetings.models import AgendaItem, DelegationMember, Meeting
from meetings.selectors.delegation import delegation_conflicts
from meetings.services import delegation as services
from meetings.services import meeting as meeting_services
from meetings.tests.factories import AgendaItemFactory, MeetingFactory, TourFactory
from meetings.tests.test_admin import meeting_form
from regions.models import RegionalCouncil
from regions.tests.factories import ContactFactory, UserFactory, region

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_tours():
    """Two meetings of two tours (a tour's own meetings never overlap), the second an hour after the first starts."""
    first = MeetingFactory(tour=TourFactory(), title="Séance de Dakhla")
    second = MeetingFactory(
        tour=TourFactory(slug="salon-2026", name="Salon 2026"),
        title="Atelier de Laâyoune",
        region=region(12),
        starts_at=first.starts_at + timedelta(hours=1),
        ends_at=first.ends_at + timedelta(hours=1),
    )
    return first, second


def member(meeting, **fields) -> DelegationMember:
    return services.delegation_save(meeting=meeting, changed=[DelegationMember(meeting=meeting, **fields)])[0]


def inline_rows(meeting, rows: list[dict], *, initial: int = 0) -> dict:
    """The meeting's change form with these delegation rows (a row with an `id` is an existing one)."""
    data = meeting_form(
        meeting.tour,
        starts_at=meeting.starts_at,
        region=meeting.region.pk,
        slug=meeting.slug,
        title=meeting.title,
        **{"delegation-TOTAL_FORMS": len(rows), "delegation-INITIAL_FORMS": initial},
    )
    for n, row in enumerate(rows):
        data |= {f"delegation-{n}-{name}": value for name, value in {"position": n, **row}.items()}
    return data


def test_a_member_chosen_from_the_staff_or_the_crt_is_named_as_they_are_now():
    meeting = MeetingFactory()
    staff = UserFactory(first_name="Amina", last_name="Tazi", is_staff=True)
    president = ContactFactory(region=meeting.region, full_name="Brahim Salem", organisation="")
    guest = member(meeting, side="guest", role="speaker", full_name="Invitée CNT", organisation="CNT")
    onmt = member(meeting, side="onmt", role="chair", user=staff)
    crt = member(meeting, side="crt", role="member", contact=president)
    assert (onmt.full_name, onmt.organisation) == ("Amina Tazi", "ONMT")
    # A contact without an organisation is named with the region's CRT: its council's name, else "CRT <region>".
    assert (crt.full_name, crt.organisation) == ("Brahim Salem", "CRT Dakhla-Oued Ed-Dahab")
    RegionalCouncil.objects.create(region=meeting.region, name="Conseil Régional du Tourisme de Dakhla")
    president.refresh_from_db()
    crt.contact = president
    services.delegation_save(meeting=meeting, changed=[crt])
    assert DelegationMember.objects.get(pk=crt.pk).organisation == "Conseil Régional du Tourisme de Dakhla"
    assert (guest.full_name, guest.organisation) == ("Invitée CNT", "CNT")


def test_a_row_naming_nobody_twice_the_same_person_or_another_regions_contact_is_refused():
    meeting = MeetingFactory()
    contact = ContactFactory(region=meeting.region, full_name="Brahim Salem")
    elsewhere = ContactFactory(region=region(9), full_name="Hassan Agadir")
    member(meeting, side="crt", contact=contact)
    for fields, words in [
        ({"side": "guest"}, "saisissez le nom"),
        ({"side": "crt", "contact": contact}, "figure deux fois"),
        ({"side": "crt", "contact": elsewhere}, "n'est pas un contact du CRT de la région"),
    ]:
        with pytest.raises(ValidationError) as error:
            member(meeting, **fields)
        assert words in " ".join(error.value.messages)
    assert meeting.delegation.count() == 1


def test_the_same_person_in_two_overlapping_meetings_is_refused_with_the_other_meeting_and_its_times(two_tours):
    first, second = two_tours
    staff = UserFactory(first_name="Amina", last_name="Tazi", is_staff=True)
    member(first, side="onmt", user=staff)
    with pytest.raises(ValidationError) as error:
        member(second, side="onmt", user=staff)
    message = " ".join(error.value.messages)
    start = timezone.localtime(first.starts_at).strftime("%d/%m/%Y %H:%M")
    end = timezone.localtime(first.ends_at).strftime("%d/%m/%Y %H:%M")
    assert "Amina Tazi" in message and "Séance de Dakhla" in message
    assert f"du \u2068{start}\u2069 au \u2068{end}\u2069" in message
    assert not second.delegation.exists()


def test_back_to_back_meetings_and_cancelled_ones_hold_nobody(two_tours):
    first, second = two_tours
    contact = ContactFactory(region=first.region)
    member(first, side="crt", contact=contact)
    Meeting.objects.filter(pk=second.pk).update(starts_at=first.ends_at, ends_at=first.ends_at + timedelta(hours=2))
    second.refresh_from_db()
    member(second, side="crt", contact=contact)
    assert delegation_conflicts(starts_at=first.starts_at, ends_at=first.ends_at, contact_ids={contact.pk}) != []
    assert (
        delegation_conflicts(
            starts_at=first.starts_at, ends_at=first.ends_at, contact_ids={contact.pk}, exclude_meeting_id=first.pk
        )
        == []
    )
    Meeting.objects.filter(pk=first.pk).update(status=Meeting.Status.CANCELLED)
    third = MeetingFactory(
        tour=TourFactory(slug="autre", name="Autre"), starts_at=first.starts_at, ends_at=first.ends_at
    )
    member(third, side="crt", contact=contact)


def test_moving_a_meeting_onto_a_time_its_delegation_is_expected_elsewhere_is_refused(two_tours):
    first, second = two_tours
    Meeting.objects.filter(pk=second.pk).update(
        starts_at=first.starts_at + timedelta(days=1), ends_at=first.ends_at + timedelta(days=1)
    )
    second.refresh_from_db()
    staff = UserFactory(first_name="Amina", last_name="Tazi", is_staff=True)
    member(first, side="onmt", user=staff)
    member(second, side="onmt", user=staff)
    second.starts_at, second.ends_at = first.starts_at + timedelta(hours=1), first.ends_at + timedelta(hours=1)
    with pytest.raises(ValidationError) as error:
        meeting_services.meeting_save(meeting=second)
    assert "Séance de Dakhla" in " ".join(error.value.message_dict["starts_at"])
    with pytest.raises(ValidationError):
        meeting_services.meeting_postpone(meeting=second, starts_at=second.starts_at, ends_at=second.ends_at)
    assert Meeting.objects.get(pk=second.pk).starts_at == first.starts_at + timedelta(days=1)
    # Other changes of the same meeting still go through.
    second.refresh_from_db()
    second.capacity = 70
    meeting_services.meeting_save(meeting=second)


def test_the_admin_refuses_an_inline_row_of_a_person_expected_elsewhere(staff_client, two_tours):
    first, second = two_tours
    contact = ContactFactory(region=first.region, full_name="Brahim Salem")
    member(first, side="crt", contact=contact)
    url = reverse("admin:meetings_meeting_change", args=[second.pk])
    response = staff_client.post(url, inline_rows(second, [{"side": "crt", "role": "chair", "contact": contact.pk}]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Brahim Salem" in body and "Séance de Dakhla" in body and "deux rencontres en même temps" in body
    assert not second.delegation.exists()
    # A contact of the region who is free, and a typed guest: saved, named by the service.
    free = ContactFactory(region=second.region, full_name="Leila Ould", organisation="CRT Dakhla")
    rows = [
        {"side": "crt", "role": "chair", "contact": free.pk},
        {"side": "guest", "role": "speaker", "full_name": "Karim Idrissi", "organisation": "Royal Air Maroc"},
    ]
    response = staff_client.post(url, inline_rows(second, rows))
    assert response.status_code == 302, response.content.decode()
    assert list(second.delegation.values_list("full_name", "organisation", "role")) == [
        ("Leila Ould", "CRT Dakhla", "chair"),
        ("Karim Idrissi", "Royal Air Maroc", "speaker"),
    ]


def test_the_admin_refuses_new_times_that_put_the_delegation_in_two_places(staff_client, two_tours):
    first, second = two_tours
    later = first.starts_at + timedelta(days=2)
    Meeting.objects.filter(pk=second.pk).update(
        status=Meeting.Status.DRAFT, starts_at=later, ends_at=later + timedelta(hours=3)
    )
    second.refresh_from_db()
    staff = UserFactory(first_name="Amina", last_name="Tazi", is_staff=True)
    member(first, side="onmt", user=staff)
    member(second, side="onmt", user=staff)
    url = reverse("admin:meetings_meeting_change", args=[second.pk])
    kept = second.delegation.get()
    data = inline_rows(
        second, [{"id": kept.pk, "meeting": second.pk, "side": "onmt", "role": "member", "user": staff.pk}], initial=1
    )
    moved = first.starts_at + timedelta(hours=1)
    local = timezone.localtime(moved)
    data |= {
        "starts_at_0": local.strftime("%Y-%m-%d"),
        "starts_at_1": local.strftime("%H:%M"),
        "ends_at_0": (local + timedelta(hours=3)).strftime("%Y-%m-%d"),
        "ends_at_1": (local + timedelta(hours=3)).strftime("%H:%M"),
    }
    response = staff_client.post(url, data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Amina Tazi" in body and "Séance de Dakhla" in body
    assert Meeting.objects.get(pk=second.pk).starts_at == later


def test_the_agenda_names_its_speaker_from_the_meetings_delegation_only(staff_client):
    meeting = MeetingFactory(region=region(11), slug="rencontre-laayoune")
    other = MeetingFactory()
    ours = member(meeting, side="guest", full_name="Karim Idrissi", organisation="Royal Air Maroc")
    theirs = member(other, side="guest", full_name="Nadia Benali", organisation="CNT")
    page = staff_client.get(reverse("admin:meetings_meeting_change", args=[meeting.pk])).content.decode()
    assert "Karim Idrissi (Royal Air Maroc)" in page and "Nadia Benali" not in page
    url = reverse("admin:meetings_meeting_change", args=[meeting.pk])
    agenda = {
        "agenda_items-TOTAL_FORMS": 1,
        "agenda_items-0-position": 1,
        "agenda_items-0-title_fr": "Plan de relance",
        "agenda_items-0-speaker_member": theirs.pk,
    }
    data = inline_rows(
        meeting,
        [
            {
                "id": ours.pk,
                "meeting": meeting.pk,
                "side": "guest",
                "role": "member",
                "full_name": ours.full_name,
                "organisation": ours.organisation,
            }
        ],
        initial=1,
    )
    response = staff_client.post(url, data | agenda)
    assert response.status_code == 200 and not meeting.agenda_items.exists()
    response = staff_client.post(url, data | agenda | {"agenda_items-0-speaker_member": ours.pk})
    assert response.status_code == 302
    assert meeting.agenda_items.get().speaker_member == ours


def test_the_public_agenda_shows_each_speaker_isolated_with_constant_queries(
    client, django_capture_on_commit_callbacks
):
    meeting = MeetingFactory()
    speaker = member(meeting, side="guest", full_name="كريم الإدريسي", organisation="Royal Air Maroc")
    AgendaItemFactory(meeting=meeting, title="Plan de relance", speaker_member=speaker)
    AgendaItemFactory(meeting=meeting, title="Questions", speaker="Nadia Benali")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(meeting.get_absolute_url())
        body = response.content.decode()
        assert "(<bdi>كريم الإدريسي</bdi>, <bdi>Royal Air Maroc</bdi>)" in body
        assert "(<bdi>Nadia Benali</bdi>)" in body
        return len(captured)

    few = queries()
    with django_capture_on_commit_callbacks(execute=True):  # a new generation of the page cache
        for n in range(8):
            AgendaItem.objects.create(
                meeting=meeting,
                position=10 + n,
                title=f"Point {n}",
                speaker_member=member(meeting, side="guest", full_name=f"Invité {n}"),
            )
    assert queries() == few


def test_the_meeting_admin_page_lists_the_people_once_whatever_the_size_of_its_delegation(staff_client):
    meeting = MeetingFactory()
    url = reverse("admin:meetings_meeting_change", args=[meeting.pk])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert staff_client.get(url).status_code == 200
        return len(captured)

    few = queries()
    for n in range(8):
        contact = ContactFactory(region=meeting.region)
        crt = member(meeting, side="crt", contact=contact)
        member(meeting, side="onmt", user=UserFactory(is_staff=True))
        AgendaItem.objects.create(meeting=meeting, position=n, title=f"Point {n}", speaker_member=crt)
    assert queries() <= few


def test_a_speakers_new_organisation_reaches_the_cached_public_page_at_once(client, django_capture_on_commit_callbacks):
    meeting = MeetingFactory()
    with django_capture_on_commit_callbacks(execute=True):
        speaker = member(meeting, side="guest", full_name="Karim Idrissi", organisation="Royal Air Maroc")
        AgendaItemFactory(meeting=meeting, title="Plan de relance", speaker_member=speaker)
    assert "Royal Air Maroc" in client.get(meeting.get_absolute_url()).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        speaker.organisation = "Air Arabia Maroc"
        services.delegation_save(meeting=meeting, changed=[speaker])
    assert "Air Arabia Maroc" in client.get(meeting.get_absolute_url()).content.decode()
