"""Partners' own webhooks through the API: those of the token's account alone (a staff token's too), any other
404. Reads with any token, writes with a read-write one; the rules are api.webhooks' services, as in the admin."""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response

from api.selectors import webhook_deliveries_of, webhook_of_user, webhooks_of_user
from api.serializers import (
    WebhookCreateSerializer,
    WebhookDeliverySerializer,
    WebhookSerializer,
    WebhookUpdateSerializer,
    WebhookWithSecretSerializer,
)
from api.views.private import TokenView, seen_version, versioned
from api.webhooks import (
    webhook_create,
    webhook_delete,
    webhook_deliveries_resend,
    webhook_secret_rotate,
    webhook_update,
)

WEBHOOKS_TAG = "webhooks"
IF_MATCH = OpenApiParameter(
    "If-Match",
    location=OpenApiParameter.HEADER,
    required=True,
    description="La `version` du webhook (ou son ETag) telle qu'elle a été lue.",
)


def _hook(request, pk: int):
    hook = webhook_of_user(user=request.user, pk=pk)
    if hook is None:
        raise Http404
    return hook


@extend_schema(tags=[WEBHOOKS_TAG])
class WebhookList(TokenView, generics.ListAPIView):
    """The webhooks of the token's account (a staff token's: its own account's, not every account's)."""

    serializer_class = WebhookSerializer

    def get_queryset(self):
        return webhooks_of_user(user=self.request.user)

    @extend_schema(
        summary="Enregistrer un webhook : son secret de signature n'est montré que dans cette réponse.",
        request=WebhookCreateSerializer,
        responses={201: WebhookWithSecretSerializer},
    )
    def post(self, request):
        fields = WebhookCreateSerializer(data=request.data)
        fields.is_valid(raise_exception=True)
        hook = webhook_create(user=request.user, **fields.validated_data)
        return versioned(hook, WebhookWithSecretSerializer, status.HTTP_201_CREATED)


class WebhookDetail(TokenView):
    serializer_class = WebhookSerializer

    @extend_schema(tags=[WEBHOOKS_TAG], summary="Un webhook (ETag : sa version ; jamais son secret).")
    def get(self, request, pk: int):
        return versioned(_hook(request, pk), WebhookSerializer)

    @extend_schema(
        tags=[WEBHOOKS_TAG],
        summary="Changer le nom, l'adresse, les événements d'un webhook, ou l'éteindre et le rallumer.",
        request=WebhookUpdateSerializer,
        parameters=[IF_MATCH],
        responses={
            200: WebhookSerializer,
            412: OpenApiResponse(description="Le webhook a changé depuis la version envoyée."),
            428: OpenApiResponse(description="En-tête If-Match manquant."),
        },
    )
    def patch(self, request, pk: int):
        hook = _hook(request, pk)
        seen = seen_version(request, _("Envoyez dans If-Match la version du webhook que vous avez lue."))
        changes = WebhookUpdateSerializer(data=request.data)
        changes.is_valid(raise_exception=True)
        return versioned(webhook_update(hook=hook, data=changes.validated_data, seen_version=seen), WebhookSerializer)

    @extend_schema(tags=[WEBHOOKS_TAG], summary="Supprimer un webhook et son journal d'envois.", responses={204: None})
    def delete(self, request, pk: int):
        webhook_delete(hook=_hook(request, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookSecretRotate(TokenView):
    serializer_class = WebhookWithSecretSerializer

    @extend_schema(
        tags=[WEBHOOKS_TAG],
        summary="Un nouveau secret de signature, montré dans cette réponse seulement ; l'ancien ne sert plus.",
        request=None,
        responses={200: WebhookWithSecretSerializer},
    )
    def post(self, request, pk: int):
        hook = webhook_secret_rotate(hook=_hook(request, pk))
        return versioned(hook, WebhookWithSecretSerializer)


@extend_schema(tags=[WEBHOOKS_TAG])
class WebhookDeliveryList(TokenView, generics.ListAPIView):
    """The webhook's deliveries, the latest first: what was sent, how it was answered."""

    serializer_class = WebhookDeliverySerializer

    def get_queryset(self):
        return webhook_deliveries_of(hook=_hook(self.request, self.kwargs["pk"]))


class WebhookDeliveryResend(TokenView):
    serializer_class = WebhookDeliverySerializer

    @extend_schema(
        tags=[WEBHOOKS_TAG],
        summary="Renvoyer un envoi (la même clé X-ONMT-Delivery) ; celui d'un webhook éteint part à son rallumage.",
        request=None,
        responses={202: WebhookDeliverySerializer},
    )
    def post(self, request, pk: int, key):
        deliveries = webhook_deliveries_of(hook=_hook(request, pk)).filter(idempotency_key=key)
        if not webhook_deliveries_resend(deliveries=deliveries):
            raise Http404
        return Response(WebhookDeliverySerializer(deliveries.get()).data, status=status.HTTP_202_ACCEPTED)
