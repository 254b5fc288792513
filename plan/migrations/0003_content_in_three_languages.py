"""Content in three languages (modeltranslation): a nullable column per language, the French one filled
from the existing column for every existing row."""

from django.db import migrations, models

from core.translation import copy_into_french


class Migration(migrations.Migration):
    dependencies = [
        ("plan", "0002_market_table"),
    ]

    operations = [
        migrations.AddField(
            model_name="market",
            name="name_ar",
            field=models.CharField(max_length=80, null=True, unique=True, verbose_name="nom"),
        ),
        migrations.AddField(
            model_name="market",
            name="name_en",
            field=models.CharField(max_length=80, null=True, unique=True, verbose_name="nom"),
        ),
        migrations.AddField(
            model_name="market",
            name="name_fr",
            field=models.CharField(max_length=80, null=True, unique=True, verbose_name="nom"),
        ),
        copy_into_french("plan", "Market", ["name"]),
        # Sorted by the French column: a translated name in Meta.ordering would need a rewrite (core/apps.py).
        migrations.AlterModelOptions(
            name="market",
            options={"ordering": ["position", "name_fr"], "verbose_name": "marché", "verbose_name_plural": "marchés"},
        ),
    ]
