"""A meeting's files: staff add and remove them on the minutes page; staff and the region's officials read them."""

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from core.tests import sample_files
from core.tests.sample_files import upload
from meetings.models import Meeting, MeetingEvidence
from meetings.services.evidence import meeting_evidence_add
from meetings.tests.factories import MeetingFactory
from regions.tests.factories import OfficialFactory, UserFactory, region

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(private_media):
    return MeetingFactory(region=region(12), title="Rencontre de Dakhla")


@pytest.fixture
def staff():
    return UserFactory(username="redactrice", first_name="Nadia", last_name="Alaoui", is_staff=True)


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _stored(root=None) -> list[Path]:
    root = Path(root or settings.PRIVATE_MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def test_staff_attach_a_file_on_the_minutes_page_where_it_is_listed(meeting, staff):
    client = _client(staff)
    add = reverse("meetings:evidence_add", args=[meeting.slug])
    response = client.post(add, {"file": upload("Diagnostic régional.pdf", sample_files.PDF)})
    assert response.status_code == 302
    assert response["Location"] == reverse("meetings:minutes", args=[meeting.slug]) + "#documents"
    evidence = MeetingEvidence.objects.get()
    assert (evidence.meeting, evidence.name, evidence.uploaded_by) == (meeting, "Diagnostic régional.pdf", staff)
    [stored] = _stored()
    assert stored.relative_to(settings.PRIVATE_MEDIA_ROOT).parts[:2] == ("evidence", "meetings")
    page = client.get(reverse("meetings:minutes", args=[meeting.slug])).content.decode()
    assert f'href="{reverse("meetings:evidence", args=[meeting.slug, evidence.pk])}"' in page
    assert "Diagnostic régional.pdf" in page and "déposé par <bdi>Nadia Alaoui</bdi>" in page
    assert reverse("meetings:evidence_remove", args=[meeting.slug, evidence.pk]) in page


@pytest.mark.parametrize(
    ("name", "content", "said"),
    [
        ("presentation.html", sample_files.HTML_WITH_SCRIPT, "(text/html)"),
        ("carte.svg", sample_files.SVG_WITH_SCRIPT, "(image/svg+xml)"),
        ("diagnostic.pdf", sample_files.JPEG, "finit par .pdf mais son contenu est : Image JPEG."),
    ],
)
def test_a_refused_file_is_said_on_the_minutes_page_and_nothing_is_stored(meeting, staff, name, content, said):
    response = _client(staff).post(
        reverse("meetings:evidence_add", args=[meeting.slug]), {"file": upload(name, content)}
    )
    assert response.status_code == 400
    assert said in response.content.decode()
    assert not MeetingEvidence.objects.exists() and _stored() == []


def test_the_regions_officials_and_staff_download_it_another_regions_official_gets_404(meeting, staff):
    evidence = meeting_evidence_add(actor=staff, meeting=meeting, upload=upload("a.png", sample_files.PNG))
    url = reverse("meetings:evidence", args=[meeting.slug, evidence.pk])
    for reader in (staff, OfficialFactory(region=meeting.region).user):
        response = _client(reader).get(url)
        assert response.status_code == 200
        assert response["Content-Disposition"] == 'attachment; filename="a.png"'
        assert response["X-Content-Type-Options"] == "nosniff"
    outsider = _client(OfficialFactory(region=region(9)).user)
    assert outsider.get(url).status_code == 404
    # Nor through a meeting of the outsider's region.
    other = MeetingFactory(region=region(9))
    assert outsider.get(reverse("meetings:evidence", args=[other.slug, evidence.pk])).status_code == 404
    assert _client().get(url)["Location"].startswith(reverse("login"))
    # Officials never add or remove a meeting's file (the minutes page is ONMT's).
    official = _client(OfficialFactory(region=meeting.region).user)
    add = reverse("meetings:evidence_add", args=[meeting.slug])
    assert official.post(add, {"file": upload("b.pdf", sample_files.PDF)}).status_code == 403
    assert official.post(reverse("meetings:evidence_remove", args=[meeting.slug, evidence.pk])).status_code == 403
    assert MeetingEvidence.objects.count() == 1


def test_staff_remove_a_file_and_deleting_the_meeting_removes_the_others(
    meeting, staff, django_capture_on_commit_callbacks
):
    first, second = (
        meeting_evidence_add(actor=staff, meeting=meeting, upload=upload(name, sample_files.PDF))
        for name in ("a.pdf", "b.pdf")
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = _client(staff).post(reverse("meetings:evidence_remove", args=[meeting.slug, first.pk]))
    assert response.status_code == 302
    assert [MeetingEvidence.objects.get()] == [second] and len(_stored()) == 1
    with django_capture_on_commit_callbacks(execute=True):
        Meeting.objects.get(pk=meeting.pk).delete()
    assert _stored() == []
