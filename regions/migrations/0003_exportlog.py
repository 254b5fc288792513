import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from core.model_moves import content_types_moved


class Migration(migrations.Migration):
    """ExportLog moves here from onmt_portal: state only, the table (renamed there) and its rows stay."""

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("onmt_portal", "0002_exportlog_to_regions"),
        ("regions", "0002_seed_regions"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ExportLog",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("registrations_csv", "Inscriptions (CSV)"),
                                    ("registrations_xlsx", "Inscriptions (Excel)"),
                                    ("roadmap_csv", "Feuille de route (CSV)"),
                                ],
                                max_length=24,
                                verbose_name="export",
                            ),
                        ),
                        ("row_count", models.PositiveIntegerField(verbose_name="lignes")),
                        ("filters", models.CharField(blank=True, max_length=1000, verbose_name="filtres")),
                        (
                            "exported_at",
                            models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="exporté le"),
                        ),
                        (
                            "region",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="regions.region",
                                verbose_name="région",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="exports",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="utilisateur",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "export de données",
                        "verbose_name_plural": "exports de données",
                        "ordering": ["-exported_at"],
                    },
                ),
            ],
        ),
        content_types_moved(["exportlog"], from_app="onmt_portal", to_app="regions"),
    ]
