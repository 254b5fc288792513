import re

import pytest
from django.urls import reverse

from meetings.models import Registration, SurveyResponse
from meetings.tests.factories import RegistrationFactory
from meetings.tokens import survey_token_make

pytestmark = pytest.mark.django_db


def _url(registration):
    return reverse("meetings:survey", args=[survey_token_make(registration_id=registration.pk)])


def test_an_attendee_answers_the_survey_once_and_can_change_the_answer(client, django_assert_max_num_queries):
    registration = RegistrationFactory(status=Registration.Status.ATTENDED)
    with django_assert_max_num_queries(2):
        response = client.get(_url(registration))
    assert response.status_code == 200 and registration.meeting.title in response.text
    response = client.post(_url(registration), {"rating": "4", "comment": "  Très utile  "})
    assert response.status_code == 200 and "Merci pour votre avis" in response.text
    with django_assert_max_num_queries(2):
        again = client.get(_url(registration))
    assert re.search(r'<input[^>]*value="4"[^>]*checked', again.text)
    assert not re.search(r'<input[^>]*value="5"[^>]*checked', again.text)
    assert "Très utile" in again.text
    client.post(_url(registration), {"rating": "5", "comment": ""})
    answer = SurveyResponse.objects.get()
    assert (answer.meeting, answer.registration, answer.rating, answer.comment) == (
        registration.meeting,
        registration,
        5,
        "",
    )


@pytest.mark.parametrize("rating", ["0", "6", "abc", ""])
def test_a_bad_rating_is_refused_with_a_message(client, rating):
    registration = RegistrationFactory(status=Registration.Status.ATTENDED)
    response = client.post(_url(registration), {"rating": rating})
    assert response.status_code == 400 and 'class="errorlist' in response.text
    assert not SurveyResponse.objects.exists()


def test_a_forged_or_foreign_link_is_a_404(client):
    cancelled = RegistrationFactory(status=Registration.Status.CANCELLED)
    assert client.get(reverse("meetings:survey", args=["forged"])).status_code == 404
    assert client.get(_url(cancelled)).status_code == 404
    assert client.post(reverse("meetings:survey", args=["forged"]), {"rating": "5"}).status_code == 404
    assert not SurveyResponse.objects.exists()


def test_an_expired_link_is_a_404(client, settings):
    settings.MESSAGING_SURVEY_MAX_AGE = -1
    registration = RegistrationFactory(status=Registration.Status.ATTENDED)
    assert client.get(_url(registration)).status_code == 404
