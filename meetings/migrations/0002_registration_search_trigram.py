from django.db import migrations

from core.search_indexes import trigram_search_indexes


class Migration(migrations.Migration):
    dependencies = [("meetings", "0001_initial")]

    operations = [
        trigram_search_indexes("meetings_registration", ["full_name", "organisation", "email", "phone"]),
    ]
