"""Every download of registrations (admin) or of a roadmap is logged: who, what, how many rows, which filters."""

import pytest
from django.urls import reverse

from meetings.tests.factories import MeetingFactory, RegistrationFactory
from regions.models import ExportLog
from regions.tests.factories import OfficialFactory, region
from roadmap.tests.factories import RoadmapItemFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url_name", "kind"),
    [
        ("admin:meetings_registration_csv", ExportLog.Kind.REGISTRATIONS_CSV),
        ("admin:meetings_registration_xlsx", ExportLog.Kind.REGISTRATIONS_XLSX),
    ],
)
def test_registration_exports_are_logged_with_the_filters_and_row_count(staff_client, staff_user, url_name, kind):
    kept, other = MeetingFactory(), MeetingFactory()
    RegistrationFactory.create_batch(3, meeting=kept)
    RegistrationFactory(meeting=other)
    response = staff_client.get(reverse(url_name), {"meeting__id__exact": kept.pk})
    assert response.status_code == 200
    log = ExportLog.objects.get()
    assert (log.user, log.kind, log.row_count) == (staff_user, kind, 3)
    assert log.filters == f"meeting__id__exact={kept.pk}"


def test_a_refused_export_is_not_logged(client):
    client.force_login(OfficialFactory(region=region(12)).user)
    assert client.get(reverse("admin:meetings_registration_csv")).status_code == 302
    assert not ExportLog.objects.exists()


def test_an_officials_roadmap_export_is_logged_with_the_region(client):
    official = OfficialFactory(region=region(12)).user
    RoadmapItemFactory.create_batch(2, region=region(12), status="planned")
    RoadmapItemFactory(region=region(12), status="done")
    RoadmapItemFactory(region=region(9))
    client.force_login(official)
    response = client.get(reverse("roadmap:export_csv", args=[region(12).slug]), {"status": "planned"})
    assert response.status_code == 200
    log = ExportLog.objects.get()
    assert (log.user, log.kind, log.row_count, log.region) == (official, ExportLog.Kind.ROADMAP_CSV, 2, region(12))
    assert log.filters == "status=planned"
    # Another region's export is refused and leaves no line.
    assert client.get(reverse("roadmap:export_csv", args=[region(9).slug])).status_code == 404
    assert ExportLog.objects.count() == 1


def test_the_log_is_read_only_in_the_admin(staff_client, staff_user):
    RegistrationFactory.create_batch(2)
    staff_client.get(reverse("admin:meetings_registration_csv"))
    log = ExportLog.objects.get()
    changelist = staff_client.get(reverse("admin:regions_exportlog_changelist"))
    assert changelist.status_code == 200
    assert "Inscriptions (CSV)" in changelist.content.decode()
    assert staff_client.get(reverse("admin:regions_exportlog_add")).status_code == 403
    assert staff_client.get(reverse("admin:regions_exportlog_delete", args=[log.pk])).status_code == 403
    # The change page only shows the entry; a POST changes nothing.
    staff_client.post(reverse("admin:regions_exportlog_change", args=[log.pk]), {"row_count": 0})
    log.refresh_from_db()
    assert log.row_count == 2
