from django.db import migrations

from core.search_indexes import trigram_search_indexes


class Migration(migrations.Migration):
    dependencies = [("messaging", "0002_messaging_reminders_followups_survey")]

    operations = [
        trigram_search_indexes("messaging_outboundmessage", ["recipient_email", "recipient_name", "idempotency_key"]),
    ]
