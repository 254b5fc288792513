"""Every admin page ONMT staff can reach loads, with realistic rows present."""

import datetime

import pytest
from django.contrib import admin
from django.urls import reverse

from meetings.models import Decision, SurveyResponse
from meetings.tests.factories import AgendaItemFactory, DecisionFactory, RegistrationFactory, ReminderFactory
from messaging.models import Unsubscription
from messaging.tests.factories import OutboundMessageFactory
from regions.models import ExportLog, RegionalCouncil
from regions.tests.factories import OfficialFactory
from roadmap.models import MonthlyReport
from roadmap.tests.factories import AcknowledgementFactory, BudgetLineFactory, CommentFactory, ReadingFactory

PORTAL_APPS = {"regions", "plan", "meetings", "roadmap", "messaging"}

pytestmark = pytest.mark.django_db


@pytest.fixture
def some_rows():
    """At least one row of every model the portal's admin shows."""
    registration = RegistrationFactory()
    meeting = registration.meeting
    AgendaItemFactory(meeting=meeting)
    official = OfficialFactory(region=meeting.region)
    RegionalCouncil.objects.create(region=meeting.region, name="CRT Dakhla-Oued Ed-Dahab")
    OutboundMessageFactory(meeting=meeting, registration=registration)
    Unsubscription.objects.create(email="desabonne@example.ma")
    ReminderFactory(meeting=meeting)
    SurveyResponse.objects.create(meeting=meeting, registration=registration, rating=5, comment="Très utile")
    comment = CommentFactory(author=official.user)
    AcknowledgementFactory(item=comment.item, user=official.user)
    ReadingFactory(indicator__item=comment.item)
    BudgetLineFactory(item=comment.item)
    # Two decisions of the meeting: one carried out by the item, one not yet on the roadmap.
    comment.item.decision = DecisionFactory(meeting=meeting, agenda_item=meeting.agenda_items.first())
    comment.item.save()
    DecisionFactory(meeting=meeting, agenda_item=None, scope=Decision.Scope.NATIONAL)
    ExportLog.objects.create(user=official.user, kind=ExportLog.Kind.ROADMAP_CSV, row_count=3, region=meeting.region)
    MonthlyReport.objects.create(
        period=datetime.date(2026, 10, 1), state=MonthlyReport.State.FAILED, error="Police introuvable"
    )
    return registration


def _admin_models(apps=None):
    return sorted(
        model._meta.label_lower for model in admin.site._registry if apps is None or model._meta.app_label in apps
    )


@pytest.mark.parametrize("model", _admin_models())
def test_changelist_and_add_pages_load_for_staff(staff_client, some_rows, model):
    app_label, model_name = model.split(".")
    changelist = staff_client.get(reverse(f"admin:{app_label}_{model_name}_changelist"))
    assert changelist.status_code == 200, model
    add = staff_client.get(reverse(f"admin:{app_label}_{model_name}_add"))
    # Some models cannot be added by hand (regions, messages, registrations): 403 then, never a 500.
    assert add.status_code in (200, 403), model


@pytest.mark.parametrize("model", _admin_models(PORTAL_APPS))
def test_change_page_of_an_existing_row_loads(staff_client, some_rows, model):
    app_label, model_name = model.split(".")
    model_class = next(m for m in admin.site._registry if m._meta.label_lower == model)
    row = model_class._default_manager.first()
    assert row is not None, f"the fixture has no {model} row"
    response = staff_client.get(reverse(f"admin:{app_label}_{model_name}_change", args=[row.pk]))
    assert response.status_code == 200, model


def test_admin_index_lists_every_app(staff_client):
    body = staff_client.get(reverse("admin:index")).content.decode()
    for app in ["regions", "meetings", "roadmap", "messaging"]:
        assert f"/admin/{app}/" in body
