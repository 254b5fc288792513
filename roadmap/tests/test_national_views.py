"""The national dashboard, the CNT task forces' views across regions and the official's page: what they show,
that their figures are those of the database, and that their query counts do not grow with the items."""

import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Avg, Count, Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from regions.models import ExportLog, Region
from regions.tests.factories import OfficialFactory, UserFactory, region
from roadmap.models import RoadmapItem, StatusChange
from roadmap.national_selectors import OPEN_STATUSES, overdue_days
from roadmap.services import roadmap_item_create, roadmap_item_update
from roadmap.tests.factories import (
    AcknowledgementFactory,
    CommentFactory,
    IndicatorFactory,
    ReadingFactory,
    RoadmapItemFactory,
    market,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YESTERDAY = TODAY - datetime.timedelta(days=1)


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        assert response.status_code == 200
    return len(queries)


def _spread_items(count, *, regions=(12, 9, 1)):
    """`count` items across a few regions, product lines, markets and statuses, with reviews and indicators."""
    statuses = list(RoadmapItem.Status.values)
    lines = list(RoadmapItem.ProductLine.values)
    axes = list(RoadmapItem.Axis.values)
    markets = [market("france"), market("espagne")]
    for number in range(count):
        item = RoadmapItemFactory(
            region=region(regions[number % len(regions)]),
            status=statuses[number % len(statuses)],
            product_line=lines[number % len(lines)],
            axis=axes[number % len(axes)],
            progress=(number * 7) % 101,
            due_on=YESTERDAY if number % 3 == 0 else None,
            markets=markets[: number % 3],
        )
        CommentFactory(item=item)
        if number % 2:
            AcknowledgementFactory(item=item)
        if number % 4 == 0:
            ReadingFactory(indicator=IndicatorFactory(item=item))


# ------------------------------------------------------------------ query counts with 10x the items

PAGES = {
    "dashboard": lambda: reverse("roadmap:overview"),
    "task-force-product": lambda: reverse("roadmap:task_force", args=["produit"]),
    "task-force-product-filtered": lambda: (
        reverse("roadmap:task_force", args=["produit"])
        + "?region=souss-massa&status=planned&overdue=on&axis=promotion&owner=onmt&group=golf"
    ),
    "task-force-markets": lambda: reverse("roadmap:task_force", args=["marches"]),
    "task-force-export-csv": lambda: reverse("roadmap:task_force_export", args=["marches", "csv"]),
    "task-force-export-xlsx": lambda: reverse("roadmap:task_force_export", args=["produit", "xlsx"]),
}


@pytest.mark.parametrize("page", PAGES.values(), ids=PAGES.keys())
def test_staff_pages_query_count_does_not_grow_with_items(staff_client, django_assert_num_queries, page):
    _spread_items(6)
    queries = _count_queries(staff_client, page())
    _spread_items(60)
    with django_assert_num_queries(queries):
        staff_client.get(page())


def test_official_page_query_count_does_not_grow_with_items(
    client, django_assert_num_queries, django_capture_on_commit_callbacks
):
    client.force_login(OfficialFactory(region=region(12)).user)
    url = reverse("roadmap:region", args=["dakhla-oued-ed-dahab"])
    _spread_items(5, regions=(12,))
    queries = _count_queries(client, url)
    # Committed, as far as the page cache knows: the page is drawn again.
    with django_capture_on_commit_callbacks(execute=True):
        _spread_items(50, regions=(12,))
    with django_assert_num_queries(queries):
        body = client.get(url).content.decode()
    assert body.count('name="items"') == RoadmapItem.objects.filter(acknowledgement__isnull=True).count()


# ------------------------------------------------------------------ the dashboard's figures, checked in SQL


def test_dashboard_tables_hold_the_figures_of_the_database(staff_client):
    _spread_items(40)
    context = staff_client.get(reverse("roadmap:overview")).context
    dashboard = context["dashboard"]
    # Progress per region: the mean of the items not dropped, rounded half up.
    expected = dict(
        Region.objects.annotate(
            mean=Avg("roadmap_items__progress", filter=~Q(roadmap_items__status="dropped"))
        ).values_list("number", "mean")
    )
    for entry in dashboard.map.entries:
        mean = expected[entry.summary.region.number]
        wanted = None if mean is None else int(Decimal(mean).quantize(Decimal(1), rounding="ROUND_HALF_UP"))
        assert entry.progress == wanted
        assert entry.band.key == ("band-none" if wanted is None else f"band-{min(wanted // 25, 3)}")
    # By axis: counts and overdue straight from a GROUP BY.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT axis, count(*), count(*) FILTER (WHERE status = 'done'), "
            "count(*) FILTER (WHERE due_on < %s AND status NOT IN ('done', 'dropped')), "
            "round(avg(progress) FILTER (WHERE status <> 'dropped')) "
            "FROM roadmap_roadmapitem GROUP BY axis",
            [TODAY],
        )
        by_axis = {axis: (total, done, overdue, mean) for axis, total, done, overdue, mean in cursor.fetchall()}
    assert {axis.axis for axis in dashboard.axes} == set(by_axis)
    for axis in dashboard.axes:
        total, done, overdue, mean = by_axis[axis.axis]
        assert (axis.total, axis.count_of("done"), axis.overdue, axis.progress) == (total, done, overdue, mean)
    body = staff_client.get(reverse("roadmap:overview")).content.decode()
    for axis in dashboard.axes:
        assert f'<tr><th scope="row">{axis.label}</th><td>{axis.total}</td>' in body


