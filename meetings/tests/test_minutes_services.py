from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from meetings.models import Decision, Minutes, MinutesEntry, Registration
from meetings.selectors.minutes import carried_forward_decisions, meeting_attendance
from meetings.services.minutes import (
    MinutesConflict,
    decision_create,
    decision_delete,
    decision_update,
    entry_key,
    minutes_save,
    minutes_start,
)
from meetings.tests.factories import AgendaItemFactory, MeetingFactory, RegistrationFactory, TourFactory
from plan.models import Market
from regions.tests.factories import UserFactory, region
from roadmap.tests.factories import RoadmapItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def editors():
    return (
        UserFactory(username="nadia", first_name="Nadia", last_name="Alaoui", is_staff=True),
        UserFactory(username="karim", first_name="Karim", last_name="Bennani", is_staff=True),
    )


@pytest.fixture
def minutes(editors):
    meeting = MeetingFactory()
    AgendaItemFactory(meeting=meeting, title="Bilan de la saison")
    AgendaItemFactory(meeting=meeting, title="Marchés prioritaires")
    return minutes_start(meeting=meeting, actor=editors[0])


def _keys(minutes):
    first, second = minutes.entries.order_by("agenda_item__position")
    return entry_key(first.pk, "summary"), entry_key(second.pk, "points_raised")


def _content(minutes):
    minutes.refresh_from_db()
    entries = {entry.pk: entry for entry in MinutesEntry.objects.filter(minutes=minutes)}
    content = {"summary": minutes.summary}
    for entry in entries.values():
        content[entry_key(entry.pk, "summary")] = entry.summary
        content[entry_key(entry.pk, "points_raised")] = entry.points_raised
    return content


# ------------------------------------------------------------------ starting


def test_start_creates_one_minutes_and_one_entry_per_agenda_item_also_for_items_added_later(minutes, editors):
    assert minutes.entries.count() == 2
    assert minutes.updated_by == editors[0]
    AgendaItemFactory(meeting=minutes.meeting, title="Ajouté pendant la rencontre")
    again = minutes_start(meeting=minutes.meeting, actor=editors[1])
    assert again.pk == minutes.pk
    assert Minutes.objects.filter(meeting=minutes.meeting).count() == 1
    assert sorted(again.entries.values_list("agenda_item__title", flat=True)) == [
        "Ajouté pendant la rencontre",
        "Bilan de la saison",
        "Marchés prioritaires",
    ]


# ------------------------------------------------------------------ the merge rules


def test_a_save_from_the_current_version_applies_and_bumps_the_version(minutes, editors):
    key, _other = _keys(minutes)
    saved = minutes_save(
        minutes_id=minutes.pk,
        base_version=1,
        changes={"summary": "Synthèse", key: "Le bilan"},
        base_values={"summary": "", key: ""},
        actor=editors[1],
    )
    assert (saved.version, saved.merged, saved.current) == (2, False, {})
    content = _content(minutes)
    assert (content["summary"], content[key]) == ("Synthèse", "Le bilan")
    assert (minutes.version, minutes.updated_by) == (2, editors[1])


def test_edits_of_different_fields_from_the_same_version_are_merged(minutes, editors):
    first_key, second_key = _keys(minutes)
    minutes_save(
        minutes_id=minutes.pk,
        base_version=1,
        changes={first_key: "Texte de Nadia"},
        base_values={first_key: ""},
        actor=editors[0],
    )
    saved = minutes_save(
        minutes_id=minutes.pk,
        base_version=1,
        changes={second_key: "Texte de Karim"},
        base_values={second_key: ""},
        actor=editors[1],
    )
    assert (saved.version, saved.merged) == (3, True)
    # Karim's page is sent Nadia's text, to show it.
    assert saved.current[first_key] == "Texte de Nadia"
    content = _content(minutes)
    assert (content[first_key], content[second_key]) == ("Texte de Nadia", "Texte de Karim")


