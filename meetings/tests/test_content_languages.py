"""Content staff type in French, Arabic and English: pages, e-mails and calendar files in the reader's
language, French where a translation is missing (marked lang="fr" and isolated), edits in any language
checked against a stale page."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from icalendar import Calendar

from core.versioning import refuse_if_changed, version_token
from meetings.models import Meeting, Registration
from meetings.services import meeting as meeting_services
from meetings.services import registration as registration_services
from meetings.tests.factories import AgendaItemFactory, MeetingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _french_to_start_with():
    # A page asked in another language leaves that language active in the thread: each test starts in French.
    with translation.override("fr"):
        yield


ARABIC = {
    "title_ar": "لقاء مع مهنيي السياحة بالداخلة",
    "description_ar": "مخطط الإنعاش والأسواق ذات الأولوية.",
    "venue_name_ar": "قصر المؤتمرات",
    "address_ar": "شارع محمد الخامس",
    "city_ar": "الداخلة",
}
ENGLISH = {
    "title_en": "Meeting with the tourism professionals of Dakhla",
    "description_en": "The recovery plan and the priority markets.",
    "venue_name_en": "Conference Centre",
    "address_en": "Mohammed V Avenue",
    "city_en": "Dakhla",
}


def translated_meeting(**extra) -> Meeting:
    meeting = MeetingFactory(
        title="Rencontre des professionnels de Dakhla",
        description="Le plan de relance et les marchés prioritaires.",
        **ARABIC,
        **ENGLISH,
        **extra,
    )
    AgendaItemFactory(
        meeting=meeting, title="Plan stratégique de relance", title_ar="المخطط الاستراتيجي", title_en="Strategic plan"
    )
    return meeting


def test_a_missing_translation_falls_back_to_french():
    meeting = MeetingFactory(title="Rencontre de Dakhla", title_en="Dakhla meeting")
    assert meeting.title_fr == "Rencontre de Dakhla" and meeting.title_ar is None
    with translation.override("ar"):
        assert meeting.title == "Rencontre de Dakhla"
    with translation.override("en"):
        assert meeting.title == "Dakhla meeting"


@pytest.mark.parametrize(("language", "texts"), [("ar", ARABIC), ("en", ENGLISH)])
def test_the_meeting_page_shows_title_description_agenda_and_venue_in_the_page_language(
    client, settings, language, texts
):
    meeting = translated_meeting()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    body = client.get(meeting.get_absolute_url()).content.decode()
    for value in texts.values():
        assert value in body
    assert {"ar": "المخطط الاستراتيجي", "en": "Strategic plan"}[language] in body
    assert "Rencontre des professionnels de Dakhla" not in body and "Plan stratégique de relance" not in body


def test_a_french_fallback_on_the_arabic_page_is_marked_french_and_isolated(client, settings):
    meeting = MeetingFactory(title="Rencontre des professionnels de Dakhla", venue_name_ar="قصر المؤتمرات")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    body = client.get(meeting.get_absolute_url()).content.decode()
    assert '<h1><bdi lang="fr">Rencontre des professionnels de Dakhla</bdi></h1>' in body
    # A translated value is isolated too, without a language of its own.
    assert "<bdi>قصر المؤتمرات</bdi>" in body
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    assert "<h1>Rencontre des professionnels de Dakhla</h1>" in client.get(meeting.get_absolute_url()).content.decode()


def test_the_region_and_tour_pages_show_the_translated_profile_and_names(client, settings):
    meeting = translated_meeting()
    tour = meeting.tour
    tour.name_en, tour.description_en = "Recovery tour", "Twelve regions, one after the other."
    tour.save()
    region = meeting.region
    region.tourism_profile_en = "A strategic seaside destination."
    region.save()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    tour_page = client.get(tour.get_absolute_url()).content.decode()
    assert "Recovery tour" in tour_page and "Twelve regions, one after the other." in tour_page
    region_page = client.get(region.get_absolute_url()).content.decode()
    assert "A strategic seaside destination." in region_page and ENGLISH["title_en"] in region_page


def test_editing_a_translation_renews_the_cached_page_of_that_language(
    client, settings, django_capture_on_commit_callbacks
):
    meeting = translated_meeting()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    assert ARABIC["title_ar"] in client.get(meeting.get_absolute_url()).content.decode()
    meeting.title_ar = "عنوان جديد للقاء"
    with django_capture_on_commit_callbacks(execute=True):
        meeting_services.meeting_save(meeting=meeting)
    assert "عنوان جديد للقاء" in client.get(meeting.get_absolute_url()).content.decode()


def _register(meeting: Meeting, *, language: str):
    return registration_services.registration_create(
        meeting_id=meeting.pk,
        email=f"pro-{language}@example.ma",
        full_name="فاطمة الزهراء",
        organisation="تعاونية أركان",
        sector=Registration.Sector.CRAFTS,
        phone="+212612345678",
        language=language,
    )


def _calendar_event(message):
    (part,) = [part for part in message.attachments if "calendar" in str(getattr(part, "get_content_type", str)())]
    (event,) = Calendar.from_ical(part.get_payload(decode=True)).walk("VEVENT")
    return event


def test_the_confirmation_to_an_arabic_registrant_and_its_calendar_file_are_in_arabic(
    django_capture_on_commit_callbacks,
):
    meeting = translated_meeting()
    with django_capture_on_commit_callbacks(execute=True):
        _register(meeting, language="ar")
    (message,) = mail.outbox
    assert ARABIC["title_ar"] in message.body and ARABIC["venue_name_ar"] in message.body
    assert "Rencontre des professionnels de Dakhla" not in message.body
    event = _calendar_event(message)
    assert str(event["summary"]) == ARABIC["title_ar"]
    assert ARABIC["venue_name_ar"] in str(event["location"])


def test_the_calendar_file_follows_each_registrations_language(django_capture_on_commit_callbacks):
    meeting = translated_meeting()
    with django_capture_on_commit_callbacks(execute=True):
        _register(meeting, language="en")
        _register(meeting, language="fr")
    summaries = {
        message.to[0].split("<")[-1].rstrip(">"): str(_calendar_event(message)["summary"]) for message in mail.outbox
    }
    assert summaries == {"pro-en@example.ma": ENGLISH["title_en"], "pro-fr@example.ma": meeting.title_fr}


def test_the_public_calendar_file_is_in_the_page_language(client, settings):
    meeting = translated_meeting()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    content = client.get(reverse("meetings:ics", args=[meeting.slug])).content
    (event,) = Calendar.from_ical(content).walk("VEVENT")
    assert str(event["summary"]) == ENGLISH["title_en"]


def test_a_stale_edit_of_a_translation_is_refused_like_one_of_the_french_title():
    meeting = Meeting.objects.get(pk=translated_meeting().pk)
    token = version_token(meeting)
    Meeting.objects.filter(pk=meeting.pk).update(title_ar="عنوان غيره شخص آخر")
    current = Meeting.objects.get(pk=meeting.pk)
    with pytest.raises(ValidationError, match="عنوان غيره شخص آخر") as refusal:
        refuse_if_changed(current, token)
    assert "titre [ar]" in str(refusal.value) and "capacité" not in str(refusal.value)
    # Through the service that the admin calls, under the row's lock.
    meeting.capacity = 70
    with pytest.raises(ValidationError, match="modifié par quelqu'un d'autre"):
        meeting_services.meeting_save(meeting=meeting, seen_version=token)


def test_changing_a_translated_title_bumps_the_calendar_sequence():
    meeting = translated_meeting()
    before = Meeting.objects.get(pk=meeting.pk).sequence
    meeting.title_en = "A new English title"
    meeting_services.meeting_save(meeting=meeting)
    assert Meeting.objects.get(pk=meeting.pk).sequence == before + 1
