"""Models that moved between apps keep their rows: the upgrade is run on a database that holds some."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from meetings.models import Registration
from meetings.tests.factories import RegistrationFactory

BEFORE = [
    ("onmt_portal", "0001_initial"),
    ("regions", "0002_seed_regions"),
    ("messaging", "0003_outboundmessage_search_trigram"),
    ("meetings", "0003_registration_seat_and_waitlist_indexes"),
]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_export_log_reminders_and_survey_answers_keep_their_rows_and_permissions():
    leaf = MigrationExecutor(connection).loader.graph.leaf_nodes()
    # Meetings and registrations stay where they are: made now, they are there before the move too.
    registration = RegistrationFactory(status=Registration.Status.ATTENDED)
    meeting = registration.meeting
    old = _migrate(BEFORE)
    user = old.get_model("auth", "User").objects.create(username="exporter", is_staff=True)
    region = old.get_model("regions", "Region").objects.get(pk=meeting.region_id)
    export = old.get_model("onmt_portal", "ExportLog").objects.create(
        user=user, kind="roadmap_csv", row_count=7, filters="status=done", region=region
    )
    reminder = old.get_model("messaging", "Reminder").objects.create(meeting_id=meeting.pk, offset=timedelta(days=2))
    answer = old.get_model("messaging", "SurveyResponse").objects.create(
        meeting_id=meeting.pk, registration_id=registration.pk, rating=4, comment="Utile"
    )
    old_type = ContentType.objects.get_or_create(app_label="onmt_portal", model="exportlog")[0]
    permission = Permission.objects.get_or_create(
        content_type=old_type, codename="view_exportlog", defaults={"name": "Can view export"}
    )[0]

    new = _migrate(leaf)

    moved = new.get_model("regions", "ExportLog").objects.get(pk=export.pk)
    assert (moved.row_count, moved.filters, moved.region_id, moved.user_id) == (7, "status=done", region.pk, user.pk)
    assert new.get_model("meetings", "Reminder").objects.get(pk=reminder.pk).offset == timedelta(days=2)
    assert new.get_model("meetings", "SurveyResponse").objects.get(pk=answer.pk).comment == "Utile"
    permission.refresh_from_db()
    assert (permission.content_type.app_label, permission.content_type.model) == ("regions", "exportlog")
    tables = connection.introspection.table_names()
    assert {"regions_exportlog", "meetings_reminder", "meetings_surveyresponse"} <= set(tables)
    assert not {"onmt_portal_exportlog", "messaging_reminder", "messaging_surveyresponse"} & set(tables)


@pytest.mark.django_db(transaction=True)
def test_markets_move_to_the_plan_with_the_items_that_target_them():
    leaf = MigrationExecutor(connection).loader.graph.leaf_nodes()
    old = _migrate([("roadmap", "0002_seed_markets"), ("regions", "0002_seed_regions")])
    market = old.get_model("roadmap", "Market").objects.create(name="Inde", slug="inde", position=500)
    item = old.get_model("roadmap", "RoadmapItem").objects.create(
        region=old.get_model("regions", "Region").objects.get(number=12), title="Roadshow Mumbai", axis="promotion"
    )
    item.markets.add(market)
    old_type = ContentType.objects.get_or_create(app_label="roadmap", model="market")[0]
    permission = Permission.objects.get_or_create(
        content_type=old_type, codename="change_market", defaults={"name": "Can change market"}
    )[0]

    new = _migrate(leaf)

    moved = new.get_model("plan", "Market").objects.get(pk=market.pk)
    assert (moved.name, moved.slug, moved.position) == ("Inde", "inde", 500)
    targeted = new.get_model("roadmap", "RoadmapItem").objects.get(pk=item.pk).markets.values_list("slug", flat=True)
    assert list(targeted) == ["inde"]
    permission.refresh_from_db()
    assert (permission.content_type.app_label, permission.content_type.model) == ("plan", "market")
    tables = set(connection.introspection.table_names())
    assert "plan_market" in tables and "roadmap_market" not in tables
