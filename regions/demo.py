"""Demo CRTs and contacts of the 12 regions; `load_demo_councils()` is called by `load_demo_data`, safe to run twice."""

from regions.models import Contact, Region, RegionalCouncil

# The regions' seat city in English and tourism profile in Arabic and English (the French ones and the Arabic
# names come with the seed migration): number → (seat city, profile in Arabic, profile in English).
PROFILES = {
    1: (
        "Tangier",
        "واجهتان بحريتان على المتوسط والأطلسي، ومدينة تطوان العتيقة المصنفة تراثا عالميا لدى اليونسكو، "
        "وشفشاون وجبال الريف: سياحة شاطئية وثقافية وطبيعية.",
        "Two coastlines, the Mediterranean and the Atlantic, the UNESCO-listed medina of Tetouan, Chefchaouen "
        "and the Rif: seaside, culture and nature.",
    ),
    2: (
        "Oujda",
        "السعيدية والبحر الأبيض المتوسط، ومضايق زكزل، ومصب نهر ملوية: سياحة شاطئية وغولف وسياحة بيئية.",
        "Saidia and the Mediterranean, the Zegzel gorges, the mouth of the Moulouya: seaside, golf and ecotourism.",
    ),
    3: (
        "Fez",
        "مدينتان إمبراطوريتان، ومدينة فاس العتيقة ووليلي المصنفتان تراثا عالميا لدى اليونسكو، وإفران في الأطلس "
        "المتوسط: ثقافة وروحانية وطبيعة.",
        "Two imperial cities, the UNESCO-listed medina of Fez and Volubilis, Ifrane in the Middle Atlas: culture, "
        "spirituality and nature.",
    ),
    4: (
        "Rabat",
        "العاصمة، مدينة الأنوار المصنفة تراثا عالميا لدى اليونسكو، وبحيرة مولاي بوسلهام: ثقافة وأعمال ومؤتمرات وغولف.",
        "The capital, a UNESCO-listed city of light, the Moulay Bousselham lagoon: culture, business and "
        "conferences (MICE), golf.",
    ),
    5: (
        "Beni Mellal",
        "شلالات أوزود، والجيوبارك مكون، وبحيرة بين الويدان: طبيعة ومشي في الجبال ورياضات مائية.",
        "The Ouzoud falls, the M'Goun geopark, the Bin El Ouidane lake: nature, hiking and water sports.",
    ),
    6: (
        "Casablanca",
        "أول بوابة جوية للمملكة، والعاصمة الاقتصادية، والجديدة المصنفة تراثا عالميا لدى اليونسكو: أعمال ومؤتمرات "
        "ورحلات بحرية وسياحة شاطئية.",
        "The first gateway by air, the economic capital, UNESCO-listed El Jadida: business, MICE, cruises and seaside.",
    ),
    7: (
        "Marrakesh",
        "الوجهة الأولى في المملكة، والصويرة، والأطلس الكبير: ثقافة وغولف ومؤتمرات ومشي في الجبال وركوب الأمواج.",
        "The Kingdom's first destination, Essaouira, the High Atlas: culture, golf, MICE, hiking and surfing.",
    ),
    8: (
        "Errachidia",
        "ورزازات واستوديوهاتها، وقصر آيت بن حدو المصنف تراثا عالميا لدى اليونسكو، وكثبان مرزوكة: صحراء وواحات وثقافة.",
        "Ouarzazate and its film studios, UNESCO-listed Ait Ben Haddou, the dunes of Merzouga: desert, oases and "
        "culture.",
    ),
    9: (
        "Agadir",
        "أكادير وتغازوت، والمنتزه الوطني سوس ماسة، وغابة الأركان: سياحة شاطئية وغولف وركوب الأمواج وطبيعة.",
        "Agadir and Taghazout, the Souss-Massa national park, the argan forest: seaside, golf, surfing and nature.",
    ),
    10: (
        "Guelmim",
        "باب الصحراء، والشاطئ الأبيض، والواحات وموسم طانطان: صحراء وطبيعة وثقافة صحراوية.",
        "Gateway to the Sahara, the White Beach, the oases and the Tan-Tan moussem: desert, nature and Sahrawi "
        "culture.",
    ),
    11: (
        "Laayoune",
        "بحيرة النعيلة، والكثبان الرملية والواجهة الأطلسية: صحراء وصيد رياضي ورياضات مائية.",
        "The Naila lagoon, the dunes and the Atlantic coast: desert, sport fishing and water sports.",
    ),
    12: (
        "Dakhla",
        "وجهة استراتيجية للسياحة الشاطئية: خليج الداخلة، وركوب الأمواج بالطائرة الورقية والألواح الشراعية، "
        "والكثيب الأبيض.",
        "A strategic seaside destination: the bay of Dakhla, kitesurfing and windsurfing, the White Dune.",
    ),
}


def load_demo_region_profiles() -> None:
    """The translations of the regions' profiles and seat cities, where staff have not written any."""
    for region in Region.objects.all():
        seat_en, profile_ar, profile_en = PROFILES[region.number]
        changed = {
            name: value
            for name, value in (
                ("seat_city_en", seat_en),
                ("tourism_profile_ar", profile_ar),
                ("tourism_profile_en", profile_en),
            )
            if not getattr(region, name)
        }
        for name, value in changed.items():
            setattr(region, name, value)
        if changed:
            region.save(update_fields=list(changed))


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
