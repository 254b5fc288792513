"""The minutes PDF: its text read back (French, Arabic joined), its states, who may read it, the e-mail to the CRT."""

import re
import socket
import subprocess
import zlib
from datetime import timedelta
from email import message_from_bytes
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from core import pdf as core_pdf
from core.pdf import ASSETS_DIR, PdfRenderError
from meetings import documents
from meetings.document_tasks import notify_minutes_validated
from meetings.models import AgendaItem, DelegationMember, Meeting, Minutes, MinutesDocument, Registration
from meetings.selectors.minutes import meeting_attendance
from meetings.selectors.minutes_document import minutes_document_content
from meetings.services import documents as services
from meetings.tests.document_factories import (
    DecisionFactory,
    DelegationMemberFactory,
    MinutesEntryFactory,
    MinutesFactory,
    minutes_validate,
)
from meetings.tests.factories import AgendaItemFactory, MeetingFactory, RegistrationFactory
from messaging.models import OutboundMessage
from messaging.sending import _build_email
from plan.models import Axis, Owner
from regions.models import Contact
from regions.tests.factories import ContactFactory, OfficialFactory, UserFactory, region

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]

FRENCH_DECISION = "Organiser un éductour pour la presse espagnole"
# Typed in Arabic by the note-taker: "organise a familiarisation trip for the international press".
# No lam-alef in it: pdftotext gives the two letters of that ligature back in reverse order.
ARABIC_DECISION = "تنظيم رحلة تعريفية لفائدة الصحافة الدولية"
ARABIC_ENTRY = "عرض مخطط إنعاش السياحة في جهة الداخلة"
PRESENTATION_FORMS = re.compile("[\ufb50-\ufdff\ufe70-\ufeff]")


@pytest.fixture
def held():
    """A held meeting of Dakhla-Oued Ed-Dahab with its delegation, agenda, attendance, minutes and decisions."""
    start = timezone.now() - timedelta(days=3)
    meeting = MeetingFactory(
        region=region(12),
        status=Meeting.Status.HELD,
        title="Rencontre des professionnels de Dakhla",
        starts_at=start,
        ends_at=start + timedelta(hours=3),
    )
    chair = DelegationMemberFactory(
        meeting=meeting, full_name="Adil El Fassi", side=DelegationMember.Side.ONMT, role=DelegationMember.Role.CHAIR
    )
    crt = ContactFactory(region=meeting.region, full_name="Fatima Zahra Bennani", organisation="CRT Dakhla")
    DelegationMemberFactory(
        meeting=meeting,
        contact=crt,
        full_name=crt.full_name,
        organisation=crt.organisation,
        side=DelegationMember.Side.CRT,
    )
    DelegationMemberFactory(
        meeting=meeting,
        full_name="Karim Idrissi",
        organisation="CNT",
        side=DelegationMember.Side.CNT,
        role=DelegationMember.Role.SPEAKER,
    )
    plan = AgendaItemFactory(meeting=meeting, position=1, title="Plan de relance", speaker_member=chair)
    access = AgendaItemFactory(meeting=meeting, position=2, title="Accessibilité aérienne", speaker="Royal Air Maroc")
    AgendaItemFactory(meeting=meeting, position=3, title="Questions diverses")
    minutes = MinutesFactory(meeting=meeting)
    MinutesEntryFactory(minutes=minutes, agenda_item=plan, summary=ARABIC_ENTRY)
    MinutesEntryFactory(minutes=minutes, agenda_item=access)
    for status, sector in [
        (Registration.Status.ATTENDED, Registration.Sector.LODGING),
        (Registration.Status.ATTENDED, Registration.Sector.LODGING),
        (Registration.Status.CONFIRMED, Registration.Sector.LODGING),
        (Registration.Status.ATTENDED, Registration.Sector.TRAVEL_AGENCY),
        (Registration.Status.CANCELLED, Registration.Sector.GUIDES),
        (Registration.Status.WAITLISTED, Registration.Sector.GUIDES),
    ]:
        RegistrationFactory(meeting=meeting, status=status, sector=sector)
    DecisionFactory(meeting=meeting, agenda_item=plan, title=FRENCH_DECISION, axis=Axis.PROMOTION, position=1)
    DecisionFactory(
        meeting=meeting, title=ARABIC_DECISION, axis=Axis.MARKETING, owner=Owner.CRT, due_on=None, position=2
    )
    DecisionFactory(meeting=meeting, title="Task force produit : circuits désert", scope="national", position=3)
    return SimpleNamespace(meeting=meeting, minutes=minutes)


