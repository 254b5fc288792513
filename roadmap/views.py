import io
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST, require_safe

from core.page_cache import ROADMAP_SCOPE, cached_page
from regions.models import ExportLog, Region
from regions.selectors import region_for_official
from regions.services import export_log_record
from roadmap.exports import roadmap_csv_write
from roadmap.forms import CommentForm, RoadmapFilterForm
from roadmap.selectors import (
    roadmap_item_get,
    roadmap_items_by_axis,
    roadmap_items_for_region,
    roadmap_overview,
    roadmap_public_summary,
    roadmap_region_get,
)
from roadmap.services import roadmap_comment_add, roadmap_item_acknowledge


def private(view):
    """Logged-in users only (others go to the login page); never cached by browsers or proxies."""
    return login_required(never_cache(view))


def staff_only(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_staff:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return private(wrapper)


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
                "filter_form": filter_form,
                "query_string": request.GET.urlencode(),
            },
        )

    # Everyone allowed here sees the same page but for the staff's breadcrumb: shared once access is checked.
    variant = "staff" if request.user.is_staff else "official"
    return cached_page(
        request, scopes=[ROADMAP_SCOPE], variant=variant, render=render_page, max_age=settings.PAGE_CACHE_SECONDS
    )


def _item_page(request, item, comment_form, status=200):
    return render(
        request,
        "roadmap/item_detail.html",
        {
            "item": item,
            "region": item.region,
            "comment_form": comment_form,
            "can_acknowledge": _is_official_of(request.user, item.region),
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
    return render(request, "roadmap/overview.html", {"summaries": roadmap_overview(user=request.user)})


@require_safe
def roadmap_summary(request, slug):
    """Public summary of the region's roadmap for professionals: figures by axis, no item's text.

    Not in the page cache: the figures follow every change of an item at once.
    """
    region = get_object_or_404(Region, slug=slug)
    return render(request, "regions/roadmap_summary.html", {"summary": roadmap_public_summary(region=region)})
