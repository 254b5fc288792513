"""Partners manage their own webhooks with their token: the permission matrix (their account's hooks alone, writes
with a read-write token), the services' refusals as JSON 400s, the secret shown once, the version check of edits,
turning a failing hook back on, the limit per account, and a hook made through the API that receives a real event
signed with the secret it was given."""

import json
from datetime import timedelta

import pytest
from django.core import signing
from django.utils import timezone

from api.models import ApiToken, Webhook, WebhookDelivery
from api.services import api_token_hash
from api.tests.factories import bearer, token_secret
from api.tests.receiver import verified
from core import versioning
from meetings.models import Meeting
from meetings.services.meeting import meeting_publish
from meetings.tests.factories import MeetingFactory
from regions.tests.factories import OfficialFactory, UserFactory, region

pytestmark = pytest.mark.django_db

HOOKS = "/api/v1/webhooks/"


@pytest.fixture
def people(db):
    return {
        "official_a": OfficialFactory(region=region(12)).user,
        "official_b": OfficialFactory(region=region(9)).user,
        "staff": UserFactory(username="hooks-api-staff", is_staff=True),
    }


def _post(client, url, secret, data=None):
    return client.post(url, data or {}, "application/json", **bearer(secret))


def _patch(client, hook_id, secret, data, version):
    headers = bearer(secret) | ({"HTTP_IF_MATCH": f'"{version}"'} if version else {})
    return client.patch(f"{HOOKS}{hook_id}/", data, content_type="application/json", **headers)


def _create(client, secret, url, events=("meeting.published",), name="Site du CRT"):
    return _post(client, HOOKS, secret, {"name": name, "url": url, "events": list(events)})


def test_a_partner_registers_a_hook_and_sees_its_secret_once(client, people, receiver):
    secret = token_secret(people["official_a"], can_write=True)
    created = _create(client, secret, receiver.url, events=["meeting.published", "roadmap_item.changed"])
    assert created.status_code == 201, created.content
    body = created.json()
    hook = Webhook.objects.get()
    assert (hook.user, body["secret"], body["events"]) == (
        people["official_a"],
        hook.secret,
        ["meeting.published", "roadmap_item.changed"],
    )
    assert created["ETag"] == f'"{body["version"]}"'
    listed = client.get(HOOKS, **bearer(secret))
    read = client.get(f"{HOOKS}{hook.pk}/", **bearer(secret))
    assert listed.json()["results"][0]["id"] == hook.pk and read.status_code == 200
    for answer in (listed, read):
        assert "secret" not in json.dumps(answer.json()) and hook.secret not in answer.content.decode()
    # The version is signed, not encrypted: it carries the editable fields alone, never the secret.
    assert set(signing.loads(body["version"], salt=versioning.SALT)) == {"name", "url", "events", "is_active"}


def test_each_account_sees_and_changes_its_own_hooks_alone(client, people, receiver):
    """Region A's official never reaches region B's hooks, nor a staff account's; a staff token lists its own
    account's hooks, not every partner's."""
    secrets = {who: token_secret(user, can_write=True) for who, user in people.items()}
    ids = {who: _create(client, secret, receiver.url, name=who).json()["id"] for who, secret in secrets.items()}
    for who, secret in secrets.items():
        assert [row["id"] for row in client.get(HOOKS, **bearer(secret)).json()["results"]] == [ids[who]]
    secret_a = secrets["official_a"]
    for other in ("official_b", "staff"):
        hook_id = ids[other]
        before = Webhook.objects.get(pk=hook_id)
        assert client.get(f"{HOOKS}{hook_id}/", **bearer(secret_a)).status_code == 404
        assert _patch(client, hook_id, secret_a, {"name": "pris"}, "x").status_code == 404
        assert client.delete(f"{HOOKS}{hook_id}/", **bearer(secret_a)).status_code == 404
        assert _post(client, f"{HOOKS}{hook_id}/rotate-secret/", secret_a).status_code == 404
        assert client.get(f"{HOOKS}{hook_id}/deliveries/", **bearer(secret_a)).status_code == 404
        delivery = WebhookDelivery.objects.create(webhook_id=hook_id, event="meeting.published", payload={})
        resend = f"{HOOKS}{hook_id}/deliveries/{delivery.idempotency_key}/resend/"
        assert _post(client, resend, secret_a).status_code == 404
        assert Webhook.objects.get(pk=hook_id).secret == before.secret
        assert Webhook.objects.get(pk=hook_id).name == other


def test_a_read_only_token_lists_but_never_writes(client, people, receiver):
    writer, reader = token_secret(people["official_a"], can_write=True), token_secret(people["official_a"])
    hook_id = _create(client, writer, receiver.url).json()["id"]
    version = client.get(f"{HOOKS}{hook_id}/", **bearer(reader)).json()["version"]
    assert client.get(HOOKS, **bearer(reader)).status_code == 200
    assert client.get(f"{HOOKS}{hook_id}/deliveries/", **bearer(reader)).status_code == 200
    refused = [
        _create(client, reader, receiver.url),
        _patch(client, hook_id, reader, {"name": "x"}, version),
        client.delete(f"{HOOKS}{hook_id}/", **bearer(reader)),
        _post(client, f"{HOOKS}{hook_id}/rotate-secret/", reader),
    ]
    assert [answer.status_code for answer in refused] == [403] * 4
    assert refused[0].json() == {"detail": "Ce jeton est en lecture seule.", "code": "permission_denied"}
    assert Webhook.objects.count() == 1 and Webhook.objects.get().name == "Site du CRT"


