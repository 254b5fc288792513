"""Content in three languages (modeltranslation): a nullable column per language, the French one filled
from the existing column for every existing row."""

from django.db import migrations, models

from core.translation import copy_into_french


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0008_content_in_three_languages"),
        ("plan", "0003_content_in_three_languages"),
        ("regions", "0005_content_in_three_languages"),
        ("roadmap", "0007_indicators_and_budget"),
    ]

    operations = [
        migrations.AddField(
            model_name="roadmapitem",
            name="description_ar",
            field=models.TextField(blank=True, null=True, verbose_name="description"),
        ),
        migrations.AddField(
            model_name="roadmapitem",
            name="description_en",
            field=models.TextField(blank=True, null=True, verbose_name="description"),
        ),
        migrations.AddField(
            model_name="roadmapitem",
            name="description_fr",
            field=models.TextField(blank=True, null=True, verbose_name="description"),
        ),
        migrations.AddField(
            model_name="roadmapitem",
            name="title_ar",
            field=models.CharField(max_length=200, null=True, verbose_name="intitulé"),
        ),
        migrations.AddField(
            model_name="roadmapitem",
            name="title_en",
            field=models.CharField(max_length=200, null=True, verbose_name="intitulé"),
        ),
        migrations.AddField(
            model_name="roadmapitem",
            name="title_fr",
            field=models.CharField(max_length=200, null=True, verbose_name="intitulé"),
        ),
        migrations.AddConstraint(
            model_name="roadmapitem",
            constraint=models.UniqueConstraint(
                fields=("region", "title_fr"),
                name="roadmap_item_unique_title_per_region-fr",
                violation_error_message="Une action de même intitulé existe déjà pour cette région.",
            ),
        ),
        migrations.AddConstraint(
            model_name="roadmapitem",
            constraint=models.UniqueConstraint(
                fields=("region", "title_ar"),
                name="roadmap_item_unique_title_per_region-ar",
                violation_error_message="Une action de même intitulé existe déjà pour cette région.",
            ),
        ),
        migrations.AddConstraint(
            model_name="roadmapitem",
            constraint=models.UniqueConstraint(
                fields=("region", "title_en"),
                name="roadmap_item_unique_title_per_region-en",
                violation_error_message="Une action de même intitulé existe déjà pour cette région.",
            ),
        ),
        copy_into_french("roadmap", "RoadmapItem", ["title", "description"]),
        # Sorted by the French column: a translated name in Meta.ordering would need a rewrite (core/apps.py).
        migrations.AlterModelOptions(
            name="roadmapitem",
            options={
                "ordering": ["region__number", "priority", "due_on", "title_fr"],
                "verbose_name": "action de la feuille de route",
                "verbose_name_plural": "actions des feuilles de route",
            },
        ),
    ]
