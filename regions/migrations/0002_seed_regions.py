"""Seed the 12 regions of the 2015 territorial division (decree 2-15-40)."""

from django.db import migrations

REGIONS = [
    (
        1,
        "tanger-tetouan-al-hoceima",
        "Tanger-Tétouan-Al Hoceïma",
        "طنجة تطوان الحسيمة",
        "Tangier-Tetouan-Al Hoceima",
        "Tanger",
        "طنجة",
        "Deux façades maritimes, Méditerranée et Atlantique, la médina de Tétouan inscrite "
        "à l'UNESCO, Chefchaouen et le Rif : balnéaire, culture et nature.",
    ),
    (
        2,
        "oriental",
        "L'Oriental",
        "الشرق",
        "Oriental",
        "Oujda",
        "وجدة",
        "Saïdia et la Méditerranée, les gorges du Zegzel, l'embouchure de la Moulouya : "
        "balnéaire, golf et écotourisme.",
    ),
    (
        3,
        "fes-meknes",
        "Fès-Meknès",
        "فاس مكناس",
        "Fez-Meknes",
        "Fès",
        "فاس",
        "Deux villes impériales, la médina de Fès et Volubilis inscrites à l'UNESCO, le "
        "Moyen Atlas d'Ifrane : culture, spiritualité et nature.",
    ),
    (
        4,
        "rabat-sale-kenitra",
        "Rabat-Salé-Kénitra",
        "الرباط سلا القنيطرة",
        "Rabat-Sale-Kenitra",
        "Rabat",
        "الرباط",
        "La capitale, ville lumière inscrite à l'UNESCO, la lagune de Moulay Bousselham : "
        "culture, affaires et congrès (MICE), golf.",
    ),
    (
        5,
        "beni-mellal-khenifra",
        "Béni Mellal-Khénifra",
        "بني ملال خنيفرة",
        "Beni Mellal-Khenifra",
        "Béni Mellal",
        "بني ملال",
        "Les cascades d'Ouzoud, le géoparc du M'Goun, le lac de Bin El Ouidane : nature, "
        "randonnée et sports nautiques.",
    ),
    (
        6,
        "casablanca-settat",
        "Casablanca-Settat",
        "الدار البيضاء سطات",
        "Casablanca-Settat",
        "Casablanca",
        "الدار البيضاء",
        "Première porte d'entrée aérienne, capitale économique, El Jadida inscrite à "
        "l'UNESCO : affaires, MICE, croisières et balnéaire.",
    ),
    (
        7,
        "marrakech-safi",
        "Marrakech-Safi",
        "مراكش آسفي",
        "Marrakesh-Safi",
        "Marrakech",
        "مراكش",
        "Première destination du Royaume, Essaouira, le Haut Atlas : culture, golf, MICE, randonnée et surf.",
    ),
    (
        8,
        "draa-tafilalet",
        "Drâa-Tafilalet",
        "درعة تافيلالت",
        "Draa-Tafilalet",
        "Errachidia",
        "الرشيدية",
        "Ouarzazate et ses studios, Aït-Ben-Haddou inscrit à l'UNESCO, les dunes de Merzouga : "
        "désert, oasis et culture.",
    ),
    (
        9,
        "souss-massa",
        "Souss-Massa",
        "سوس ماسة",
        "Souss-Massa",
        "Agadir",
        "أكادير",
        "Agadir et Taghazout, le parc national de Souss-Massa, l'arganeraie : balnéaire, golf, surf et nature.",
    ),
    (
        10,
        "guelmim-oued-noun",
        "Guelmim-Oued Noun",
        "كلميم واد نون",
        "Guelmim-Oued Noun",
        "Guelmim",
        "كلميم",
        "Porte du Sahara, la plage Blanche, les oasis et le moussem de Tan-Tan : désert, nature et culture sahraouie.",
    ),
    (
        11,
        "laayoune-sakia-el-hamra",
        "Laâyoune-Sakia El Hamra",
        "العيون الساقية الحمراء",
        "Laayoune-Sakia El Hamra",
        "Laâyoune",
        "العيون",
        "La lagune de Naïla, les dunes et la façade atlantique : désert, pêche sportive et sports nautiques.",
    ),
    (
        12,
        "dakhla-oued-ed-dahab",
        "Dakhla-Oued Ed-Dahab",
        "الداخلة وادي الذهب",
        "Dakhla-Oued Ed-Dahab",
        "Dakhla",
        "الداخلة",
        "Destination stratégique du tourisme balnéaire : la baie de Dakhla, le kitesurf et "
        "la planche à voile, la Dune blanche.",
    ),
]


def seed_regions(apps, schema_editor):
    Region = apps.get_model("regions", "Region")
    for number, slug, name_fr, name_ar, name_en, seat, seat_ar, profile in REGIONS:
        Region.objects.update_or_create(
            number=number,
            defaults={
                "slug": slug,
                "name_fr": name_fr,
                "name_ar": name_ar,
                "name_en": name_en,
                "seat_city": seat,
                "seat_city_ar": seat_ar,
                "tourism_profile": profile,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("regions", "0001_initial")]

    operations = [migrations.RunPython(seed_regions, migrations.RunPython.noop)]