@pytest.mark.parametrize("url", [HOOKS, f"{HOOKS}1/", f"{HOOKS}1/deliveries/"])
def test_expired_revoked_or_missing_tokens_get_401(client, people, url):
    secret = token_secret(people["official_a"], can_write=True)
    token = ApiToken.objects.get(key_hash=api_token_hash(secret))
    assert client.get(url).status_code == 401
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(url, **bearer(secret)).status_code == 401
    ApiToken.objects.filter(pk=token.pk).update(
        expires_at=timezone.now() + timedelta(days=1), revoked_at=timezone.now()
    )
    assert client.get(url, **bearer(secret)).status_code == 401
    assert _create(client, secret, "https://partenaire.example.ma/").status_code == 401


def test_registration_events_are_refused_to_a_crt_token_and_granted_to_onmt(client, people, receiver):
    crt = _create(client, token_secret(people["official_a"], can_write=True), receiver.url, ["registration.created"])
    assert crt.status_code == 400
    assert crt.json()["code"] == "invalid" and "registration.created" in crt.json()["errors"]["events"][0]
    assert "réservés aux comptes de l'ONMT" in crt.json()["detail"]
    staff_secret = token_secret(people["staff"], can_write=True)
    assert _create(client, staff_secret, receiver.url, ["registration.created"]).status_code == 201
    hook_id = _create(client, token_secret(people["official_b"], can_write=True), receiver.url).json()["id"]
    secret_b = token_secret(people["official_b"], can_write=True)
    version = client.get(f"{HOOKS}{hook_id}/", **bearer(secret_b)).json()["version"]
    changed = _patch(client, hook_id, secret_b, {"events": ["registration.cancelled"]}, version)
    assert changed.status_code == 400 and Webhook.objects.get(pk=hook_id).events == ["meeting.published"]
    unknown = _create(client, staff_secret, receiver.url, ["meeting.forgotten"])
    assert unknown.status_code == 400 and unknown.json()["errors"]["events"]


