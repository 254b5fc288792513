"""The OpenAPI schema is valid OpenAPI 3, and the API keeps to it: property-based requests made from the schema
(schemathesis, hypothesis) never get a server error, and every answer conforms to what the schema says."""

import copy
import socket

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from jsonschema.exceptions import ValidationError

from api.tests.factories import bearer, token_secret
from meetings.tests.factories import DecisionFactory, MeetingFactory, RegistrationFactory
from onmt_portal.wsgi import application
from regions.tests.factories import UserFactory, region
from roadmap.tests.factories import IndicatorFactory, ReadingFactory, RoadmapItemFactory

pytestmark = pytest.mark.django_db


def _schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def test_the_schema_is_valid_openapi_3():
    schema = _schema()
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/roadmap/items/{id}/" in schema["paths"]
    # Negative control: the validator does refuse a broken schema.
    broken = copy.deepcopy(schema)
    broken["paths"]["/api/v1/tours/"]["get"]["responses"] = "none"
    with pytest.raises(ValidationError):
        validate_schema(broken)


def test_the_schema_is_served(client):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200 and response.json()["info"]["version"]


@pytest.fixture
def _connection_kept_across_requests():
    # The WSGI application closes the database connection after each request, which would end the test's
    # transaction: as Django's test client does, the handler is disconnected while the test runs.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def _every_host_public(monkeypatch):
    """No DNS in the tests: a partner's host name (a webhook's address) resolves to a public address; the local
    services the test itself reaches (Redis) still resolve for real."""
    resolve = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host in ("127.0.0.1", "localhost", "::1"):
            return resolve(host, port, *args, **kwargs)
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", ("93.184.215.14", port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.fixture
def api_data(db, settings, _connection_kept_across_requests, _every_host_public):
    """A little of everything the API shows, and no rate limit nor limit of webhooks in the way of the generated
    requests."""
    settings.API_PUBLIC_RATE_LIMIT = settings.API_TOKEN_RATE_LIMIT = "100000/min"
    settings.API_WEBHOOKS_PER_USER = 1000
    meeting = MeetingFactory(region=region(12))
    RegistrationFactory(meeting=meeting)
    item = RoadmapItemFactory(region=region(12))
    ReadingFactory(indicator=IndicatorFactory(item=item))
    DecisionFactory(meeting=MeetingFactory(region=region(12), status="held"))


def test_the_api_keeps_to_its_schema(api_data):
    """Requests generated from each operation's schema (with a read-write ONMT token): no 5xx, and every
    answer (status, headers, body) as the schema says."""
    secret = token_secret(UserFactory(username="api-fuzz", is_staff=True, is_superuser=True), can_write=True)
    schema = schemathesis.openapi.from_dict(_schema())
    schema.app = application
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 22

    for operation in operations:

        @hypothesis_settings(
            max_examples=8, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck), database=None
        )
        @given(case=operation.as_strategy())
        def keeps_to_the_schema(case):
            cache.clear()
            case.call_and_validate(headers={"Authorization": bearer(secret)["HTTP_AUTHORIZATION"]})

        keeps_to_the_schema()
