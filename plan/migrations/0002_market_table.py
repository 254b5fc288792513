from django.db import migrations

from core.model_moves import content_types_moved


class Migration(migrations.Migration):
    """The markets' table takes the plan's name; permissions and admin history follow the model."""

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("plan", "0001_market_from_roadmap"),
        ("roadmap", "0003_markets_to_plan"),
    ]

    operations = [
        migrations.AlterModelTable(name="market", table=None),
        content_types_moved(["market"], from_app="roadmap", to_app="plan"),
    ]
