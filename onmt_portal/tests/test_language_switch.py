import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def switch(client, **params):
    return client.get(reverse("language_switch"), params)


def test_switch_sets_the_language_and_returns_to_the_same_page(client):
    response = switch(client, language="ar", next="/tournee/relance-2026/")
    assert response.status_code == 302
    assert response["Location"] == "/tournee/relance-2026/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ar"
    assert 'dir="rtl"' in client.get(reverse("regions:home")).content.decode()


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/", "javascript:alert(1)", ""])
def test_switch_never_leaves_the_site(client, next_url):
    response = switch(client, language="en", next=next_url)
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_unknown_language_keeps_the_current_one(client):
    response = switch(client, language="xx", next="/")
    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_switch_is_a_plain_link_that_carries_no_csrf_token(client):
    html = client.get(reverse("regions:home")).content.decode()
    switch = html.split('class="language-switch"')[1].split("</nav>")[0]
    assert "<form" not in switch and switch.count("<a href=") == 2
    assert "csrfmiddlewaretoken" not in switch


def test_each_language_is_one_link_away_and_the_current_one_is_marked(client):
    client.cookies["django_language"] = "en"
    body = client.get("/tournee/?page=1").content.decode()
    switch = body[body.index('class="language-switch"') : body.index("</nav>", body.index('class="language-switch"'))]
    assert '<span class="language-current" lang="en" aria-current="true">English</span>' in switch
    assert 'href="/langue/?language=ar&amp;next=/tournee/%3Fpage%3D1" lang="ar" hreflang="ar"' in switch
    assert 'lang="fr" hreflang="fr"' in switch and "<select" not in switch


def test_the_browser_s_favicon_request_finds_the_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302 and response["Location"].endswith(".svg")
