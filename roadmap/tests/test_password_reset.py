"""Password reset by e-mail for CRT officials (Django's views, the portal's templates)."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from regions.tests.factories import OfficialFactory, region

pytestmark = pytest.mark.django_db


@pytest.fixture
def official():
    return OfficialFactory(region=region(12), user__email="directrice@crt-dakhla.ma").user


def _strip_tokens(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def test_the_answer_does_not_reveal_whether_an_account_exists(client, official, django_capture_on_commit_callbacks):
    # The e-mail is queued after commit (tasks run eagerly here).
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(reverse("password_reset"), {"email": "directrice@crt-dakhla.ma"}, follow=True)
        unknown = client.post(reverse("password_reset"), {"email": "personne@exemple.ma"}, follow=True)
    assert known.redirect_chain == unknown.redirect_chain == [(reverse("password_reset_done"), 302)]
    assert _strip_tokens(known.content.decode()) == _strip_tokens(unknown.content.decode())
    assert [message.to for message in mail.outbox] == [["directrice@crt-dakhla.ma"]]


def test_the_link_sets_a_new_password_once(client, official, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_reset"), {"email": "directrice@crt-dakhla.ma"})
    (message,) = mail.outbox
    assert message.subject == "Nouveau mot de passe — portail de la tournée régionale ONMT"
    assert official.username in message.body
    link = re.search(r"https?://[^/\s]+(/comptes/reset/\S+)", message.body).group(1)

    form_page = client.get(link, follow=True)
    assert form_page.context["validlink"]
    new_password = "Dakhla-kitesurf-2026"
    done = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password}, follow=True
    )
    assert "Votre nouveau mot de passe est enregistré" in done.content.decode()
    official.refresh_from_db()
    assert official.check_password(new_password)

    reused = client.get(link, follow=True)
    assert not reused.context["validlink"]
    assert "Ce lien n" in reused.content.decode()


def test_invalid_email_gets_a_message_not_an_error(client):
    response = client.post(reverse("password_reset"), {"email": "pas-une-adresse"})
    assert response.status_code == 200
    assert 'class="errorlist"' in response.content.decode()
    assert not mail.outbox
