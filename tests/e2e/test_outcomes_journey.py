"""Issue 17's journey, from the meeting room to the region's roadmap and back as a co-signed PDF.

A staff member marks the meeting held, writes the minutes, records three decisions (one typed in
Arabic), turns them into roadmap items and sends the minutes for validation; the CRT's president
validates them from their account; the PDF in Arabic is downloaded and read back with pdftotext.
"""

import re
import subprocess
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from meetings.models import Meeting, Minutes
from meetings.tests.factories import AgendaItemFactory, MeetingFactory
from regions.tests.factories import OfficialFactory, UserFactory, region
from roadmap.models import RoadmapItem
from tests.e2e.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("private_media")]

PASSWORD = "mot-de-passe-tournee-2026"
SAVED = re.compile(r"Enregistré à \d\d:\d\d:\d\d")
DECISIONS = [
    ("Campagne Dakhla sur le marché espagnol", "promotion"),
    ("Formation de 40 opérateurs au marketing digital", "digital"),
    ("تنظيم رحلة تعريفية لفائدة الصحافة الدولية", "marketing"),
]
BIDI_MARKS = re.compile("[\u202a-\u202e\u2066-\u2069]")
# Arabic presentation forms: what isolated, unjoined letters become in a PDF's text.
PRESENTATION_FORMS = re.compile("[\ufb50-\ufdff\ufe70-\ufeff]")


def _log_in(page, base_url: str, username: str, next_path: str) -> None:
    page.goto(f"{base_url}/comptes/login/?next={next_path}")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()


def test_from_the_meeting_room_to_the_roadmap_and_a_co_signed_pdf(live_server, browser, page, tmp_path):
    started = timezone.now() - timedelta(hours=3)
    meeting = MeetingFactory(
        region=region(12),
        kind=Meeting.Kind.CRT_SESSION,
        title="Séance de travail avec le CRT Dakhla-Oued Ed-Dahab",
        starts_at=started,
        ends_at=started + timedelta(hours=2),
        registration_opens_at=started - timedelta(days=20),
        registration_closes_at=started - timedelta(days=1),
    )
    AgendaItemFactory(meeting=meeting, position=0, title="Bilan de la saison")
    AgendaItemFactory(meeting=meeting, position=1, title="Engagements de la feuille de route")
    president = OfficialFactory(
        region=meeting.region,
        full_name="Brahim Salem",
        role="Président du CRT",
        language="ar",
        user=UserFactory(username="crt-president", password=PASSWORD),
    )
    UserFactory(username="planif", password=PASSWORD, is_staff=True, is_superuser=True, first_name="Samira")

    # Staff: the meeting is marked held from the admin.
    _log_in(page, live_server.url, "planif", "/admin/meetings/meeting/")
    page.locator(f"input[name=_selected_action][value='{meeting.pk}']").check()
    page.select_option("select[name=action]", "mark_held")
    page.locator("button[name=index]").click()
    page.wait_for_load_state()
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.HELD

    # The minutes, typed and saved as typed.
    page.goto(f"{live_server.url}/rencontres/{meeting.slug}/compte-rendu/")
    first_item = page.get_by_role("region", name="Bilan de la saison")
    first_item.get_by_label("Synthèse", exact=True).click()
    first_item.get_by_label("Synthèse", exact=True).press_sequentially("Saison en hausse, dessertes à renforcer.")
    expect(page.locator("#minutes-status")).to_have_text(SAVED, timeout=8000)

    # Three decisions under the last agenda item, each turned into a roadmap item in one step.
    commitments = page.get_by_role("region", name="Engagements de la feuille de route")
    for title, axis in DECISIONS:
        commitments.locator("details.decision-add > summary").click()
        form = commitments.locator("details.decision-add form")
        form.get_by_label("Décision", exact=True).fill(title)
        form.get_by_label("Axe").select_option(axis)
        form.get_by_label("Échéance").fill((timezone.localdate() + timedelta(days=60)).isoformat())
        form.get_by_role("button", name="Ajouter la décision").click()
        page.wait_for_load_state()
        commitments = page.get_by_role("region", name="Engagements de la feuille de route")
        commitments.get_by_role("button", name=f"Créer l'action de feuille de route : {title}").click()
        page.wait_for_load_state()
        commitments = page.get_by_role("region", name="Engagements de la feuille de route")
        expect(commitments.locator(".decision", has_text=title).get_by_text("Dans la feuille de route")).to_be_visible()
    items = RoadmapItem.objects.filter(region=meeting.region).select_related("decision")
    assert sorted(item.title for item in items) == sorted(title for title, _axis in DECISIONS)
    assert all(item.status == RoadmapItem.Status.PLANNED and item.decision.meeting == meeting for item in items)
    assert_accessible(page)

    # Sent for validation to the CRT's president.
    page.goto(f"{live_server.url}/rencontres/{meeting.slug}/compte-rendu/validation/")
    page.get_by_label("Validateur pour le CRT").select_option(str(president.pk))
    page.get_by_role("button", name="Envoyer pour validation").click()
    page.wait_for_load_state()
    assert Minutes.objects.get(meeting=meeting).status == Minutes.Status.SUBMITTED

    # The president validates from their account.
    official = browser.new_context(locale="fr-FR", timezone_id="Africa/Casablanca").new_page()
    _log_in(official, live_server.url, "crt-president", f"/rencontres/{meeting.slug}/compte-rendu/relecture/")
    expect(official.get_by_text("تنظيم رحلة تعريفية لفائدة الصحافة الدولية")).to_be_visible()
    official.get_by_role("button", name="Valider", exact=True).click()
    official.wait_for_load_state()
    minutes = Minutes.objects.get(meeting=meeting)
    assert minutes.status == Minutes.Status.VALIDATED
    assert minutes.versions.get().validation.signed_by == "Brahim Salem"

    # The PDF in French and in Arabic, downloaded by the official once ready, and read back.
    french, arabic = (_pdf_words(official, live_server.url, meeting, language, tmp_path) for language in ("fr", "ar"))
    for title, _axis in DECISIONS[:2]:
        assert title in french, french
    # In the right-to-left table of the Arabic document pdftotext interleaves the cells of a row: word by word.
    for word in ("Campagne", "Dakhla", "espagnol", "Formation", "opérateurs"):
        assert word in arabic.split(), word
    for words in (french, arabic):
        for word in ("تنظيم", "رحلة", "تعريفية", "لفائدة", "الصحافة", "الدولية"):
            assert word in words.split(), word
        assert not PRESENTATION_FORMS.search(words)


def _pdf_words(page, base_url: str, meeting, language: str, folder) -> str:
    page.goto(f"{base_url}/rencontres/{meeting.slug}/compte-rendu/pdf/?langue={language}")
    download_link = page.get_by_role("link", name="Télécharger le PDF")
    download_link.wait_for(timeout=60_000)
    with page.expect_download() as download:
        download_link.click()
    path = folder / f"compte-rendu-{language}.pdf"
    download.value.save_as(path)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout
    # Words as read: the direction marks pdftotext adds around runs of the other direction left out.
    return " ".join(BIDI_MARKS.sub("", text).split())