def test_the_same_field_changed_by_both_is_a_conflict_and_nothing_of_the_save_is_written(minutes, editors):
    first_key, second_key = _keys(minutes)
    minutes_save(
        minutes_id=minutes.pk,
        base_version=1,
        changes={first_key: "Version de Nadia"},
        base_values={first_key: ""},
        actor=editors[0],
    )
    with pytest.raises(MinutesConflict) as raised:
        minutes_save(
            minutes_id=minutes.pk,
            base_version=1,
            changes={first_key: "Version de Karim", second_key: "Autre champ"},
            base_values={first_key: "", second_key: ""},
            actor=editors[1],
        )
    [conflict] = raised.value.conflicts
    assert (conflict.field, conflict.theirs, conflict.mine) == (first_key, "Version de Nadia", "Version de Karim")
    assert conflict.saved_by == "Nadia Alaoui"
    assert conflict.label == "Bilan de la saison — Synthèse"
    assert raised.value.version == 2
    content = _content(minutes)
    assert (content[first_key], content[second_key], minutes.version) == ("Version de Nadia", "", 2)


def test_after_a_conflict_keeping_mine_with_the_new_base_saves(minutes, editors):
    first_key, _other = _keys(minutes)
    minutes_save(
        minutes_id=minutes.pk, base_version=1, changes={first_key: "A"}, base_values={first_key: ""}, actor=editors[0]
    )
    with pytest.raises(MinutesConflict) as raised:
        minutes_save(
            minutes_id=minutes.pk,
            base_version=1,
            changes={first_key: "B"},
            base_values={first_key: ""},
            actor=editors[1],
        )
    theirs = raised.value.conflicts[0].theirs
    saved = minutes_save(
        minutes_id=minutes.pk,
        base_version=raised.value.version,
        changes={first_key: "B"},
        base_values={first_key: theirs},
        actor=editors[1],
    )
    assert saved.version == 3
    assert _content(minutes)[first_key] == "B"


def test_typing_the_same_text_as_the_other_editor_is_no_conflict_and_no_new_version(minutes, editors):
    first_key, _other = _keys(minutes)
    minutes_save(
        minutes_id=minutes.pk,
        base_version=1,
        changes={first_key: "Même"},
        base_values={first_key: ""},
        actor=editors[0],
    )
    saved = minutes_save(
        minutes_id=minutes.pk,
        base_version=1,
        changes={first_key: "Même"},
        base_values={first_key: ""},
        actor=editors[1],
    )
    assert saved.version == 2
    minutes.refresh_from_db()
    assert minutes.updated_by == editors[0]


def test_a_field_sent_as_it_was_loaded_is_no_change_even_when_the_other_editor_changed_it(minutes, editors):
    # A form without script sends every field: those its editor did not touch keep the other's text.
    first_key, second_key = _keys(minutes)
    minutes_save(
        minutes_id=minutes.pk,
        base_version=1,
        changes={first_key: "Nadia"},
        base_values={first_key: ""},
        actor=editors[0],
    )
    minutes_save(
        minutes_id=minutes.pk,
        base_version=1,
        changes={first_key: "", second_key: "Karim"},
        base_values={first_key: "", second_key: ""},
        actor=editors[1],
    )
    content = _content(minutes)
    assert (content[first_key], content[second_key]) == ("Nadia", "Karim")


def test_a_stale_base_is_a_conflict_even_at_the_current_version(minutes, editors):
    # Karim's page never showed Nadia's text for this field: his version number moved on through a merge.
    first_key, second_key = _keys(minutes)
    minutes_save(
        minutes_id=minutes.pk,
        base_version=1,
        changes={first_key: "Nadia"},
        base_values={first_key: ""},
        actor=editors[0],
    )
    saved = minutes_save(
        minutes_id=minutes.pk, base_version=1, changes={second_key: "K"}, base_values={second_key: ""}, actor=editors[1]
    )
    with pytest.raises(MinutesConflict):
        minutes_save(
            minutes_id=minutes.pk,
            base_version=saved.version,
            changes={first_key: "Karim"},
            base_values={first_key: ""},
            actor=editors[1],
        )


def test_without_its_base_a_field_is_applied_only_from_the_current_version(minutes, editors):
    first_key, second_key = _keys(minutes)
    minutes_save(minutes_id=minutes.pk, base_version=1, changes={first_key: "A"}, base_values={}, actor=editors[0])
    with pytest.raises(MinutesConflict):
        minutes_save(minutes_id=minutes.pk, base_version=1, changes={second_key: "B"}, base_values={}, actor=editors[1])


