from datetime import timedelta

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_safe

from core.page_cache import cache_public_page
from meetings.calendar import calendar_bytes, meeting_ics
from meetings.consultation_charts import consultation_charts
from meetings.page_scopes import meeting_page_scopes
from meetings.selectors import meeting as selectors
from meetings.selectors.consultation import consultation_public_aggregate
from regions.models import Region

# Subscribed calendars reload the feed this often, so postponements and cancellations reach them.
FEED_REFRESH = timedelta(hours=6)


def _calendar_response(content: bytes, *, filename: str, attachment: bool) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    disposition = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


@require_safe
def tour_list(request):
    """Redirect to the tour under way (or the next, or the latest); a notice while none is published."""
    tour = selectors.tour_current()
    if tour is not None:
        return redirect(tour)
    return render(request, "meetings/tour_list.html")


@require_safe
@cache_public_page()
def tour_detail(request, slug):
    """Public page of a tour: its stops in order, past and upcoming, with seats left."""
    tour = selectors.tour_public_get(slug=slug)
    stops = selectors.tour_stops(meetings=selectors.meetings_public(tour=tour))
    return render(
        request,
        "meetings/tour_detail.html",
        {"tour": tour, "tour_map": selectors.tour_map(stops=stops, regions=list(Region.objects.all()))},
    )


@require_safe
# Exact: the seats left, and "complet" as soon as it is, show at once (README, "Page cache").
@cache_public_page(scopes=meeting_page_scopes, exact=True)
def meeting_detail(request, slug):
    """Public page of a meeting: practical details, agenda, registration state and, once held, its commitments."""
    meeting = selectors.meeting_public_get(slug=slug)
    return render(
        request,
        "meetings/meeting_detail.html",
        {
            "meeting": meeting,
            "seats_taken": meeting.seats_taken,
            "online_seats_taken": meeting.online_seats_taken,
            "seats_left": meeting.seats_left,
            "registration_state": meeting.registration_state(
                seats_taken=meeting.seats_taken, online_seats_taken=meeting.online_seats_taken
            ),
            "commitments": selectors.meeting_public_commitments(meeting=meeting),
            # Anonymous counts once the meeting is held; the answers no longer change then, and every answer saved
            # or erased renews the page's scope (meetings.services.consultation).
            "consultation_charts": consultation_charts(
                aggregate=consultation_public_aggregate(meeting=meeting), chart_prefix=f"consultation-{meeting.pk}"
            ),
        },
    )


@require_safe
def meeting_calendar(request, slug):
    meeting = selectors.meeting_public_get(slug=slug)
    return _calendar_response(meeting_ics(meeting), filename=f"{meeting.slug}.ics", attachment=True)


@require_safe
def tour_feed(request, slug):
    """Subscribable feed of a tour; cancelled meetings stay in it so calendars cancel them."""
    tour = selectors.tour_public_get(slug=slug)
    content = calendar_bytes(selectors.meetings_public(tour=tour), name=f"ONMT — {tour.name}", refresh=FEED_REFRESH)
    return _calendar_response(content, filename=f"{tour.slug}.ics", attachment=False)


@require_safe
def region_feed(request, slug):
    region = get_object_or_404(Region, slug=slug)
    content = calendar_bytes(
        selectors.meetings_public(region=region), name=f"ONMT — {region.name}", refresh=FEED_REFRESH
    )
    return _calendar_response(content, filename=f"{region.slug}.ics", attachment=False)


@require_safe
@cache_public_page()
def region_detail(request, slug):
    """Public page of one region: its tourism profile and its meetings."""
    region = get_object_or_404(Region, slug=slug)
    return render(
        request, "regions/region_detail.html", {"region": region, "meetings": selectors.meetings_public(region=region)}
    )
