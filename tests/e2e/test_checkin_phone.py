"""The check-in page of the meeting day in a real Chromium on a phone: a camera that shows a registration's QR
code (Chromium's fake media stream, fed a video made here from the code), check-ins made offline and sent
once when the network is back, and two phones checking in the same person at once."""

import re
from datetime import timedelta

import pytest
import segno
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from meetings.checkin import checkin_url
from meetings.models import CheckIn, Registration
from meetings.services.registration import registration_walk_in
from meetings.tests.factories import MeetingFactory, RegistrationFactory
from messaging.tests.live import wait_for
from regions.tests.factories import UserFactory
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH, HEIGHT = 640, 480


def _y4m(path, text: str) -> None:
    """A few frames of video showing the QR code of `text`: Y4M is a header line, then per frame a line
    FRAME and the raw planes of I420 (grey levels full size, then the two colour planes at a quarter, neutral)."""
    rows = list(segno.make(text, error="m").matrix_iter(scale=8, border=4))
    luma = bytearray([235]) * (WIDTH * HEIGHT)
    top, left = (HEIGHT - len(rows)) // 2, (WIDTH - len(rows[0])) // 2
    for y, row in enumerate(rows):
        for x, dark in enumerate(row):
            luma[(top + y) * WIDTH + left + x] = 16 if dark else 235
    chroma = bytes([128]) * (WIDTH * HEIGHT // 4)
    frame = b"FRAME\n" + bytes(luma) + chroma + chroma
    path.write_bytes(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode() + frame * 10)


def _signed_in(context, live_server):
    staff = UserFactory(username=f"accueil-{context.__hash__()}", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(staff)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])


def _open(context, live_server, meeting):
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/pointage/{meeting.slug}/")
    # The list is on the phone once its count line leaves "loading".
    expect(page.locator("#checkin-count")).not_to_have_text("Chargement de la liste…")
    return page


def _phone(browser, live_server):
    context = browser.new_context(locale="fr-FR", timezone_id="Africa/Casablanca", bypass_csp=True, **PHONE)
    _signed_in(context, live_server)
    return context


@pytest.fixture
def meeting():
    meeting = MeetingFactory(title="Rencontre des professionnels de Dakhla", capacity=600)
    meeting.starts_at = timezone.now() - timedelta(minutes=30)
    meeting.ends_at = timezone.now() + timedelta(hours=3)
    meeting.registration_opens_at = meeting.starts_at - timedelta(days=30)
    meeting.registration_closes_at = meeting.starts_at - timedelta(hours=2)
    meeting.save()
    return meeting


def _camera_browser(playwright_browser_args, tmp_path, text):
    video = tmp_path / "qr.y4m"
    _y4m(video, text)
    return [
        *playwright_browser_args,
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]


@pytest.mark.parametrize("code_of", ["this meeting", "another meeting"])
def test_the_camera_reads_a_code_checks_the_person_in_then_says_already_and_refuses_another_meeting(
    live_server, browser, tmp_path, meeting, code_of
):
    person = RegistrationFactory(meeting=meeting, full_name="Amina Benjelloun", organisation="Riad Dakhla")
    stranger = RegistrationFactory(full_name="Youssef Tazi")
    shown = person if code_of == "this meeting" else stranger
    args = _camera_browser(CHROMIUM_ARGS, tmp_path, checkin_url(shown))
    camera_browser = browser.browser_type.launch(executable_path=CHROMIUM, headless=True, args=args)
    try:
        context = camera_browser.new_context(locale="fr-FR", bypass_csp=True, **PHONE)
        context.grant_permissions(["camera"])
        _signed_in(context, live_server)
        page = _open(context, live_server, meeting)
        page.get_by_role("button", name="Scanner un code QR").click()
        result = page.locator("#checkin-result")
        if code_of == "this meeting":
            expect(result).to_contain_text("Présence enregistrée")
            expect(result).to_contain_text("Amina Benjelloun")
            # The same code still in front of the camera a few seconds later: a second scan.
            expect(result).to_contain_text(re.compile(r"Déjà pointé\(e\) à \d\d:\d\d"), timeout=15_000)
            expect(page.locator("#checkin-waiting")).to_have_text("Tout est envoyé")
            person.refresh_from_db()
            assert person.status == Registration.Status.ATTENDED
            assert CheckIn.objects.filter(outcome=CheckIn.Outcome.CHECKED_IN).count() == 1
        else:
            expect(result).to_contain_text("Pas inscrit(e) à cette rencontre")
            assert not CheckIn.objects.exists()
            stranger.refresh_from_db()
            assert stranger.status == Registration.Status.CONFIRMED
    finally:
        camera_browser.close()


