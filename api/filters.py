"""The query parameters each list accepts, checked before any query (a bad value is a 400 naming it). A period
whose start is after its end is no error: nothing falls in it."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from meetings.models import Meeting
from roadmap.models import RoadmapItem

PUBLIC_MEETING_STATUSES = [choice for choice in Meeting.Status.choices if choice[0] != Meeting.Status.DRAFT]


class TourFilters(serializers.Serializer):
    from_date = serializers.DateField(required=False, help_text=_("Tournées qui finissent ce jour-là ou après."))
    to_date = serializers.DateField(required=False, help_text=_("Tournées qui commencent ce jour-là ou avant."))


class MeetingFilters(serializers.Serializer):
    region = serializers.SlugField(required=False, help_text=_("Identifiant (slug) d'une région."))
    tour = serializers.SlugField(required=False, help_text=_("Identifiant (slug) d'une tournée."))
    status = serializers.ChoiceField(choices=PUBLIC_MEETING_STATUSES, required=False)
    kind = serializers.ChoiceField(choices=Meeting.Kind.choices, required=False)
    from_date = serializers.DateField(required=False, help_text=_("Rencontres de ce jour-là ou après."))
    to_date = serializers.DateField(required=False, help_text=_("Rencontres de ce jour-là ou avant."))


class RoadmapItemFilters(serializers.Serializer):
    region = serializers.SlugField(required=False, help_text=_("Identifiant (slug) d'une région."))
    status = serializers.ChoiceField(choices=RoadmapItem.Status.choices, required=False)
    axis = serializers.ChoiceField(choices=RoadmapItem.Axis.choices, required=False)


class DecisionFilters(serializers.Serializer):
    region = serializers.SlugField(required=False, help_text=_("Identifiant (slug) d'une région."))


def checked(filters_class, request) -> dict:
    filters = filters_class(data=request.query_params)
    filters.is_valid(raise_exception=True)
    return filters.validated_data
