"""Indicators, readings and budget lines: progress from the indicators, sums of the budget, the warning,
constraints, stale edits, what the pages show and how many queries they make."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from core.versioning import version_token
from regions.tests.factories import OfficialFactory, UserFactory, region
from roadmap.charts import money
from roadmap.models import BudgetLine, Indicator, Reading, RoadmapItem, StatusChange
from roadmap.selectors import indicator_share, indicators_progress, roadmap_budget_overview
from roadmap.services import roadmap_item_part_delete, roadmap_item_part_save, roadmap_item_update
from roadmap.tests.factories import BudgetLineFactory, IndicatorFactory, ReadingFactory, RoadmapItemFactory

pytestmark = pytest.mark.django_db

D = Decimal
DAY = datetime.date(2026, 3, 1)


def _reading(indicator, value, days=0, actor=None):
    return roadmap_item_part_save(
        actor=actor,
        part=Reading(indicator=indicator, value=D(value), measured_on=DAY + datetime.timedelta(days=days), source="x"),
    )


def _indicator(item, baseline, target, actor=None, name=None):
    return roadmap_item_part_save(
        actor=actor,
        part=Indicator(
            item=item, name=name or f"Indicateur {baseline}-{target}", unit="u", baseline=D(baseline), target=D(target)
        ),
    )


# ------------------------------------------------------------------ progress from indicators


@pytest.mark.parametrize(
    ("baseline", "target", "latest", "share"),
    [
        (100, 200, None, 0),  # no reading yet
        (100, 200, 150, D("0.5")),
        (100, 200, 250, 1),  # beyond the target: clamped
        (100, 200, 50, 0),  # fell below the baseline: clamped
        (45, 30, 40, D(1) / 3),  # a target below the baseline (to reduce): the same reading of the way done
        (45, 30, 50, 0),  # moved away from a decreasing target
        (45, 30, 20, 1),
        (60, 60, 60, 1),  # target == baseline: a level kept
        (60, 60, 61, 1),
        (60, 60, 59, 0),
        (60, 60, None, 0),
    ],
)
def test_indicator_share(baseline, target, latest, share):
    assert (
        indicator_share(baseline=D(baseline), target=D(target), latest=None if latest is None else D(latest)) == share
    )


def test_progress_is_the_rounded_mean_of_the_indicators_shares_on_the_latest_reading():
    item = RoadmapItemFactory()
    first = IndicatorFactory(item=item, baseline=0, target=3)
    ReadingFactory(indicator=first, value=3, measured_on=DAY)  # an earlier reading, at the target
    ReadingFactory(indicator=first, value=1, measured_on=DAY + datetime.timedelta(days=30))  # the latest: 1/3
    IndicatorFactory(item=item, baseline=10, target=0)  # decreasing, no reading: 0
    indicators = Indicator.objects.filter(item=item).prefetch_related("readings")
    # (1/3 + 0) / 2 = 16.67 %
    assert indicators_progress(indicators=indicators) == 17
    assert indicators_progress(indicators=[]) is None


def test_a_reading_moves_the_items_progress_with_a_line_of_history_by_who_added_it():
    staff = UserFactory(is_staff=True)
    item = RoadmapItemFactory(progress=40, status=RoadmapItem.Status.IN_PROGRESS)
    indicator = _indicator(item, 1000, 2000, actor=staff)
    item.refresh_from_db()
    assert item.progress == 0  # an indicator without a reading counts 0

    _reading(indicator, 1750, actor=staff)

    item.refresh_from_db()
    assert item.progress == 75
    line = StatusChange.objects.filter(item=item).latest("pk")
    assert (line.changed_by, line.from_progress, line.to_progress) == (staff, 0, 75)
    # A second indicator halves it until it has readings; deleting it gives it back.
    second = _indicator(item, 0, 10)
    item.refresh_from_db()
    assert item.progress == 38
    roadmap_item_part_delete(actor=staff, part=second)
    item.refresh_from_db()
    assert item.progress == 75


def test_with_indicators_a_progress_typed_by_hand_gives_way_and_a_done_item_stays_at_100():
    staff = UserFactory(is_staff=True)
    item = RoadmapItemFactory(status=RoadmapItem.Status.IN_PROGRESS)
    _reading(_indicator(item, 0, 100), 30)

    item = roadmap_item_update(actor=staff, item=item, data={"progress": 90})
    assert item.progress == 30
    item = roadmap_item_update(actor=staff, item=item, data={"status": RoadmapItem.Status.DONE})
    assert item.progress == 100
    item = roadmap_item_update(actor=staff, item=item, data={"status": RoadmapItem.Status.IN_PROGRESS})
    assert item.progress == 30


def test_one_reading_per_indicator_and_date_and_one_line_per_funder():
    indicator = IndicatorFactory()
    _reading(indicator, 5)
    with pytest.raises(ValidationError, match="déjà un relevé à cette date"):
        _reading(indicator, 6)
    line = BudgetLineFactory()
    with pytest.raises(ValidationError, match="déjà une ligne pour ce financeur"):
        roadmap_item_part_save(actor=None, part=BudgetLine(item=line.item, funder=line.funder, planned=D(1)))


def test_a_row_changed_since_the_page_was_opened_is_refused_naming_the_change():
    reading = ReadingFactory(value=D(100))
    seen = version_token(reading)
    Reading.objects.filter(pk=reading.pk).update(value=D(120))
    reading.value = D(130)
    with pytest.raises(ValidationError, match="modifié par quelqu'un d'autre"):
        roadmap_item_part_save(actor=None, part=reading, seen_version=seen)
    assert Reading.objects.get(pk=reading.pk).value == D(120)
    # Read again (its current version), the edit goes through.
    roadmap_item_part_save(actor=None, part=reading, seen_version=version_token(Reading.objects.get(pk=reading.pk)))
    assert Reading.objects.get(pk=reading.pk).value == D(130)


# ------------------------------------------------------------------ budget


@pytest.mark.parametrize("field", ["planned", "committed", "spent"])
def test_the_database_refuses_a_negative_amount(field):
    line = BudgetLineFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        BudgetLine.objects.filter(pk=line.pk).update(**{field: D("-0.01")})
    setattr(line, field, D(-5))
    with pytest.raises(ValidationError, match="négatifs"):
        roadmap_item_part_save(actor=None, part=line)


def test_the_database_refuses_two_lines_of_one_funder():
    line = BudgetLineFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        BudgetLine.objects.create(item=line.item, funder=line.funder)


def test_spent_beyond_committed_is_a_warning():
    assert BudgetLineFactory.build(committed=D(100), spent=D("100.01")).overspent
    assert not BudgetLineFactory.build(committed=D(100), spent=D(100)).overspent


def _sql_sums(group_by: str) -> dict:
    """The same sums, written by hand in SQL: what the selector's must equal."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT {group_by}, SUM(b.planned), SUM(b.committed), SUM(b.spent),
                       COUNT(*) FILTER (WHERE b.spent > b.committed)
                FROM roadmap_budgetline b JOIN roadmap_roadmapitem i ON i.id = b.item_id
                JOIN regions_region r ON r.id = i.region_id GROUP BY {group_by}"""  # noqa: S608 — constants
        )
        return {row[0]: tuple(row[1:]) for row in cursor.fetchall()}


def test_budget_totals_equal_sums_computed_in_sql_to_the_centime():
    amounts = [D("1250000.10"), D("0.07"), D("999999999.99"), D("33.33"), D("12.5")]
    for number, (region_number, axis) in enumerate([(12, "promotion"), (12, "digital"), (9, "promotion")]):
        item = RoadmapItemFactory(region=region(region_number), axis=axis)
        for offset, funder in enumerate(BudgetLine.Funder.values[: number + 2]):
            a, b, c = amounts[offset % 5], amounts[(offset + 1) % 5], amounts[(offset + 2) % 5]
            BudgetLineFactory(item=item, funder=funder, planned=a, committed=b, spent=c)

    overview = roadmap_budget_overview(user=UserFactory(is_staff=True))

    def rows(budget_rows):
        return {
            row.key: (row.planned, row.committed, row.spent, row.overspent_lines)
            for row in budget_rows
            if row.planned or row.committed or row.spent
        }

    assert rows(overview.funders) == _sql_sums("b.funder")
    assert rows(overview.axes) == _sql_sums("i.axis")
    assert rows(overview.regions) == _sql_sums("r.slug")
    assert all(isinstance(row.planned, Decimal) for row in overview.regions)
    with connection.cursor() as cursor:
        cursor.execute("SELECT SUM(planned), SUM(committed), SUM(spent) FROM roadmap_budgetline")
        assert (overview.total.planned, overview.total.committed, overview.total.spent) == cursor.fetchone()
    assert len(overview.regions) == 12


def test_an_official_sees_the_budget_of_their_region_only():
    BudgetLineFactory(item=RoadmapItemFactory(region=region(12)), planned=D(10))
    BudgetLineFactory(item=RoadmapItemFactory(region=region(9)), planned=D(1000))
    overview = roadmap_budget_overview(user=OfficialFactory(region=region(12)).user)
    assert [row.key for row in overview.regions] == ["dakhla-oued-ed-dahab"]
    assert overview.total.planned == D(10)


@pytest.mark.parametrize(
    ("language", "amount", "shown"),
    [
        ("fr", D("1250000"), "1\xa0250\xa0000 MAD"),
        ("fr", D("1250000.5"), "1\xa0250\xa0000,50 MAD"),
        ("en", D("1250000"), "1,250,000 MAD"),
    ],
)
def test_money_is_written_the_languages_way(language, amount, shown):
    with translation.override(language):
        assert money(amount) == shown


# ------------------------------------------------------------------ pages


@pytest.fixture
def official_client(client):
    client.force_login(OfficialFactory(region=region(12)).user)
    return client


def _item_with_followup(indicators=1, readings=2, funders=2):
    item = RoadmapItemFactory(region=region(12), status=RoadmapItem.Status.IN_PROGRESS)
    for number in range(indicators):
        indicator = IndicatorFactory(item=item, name=f"Nuitées {number}")
        for day in range(readings):
            ReadingFactory(indicator=indicator, measured_on=DAY + datetime.timedelta(days=day), source=f"Source {day}")
    for funder in BudgetLine.Funder.values[:funders]:
        BudgetLineFactory(item=item, funder=funder, committed=D(1000), spent=D(1500) if funder == "crt" else D(10))
    return item


def test_item_page_shows_each_indicators_chart_and_table_and_the_budget_with_its_warning(official_client):
    item = _item_with_followup()
    body = official_client.get(item.get_absolute_url()).content.decode()
    assert body.count('class="chart"') == 1
    assert 'role="img"' in body and "Nuitées 0 : relevés, valeur de départ et cible" in body
    # No script nor style inside the chart: the page's policy allows neither inline.
    chart = re.search(r"<svg[^>]*class=\"chart\".*?</svg>", body, re.S).group(0)
    assert "<script" not in chart and "<style" not in chart
    assert "Relevés — Nuitées 0" in body and "Source 1" in body
    assert "Budget par financeur" in body
    assert "1\xa0250\xa0000" in body
    assert "Dépensé au-delà de l'engagé" in body and "le dépensé dépasse l'engagé" in body


def test_region_page_sums_the_budget_and_lists_indicators(official_client):
    _item_with_followup()
    body = official_client.get(reverse("roadmap:region", args=["dakhla-oued-ed-dahab"])).content.decode()
    assert "Budget des actions affichées" in body
    assert "2\xa0500\xa0000 MAD" in body  # two lines of 1 250 000
    assert "sur 1 ligne budgétaire, le dépensé dépasse" in body
    assert "Nuitées 0 : 1\xa0500 sur une cible de 2\xa0000 nuitées (50 %)" in body


def test_a_reading_added_shows_at_once_on_the_cached_region_page(official_client, django_capture_on_commit_callbacks):
    item = _item_with_followup()
    url = reverse("roadmap:region", args=["dakhla-oued-ed-dahab"])
    assert "(50 %)" in official_client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        _reading(item.indicators.get(), 2000, days=90)
    assert "(100 %)" in official_client.get(url).content.decode()


def test_overview_shows_budget_tables_and_a_chart(staff_client):
    _item_with_followup()
    body = staff_client.get(reverse("roadmap:overview")).content.decode()
    assert 'id="budget-by-funder"' in body
    assert "Budget par financeur, en dirhams (MAD)" in body
    assert "Budget par région, en dirhams (MAD)" in body
    assert "Budget par axe, en dirhams (MAD)" in body


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("page", ["item", "region", "overview"])
def test_query_counts_do_not_grow_with_ten_times_more_indicators_readings_and_lines(
    client, page, django_assert_num_queries
):
    user = UserFactory(is_staff=True) if page == "overview" else OfficialFactory(region=region(12)).user
    client.force_login(user)
    item = _item_with_followup(indicators=1, readings=1, funders=1)
    url = {
        "item": item.get_absolute_url(),
        "region": reverse("roadmap:region", args=["dakhla-oued-ed-dahab"]) + "?axis=promotion",
        "overview": reverse("roadmap:overview"),
    }[page]
    queries = _count_queries(client, url)
    for number in range(1, 10):
        indicator = IndicatorFactory(item=item, name=f"Arrivées {number}")
        ReadingFactory.create_batch(10, indicator=indicator)
    for funder in BudgetLine.Funder.values[1:]:
        BudgetLineFactory(item=item, funder=funder)
    for _other in range(9):
        _item_with_followup(indicators=1, readings=1, funders=4)
    # A new query string: the page is rendered again, not served from the page cache.
    with django_assert_num_queries(queries):
        response = client.get(url + ("&" if "?" in url else "?") + "n=10")
    assert response.status_code == 200


def test_a_reading_of_an_indicator_deleted_meanwhile_is_refused_not_a_server_error():
    indicator = IndicatorFactory()
    reading = Reading(indicator=indicator, value=D(1), measured_on=DAY, source="x")
    Indicator.objects.filter(pk=indicator.pk).delete()
    with pytest.raises(ValidationError, match="supprimé entre-temps"):
        roadmap_item_part_save(actor=None, part=reading)
