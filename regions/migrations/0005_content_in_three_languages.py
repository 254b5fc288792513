"""Region's content in three languages (modeltranslation): its hand-written name_fr/name_ar/name_en and
seat_city_ar become translation columns of `name` and `seat_city`, keeping their data; `name` (the original
column) gets the French name, seat_city_fr and tourism_profile_fr the existing French values."""

from django.db import migrations, models
from django.db.models import F

from core.translation import copy_into_french


def name_from_french(apps, schema_editor):
    apps.get_model("regions", "Region").objects.update(name=F("name_fr"))


def translations_not_null(apps, schema_editor):
    # Back to the NOT NULL columns of before: a missing translation becomes the French value.
    Region = apps.get_model("regions", "Region")
    for field in ["name_ar", "name_en"]:
        Region.objects.filter(**{f"{field}__isnull": True}).update(**{field: F("name_fr")})
    Region.objects.filter(seat_city_ar__isnull=True).update(seat_city_ar=F("seat_city"))


class Migration(migrations.Migration):
    dependencies = [
        ("regions", "0004_french_labels"),
    ]

    operations = [
        migrations.AddField(
            model_name="region",
            name="name",
            field=models.CharField(default="", max_length=80, verbose_name="nom"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="region",
            name="seat_city_en",
            field=models.CharField(max_length=60, null=True, verbose_name="chef-lieu"),
        ),
        migrations.AddField(
            model_name="region",
            name="seat_city_fr",
            field=models.CharField(max_length=60, null=True, verbose_name="chef-lieu"),
        ),
        migrations.AddField(
            model_name="region",
            name="tourism_profile_ar",
            field=models.TextField(null=True, verbose_name="potentiel touristique"),
        ),
        migrations.AddField(
            model_name="region",
            name="tourism_profile_en",
            field=models.TextField(null=True, verbose_name="potentiel touristique"),
        ),
        migrations.AddField(
            model_name="region",
            name="tourism_profile_fr",
            field=models.TextField(null=True, verbose_name="potentiel touristique"),
        ),
        migrations.AlterField(
            model_name="region",
            name="name_ar",
            field=models.CharField(max_length=80, null=True, verbose_name="nom"),
        ),
        migrations.AlterField(
            model_name="region",
            name="name_en",
            field=models.CharField(max_length=80, null=True, verbose_name="nom"),
        ),
        migrations.AlterField(
            model_name="region",
            name="name_fr",
            field=models.CharField(max_length=80, null=True, verbose_name="nom"),
        ),
        migrations.AlterField(
            model_name="region",
            name="seat_city_ar",
            field=models.CharField(max_length=60, null=True, verbose_name="chef-lieu"),
        ),
        migrations.RunPython(name_from_french, translations_not_null, elidable=False),
        copy_into_french("regions", "Region", ["seat_city", "tourism_profile"]),
    ]
