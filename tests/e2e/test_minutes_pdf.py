"""The minutes PDF in a real browser: an official of the region asks for it, waits, downloads it, reads it back."""

import subprocess

import pytest

from meetings.tests.document_factories import DecisionFactory, MinutesFactory, minutes_validate
from meetings.tests.factories import MeetingFactory
from regions.tests.factories import OfficialFactory, UserFactory, region
from tests.e2e.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("private_media")]

PASSWORD = "un-mot-de-passe-du-crt-2026"


def test_an_official_waits_for_the_pdf_without_reloading_and_downloads_it(live_server, page, tmp_path):
    meeting = MeetingFactory(region=region(12), title="Rencontre des professionnels de Dakhla")
    DecisionFactory(meeting=meeting, title="Organiser un éductour pour la presse espagnole")
    DecisionFactory(meeting=meeting, title="تنظيم رحلة تعريفية لفائدة الصحافة الدولية")
    minutes_validate(MinutesFactory(meeting=meeting))
    OfficialFactory(region=meeting.region, user=UserFactory(username="crt-dakhla", password=PASSWORD))

    page.goto(f"{live_server.url}/rencontres/{meeting.slug}/compte-rendu/pdf/?langue=ar")
    page.get_by_label("Identifiant").fill("crt-dakhla")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    # Tasks run in the request here, after its commit: the PDF is made before the page answers, which
    # still says "pending"; its script then finds the PDF ready and reloads the page with the download link.
    page.get_by_role("button", name="Se connecter").click(timeout=60_000)
    assert "en préparation" in page.content()
    download_link = page.get_by_role("link", name="Télécharger le PDF")
    download_link.wait_for()
    assert_accessible(page)
    with page.expect_download() as download:
        download_link.click()
    assert download.value.suggested_filename == f"compte-rendu-{meeting.slug}-v1-ar.pdf"
    path = tmp_path / "compte-rendu.pdf"
    download.value.save_as(path)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout
    assert "éductour" in text and "تعريفية" in text and "الصحافة" in text

    page.set_viewport_size({"width": 360, "height": 740})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
