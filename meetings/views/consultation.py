"""The consultation before a meeting: the person's page reached from their personal link (answer, change, erase)
and the staff's pages (answers per meeting and per region, counts and charts, exports)."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.access import staff_only
from meetings.consultation_charts import consultation_charts
from meetings.exports import consultation_csv, consultation_xlsx
from meetings.forms import ConsultationForm
from meetings.models import ConsultationAnswer, Meeting
from meetings.selectors import consultation as selectors
from meetings.services import consultation as services
from regions.models import ExportLog, Region
from regions.services import export_log_record


def _answer_from_link(public_id, secret) -> ConsultationAnswer:
    answer = selectors.consultation_answer_for_link(public_id=public_id, secret=secret)
    if answer is None:
        raise Http404
    return answer


def _initial(answer: ConsultationAnswer) -> dict:
    return {
        "markets": list(answer.markets.all()),
        "product_lines": answer.product_lines,
        "obstacles": answer.obstacles,
        "obstacle_other": answer.obstacle_other,
        "proposal": answer.proposal,
        "consent": answer.consent_at is not None,
        "version": answer.version,
    }


# Pages of a personal link carry personal data: never stored by a browser or a proxy.
@never_cache
@require_http_methods(["GET", "POST"])
def consultation(request, public_id, secret):
    """The person's consultation: answered, and changed, until the meeting starts; then read only."""
    answer = _answer_from_link(public_id, secret)
    meeting = answer.meeting
    is_open = meeting.starts_at > timezone.now() and meeting.status in services.UPCOMING
    form = ConsultationForm(request.POST if request.method == "POST" else None, initial=_initial(answer))
    status = 200
    if request.method == "POST":
        if not form.is_valid():
            status = 400
        else:
            try:
                services.consultation_answer_save(answer_id=answer.pk, **_service_arguments(form.cleaned_data))
            except services.ConsultationRefused as refusal:
                form.add_error(None, refusal.message)
                status = 409
            else:
                messages.success(
                    request,
                    _("Merci, votre réponse est enregistrée. Vous pouvez la modifier jusqu'au début de la rencontre."),
                )
                return redirect(request.path)
    context = {
        "answer": answer,
        "meeting": meeting,
        "form": form,
        "is_open": is_open,
        "outcomes": selectors.consultation_proposal_outcomes(answers=[answer]).get(answer.pk, []),
    }
    return render(request, "meetings/consultation_form.html", context, status=status)


def _service_arguments(data: dict) -> dict:
    return {
        "version": data["version"],
        "markets": data["markets"],
        "product_lines": data["product_lines"],
        "obstacles": data["obstacles"],
        "obstacle_other": data["obstacle_other"],
        "proposal": data["proposal"],
    }


@never_cache
@require_POST
def consultation_erase(request, public_id, secret):
    """The person erases their answer: their words and identity go, their choices stay in the counts."""
    answer = _answer_from_link(public_id, secret)
    services.consultation_answer_erase(answer_id=answer.pk)
    return render(request, "meetings/consultation_erased.html", {"meeting": answer.meeting})


def _staff_context(answers, *, chart_prefix: str) -> dict:
    aggregate = selectors.consultation_aggregate(answers=answers)
    return {
        "aggregate": aggregate,
        "charts": consultation_charts(aggregate=aggregate, chart_prefix=chart_prefix),
        "sent": selectors.consultation_sent_count(answers=answers),
    }


@staff_only
@require_safe
def consultation_results(request, slug):
    """Staff: the answers of one meeting, in figures and charts, then one by one with their free text."""
    meeting = get_object_or_404(Meeting.objects.select_related("region"), slug=slug)
    answers = ConsultationAnswer.objects.filter(meeting=meeting)
    context = {
        "meeting": meeting,
        "region": meeting.region,
        "answers": selectors.consultation_answers_for_staff(answers=answers),
        **_staff_context(answers, chart_prefix=f"consultation-{meeting.pk}"),
    }
    return render(request, "meetings/consultation_results.html", context)


@staff_only
@require_safe
def consultation_region(request, slug):
    """Staff: the answers of every meeting of a region, in figures and charts, then one by one."""
    region = get_object_or_404(Region, slug=slug)
    answers = ConsultationAnswer.objects.filter(meeting__region=region)
    context = {
        "region": region,
        "answers": selectors.consultation_answers_for_staff(answers=answers),
        **_staff_context(answers, chart_prefix=f"consultation-region-{region.pk}"),
    }
    return render(request, "meetings/consultation_results.html", context)


_FORMATS = {
    "csv": (ExportLog.Kind.CONSULTATION_CSV, consultation_csv, "text/csv; charset=utf-8"),
    "xlsx": (
        ExportLog.Kind.CONSULTATION_XLSX,
        consultation_xlsx,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
}


@staff_only
@require_safe
def consultation_export(request, slug, extension):
    """Staff: a meeting's answers as CSV or Excel, recorded in the export log (personal data)."""
    if extension not in _FORMATS:
        raise Http404
    meeting = get_object_or_404(Meeting.objects.select_related("region"), slug=slug)
    kind, render_file, content_type = _FORMATS[extension]
    answers = selectors.consultation_answers_for_staff(answers=ConsultationAnswer.objects.filter(meeting=meeting))
    export_log_record(user=request.user, kind=kind, row_count=len(answers), region=meeting.region)
    response = HttpResponse(render_file(answers), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="consultation-{meeting.slug}.{extension}"'
    return response
