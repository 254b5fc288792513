import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from meetings.models import Registration
from meetings.tests.factories import MeetingFactory, RegistrationFactory, TourFactory
from regions.tests.factories import UserFactory, region

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:meetings_registration_changelist"


def _csv_rows(response):
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:]), delimiter=";"))


def test_csv_export_keeps_names_uses_semicolons_and_neutralises_formulas(staff_client):
    meeting = MeetingFactory(title="Rencontre de Dakhla")
    RegistrationFactory(meeting=meeting, full_name="عبد الله الإدريسي", organisation="=HYPERLINK(1)", city="-2+3")
    RegistrationFactory(
        meeting=meeting, full_name="Élodie Benkirane", organisation="@SUM(A1)", job_title="+cmd", phone="+212661234567"
    )
    response = staff_client.get(reverse("admin:meetings_registration_csv"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="inscriptions-')
    header, *rows = _csv_rows(response)
    assert header[:4] == ["Rencontre", "Région", "Nom complet", "Organisme"]
    by_name = {row[2]: row for row in rows}
    assert set(by_name) == {"عبد الله الإدريسي", "Élodie Benkirane"}
    arabic = by_name["عبد الله الإدريسي"]
    assert arabic[0] == "Rencontre de Dakhla"
    assert arabic[1] == region(12).name_fr
    assert arabic[3] == "'=HYPERLINK(1)"
    assert arabic[8] == "'-2+3"
    assert by_name["Élodie Benkirane"][3] == "'@SUM(A1)"
    assert by_name["Élodie Benkirane"][4] == "'+cmd"
    # A phone number is a plain number to a spreadsheet, not a formula: no quote in front of it.
    assert by_name["Élodie Benkirane"][7] == "+212661234567"
    assert arabic[9] == "Confirmée"


def test_exports_follow_the_changelist_filters(staff_client):
    dakhla = MeetingFactory()
    other = MeetingFactory()
    RegistrationFactory(meeting=dakhla, full_name="Dans Dakhla", sector=Registration.Sector.GUIDES)
    RegistrationFactory(meeting=dakhla, full_name="Autre secteur", sector=Registration.Sector.LODGING)
    RegistrationFactory(meeting=other, full_name="Ailleurs", sector=Registration.Sector.GUIDES)
    query = {"meeting__id__exact": dakhla.pk, "sector__exact": Registration.Sector.GUIDES}
    rows = _csv_rows(staff_client.get(reverse("admin:meetings_registration_csv"), query))
    assert [row[2] for row in rows[1:]] == ["Dans Dakhla"]
    searched = _csv_rows(staff_client.get(reverse("admin:meetings_registration_csv"), {"q": "Ailleurs"}))
    assert [row[2] for row in searched[1:]] == ["Ailleurs"]


def test_excel_export_has_the_rows_with_formulas_kept_as_text(staff_client):
    meeting = MeetingFactory()
    RegistrationFactory(meeting=meeting, full_name="محمد", organisation="=1+1", phone="+212661234567")
    response = staff_client.get(reverse("admin:meetings_registration_xlsx"), {"meeting__id__exact": meeting.pk})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][2] == "Nom complet"
    assert rows[1][2] == "محمد"
    assert rows[1][3] == "=1+1"
    assert sheet.cell(row=2, column=4).data_type == "s"
    # The phone as typed, in a text cell: no apostrophe, no number that loses its "+".
    assert rows[1][7] == "+212661234567" and sheet.cell(row=2, column=8).data_type == "s"
    assert rows[0][10] == "Inscrit(e) le" and sheet.cell(row=2, column=11).is_date
    # Header row frozen and filtered; columns as wide as what they hold.
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:O{sheet.max_row}"
    assert sheet.column_dimensions["C"].width >= len("Nom complet")
    assert sheet.column_dimensions["H"].width >= len("+212661234567")
    assert rows[1][10] is not None  # registration date as a real date


def test_export_query_count_does_not_grow_with_rows(staff_client):
    meeting = MeetingFactory()
    RegistrationFactory.create_batch(2, meeting=meeting)
    url = reverse("admin:meetings_registration_csv")
    with CaptureQueriesContext(connection) as few:
        staff_client.get(url)
    RegistrationFactory.create_batch(30, meeting=MeetingFactory())
    with CaptureQueriesContext(connection) as many:
        staff_client.get(url)
    assert len(few) == len(many)


def test_changelist_shows_counts_per_meeting_and_export_links(staff_client):
    meeting = MeetingFactory(title="Rencontre Souss-Massa", capacity=2)
    RegistrationFactory.create_batch(2, meeting=meeting)
    RegistrationFactory(meeting=meeting, status=Registration.Status.WAITLISTED)
    response = staff_client.get(reverse(CHANGELIST), {"status__exact": "confirmed"})
    assert response.status_code == 200
    assert dict(response.context["meeting_counts"])[meeting] == {
        "confirmed": 2,
        "waitlisted": 1,
        "offered": 0,
        "cancelled": 0,
        "attended": 0,
    }
    html = response.content.decode()
    assert reverse("admin:meetings_registration_csv") + "?status__exact=confirmed" in html
    assert reverse("admin:meetings_registration_checkin", args=[meeting.pk]) in html


def test_changelist_query_count_does_not_grow_with_data(staff_client):
    RegistrationFactory.create_batch(2, meeting=MeetingFactory())
    with CaptureQueriesContext(connection) as few:
        staff_client.get(reverse(CHANGELIST))
    for _ in range(5):
        RegistrationFactory.create_batch(5, meeting=MeetingFactory())
    with CaptureQueriesContext(connection) as many:
        staff_client.get(reverse(CHANGELIST))
    assert len(few) == len(many)


def test_changelist_filters_by_region_sector_status_and_searches(staff_client):
    registration = RegistrationFactory(full_name="Hassan Ouzzine", sector=Registration.Sector.CRAFTS)
    response = staff_client.get(
        reverse(CHANGELIST),
        {"meeting__region__id__exact": region(12).pk, "sector__exact": "crafts", "status__exact": "confirmed"},
    )
    assert list(response.context["cl"].queryset) == [registration]
    assert list(staff_client.get(reverse(CHANGELIST), {"q": "ouzzine"}).context["cl"].queryset) == [registration]


def test_checkin_page_finds_people_by_name_and_marks_them_present(staff_client):
    meeting = MeetingFactory()
    amina = RegistrationFactory(meeting=meeting, full_name="Amina Tazi")
    RegistrationFactory(meeting=meeting, full_name="Omar Berrada")
    RegistrationFactory(meeting=meeting, full_name="Amine Waitlist", status=Registration.Status.WAITLISTED)
    url = reverse("admin:meetings_registration_checkin", args=[meeting.pk])
    page = staff_client.get(url, {"q": "ami"})
    assert [r.full_name for r in page.context["registrations"]] == ["Amina Tazi"]
    assert 'name="viewport"' in page.content.decode()
    response = staff_client.post(url, {"registration": amina.pk, "q": "ami"})
    assert response.status_code == 302
    assert response["Location"] == f"{url}?q=ami"
    amina.refresh_from_db()
    assert amina.status == Registration.Status.ATTENDED
    assert "présence enregistrée" in staff_client.get(response["Location"]).content.decode()


def test_checkin_refuses_a_registration_of_another_meeting(staff_client):
    meeting = MeetingFactory()
    stranger = RegistrationFactory()
    url = reverse("admin:meetings_registration_checkin", args=[meeting.pk])
    assert staff_client.post(url, {"registration": stranger.pk}).status_code == 404
    assert staff_client.post(url, {"registration": "abc"}).status_code == 400


def test_qr_code_leads_to_the_scan_page_that_checks_the_person_in(client, staff_client):
    registration = RegistrationFactory(full_name="Samir Lahlou")
    done = client.get(reverse("registrations:done", args=[registration.public_id, registration.manage_secret]))
    assert "<svg" in done.content.decode()
    scan = reverse("admin:meetings_registration_scan", args=[registration.public_id])
    assert "Samir Lahlou" in staff_client.get(scan).content.decode()
    staff_client.post(scan)
    registration.refresh_from_db()
    assert registration.status == Registration.Status.ATTENDED


def test_scan_and_checkin_pages_are_for_staff_only(client):
    registration = RegistrationFactory()
    scan = reverse("admin:meetings_registration_scan", args=[registration.public_id])
    checkin = reverse("admin:meetings_registration_checkin", args=[registration.meeting_id])
    for url in [scan, checkin, reverse("admin:meetings_registration_csv")]:
        assert client.get(url).status_code == 302  # to the admin login
    client.force_login(UserFactory())
    assert client.post(scan).status_code == 302
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED


def test_cancel_action_goes_through_the_service_and_promotes(staff_client):
    meeting = MeetingFactory(capacity=2)
    holder = RegistrationFactory(meeting=meeting)
    waiting = RegistrationFactory(meeting=meeting, status=Registration.Status.WAITLISTED)
    attended = RegistrationFactory(meeting=meeting, status=Registration.Status.ATTENDED)
    response = staff_client.post(
        reverse(CHANGELIST), {"action": "cancel_registrations", "_selected_action": [holder.pk, attended.pk]}
    )
    assert response.status_code == 302
    waiting.refresh_from_db()
    attended.refresh_from_db()
    assert waiting.status == Registration.Status.OFFERED
    assert attended.status == Registration.Status.ATTENDED


def test_admin_cannot_edit_status_or_add_rows(staff_client):
    registration = RegistrationFactory()
    change = reverse("admin:meetings_registration_change", args=[registration.pk])
    page = staff_client.get(change).content.decode()
    assert 'name="status"' not in page
    assert staff_client.get(reverse("admin:meetings_registration_add")).status_code == 403


def _changelist_queries(client, **params) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse(CHANGELIST), params).status_code == 200
    return len(queries)