def test_private_or_unknown_addresses_are_refused_when_registering(client, people, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    secret = token_secret(people["staff"], can_write=True)
    for url in ("http://127.0.0.1:9/x", "http://localhost/x", "http://169.254.169.254/latest", "http://10.0.0.7/"):
        refused = _create(client, secret, url)
        assert refused.status_code == 400, url
        assert "réseau privé" in refused.json()["errors"]["url"][0], url
    unknown = _create(client, secret, "https://partenaire.invalid/hooks")
    assert unknown.status_code == 400 and "introuvable" in unknown.json()["detail"]
    assert _create(client, secret, "ftp://partenaire.example.ma/").status_code == 400
    assert not Webhook.objects.exists()
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    hook_id = _create(client, secret, "http://127.0.0.1:9/x").json()["id"]
    version = client.get(f"{HOOKS}{hook_id}/", **bearer(secret)).json()["version"]
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    moved = _patch(client, hook_id, secret, {"url": "http://10.0.0.8/"}, version)
    assert moved.status_code == 400 and Webhook.objects.get().url == "http://127.0.0.1:9/x"


def test_a_rotated_secret_is_shown_once_and_replaces_the_old_one(client, people, receiver):
    secret = token_secret(people["official_a"], can_write=True)
    first = _create(client, secret, receiver.url).json()
    rotated = _post(client, f"{HOOKS}{first['id']}/rotate-secret/", secret)
    assert rotated.status_code == 200
    new = rotated.json()["secret"]
    assert new != first["secret"] and Webhook.objects.get().secret == new and len(new) == 64
    assert new not in client.get(f"{HOOKS}{first['id']}/", **bearer(secret)).content.decode()


def test_an_edit_on_a_stale_version_is_refused_and_nothing_is_lost(client, people, receiver):
    secret = token_secret(people["official_a"], can_write=True)
    hook_id = _create(client, secret, receiver.url).json()["id"]
    version = client.get(f"{HOOKS}{hook_id}/", **bearer(secret)).json()["version"]
    first = _patch(client, hook_id, secret, {"name": "Premier"}, version)
    assert first.status_code == 200 and first["ETag"] == f'"{first.json()["version"]}"'
    stale = _patch(client, hook_id, secret, {"name": "Second"}, version)
    assert stale.status_code == 412 and stale.json()["code"] == "stale"
    assert Webhook.objects.get().name == "Premier"
    assert _patch(client, hook_id, secret, {"name": "Second"}, "").status_code == 428
    assert _patch(client, hook_id, secret, {"name": "Second"}, "forged").status_code == 400
    assert _patch(client, hook_id, secret, {}, first.json()["version"]).status_code == 400
    # A delivery's failure moves the counter, not the partner's version: its edit goes through.
    Webhook.objects.filter(pk=hook_id).update(consecutive_failures=3)
    assert _patch(client, hook_id, secret, {"name": "Second"}, first.json()["version"]).status_code == 200


def test_turning_a_disabled_hook_back_on_resets_its_failures(client, people, receiver):
    secret = token_secret(people["official_a"], can_write=True)
    hook_id = _create(client, secret, receiver.url).json()["id"]
    Webhook.objects.filter(pk=hook_id).update(is_active=False, consecutive_failures=20, disabled_at=timezone.now())
    read = client.get(f"{HOOKS}{hook_id}/", **bearer(secret)).json()
    assert (read["is_active"], read["consecutive_failures"]) == (False, 20) and read["disabled_at"]
    back = _patch(client, hook_id, secret, {"is_active": True}, read["version"])
    assert back.status_code == 200
    assert (back.json()["is_active"], back.json()["consecutive_failures"], back.json()["disabled_at"]) == (
        True,
        0,
        None,
    )
    paused = _patch(client, hook_id, secret, {"is_active": False}, back.json()["version"]).json()
    assert (paused["is_active"], paused["disabled_at"]) == (False, None)


def test_an_account_holds_a_limited_number_of_hooks(client, people, receiver, settings):
    settings.API_WEBHOOKS_PER_USER = 2
    secret = token_secret(people["official_a"], can_write=True)
    assert [_create(client, secret, receiver.url).status_code for _ in range(2)] == [201, 201]
    refused = _create(client, secret, receiver.url)
    assert refused.status_code == 400 and "au plus 2 webhooks" in refused.json()["detail"]
    assert _create(client, token_secret(people["official_b"], can_write=True), receiver.url).status_code == 201
    hook_id = Webhook.objects.filter(user=people["official_a"]).first().pk
    assert client.delete(f"{HOOKS}{hook_id}/", **bearer(secret)).status_code == 204
    assert _create(client, secret, receiver.url).status_code == 201


def test_bad_input_is_a_json_400(client, people):
    secret = token_secret(people["staff"], can_write=True)
    for data in ({}, {"name": "x", "url": "pas une adresse", "events": ["meeting.published"]}, {"name": "x"}):
        answer = _post(client, HOOKS, secret, data)
        assert answer.status_code == 400 and answer.json()["detail"], data
    not_json = client.post(HOOKS, "{", content_type="application/json", **bearer(secret))
    assert not_json.status_code == 400 and not_json.json()["detail"]


def test_a_hook_made_through_the_api_receives_events_signed_with_its_secret(
    client, people, receiver, django_capture_on_commit_callbacks
):
    """End to end: registered with a token, told of a meeting published in the portal, at a real HTTP server,
    signed with the secret the API returned once; its log lists the delivery, which the partner resends."""
    secret = token_secret(people["official_a"], can_write=True)
    created = _create(client, secret, receiver.url).json()
    meeting = MeetingFactory(status=Meeting.Status.DRAFT)
    with django_capture_on_commit_callbacks(execute=True):
        meeting_publish(meeting=meeting)
    (received,) = receiver.received
    assert verified(created["secret"], received)["data"]["meeting"] == meeting.slug

    log = client.get(f"{HOOKS}{created['id']}/deliveries/", **bearer(secret)).json()
    (delivery,) = log["results"]
    assert log["count"] == 1
    assert delivery["idempotency_key"] == received.headers["X-ONMT-Delivery"]
    assert (delivery["event"], delivery["status"], delivery["attempts"], delivery["response_status"]) == (
        "meeting.published",
        "delivered",
        1,
        200,
    )
    with django_capture_on_commit_callbacks(execute=True):
        resent = _post(client, f"{HOOKS}{created['id']}/deliveries/{delivery['idempotency_key']}/resend/", secret)
    assert resent.status_code == 202, resent.content
    assert [r.headers["X-ONMT-Delivery"] for r in receiver.received] == [delivery["idempotency_key"]] * 2
    unknown = f"{HOOKS}{created['id']}/deliveries/00000000-0000-4000-8000-000000000000/resend/"
    assert _post(client, unknown, secret).status_code == 404


def test_a_hook_paused_then_turned_back_on_through_the_api_is_told_again(
    client, people, receiver, django_capture_on_commit_callbacks
):
    """The process's list of the events some hook wants (api.webhooks) follows each change made through the API."""
    secret = token_secret(people["official_a"], can_write=True)
    created = _create(client, secret, receiver.url).json()
    paused = _patch(client, created["id"], secret, {"is_active": False}, created["version"]).json()
    with django_capture_on_commit_callbacks(execute=True):
        meeting_publish(meeting=MeetingFactory(status=Meeting.Status.DRAFT))
    assert not receiver.received and not WebhookDelivery.objects.exists()
    assert _patch(client, created["id"], secret, {"is_active": True}, paused["version"]).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        meeting_publish(meeting=MeetingFactory(status=Meeting.Status.DRAFT))
    assert [r.headers["X-ONMT-Event"] for r in receiver.received] == ["meeting.published"]
