from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from meetings.selectors import meetings_public, meetings_upcoming, tour_current
from onmt_portal.page_cache import cache_public_page
from regions.models import Region
from regions.selectors import regions_list
from roadmap.selectors import roadmap_public_summary


@require_safe
@cache_public_page
def home(request):
    """Public home page: the tour at a glance and the 12 regions."""
    tour = tour_current()
    upcoming = meetings_upcoming(tour=tour) if tour is not None else []
    return render(request, "regions/home.html", {"regions": regions_list(), "tour": tour, "upcoming": upcoming})


@require_safe
@cache_public_page
def region_detail(request, slug):
    """Public page of one region: its tourism profile and its meetings."""
    region = get_object_or_404(Region, slug=slug)
    return render(request, "regions/region_detail.html", {"region": region, "meetings": meetings_public(region=region)})


@require_safe
def roadmap_summary(request, slug):
    """Public summary of the region's roadmap for professionals: figures by axis, no item's text.

    Not in the page cache: the figures follow every change of an item at once.
    """
    region = get_object_or_404(Region, slug=slug)
    return render(request, "regions/roadmap_summary.html", {"summary": roadmap_public_summary(region=region)})