def _check_in_by_search(page, name):
    page.get_by_label("Chercher un nom ou un organisme").fill(name)
    page.get_by_role("button", name=f"Pointer {name}").click()
    expect(page.locator("#checkin-result")).to_contain_text("Présence enregistrée")


def test_three_check_ins_offline_are_kept_then_sent_once_when_the_network_is_back(live_server, browser, meeting):
    names = ["Nadia Alami", "Omar Berrada", "Salma Chraibi", "Hicham Daoudi"]
    for name in names:
        RegistrationFactory(meeting=meeting, full_name=name)
    context = _phone(browser, live_server)
    page = _open(context, live_server, meeting)
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    sent = []
    page.on("request", lambda request: sent.append(request) if request.url.endswith("/envoi/") else None)

    context.set_offline(True)
    expect(page.locator("#checkin-network")).to_contain_text("Hors ligne")
    for name in names[:3]:
        _check_in_by_search(page, name)
    expect(page.locator("#checkin-waiting")).to_have_text("En attente d'envoi : 3")
    assert not CheckIn.objects.exists()

    context.set_offline(False)
    expect(page.locator("#checkin-waiting")).to_have_text("Tout est envoyé")
    expect(page.locator("#checkin-network")).to_have_text("En ligne")
    assert CheckIn.objects.filter(outcome=CheckIn.Outcome.CHECKED_IN).count() == 3
    assert Registration.objects.filter(meeting=meeting, status="attended").count() == 3
    expect(page.locator("#figure-arrived")).to_have_text("3")

    # The same queue sent again (an answer lost on the way): nothing changes.
    batch = next(request for request in sent if "operations" in (request.post_data or ""))
    again = context.request.post(batch.url, data=batch.post_data, headers=batch.headers)
    assert again.ok
    assert {result["outcome"] for result in again.json()["results"]} == {"checked_in"}
    assert CheckIn.objects.count() == 3

    # Signing out from the page deletes what the phone kept.
    assert "onmt-checkin" in page.evaluate("async () => (await indexedDB.databases()).map(base => base.name)")
    page.get_by_role("button", name="Se déconnecter et effacer les données du téléphone").click()
    page.wait_for_url(lambda url: "/pointage/" not in url)
    assert "onmt-checkin" not in page.evaluate("async () => (await indexedDB.databases()).map(base => base.name)")
    context.close()


def test_two_phones_check_in_the_same_person_at_once_one_is_recorded_the_other_told(live_server, browser, meeting):
    Registration.objects.bulk_create(
        RegistrationFactory.build(meeting=meeting, full_name=f"Participant {number:03d}", email=f"p{number}@example.ma")
        for number in range(500)
    )
    RegistrationFactory(meeting=meeting, full_name="Rachid El Fassi")
    phones = [_phone(browser, live_server) for _ in range(2)]
    pages = [_open(context, live_server, meeting) for context in phones]
    for page in pages:
        expect(page.locator("#checkin-count")).to_have_text("Autres résultats : 471. Précisez la recherche.")
        page.get_by_label("Chercher un nom ou un organisme").fill("Rachid El Fassi")
    buttons = [page.get_by_role("button", name="Pointer Rachid El Fassi") for page in pages]
    for button in buttons:
        button.click()
    # "Everything sent" is also what a page says before its tap is queued: wait for both answers to be stored.
    wait_for(lambda: CheckIn.objects.count() == 2, timeout=30, what="both phones' check-ins")
    for page in pages:
        expect(page.locator("#checkin-waiting")).to_have_text("Tout est envoyé")
    assert CheckIn.objects.filter(outcome=CheckIn.Outcome.CHECKED_IN).count() == 1
    conflicts = CheckIn.objects.filter(outcome=CheckIn.Outcome.ALREADY, conflict=True)
    assert conflicts.count() == 1
    told = [page for page in pages if page.locator("#checkin-notices").inner_text()]
    assert len(told) == 1
    expect(told[0].locator("#checkin-notices")).to_contain_text("Rachid El Fassi — Déjà pointé(e) à")
    expect(told[0].locator("#checkin-notices")).to_contain_text("sur un autre téléphone")
    # The hall in figures follows what happens elsewhere while the page stays open.
    registration_walk_in(
        meeting_id=meeting.pk,
        full_name="Sara Amrani",
        organisation="Dakhla Kite",
        sector="leisure",
        email="",
        phone="0600000001",
    )
    for page in pages:
        expect(page.locator("#figure-arrived")).to_have_text("2", timeout=25_000)
        expect(page.locator("#figure-walk-ins")).to_have_text("1")
    for context in phones:
        context.close()


