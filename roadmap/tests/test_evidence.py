"""Files attached to roadmap items: who adds, reads and removes them, what is refused, and where they live."""

from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.tests import sample_files
from core.tests.sample_files import upload
from meetings.models import MeetingEvidence
from messaging.models import OutboundMessage
from regions.tests.factories import OfficialFactory, UserFactory
from roadmap.models import ItemChange, ItemEvidence, RoadmapItem
from roadmap.services import item_evidence_add

pytestmark = pytest.mark.django_db


@pytest.fixture
def files(world, private_media):
    """The world of roadmap/tests/conftest.py with names on its people, a second official of region A, and
    private storage in the test's own folder."""
    world.official_a.first_name, world.official_a.last_name = "Mariam", "Ould Sidi"
    world.official_a.save()
    world.staff.first_name, world.staff.last_name = "Salma", "Idrissi"
    world.staff.save()
    world.colleague_a = OfficialFactory(region=world.region_a).user
    world.storage = private_media
    world.root = Path(settings.PRIVATE_MEDIA_ROOT)
    return world


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _item_url(item, name="roadmap:item", *more):
    return reverse(name, args=[item.region.slug, item.pk, *more])


def _post_file(client, item, name, content):
    return client.post(_item_url(item, "roadmap:evidence_add"), {"file": upload(name, content)})


def _stored_files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def test_an_official_attaches_a_file_listed_with_its_type_size_uploader_and_date(files):
    client = _client(files.official_a)
    response = _post_file(client, files.item_a, "Rapport d'étape.pdf", sample_files.PDF)
    assert response.status_code == 302
    assert response["Location"] == _item_url(files.item_a) + "#pieces-jointes"
    evidence = ItemEvidence.objects.get()
    assert (evidence.name, evidence.content_type, evidence.size, evidence.uploaded_by) == (
        "Rapport d'étape.pdf",
        "application/pdf",
        len(sample_files.PDF),
        files.official_a,
    )
    # Stored under an unguessable key in the private folder, never under the name the person gave.
    [stored] = _stored_files(files.root)
    assert stored.relative_to(files.root).parts[:2] == ("evidence", "items")
    assert "Rapport" not in stored.name and len(stored.name) >= 40
    page = client.get(_item_url(files.item_a)).content.decode()
    download = _item_url(files.item_a, "roadmap:evidence", evidence.pk)
    assert f'href="{download}"' in page
    assert "Rapport d&#x27;étape.pdf" in page and "PDF" in page and f"{len(sample_files.PDF)}\xa0octets" in page
    assert "déposé par <bdi>Mariam Ould Sidi</bdi>" in page
    # In the item's history, as any change; the official's own colleagues read it there, with no e-mail.
    change = ItemChange.objects.get(item=files.item_a)
    assert (change.fields, change.changed_by, change.material) == (
        [["evidence", None, "Rapport d'étape.pdf"]],
        files.official_a,
        False,
    )
    assert '<th scope="row">Pièce jointe</th>' in page
    assert not OutboundMessage.objects.exists()


def test_a_file_staff_attach_is_told_to_the_regions_officials(files):
    _post_file(_client(files.staff), files.item_a, "contrat.pdf", sample_files.PDF)
    messages = OutboundMessage.objects.filter(kind=OutboundMessage.Kind.ROADMAP_CHANGE)
    assert {message.recipient_email for message in messages} == {
        files.official_a.crt_contact.email,
        files.colleague_a.crt_contact.email,
    }
    assert "Pièce jointe : — → contrat.pdf" in messages[0].body_text


def test_a_file_is_served_as_a_download_under_its_name_whatever_its_type(files):
    evidence = item_evidence_add(
        actor=files.official_a, item=files.item_a, upload=upload("تقرير الجهة.pdf", sample_files.PDF)
    )
    response = _client(files.staff).get(_item_url(files.item_a, "roadmap:evidence", evidence.pk))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == sample_files.PDF
    assert response["Content-Type"] == "application/pdf"
    # RFC 5987: the Arabic name, percent-encoded in UTF-8.
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''%D8%AA%D9%82%D8%B1%D9%8A%D8%B1%20%D8%A7%D9%84%D8%AC%D9%87%D8%A9.pdf"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert "no-cache" in response["Cache-Control"] and "private" in response["Cache-Control"]


