"""Load realistic demo data so the embedded portal shows a living tour. Safe to run twice.

Each app provides its own demo data (`regions.demo`, `plan.demo`, `meetings.demo`, `roadmap.demo`); this command
creates the logins and calls them in order, in one transaction.
"""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from meetings.demo import load_demo_tour
from plan.demo import load_demo_market_names
from regions.demo import load_demo_councils, load_demo_region_profiles
from roadmap.demo import load_demo_roadmaps

OFFICIAL_REGIONS = {12: "crt-dakhla", 9: "crt-souss", 7: "crt-marrakech"}


class Command(BaseCommand):
    help = "Load demo CRT contacts, officials and the 2026 tour (idempotent)."

    def handle(self, *args, **options):
        credentials_file = settings.VAR_DIR / "demo_credentials.txt"
        with transaction.atomic():
            passwords = self._users(credentials_file)
            users = get_user_model().objects.in_bulk(["admin", *OFFICIAL_REGIONS.values()], field_name="username")
            load_demo_region_profiles()
            load_demo_market_names()
            load_demo_councils(officials={number: users[name] for number, name in OFFICIAL_REGIONS.items()})
            load_demo_tour(actor=users["admin"])
            load_demo_roadmaps()
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write(f"Admin: {settings.SITE_URL}/admin/  login admin / {passwords['admin']}")
        for username in OFFICIAL_REGIONS.values():
            self.stdout.write(f"CRT official: /comptes/login/  login {username} / {passwords[username]}")
        self.stdout.write(f"(credentials kept in {credentials_file})")

    def _users(self, credentials_file):
        stored = {}
        if credentials_file.exists():
            stored = dict(line.split(" ", 1) for line in credentials_file.read_text().splitlines() if " " in line)
        User = get_user_model()
        passwords = {}
        for username in ["admin", *OFFICIAL_REGIONS.values()]:
            password = stored.get(username) or secrets.token_urlsafe(9)
            user, created = User.objects.get_or_create(username=username)
            if created or username not in stored:
                user.set_password(password)
            if username == "admin":
                user.is_staff = user.is_superuser = True
                user.email = "admin@onmt.ma"
                user.first_name, user.last_name = "Équipe", "Tournée ONMT"
            user.save()
            passwords[username] = password
        settings.VAR_DIR.mkdir(exist_ok=True)
        credentials_file.write_text("".join(f"{name} {pw}\n" for name, pw in passwords.items()))
        return passwords
