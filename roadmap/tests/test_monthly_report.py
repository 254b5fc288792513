"""The monthly report: its figures against sums computed in SQL, the PDFs' text in French and Arabic, the
workbook, the task and the beat (one report per month, one message per recipient), downloads for staff only."""

import io
import random
import re
import subprocess
from collections import Counter
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from meetings.models import Decision
from meetings.tests.document_factories import DecisionFactory
from meetings.tests.factories import MeetingFactory
from messaging.models import OutboundMessage
from regions.models import Region
from regions.tests.factories import OfficialFactory, region
from roadmap import report_services, reports, tasks
from roadmap.charts import amount_figures
from roadmap.models import BudgetLine, MonthlyReport, RoadmapItem
from roadmap.selectors import last_month, monthly_report_content
from roadmap.tests.factories import BudgetLineFactory, IndicatorFactory, ReadingFactory, RoadmapItemFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]

PERIOD = date(2026, 10, 1)
CLOSING_DAY = date(2026, 11, 1)
RECIPIENTS = ["cabinet@tourisme.gov.ma", "secretariat@cnt.ma"]
# Typed in Arabic: "a campaign on the Spanish market".
ARABIC_DECISION = "حملة ترويجية في سوق إسبانيا"
# Lam followed by an alef: drawn as one ligature, whose two letters pdftotext gives back in reverse order.
LAM_ALEF = re.compile("ل[اأإآ]")
Status = RoadmapItem.Status