def test_overdue_over_time_follows_each_items_history(staff_client, staff_user):
    zone = timezone.get_current_timezone()
    days = overdue_days(today=TODAY)
    long_ago = timezone.make_aware(datetime.datetime(TODAY.year - 2, 1, 1), zone)
    # Due a year ago, created long before, done three months ago: overdue until then, not after.
    done_late = roadmap_item_create(
        actor=staff_user, region=region(12), title="Fait en retard", axis="promotion", due_on=days[0]
    )
    roadmap_item_update(actor=staff_user, item=done_late, data={"status": "done"})
    RoadmapItem.objects.filter(pk=done_late.pk).update(created_at=long_ago)
    history = StatusChange.objects.filter(item=done_late).order_by("pk")
    history.filter(to_status="proposed").update(changed_at=long_ago)
    done_on = days[8] - datetime.timedelta(days=3)
    history.filter(to_status="done").update(
        changed_at=timezone.make_aware(datetime.datetime.combine(done_on, datetime.time(12)), zone)
    )
    # Still open, due two months ago: overdue from then on.
    open_item = RoadmapItemFactory(region=region(9), status="in_progress", due_on=days[9] - datetime.timedelta(days=1))
    RoadmapItem.objects.filter(pk=open_item.pk).update(created_at=long_ago)
    points = staff_client.get(reverse("roadmap:overview")).context["dashboard"].overdue
    assert [point.day for point in points] == days

    def status_on(item, day):
        end = timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time()), zone)
        last = StatusChange.objects.filter(item=item, changed_at__lt=end).order_by("-changed_at", "-pk").first()
        return last.to_status if last else item.status

    for point in points:
        expected = sum(
            1
            for item in RoadmapItem.objects.all()
            if item.due_on
            and item.due_on < point.day
            and item.created_at.astimezone(zone).date() <= point.day
            and status_on(item, point.day) in OPEN_STATUSES
        )
        assert point.count == expected
    counts = [point.count for point in points]
    assert counts[0] == 0 and counts[7] == 1 and counts[8] == 0 and counts[-1] == 1


def test_dashboard_draws_the_map_by_progress_with_words_and_its_charts(staff_client):
    RoadmapItemFactory(region=region(12), progress=80)
    RoadmapItemFactory(region=region(9), progress=10)
    body = staff_client.get(reverse("roadmap:overview")).content.decode()
    assert 'class="map-region progress-band-3"' in body and "avancement moyen 80 %" in body
    assert 'class="map-region progress-band-0"' in body and "avancement moyen 10 %" in body
    assert body.count('class="map-region progress-band-none"') == 10
    for chart_id in ("progress-by-axis", "overdue-by-month"):
        assert f'id="{chart_id}"' in body
    assert "<script" not in body.split("<main", 1)[1]