def _ready_document(minutes: Minutes, language: str, capture) -> MinutesDocument:
    with capture(execute=True):
        document = services.minutes_document_request(minutes=minutes, language=language)
    document.refresh_from_db()
    assert document.state == MinutesDocument.State.READY, document.error
    return document


def pdf_text(content: bytes) -> str:
    """The PDF's text as pdftotext reads it, in logical order, lines joined (table cells wrap)."""
    text = subprocess.run(["pdftotext", "-", "-"], input=content, capture_output=True, check=True).stdout.decode()
    # pdftotext marks right-to-left lines with embedding controls, which are not text.
    return " ".join(re.sub("[\u202a-\u202e\u2066-\u2069]", "", text).split())


def glyphs_per_letter(content: bytes) -> dict[str, set[str]]:
    """Which glyphs of the PDF's fonts stand for each character, read from their ToUnicode maps.

    Arabic letters joined to their neighbours are drawn with their initial, medial or final
    form: one letter, several glyphs. Unjoined (isolated forms only), each letter has one glyph.
    """
    glyphs: dict[str, set[str]] = {}
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", content, re.DOTALL):
        try:
            text = zlib.decompress(stream).decode("latin-1")
        except zlib.error:
            continue
        for section in re.findall(r"beginbfchar(.*?)endbfchar", text, re.DOTALL):
            for glyph, target in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", section):
                characters = bytes.fromhex(target).decode("utf-16-be")
                glyphs.setdefault(characters, set()).add(glyph)
    return glyphs


def arabic_letters_are_joined(content: bytes) -> bool:
    letters = {
        char: found for char, found in glyphs_per_letter(content).items() if re.fullmatch("[\u0621-\u064a]", char)
    }
    # ي appears here at the start, the middle and the end of words (تعريفية, الدولية, في).
    return len(letters.get("ي", ())) >= 2 and sum(map(len, letters.values())) > len(letters)


@pytest.mark.parametrize("language", ["fr", "ar", "en"])
def test_the_pdf_text_holds_the_decisions_in_french_and_in_arabic_with_the_letters_joined(
    held, language, django_capture_on_commit_callbacks
):
    document = _ready_document(held.minutes, language, django_capture_on_commit_callbacks)
    content = document.file.read()
    assert content.startswith(b"%PDF-")
    text = pdf_text(content)
    words = text.split()
    # Each word of both decisions comes back as typed: Arabic letters in their logical order.
    for word in (FRENCH_DECISION + " " + ARABIC_DECISION).split():
        assert word in words, word
    if language != "ar":
        # Whole phrases too where the table reads left to right; pdftotext interleaves the lines of
        # wrapped cells of a right-to-left table, so the Arabic document is checked word by word there.
        assert FRENCH_DECISION in text
        assert ARABIC_DECISION in text
    assert ARABIC_ENTRY in text
    assert {"Task", "force", "produit", "circuits", "désert"} <= set(words)
    assert not PRESENTATION_FORMS.search(text), "Arabic written with presentation forms instead of shaped"
    assert arabic_letters_are_joined(content)
    for name in ("Adil El Fassi", "Fatima Zahra Bennani", "Karim Idrissi", "Royal Air Maroc"):
        assert name in text
    assert "Rencontre des professionnels de Dakhla" in text
    # Only the fonts shipped with the portal, embedded (subsets), never a system font.
    fonts = subprocess.run(["pdffonts", "-"], input=content, capture_output=True, check=True).stdout.decode()
    embedded = {line.split()[0].split("+", 1)[1] for line in fonts.splitlines()[2:]}
    assert embedded <= {"Noto-Sans", "Noto-Sans-Bold", "Tajawal", "Tajawal-Bold"}, embedded