HOSTILE = [
    ("page.html", sample_files.HTML_WITH_SCRIPT, "Ce type de fichier n&#x27;est pas accepté (text/html)"),
    ("logo.svg", sample_files.SVG_WITH_SCRIPT, "Ce type de fichier n&#x27;est pas accepté (image/svg+xml)"),
    ("photo.pdf", sample_files.PNG, "Le nom de ce fichier finit par .pdf mais son contenu est : Image PNG."),
    (
        "gros.pdf",
        sample_files.PDF.ljust(2 * 1024 * 1024, b" "),
        "Ce fichier pèse 2,0\xa0Mio : la limite est de 1,0\xa0Mio.",
    ),
]


@pytest.mark.parametrize(("name", "content", "said"), HOSTILE, ids=["html", "svg", "lying-extension", "too-large"])
@pytest.mark.parametrize("who", ["official_a", "staff"])
def test_hostile_uploads_are_refused_on_the_form_and_nothing_is_stored(files, settings, who, name, content, said):
    settings.EVIDENCE_MAX_UPLOAD_MB = 1
    response = _post_file(_client(getattr(files, who)), files.item_a, name, content)
    assert response.status_code == 400
    page = response.content.decode()
    assert '<ul class="errorlist" role="alert"><li>' + said in page
    assert not ItemEvidence.objects.exists() and not ItemChange.objects.exists()
    assert _stored_files(files.root) == []


def test_a_name_with_path_parts_is_kept_as_its_last_part_and_stored_in_the_private_folder(files, tmp_path):
    _post_file(_client(files.official_a), files.item_a, "../../x", sample_files.PDF)
    assert ItemEvidence.objects.get().name == "x.pdf"
    [stored] = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert stored.is_relative_to(files.root / "evidence" / "items")


def test_a_post_without_a_file_says_so(files):
    response = _client(files.official_a).post(_item_url(files.item_a, "roadmap:evidence_add"), {})
    assert response.status_code == 400
    assert "Ce champ est obligatoire." in response.content.decode()


def test_another_regions_official_gets_404_for_every_file_url_and_anonymous_visitors_the_login_page(files):
    evidence = item_evidence_add(actor=files.official_a, item=files.item_a, upload=upload("a.pdf", sample_files.PDF))
    urls = {
        "get": [_item_url(files.item_a, "roadmap:evidence", evidence.pk)],
        "post": [
            _item_url(files.item_a, "roadmap:evidence_add"),
            _item_url(files.item_a, "roadmap:evidence_remove", evidence.pk),
        ],
    }
    # The file under region B's item or region B's slug is not found either.
    urls["get"] += [
        reverse("roadmap:evidence", args=[files.region_b.slug, files.item_a.pk, evidence.pk]),
        reverse("roadmap:evidence", args=[files.region_a.slug, files.item_b.pk, evidence.pk]),
    ]
    outsider, anonymous = _client(files.official_b), _client()
    for method, method_urls in urls.items():
        for url in method_urls:
            data = {"file": upload("b.pdf", sample_files.PDF)} if method == "post" else {}
            assert getattr(outsider, method)(url, data).status_code == 404, url
            answer = getattr(anonymous, method)(url, data)
            assert answer.status_code == 302 and answer["Location"].startswith(reverse("login")), url
    assert ItemEvidence.objects.get() == evidence and not ItemChange.objects.exclude(changed_by=files.official_a)


