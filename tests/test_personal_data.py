"""Law 09-08: every piece of a person's data is in the register, handed over by the download, and gone after
erasure or the retention purge, from every table (read from a full pg_dump of the database)."""

import json
import subprocess
from datetime import timedelta

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse

from core.personal_data import personal_data_entries
from meetings.models import ConsultationAnswer, Registration
from meetings.services import registration as services
from meetings.tests.factories import MeetingFactory, RegistrationFactory, registration_form_data
from meetings.tokens import survey_token_make

PORTAL_APPS = {"core", "regions", "plan", "meetings", "roadmap", "messaging"}
# Field names that hold what a person typed or what identifies them.
PERSONAL_LOOKING = {
    "full_name", "email", "phone", "organisation", "job_title", "city", "message", "comment", "body", "text",
    "recipient_email", "recipient_name", "body_text", "body_html",
}  # fmt: skip
# Models with such fields that hold no registrant's data, and why.
NOT_A_REGISTRANTS = {
    "regions.regionalcouncil": "the CRT's institutional address and switchboard",
    "regions.contact": "CRT and association contacts: professional details staff keep up to date in the admin",
    "meetings.meeting": "the venue's city",
    "meetings.meetingmessagestats": "the venue's city (a view of Meeting)",
    "meetings.delegationmember": "ONMT, CNT and CRT delegation members and guests, named in their public role",
    "meetings.minutesvalidation": "the name of the CRT official who signed the minutes for the region",
    "roadmap.comment": "comments of CRT officials and ONMT staff, who have accounts, on roadmap items",
    "messaging.unsubscription": "the opt-out list: an address alone, kept after erasure so it is never mailed again",
}


def test_every_model_with_a_personal_field_is_in_the_register_or_said_to_hold_no_registrants_data():
    registered = {entry.model: set(entry.fields) for entry in personal_data_entries()}
    missing = []
    for model in apps.get_models():
        label = model._meta.label_lower
        if model._meta.app_label not in PORTAL_APPS or label in NOT_A_REGISTRANTS:
            continue
        personal = {
            field.name
            for field in model._meta.concrete_fields
            if field.name in PERSONAL_LOOKING or isinstance(field, models.EmailField)
        }
        if personal - registered.get(label, set()):
            missing.append(f"{label}: {sorted(personal - registered.get(label, set()))}")
    assert not missing, "personal data not in core.personal_data: " + "; ".join(missing)
    assert "admin.logentry" in registered  # the admin writes the person's name in its history


def _dump() -> str:
    database = settings.DATABASES["default"]
    command = ["pg_dump", "-h", database["HOST"], "-p", str(database["PORT"]), "-U", database["USER"], database["NAME"]]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def _link(name: str, registration: Registration, secret: str) -> str:
    return reverse(name, args=[registration.public_id, secret])


