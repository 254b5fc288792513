from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView

from api.views import docs, private, public, webhooks

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", docs.documentation, name="docs"),
    path("v1/tours/", public.TourList.as_view(), name="tours"),
    path("v1/tours/<slug:slug>/", public.TourDetail.as_view(), name="tour"),
    path("v1/meetings/", public.MeetingList.as_view(), name="meetings"),
    path("v1/meetings/<slug:slug>/", public.MeetingDetail.as_view(), name="meeting"),
    path("v1/meetings/<slug:slug>/registrations/", private.MeetingRegistrations.as_view(), name="registrations"),
    path("v1/regions/", public.RegionList.as_view(), name="regions"),
    path("v1/regions/<slug:slug>/", public.RegionDetail.as_view(), name="region"),
    path(
        "v1/regions/<slug:slug>/roadmap-summary/", public.RegionRoadmapSummary.as_view(), name="region_roadmap_summary"
    ),
    path("v1/roadmap/items/", private.RoadmapItemList.as_view(), name="roadmap_items"),
    path("v1/roadmap/items/<int:pk>/", private.RoadmapItemDetail.as_view(), name="roadmap_item"),
    path("v1/roadmap/items/<int:pk>/readings/", private.RoadmapItemReadings.as_view(), name="roadmap_item_readings"),
    path("v1/roadmap/items/<int:pk>/comments/", private.RoadmapItemComments.as_view(), name="roadmap_item_comments"),
    path("v1/decisions/", private.DecisionList.as_view(), name="decisions"),
    path("v1/webhooks/", webhooks.WebhookList.as_view(), name="webhooks"),
    path("v1/webhooks/<int:pk>/", webhooks.WebhookDetail.as_view(), name="webhook"),
    path("v1/webhooks/<int:pk>/rotate-secret/", webhooks.WebhookSecretRotate.as_view(), name="webhook_rotate_secret"),
    path("v1/webhooks/<int:pk>/deliveries/", webhooks.WebhookDeliveryList.as_view(), name="webhook_deliveries"),
    path(
        "v1/webhooks/<int:pk>/deliveries/<uuid:key>/resend/",
        webhooks.WebhookDeliveryResend.as_view(),
        name="webhook_delivery_resend",
    ),
    # Last: an address of none of the above (a slug of characters no slug has…) is answered in JSON too.
    re_path(r"^(?P<path>.*)$", docs.not_found, name="not_found"),
]