def test_the_joining_check_tells_shaped_arabic_from_isolated_letters():
    """Negative control: the same phrase with HarfBuzz's joining forms turned off fails the check."""
    from weasyprint import HTML

    def render(style: str) -> bytes:
        html = (
            '<html lang="ar" dir="rtl"><head><link rel="stylesheet" href="css/minutes-pdf.css"></head>'
            f'<body><p style="{style}">{ARABIC_DECISION} في</p></body></html>'
        )
        return HTML(string=html, base_url=ASSETS_DIR.as_uri() + "/").write_pdf()

    assert arabic_letters_are_joined(render(""))
    unjoined = render("font-feature-settings: 'init' 0, 'medi' 0, 'fina' 0")
    assert not arabic_letters_are_joined(unjoined)
    assert ARABIC_DECISION in pdf_text(unjoined)  # the extracted text alone cannot tell


def test_the_validated_pdf_says_who_validated_which_version_and_its_fingerprint(
    held, django_capture_on_commit_callbacks
):
    validation = minutes_validate(held.minutes, signed_by="Fatima Zahra Bennani")
    text = pdf_text(_ready_document(held.minutes, "fr", django_capture_on_commit_callbacks).file.read())
    assert f"Version 1 validée par Fatima Zahra Bennani le {timezone.localtime(validation.decided_at):%-d}" in text
    assert f"empreinte {validation.content_hash[:12]}" in text
    assert "pas encore validé" not in text


def test_a_draft_pdf_says_it_is_not_validated(held, django_capture_on_commit_callbacks):
    text = pdf_text(_ready_document(held.minutes, "fr", django_capture_on_commit_callbacks).file.read())
    assert "n'est pas encore validé par le CRT" in text
    assert "validée par" not in text


def test_the_pdf_shows_the_attendance_of_the_minutes_page(held, django_capture_on_commit_callbacks):
    content = minutes_document_content(minutes_id=held.minutes.pk, version=held.minutes.version)
    assert content.attendance == meeting_attendance(meeting=held.meeting)
    # Seats held: the waiting list and the cancelled registration are not counted.
    assert (content.attendance.registered, content.attendance.attended) == (4, 3)
    assert [(line.key, line.registered, line.attended) for line in content.attendance.by_sector] == [
        (Registration.Sector.LODGING, 3, 2),
        (Registration.Sector.TRAVEL_AGENCY, 1, 1),
    ]
    text = pdf_text(_ready_document(held.minutes, "fr", django_capture_on_commit_callbacks).file.read())
    assert "Total 4 3" in text


def test_a_validated_pdf_prints_the_signed_version_not_what_changed_since(held, django_capture_on_commit_callbacks):
    minutes_validate(held.minutes)
    # An edit of the meeting in the admin does not touch its minutes: the signed text stays what was signed.
    Meeting.objects.filter(pk=held.meeting.pk).update(title="Titre changé après la signature")
    DelegationMember.objects.filter(meeting=held.meeting, full_name="Karim Idrissi").update(full_name="Quelqu'un")
    text = pdf_text(_ready_document(held.minutes, "fr", django_capture_on_commit_callbacks).file.read())
    assert "Rencontre des professionnels de Dakhla" in text and "Karim Idrissi" in text
    assert "Titre changé" not in text and "Quelqu'un" not in text


def test_a_draft_pdf_prints_the_minutes_as_they_stand(held, django_capture_on_commit_callbacks):
    Meeting.objects.filter(pk=held.meeting.pk).update(title="Titre du jour")
    text = pdf_text(_ready_document(held.minutes, "fr", django_capture_on_commit_callbacks).file.read())
    assert "Titre du jour" in text


def test_the_content_of_a_pdf_is_read_in_a_fixed_number_of_queries(held, django_assert_max_num_queries):
    DecisionFactory.create_batch(20, meeting=held.meeting)
    AgendaItemFactory.create_batch(10, meeting=held.meeting)
    DelegationMemberFactory.create_batch(10, meeting=held.meeting)
    # The row lock and its savepoint, the meeting, agenda, entries, decisions and their markets, delegation, attendance.
    with django_assert_max_num_queries(10):
        content = minutes_document_content(minutes_id=held.minutes.pk, version=held.minutes.version)
    assert len(content.content["decisions"]) == 23
    assert len(content.content["delegation"]) == 13


