from django.db import migrations, models


class Migration(migrations.Migration):
    """The markets come from roadmap, state only: the table keeps its name until roadmap lets go of it
    (roadmap 0003), then 0002 renames it."""

    initial = True

    dependencies = [("roadmap", "0002_seed_markets")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Market",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("name", models.CharField(max_length=80, unique=True, verbose_name="nom")),
                        ("slug", models.SlugField(unique=True)),
                        ("is_domestic", models.BooleanField(default=False, verbose_name="marché national")),
                        ("position", models.PositiveSmallIntegerField(default=100, verbose_name="ordre")),
                    ],
                    options={
                        "verbose_name": "marché",
                        "verbose_name_plural": "marchés",
                        "ordering": ["position", "name"],
                        "db_table": "roadmap_market",
                    },
                ),
            ],
        ),
    ]
