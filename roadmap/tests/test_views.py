import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from regions.tests.factories import OfficialFactory, region
from roadmap.models import Acknowledgement, Comment, RoadmapItem
from roadmap.services import roadmap_item_update
from roadmap.tests.factories import AcknowledgementFactory, CommentFactory, RoadmapItemFactory, market

pytestmark = pytest.mark.django_db

YESTERDAY = timezone.localdate() - datetime.timedelta(days=1)


@pytest.fixture
def official_client(client):
    client.force_login(OfficialFactory(region=region(12)).user)
    return client


def _region_url(name="roadmap:region", slug="dakhla-oued-ed-dahab"):
    return reverse(name, args=[slug])


def test_items_are_grouped_by_axis_in_declared_order_with_overdue_marked(official_client):
    RoadmapItemFactory(title="Formation Big Data", axis=RoadmapItem.Axis.DIGITAL)
    RoadmapItemFactory(title="Roadshow Espagne", axis=RoadmapItem.Axis.PROMOTION, due_on=YESTERDAY)
    RoadmapItemFactory(title="Ancienne campagne", axis=RoadmapItem.Axis.PROMOTION, due_on=YESTERDAY, status="done")
    body = official_client.get(_region_url()).content.decode()
    assert body.index("<h2>Promotion sur les marchés internationaux</h2>") < body.index(
        "<h2>Formation au marketing digital et Big Data</h2>"
    )
    assert body.index("Roadshow Espagne") < body.index("Formation Big Data")
    assert body.count("badge badge-overdue") == 1
    assert "<h2>Task force produit</h2>" not in body


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("axis=product", {"Golf Dakhla"}),
        ("product=water_sports", {"Kitesurf"}),
        ("market=france", {"Kitesurf"}),
        ("status=blocked", {"Golf Dakhla"}),
        ("axis=product&status=planned", set()),
    ],
)
def test_filters(official_client, query, shown):
    RoadmapItemFactory(title="Kitesurf", product_line="water_sports", status="planned", markets=[market("france")])
    RoadmapItemFactory(title="Golf Dakhla", axis="product", product_line="golf", status="blocked")
    body = official_client.get(f"{_region_url()}?{query}").content.decode()
    assert {title for title in ("Kitesurf", "Golf Dakhla") if title in body} == shown


@pytest.mark.parametrize(
    "query", ["axis=tourisme-spatial", "market=atlantide", "market=%00", "status=%00", "product=" + "x" * 5000]
)
def test_bad_filter_values_are_ignored_with_a_message(official_client, query):
    RoadmapItemFactory(title="Kitesurf")
    response = official_client.get(f"{_region_url()}?{query}")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Filtre ignoré" in body and "Kitesurf" in body


def test_item_page_shows_history_and_comments(official_client, staff_user):
    item = RoadmapItemFactory(status="planned", progress=0)
    roadmap_item_update(actor=staff_user, item=item, data={"status": "in_progress", "progress": 30})
    CommentFactory(item=item, body="Le CRT mobilise les hôteliers")
    body = official_client.get(item.get_absolute_url()).content.decode()
    assert "Planifiée → En cours" in body and "0 % → 30 %" in body
    assert "Le CRT mobilise les hôteliers" in body
    assert 'name="revision" value="1"' in body


def test_official_comments_and_sees_it(official_client):
    item = RoadmapItemFactory()
    response = official_client.post(reverse("roadmap:comment", args=[item.region.slug, item.pk]), {"body": "Validé"})
    assert response.status_code == 302
    assert Comment.objects.get(item=item).body == "Validé"
    assert "Validé" in official_client.get(response["Location"]).content.decode()


@pytest.mark.parametrize("body", ["", "   ", "x" * 2001])
def test_invalid_comment_gets_a_message_and_400(official_client, body):
    item = RoadmapItemFactory()
    response = official_client.post(reverse("roadmap:comment", args=[item.region.slug, item.pk]), {"body": body})
    assert response.status_code == 400
    assert 'class="errorlist"' in response.content.decode()
    assert not Comment.objects.exists()


def test_official_acknowledges_and_the_button_disappears(official_client):
    item = RoadmapItemFactory()
    url = reverse("roadmap:acknowledge", args=[item.region.slug, item.pk])
    response = official_client.post(url, {"revision": item.revision}, follow=True)
    assert Acknowledgement.objects.filter(item=item).exists()
    body = response.content.decode()
    assert "Accusé de réception enregistré" in body and 'name="revision"' not in body


def test_acknowledging_a_stale_version_explains_why(official_client, staff_user):
    item = RoadmapItemFactory()
    roadmap_item_update(actor=staff_user, item=item, data={"title": "Nouveau périmètre"})
    url = reverse("roadmap:acknowledge", args=[item.region.slug, item.pk])
    response = official_client.post(url, {"revision": 1}, follow=True)
    assert "modifiée depuis votre lecture" in response.content.decode()
    assert not Acknowledgement.objects.exists()


@pytest.mark.parametrize("revision", ["", "abc", "1.5"])
def test_acknowledge_with_a_bad_revision_is_400(official_client, revision):
    item = RoadmapItemFactory()
    url = reverse("roadmap:acknowledge", args=[item.region.slug, item.pk])
    assert official_client.post(url, {"revision": revision}).status_code == 400
    assert not Acknowledgement.objects.exists()


