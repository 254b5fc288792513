"""The admin's first page: the next meetings with their seats, what needs attention, and links onward."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from meetings.models import Minutes
from meetings.tests.factories import MeetingFactory, RegistrationFactory
from messaging.models import OutboundMessage
from messaging.tests.factories import OutboundMessageFactory
from roadmap.tests.factories import RoadmapItemFactory

pytestmark = pytest.mark.django_db


def _world(size: int, *, start: int = 0):
    for n in range(start, start + size):
        meeting = MeetingFactory(capacity=3)
        RegistrationFactory.create_batch(3 if n == 0 else 1, meeting=meeting)
        OutboundMessageFactory(meeting=meeting, status=OutboundMessage.Status.FAILED)
        RoadmapItemFactory(due_on=timezone.localdate() - timedelta(days=n + 1), title=f"Action en retard {n}")
        Minutes.objects.create(meeting=MeetingFactory(status="held"), status=Minutes.Status.SUBMITTED)


def _index(client):
    with CaptureQueriesContext(connection) as queries:
        body = client.get(reverse("admin:index")).content.decode()
    return body, len(queries)


def test_staff_land_on_what_needs_attention(staff_client):
    _world(3)
    body, _queries = _index(staff_client)
    assert "Prochaines rencontres" in body and "3 / 3" in body and "seats-full" in body
    assert "<strong>3</strong> messages en échec" in body
    assert "<strong>3</strong> actions des feuilles de route en retard" in body
    assert "Action en retard 2" in body  # the most overdue first
    assert "Comptes rendus en attente du CRT" in body
    assert reverse("roadmap:overview") in body


def test_the_dashboard_costs_the_same_queries_whatever_the_size_of_the_tour(staff_client):
    _world(2)
    _body, few = _index(staff_client)
    _world(12, start=2)
    _body, many = _index(staff_client)
    assert few == many


def test_login_throttling_menus_are_for_superusers_only(client, staff_user, django_user_model):
    """Staff given every permission (a tick of "choose all") still see no django-axes menu nor page."""
    planner = django_user_model.objects.create_user(username="planner", password="x", is_staff=True)
    planner.user_permissions.set(Permission.objects.all())
    client.force_login(planner)
    axes_pages = [
        reverse(f"admin:axes_{model}_changelist") for model in ("accessattempt", "accesslog", "accessfailurelog")
    ]

    body = client.get(reverse("admin:index")).content.decode()
    assert "Prochaines rencontres" in body and reverse("admin:meetings_meeting_changelist") in body
    assert reverse("admin:app_list", args=["axes"]) not in body and not any(page in body for page in axes_pages)
    assert all(client.get(page).status_code == 403 for page in axes_pages)

    client.force_login(staff_user)  # a superuser
    superuser_body = client.get(reverse("admin:index")).content.decode()
    assert all(page in superuser_body for page in axes_pages)
    assert all(client.get(page).status_code == 200 for page in axes_pages)
