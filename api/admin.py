from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from api.models import ApiToken, Webhook, WebhookDelivery
from api.services import api_token_create, api_tokens_revoke
from api.webhooks import EDITABLE_FIELDS, webhook_create, webhook_deliveries_resend, webhook_update
from core.admin import SEEN_FIELD, ServiceFormAdminMixin
from regions.selectors import region_for_official


@admin.action(description=gettext_lazy("Révoquer les jetons choisis"), permissions=["change"])
def revoke(modeladmin, request, queryset):
    count = api_tokens_revoke(tokens=queryset)
    modeladmin.message_user(request, _("Jetons révoqués : %(count)d.") % {"count": count}, messages.SUCCESS)


@admin.register(ApiToken)
class ApiTokenAdmin(ServiceFormAdminMixin, admin.ModelAdmin):
    list_display = ("name", "prefix", "user", "scope", "can_write", "expires_at", "revoked_at", "last_used_at")
    list_filter = ("can_write", "revoked_at")
    search_fields = ("name", "prefix", "user__username")
    list_select_related = ("user", "user__crt_contact__region")
    raw_id_fields = ("user",)
    actions = [revoke]
    fields = ("name", "user", "can_write", "expires_at", "prefix", "revoked_at", "last_used_at", "created_by")

    def get_readonly_fields(self, request, obj=None):
        readonly = ("prefix", "revoked_at", "last_used_at", "created_by")
        # A token's rights are those it was given: to change them, revoke it and create another.
        return readonly if obj is None else ("user", "can_write", "expires_at", *readonly)

    @admin.display(description=gettext_lazy("portée"))
    def scope(self, obj):
        if obj.user.is_staff:
            return _("ONMT")
        region = region_for_official(user=obj.user)
        return region.name if region is not None else "—"

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        token, secret = api_token_create(
            actor=request.user, user=obj.user, name=obj.name, expires_at=obj.expires_at, can_write=obj.can_write
        )
        obj.pk = token.pk
        messages.warning(
            request,
            _("Le jeton « %(name)s » : %(secret)s — copiez-le maintenant pour le partenaire : il ne sera plus montré.")
            % {"name": token.name, "secret": secret},
        )


class WebhookForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        label=gettext_lazy("événements"), choices=Webhook.Event.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Webhook
        fields = ("name", "url", "user", "events", "is_active")


@admin.register(Webhook)
class WebhookAdmin(ServiceFormAdminMixin, admin.ModelAdmin):
    form = WebhookForm
    list_display = ("name", "url", "user", "is_active", "consecutive_failures", "disabled_at")
    list_filter = ("is_active",)
    search_fields = ("name", "url")
    list_select_related = ("user",)
    raw_id_fields = ("user",)

    def get_readonly_fields(self, request, obj=None):
        # The secret is the partner's, to check each signature: shown to staff to hand over, never typed.
        # The account is the hook's reach (and its partner's, through the API): another account, another hook.
        return ("user", "secret", "consecutive_failures", "disabled_at") if obj is not None else ()

    def save_model(self, request, obj, form, change):
        if change:
            changes = {name: form.cleaned_data[name] for name in form.changed_data if name in EDITABLE_FIELDS}
            webhook_update(hook=obj, data=changes, seen_version=form.cleaned_data.get(SEEN_FIELD, ""))
            return
        hook = webhook_create(user=obj.user, name=obj.name, url=obj.url, events=form.cleaned_data["events"])
        obj.pk = hook.pk


@admin.action(description=gettext_lazy("Renvoyer les envois choisis"), permissions=["change"])
def resend(modeladmin, request, queryset):
    count = webhook_deliveries_resend(deliveries=queryset)
    modeladmin.message_user(request, _("Envois renvoyés : %(count)d.") % {"count": count}, messages.SUCCESS)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """The delivery log: what was sent where, its answers; staff resend what failed."""

    list_display = ("created_at", "webhook", "event", "status", "attempts", "response_status", "last_error")
    list_filter = ("status", "event", "webhook")
    list_select_related = ("webhook",)
    actions = [resend]
    readonly_fields = (
        "webhook",
        "event",
        "idempotency_key",
        "payload",
        "status",
        "attempts",
        "next_attempt_at",
        "response_status",
        "last_error",
        "delivered_at",
        "created_at",
    )
    fields = readonly_fields

    def has_add_permission(self, request):
        return False
