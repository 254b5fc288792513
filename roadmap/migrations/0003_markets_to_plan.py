from django.db import migrations, models


class Migration(migrations.Migration):
    """Roadmap items point at the plan's markets; the roadmap forgets its own (state only, rows kept)."""

    dependencies = [("roadmap", "0002_seed_markets"), ("plan", "0001_market_from_roadmap")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="roadmapitem",
                    name="markets",
                    field=models.ManyToManyField(
                        blank=True, related_name="roadmap_items", to="plan.market", verbose_name="marchés"
                    ),
                ),
                migrations.DeleteModel(name="Market"),
            ],
        ),
    ]