# ------------------------------------------------------------------ the task forces' views


def test_product_task_force_groups_items_of_every_region_by_product_line(staff_client):
    RoadmapItemFactory(region=region(12), title="Golf Dakhla", product_line="golf", progress=40)
    RoadmapItemFactory(region=region(9), title="Golf Taghazout", product_line="golf", progress=60, due_on=YESTERDAY)
    RoadmapItemFactory(region=region(9), title="Surf Taghazout", product_line="water_sports")
    response = staff_client.get(reverse("roadmap:task_force", args=["produit"]))
    groups = {group.key: group for group in response.context["groups"]}
    assert set(groups) == {"golf", "water_sports"}
    golf = groups["golf"]
    assert (golf.tally.total, golf.regions, golf.progress, golf.overdue) == (2, 2, 50, 1)
    assert [item.title for item in golf.items] == ["Golf Taghazout", "Golf Dakhla"]


def test_market_task_force_lists_an_item_under_each_of_its_markets(staff_client):
    item = RoadmapItemFactory(region=region(12), title="Roadshow", markets=[market("france"), market("espagne")])
    indicator = IndicatorFactory(item=item, baseline=0, target=100)
    ReadingFactory(indicator=indicator, value=30)
    RoadmapItemFactory(region=region(9), title="Sans marché")
    # The national market is domestic tourism's, not the international competitiveness task force's.
    RoadmapItemFactory(region=region(9), title="MARCHE-NATIONAL-Q4", markets=[market("national")])
    response = staff_client.get(reverse("roadmap:task_force", args=["marches"]))
    groups = {group.key: group for group in response.context["groups"]}
    assert set(groups) == {"france", "espagne"}
    assert groups["france"].indicators_progress == 30 and groups["france"].with_indicators == 1
    assert "Sans marché" not in response.content.decode()
    assert "MARCHE-NATIONAL-Q4" not in response.content.decode()


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("region=souss-massa", {"Golf Taghazout"}),
        ("axis=product", {"Golf Dakhla"}),
        ("status=blocked", {"Golf Taghazout"}),
        ("owner=crt", {"Golf Dakhla"}),
        ("overdue=on", {"Golf Taghazout"}),
        ("group=golf", {"Golf Dakhla", "Golf Taghazout"}),
        ("group=water_sports", set()),
    ],
)
def test_task_force_filters(staff_client, query, shown):
    RoadmapItemFactory(region=region(12), title="Golf Dakhla", product_line="golf", axis="product", owner="crt")
    RoadmapItemFactory(
        region=region(9), title="Golf Taghazout", product_line="golf", status="blocked", due_on=YESTERDAY
    )
    body = staff_client.get(reverse("roadmap:task_force", args=["produit"]) + "?" + query).content.decode()
    assert {title for title in ("Golf Dakhla", "Golf Taghazout") if title in body} == shown


@pytest.mark.parametrize("query", ["region=atlantide", "status=%00", "group=" + "x" * 5000, "owner=nasa"])
def test_task_force_bad_filters_are_ignored_with_a_message(staff_client, query):
    RoadmapItemFactory(title="Golf Dakhla", product_line="golf")
    response = staff_client.get(reverse("roadmap:task_force", args=["produit"]) + "?" + query)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Filtre ignoré" in body and "Golf Dakhla" in body


def test_an_unknown_task_force_or_format_is_404(staff_client):
    assert staff_client.get(reverse("roadmap:task_force", args=["tourisme-spatial"])).status_code == 404
    assert staff_client.get(reverse("roadmap:task_force_export", args=["produit", "pdf"])).status_code == 404