def test_windows_line_ends_of_a_submitted_form_compare_equal_to_the_stored_text(minutes, editors):
    first_key, _other = _keys(minutes)
    minutes_save(
        minutes_id=minutes.pk,
        base_version=1,
        changes={first_key: "un\ndeux"},
        base_values={first_key: ""},
        actor=editors[0],
    )
    saved = minutes_save(
        minutes_id=minutes.pk,
        base_version=2,
        changes={first_key: "un\r\ndeux"},
        base_values={first_key: "un\r\ndeux"},
        actor=editors[0],
    )
    assert saved.version == 2


@pytest.mark.parametrize(
    "changes",
    [
        {"status": "validated"},
        {"entry-999999-summary": "x"},
        {"entry-1-speaker": "x"},
        {"summary": 12},
        {"summary": "a" * 20001},
        {"summary": "nul\x00"},
    ],
)
def test_bad_input_is_refused_with_a_validation_error(minutes, editors, changes):
    with pytest.raises(ValidationError):
        minutes_save(minutes_id=minutes.pk, base_version=1, changes=changes, base_values={}, actor=editors[0])
    minutes.refresh_from_db()
    assert minutes.version == 1


def test_an_entry_of_other_minutes_is_an_unknown_field(minutes, editors):
    other = minutes_start(meeting=AgendaItemFactory().meeting, actor=editors[0])
    key = entry_key(other.entries.get().pk, "summary")
    with pytest.raises(ValidationError):
        minutes_save(minutes_id=minutes.pk, base_version=1, changes={key: "x"}, base_values={key: ""}, actor=editors[0])


@pytest.mark.parametrize("status", [Minutes.Status.SUBMITTED, Minutes.Status.VALIDATED])
def test_an_edit_of_submitted_or_validated_minutes_makes_them_a_draft_again(minutes, editors, status):
    Minutes.objects.filter(pk=minutes.pk).update(status=status)
    minutes_save(
        minutes_id=minutes.pk,
        base_version=1,
        changes={"summary": "Ajout"},
        base_values={"summary": ""},
        actor=editors[0],
    )
    minutes.refresh_from_db()
    assert minutes.status == Minutes.Status.DRAFT


def test_a_save_that_changes_nothing_keeps_the_status_and_the_version(minutes, editors):
    Minutes.objects.filter(pk=minutes.pk).update(status=Minutes.Status.VALIDATED)
    saved = minutes_save(
        minutes_id=minutes.pk, base_version=1, changes={"summary": ""}, base_values={"summary": ""}, actor=editors[0]
    )
    minutes.refresh_from_db()
    assert (saved.version, minutes.status) == (1, Minutes.Status.VALIDATED)


# ------------------------------------------------------------------ decisions


def test_a_decision_is_recorded_with_its_markets_under_an_agenda_item(minutes):
    item = minutes.meeting.agenda_items.first()
    markets = list(Market.objects.filter(slug__in=["france", "espagne"]))
    decision = decision_create(
        meeting=minutes.meeting,
        agenda_item=item,
        title="  Campagne digitale France–Espagne  ",
        axis=Decision.Axis.PROMOTION,
        markets=markets,
        due_on=timezone.localdate(minutes.meeting.starts_at),
        scope=Decision.Scope.NATIONAL,
    )
    assert decision.title == "Campagne digitale France–Espagne"
    assert set(decision.markets.values_list("slug", flat=True)) == {"france", "espagne"}


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"title": "   "}, "title"),
        ({"axis": "nowhere"}, "axis"),
        ({"due_on": "yesterday"}, "due_on"),
        ({"agenda_item": "elsewhere"}, "agenda_item"),
    ],
)
def test_a_decision_is_refused_with_the_field_at_fault(minutes, fields, error_field):
    if fields.get("due_on") == "yesterday":
        fields["due_on"] = timezone.localdate(minutes.meeting.starts_at) - timedelta(days=1)
    if fields.get("agenda_item") == "elsewhere":
        fields["agenda_item"] = AgendaItemFactory()
    values = {"title": "Une décision", "axis": Decision.Axis.PRODUCT, "agenda_item": None, **fields}
    with pytest.raises(ValidationError) as raised:
        decision_create(meeting=minutes.meeting, **values)
    assert error_field in raised.value.message_dict
    assert not Decision.objects.exists()


