"""Journey 2: a CRT official logs in, reviews their region's roadmap, and cannot open another region's."""

import pytest

from regions.tests.factories import OfficialFactory, UserFactory, region
from roadmap.models import Acknowledgement, Comment
from roadmap.tests.factories import CommentFactory, RoadmapItemFactory
from tests.e2e.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "un-mot-de-passe-du-crt-2026"


def test_official_reviews_only_their_region_comments_and_acknowledges(live_server, page):
    dakhla, souss = region(12), region(9)
    own = RoadmapItemFactory(region=dakhla, title="Vols charters vers Dakhla depuis Paris")
    RoadmapItemFactory(region=dakhla, title="Campagne kitesurf sur les réseaux sociaux")
    other = RoadmapItemFactory(region=souss, title="Golf de Taghazout au salon de Londres")
    CommentFactory(item=other, body="Remarque confidentielle du CRT Souss-Massa")
    official = OfficialFactory(region=dakhla, user=UserFactory(username="crt-dakhla", password=PASSWORD)).user

    # The login page is public: it must pass the accessibility check too.
    page.goto(live_server.url + "/comptes/login/")
    assert_accessible(page)
    page.get_by_label("Identifiant").fill("crt-dakhla")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()

    # Lands on their region's roadmap, and sees nothing of another region.
    own_region_url = f"{live_server.url}/feuille-de-route/{dakhla.slug}/"
    assert page.url == own_region_url
    assert page.get_by_role("heading", level=1).inner_text().endswith(dakhla.name_fr)
    assert page.get_by_role("link", name=own.title).is_visible()
    assert page.get_by_role("link", name="Campagne kitesurf sur les réseaux sociaux").is_visible()
    content = page.content()
    assert other.title not in content and souss.name_fr not in content
    assert_accessible(page)

    # The same page on a 360 px phone: nothing overflows.
    page.set_viewport_size({"width": 360, "height": 740})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.set_viewport_size({"width": 1280, "height": 900})

    # Print styles: the filters, header and buttons are not printed; the items are.
    page.emulate_media(media="print")
    assert page.locator(".roadmap-filters").is_hidden()
    assert page.locator(".site-header").is_hidden()
    assert page.get_by_role("link", name=own.title).is_visible()
    page.emulate_media(media="screen")

    # Comment on an item.
    page.get_by_role("link", name=own.title).click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text().startswith(own.title)
    assert_accessible(page)
    page.get_by_label("Ajouter un commentaire").fill("Le CRT confirme les créneaux d'avril.")
    page.get_by_role("button", name="Publier").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").get_by_text("Votre commentaire a été publié.").is_visible()
    assert page.locator("article.comment").get_by_text("Le CRT confirme les créneaux d'avril.").is_visible()
    comment = Comment.objects.get(item=own)
    assert (comment.author, comment.body) == (official, "Le CRT confirme les créneaux d'avril.")

    # Acknowledge it: recorded for this version, and the button goes away.
    acknowledge = page.get_by_role("button", name="J'ai pris connaissance de cette action et je la valide")
    acknowledge.click()
    page.wait_for_load_state()
    assert page.get_by_role("status").get_by_text("Accusé de réception enregistré.").is_visible()
    assert acknowledge.count() == 0
    assert_accessible(page)
    acknowledgement = Acknowledgement.objects.get(item=own)
    own.refresh_from_db()
    assert (acknowledgement.user, acknowledgement.revision) == (official, own.revision)

    # The printable version: accessible, and on paper without its on-screen hints.
    page.goto(own_region_url)
    page.get_by_role("link", name="Version imprimable (PDF)").click()
    page.wait_for_load_state()
    assert page.url == own_region_url + "imprimer/"
    assert_accessible(page)
    page.emulate_media(media="print")
    assert page.locator(".no-print").first.is_hidden()
    assert page.get_by_role("heading", name=own.title).is_visible()
    page.emulate_media(media="screen")

    # The roadmap in Arabic, right to left, with the region's Arabic name, on a phone.
    page.goto(own_region_url)
    page.locator(".language-switch a[lang=ar]").click()
    page.wait_for_load_state()
    assert page.url == own_region_url
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert dakhla.name_ar in page.get_by_role("heading", level=1).inner_text()
    assert_accessible(page)
    page.set_viewport_size({"width": 360, "height": 740})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    # Another region's roadmap, item, print page and export are refused, and leak nothing.
    for path in [
        f"/feuille-de-route/{souss.slug}/",
        f"/feuille-de-route/{souss.slug}/actions/{other.pk}/",
        f"/feuille-de-route/{dakhla.slug}/actions/{other.pk}/",
        f"/feuille-de-route/{souss.slug}/imprimer/",
        "/feuille-de-route/vue-nationale/",
    ]:
        response = page.goto(live_server.url + path)
        assert response.status in (403, 404), (path, response.status)
        assert other.title not in page.content()
    assert not Comment.objects.filter(item=other, author=official).exists()
    assert not Acknowledgement.objects.filter(item=other).exists()

    # A forged comment on the other region's item from the official's session is refused too.
    page.goto(own_region_url)
    token = page.context.cookies(live_server.url)
    csrf = next(cookie["value"] for cookie in token if cookie["name"] == "csrftoken")
    forged = page.request.post(
        f"{live_server.url}/feuille-de-route/{souss.slug}/actions/{other.pk}/commenter/",
        form={"body": "intrusion", "csrfmiddlewaretoken": csrf},
        headers={"Referer": own_region_url},
    )
    assert forged.status in (403, 404)
    assert not Comment.objects.filter(item=other, author=official).exists()