def test_officials_remove_what_they_uploaded_staff_anything(files, django_capture_on_commit_callbacks):
    own = item_evidence_add(actor=files.official_a, item=files.item_a, upload=upload("a.pdf", sample_files.PDF))
    colleagues = item_evidence_add(actor=files.colleague_a, item=files.item_a, upload=upload("b.pdf", sample_files.PDF))
    official = _client(files.official_a)
    page = official.get(_item_url(files.item_a)).content.decode()
    assert _item_url(files.item_a, "roadmap:evidence_remove", own.pk) in page
    assert _item_url(files.item_a, "roadmap:evidence_remove", colleagues.pk) not in page
    assert official.post(_item_url(files.item_a, "roadmap:evidence_remove", colleagues.pk)).status_code == 403

    with django_capture_on_commit_callbacks(execute=True):
        response = official.post(_item_url(files.item_a, "roadmap:evidence_remove", own.pk))
        # Still in storage until the removal is committed.
        assert files.storage.exists(own.file.name)
    assert response.status_code == 302
    assert not ItemEvidence.objects.filter(pk=own.pk).exists()
    assert not files.storage.exists(own.file.name) and files.storage.exists(colleagues.file.name)
    with django_capture_on_commit_callbacks(execute=True):
        staff_removal = _client(files.staff).post(_item_url(files.item_a, "roadmap:evidence_remove", colleagues.pk))
    assert staff_removal.status_code == 302
    assert _stored_files(files.root) == []
    history = list(ItemChange.objects.filter(item=files.item_a).order_by("number").values_list("fields", "changed_by"))
    assert history[2:] == [
        ([["evidence", "a.pdf", None]], files.official_a.pk),
        ([["evidence", "b.pdf", None]], files.staff.pk),
    ]
    # Removing it again (a second click) changes nothing.
    assert _client(files.staff).post(_item_url(files.item_a, "roadmap:evidence_remove", own.pk)).status_code == 404


def test_deleting_an_item_removes_its_files_from_storage_once_committed(files, django_capture_on_commit_callbacks):
    for name in ("a.pdf", "b.png"):
        content = sample_files.PDF if name.endswith("pdf") else sample_files.PNG
        item_evidence_add(actor=files.staff, item=files.item_a, upload=upload(name, content))
    item_evidence_add(actor=files.staff, item=files.item_b, upload=upload("b.pdf", sample_files.PDF))
    assert len(_stored_files(files.root)) == 3
    # A deletion rolled back keeps its files.
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        RoadmapItem.objects.get(pk=files.item_a.pk).delete()
        raise RuntimeError
    assert len(_stored_files(files.root)) == 3
    with django_capture_on_commit_callbacks(execute=True):
        RoadmapItem.objects.get(pk=files.item_a.pk).delete()
    [left] = _stored_files(files.root)
    assert str(left.relative_to(files.root)) == ItemEvidence.objects.get(item=files.item_b).file.name


def test_the_files_of_the_meeting_an_item_was_decided_at_are_listed_for_the_regions_officials(files):
    files.item_a.meeting = files.meeting_a
    files.item_a.save()
    presentation = MeetingEvidence.objects.create(
        meeting=files.meeting_a,
        file=upload("p.pdf", sample_files.PDF),
        name="Présentation ONMT.pdf",
        content_type="application/pdf",
        size=len(sample_files.PDF),
        uploaded_by=files.staff,
    )
    download = reverse("meetings:evidence", args=[files.meeting_a.slug, presentation.pk])
    page = _client(files.official_a).get(_item_url(files.item_a)).content.decode()
    assert "Documents de la rencontre" in page and f'href="{download}"' in page
    assert _client(files.official_a).get(download).status_code == 200
    assert _client(files.official_b).get(download).status_code == 404


def test_the_item_page_reads_its_files_in_constant_queries(files):
    files.item_a.meeting = files.meeting_a
    files.item_a.save()
    uploaders = [files.official_a, files.colleague_a, files.staff, UserFactory(is_staff=True)]
    client = _client(files.official_a)

    def add(count):
        for number in range(count):
            uploader = uploaders[number % len(uploaders)]
            item_evidence_add(actor=uploader, item=files.item_a, upload=upload(f"{number}.pdf", sample_files.PDF))
            MeetingEvidence.objects.create(
                meeting=files.meeting_a,
                file=upload(f"{number}.pdf", sample_files.PDF),
                name=f"{number}.pdf",
                content_type="application/pdf",
                size=1,
                uploaded_by=uploader,
            )

    add(2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(_item_url(files.item_a)).status_code == 200
    add(18)
    with CaptureQueriesContext(connection) as many:
        page = client.get(_item_url(files.item_a)).content.decode()
    assert page.count('class="file-row"') == 40
    assert len(many) == len(few), [query["sql"] for query in many.captured_queries]