def test_csv_export_is_excel_friendly_and_defused(official_client):
    RoadmapItemFactory(title='=HYPERLINK("http://x")', markets=[market("france"), market("chine")])
    RoadmapItemFactory(title="Autre", axis="digital")
    response = official_client.get(f"{_region_url('roadmap:export_csv')}?axis=promotion")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="feuille-de-route-dakhla-oued-ed-dahab-' in response["Content-Disposition"]
    assert response.content.startswith("\ufeff".encode())
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("intitulé;description;axe;")
    assert len(lines) == 2
    assert lines[1].startswith("\"'=HYPERLINK(")
    assert "France, Chine" in lines[1]


def test_print_page_uses_print_css(official_client):
    RoadmapItemFactory(title="Salon ITB Berlin")
    body = official_client.get(_region_url("roadmap:print")).content.decode()
    assert "css/roadmap.css" in body and "Salon ITB Berlin" in body
    assert 'class="site-header' not in body


def test_overview_counts_per_region(staff_client):
    dakhla, souss = region(12), region(9)
    RoadmapItemFactory.create_batch(3, region=dakhla, status="done", progress=100)
    RoadmapItemFactory(region=dakhla, status="planned", due_on=YESTERDAY)
    RoadmapItemFactory(region=dakhla, status="dropped", due_on=YESTERDAY)
    acknowledgement = AcknowledgementFactory(item__region=souss)
    response = staff_client.get(reverse("roadmap:overview"))
    summaries = {summary.region.number: summary for summary in response.context["summaries"]}
    assert len(summaries) == 12
    assert (summaries[12].total, summaries[12].done_share, summaries[12].overdue) == (5, 75, 1)
    assert {count.status: count.count for count in summaries[12].counts}["done"] == 3
    assert summaries[9].last_acknowledged_at == acknowledgement.acknowledged_at
    assert summaries[1].done_share is None
    body = response.content.decode()
    row = re.search(r"Dakhla-Oued Ed-Dahab</a></th>(.*?)</tr>", body, re.S).group(1)
    # Segments follow the status order: proposed (0), planned (1 of 5), done (3 of 5)…
    assert 'class="bar-planned" x="0.00" width="20.00"' in row
    assert 'class="bar-done" x="20.00" width="60.00"' in row
    assert reverse("roadmap:region", args=["souss-massa"]) in body


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _items_with_review(count, **kwargs):
    for item in RoadmapItemFactory.create_batch(count, markets=[market("france"), market("espagne")], **kwargs):
        CommentFactory(item=item)
        AcknowledgementFactory(item=item)


@pytest.mark.parametrize(
    "url",
    [
        _region_url,
        lambda: _region_url() + "?market=france&axis=promotion",
        lambda: _region_url("roadmap:export_csv"),
        lambda: _region_url("roadmap:print"),
    ],
    ids=["region", "region-filtered", "export", "print"],
)
def test_region_pages_query_count_does_not_grow_with_items(
    official_client, django_assert_num_queries, django_capture_on_commit_callbacks, url
):
    _items_with_review(5)
    queries_for_5 = _count_queries(official_client, url())
    with django_capture_on_commit_callbacks(execute=True):
        _items_with_review(45)
    with django_assert_num_queries(queries_for_5):
        response = official_client.get(url())
    assert response.content.decode("utf-8-sig").count("Action n°") >= 50


def test_item_page_query_count_does_not_grow_with_comments_and_history(
    official_client, staff_user, django_assert_num_queries
):
    item = RoadmapItemFactory(markets=[market("france")])
    CommentFactory.create_batch(2, item=item)
    queries = _count_queries(official_client, item.get_absolute_url())
    CommentFactory.create_batch(20, item=item)
    for progress in range(20, 40):
        roadmap_item_update(actor=staff_user, item=item, data={"progress": progress})
    with django_assert_num_queries(queries):
        official_client.get(item.get_absolute_url())


def test_overview_query_count_does_not_grow_with_items(staff_client, django_assert_num_queries):
    _items_with_review(5)
    queries_for_5 = _count_queries(staff_client, reverse("roadmap:overview"))
    _items_with_review(45, region=region(9))
    with django_assert_num_queries(queries_for_5):
        staff_client.get(reverse("roadmap:overview"))


def test_an_out_of_range_item_number_is_404(official_client):
    url = reverse("roadmap:item", args=["dakhla-oued-ed-dahab", 10**20])
    assert official_client.get(url).status_code == 404


def test_pages_survive_deleted_accounts(official_client):
    item = RoadmapItemFactory(status="planned")
    gone = OfficialFactory(region=region(12)).user
    roadmap_item_update(actor=gone, item=item, data={"progress": 20})
    CommentFactory(item=item, author=gone, body="Écrit avant départ")
    AcknowledgementFactory(item=item, user=gone)
    gone.delete()
    for url in [
        item.get_absolute_url(),
        _region_url(),
        _region_url("roadmap:print"),
        _region_url("roadmap:export_csv"),
    ]:
        response = official_client.get(url)
        assert response.status_code == 200
    assert "Écrit avant départ" in official_client.get(item.get_absolute_url()).content.decode()
