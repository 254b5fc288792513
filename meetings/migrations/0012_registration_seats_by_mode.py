from django.db import migrations, models

from core.migration_operations import AddIndexConcurrentlyWherePossible, RemoveIndexConcurrentlyWherePossible


class Migration(migrations.Migration):
    # Seats are counted per attendance mode: the index holds the mode, so the count under the meeting's lock
    # reads the index alone. Built before the old one goes, both concurrently (no lock on the registrations).
    atomic = False

    dependencies = [
        ("meetings", "0011_consultation_answers"),
    ]

    operations = [
        AddIndexConcurrentlyWherePossible(
            model_name="registration",
            index=models.Index(
                condition=models.Q(("status__in", ["confirmed", "offered", "attended"])),
                fields=["meeting", "mode"],
                name="registration_seats_by_mode",
            ),
        ),
        RemoveIndexConcurrentlyWherePossible(model_name="registration", name="registration_seats"),
    ]
