"""Seed the national market and the main international source markets; staff may edit them later."""

from django.db import migrations

MARKETS = [
    ("national", "National (tourisme interne)", True),
    ("mre", "Marocains du monde (MRE)", False),
    ("france", "France", False),
    ("espagne", "Espagne", False),
    ("royaume-uni", "Royaume-Uni", False),
    ("allemagne", "Allemagne", False),
    ("italie", "Italie", False),
    ("benelux", "Belgique / Pays-Bas", False),
    ("portugal", "Portugal", False),
    ("scandinavie", "Pays nordiques", False),
    ("etats-unis", "États-Unis", False),
    ("canada", "Canada", False),
    ("pays-du-golfe", "Pays du Golfe", False),
    ("chine", "Chine", False),
    ("israel", "Israël", False),
    ("afrique-subsaharienne", "Afrique subsaharienne", False),
]


def seed(apps, schema_editor, *, app_label="roadmap"):
    # The markets moved to the plan app later (plan 0001): the test suite's reseeding names it.
    Market = apps.get_model(app_label, "Market")
    for position, (slug, name, is_domestic) in enumerate(MARKETS, start=1):
        Market.objects.update_or_create(
            slug=slug, defaults={"name": name, "is_domestic": is_domestic, "position": position * 10}
        )


def unseed(apps, schema_editor):
    apps.get_model("roadmap", "Market").objects.filter(slug__in=[slug for slug, _, _ in MARKETS]).delete()


class Migration(migrations.Migration):
    dependencies = [("roadmap", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
