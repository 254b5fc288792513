"""Staff create a partner's token in the admin: its secret is shown once, only its hash is kept; they revoke it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from api.models import ApiToken, Webhook, WebhookDelivery
from api.services import api_token_hash
from api.webhooks import webhook_create
from regions.tests.factories import OfficialFactory, UserFactory, region

pytestmark = pytest.mark.django_db


def _add(staff_client, user, **fields):
    expires = timezone.localtime() + timedelta(days=90)
    data = {
        "name": "Site du CRT",
        "user": user.pk,
        "expires_at_0": expires.strftime("%d/%m/%Y"),
        "expires_at_1": expires.strftime("%H:%M:%S"),
        **fields,
    }
    return staff_client.post("/admin/api/apitoken/add/", data)


def test_the_secret_is_shown_once_and_stored_hashed(staff_client):
    official = OfficialFactory(region=region(9)).user
    response = _add(staff_client, official, can_write="on")
    assert response.status_code == 302, response.content
    shown = staff_client.get(response["Location"]).content.decode()
    secret = next(word for word in shown.split() if word.startswith("onmt_"))
    token = ApiToken.objects.get()
    assert token.key_hash == api_token_hash(secret) and token.can_write and token.user == official
    page = staff_client.get(f"/admin/api/apitoken/{token.pk}/change/").content.decode()
    assert secret not in page
    listing = staff_client.get("/admin/api/apitoken/").content.decode()
    assert secret not in listing and token.prefix in listing and "Souss-Massa" in listing


def test_a_token_for_somebody_without_a_scope_is_refused_on_the_form(staff_client):
    response = _add(staff_client, UserFactory())
    assert response.status_code == 200
    assert "responsable de CRT" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_an_expiry_in_the_past_is_refused_on_the_form(staff_client):
    official = OfficialFactory(region=region(9)).user
    past = timezone.localtime() - timedelta(days=1)
    response = _add(
        staff_client, official, expires_at_0=past.strftime("%d/%m/%Y"), expires_at_1=past.strftime("%H:%M:%S")
    )
    assert response.status_code == 200 and not ApiToken.objects.exists()


def test_staff_revoke_tokens_from_the_list(staff_client):
    _add(staff_client, OfficialFactory(region=region(9)).user)
    token = ApiToken.objects.get()
    staff_client.post("/admin/api/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert token.revoked_at is not None and not token.is_active


def test_staff_register_a_webhook_and_resend_a_delivery_from_the_log(
    staff_client, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True  # the address is looked up: no DNS in the tests
    response = staff_client.post(
        "/admin/api/webhook/add/",
        {
            "name": "CNT",
            "url": "http://127.0.0.1:9/hooks",
            "user": UserFactory(is_staff=True).pk,
            "events": ["meeting.published", "roadmap_item.changed"],
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content
    hook = Webhook.objects.get()
    assert len(hook.secret) == 64 and hook.events == ["meeting.published", "roadmap_item.changed"]
    assert hook.secret in staff_client.get(f"/admin/api/webhook/{hook.pk}/change/").content.decode()
    delivery = WebhookDelivery.objects.create(webhook=hook, event="meeting.published", payload={}, status="failed")
    with django_capture_on_commit_callbacks(execute=False):
        staff_client.post("/admin/api/webhookdelivery/", {"action": "resend", "_selected_action": [delivery.pk]})
    delivery.refresh_from_db()
    assert delivery.status == "pending"


def test_staff_turn_back_on_a_disabled_webhook_through_the_service(staff_client, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    hook = webhook_create(
        user=UserFactory(is_staff=True), name="CNT", url="http://127.0.0.1:9/", events=["meeting.published"]
    )
    Webhook.objects.filter(pk=hook.pk).update(is_active=False, consecutive_failures=20, disabled_at=timezone.now())
    page = staff_client.get(f"/admin/api/webhook/{hook.pk}/change/")
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in ("name", "url", "seen_version")} | {
        "events": ["meeting.published"],
        "is_active": "on",
    }
    response = staff_client.post(f"/admin/api/webhook/{hook.pk}/change/", data)
    assert response.status_code == 302, response.content
    hook.refresh_from_db()
    assert (hook.is_active, hook.consecutive_failures, hook.disabled_at) == (True, 0, None)
