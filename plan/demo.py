"""The target markets' names in Arabic and English (the French ones are seeded by migration); called by
`load_demo_data`, safe to run twice, and never over a translation staff have written."""

from plan.models import Market

# slug → (Arabic, English)
MARKET_NAMES = {
    "national": ("السوق الوطنية (السياحة الداخلية)", "Domestic market (domestic tourism)"),
    "mre": ("مغاربة العالم", "Moroccans living abroad"),
    "france": ("فرنسا", "France"),
    "espagne": ("إسبانيا", "Spain"),
    "royaume-uni": ("المملكة المتحدة", "United Kingdom"),
    "allemagne": ("ألمانيا", "Germany"),
    "italie": ("إيطاليا", "Italy"),
    "benelux": ("بلجيكا / هولندا", "Belgium / Netherlands"),
    "portugal": ("البرتغال", "Portugal"),
    "scandinavie": ("بلدان الشمال الأوروبي", "Nordic countries"),
    "etats-unis": ("الولايات المتحدة", "United States"),
    "canada": ("كندا", "Canada"),
    "pays-du-golfe": ("دول الخليج", "Gulf countries"),
    "chine": ("الصين", "China"),
    "israel": ("إسرائيل", "Israel"),
    "afrique-subsaharienne": ("أفريقيا جنوب الصحراء", "Sub-Saharan Africa"),
}


def load_demo_market_names() -> None:
    for market in Market.objects.filter(slug__in=MARKET_NAMES):
        arabic, english = MARKET_NAMES[market.slug]
        changed = [name for name in ("name_ar", "name_en") if not getattr(market, name)]
        market.name_ar, market.name_en = market.name_ar or arabic, market.name_en or english
        if changed:
            market.save(update_fields=changed)
