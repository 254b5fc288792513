"""The CRT's co-signature of the minutes: the staff page that sends a version for validation, and the
validator's page, reached by the personal link (no login) or from their account."""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from core.admin import add_errors
from meetings import tokens
from meetings.forms import MinutesAnswerForm, MinutesSendForm
from meetings.models import MinutesValidation, MinutesVersion
from meetings.selectors import validation as selectors
from meetings.services import validation as services

Channel = MinutesValidation.Channel


def _private(view):
    """Logged-in users only (others go to the login page); never cached by browsers or proxies."""
    return login_required(never_cache(view))


def _staff_only(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_staff:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return _private(wrapper)


def _refusal_status(error: ValidationError) -> int:
    # A field left wrong is the person's to fix (400); the minutes' state refusing the act is a conflict (409).
    return 400 if hasattr(error, "error_dict") else 409


@require_http_methods(["GET", "POST"])
@_staff_only
def minutes_validation(request, slug):
    """Staff: the versions sent to the CRT and their answers; send the minutes as they are for validation."""
    meeting, minutes = selectors.minutes_meeting_get(slug=slug)
    validators = selectors.minutes_validator_choices(meeting=meeting)
    default = selectors.minutes_default_validator(minutes=minutes, choices=list(validators))
    form = MinutesSendForm(request.POST or None, validators=validators, initial={"validator": default})
    status = 200
    if request.method == "POST":
        if minutes is None:
            form.add_error(None, _("Le compte rendu de cette rencontre n'est pas encore commencé."))
            status = 409
        elif form.is_valid():
            try:
                version = services.minutes_send_for_validation(
                    minutes=minutes, validator=form.cleaned_data["validator"], actor=request.user
                )
            except ValidationError as error:
                add_errors(form, error)
                status = _refusal_status(error)
            else:
                messages.success(
                    request,
                    _("Version %(number)d envoyée à %(name)s pour validation.")
                    % {"number": version.number, "name": version.validator.full_name},
                )
                return redirect("meetings:minutes_validation", meeting.slug)
        else:
            status = 400
    versions = list(selectors.minutes_versions(minutes=minutes)) if minutes else []
    changed = bool(versions) and selectors.content_hash(selectors.minutes_content(minutes=minutes)) != (
        versions[0].content_hash
    )
    context = {
        "meeting": meeting,
        "minutes": minutes,
        "form": form,
        "versions": versions,
        "changed": changed,
        "link_days": settings.MINUTES_VALIDATION_LINK_DAYS,
    }
    return render(request, "meetings/minutes_validation.html", context, status=status)


def _answer_page(request, *, meeting, minutes, version, contact, channel: str, may_answer: bool, extra: dict):
    """The frozen content of `version`, its state, and for its validator the "validate" and "refuse" buttons."""
    state = selectors.minutes_version_state(
        version=version, minutes=minutes, latest_number=selectors.minutes_latest_number(minutes=minutes)
    )
    form = MinutesAnswerForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not may_answer:
            raise PermissionDenied
        if form.is_valid():
            outcome, comment = form.cleaned_data["outcome"], form.cleaned_data["comment"]
            user = request.user if channel == Channel.ACCOUNT else None
            try:
                if outcome == MinutesValidation.Outcome.VALIDATED:
                    services.minutes_validate(version=version, contact=contact, channel=channel, user=user)
                else:
                    services.minutes_refuse(
                        version=version, contact=contact, channel=channel, comment=comment, user=user
                    )
            except ValidationError as error:
                add_errors(form, error)
                status = _refusal_status(error)
            else:
                if outcome == MinutesValidation.Outcome.VALIDATED:
                    messages.success(request, _("Merci : vous avez validé le compte rendu au nom du CRT."))
                else:
                    messages.success(request, _("Merci : votre refus et votre commentaire ont été transmis à l'ONMT."))
                return redirect(request.get_full_path())
        else:
            status = 400
        # What the refusal says may have changed the state shown (answered meanwhile, a newer version).
        version = MinutesVersion.objects.select_related("validator", "validation").get(pk=version.pk)
        state = selectors.minutes_version_state(
            version=version, minutes=minutes, latest_number=selectors.minutes_latest_number(minutes=minutes)
        )
    context = {
        "meeting": meeting,
        "minutes": minutes,
        "version": version,
        "content": selectors.minutes_content_display(version.content),
        "state": state,
        "form": form,
        "may_answer": may_answer and state.answerable,
        "channel": channel,
        **extra,
    }
    return render(request, "meetings/minutes_sign.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def minutes_sign(request, token: str):
    """The validator's personal link: no login; the link says which version and which validator."""
    link = tokens.minutes_validation_token_read(token=token)
    version = selectors.minutes_link_version(version_id=link.version_id, contact_id=link.contact_id)
    if not link.valid or version is None:
        meeting = version.minutes.meeting if version is not None else None
        review_url = (
            reverse("meetings:minutes_review", args=[meeting.slug]) if version and version.validator.user_id else ""
        )
        context = {
            "expired": link.expired and version is not None,
            "meeting": meeting,
            "review_url": review_url,
            "link_days": settings.MINUTES_VALIDATION_LINK_DAYS,
        }
        return render(request, "meetings/minutes_link_invalid.html", context, status=410 if context["expired"] else 404)
    minutes = version.minutes
    newer = selectors.minutes_versions(minutes=minutes).first()
    newer_url = ""
    if newer is not None and newer.number > version.number and newer.validator_id == version.validator_id:
        newer_url = reverse(
            "meetings:minutes_sign",
            args=[tokens.minutes_validation_token_make(version_id=newer.pk, contact_id=newer.validator_id)],
        )
    return _answer_page(
        request,
        meeting=minutes.meeting,
        minutes=minutes,
        version=version,
        contact=version.validator,
        channel=Channel.LINK,
        may_answer=True,
        extra={"newer_url": newer_url},
    )


@require_http_methods(["GET", "POST"])
@_private
def minutes_review(request, slug):
    """From the account: the region's officials (and staff) read the versions sent for validation and their answers;
    the designated validator answers the latest. `?version=N` shows an earlier one."""
    meeting, minutes = selectors.minutes_review_get(user=request.user, slug=slug)
    number = request.GET.get("version")
    if number is not None and not number.isdigit():
        raise Http404(_("Version introuvable."))
    version = (
        selectors.minutes_version_get(minutes=minutes, number=int(number) if number else None) if minutes else None
    )
    if number is not None and version is None:
        raise Http404(_("Version introuvable."))
    versions = list(selectors.minutes_versions(minutes=minutes)) if minutes else []
    if version is None:
        return render(
            request, "meetings/minutes_sign.html", {"meeting": meeting, "version": None, "versions": versions}
        )
    contact = getattr(request.user, "crt_contact", None)
    newer_url = ""
    if versions and versions[0].number > version.number:
        newer_url = reverse("meetings:minutes_review", args=[meeting.slug])
    return _answer_page(
        request,
        meeting=meeting,
        minutes=minutes,
        version=version,
        contact=contact,
        channel=Channel.ACCOUNT,
        may_answer=contact is not None and contact.pk == version.validator_id,
        extra={"versions": versions, "newer_url": newer_url},
    )
