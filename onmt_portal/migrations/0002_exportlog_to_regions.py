from django.db import migrations


class Migration(migrations.Migration):
    """The export log now belongs to the regions app: its table is renamed, its rows kept."""

    dependencies = [("onmt_portal", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.AlterModelTable(name="exportlog", table="regions_exportlog")],
            state_operations=[migrations.DeleteModel(name="exportlog")],
        ),
    ]