def test_a_decision_sends_validated_minutes_back_to_draft(minutes):
    Minutes.objects.filter(pk=minutes.pk).update(status=Minutes.Status.VALIDATED)
    decision = decision_create(meeting=minutes.meeting, agenda_item=None, title="D", axis=Decision.Axis.DIGITAL)
    minutes.refresh_from_db()
    assert minutes.status == Minutes.Status.DRAFT
    Minutes.objects.filter(pk=minutes.pk).update(status=Minutes.Status.SUBMITTED)
    decision_update(decision_id=decision.pk, meeting=minutes.meeting, title="D modifiée")
    minutes.refresh_from_db()
    assert minutes.status == Minutes.Status.DRAFT


def test_a_decision_of_another_meeting_cannot_be_updated_or_deleted_through_this_one(minutes):
    other = decision_create(meeting=MeetingFactory(), agenda_item=None, title="Ailleurs", axis=Decision.Axis.DIGITAL)
    with pytest.raises(Decision.DoesNotExist):
        decision_update(decision_id=other.pk, meeting=minutes.meeting, title="x")
    with pytest.raises(Decision.DoesNotExist):
        decision_delete(decision_id=other.pk, meeting=minutes.meeting)


def test_a_decision_with_a_roadmap_item_is_not_deleted(minutes):
    decision = decision_create(meeting=minutes.meeting, agenda_item=None, title="Suivie", axis=Decision.Axis.DIGITAL)
    RoadmapItemFactory(region=minutes.meeting.region, decision=decision)
    with pytest.raises(ValidationError, match="feuille de route"):
        decision_delete(decision_id=decision.pk, meeting=minutes.meeting)
    assert Decision.objects.filter(pk=decision.pk).exists()
    free = decision_create(meeting=minutes.meeting, agenda_item=None, title="Libre", axis=Decision.Axis.DIGITAL)
    decision_delete(decision_id=free.pk, meeting=minutes.meeting)
    assert not Decision.objects.filter(pk=free.pk).exists()


# ------------------------------------------------------------------ selectors


def test_attendance_counts_seats_and_check_ins_by_sector_and_mode(django_assert_num_queries):
    meeting = MeetingFactory()
    Status, Sector = Registration.Status, Registration.Sector
    for status, sector in [
        (Status.CONFIRMED, Sector.LODGING),
        (Status.ATTENDED, Sector.LODGING),
        (Status.ATTENDED, Sector.GUIDES),
        (Status.WAITLISTED, Sector.GUIDES),
        (Status.CANCELLED, Sector.CRAFTS),
    ]:
        RegistrationFactory(meeting=meeting, status=status, sector=sector)
    RegistrationFactory(status=Status.ATTENDED)  # another meeting
    with django_assert_num_queries(1):
        attendance = meeting_attendance(meeting=meeting)
    # The waiting list holds no seat and the cancelled registration none either.
    assert (attendance.registered, attendance.attended) == (3, 2)
    assert [(line.key, line.registered, line.attended) for line in attendance.by_sector] == [
        ("lodging", 2, 1),
        ("guides", 1, 1),
    ]
    assert attendance.by_sector[0].label == "Hôtellerie et hébergement"
    assert [(line.key, line.registered, line.attended) for line in attendance.by_mode] == [("in_person", 3, 2)]


def test_carried_forward_decisions_are_the_national_ones_of_earlier_stops_of_the_tour():
    tour = TourFactory()
    now = timezone.now()
    earlier = MeetingFactory(tour=tour, region=region(12), starts_at=now + timedelta(days=31))
    current = MeetingFactory(tour=tour, region=region(9), starts_at=now + timedelta(days=40))
    later = MeetingFactory(tour=tour, region=region(1), starts_at=now + timedelta(days=50))
    other_tour = MeetingFactory(
        tour=TourFactory(slug="autre", name="Autre"), region=region(2), starts_at=now + timedelta(days=32)
    )

    def decide(meeting, title, scope=Decision.Scope.NATIONAL):
        return decision_create(meeting=meeting, agenda_item=None, title=title, axis=Decision.Axis.PRODUCT, scope=scope)

    decide(earlier, "Task force nationale")
    decide(earlier, "Régionale", scope=Decision.Scope.REGIONAL)
    decide(current, "De cette rencontre")
    decide(later, "Plus tard")
    decide(other_tour, "Autre tournée")
    carried = list(carried_forward_decisions(meeting=current))
    assert [decision.title for decision in carried] == ["Task force nationale"]
    assert carried[0].meeting.region == region(12)
