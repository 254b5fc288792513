"""The meeting page's delegation and agenda rows: people chosen from short lists, checked by the delegation service."""

from django.contrib import admin
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet

from core.admin import ContentTranslationTabularInline
from meetings.models import AgendaItem, DelegationMember
from meetings.selectors import delegation as selectors
from meetings.services.delegation import delegation_validate

EMPTY_CHOICE = ("", "---------")


def _user_label(user) -> str:
    full_name = user.get_full_name()
    return f"{full_name} ({user.get_username()})" if full_name else user.get_username()


class SharedChoicesFormSet(BaseInlineFormSet):
    """Inline rows whose selects offer the same short list: read once per page, not once per row."""

    def shared_choices(self) -> dict[str, tuple[QuerySet, callable]]:
        """Field name → (queryset the value must be in, label of each option)."""
        return {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._choices = None

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if self._choices is None:
            self._choices = {
                name: (queryset, [EMPTY_CHOICE, *((row.pk, label(row)) for row in queryset)])
                for name, (queryset, label) in self.shared_choices().items()
            }
        for name, (queryset, choices) in self._choices.items():
            field = form.fields[name]
            if isinstance(field.widget, RelatedFieldWidgetWrapper):
                # The wrapper's "add"/"change" links would each list the options again.
                field.widget = field.widget.widget
            field.queryset = queryset
            field.choices = choices


class DelegationFormSet(SharedChoicesFormSet):
    def shared_choices(self):
        meeting = self.instance
        return {
            "user": (selectors.delegation_user_choices(meeting=meeting), _user_label),
            "contact": (selectors.delegation_contact_choices(region=getattr(meeting, "region", None)), str),
        }

    def clean(self):
        super().clean()
        meeting = self.instance
        if any(self.errors) or meeting.region_id is None or not (meeting.starts_at and meeting.ends_at):
            return
        members = [
            form.instance
            for form in self.forms
            if form not in self.deleted_forms and (form.instance.pk or form.has_changed())
        ]
        try:
            delegation_validate(meeting=meeting, members=members)
        except ValidationError as error:
            raise ValidationError(error.messages) from error


class DelegationInline(admin.TabularInline):
    model = DelegationMember
    formset = DelegationFormSet
    extra = 1
    fields = ["position", "side", "role", "user", "contact", "full_name", "organisation"]
    verbose_name = DelegationMember._meta.verbose_name
    verbose_name_plural = DelegationMember._meta.verbose_name_plural


class AgendaItemFormSet(SharedChoicesFormSet):
    def shared_choices(self):
        return {"speaker_member": (selectors.delegation_of(meeting=self.instance), str)}


class AgendaItemInline(ContentTranslationTabularInline):
    model = AgendaItem
    formset = AgendaItemFormSet
    extra = 1
    fields = ["position", "starts_at", "title", "speaker_member", "speaker"]
