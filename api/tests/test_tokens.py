"""The API with a token: the permission matrix (a token reaches what its account reaches on the pages, and no
more), expiry and revocation, read-only tokens, the version check of edits, the export log, rate limits."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api.models import ApiToken
from api.services import api_token_hash
from api.tests.factories import bearer, token_secret
from meetings.tests.factories import DecisionFactory, MeetingFactory, RegistrationFactory
from regions.models import ExportLog
from regions.tests.factories import OfficialFactory, UserFactory, region
from roadmap.models import Comment, RoadmapItem, StatusChange
from roadmap.tests.factories import IndicatorFactory, RoadmapItemFactory

pytestmark = pytest.mark.django_db

ITEM_A, ITEM_B = "ROADMAP-A-API", "ROADMAP-B-API"
DECISION_A, DECISION_B = "DECISION-A-API", "DECISION-B-API"


@pytest.fixture
def world(db):
    region_a, region_b = region(12), region(9)
    item_a = RoadmapItemFactory(region=region_a, title=ITEM_A)
    item_b = RoadmapItemFactory(region=region_b, title=ITEM_B)
    DecisionFactory(meeting=MeetingFactory(region=region_a, status="held"), title=DECISION_A, is_public=False)
    DecisionFactory(meeting=MeetingFactory(region=region_b, status="held"), title=DECISION_B, is_public=False)
    meeting = MeetingFactory(region=region_a)
    RegistrationFactory(meeting=meeting, full_name="Personne-API-A", email="pro-api@example.ma")
    staff = UserFactory(username="api-staff", is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(content_type__app_label__in=("roadmap", "meetings")))
    return {
        "item_a": item_a,
        "item_b": item_b,
        "meeting": meeting,
        "official_a": OfficialFactory(region=region_a).user,
        "official_b": OfficialFactory(region=region_b).user,
        "staff": staff,
    }


def _get(client, url, secret):
    return client.get(url, **bearer(secret))


def test_a_region_token_never_sees_another_regions_private_data(client, world):
    secret_a = token_secret(world["official_a"])
    items = _get(client, "/api/v1/roadmap/items/", secret_a)
    assert ITEM_A.encode() in items.content and ITEM_B.encode() not in items.content
    decisions = _get(client, "/api/v1/decisions/", secret_a)
    assert DECISION_A.encode() in decisions.content and DECISION_B.encode() not in decisions.content
    assert _get(client, f"/api/v1/roadmap/items/{world['item_b'].pk}/", secret_a).status_code == 404
    assert _get(client, "/api/v1/roadmap/items/?region=souss-massa", secret_a).status_code == 404
    assert _get(client, "/api/v1/decisions/?region=souss-massa", secret_a).status_code == 404
    # Personal data: ONMT tokens only, whatever the region.
    registrations = _get(client, f"/api/v1/meetings/{world['meeting'].slug}/registrations/", secret_a)
    assert registrations.status_code == 403 and b"Personne-API-A" not in registrations.content


def test_a_staff_token_reaches_every_region(client, world):
    secret = token_secret(world["staff"])
    items = _get(client, "/api/v1/roadmap/items/", secret)
    assert ITEM_A.encode() in items.content and ITEM_B.encode() in items.content
    only_b = _get(client, "/api/v1/roadmap/items/?region=souss-massa", secret).json()["results"]
    assert [row["title"] for row in only_b] == [ITEM_B]


@pytest.mark.parametrize("url", ["/api/v1/roadmap/items/", "/api/v1/decisions/"])
def test_without_a_valid_token_the_private_api_answers_401(client, world, url):
    secret = token_secret(world["official_a"])
    assert client.get(url).status_code == 401
    assert client.get(url, HTTP_AUTHORIZATION="Bearer onmt_forged").status_code == 401
    assert client.get(url, HTTP_AUTHORIZATION="Bearer").status_code == 401
    token = ApiToken.objects.get(key_hash=api_token_hash(secret))
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    expired = _get(client, url, secret)
    assert expired.status_code == 401 and expired.json()["code"] == "authentication_failed"
    assert expired["WWW-Authenticate"] == "Bearer"
    ApiToken.objects.filter(pk=token.pk).update(
        expires_at=timezone.now() + timedelta(days=1), revoked_at=timezone.now()
    )
    assert _get(client, url, secret).status_code == 401
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=None)
    assert _get(client, url, secret).status_code == 200


def test_the_secret_is_stored_hashed_and_its_use_recorded(world):
    secret = token_secret(world["official_a"])
    token = ApiToken.objects.get()
    assert secret not in {token.key_hash, token.prefix} and token.key_hash == api_token_hash(secret)
    assert token.last_used_at is None


def test_last_use_is_recorded(client, world):
    secret = token_secret(world["official_a"])
    _get(client, "/api/v1/decisions/", secret)
    assert ApiToken.objects.get().last_used_at is not None


def _patch(client, item, secret, data, version):
    headers = bearer(secret) | ({"HTTP_IF_MATCH": f'"{version}"'} if version else {})
    return client.patch(f"/api/v1/roadmap/items/{item.pk}/", data, content_type="application/json", **headers)


def test_a_read_only_token_cannot_write(client, world):
    secret = token_secret(world["staff"])
    version = _get(client, f"/api/v1/roadmap/items/{world['item_a'].pk}/", secret).json()["version"]
    refused = _patch(client, world["item_a"], secret, {"status": "done"}, version)
    assert refused.status_code == 403 and refused.json()["detail"]
    assert RoadmapItem.objects.get(pk=world["item_a"].pk).status == RoadmapItem.Status.PLANNED


def test_a_staff_token_updates_status_and_progress_with_the_pages_history(client, world):
    secret = token_secret(world["staff"], can_write=True)
    item = world["item_b"]
    read = _get(client, f"/api/v1/roadmap/items/{item.pk}/", secret)
    assert read["ETag"] == f'"{read.json()["version"]}"'
    updated = _patch(client, item, secret, {"status": "in_progress", "progress": 40}, read.json()["version"])
    assert updated.status_code == 200, updated.content
    assert (updated.json()["status"], updated.json()["progress"]) == ("in_progress", 40)
    change = StatusChange.objects.get(item=item)
    assert (change.changed_by, change.to_status, change.to_progress) == (world["staff"], "in_progress", 40)


def test_an_edit_on_a_stale_version_is_refused_and_nothing_is_lost(client, world):
    secret = token_secret(world["staff"], can_write=True)
    item = world["item_a"]
    version = _get(client, f"/api/v1/roadmap/items/{item.pk}/", secret).json()["version"]
    assert _patch(client, item, secret, {"progress": 30}, version).status_code == 200
    stale = _patch(client, item, secret, {"progress": 90}, version)
    assert stale.status_code == 412 and stale.json()["code"] == "stale"
    assert RoadmapItem.objects.get(pk=item.pk).progress == 30
    missing = _patch(client, item, secret, {"progress": 90}, "")
    assert missing.status_code == 428
    forged = _patch(client, item, secret, {"progress": 90}, "forged")
    assert forged.status_code == 400 and RoadmapItem.objects.get(pk=item.pk).progress == 30


def test_bad_input_is_a_400_with_the_field(client, world):
    secret = token_secret(world["staff"], can_write=True)
    item = world["item_a"]
    version = _get(client, f"/api/v1/roadmap/items/{item.pk}/", secret).json()["version"]
    for data in ({"progress": 101}, {"status": "finished"}, {}):
        answer = _patch(client, item, secret, data, version)
        assert answer.status_code == 400 and answer.json()["detail"], data
    not_json = client.patch(f"/api/v1/roadmap/items/{item.pk}/", "{", content_type="application/json", **bearer(secret))
    assert not_json.status_code in (400, 428)


def test_a_region_token_writes_as_its_official_would(client, world):
    """An official comments on their region's items; status and progress are ONMT's (as on the pages)."""
    secret = token_secret(world["official_a"], can_write=True)
    item = world["item_a"]
    version = _get(client, f"/api/v1/roadmap/items/{item.pk}/", secret).json()["version"]
    assert _patch(client, item, secret, {"status": "done"}, version).status_code == 403
    comment = client.post(
        f"/api/v1/roadmap/items/{item.pk}/comments/", {"body": "Avis du CRT"}, "application/json", **bearer(secret)
    )
    assert comment.status_code == 201 and Comment.objects.get(item=item).author == world["official_a"]
    other = client.post(
        f"/api/v1/roadmap/items/{world['item_b'].pk}/comments/", {"body": "x"}, "application/json", **bearer(secret)
    )
    assert other.status_code == 404


def test_a_reading_moves_the_progress_through_the_service(client, world):
    secret = token_secret(world["staff"], can_write=True)
    item = world["item_a"]
    indicator = IndicatorFactory(item=item, baseline=0, target=100)
    reading = {"indicator": indicator.pk, "value": "50", "measured_on": "2026-06-30", "source": "Observatoire"}
    created = client.post(f"/api/v1/roadmap/items/{item.pk}/readings/", reading, "application/json", **bearer(secret))
    assert created.status_code == 201, created.content
    assert RoadmapItem.objects.get(pk=item.pk).progress == 50
    again = client.post(f"/api/v1/roadmap/items/{item.pk}/readings/", reading, "application/json", **bearer(secret))
    assert again.status_code == 400
    elsewhere = reading | {"indicator": IndicatorFactory(item=world["item_b"]).pk}
    wrong_item = client.post(
        f"/api/v1/roadmap/items/{item.pk}/readings/", elsewhere, "application/json", **bearer(secret)
    )
    assert wrong_item.status_code == 404


def test_each_read_of_registrations_is_in_the_export_log(client, world):
    secret = token_secret(world["staff"])
    url = f"/api/v1/meetings/{world['meeting'].slug}/registrations/"
    answer = _get(client, url, secret)
    assert answer.status_code == 200 and answer.json()["results"][0]["full_name"] == "Personne-API-A"
    _get(client, url, secret)
    logs = ExportLog.objects.filter(kind=ExportLog.Kind.REGISTRATIONS_API)
    assert logs.count() == 2
    log = logs.first()
    assert (log.user, log.row_count, log.region) == (world["staff"], 1, world["meeting"].region)
    assert f"meeting={world['meeting'].slug}" in log.filters


def test_tokens_are_rate_limited_each_on_its_own(client, world, settings):
    settings.API_TOKEN_RATE_LIMIT = "3/min"
    secret, other = token_secret(world["staff"]), token_secret(world["official_a"])
    answers = [_get(client, "/api/v1/decisions/", secret).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    limited = _get(client, "/api/v1/decisions/", secret)
    assert limited.json()["code"] == "throttled" and int(limited["Retry-After"]) > 0
    assert _get(client, "/api/v1/decisions/", other).status_code == 200


def _queries(client, url, secret) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        assert _get(client, url, secret).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "url", ["/api/v1/roadmap/items/", "/api/v1/decisions/", "/api/v1/meetings/{meeting}/registrations/"]
)
def test_private_lists_take_the_same_queries_with_ten_times_the_data(client, world, url):
    secret = token_secret(world["staff"])
    url = url.format(meeting=world["meeting"].slug)
    _get(client, url, secret)  # its first use is recorded once: not a query of every request

    def add(count):
        for _ in range(count):
            item = RoadmapItemFactory(region=region(12))
            IndicatorFactory(item=item)
            DecisionFactory(meeting=world["meeting"])
            RegistrationFactory(meeting=world["meeting"])

    add(2)
    few = _queries(client, url, secret)
    add(20)
    assert _queries(client, url, secret) == few