def _a_person_through_every_flow(client) -> tuple[Registration, list[str], list[str]]:
    """Registers, waits, corrects their details, takes an offered seat, comes, answers the survey.

    Returns the registration, every distinctive value the person gave, and their personal links.
    """
    meeting = MeetingFactory(capacity=1, confirm_waitlist_directly=False)
    holder = RegistrationFactory(meeting=meeting)
    form = {
        **registration_form_data(email="zoubida.qwertyuiop@example.ma"),
        "full_name": "Zoubida Qwertyuiop",
        "organisation": "Riad Xylophone",
        "job_title": "Directrice Kumquat",
        "phone": "+212612349876",
        "city": "Tafraout Zanzibar",
        "message": "Allergie au kiwano",
    }
    assert client.post(reverse("registrations:register", args=[meeting.slug]), form).status_code == 302
    registration = Registration.objects.get(email=form["email"])
    assert registration.status == Registration.Status.WAITLISTED
    given = [registration.full_name, registration.organisation, registration.job_title, registration.email]
    given += [registration.phone, registration.city, registration.message]
    services.registration_update_contact(
        registration_id=registration.pk,
        full_name="Zoubida Asdfghjkl",
        organisation="Riad Pamplemousse",
        job_title="Gérante Rutabaga",
        phone="+212698761234",
        city="Mirleft Quokka",
    )
    given += ["Zoubida Asdfghjkl", "Riad Pamplemousse", "Gérante Rutabaga", "+212698761234", "Mirleft Quokka"]
    services.registration_cancel(registration_id=holder.pk)
    services.registration_offer_accept(registration_id=registration.pk)
    services.registration_mark_attended(registration_id=registration.pk)
    survey = reverse("meetings:survey", args=[survey_token_make(registration_id=registration.pk)])
    assert client.post(survey, {"rating": "4", "comment": "Commentaire mangoustan"}).status_code == 200
    given.append("Commentaire mangoustan")
    # Consulted before the meeting (the row the consultation's sweep makes), they answered with words of their own.
    answer = ConsultationAnswer.objects.create(
        meeting=meeting, registration=registration, full_name=registration.full_name, email=registration.email
    )
    consultation = reverse("meetings:consultation", args=[answer.public_id, answer.secret])
    answered = client.post(
        consultation,
        {
            "obstacles": ["other", "seasonality"],
            "obstacle_other": "Frein tamarillo",
            "proposal": "Proposition quetzalcoatl",
            "consent": "on",
            "version": "0",
        },
    )
    assert answered.status_code == 302
    given += ["Frein tamarillo", "Proposition quetzalcoatl"]
    # Staff looked at the registration in the admin: Django writes the person's name in its history.
    LogEntry.objects.log_action(
        user_id=get_user_model().objects.create(username="onmt-staff", is_staff=True).pk,
        content_type_id=ContentType.objects.get_for_model(Registration).pk,
        object_id=registration.pk,
        object_repr=str(registration),
        action_flag=CHANGE,
        change_message="Zoubida Asdfghjkl pointée",
    )
    registration.refresh_from_db()
    secret = registration.manage_secret
    links = [
        _link(name, registration, secret)
        for name in ["registrations:manage", "registrations:export_data", "registrations:accept_offer"]
    ]
    return registration, given, [*links, survey, consultation]


@pytest.mark.django_db(transaction=True)
def test_the_download_holds_what_the_person_gave_their_survey_answer_and_the_messages_sent_to_them(client):
    registration, _given, links = _a_person_through_every_flow(client)
    data = json.loads(client.get(links[1]).content)
    assert data["full_name"] == "Zoubida Asdfghjkl"
    assert data["survey"] == [
        {"rating": 4, "comment": "Commentaire mangoustan", "answered_at": data["survey"][0]["answered_at"]}
    ]
    kinds = [message["kind"] for message in data["messages"]]
    assert kinds == ["waitlisted", "seat_offer", "confirmation"]
    assert {message["to"] for message in data["messages"]} == {registration.email}
    assert data["staff_history"][0]["change"] == "Zoubida Asdfghjkl pointée"
    [answer] = data["consultation"]
    assert (answer["proposal"], answer["obstacle_other"]) == ("Proposition quetzalcoatl", "Frein tamarillo")
    assert answer["obstacles"] == ["other", "seasonality"] and answer["consent_version"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("erasure", ["the person's link", "the retention purge"])
def test_after_erasure_no_value_the_person_gave_is_left_in_any_table_and_every_link_is_dead(client, erasure):
    registration, given, links = _a_person_through_every_flow(client)
    before = _dump()
    # The search below can find them: the current details, the message, the comment, the admin's line
    # (details replaced by a correction are already gone, but for copies in the messages).
    assert [value for value in given[3:] if value not in before] == ["+212612349876", "Tafraout Zanzibar"]
    if erasure == "the person's link":
        response = client.post(_link("registrations:erase", registration, registration.manage_secret))
        assert response.status_code == 200
    else:
        later = registration.meeting.ends_at + timedelta(days=settings.REGISTRATION_RETENTION_DAYS + 1)
        assert services.registrations_purge_expired(now=later) == 2
    dump = _dump()
    assert [value for value in given if value in dump] == []
    assert [link for link in links if client.get(link).status_code != 404] == []
    registration.refresh_from_db()
    assert registration.status in (Registration.Status.ATTENDED, Registration.Status.CANCELLED)
    # The choices stay, anonymous, in the meeting's counts.
    assert ConsultationAnswer.objects.get(meeting=registration.meeting).obstacles == ["other", "seasonality"]
