"""What the API shows of each record, and the shape of what it accepts. No rule here: the views hand what
is accepted to the services, which decide."""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.versioning import version_token
from meetings.calendar import web_calendar_links
from meetings.models import Decision, Meeting, Registration, Tour
from regions.models import Region
from roadmap.models import Indicator, Reading, RoadmapItem


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


# ------------------------------------------------------------------ public


class RegionSerializer(serializers.ModelSerializer):
    page = serializers.SerializerMethodField()
    roadmap_summary = serializers.SerializerMethodField()
    calendar = serializers.SerializerMethodField()

    class Meta:
        model = Region
        fields = ["slug", "number", "name", "seat_city", "tourism_profile", "page", "roadmap_summary", "calendar"]

    def get_page(self, region) -> str:
        return _absolute(reverse("regions:detail", args=[region.slug]))

    def get_roadmap_summary(self, region) -> str:
        return _absolute(reverse("api:region_roadmap_summary", args=[region.slug]))

    def get_calendar(self, region) -> str:
        return _absolute(reverse("meetings:region_feed", args=[region.slug]))


class TourSerializer(serializers.ModelSerializer):
    page = serializers.SerializerMethodField()
    calendar = serializers.SerializerMethodField()

    class Meta:
        model = Tour
        fields = ["slug", "name", "description", "starts_on", "ends_on", "updated_at", "page", "calendar"]

    def get_page(self, tour) -> str:
        return _absolute(tour.get_absolute_url())

    def get_calendar(self, tour) -> str:
        return _absolute(reverse("meetings:tour_feed", args=[tour.slug]))


class CalendarLinksSerializer(serializers.Serializer):
    ics = serializers.URLField()
    google = serializers.URLField()
    outlook = serializers.URLField()


class MeetingSerializer(serializers.ModelSerializer):
    tour = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    region = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    seats_left = serializers.IntegerField(read_only=True)
    page = serializers.SerializerMethodField()
    calendar = serializers.SerializerMethodField()

    class Meta:
        model = Meeting
        fields = [
            "slug",
            "title",
            "kind",
            "status",
            "tour",
            "region",
            "starts_at",
            "ends_at",
            "venue_name",
            "address",
            "city",
            "latitude",
            "longitude",
            "capacity",
            "seats_left",
            "registration_opens_at",
            "registration_closes_at",
            "description",
            "updated_at",
            "page",
            "calendar",
        ]

    def get_page(self, meeting) -> str:
        return _absolute(meeting.get_absolute_url())

    @extend_schema_field(CalendarLinksSerializer)
    def get_calendar(self, meeting) -> dict:
        links = web_calendar_links(meeting)
        ics = _absolute(reverse("meetings:ics", args=[meeting.slug]))
        return {"ics": ics, "google": links.google, "outlook": links.outlook}


class StatusCountsField(serializers.DictField):
    child = serializers.IntegerField()


class AxisSummarySerializer(serializers.Serializer):
    axis = serializers.CharField()
    label = serializers.CharField()
    total = serializers.IntegerField()
    statuses = StatusCountsField(help_text=_("Nombre d'actions par statut."))


class RoadmapSummarySerializer(serializers.Serializer):
    region = serializers.CharField()
    total = serializers.IntegerField()
    done_share = serializers.IntegerField(allow_null=True, help_text=_("Part des actions réalisées, de 0 à 100."))
    statuses = StatusCountsField()
    axes = AxisSummarySerializer(many=True)
    last_updated_at = serializers.DateTimeField(allow_null=True)


def roadmap_summary_data(summary) -> dict:
    """The public summary (roadmap.selectors.roadmap_public_summary) as the API shows it: counts only."""

    def counts(tally) -> dict:
        return {count.status: count.count for count in tally.counts}

    return {
        "region": summary.region.slug,
        "total": summary.overall.total,
        "done_share": summary.overall.done_share,
        "statuses": counts(summary.overall),
        "axes": [
            {"axis": axis.axis, "label": str(axis.label), "total": axis.total, "statuses": counts(axis)}
            for axis in summary.axes
        ],
        "last_updated_at": summary.last_updated_at,
    }


# ------------------------------------------------------------------ with a token


class ReadingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Reading
        fields = ["id", "value", "measured_on", "source"]


class IndicatorSerializer(serializers.ModelSerializer):
    readings = ReadingSerializer(many=True, read_only=True)

    class Meta:
        model = Indicator
        fields = ["id", "name", "unit", "baseline", "target", "readings"]


class RoadmapItemSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    meeting = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    markets = serializers.StringRelatedField(many=True)
    indicators = IndicatorSerializer(many=True, read_only=True)
    version = serializers.SerializerMethodField(
        help_text=_("À renvoyer dans l'en-tête If-Match pour modifier l'action (refus si elle a changé entre-temps).")
    )

    class Meta:
        model = RoadmapItem
        fields = [
            "id",
            "region",
            "title",
            "description",
            "axis",
            "product_line",
            "owner",
            "priority",
            "status",
            "progress",
            "starts_on",
            "due_on",
            "meeting",
            "markets",
            "revision",
            "indicators",
            "updated_at",
            "version",
        ]

    def get_version(self, item) -> str:
        return version_token(item)


class RoadmapItemUpdateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=RoadmapItem.Status.choices, required=False)
    progress = serializers.IntegerField(min_value=0, max_value=100, required=False)

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError(_("Indiquez le statut, l'avancement ou les deux."))
        return attrs


class ReadingCreateSerializer(serializers.ModelSerializer):
    indicator = serializers.IntegerField(help_text=_("Identifiant d'un indicateur de cette action."))

    class Meta:
        model = Reading
        fields = ["indicator", "value", "measured_on", "source"]


class CommentCreateSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=2000)


class DecisionSerializer(serializers.ModelSerializer):
    meeting = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    region = serializers.SlugRelatedField(source="meeting.region", slug_field="slug", read_only=True)
    markets = serializers.StringRelatedField(many=True)
    roadmap_item = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = Decision
        fields = [
            "id",
            "meeting",
            "region",
            "title",
            "details",
            "axis",
            "product_line",
            "markets",
            "owner",
            "due_on",
            "scope",
            "is_public",
            "roadmap_item",
            "updated_at",
        ]


class RegistrationSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)

    class Meta:
        model = Registration
        fields = [
            "id",
            "full_name",
            "organisation",
            "job_title",
            "sector",
            "email",
            "phone",
            "city",
            "status",
            "created_at",
        ]


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
    errors = serializers.DictField(required=False)
