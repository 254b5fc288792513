"""Public pages of the professionals' registration: the form, the confirmation and the personal links."""

import copy
import json

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from core.personal_data import personal_data_export
from core.security import client_ip
from meetings.drafts import join_url
from meetings.forms import (
    ContactDetailsForm,
    ModeSwitchForm,
    RegistrationForm,
    RegistrationModeForm,
    registration_form_for,
    registration_mode_choice,
)
from meetings.models import AttendanceMode, Meeting, Registration
from meetings.selectors.consultation import consultation_answers_of_registration, consultation_proposal_outcomes
from meetings.selectors.meeting import meeting_agenda
from meetings.selectors.registration import (
    invited_contact,
    meeting_for_registration,
    registration_for_join_link,
    registration_for_link,
    registration_seats_taken_by_mode,
    registration_waitlist_position,
)
from meetings.services import registration as services


def client_address(group, request) -> str:
    """The rate limit's key: the client's address as the login throttling sees it too."""
    return client_ip(request)


def registration_rate(group, request) -> str:
    # Read on each request rather than once at import, so the setting (and a test's override) applies.
    return settings.REGISTRATION_RATE_LIMIT


# Every page reached through a personal link carries personal data: never stored by a browser or a proxy
# (never_cache on each view below).
def _registration_from_link(public_id, secret) -> Registration:
    registration = registration_for_link(public_id=public_id, secret=secret)
    if registration is None:
        raise Http404
    return registration


@require_http_methods(["GET", "POST"])
@ratelimit(key=client_address, rate=registration_rate, method="POST", block=False)
def register(request, slug):
    """GET: the form on its own page; POST: register, then the confirmation, or the form with its errors."""

    def meeting_or_404():
        meeting = meeting_for_registration(slug=slug)
        if meeting is None:
            raise Http404
        return meeting

    def page(template: str, status: int = 200, meeting=None, **extra):
        meeting = meeting or meeting_or_404()
        # Seats are counted only for a page shown; a registration that goes through is counted under the lock.
        seats = registration_seats_taken_by_mode(meeting_id=meeting.pk)
        context = {"meeting": meeting, "registration_state": meeting.registration_state(**seats), **seats, **extra}
        return render(request, template, context, status=status)

    def form_page(status: int = 200, *, meeting, form):
        return page(
            "meetings/registration_page.html",
            status,
            meeting,
            form=registration_mode_choice(form, meeting),
            agenda=meeting_agenda(meeting=meeting),
        )

    if request.method == "GET":
        meeting = meeting_or_404()
        form = registration_form_for(meeting, request.GET.get("invitation", ""))
        return form_page(meeting=meeting, form=form)
    if request.limited:
        error = _("Trop de demandes depuis votre connexion. Réessayez plus tard.")
        return page("meetings/registration_refused.html", 429, error=error)
    form, mode_form = RegistrationForm(request.POST), RegistrationModeForm(request.POST)
    if not form.is_valid() or not mode_form.is_valid():
        for error in mode_form.errors.get("mode", []):
            form.add_error(None, error)
        return form_page(400, meeting=meeting_or_404(), form=form)
    data = form.cleaned_data
    contact = invited_contact(token=data["invitation"], meeting=meeting_or_404()) if data["invitation"] else None
    try:
        # The service finds the meeting by its slug with the lock it takes: one look-up for a registration.
        outcome = services.registration_create(
            meeting_slug=slug,
            full_name=data["full_name"],
            organisation=data["organisation"],
            job_title=data["job_title"],
            sector=data["sector"],
            email=data["email"],
            phone=data["phone"],
            city=data["city"],
            message=data["message"],
            language=(get_language() or "fr")[:2],
            mode=mode_form.cleaned_data["mode"] or None,
            invited_contact_id=contact.pk if contact else None,
        )
    except Meeting.DoesNotExist:
        raise Http404 from None
    except services.RegistrationRefused as refusal:
        return page("meetings/registration_refused.html", 409, form=form, error=refusal.message)
    if not outcome.created:
        # The link goes only to the mailbox: whoever typed this address must not see the registration.
        return page("meetings/registration_duplicate.html", form=form)
    registration = outcome.registration
    return redirect("registrations:done", public_id=registration.public_id, secret=registration.manage_secret)


