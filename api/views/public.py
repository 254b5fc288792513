"""The public API: what the public pages show, as JSON, to anybody, cached with the pages. A token, if sent,
is not looked at: every client gets the same answer, which is what lets it be cached."""

from django.db.models import Q
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.permissions import AllowAny

from api.caching import public_answer
from api.filters import MeetingFilters, TourFilters, checked
from api.serializers import (
    MeetingSerializer,
    RegionSerializer,
    RoadmapSummarySerializer,
    TourSerializer,
    roadmap_summary_data,
)
from core.page_cache import ROADMAP_SCOPE
from meetings.page_scopes import meeting_page_scopes
from meetings.selectors.meeting import meeting_public_get, meetings_public, tour_public_get, tours_public
from regions.selectors import regions_list
from roadmap.selectors import roadmap_public_summary

PUBLIC_TAG = "public"


class PublicView(generics.GenericAPIView):
    authentication_classes = []
    permission_classes = [AllowAny]


class PublicListView(PublicView, generics.ListAPIView):
    filters_class = None

    def filtered(self, queryset, filters: dict):
        return queryset

    def list(self, request, *args, **kwargs):
        def data():
            filters = checked(self.filters_class, request) if self.filters_class else {}
            page = self.paginate_queryset(self.filtered(self.get_queryset(), filters))
            return self.get_paginated_response(self.get_serializer(page, many=True).data).data

        return public_answer(request, data=data)


@extend_schema(tags=[PUBLIC_TAG], parameters=[TourFilters])
class TourList(PublicListView):
    """Published tours, the latest first."""

    serializer_class = TourSerializer
    filters_class = TourFilters

    def get_queryset(self):
        return tours_public().order_by("-starts_on", "pk")

    def filtered(self, queryset, filters):
        if "from_date" in filters:
            queryset = queryset.filter(ends_on__gte=filters["from_date"])
        if "to_date" in filters:
            queryset = queryset.filter(starts_on__lte=filters["to_date"])
        return queryset


@extend_schema(tags=[PUBLIC_TAG])
class TourDetail(PublicView):
    """A published tour."""

    serializer_class = TourSerializer

    def get(self, request, slug):
        return public_answer(request, data=lambda: TourSerializer(tour_public_get(slug=slug)).data, exact=True)


@extend_schema(tags=[PUBLIC_TAG], parameters=[MeetingFilters])
class MeetingList(PublicListView):
    """Public meetings (published, postponed, cancelled, held) of published tours, by date, with the seats left
    and links to add each to a calendar."""

    serializer_class = MeetingSerializer
    filters_class = MeetingFilters

    def get_queryset(self):
        return meetings_public()

    def filtered(self, queryset, filters):
        conditions = Q()
        for name, lookup in (
            ("region", "region__slug"),
            ("tour", "tour__slug"),
            ("status", "status"),
            ("kind", "kind"),
        ):
            if name in filters:
                conditions &= Q(**{lookup: filters[name]})
        if "from_date" in filters:
            conditions &= Q(starts_at__date__gte=filters["from_date"])
        if "to_date" in filters:
            conditions &= Q(starts_at__date__lte=filters["to_date"])
        return queryset.filter(conditions)


@extend_schema(tags=[PUBLIC_TAG])
class MeetingDetail(PublicView):
    """A public meeting, its seats left exact."""

    serializer_class = MeetingSerializer

    def get(self, request, slug):
        return public_answer(
            request,
            data=lambda: MeetingSerializer(meeting_public_get(slug=slug)).data,
            scopes=meeting_page_scopes(slug=slug),
            exact=True,
        )


@extend_schema(tags=[PUBLIC_TAG])
class RegionList(PublicListView):
    """The 12 regions, in their official order."""

    serializer_class = RegionSerializer

    def get_queryset(self):
        return regions_list().order_by("number")


@extend_schema(tags=[PUBLIC_TAG])
class RegionDetail(PublicView):
    """A region."""

    serializer_class = RegionSerializer

    def get(self, request, slug):
        return public_answer(
            request, data=lambda: RegionSerializer(get_object_or_404(regions_list(), slug=slug)).data, exact=True
        )


@extend_schema(tags=[PUBLIC_TAG])
class RegionRoadmapSummary(PublicView):
    """A region's roadmap as anybody may know it: its actions counted by axis and status, never their text."""

    serializer_class = RoadmapSummarySerializer

    def get(self, request, slug):
        def data():
            region = get_object_or_404(regions_list(), slug=slug)
            return RoadmapSummarySerializer(roadmap_summary_data(roadmap_public_summary(region=region))).data

        return public_answer(request, data=data, scopes=[ROADMAP_SCOPE], exact=True)
