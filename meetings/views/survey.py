from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from meetings import tokens
from meetings.forms import SurveyForm
from meetings.selectors import messages as selectors
from meetings.services import survey as services


@never_cache
@require_http_methods(["GET", "POST"])
def survey(request, token: str):
    """The satisfaction survey reached from the follow-up e-mail's signed link."""
    registration_id = tokens.survey_token_read(token=token)
    registration = selectors.survey_registration_get(registration_id=registration_id) if registration_id else None
    if registration is None:
        raise Http404(_("Ce lien d'enquête n'est pas valide ou a expiré."))
    previous = getattr(registration, "survey_response", None)
    initial = {"rating": previous.rating, "comment": previous.comment} if previous else None
    form = SurveyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.survey_response_save(registration=registration, **form.cleaned_data)
        return render(request, "messaging/survey_thanks.html", {"meeting": registration.meeting})
    status = 400 if request.method == "POST" else 200
    return render(request, "messaging/survey_form.html", {"form": form, "meeting": registration.meeting}, status=status)