def _registration_context(registration: Registration) -> dict:
    return {
        "registration": registration,
        "meeting": registration.meeting,
        "waitlist_position": registration_waitlist_position(registration=registration),
        "join_url": join_url(registration) if registration.mode == AttendanceMode.ONLINE else "",
        "join_opens_minutes": settings.MEETINGS_JOIN_OPENS_MINUTES,
    }


@never_cache
def done(request, public_id, secret):
    """The confirmation page: status, waiting-list position, QR code for check-in, personal link."""
    registration = _registration_from_link(public_id, secret)
    return render(request, "meetings/registration_done.html", _registration_context(registration))


@never_cache
@require_http_methods(["GET", "POST"])
def manage(request, public_id, secret):
    """The personal page: see the registration, correct contact details, cancel, download or erase the data."""
    registration = _registration_from_link(public_id, secret)
    # A copy: an invalid form must not show its rejected values as the stored registration.
    form = ContactDetailsForm(request.POST or None, instance=copy.copy(registration))
    if request.method == "POST" and registration.status != Registration.Status.CANCELLED:
        if form.is_valid():
            services.registration_update_contact(registration_id=registration.pk, **form.cleaned_data)
            messages.success(request, _("Vos coordonnées ont été mises à jour."))
            return redirect(request.path)
        status = 400
    else:
        status = 200
    context = {**_registration_context(registration), "form": form, **_consultation_context(registration)}
    meeting = registration.meeting
    if registration.status == Registration.Status.CANCELLED:
        # Whether the person can come back: the page offers to register again while it is possible.
        seats = registration_seats_taken_by_mode(meeting_id=registration.meeting_id)
        context["registration_state_now"] = meeting.registration_state(**seats)
    elif registration.status in services.SWITCHABLE_STATUSES and len(meeting.modes) > 1:
        # The other mode, with its seats as of now: the switch itself counts them again under the lock.
        seats = registration_seats_taken_by_mode(meeting_id=registration.meeting_id)
        context["other_mode"] = next(line for line in meeting.seats_by_mode(**seats) if line.mode != registration.mode)
    return render(request, "meetings/registration_manage.html", context, status=status)


def _consultation_context(registration: Registration) -> dict:
    """The person's consultation answers and what became of their proposals, for their personal page."""
    answers = consultation_answers_of_registration(registration=registration)
    outcomes = consultation_proposal_outcomes(answers=answers)
    return {"consultation_entries": [(answer, outcomes.get(answer.pk, [])) for answer in answers]}


