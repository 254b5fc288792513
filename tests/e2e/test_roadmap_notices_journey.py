"""Issue 20's journey: ONMT changes an item in the admin, the CRT official receives the e-mail (a real SMTP server),
follows its link, sees the change and acknowledges it; then chooses a daily digest, which is sent once, not again."""

import re
from datetime import date, timedelta
from email.header import decode_header, make_header

import pytest
from django.utils import timezone

from messaging.tests.live import wait_for
from regions.tests.factories import OfficialFactory, UserFactory, region
from roadmap.models import Acknowledgement, RoadmapItem
from roadmap.notifications import digests_send
from roadmap.services import roadmap_item_update
from roadmap.tests.factories import RoadmapItemFactory
from tests.e2e.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "un-mot-de-passe-2026-feuille"


def _subject(message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def _text(message) -> str:
    part = next(part for part in message.walk() if part.get_content_type() == "text/plain")
    return part.get_payload(decode=True).decode()


def _log_in(page, username: str) -> None:
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form [type=submit]").last.click()
    page.wait_for_load_state()


def test_the_official_is_told_of_a_change_acknowledges_it_then_gets_one_digest(
    live_server, browser, page, smtp, settings
):
    settings.SITE_URL = live_server.url
    dakhla = region(12)
    item = RoadmapItemFactory(
        region=dakhla, title="Vols charters Paris–Dakhla", status="planned", progress=10, due_on=date(2027, 4, 30)
    )
    other = RoadmapItemFactory(region=dakhla, title="Eductour kitesurf pour les agences", progress=0)
    OfficialFactory(
        region=dakhla,
        full_name="Mariam Ould Sidi",
        email="mariam@crt-dakhla.ma",
        user=UserFactory(username="crt-dakhla", password=PASSWORD),
    )
    staff = UserFactory(username="onmt-suivi", password=PASSWORD, is_staff=True, is_superuser=True)

    # ONMT moves the due date in the admin.
    # ONMT in a browser of its own; the official in `page`.
    onmt_context = browser.new_context(locale="fr-FR", timezone_id="Africa/Casablanca")
    onmt = onmt_context.new_page()
    onmt.goto(f"{live_server.url}/admin/roadmap/roadmapitem/{item.pk}/change/")
    _log_in(onmt, "onmt-suivi")
    onmt.locator("#id_due_on").fill("15/06/2027")
    onmt.locator("input[name=_save]").click()
    onmt.wait_for_load_state()
    assert onmt.locator(".messagelist .success").count() == 1
    onmt_context.close()
    item.refresh_from_db()
    assert item.due_on == date(2027, 6, 15)

    # The official receives it over SMTP: what changed, before and after, and the link to acknowledge.
    wait_for(lambda: len(smtp.received) == 1, timeout=20, what="the notice of the change")
    message = smtp.received[0]
    assert message["To"] == "Mariam Ould Sidi <mariam@crt-dakhla.ma>"
    assert _subject(message) == "Action modifiée : Vols charters Paris–Dakhla (Dakhla-Oued Ed-Dahab)"
    text = _text(message)
    assert "Échéance : 30 avril 2027 → 15 juin 2027" in text
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = re.search(rf"{re.escape(live_server.url)}/feuille-de-route/\S+#modifications", text).group(0)

    # They follow the link, log in, see the change and acknowledge it.
    page = browser.new_context(locale="fr-FR", timezone_id="Africa/Casablanca", bypass_csp=True).new_page()
    page.goto(link)
    _log_in(page, "crt-dakhla")
    assert page.url.startswith(f"{live_server.url}/feuille-de-route/{dakhla.slug}/actions/{item.pk}/")
    changes = page.locator("#modifications + .item-change")
    row = changes.get_by_role("row", name=re.compile("Échéance"))
    assert row.locator("td").all_inner_texts() == ["30 avril 2027", "15 juin 2027"]
    assert changes.get_by_text("À revoir par le CRT").is_visible()
    assert_accessible(page)
    page.get_by_role("button", name="J'ai pris connaissance de cette action et je la valide").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").get_by_text("Accusé de réception enregistré.").is_visible()
    item.refresh_from_db()
    assert Acknowledgement.objects.get(item=item).revision == item.revision

    # They choose a daily digest on their notifications page.
    page.get_by_role("link", name="Mes notifications").click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.get_by_label("Un résumé par jour").check()
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").get_by_text("Vos préférences de notification sont enregistrées.").is_visible()

    # Two more changes by ONMT: nothing at once (not a status change of the item they acknowledged)…
    roadmap_item_update(actor=staff, item=other, data={"progress": 25})
    roadmap_item_update(actor=staff, item=item, data={"progress": 40})
    # …and one digest when beat finds it due, then never again.
    tomorrow = timezone.now() + timedelta(days=1)
    assert digests_send(now=tomorrow) == 1
    wait_for(lambda: len(smtp.received) == 2, timeout=20, what="the digest")
    digest = smtp.received[1]
    assert _subject(digest) == "Feuille de route Dakhla-Oued Ed-Dahab : 2 modifications"
    text = _text(digest)
    assert "Eductour kitesurf pour les agences" in text and "0 % → 25 %" in text and "10 % → 40 %" in text
    assert digests_send(now=tomorrow) == 0
    assert digests_send(now=tomorrow + timedelta(days=7)) == 0
    assert len(smtp.received) == 2
    assert RoadmapItem.objects.get(pk=item.pk).progress == 40
