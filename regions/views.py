from django.shortcuts import get_object_or_404, render

from regions.models import Region
from regions.selectors import regions_list


def home(request):
    """Public home page: the tour at a glance and the 12 regions."""
    return render(request, "regions/home.html", {"regions": regions_list()})


def region_detail(request, slug):
    """Public page of one region: its tourism profile."""
    region = get_object_or_404(Region, slug=slug)
    return render(request, "regions/region_detail.html", {"region": region})
