"""An item followed by an indicator and a budget: its chart and the table of its readings show, in French and in
Arabic (right to left), at desktop and phone widths, and the page passes axe."""

import datetime
from decimal import Decimal

import pytest

from regions.tests.factories import OfficialFactory, UserFactory, region
from roadmap.models import BudgetLine, Indicator, Reading
from roadmap.services import roadmap_item_part_save
from roadmap.tests.factories import RoadmapItemFactory
from tests.e2e.conftest import assert_accessible, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "un-mot-de-passe-du-crt-2026"


def test_the_item_page_shows_the_indicators_chart_with_its_table_and_the_budget(live_server, page):
    item = RoadmapItemFactory(region=region(12), title="Vols charters vers Dakhla depuis Paris", status="in_progress")
    indicator = roadmap_item_part_save(
        actor=None,
        part=Indicator(
            item=item,
            name="Nuitées dans les hôtels classés",
            unit="nuitées",
            baseline=Decimal(182000),
            target=Decimal(230000),
        ),
    )
    for week, value in enumerate([182000, 190000, 206000]):
        roadmap_item_part_save(
            actor=None,
            part=Reading(
                indicator=indicator,
                value=Decimal(value),
                source="Observatoire régional du tourisme",
                measured_on=datetime.date(2026, 11, 4) + datetime.timedelta(days=7 * week),
            ),
        )
    for funder, spent in (("onmt", "533000"), ("crt", "450000.50")):
        roadmap_item_part_save(
            actor=None,
            part=BudgetLine(
                item=item, funder=funder, planned=Decimal(1250000), committed=Decimal(410000), spent=Decimal(spent)
            ),
        )
    OfficialFactory(region=region(12), user=UserFactory(username="crt-dakhla", password=PASSWORD))
    log_in(page, live_server, "crt-dakhla", PASSWORD)

    page.goto(live_server.url + item.get_absolute_url())

    chart = page.get_by_role("img", name="Nuitées dans les hôtels classés : relevés, valeur de départ et cible")
    assert chart.is_visible()
    assert chart.bounding_box()["height"] > 100
    table = page.get_by_role("table", name="Relevés — Nuitées dans les hôtels classés")
    assert table.is_visible()
    assert table.get_by_role("row").count() == 4  # the header and three readings
    assert "206\u00a0000" in table.inner_text()
    assert "50 %" in page.locator(".item-facts").first.inner_text()  # (206 000 − 182 000) / 48 000
    budget = page.get_by_role("table", name="Budget par financeur, en dirhams (MAD)")
    assert "2\u00a0500\u00a0000" in budget.inner_text()
    assert page.get_by_text("le dépensé dépasse l'engagé").is_visible()
    assert_accessible(page)

    # Arabic, right to left: the chart keeps its own direction, the page flows from the right.
    page.goto(live_server.url + "/langue/?language=ar&next=" + item.get_absolute_url())
    page.goto(live_server.url + item.get_absolute_url())
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("svg.chart").is_visible()
    assert_accessible(page)

    # A 360 px phone: nothing overflows the page (a wide table scrolls in its own frame).
    page.set_viewport_size({"width": 360, "height": 740})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.locator("svg.chart").bounding_box()["width"] <= 360


def test_the_national_overview_shows_the_budget_chart_beside_its_tables(live_server, page):
    for region_number, funder in ((12, "onmt"), (9, "crt"), (9, "partner")):
        roadmap_item_part_save(
            actor=None,
            part=BudgetLine(
                item=RoadmapItemFactory(region=region(region_number)),
                funder=funder,
                planned=Decimal("1250000.40"),
                committed=Decimal(500000),
                spent=Decimal(600000),
            ),
        )
    UserFactory(username="onmt-planning", password=PASSWORD, is_staff=True)
    log_in(page, live_server, "onmt-planning", PASSWORD)

    page.goto(live_server.url + "/feuille-de-route/vue-nationale/")

    assert page.get_by_role("img", name="Budget par financeur, en dirhams (MAD)").is_visible()
    by_funder = page.get_by_role("table", name="Budget par financeur, en dirhams (MAD) (arrondi au dirham)")
    assert by_funder.get_by_role("row").count() == 5  # the header, ONMT, CRT, partner, the total
    assert "3\u00a0750\u00a0001" in by_funder.inner_text()  # 3 × 1 250 000,40, rounded to the dirham
    assert page.get_by_role("table", name="Budget par région, en dirhams (MAD) (arrondi au dirham)").is_visible()
    assert "3 lignes au-delà de l'engagé" in by_funder.inner_text()
    assert_accessible(page)
    page.set_viewport_size({"width": 360, "height": 740})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
