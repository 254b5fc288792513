from django.core.management.base import BaseCommand

from meetings.services.registration import registration_offers_expire


class Command(BaseCommand):
    help = "End seat offers past their deadline and offer the seats to the next waitlisted people (beat does it too)."

    def handle(self, *args, **options):
        expired = registration_offers_expire()
        self.stdout.write(f"{expired} offre(s) expirée(s).")
