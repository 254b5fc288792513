from api.models import ApiToken, Webhook, WebhookDelivery
from api.services import api_token_hash


def api_token_for_secret(*, secret: str) -> ApiToken | None:
    """The token whose secret this is, with its account, if it is neither revoked nor expired; else None."""
    token = ApiToken.objects.select_related("user").filter(key_hash=api_token_hash(secret)).first()
    if token is None or not token.is_active or not token.user.is_active:
        return None
    return token


def webhooks_of_user(*, user):
    """The hooks held by `user`'s account: a partner manages its own alone (a staff account's too: its own)."""
    return Webhook.objects.filter(user=user).order_by("name", "pk")


def webhook_of_user(*, user, pk: int) -> Webhook | None:
    return webhooks_of_user(user=user).filter(pk=pk).first()


def webhook_deliveries_of(*, hook: Webhook):
    """The hook's deliveries, the latest first."""
    return WebhookDelivery.objects.filter(webhook=hook).order_by("-created_at", "-pk")