def _local(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


@pytest.fixture
def generated():
    """Items, budget lines, indicators and decisions over five regions, drawn at random (seeded)."""
    rng = random.Random(20)
    regions = [region(number) for number in (1, 4, 7, 9, 12)]
    statuses = list(Status.values)
    for region_index, place in enumerate(regions):
        for n in range(rng.randint(4, 9)):
            item = RoadmapItemFactory(
                region=place,
                title=f"Action {place.number}-{n}",
                status=rng.choice(statuses),
                progress=rng.randint(0, 100),
                due_on=CLOSING_DAY + timedelta(days=rng.randint(-60, 40)),
            )
            for funder in rng.sample(list(BudgetLine.Funder.values), rng.randint(0, 4)):
                planned = Decimal(rng.randint(0, 5_000_000_00)) / 100
                BudgetLineFactory(
                    item=item,
                    funder=funder,
                    planned=planned,
                    committed=Decimal(rng.randint(0, 4_000_000_00)) / 100,
                    spent=Decimal(rng.randint(0, 3_000_000_00)) / 100,
                )
            if n % 3 == 0:
                indicator = IndicatorFactory(item=item, name=f"Nuitées {place.number}-{n}", baseline=100, target=300)
                for days, value in ((-40, 150), (-5, 200 + region_index), (3, 999)):
                    ReadingFactory(indicator=indicator, measured_on=CLOSING_DAY + timedelta(days=days), value=value)
        october = MeetingFactory(region=place, starts_at=_local(PERIOD + timedelta(days=3 + region_index)))
        october.ends_at = october.starts_at + timedelta(hours=3)
        october.save()
        decided = DecisionFactory(meeting=october, title=f"Décision d'octobre {place.number}")
        RoadmapItemFactory(
            region=place, title=f"Suite de la décision {place.number}", decision=decided, status=Status.DONE
        )
        september = MeetingFactory(region=place, starts_at=_local(PERIOD - timedelta(days=10 + region_index)))
        DecisionFactory(meeting=september, title=f"Décision de septembre {place.number}")
    DecisionFactory(meeting=october, title=ARABIC_DECISION, scope=Decision.Scope.NATIONAL)
    # At 23:30 on 31 October in Casablanca: still October there, already November in UTC+1 or later.
    late = MeetingFactory(region=regions[0], starts_at=_local(CLOSING_DAY - timedelta(days=1), hour=23))
    DecisionFactory(meeting=late, title="Décision du dernier soir")
    return regions


def _sql(query: str, params=()) -> list[tuple]:
    """Rows of a raw query on PostgreSQL (numeric columns come back as Decimal)."""
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def test_the_figures_are_those_summed_directly_in_sql(generated):
    content = monthly_report_content(period=PERIOD)
    by_number = {region_report.region.number: region_report for region_report in content.regions}
    assert list(by_number) == list(range(1, 13))

    counts = _sql(
        "SELECT r.number, i.status, COUNT(*) FROM roadmap_roadmapitem i JOIN regions_region r ON r.id = i.region_id"
        " GROUP BY r.number, i.status"
    )
    assert counts, "the generated data holds items"
    for number, status, count in counts:
        assert by_number[number].summary.count_of(status) == count
    for status in Status.values:
        national = _sql("SELECT COUNT(*) FROM roadmap_roadmapitem WHERE status = %s", [status])[0][0]
        assert content.national.count_of(status) == national
    done, active = _sql(
        "SELECT COUNT(*) FILTER (WHERE status = 'done'), COUNT(*) FILTER (WHERE status <> 'dropped')"
        " FROM roadmap_roadmapitem"
    )[0]
    assert content.national.done_share == round(100 * done / active)

    overdue = dict(
        _sql(
            "SELECT r.number, COUNT(*) FROM roadmap_roadmapitem i JOIN regions_region r ON r.id = i.region_id"
            " WHERE i.due_on < %s AND i.status NOT IN ('done', 'dropped') GROUP BY r.number",
            [CLOSING_DAY],
        )
    )
    assert overdue
    for number, region_report in by_number.items():
        assert region_report.summary.overdue == overdue.get(number, 0)
        assert len(region_report.overdue_items) == overdue.get(number, 0)
    assert content.overdue == sum(overdue.values())

    budget = _sql(
        "SELECT r.number, b.funder, SUM(b.planned), SUM(b.committed), SUM(b.spent)"
        " FROM roadmap_budgetline b"
        " JOIN roadmap_roadmapitem i ON i.id = b.item_id JOIN regions_region r ON r.id = i.region_id"
        " GROUP BY r.number, b.funder"
    )
    assert len(budget) > 8
    for number, funder, planned, committed, spent in budget:
        row = next(row for row in by_number[number].funders if row.key == funder)
        assert (row.planned, row.committed, row.spent) == (planned, committed, spent)
        assert isinstance(row.spent, Decimal)
    for number, region_report in by_number.items():
        planned, committed, spent = _sql(
            "SELECT COALESCE(SUM(b.planned), 0), COALESCE(SUM(b.committed), 0),"
            " COALESCE(SUM(b.spent), 0)"
            " FROM roadmap_budgetline b JOIN roadmap_roadmapitem i ON i.id = b.item_id"
            " JOIN regions_region r ON r.id = i.region_id WHERE r.number = %s",
            [number],
        )[0]
        assert (region_report.budget.planned, region_report.budget.committed, region_report.budget.spent) == (
            planned,
            committed,
            spent,
        )
    national_by_funder = {
        funder: (planned, committed, spent)
        for funder, planned, committed, spent in _sql(
            "SELECT funder, SUM(planned), SUM(committed), SUM(spent) FROM roadmap_budgetline GROUP BY funder"
        )
    }
    assert {row.key: (row.planned, row.committed, row.spent) for row in content.budget.funders} == national_by_funder
    assert content.budget.total.spent == _sql("SELECT SUM(spent) FROM roadmap_budgetline")[0][0]

    latest = {
        indicator: (value, percent)
        for indicator, value, percent in _sql(
            "SELECT DISTINCT ON (r.indicator_id) r.indicator_id, r.value,"
            " ROUND(100 * LEAST(GREATEST((r.value - i.baseline) / (i.target - i.baseline), 0), 1))"
            " FROM roadmap_reading r JOIN roadmap_indicator i ON i.id = r.indicator_id WHERE r.measured_on < %s"
            " ORDER BY r.indicator_id, r.measured_on DESC",
            [CLOSING_DAY],
        )
    }
    standings = [standing for region_report in content.regions for standing in region_report.indicators]
    assert len(standings) == content.indicators == _sql("SELECT COUNT(*) FROM roadmap_indicator")[0][0] > 0
    for standing in standings:
        # The reading of 3 November (999) comes after the month: never the month's standing.
        assert (standing.latest.value, standing.percent) == latest[standing.indicator.pk]
        assert standing.latest.value < 999

    month_decisions = _sql(
        "SELECT d.title, d.scope, r.number FROM meetings_decision d JOIN meetings_meeting m ON m.id = d.meeting_id"
        " JOIN regions_region r ON r.id = m.region_id"
        " WHERE (m.starts_at AT TIME ZONE 'Africa/Casablanca') >= %s"
        " AND (m.starts_at AT TIME ZONE 'Africa/Casablanca') < %s",
        [PERIOD, CLOSING_DAY],
    )
    assert content.decisions == len(month_decisions) == 7
    assert [decision.title for decision in content.national_decisions] == [ARABIC_DECISION]
    for title, scope, number in month_decisions:
        if scope == Decision.Scope.REGIONAL:
            assert title in [decision.title for decision in by_number[number].decisions]


def test_the_content_is_read_in_a_fixed_number_of_queries(generated, django_assert_max_num_queries):
    with django_assert_max_num_queries(9):
        monthly_report_content(period=PERIOD)


def _figures(amount: Decimal) -> str:
    """An amount as the PDF prints it in the active language, its spaces as pdf_text reads them."""
    return " ".join(amount_figures(amount).split())


def pdf_text(content: bytes) -> str:
    """The PDF's text as pdftotext reads it, in logical order, lines joined (see the minutes PDF's tests)."""
    text = subprocess.run(["pdftotext", "-", "-"], input=content, capture_output=True, check=True).stdout.decode()
    return " ".join(re.sub("[\u202a-\u202e\u2066-\u2069]", "", text).split())


@pytest.fixture
def ready_report(generated, settings, django_capture_on_commit_callbacks):
    settings.ROADMAP_MONTHLY_REPORT_RECIPIENTS = RECIPIENTS
    with django_capture_on_commit_callbacks(execute=True):
        report, queued = report_services.monthly_report_request(period=PERIOD)
    assert queued
    report.refresh_from_db()
    assert report.state == MonthlyReport.State.READY, report.error
    return report


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_the_pdf_holds_the_figures_in_french_and_in_arabic(generated, ready_report, language):
    from meetings.tests.test_minutes_documents import arabic_letters_are_joined

    pdf = getattr(ready_report, f"pdf_{language}").read()
    text = pdf_text(pdf)
    content = monthly_report_content(period=PERIOD)
    with translation.override(language):
        for row in content.budget.funders:
            assert _figures(row.spent) in text
        assert _figures(content.budget.total.planned) in text
        dakhla = next(report for report in content.regions if report.region.number == 12)
        assert _figures(dakhla.budget.committed) in text
        for name in (region.name for region in generated):
            for word in name.split():
                assert word in text or LAM_ALEF.search(word)
    assert f"{content.overdue} " in text
    for word in ARABIC_DECISION.split():
        assert word in text
    if language == "ar":
        # The regions' Arabic names, seeded by migration, with the letters joined.
        assert "الداخلة" in text
        assert arabic_letters_are_joined(pdf)
    else:
        assert "Décision d'octobre 12" in text
        assert "Décision de septembre" not in text


def test_the_workbook_holds_the_same_figures(ready_report):
    workbook = load_workbook(io.BytesIO(ready_report.xlsx.read()))
    content = monthly_report_content(period=PERIOD)
    regions_sheet = workbook["Régions"]
    header = [cell.value for cell in regions_sheet[1]]
    rows = {row[0]: dict(zip(header, row, strict=True)) for row in regions_sheet.iter_rows(min_row=2, values_only=True)}
    for region_report in content.regions:
        row = rows[region_report.region.name]
        assert row["Total"] == region_report.summary.total
        assert row["En retard"] == region_report.summary.overdue
        assert Decimal(str(row["Dépensé (MAD)"])) == region_report.budget.spent
        for count in region_report.summary.counts:
            assert row[count.label] == count.count
    assert Decimal(str(rows["National"]["Prévu (MAD)"])) == content.budget.total.planned
    budget_rows = list(workbook["Budget"].iter_rows(min_row=2, values_only=True))
    sql = _sql(
        "SELECT r.name_fr, b.funder, SUM(b.committed) FROM roadmap_budgetline b JOIN roadmap_roadmapitem i"
        " ON i.id = b.item_id JOIN regions_region r ON r.id = i.region_id GROUP BY r.name_fr, b.funder"
    )
    labels = dict(BudgetLine.Funder.choices)
    assert sorted((name, str(labels[funder]), committed) for name, funder, committed in sql) == sorted(
        (name, funder, Decimal(str(committed)))
        for name, funder, _planned, committed, _spent in budget_rows
        if name != "National"
    )
    assert workbook["Décisions du mois"].max_row == 1 + content.decisions
    overdue_sheet = workbook["Actions en retard"]
    assert overdue_sheet.max_row == 1 + content.overdue


def test_one_report_per_month_and_one_message_per_recipient_however_often_it_is_asked_for(
    generated, settings, smtp, django_capture_on_commit_callbacks
):
    settings.ROADMAP_MONTHLY_REPORT_RECIPIENTS = [*RECIPIENTS, " Cabinet@Tourisme.gov.ma "]
    for _attempt in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            report_services.monthly_report_request(period=PERIOD)
            report_services.monthly_report_request(period=PERIOD + timedelta(days=12))
    report = MonthlyReport.objects.get()
    # The task run again by a redelivery finds the report ready: nothing made, nothing sent again.
    reports.monthly_report_render(report_id=report.pk)
    assert MonthlyReport.objects.count() == 1
    messages = OutboundMessage.objects.filter(kind=OutboundMessage.Kind.MONTHLY_REPORT)
    assert sorted(message.recipient_email for message in messages) == sorted(RECIPIENTS)
    message = messages.first()
    assert message.attachment == report.pdf_fr.name
    assert message.attachment_filename == "rapport-mensuel-2026-10-fr.pdf"
    assert "octobre 2026" in message.subject
    # Through a real SMTP server: each address once, the French PDF attached.
    assert smtp.recipients() == Counter(RECIPIENTS)
    for received in smtp.received:
        attachment = next(part for part in received.walk() if part.get_filename())
        assert attachment.get_filename() == "rapport-mensuel-2026-10-fr.pdf"
        assert attachment.get_content_type() == "application/pdf"
        assert attachment.get_payload(decode=True) == report.pdf_fr.open("rb").read()


def test_the_beat_asks_for_last_months_report_once(generated, settings, django_capture_on_commit_callbacks):
    settings.ROADMAP_MONTHLY_REPORT_RECIPIENTS = RECIPIENTS
    entry = django_settings.CELERY_BEAT_SCHEDULE["roadmap-monthly-report"]
    assert entry["task"] == tasks.make_last_month_report.name
    # As often as the other sweeps (the schedule's bound, tests of messaging): a beat down at midnight on the
    # first of the month catches up at its next run.
    assert entry["schedule"] <= 300
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.make_last_month_report.delay().get() is True
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.make_last_month_report.delay().get() is False
    report = MonthlyReport.objects.get()
    assert report.period == last_month(today=timezone.localdate())
    assert report.state == MonthlyReport.State.READY
    assert OutboundMessage.objects.filter(kind=OutboundMessage.Kind.MONTHLY_REPORT).count() == len(RECIPIENTS)


def test_last_month_is_the_month_before_today():
    assert last_month(today=date(2026, 1, 1)) == date(2025, 12, 1)
    assert last_month(today=date(2026, 3, 31)) == date(2026, 2, 1)


def test_a_failed_report_says_why_and_is_made_on_retry(generated, monkeypatch, django_capture_on_commit_callbacks):
    real = reports.monthly_report_xlsx
    monkeypatch.setattr(reports, "monthly_report_xlsx", lambda **kwargs: (_ for _ in ()).throw(OSError("disque plein")))
    with django_capture_on_commit_callbacks(execute=True):
        report, _queued = report_services.monthly_report_request(period=PERIOD)
    report.refresh_from_db()
    assert (report.state, report.error) == (MonthlyReport.State.FAILED, "disque plein")
    assert not OutboundMessage.objects.filter(kind=OutboundMessage.Kind.MONTHLY_REPORT).exists()
    monkeypatch.setattr(reports, "monthly_report_xlsx", real)
    with django_capture_on_commit_callbacks(execute=True):
        report_services.monthly_report_request(period=PERIOD)
    report.refresh_from_db()
    assert report.state == MonthlyReport.State.FAILED, "asking again does not hide a failure: staff retry it"
    with django_capture_on_commit_callbacks(execute=True):
        report_services.monthly_report_retry(report_id=report.pk)
    report.refresh_from_db()
    assert report.state == MonthlyReport.State.READY


def test_a_pending_report_whose_task_was_lost_is_queued_again(generated, django_capture_on_commit_callbacks):
    report = MonthlyReport.objects.create(period=PERIOD)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        report_services.monthly_report_request(period=PERIOD)
    assert callbacks == [], "a report pending for a moment has its task still running"
    MonthlyReport.objects.filter(pk=report.pk).update(updated_at=timezone.now() - timedelta(minutes=11))
    with django_capture_on_commit_callbacks(execute=True):
        report_services.monthly_report_request(period=PERIOD)
    report.refresh_from_db()
    assert report.state == MonthlyReport.State.READY


def test_the_database_refuses_a_period_that_is_not_a_first_day(db):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        MonthlyReport.objects.create(period=date(2026, 10, 2))


def test_staff_download_each_file_others_get_404_or_the_login_page(client, ready_report, staff_user):
    urls = {
        part: reverse("roadmap:report_download", args=[ready_report.pk, part]) for part in ("pdf_fr", "pdf_ar", "xlsx")
    }
    for url in urls.values():
        response = client.get(url)
        assert response.status_code == 302 and "login" in response.url
    client.force_login(OfficialFactory(region=Region.objects.get(number=12)).user)
    for url in urls.values():
        assert client.get(url).status_code == 404
    client.force_login(staff_user)
    response = client.get(urls["pdf_ar"])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="rapport-mensuel-2026-10-ar.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert client.get(urls["xlsx"])["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.get(reverse("roadmap:report_download", args=[ready_report.pk, "secret"])).status_code == 404
    assert client.get(reverse("roadmap:report_download", args=[ready_report.pk + 1, "pdf_fr"])).status_code == 404


def test_the_admin_button_asks_for_last_months_report_once(
    client, staff_user, generated, django_capture_on_commit_callbacks
):
    client.force_login(staff_user)
    changelist = reverse("admin:roadmap_monthlyreport_changelist")
    page = client.get(changelist)
    assert page.status_code == 200
    assert reverse("admin:roadmap_monthlyreport_produce").encode() in page.content
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:roadmap_monthlyreport_produce"))
        response = client.post(reverse("admin:roadmap_monthlyreport_produce"), follow=True)
    assert "déjà été demandé" in response.content.decode()
    report = MonthlyReport.objects.get()
    assert report.state == MonthlyReport.State.READY
    assert reverse("roadmap:report_download", args=[report.pk, "xlsx"]).encode() in client.get(changelist).content
    assert client.get(reverse("admin:roadmap_monthlyreport_produce")).status_code == 405


def test_deleting_a_report_removes_its_files(
    client, staff_user, ready_report, private_media, django_capture_on_commit_callbacks
):
    names = [getattr(ready_report, part).name for part in ("pdf_fr", "pdf_ar", "xlsx")]
    assert all(private_media.exists(name) for name in names)
    client.force_login(staff_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:roadmap_monthlyreport_changelist"),
            {"action": "delete_selected", "_selected_action": [ready_report.pk], "post": "yes"},
        )
    assert response.status_code == 302
    assert not MonthlyReport.objects.exists()
    assert not any(private_media.exists(name) for name in names)
