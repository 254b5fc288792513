"""Helpers for the admin pages of every app."""

from django import forms
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import ValidationError
from django.utils.translation import get_language_info
from modeltranslation.admin import TranslationAdmin, TranslationTabularInline

from core.versioning import version_token

SEEN_FIELD = "seen_version"


def add_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's errors on the form's fields, or above the form for fields it does not have."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, field_errors in error.error_dict.items():
        form.add_error(name if name in form.fields else None, field_errors)


class ReadOnlyAdminMixin:
    """An admin page to look at rows that nobody adds, edits or deletes by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SuperuserOnlyAdminMixin:
    """An admin page for superusers only, whatever permissions a staff member holds.

    For what staff do not need to plan the tour (login throttling, audit logs): a staff member given
    every permission by a tick of "choose all" would otherwise see these menus on the admin's first page.
    """

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request) and super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self.has_module_permission(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.has_module_permission(request) and super().has_delete_permission(request, obj)


def _versioned_form(base: type[forms.BaseForm], refusal: ValidationError | None) -> type[forms.BaseForm]:
    """`base` carrying what its object was when the page was opened (`seen_version`, see core.versioning)."""

    class VersionedForm(base):
        seen_version = forms.CharField(widget=forms.HiddenInput, required=False)

        def __init__(self, *args, **form_kwargs):
            super().__init__(*args, **form_kwargs)
            current = version_token(self.instance) if self.instance.pk else ""
            self.fields[SEEN_FIELD].initial = current
            if refusal is not None and self.is_bound:
                # Told what changed, the person may now save over it knowingly.
                self.data = self.data.copy()
                self.data[self.add_prefix(SEEN_FIELD)] = current

    return VersionedForm


class _SeenFieldMixin:
    """The version rides in the fieldsets (so the admin's templates render it, hidden) but not in the model
    form's fields, which the versioned form declares."""

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        # A new object has no version to carry.
        if obj is None or SEEN_FIELD in flatten_fieldsets(fieldsets):
            return fieldsets
        return [*fieldsets, (None, {"fields": [SEEN_FIELD]})]

    def _model_fields(self, request, obj, kwargs) -> dict:
        if "fields" not in kwargs:
            kwargs["fields"] = flatten_fieldsets(super().get_fieldsets(request, obj))
        if kwargs["fields"]:
            kwargs["fields"] = [name for name in kwargs["fields"] if name != SEEN_FIELD]
        return kwargs


class ServiceFormAdminMixin(_SeenFieldMixin):
    """Change forms whose save calls a service that locks, re-checks and may refuse.

    The form carries what the object was when opened (`seen_version`, see core.versioning), for the
    service to refuse an edit made on a stale page. A refusal of the service in save_model or save_formset
    (a ValidationError: capacity, overlap, a transition no longer allowed, a stale page) is not a
    server error: the view's transaction is rolled back and the form shown again with the reason and
    what the person typed, carrying the object's current version (and its inlines' with
    VersionedInlineMixin).
    """

    def get_form(self, request, obj=None, change=False, **kwargs):
        base = super().get_form(request, obj, change=change, **self._model_fields(request, obj, kwargs))
        refusal = getattr(request, "service_refusal", None)

        class ServiceForm(_versioned_form(base, refusal)):
            def clean(self):
                cleaned = super().clean()
                if refusal is not None:
                    add_errors(self, refusal)
                return cleaned

        return ServiceForm

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as refusal:
            # Raised by save_model or save_formset inside the view's transaction, which rolled everything back.
            request.service_refusal = refusal
            return super().changeform_view(request, object_id, form_url, extra_context)


class VersionedInlineMixin(_SeenFieldMixin):
    """Inline rows of a ServiceFormAdminMixin page saved through a service: each row's form carries what the
    row was when the page was opened, for the service to refuse a stale edit; the refusal shows above the page's
    form (ServiceFormAdminMixin) and every row then carries its current version."""

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **self._model_fields(request, obj, kwargs))
        formset.form = _versioned_form(formset.form, getattr(request, "service_refusal", None))
        return formset


class _LanguageOfEachField:
    """Each language's input of a translated field says its language and runs in its direction: French and
    English stay left to right in the Arabic admin, Arabic right to left in the French one."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        language = getattr(db_field, "language", None)
        if field is not None and language:
            field.widget.attrs.update(lang=language, dir="rtl" if get_language_info(language)["bidi"] else "ltr")
        return field


class ContentTranslationAdmin(_LanguageOfEachField, TranslationAdmin):
    """The admin of a model whose texts are in French, Arabic and English (core/translation.py)."""


class ContentTranslationTabularInline(_LanguageOfEachField, TranslationTabularInline):
    """Rows of such a model inside another's page (a meeting's agenda)."""
