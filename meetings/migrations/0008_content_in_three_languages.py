"""Content in three languages (modeltranslation): a nullable column per language, the French one filled
from the existing column for every existing row."""

from django.db import migrations, models

from core.translation import copy_into_french


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0007_checkin_walk_in"),
    ]

    operations = [
        migrations.AddField(
            model_name="agendaitem",
            name="title_ar",
            field=models.CharField(max_length=200, null=True, verbose_name="intitulé"),
        ),
        migrations.AddField(
            model_name="agendaitem",
            name="title_en",
            field=models.CharField(max_length=200, null=True, verbose_name="intitulé"),
        ),
        migrations.AddField(
            model_name="agendaitem",
            name="title_fr",
            field=models.CharField(max_length=200, null=True, verbose_name="intitulé"),
        ),
        migrations.AddField(
            model_name="decision",
            name="title_ar",
            field=models.CharField(max_length=200, null=True, verbose_name="décision"),
        ),
        migrations.AddField(
            model_name="decision",
            name="title_en",
            field=models.CharField(max_length=200, null=True, verbose_name="décision"),
        ),
        migrations.AddField(
            model_name="decision",
            name="title_fr",
            field=models.CharField(max_length=200, null=True, verbose_name="décision"),
        ),
        migrations.AddField(
            model_name="meeting",
            name="address_ar",
            field=models.CharField(max_length=255, null=True, verbose_name="adresse"),
        ),
        migrations.AddField(
            model_name="meeting",
            name="address_en",
            field=models.CharField(max_length=255, null=True, verbose_name="adresse"),
        ),
        migrations.AddField(
            model_name="meeting",
            name="address_fr",
            field=models.CharField(max_length=255, null=True, verbose_name="adresse"),
        ),
        migrations.AddField(
            model_name="meeting",
            name="city_ar",
            field=models.CharField(max_length=80, null=True, verbose_name="ville"),
        ),
        migrations.AddField(
            model_name="meeting",
            name="city_en",
            field=models.CharField(max_length=80, null=True, verbose_name="ville"),
        ),
        migrations.AddField(
            model_name="meeting",
            name="city_fr",
            field=models.CharField(max_length=80, null=True, verbose_name="ville"),
        ),
        migrations.AddField(
            model_name="meeting",
            name="description_ar",
            field=models.TextField(blank=True, null=True, verbose_name="présentation"),
        ),
        migrations.AddField(
            model_name="meeting",
            name="description_en",
            field=models.TextField(blank=True, null=True, verbose_name="présentation"),
        ),
        migrations.AddField(
            model_name="meeting",
            name="description_fr",
            field=models.TextField(blank=True, null=True, verbose_name="présentation"),
        ),
        migrations.AddField(
            model_name="meeting",
            name="title_ar",
            field=models.CharField(max_length=200, null=True, verbose_name="titre"),
        ),
        migrations.AddField(
            model_name="meeting",
            name="title_en",
            field=models.CharField(max_length=200, null=True, verbose_name="titre"),
        ),
        migrations.AddField(
            model_name="meeting",
            name="title_fr",
            field=models.CharField(max_length=200, null=True, verbose_name="titre"),
        ),
        migrations.AddField(
            model_name="meeting",
            name="venue_name_ar",
            field=models.CharField(max_length=150, null=True, verbose_name="lieu"),
        ),
        migrations.AddField(
            model_name="meeting",
            name="venue_name_en",
            field=models.CharField(max_length=150, null=True, verbose_name="lieu"),
        ),
        migrations.AddField(
            model_name="meeting",
            name="venue_name_fr",
            field=models.CharField(max_length=150, null=True, verbose_name="lieu"),
        ),
        migrations.AddField(
            model_name="tour",
            name="description_ar",
            field=models.TextField(blank=True, null=True, verbose_name="description"),
        ),
        migrations.AddField(
            model_name="tour",
            name="description_en",
            field=models.TextField(blank=True, null=True, verbose_name="description"),
        ),
        migrations.AddField(
            model_name="tour",
            name="description_fr",
            field=models.TextField(blank=True, null=True, verbose_name="description"),
        ),
        migrations.AddField(
            model_name="tour",
            name="name_ar",
            field=models.CharField(max_length=150, null=True, verbose_name="nom"),
        ),
        migrations.AddField(
            model_name="tour",
            name="name_en",
            field=models.CharField(max_length=150, null=True, verbose_name="nom"),
        ),
        migrations.AddField(
            model_name="tour",
            name="name_fr",
            field=models.CharField(max_length=150, null=True, verbose_name="nom"),
        ),
        copy_into_french("meetings", "Tour", ["name", "description"]),
        copy_into_french("meetings", "Meeting", ["title", "description", "venue_name", "address", "city"]),
        copy_into_french("meetings", "AgendaItem", ["title"]),
        copy_into_french("meetings", "Decision", ["title"]),
    ]