# ------------------------------------------------------------------ states and the task


def test_a_request_makes_one_pending_document_per_version_and_language_and_queues_its_task_on_commit(
    held, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        first = services.minutes_document_request(minutes=held.minutes, language="ar")
        again = services.minutes_document_request(minutes=held.minutes, language="ar")
    assert first.pk == again.pk and first.state == MinutesDocument.State.PENDING
    assert (first.version, first.language) == (held.minutes.version, "ar")
    assert len(queued) == 1  # the task of a document already asked for is not queued twice
    Minutes.objects.filter(pk=held.minutes.pk).update(version=2)
    held.minutes.refresh_from_db()
    newer = services.minutes_document_request(minutes=held.minutes, language="ar")
    assert newer.pk != first.pk and newer.version == 2


def test_the_task_marks_the_document_ready_once_and_is_safe_to_run_again(held, django_capture_on_commit_callbacks):
    document = _ready_document(held.minutes, "fr", django_capture_on_commit_callbacks)
    name, updated = document.file.name, document.updated_at
    assert name.startswith("minutes/compte-rendu-") and name.endswith(".pdf")
    documents.minutes_document_render(document_id=document.pk)
    document.refresh_from_db()
    assert (document.file.name, document.updated_at, document.state) == (name, updated, MinutesDocument.State.READY)


def test_a_rendering_error_marks_the_document_failed_with_the_reason_and_a_retry_makes_it(
    held, monkeypatch, django_capture_on_commit_callbacks
):
    real_render = documents.minutes_pdf_render

    def broken(**kwargs):
        raise RuntimeError("gabarit cassé")

    monkeypatch.setattr(documents, "minutes_pdf_render", broken)
    with django_capture_on_commit_callbacks(execute=True):
        document = services.minutes_document_request(minutes=held.minutes, language="fr")
    document.refresh_from_db()
    assert document.state == MinutesDocument.State.FAILED
    assert document.error == "gabarit cassé" and not document.file
    monkeypatch.setattr(documents, "minutes_pdf_render", real_render)
    with django_capture_on_commit_callbacks(execute=True):
        services.minutes_document_retry(minutes=held.minutes, language="fr")
    document.refresh_from_db()
    assert document.state == MinutesDocument.State.READY and document.error == ""


def test_a_pdf_asked_for_before_an_edit_is_failed_not_printed_with_the_newer_text(
    held, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        document = services.minutes_document_request(minutes=held.minutes, language="fr")
    Minutes.objects.filter(pk=held.minutes.pk).update(version=held.minutes.version + 1, summary="Texte modifié")
    queued[0]()
    document.refresh_from_db()
    assert document.state == MinutesDocument.State.FAILED and "modifié" in document.error


def test_a_document_whose_task_was_lost_is_queued_again_by_the_next_reader(held, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as queued:
        document = services.minutes_document_request(minutes=held.minutes, language="fr")
    assert len(queued) == 1  # never run: the broker lost it
    with django_capture_on_commit_callbacks() as queued:
        services.minutes_document_request(minutes=held.minutes, language="fr")
    assert queued == []  # too early to tell it is lost
    MinutesDocument.objects.filter(pk=document.pk).update(updated_at=timezone.now() - timedelta(minutes=5))
    with django_capture_on_commit_callbacks(execute=True) as queued:
        services.minutes_document_request(minutes=held.minutes, language="fr")
    assert len(queued) == 1
    document.refresh_from_db()
    assert document.state == MinutesDocument.State.READY


def test_the_renderer_never_fetches_anything_from_the_network(held, monkeypatch):
    connections = []
    monkeypatch.setattr(socket.socket, "connect", lambda sock, address: connections.append(address))
    monkeypatch.setattr(
        core_pdf,
        "render_to_string",
        lambda template, context: (
            '<html><head><link rel="stylesheet" href="http://127.0.0.1:9/x.css"></head>'
            '<body><img src="https://example.com/logo.png"></body></html>'
        ),
    )
    content = minutes_document_content(minutes_id=held.minutes.pk, version=held.minutes.version)
    with pytest.raises(PdfRenderError, match="127.0.0.1"):
        documents.minutes_pdf_render(content=content, language="fr")
    assert connections == []


def test_typed_markup_control_characters_and_long_text_are_printed_as_text(held, django_capture_on_commit_callbacks):
    hostile = '<img src="http://127.0.0.1:9/x.png"> <b>gras</b> \u202eàl\u202c \x0b\x0c fin'
    Minutes.objects.filter(pk=held.minutes.pk).update(summary=hostile + " " + "relance " * 2500)
    DecisionFactory(meeting=held.meeting, title="<script>alert(1)</script> & « guillemets »", details="\x1e" * 3)
    held.minutes.refresh_from_db()
    text = pdf_text(_ready_document(held.minutes, "fr", django_capture_on_commit_callbacks).file.read())
    assert '<img src="http://127.0.0.1:9/x.png">' in text and "<b>gras</b>" in text
    assert "<script>alert(1)</script>" in text and "« guillemets »" in text


# ------------------------------------------------------------------ who reads it


@pytest.fixture
def readers(held):
    return SimpleNamespace(
        staff=UserFactory(is_staff=True),
        official=OfficialFactory(region=held.meeting.region).user,
        other_official=OfficialFactory(region=region(9)).user,
        nobody=UserFactory(),
    )


def _status_url(meeting, language="fr"):
    return reverse("meetings:minutes_pdf", args=[meeting.slug]) + f"?langue={language}"


def test_staff_read_draft_minutes_officials_of_the_region_only_validated_ones(client, held, readers):
    url = _status_url(held.meeting)
    assert client.get(url).status_code == 302  # anonymous: to the login page
    assert client.get(url)["Location"].startswith(reverse("login"))
    expected_on_draft = {"staff": 200, "official": 404, "other_official": 404, "nobody": 404}
    for name, status in expected_on_draft.items():
        client.force_login(getattr(readers, name))
        assert client.get(url).status_code == status, name
    minutes_validate(held.minutes)
    for name, status in {**expected_on_draft, "official": 200}.items():
        client.force_login(getattr(readers, name))
        assert client.get(url).status_code == status, name


def test_the_status_page_shows_pending_then_the_download_link_and_the_download_is_an_attachment(
    client, held, readers, django_capture_on_commit_callbacks
):
    minutes_validate(held.minutes)
    client.force_login(readers.official)
    with django_capture_on_commit_callbacks() as queued:
        page = client.get(_status_url(held.meeting, "ar"))
    assert page.status_code == 200 and page["Cache-Control"].startswith("max-age=0")
    body = page.content.decode()
    assert "en préparation" in body and "js/minutes-pdf.js" in body and "format=json" in body
    assert client.get(_status_url(held.meeting, "ar") + "&format=json").json() == {"state": "pending"}
    queued[0]()
    assert client.get(_status_url(held.meeting, "ar") + "&format=json").json() == {"state": "ready"}
    body = client.get(_status_url(held.meeting, "ar")).content.decode()
    document = MinutesDocument.objects.get(minutes=held.minutes, language="ar")
    download = reverse("meetings:minutes_pdf_download", args=[held.meeting.slug, document.pk])
    assert download in body and "minutes-pdf.js" not in body
    response = client.get(download)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="compte-rendu-{held.meeting.slug}-v{held.minutes.version}-ar.pdf"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_the_download_follows_the_same_rules_and_officials_never_get_an_older_draft(
    client, held, readers, django_capture_on_commit_callbacks
):
    draft = _ready_document(held.minutes, "fr", django_capture_on_commit_callbacks)
    url = reverse("meetings:minutes_pdf_download", args=[held.meeting.slug, draft.pk])
    client.force_login(readers.official)
    assert client.get(url).status_code == 404  # not validated
    Minutes.objects.filter(pk=held.minutes.pk).update(version=held.minutes.version + 1)
    held.minutes.refresh_from_db()
    minutes_validate(held.minutes)
    assert client.get(url).status_code == 404  # validated now, but this PDF is of an earlier draft
    current = _ready_document(held.minutes, "fr", django_capture_on_commit_callbacks)
    assert client.get(reverse("meetings:minutes_pdf_download", args=[held.meeting.slug, current.pk])).status_code == 200
    client.force_login(readers.other_official)
    assert client.get(reverse("meetings:minutes_pdf_download", args=[held.meeting.slug, current.pk])).status_code == 404
    client.force_login(readers.staff)
    assert client.get(url).status_code == 200  # staff keep every version
    other_meeting = MinutesFactory().meeting
    assert (
        client.get(reverse("meetings:minutes_pdf_download", args=[other_meeting.slug, current.pk])).status_code == 404
    )


def test_a_failed_pdf_shows_its_reason_to_staff_only_and_anyone_who_reads_it_may_try_again(
    client, held, readers, monkeypatch, django_capture_on_commit_callbacks
):
    minutes_validate(held.minutes)
    monkeypatch.setattr(
        documents, "minutes_pdf_render", lambda **kwargs: (_ for _ in ()).throw(ValueError("police absente"))
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.minutes_document_request(minutes=held.minutes, language="fr")
    client.force_login(readers.staff)
    assert "police absente" in client.get(_status_url(held.meeting)).content.decode()
    client.force_login(readers.official)
    body = client.get(_status_url(held.meeting)).content.decode()
    assert "n'a pas pu être préparé" in body and "police absente" not in body and "Réessayer" in body
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("meetings:minutes_pdf", args=[held.meeting.slug]), {"langue": "fr"})
    assert response.status_code == 302 and response["Location"] == _status_url(held.meeting)
    assert MinutesDocument.objects.get(minutes=held.minutes, language="fr").state == MinutesDocument.State.READY
    client.force_login(readers.other_official)
    assert client.post(reverse("meetings:minutes_pdf", args=[held.meeting.slug]), {"langue": "fr"}).status_code == 404


def test_an_unknown_language_is_a_400_and_the_reader_language_is_the_default(client, held, readers):
    client.force_login(readers.staff)
    assert client.get(_status_url(held.meeting, "de")).status_code == 400
    client.cookies["django_language"] = "ar"
    client.get(reverse("meetings:minutes_pdf", args=[held.meeting.slug]))
    assert MinutesDocument.objects.get(minutes=held.minutes).language == "ar"


def test_a_ready_pdf_whose_file_is_gone_is_made_again(client, held, readers, django_capture_on_commit_callbacks):
    document = _ready_document(held.minutes, "fr", django_capture_on_commit_callbacks)
    document.file.storage.delete(document.file.name)
    client.force_login(readers.staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("meetings:minutes_pdf_download", args=[held.meeting.slug, document.pk]))
    assert response.status_code == 302 and response["Location"] == _status_url(held.meeting)
    document.refresh_from_db()
    assert document.state == MinutesDocument.State.READY and document.file.storage.exists(document.file.name)


def test_the_status_page_queries_do_not_grow_with_the_minutes(
    client, held, readers, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    minutes_validate(held.minutes)
    _ready_document(held.minutes, "fr", django_capture_on_commit_callbacks)
    client.force_login(readers.official)
    url = _status_url(held.meeting)
    with django_assert_max_num_queries(8) as few:
        assert client.get(url).status_code == 200
    DecisionFactory.create_batch(30, meeting=held.meeting)
    AgendaItemFactory.create_batch(10, meeting=held.meeting)
    RegistrationFactory.create_batch(20, meeting=held.meeting)
    for language in ("ar", "en"):
        _ready_document(held.minutes, language, django_capture_on_commit_callbacks)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


# ------------------------------------------------------------------ the e-mail to the CRT


def test_once_validated_each_crt_contact_is_sent_the_pdf_in_their_language(held, django_capture_on_commit_callbacks):
    french = ContactFactory(region=held.meeting.region, language="fr", email="president@crt-dakhla.ma")
    arabic = ContactFactory(region=held.meeting.region, language="ar", email="directeur@crt-dakhla.ma")
    ContactFactory(region=held.meeting.region, kind=Contact.Kind.ASSOCIATION)  # not the CRT
    ContactFactory(region=region(9), language="en")  # another region's CRT
    validation = minutes_validate(held.minutes)
    with django_capture_on_commit_callbacks(execute=True):
        services.minutes_validated_notify(version_id=validation.version.pk)
    messages = OutboundMessage.objects.filter(kind=OutboundMessage.Kind.MINUTES_VALIDATED)
    # The contact typed into the delegation (fixture) is a CRT contact of the region too.
    assert {message.recipient_email for message in messages} >= {french.email, arabic.email}
    assert not messages.filter(contact__region=region(9)).exists()
    assert not messages.filter(contact__kind=Contact.Kind.ASSOCIATION).exists()
    pdfs = {doc.language: doc for doc in MinutesDocument.objects.filter(minutes=held.minutes)}
    assert pdfs["fr"].state == pdfs["ar"].state == MinutesDocument.State.READY and "en" not in pdfs
    for contact in (french, arabic):
        message = messages.get(contact=contact)
        assert message.language == contact.language
        assert message.idempotency_key == f"minutes_validated:{validation.version.pk}:{contact.pk}"
        assert message.attachment.name == pdfs[contact.language].file.name
        assert message.attachment_filename.endswith(f"-{contact.language}.pdf")
        assert message.status == OutboundMessage.Status.SENT  # sent by the eager outbox task
        mime = message_from_bytes(_build_email(message, connection=None).message().as_bytes())
        (part,) = [part for part in mime.walk() if part.get_content_type() == "application/pdf"]
        assert part.get_filename() == message.attachment_filename
        assert set(ARABIC_DECISION.split()) <= set(pdf_text(part.get_payload(decode=True)).split())
        assert validation.content_hash[:12] in message.body_text
    count = messages.count()
    assert notify_minutes_validated.apply(args=[validation.version.pk]).get() == 0  # once per version and contact
    assert messages.count() == count


def test_no_message_leaves_without_its_pdf(held, monkeypatch, django_capture_on_commit_callbacks):
    ContactFactory(region=held.meeting.region, language="fr")
    validation = minutes_validate(held.minutes)
    monkeypatch.setattr(
        documents, "minutes_pdf_render", lambda **kwargs: (_ for _ in ()).throw(OSError("disque plein"))
    )
    with pytest.raises(documents.MinutesDocumentNotReady, match="disque plein"):
        documents.minutes_validated_messages_queue(version_id=validation.version.pk)
    assert not OutboundMessage.objects.exists()
    monkeypatch.undo()
    # The task's retry finds the PDF made this time (a failed one is tried again).
    assert documents.minutes_validated_messages_queue(version_id=validation.version.pk) >= 1


def test_a_version_no_longer_validated_is_not_sent(held):
    ContactFactory(region=held.meeting.region)
    validation = minutes_validate(held.minutes)
    Minutes.objects.filter(pk=held.minutes.pk).update(status=Minutes.Status.DRAFT)  # edited since
    assert documents.minutes_validated_messages_queue(version_id=validation.version.pk) == 0
    assert not OutboundMessage.objects.exists()


def test_the_admin_shows_a_message_with_an_attachment_by_its_file_name(
    staff_client, held, django_capture_on_commit_callbacks
):
    ContactFactory(region=held.meeting.region)
    validation = minutes_validate(held.minutes)
    documents.minutes_validated_messages_queue(version_id=validation.version.pk)
    message = OutboundMessage.objects.filter(kind=OutboundMessage.Kind.MINUTES_VALIDATED).first()
    page = staff_client.get(reverse("admin:messaging_outboundmessage_change", args=[message.pk]))
    assert page.status_code == 200
    assert message.attachment_filename in page.content.decode()


def test_agenda_items_keep_their_order_in_the_pdf(held):
    AgendaItem.objects.filter(meeting=held.meeting, position=1).update(position=9)
    content = minutes_document_content(minutes_id=held.minutes.pk, version=held.minutes.version)
    assert [item["title"] for item in content.content["agenda"]] == [
        "Accessibilité aérienne",
        "Questions diverses",
        "Plan de relance",
    ]
