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
    form = html.split('class="language-switch"')[1].split("</form>")[0]
    assert 'method="get"' in form
    assert "csrfmiddlewaretoken" not in form
