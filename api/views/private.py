"""The API with a token: what the token's account reaches on the pages, through the same selectors (region
scoping) and services (rules, locks, history). A CRT official's token sees its region alone; anything else is
404, as the official's pages answer."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.cache import quote_etag
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response

from api.exceptions import PreconditionRequired
from api.filters import DecisionFilters, RoadmapItemFilters, checked
from api.permissions import StaffTokenRequired, TokenRequired
from api.serializers import (
    CommentCreateSerializer,
    DecisionSerializer,
    ReadingCreateSerializer,
    ReadingSerializer,
    RegistrationSerializer,
    RoadmapItemSerializer,
    RoadmapItemUpdateSerializer,
)
from meetings.selectors.registration import registrations_of_meeting
from regions.models import ExportLog
from regions.services import export_log_record
from roadmap.models import Reading
from roadmap.selectors import decisions_visible_to, roadmap_items_for_region, roadmap_region_get
from roadmap.services import roadmap_comment_add, roadmap_item_part_save, roadmap_item_update

ROADMAP_TAG, MEETINGS_TAG = "roadmap", "meetings"
IF_MATCH = OpenApiParameter(
    "If-Match",
    location=OpenApiParameter.HEADER,
    required=True,
    description="La `version` de l'action (ou son ETag) telle qu'elle a été lue.",
)


class TokenView(generics.GenericAPIView):
    permission_classes = [TokenRequired]


def _region_or_none(request, slug: str | None):
    return roadmap_region_get(user=request.user, slug=slug) if slug else None


def _items(request, **filters):
    return roadmap_items_for_region(user=request.user, region=None, **filters).order_by("region__number", "pk")


def _item(request, pk: int):
    item = _items(request).filter(pk=pk).first()
    if item is None:
        raise Http404
    return item


def _require_perm(request, permission: str) -> None:
    # What the admin asks of staff for the same change; officials hold no such permission (as on the pages).
    if not request.user.has_perm(permission):
        raise PermissionDenied


def seen_version(request, missing: str) -> str:
    """The version sent in If-Match (an ETag, weak or not), required for every edit so none is silently lost."""
    seen = request.headers.get("If-Match", "").strip()
    if not seen or seen == "*":
        raise PreconditionRequired(missing)
    return seen.removeprefix("W/").strip('"')


def versioned(record, serializer, answer_status: int = status.HTTP_200_OK) -> Response:
    """The record, with its version as ETag: what If-Match must send back to change it."""
    data = serializer(record).data
    return Response(data, status=answer_status, headers={"ETag": quote_etag(data["version"])})


@extend_schema(tags=[ROADMAP_TAG], parameters=[RoadmapItemFilters])
class RoadmapItemList(TokenView, generics.ListAPIView):
    """Roadmap items of the regions the token's account may see, by region."""

    serializer_class = RoadmapItemSerializer

    def get_queryset(self):
        filters = checked(RoadmapItemFilters, self.request)
        region = _region_or_none(self.request, filters.pop("region", None))
        return roadmap_items_for_region(user=self.request.user, region=region, **filters).order_by(
            "region__number", "pk"
        )


class RoadmapItemDetail(TokenView):
    serializer_class = RoadmapItemSerializer

    @extend_schema(tags=[ROADMAP_TAG], summary="Une action de la feuille de route (ETag : sa version).")
    def get(self, request, pk: int):
        return versioned(_item(request, pk), RoadmapItemSerializer)

    @extend_schema(
        tags=[ROADMAP_TAG],
        summary="Changer le statut ou l'avancement d'une action (ONMT).",
        request=RoadmapItemUpdateSerializer,
        parameters=[IF_MATCH],
        responses={
            200: RoadmapItemSerializer,
            412: OpenApiResponse(description="L'action a changé depuis la version envoyée."),
            428: OpenApiResponse(description="En-tête If-Match manquant."),
        },
    )
    def patch(self, request, pk: int):
        item = _item(request, pk)
        _require_perm(request, "roadmap.change_roadmapitem")
        seen = seen_version(request, _("Envoyez dans If-Match la version de l'action que vous avez lue."))
        changes = RoadmapItemUpdateSerializer(data=request.data)
        changes.is_valid(raise_exception=True)
        roadmap_item_update(actor=request.user, item=item, data=changes.validated_data, seen_version=seen)
        return versioned(_item(request, pk), RoadmapItemSerializer)


class RoadmapItemReadings(TokenView):
    serializer_class = ReadingCreateSerializer

    @extend_schema(
        tags=[ROADMAP_TAG],
        summary="Ajouter un relevé à un indicateur de l'action (ONMT) ; l'avancement suit les indicateurs.",
        responses={201: ReadingSerializer},
    )
    def post(self, request, pk: int):
        item = _item(request, pk)
        _require_perm(request, "roadmap.add_reading")
        fields = ReadingCreateSerializer(data=request.data)
        fields.is_valid(raise_exception=True)
        indicator = next((i for i in item.indicators.all() if i.pk == fields.validated_data["indicator"]), None)
        if indicator is None:
            raise Http404
        reading = Reading(**{**fields.validated_data, "indicator": indicator})
        roadmap_item_part_save(actor=request.user, part=reading)
        return Response(ReadingSerializer(reading).data, status=status.HTTP_201_CREATED)


class RoadmapItemComments(TokenView):
    serializer_class = CommentCreateSerializer

    @extend_schema(
        tags=[ROADMAP_TAG],
        summary="Commenter une action (l'ONMT, ou un responsable du CRT de sa région).",
        responses={201: CommentCreateSerializer},
    )
    def post(self, request, pk: int):
        item = _item(request, pk)
        fields = CommentCreateSerializer(data=request.data)
        fields.is_valid(raise_exception=True)
        comment = roadmap_comment_add(actor=request.user, item=item, body=fields.validated_data["body"])
        return Response({"body": comment.body}, status=status.HTTP_201_CREATED)


@extend_schema(tags=[ROADMAP_TAG], parameters=[DecisionFilters])
class DecisionList(TokenView, generics.ListAPIView):
    """Decisions taken at the meetings of the regions the token's account may see."""

    serializer_class = DecisionSerializer

    def get_queryset(self):
        filters = checked(DecisionFilters, self.request)
        region = _region_or_none(self.request, filters.get("region"))
        return decisions_visible_to(user=self.request.user, region=region)


@extend_schema(tags=[MEETINGS_TAG])
class MeetingRegistrations(generics.ListAPIView):
    """The registrations of a meeting: personal data, for ONMT tokens only; each read is written in the export
    log, as a CSV export is."""

    serializer_class = RegistrationSerializer
    permission_classes = [StaffTokenRequired]

    def list(self, request, *args, **kwargs):
        _require_perm(request, "meetings.view_registration")
        meeting, registrations = registrations_of_meeting(meeting_slug=kwargs["slug"])
        page = self.paginate_queryset(registrations)
        export_log_record(
            user=request.user,
            kind=ExportLog.Kind.REGISTRATIONS_API,
            row_count=len(page),
            filters=f"meeting={meeting.slug}&{request.GET.urlencode()}",
            region=meeting.region,
        )
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
