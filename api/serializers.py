"""What the API shows of each record, and the shape of what it accepts. No rule here: the views hand what
is accepted to the services, which decide."""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.models import Webhook, WebhookDelivery
from api.webhooks import EDITABLE_FIELDS
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


# Documented narrower than the addresses accepted (any URL whose host resolves to a public address): what a
# partner's endpoint looks like, and what a client generated from the schema sends.
@extend_schema_field(
    {
        "type": "string",
        "maxLength": 500,
        "pattern": r"^https?://([a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?\.){1,4}[a-z]{2,12}(:[1-9][0-9]{1,3})?(/[a-zA-Z0-9._~-]{1,40}){0,5}/?$",
    }
)
class WebhookUrlField(serializers.URLField):
    pass


def _events_field(**kwargs) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.ChoiceField(choices=Webhook.Event.choices),
        min_length=1,
        help_text=_("Les événements d'inscription (registration.*) sont réservés aux jetons de l'ONMT."),
        **kwargs,
    )


class WebhookSerializer(serializers.ModelSerializer):
    events = _events_field(read_only=True)
    version = serializers.SerializerMethodField(
        help_text=_("À renvoyer dans l'en-tête If-Match pour modifier le webhook (refus s'il a changé entre-temps).")
    )

    class Meta:
        model = Webhook
        fields = [
            "id",
            "name",
            "url",
            "events",
            "is_active",
            "consecutive_failures",
            "disabled_at",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = fields

    def get_version(self, hook) -> str:
        return version_token(hook, fields=EDITABLE_FIELDS)


class WebhookWithSecretSerializer(WebhookSerializer):
    secret = serializers.CharField(
        read_only=True,
        help_text=_(
            "Clé de la signature des envois (HMAC-SHA256) : montrée cette fois seulement, gardez-la maintenant."
        ),
    )

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class WebhookCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    url = WebhookUrlField(max_length=500)
    events = _events_field()


class WebhookUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False)
    url = WebhookUrlField(max_length=500, required=False)
    events = _events_field(required=False)
    is_active = serializers.BooleanField(
        required=False,
        help_text=_("true rallume un webhook éteint (après des échecs répétés) et remet ses échecs à zéro."),
    )

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError(_("Indiquez au moins un champ à modifier."))
        return attrs


class WebhookDeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "idempotency_key",
            "event",
            "status",
            "attempts",
            "response_status",
            "last_error",
            "created_at",
            "delivered_at",
        ]
        read_only_fields = fields


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
    errors = serializers.DictField(required=False)
