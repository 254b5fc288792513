from datetime import timedelta
from email import message_from_bytes
from email.utils import getaddresses

import pytest
from django.core import mail
from django.utils import timezone

from meetings import drafts as content
from meetings.models import AttendanceMode
from meetings.tests.factories import MeetingFactory, RegistrationFactory
from messaging.models import OutboundMessage
from messaging.sending import message_send
from messaging.services import message_render, messages_queue
from regions.tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

Kind = OutboundMessage.Kind
REGISTRATION_TEMPLATES = [
    Kind.CONFIRMATION,
    Kind.WAITLISTED,
    Kind.MANAGE_LINK,
    Kind.SEAT_OFFER,
    Kind.CANCELLATION,
    Kind.MEETING_CANCELLED,
    Kind.MEETING_POSTPONED,
    Kind.REMINDER,
    Kind.FOLLOW_UP,
    Kind.FOLLOW_UP_ABSENT,
]
CONTACT_TEMPLATES = [(Kind.INVITATION, None), (Kind.REMINDER, "reminder_invited"), (Kind.ROADMAP_REVIEW, None)]
LANGUAGES = ["fr", "ar", "en"]
INJECTED_NAME = "Evil\r\nBcc: victim@example.com\r\nX: y"


def _drafts(language: str):
    meeting = MeetingFactory(title='Rencontre <Dakhla> & "relance"')
    registration = RegistrationFactory(
        meeting=meeting,
        full_name=INJECTED_NAME,
        language=language,
        offer_expires_at=timezone.now() + timedelta(days=2),
    )
    contact = ContactFactory(full_name=INJECTED_NAME, language=language)
    drafts = [
        content.registration_draft(registration, kind=kind, key=f"{kind}:{language}") for kind in REGISTRATION_TEMPLATES
    ]
    drafts += [
        content.contact_draft(contact, meeting, kind=kind, template=template, key=f"{template or kind}:c:{language}")
        for kind, template in CONTACT_TEMPLATES
    ]
    return drafts


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_template_renders_in_every_language_with_a_one_line_subject(language):
    for draft in _drafts(language):
        subject, text, html = message_render(template=draft.template, context=draft.context, language=language)
        assert subject and "\n" not in subject and "\r" not in subject, draft.template
        assert 'Rencontre <Dakhla> & "relance"' in subject + text or draft.kind == Kind.ROADMAP_REVIEW, draft.template
        assert "Evil Bcc: victim@example.com X: y" in text, draft.template
        # Plain text is not HTML-escaped; HTML is.
        assert "&lt;" not in text and "&amp;" not in text, draft.template
        assert "<Dakhla>" not in html, draft.template
        assert ("http://" in text) and ('href="http' in html), draft.template
        assert ('dir="rtl"' in html) == (language == "ar"), draft.template
        assert f'lang="{language}"' in html


def test_arabic_and_english_templates_are_translated():
    meeting = MeetingFactory()
    contact_ar = ContactFactory(language="ar")
    contact_en = ContactFactory(language="en")
    french = content.contact_draft(ContactFactory(), meeting, kind=Kind.INVITATION, key="fr")
    subjects = {
        draft.language: message_render(template=draft.template, context=draft.context, language=draft.language)[0]
        for draft in [
            french,
            content.contact_draft(contact_ar, meeting, kind=Kind.INVITATION, key="ar"),
            content.contact_draft(contact_en, meeting, kind=Kind.INVITATION, key="en"),
        ]
    }
    assert subjects["fr"].startswith("Invitation")
    assert subjects["ar"] != subjects["fr"] and any("\u0600" <= char <= "\u06ff" for char in subjects["ar"])
    assert subjects["en"] != subjects["fr"]


def test_a_name_with_line_breaks_cannot_add_headers():
    registration = RegistrationFactory(full_name=INJECTED_NAME)
    messages_queue(drafts=[content.registration_draft(registration, kind=Kind.CANCELLATION, key="inject")])
    message = OutboundMessage.objects.get(idempotency_key="inject")
    assert message_send(message_id=message.pk)
    raw = mail.outbox[0].message().as_bytes()
    parsed = message_from_bytes(raw)
    assert parsed["Bcc"] is None and parsed["X"] is None
    assert [address for _name, address in getaddresses([str(parsed["To"])])] == [registration.email]


def test_every_template_is_translated_and_links_to_the_configured_site(settings):
    import re

    settings.SITE_URL = "https://tournee.onmt.ma"
    rendered = {
        (draft.template, language): message_render(template=draft.template, context=draft.context, language=language)
        for language in LANGUAGES
        for draft in _drafts(language)
    }
    templates = {template for template, _language in rendered}
    assert len(templates) == len(REGISTRATION_TEMPLATES) + len(CONTACT_TEMPLATES)
    for template in templates:
        french_subject, french_text, _html = rendered[(template, "fr")]
        for language in ("ar", "en"):
            subject, text, _html = rendered[(template, language)]
            assert subject != french_subject and text != french_text, (template, language)
        arabic_subject = rendered[(template, "ar")][0]
        assert re.search("[\u0600-\u06ff]", arabic_subject.replace("الداخلة وادي الذهب", "")), template
        for language in LANGUAGES:
            subject, text, html = rendered[(template, language)]
            links = re.findall(r"https?://[^\s\"'<>]+", text) + re.findall(r'href="([^"]+)"', html)
            assert links, (template, language)
            assert all(link.startswith("https://tournee.onmt.ma/") for link in links), (template, language, links)


def test_the_meeting_summary_of_each_message_follows_the_meeting_its_region_and_the_way_of_attending():
    meeting = MeetingFactory(title="Rencontre de Dakhla", venue_name="Palais des congrès", offers_online=True)
    in_person = RegistrationFactory(meeting=meeting, language="fr")
    online = RegistrationFactory(meeting=meeting, language="fr", mode=AttendanceMode.ONLINE)

    def text_and_html(registration) -> str:
        draft = content.registration_draft(registration, kind=Kind.CONFIRMATION, key="k")
        _subject, text, html = message_render(template=draft.template, context=draft.context, language="fr")
        return text + html

    assert "Palais des congrès" in text_and_html(in_person)
    assert "Palais des congrès" not in text_and_html(online) and "en ligne" in text_and_html(online)

    meeting.title = "Rencontre de Laâyoune"
    meeting.save()
    assert "Rencontre de Laâyoune" in text_and_html(in_person)
    assert "Rencontre de Dakhla" not in text_and_html(in_person)
    meeting.region.name_fr = "Région renommée"
    meeting.region.save()
    assert text_and_html(online).count("Région renommée") == 2  # in the text and in the HTML
