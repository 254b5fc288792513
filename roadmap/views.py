import io
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST, require_safe

from core.access import private, staff_only
from core.page_cache import ROADMAP_SCOPE, cached_page
from core.redirects import safe_next_url
from core.uploads import FileRow, UploadForm, private_file_response, removable_by
from regions.models import ExportLog, Region
from regions.selectors import region_for_official
from regions.services import export_log_record
from roadmap.charts import budget_chart
from roadmap.exports import roadmap_csv_write
from roadmap.forms import CommentForm, NotificationPreferenceForm, RoadmapFilterForm
from roadmap.notifications import notices_unsubscribe, notification_choices_get, notification_preference_update
from roadmap.selectors import (
    budget_of,
    decision_get,
    decisions_national,
    item_evidence_get,
    region_commitments,
    roadmap_budget_overview,
    roadmap_item_get,
    roadmap_items_by_axis,
    roadmap_items_for_region,
    roadmap_overview,
    roadmap_public_summary,
    roadmap_region_get,
    unsubscribing_user_get,
)
from roadmap.services import (
    item_evidence_add,
    item_evidence_remove,
    roadmap_comment_add,
    roadmap_item_acknowledge,
    roadmap_item_from_decision,
)
from roadmap.tokens import CHANGES


def _is_official_of(user, region) -> bool:
    official_region = region_for_official(user=user)
    return official_region is not None and official_region.pk == region.pk


def _filtered_items(request, region):
    filter_form = RoadmapFilterForm(request.GET)
    items = roadmap_items_for_region(user=request.user, region=region, **filter_form.selector_filters())
    return filter_form, items


@require_GET
@private
def home(request):
    """Where login lands: staff on the national overview, an official on their region's roadmap."""
    if request.user.is_staff:
        return redirect("roadmap:overview")
    region = region_for_official(user=request.user)
    if region is None:
        return render(request, "roadmap/no_region.html", status=403)
    return redirect("roadmap:region", region.slug)


@require_GET
@private
def region_roadmap(request, region_slug):
    region = roadmap_region_get(user=request.user, slug=region_slug)

    def render_page():
        filter_form, items = _filtered_items(request, region)
        groups = roadmap_items_by_axis(items=items)
        return render(
            request,
            "roadmap/region_roadmap.html",
            {
                "region": region,
                "groups": groups,
                "item_count": sum(len(members) for _axis, members in groups),
                "budget": budget_of(items=items),
                "with_indicators": sum(1 for item in items if item.indicators.all()),
                "filter_form": filter_form,
                "query_string": request.GET.urlencode(),
            },
        )

    # Everyone allowed here sees the same page but for the staff's breadcrumb: shared once access is checked.
    variant = "staff" if request.user.is_staff else "official"
    return cached_page(
        request, scopes=[ROADMAP_SCOPE], variant=variant, render=render_page, max_age=settings.PAGE_CACHE_SECONDS
    )


def _evidence_rows(user, item) -> list[FileRow]:
    """The item's files (prefetched), each with its download and, for who may remove it, its removal."""
    rows = []
    for evidence in item.evidence.all():
        args = [item.region.slug, item.pk, evidence.pk]
        removable = removable_by(user=user, uploaded_by_id=evidence.uploaded_by_id)
        rows.append(
            FileRow(
                file=evidence,
                download_url=reverse("roadmap:evidence", args=args),
                remove_url=reverse("roadmap:evidence_remove", args=args) if removable else None,
            )
        )
    return rows


def _meeting_evidence_rows(item) -> list[FileRow]:
    """The files of the meeting the item was decided at (prefetched), to download."""
    if item.meeting is None:
        return []
    meeting = item.meeting
    return [
        FileRow(file=evidence, download_url=reverse("meetings:evidence", args=[meeting.slug, evidence.pk]))
        for evidence in meeting.evidence.all()
    ]


