"""Demo CRTs and contacts of the 12 regions; `load_demo_councils()` is called by `load_demo_data`, safe to run twice."""

from regions.models import Contact, Region, RegionalCouncil


def load_demo_councils(*, officials: dict) -> None:
    """Each region's CRT with four contacts; the CRT director of each region in `officials` gets that login."""
    for region in Region.objects.all():
        RegionalCouncil.objects.get_or_create(
            region=region,
            defaults={
                "name": f"Conseil Régional du Tourisme {region.name_fr}",
                "email": f"contact@crt-{region.slug}.ma",
                "phone": "+212 5 22 00 00 00",
                "address": region.seat_city,
            },
        )
        people = [
            (
                "crt",
                f"Président(e) CRT {region.seat_city}",
                "CRT",
                "Président(e)",
                f"president@crt-{region.slug}.ma",
            ),
            (
                "crt",
                f"Directeur(trice) CRT {region.seat_city}",
                "CRT",
                "Directeur(trice)",
                f"direction@crt-{region.slug}.ma",
            ),
            (
                "association",
                f"Association de l'hôtellerie — {region.seat_city}",
                "Association régionale de l'industrie hôtelière",
                "Président(e)",
                f"ahi@{region.slug}.ma",
            ),
            (
                "association",
                f"Association des agences de voyages — {region.seat_city}",
                "Association régionale des agences de voyages",
                "Président(e)",
                f"aav@{region.slug}.ma",
            ),
        ]
        for kind, name, organisation, role, email in people:
            Contact.objects.get_or_create(
                region=region,
                email=email,
                defaults={"kind": kind, "full_name": name, "organisation": organisation, "role": role},
            )
        official = officials.get(region.number)
        if official is not None:
            contact = Contact.objects.get(region=region, email=f"direction@crt-{region.slug}.ma")
            contact.user = official
            contact.save(update_fields=["user", "updated_at"])