def _refused(request, registration, refusal, *, status: int = 409) -> HttpResponse:
    context = {"meeting": registration.meeting, "registration": registration, "error": refusal.message}
    return render(request, "meetings/registration_refused.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def cancel(request, public_id, secret):
    """GET asks to confirm (what happens to the seat, how to come back); only the POST cancels."""
    registration = _registration_from_link(public_id, secret)
    if request.method == "GET":
        return render(request, "meetings/registration_cancel.html", _registration_context(registration))
    try:
        services.registration_cancel(registration_id=registration.pk)
    except services.RegistrationRefused as refusal:
        return _refused(request, registration, refusal)
    messages.success(request, _("Votre inscription est annulée."))
    return redirect("registrations:manage", public_id=public_id, secret=secret)


@never_cache
@require_POST
def switch_mode(request, public_id, secret):
    """Move the registration to the other attendance mode when a seat is free there (the manage page's button)."""
    registration = _registration_from_link(public_id, secret)
    form = ModeSwitchForm(request.POST)
    if not form.is_valid():
        refusal = services.RegistrationRefused(_("Choisissez sur place ou en ligne."))
        return _refused(request, registration, refusal, status=400)
    try:
        registration = services.registration_mode_switch(
            registration_id=registration.pk, mode=form.cleaned_data["mode"]
        )
    except services.RegistrationRefused as refusal:
        return _refused(request, registration, refusal)
    messages.success(
        request, _("Votre participation est maintenant : %(mode)s.") % {"mode": registration.get_mode_display()}
    )
    return redirect("registrations:manage", public_id=public_id, secret=secret)


def _countdown(seconds: int, *, days_label: str) -> str:
    """The time left as static/js/join-countdown.js shows it ticking: days, then hours:minutes:seconds."""
    days, rest = divmod(seconds, 86400)
    clock = f"{rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}"
    return f"{days_label % days} {clock}" if days else clock


@never_cache
def join(request, token):
    """An online registrant's personal join link: a countdown before the opening, then on to the video meeting.

    The address of the video meeting is only ever in this redirect, never in a page (and never cached).
    """
    registration = registration_for_join_link(token=token)
    if registration is None:
        raise Http404
    context = {"meeting": registration.meeting, "registration": registration}
    try:
        address = services.registration_join(registration_id=registration.pk)
    except services.JoinNotOpen as closed:
        if closed.ended:
            return render(request, "meetings/registration_join.html", {**context, "ended": True}, status=410)
        seconds = max(int((closed.opens_at - timezone.now()).total_seconds()), 0)
        # A number of days, shortened ("3 j"): the script writes it the same way as it ticks.
        days_label = _("%d j")
        context.update(
            opens_at=closed.opens_at,
            opens_in_seconds=seconds,
            days_label=days_label,
            countdown=_countdown(seconds, days_label=days_label),
        )
        return render(request, "meetings/registration_join.html", context)
    except services.RegistrationRefused as refusal:
        return render(request, "meetings/registration_join.html", {**context, "error": refusal.message}, status=503)
    return HttpResponseRedirect(address)


@never_cache
@require_POST
def erase(request, public_id, secret):
    registration = _registration_from_link(public_id, secret)
    services.registration_erase(registration_id=registration.pk)
    return render(request, "meetings/registration_erased.html", {"meeting": registration.meeting})


@never_cache
def export_data(request, public_id, secret):
    """The person's data as a JSON download (right of access)."""
    registration = _registration_from_link(public_id, secret)
    body = json.dumps(personal_data_export(registration_ids=[registration.pk]), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="inscription-{registration.public_id}.json"'
    return response


def _offer_view(request, public_id, secret, *, service, template):
    """GET shows the question (mail scanners follow links); only the POST of the button changes anything."""
    registration = _registration_from_link(public_id, secret)
    if request.method == "POST":
        try:
            registration = service(registration_id=registration.pk)
        except services.RegistrationRefused as refusal:
            return _refused(request, registration, refusal)
        if service is services.registration_offer_accept and registration.status == Registration.Status.CANCELLED:
            error = _("Le délai pour accepter cette place est dépassé ; elle a été proposée à la personne suivante.")
            return _refused(request, registration, services.RegistrationRefused(error))
        return redirect("registrations:manage", public_id=public_id, secret=secret)
    return render(request, template, _registration_context(registration))


@never_cache
@require_http_methods(["GET", "POST"])
def accept_offer(request, public_id, secret):
    return _offer_view(
        request,
        public_id,
        secret,
        service=services.registration_offer_accept,
        template="meetings/registration_offer_accept.html",
    )


@never_cache
@require_http_methods(["GET", "POST"])
def decline_offer(request, public_id, secret):
    return _offer_view(
        request,
        public_id,
        secret,
        service=services.registration_offer_decline,
        template="meetings/registration_offer_decline.html",
    )


def privacy(request):
    """The privacy policy of the registration (law 09-08)."""
    context = {
        "CNDP_DECLARATION_NUMBER": settings.CNDP_DECLARATION_NUMBER,
        "PRIVACY_CONTACT_EMAIL": settings.PRIVACY_CONTACT_EMAIL,
    }
    return render(request, "pages/privacy.html", context)
