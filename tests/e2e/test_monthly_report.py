"""ONMT staff ask for last month's report in the admin: it is made, listed with its three files, and the page
reads in French and in Arabic (right to left), at desktop and phone widths."""

import os

import pytest
from openpyxl import load_workbook

from regions.tests.factories import UserFactory, region
from roadmap.models import MonthlyReport
from roadmap.tests.factories import BudgetLineFactory, RoadmapItemFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("private_media")]

PASSWORD = "un-mot-de-passe-de-l-onmt-2026"
SCREENSHOTS = os.environ.get("REPORT_SCREENSHOTS")


def _shot(page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/{name}.png", full_page=True)


def test_staff_produce_last_months_report_and_download_its_workbook(live_server, page):
    BudgetLineFactory(item=RoadmapItemFactory(region=region(12), title="Salon de Madrid"), spent="300000.50")
    UserFactory(username="direction", password=PASSWORD, is_staff=True, is_superuser=True)
    page.goto(live_server.url + "/admin/")
    page.locator("#id_username").fill("direction")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("input[type=submit]").click()
    page.wait_for_load_state()

    page.goto(live_server.url + "/admin/roadmap/monthlyreport/")
    button = page.get_by_role("button", name="Produire le rapport de")
    # The task runs in the request here (no broker): both PDFs and the workbook take seconds to make.
    with page.expect_navigation(timeout=120_000):
        button.click()
    assert "en préparation" in page.locator(".messagelist").inner_text()
    report = MonthlyReport.objects.get()
    assert report.state == MonthlyReport.State.READY, report.error
    row = page.locator("#result_list tbody tr")
    assert row.count() == 1
    assert "Prêt" in row.inner_text()
    with page.expect_download() as download:
        row.get_by_role("link", name="XLSX").click()
    with open(download.value.path(), "rb") as file:
        workbook = load_workbook(file)
    assert "Dakhla-Oued Ed-Dahab" in [row[0] for row in workbook["Régions"].iter_rows(values_only=True)]
    _shot(page, "reports-fr-1366")

    # Asked for again: the same report, said so, nothing made twice.
    page.get_by_role("button", name="Produire le rapport de").click()
    page.wait_for_load_state()
    assert "déjà été demandé" in page.locator(".messagelist").inner_text()
    assert MonthlyReport.objects.count() == 1

    page.goto(live_server.url + "/langue/?language=ar&next=/admin/roadmap/monthlyreport/")
    page.goto(live_server.url + "/admin/roadmap/monthlyreport/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    _shot(page, "reports-ar-1366")
    page.set_viewport_size({"width": 360, "height": 740})
    assert page.locator("#result_list").is_visible()
    _shot(page, "reports-ar-360")