def test_changelist_queries_do_not_grow_with_meetings_or_registrations(staff_client):
    for meeting in MeetingFactory.create_batch(3):
        RegistrationFactory.create_batch(2, meeting=meeting)
    few = _changelist_queries(staff_client)
    for meeting in MeetingFactory.create_batch(30):
        RegistrationFactory.create_batch(4, meeting=meeting)
    assert _changelist_queries(staff_client) == few


def test_meeting_filter_lists_the_tour_under_way_and_keeps_the_chosen_meeting(staff_client):
    current, _next = MeetingFactory.create_batch(2, title="Rencontre de la tournée en cours")
    today = timezone.localdate()
    old_tour = TourFactory(
        slug="relance-2022",
        name="Tournée 2022",
        starts_on=today - timedelta(days=900),
        ends_on=today - timedelta(days=600),
    )
    old = MeetingFactory(tour=old_tour, title="Rencontre de 2022")
    RegistrationFactory(meeting=old)
    html = staff_client.get(reverse(CHANGELIST)).content.decode()
    assert "Rencontre de la tournée en cours" in html
    assert "Rencontre de 2022" not in html.split('id="changelist-filter"')[1]
    response = staff_client.get(reverse(CHANGELIST), {"meeting__id__exact": old.pk})
    assert [registration.meeting for registration in response.context["cl"].result_list] == [old]
    assert "Rencontre de 2022" in response.content.decode().split('id="changelist-filter"')[1]
    assert current.tour != old_tour


def test_substring_search_is_served_by_trigram_indexes(staff_client):
    RegistrationFactory(full_name="Khadija Ouazzani", email="khadija@riad.ma")
    response = staff_client.get(reverse(CHANGELIST), {"q": "ouazz"})
    assert [registration.full_name for registration in response.context["cl"].result_list] == ["Khadija Ouazzani"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'meetings_registration'")
        indexes = {row[0] for row in cursor.fetchall()}
    assert {
        f"meetings_registration_{column}_trgm" for column in ("full_name", "organisation", "email", "phone")
    } <= indexes