def test_task_force_exports_csv_and_xlsx_with_the_filters_and_a_log(staff_client, staff_user):
    RoadmapItemFactory(region=region(12), title="=HYPERLINK(1) Golf", product_line="golf", due_on=YESTERDAY)
    RoadmapItemFactory(region=region(9), title="Croisière Agadir", product_line="cruises")
    url = reverse("roadmap:task_force_export", args=["produit", "csv"])
    csv_text = staff_client.get(url + "?group=golf").content.decode("utf-8-sig")
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("filière;région;intitulé")
    assert len(lines) == 2 and "'=HYPERLINK(1) Golf" in lines[1] and YESTERDAY.isoformat() in lines[1]
    response = staff_client.get(reverse("roadmap:task_force_export", args=["produit", "xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("filière", "région", "intitulé")
    assert {row[2] for row in rows[1:]} == {"=HYPERLINK(1) Golf", "Croisière Agadir"}
    assert sheet.cell(row=2, column=3).data_type == "s"
    logs = ExportLog.objects.filter(user=staff_user).order_by("pk")
    assert [(log.kind, log.row_count) for log in logs] == [
        (ExportLog.Kind.ROADMAP_CSV, 1),
        (ExportLog.Kind.ROADMAP_XLSX, 2),
    ]
    assert "task_force=produit" in logs[0].filters


def test_officials_do_not_reach_the_views_across_regions(client):
    client.force_login(OfficialFactory(region=region(12)).user)
    for url in (
        reverse("roadmap:task_force", args=["produit"]),
        reverse("roadmap:task_force_export", args=["marches", "csv"]),
        reverse("roadmap:overview"),
    ):
        assert client.get(url).status_code == 403


# ------------------------------------------------------------------ the official's page


def test_official_page_opens_with_a_summary(client):
    client.force_login(OfficialFactory(region=region(12)).user)
    for status in ("done", "done", "in_progress", "blocked"):
        RoadmapItemFactory(region=region(12), status=status)
    RoadmapItemFactory(region=region(12), status="planned", due_on=YESTERDAY)
    RoadmapItemFactory(region=region(9), status="done")
    summary = client.get(reverse("roadmap:region", args=["dakhla-oued-ed-dahab"]) + "?status=blocked").context[
        "summary"
    ]
    assert (summary.total, summary.done, summary.in_progress, summary.overdue, summary.blocked) == (5, 2, 1, 1, 1)


def test_history_and_comments_name_people_not_logins(client, staff_user):
    staff_user.first_name, staff_user.last_name = "Salma", "Bennani"
    staff_user.save()
    no_name = UserFactory(username="crt-login-7", email="hassan@crt-dakhla.ma")
    client.force_login(OfficialFactory(region=region(12)).user)
    item = roadmap_item_create(actor=staff_user, region=region(12), title="Roadshow", axis="promotion")
    CommentFactory(item=item, author=no_name, body="Vu")
    body = client.get(item.get_absolute_url()).content.decode()
    assert "Salma Bennani" in body and "hassan@crt-dakhla.ma" in body
    assert "crt-login-7" not in body and staff_user.username not in body


def test_task_force_tables_hold_the_figures_of_the_database(staff_client):
    _spread_items(40)
    groups = staff_client.get(reverse("roadmap:task_force", args=["produit"])).context["groups"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT product_line, count(*), count(DISTINCT region_id), count(*) FILTER (WHERE status = 'blocked'), "
            "count(*) FILTER (WHERE due_on < %s AND status NOT IN ('done', 'dropped')), "
            "round(avg(progress) FILTER (WHERE status <> 'dropped')) "
            "FROM roadmap_roadmapitem GROUP BY product_line",
            [TODAY],
        )
        expected = {row[0]: row[1:] for row in cursor.fetchall()}
    assert {
        group.key: (group.tally.total, group.regions, group.tally.count_of("blocked"), group.overdue, group.progress)
        for group in groups
    } == expected
    market_groups = staff_client.get(reverse("roadmap:task_force", args=["marches"])).context["groups"]
    per_market = dict(
        RoadmapItem.objects.filter(markets__is_domestic=False)
        .values_list("markets__slug")
        .annotate(count=Count("pk"))
        .order_by()
    )
    assert {group.key: group.tally.total for group in market_groups} == per_market