@pytest.mark.parametrize("language", ["ar", "en"])
def test_the_page_fits_a_phone_and_is_accessible_in_arabic_and_english(live_server, browser, meeting, language):
    RegistrationFactory(meeting=meeting, full_name="فاطمة الزهراء بناني", organisation="تعاونية الصناعة التقليدية")
    RegistrationFactory(meeting=meeting, full_name="Karim Ouazzani", status="attended", attended_at=timezone.now())
    context = _phone(browser, live_server)
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = _open(context, live_server, meeting)
    assert page.evaluate("document.documentElement.lang") == language
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.locator("#checkin-walk-in summary").click()
    assert_accessible(page)
    context.close()


def test_a_walk_in_is_registered_from_the_phone_and_counted_apart(live_server, browser, meeting):
    RegistrationFactory(meeting=meeting, full_name="Amina Benjelloun")
    context = _phone(browser, live_server)
    page = _open(context, live_server, meeting)
    page.get_by_text("Inscrire quelqu'un sur place").click()
    page.locator("#id_full_name").fill("Driss Lahlou")
    page.locator("#id_organisation").fill("Surf Dakhla")
    page.locator("#id_sector").select_option("leisure")
    page.locator("#id_phone").fill("06 61 23 45 67")
    page.get_by_label("La personne accepte").check()
    page.get_by_role("button", name="Inscrire et pointer").click()
    expect(page.get_by_text("Driss Lahlou : inscrit(e) sur place et pointé(e).")).to_be_visible()
    expect(page.locator("#figure-walk-ins")).to_have_text("1")
    expect(page.locator("#figure-expected")).to_have_text("1")
    page.get_by_label("Chercher un nom ou un organisme").fill("Driss")
    expect(page.locator("#checkin-list")).to_contain_text("Inscrit(e) sur place")
    walk_in = Registration.objects.get(meeting=meeting, walk_in=True)
    assert (walk_in.status, walk_in.phone) == ("attended", "+212661234567")
    context.close()


def test_the_page_opens_again_offline_from_what_the_phone_kept(live_server, browser, meeting):
    RegistrationFactory(meeting=meeting, full_name="Laila Senhaji")
    context = _phone(browser, live_server)
    page = _open(context, live_server, meeting)
    # The service worker has taken the page in hand (it claims it once installed).
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.reload()
    expect(page.locator("#checkin-count")).not_to_have_text("Chargement de la liste…")
    context.set_offline(True)
    page.reload()
    expect(page.locator("#checkin-network")).to_contain_text("Hors ligne")
    _check_in_by_search(page, "Laila Senhaji")
    expect(page.locator("#checkin-waiting")).to_have_text("En attente d'envoi : 1")
    context.set_offline(False)
    expect(page.locator("#checkin-waiting")).to_have_text("Tout est envoyé")
    assert Registration.objects.get(full_name="Laila Senhaji").status == "attended"
    context.close()


def test_once_the_meeting_has_ended_the_phone_keeps_no_list(live_server, browser, meeting):
    meeting.starts_at = timezone.now() - timedelta(hours=4)
    meeting.ends_at = timezone.now() - timedelta(minutes=5)
    meeting.registration_opens_at = meeting.starts_at - timedelta(days=30)
    meeting.registration_closes_at = meeting.starts_at - timedelta(hours=2)
    meeting.save()
    RegistrationFactory(meeting=meeting, full_name="Mehdi Kettani")
    context = _phone(browser, live_server)
    page = _open(context, live_server, meeting)
    expect(page.locator("#checkin-notices")).to_contain_text("La rencontre est terminée")
    kept = page.evaluate(
        """() => new Promise((resolve) => {
            const opening = indexedDB.open("onmt-checkin");
            opening.onsuccess = () => {
                const reading = opening.result.transaction("people").objectStore("people").count();
                reading.onsuccess = () => resolve(reading.result);
            };
        })"""
    )
    assert kept == 0
    context.close()
