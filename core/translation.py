"""Content in French, Arabic and English (django-modeltranslation): the options every app registers with.

Each translated field gets one column per language in the same row (`title_fr`, `title_ar`, `title_en`), so a
page reads its content in the active language without a join or a query more. French is required and is
what a missing translation falls back to (`MODELTRANSLATION_FALLBACK_LANGUAGES`). An empty translation is
stored as NULL, so that a unique constraint copied per language never meets two empty strings.
"""

from modeltranslation.translator import TranslationOptions


class ContentTranslationOptions(TranslationOptions):
    required_languages = ("fr",)
    empty_values = None


def copy_into_french(app_label: str, model_name: str, fields: list[str]):
    """A migration step: existing rows get their French column from the field's original column.

    Run after the AddField of the translation columns; the original column is kept (modeltranslation keeps
    it as the value in the language active at the last save), so undoing the migration loses nothing.
    """
    from django.db import migrations
    from django.db.models import F

    def forward(apps, schema_editor):
        model = apps.get_model(app_label, model_name)
        for field in fields:
            model.objects.filter(**{f"{field}_fr__isnull": True}).update(**{f"{field}_fr": F(field)})

    return migrations.RunPython(forward, migrations.RunPython.noop, elidable=False)
