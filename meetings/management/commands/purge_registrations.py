from django.conf import settings
from django.core.management.base import BaseCommand

from meetings.services.registration import registrations_purge_expired


class Command(BaseCommand):
    help = (
        "Erase the personal data of registrations for meetings that ended more than "
        "REGISTRATION_RETENTION_DAYS ago (law 09-08); safe to run again."
    )

    def handle(self, *args, **options):
        erased = registrations_purge_expired()
        self.stdout.write(
            f"{erased} inscription(s) effacée(s) (rencontres terminées depuis plus de "
            f"{settings.REGISTRATION_RETENTION_DAYS} jours)."
        )