def _item_page(request, item, comment_form, status=200, upload_form=None):
    return render(
        request,
        "roadmap/item_detail.html",
        {
            "item": item,
            "region": item.region,
            "comment_form": comment_form,
            "budget": budget_of(items=[item]),
            "can_acknowledge": _is_official_of(request.user, item.region),
            "evidence_rows": _evidence_rows(request.user, item),
            "meeting_evidence_rows": _meeting_evidence_rows(item),
            "upload_form": upload_form or UploadForm(),
        },
        status=status,
    )


@require_GET
@private
def item_detail(request, region_slug, pk):
    item = roadmap_item_get(user=request.user, region_slug=region_slug, pk=pk)
    return _item_page(request, item, CommentForm())


@require_POST
@private
def item_comment(request, region_slug, pk):
    item = roadmap_item_get(user=request.user, region_slug=region_slug, pk=pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _item_page(request, item, form, status=400)
    roadmap_comment_add(actor=request.user, item=item, body=form.cleaned_data["body"])
    messages.success(request, _("Votre commentaire a été publié."))
    return redirect(f"{item.get_absolute_url()}#commentaires")


@require_POST
@private
def item_acknowledge(request, region_slug, pk):
    item = roadmap_item_get(user=request.user, region_slug=region_slug, pk=pk)
    try:
        revision = int(request.POST.get("revision", ""))
    except ValueError as error:
        raise BadRequest("revision must be an integer") from error
    try:
        roadmap_item_acknowledge(actor=request.user, item=item, revision=revision)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Accusé de réception enregistré."))
    return redirect(item.get_absolute_url())


def _item_files_anchor(item) -> str:
    return f"{item.get_absolute_url()}#pieces-jointes"


@require_POST
@private
def evidence_add(request, region_slug, pk):
    """A file attached to the item by staff or one of its region's officials; a refused one is said on the page,
    above its form (400)."""
    item = roadmap_item_get(user=request.user, region_slug=region_slug, pk=pk)
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            evidence = item_evidence_add(actor=request.user, item=item, upload=form.cleaned_data["file"])
        except ValidationError as refusal:
            form.add_error("file", refusal)
        else:
            messages.success(request, _("« %(name)s » est joint à l'action.") % {"name": evidence.name})
            return redirect(_item_files_anchor(item))
    return _item_page(request, item, CommentForm(), status=400, upload_form=form)


@require_POST
@private
def evidence_remove(request, region_slug, pk, file_pk):
    """Staff remove any file of the item, an official what they uploaded (another's: 403)."""
    evidence = item_evidence_get(user=request.user, region_slug=region_slug, item_id=pk, pk=file_pk)
    if item_evidence_remove(actor=request.user, evidence=evidence):
        messages.success(request, _("« %(name)s » a été retiré.") % {"name": evidence.name})
    return redirect(_item_files_anchor(evidence.item))


@require_safe
@private
def evidence_download(request, region_slug, pk, file_pk):
    """A file of the item, as a download, for whoever may open the item's page (404 for anybody else)."""
    evidence = item_evidence_get(user=request.user, region_slug=region_slug, item_id=pk, pk=file_pk)
    return private_file_response(stored=evidence)


@require_POST
@staff_only
def decision_to_item(request, pk):
    """Turn the decision into a roadmap item of its meeting's region (or find the one it has), then go back.

    Where the region already has an item of the same title, staff are taken to the page that links the
    decision to it.
    """
    if not request.user.has_perm("roadmap.add_roadmapitem"):
        raise PermissionDenied
    decision = decision_get(user=request.user, pk=pk)
    had_item = hasattr(decision, "roadmap_item")
    try:
        item = roadmap_item_from_decision(actor=request.user, decision=decision)
    except ValidationError as refusal:
        messages.error(request, " ".join(refusal.messages))
        back = safe_next_url(request, reverse("admin:meetings_decision_changelist"))
        if refusal.code == "duplicate_title":
            return redirect(
                f"{reverse('admin:meetings_decision_link', args=[decision.pk])}?{urlencode({'next': back})}"
            )
        return redirect(back)
    if had_item:
        messages.info(request, _("La décision a déjà son action : « %(title)s ».") % {"title": item.title})
    else:
        messages.success(
            request,
            _("Action « %(title)s » ajoutée à la feuille de route de la région %(region)s.")
            % {"title": item.title, "region": item.region.name},
        )
    return redirect(safe_next_url(request, item.get_absolute_url()))


@require_GET
@private
def export_csv(request, region_slug):
    region = roadmap_region_get(user=request.user, slug=region_slug)
    _form, items = _filtered_items(request, region)
    stream = io.StringIO()
    roadmap_csv_write(items=items, stream=stream)
    export_log_record(
        user=request.user, kind=ExportLog.Kind.ROADMAP_CSV, row_count=len(items), filters=request.GET, region=region
    )
    response = HttpResponse(stream.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
    filename = f"feuille-de-route-{region.slug}-{timezone.localdate().isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
@private
def print_roadmap(request, region_slug):
    region = roadmap_region_get(user=request.user, slug=region_slug)
    _form, items = _filtered_items(request, region)
    return render(
        request,
        "roadmap/region_print.html",
        {"region": region, "groups": roadmap_items_by_axis(items=items), "printed_at": timezone.localtime()},
    )


@require_GET
@staff_only
def overview(request):
    budget = roadmap_budget_overview(user=request.user)
    return render(
        request,
        "roadmap/overview.html",
        {
            "summaries": roadmap_overview(user=request.user),
            "national_decisions": decisions_national(user=request.user),
            "budget": budget,
            "budget_chart": budget_chart(
                budget.funders, chart_id="budget-by-funder", title=_("Budget par financeur, en dirhams (MAD)")
            ),
        },
    )


@require_safe
# Computed on every visit (a few aggregate queries): it must show a change made in bulk, which no signal
# announces to the page cache.
def roadmap_summary(request, slug):
    """Public summary of the region's roadmap for professionals: figures by axis, no item's text, and what
    each meeting held committed to (counts and the titles of public decisions)."""
    region = get_object_or_404(Region, slug=slug)
    return render(
        request,
        "regions/roadmap_summary.html",
        {"summary": roadmap_public_summary(region=region), "held_meetings": region_commitments(region=region)},
    )


@require_http_methods(["GET", "POST"])
@private
def notification_profile(request):
    """The person's choices of roadmap e-mails: how often (officials), reminders (staff), language."""
    official_region = region_for_official(user=request.user)
    if official_region is None and not request.user.is_staff:
        return render(request, "roadmap/no_region.html", status=403)
    form = NotificationPreferenceForm(
        request.POST or None,
        initial=notification_choices_get(user=request.user),
        official=official_region is not None,
        staff=request.user.is_staff,
    )
    if request.method == "POST":
        if form.is_valid():
            notification_preference_update(user=request.user, **form.cleaned_data)
            messages.success(request, _("Vos préférences de notification sont enregistrées."))
            return redirect("roadmap:profile")
        status = 400
    else:
        status = 200
    return render(
        request, "roadmap/notification_profile.html", {"form": form, "region": official_region}, status=status
    )


# RFC 8058: the mailbox provider POSTs "List-Unsubscribe=One-Click" with no session and no CSRF token.
# The signed user and list in the URL are the only authority; unsubscribing twice changes nothing.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    """GET asks (mail scanners follow links); POST, from the button or the mail client, unsubscribes."""
    user, topic = unsubscribing_user_get(token=token)
    done = request.method == "POST"
    if done:
        notices_unsubscribe(user=user, topic=topic)
    return render(request, "roadmap/unsubscribe.html", {"topic": topic, "changes": CHANGES, "done": done})
