"""The demo 2026 tour, called by `load_demo_data`: 24 meetings in the 12 regions, the first four stops held.

Meetings are created, published and marked held through the services, as staff would in the admin, so
they carry what those steps add (default reminders, sequence). A held stop has its delegation, its
attendance (who came, who did not, survey answers), its minutes and the decisions of the CRT session,
co-signed by the CRT for the first stop and awaiting the CRT's answer for the second; the stops ahead
have registrations and no outcome yet. Safe to run twice.
"""

from datetime import datetime, time, timedelta

from django.utils import timezone

from meetings.models import (
    AgendaItem,
    Decision,
    DelegationMember,
    Meeting,
    Minutes,
    MinutesValidation,
    Registration,
    SurveyResponse,
    Tour,
)
from meetings.services.delegation import delegation_save
from meetings.services.meeting import meeting_mark_held, meeting_publish, meeting_save
from meetings.services.minutes import decision_create, minutes_save, minutes_start
from meetings.services.registration import registration_create
from meetings.services.validation import minutes_send_for_validation, minutes_validate
from plan.models import Axis, Market, Owner, ProductLine
from regions.models import Contact, Region

LANGUAGES = ("fr", "ar", "en")

DEMO_PROFESSIONALS = [
    ("Nadia Benali", "Dakhla Attitude", Registration.Sector.LODGING, "fr"),
    ("محمد الصحراوي", "وكالة الداخلة للأسفار", Registration.Sector.TRAVEL_AGENCY, "ar"),
    ("Youssef El Idrissi", "Kite Paradise", Registration.Sector.LEISURE, "fr"),
    ("Salma Alaoui", "Transports Atlas Sud", Registration.Sector.TRANSPORT, "fr"),
    ("Karim Ouazzani", "Guides du Souss", Registration.Sector.GUIDES, "en"),
    ("فاطمة الزهراء", "تعاونية أركان", Registration.Sector.CRAFTS, "ar"),
]

# The tour starts in Dakhla-Oued Ed-Dahab and then goes north, one region after another; four stops are
# behind it today.
TOUR_ORDER = [12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]
DAYS_BETWEEN_STOPS = 8
DAYS_SINCE_FIRST_STOP = 26
# The texts staff type, in French, Arabic and English (meetings/translation.py): a dict per text.
TOUR_NAME = {
    "fr": "Tournée régionale de la relance 2026",
    "ar": "الجولة الجهوية لإنعاش السياحة 2026",
    "en": "2026 Regional Tourism Recovery Tour",
}
TOUR_DESCRIPTION = {
    "fr": "L'ONMT rencontre les CRT et les professionnels des 12 régions, avec l'appui de la CNT.",
    "ar": "يلتقي المكتب الوطني المغربي للسياحة بالمجالس الجهوية للسياحة وبمهنيي القطاع في الجهات الاثنتي عشرة، "
    "بدعم من الكونفدرالية الوطنية للسياحة.",
    "en": "ONMT meets the Regional Tourism Councils and the tourism professionals of the 12 regions, with the "
    "support of the CNT.",
}
TITLES = {
    Meeting.Kind.CRT_SESSION: {
        "fr": "Séance de travail avec le CRT {name}",
        "ar": "جلسة عمل مع المجلس الجهوي للسياحة {name}",
        "en": "Working session with the {name} Regional Tourism Council",
    },
    Meeting.Kind.PROFESSIONALS: {
        "fr": "Rencontre des professionnels — {name}",
        "ar": "لقاء مع مهنيي السياحة — {name}",
        "en": "Meeting with tourism professionals — {name}",
    },
}
VENUES = {
    Meeting.Kind.CRT_SESSION: {
        "fr": "Siège du Conseil régional",
        "ar": "مقر المجلس الجهوي",
        "en": "Regional Council headquarters",
    },
    Meeting.Kind.PROFESSIONALS: {"fr": "Palais des congrès", "ar": "قصر المؤتمرات", "en": "Conference Centre"},
}
ADDRESS = {"fr": "Avenue Mohammed V, {seat}", "ar": "شارع محمد الخامس، {seat}", "en": "Mohammed V Avenue, {seat}"}
DESCRIPTION = {
    "fr": "Plan de relance : promotion sur les marchés prioritaires, tourisme interne, "
    "dispositifs marketing et commerciaux adaptés aux potentialités de la région.",
    "ar": "مخطط الإنعاش: الترويج في الأسواق ذات الأولوية، والسياحة الداخلية، وآليات تسويقية وتجارية "
    "ملائمة لمؤهلات الجهة.",
    "en": "Recovery plan: promotion on the priority markets, domestic tourism, and marketing and commercial "
    "measures suited to the region's potential.",
}
CRT_AGENDA = [
    (
        time(9, 30),
        {
            "fr": "Bilan de la saison et situation de la destination",
            "ar": "حصيلة الموسم ووضعية الوجهة",
            "en": "Review of the season and the state of the destination",
        },
        "Direction du CRT",
    ),
    (
        time(10, 15),
        {
            "fr": "Marchés prioritaires et produits de la région",
            "ar": "الأسواق ذات الأولوية ومنتوجات الجهة",
            "en": "Priority markets and the region's products",
        },
        "ONMT",
    ),
    (
        time(11, 15),
        {
            "fr": "Feuille de route régionale : engagements de chacun",
            "ar": "خارطة الطريق الجهوية: التزامات كل طرف",
            "en": "Regional roadmap: who commits to what",
        },
        "ONMT, CRT et CNT",
    ),
]
AGENDA = [
    (
        time(15, 0),
        {
            "fr": "Accueil et mot de bienvenue du CRT",
            "ar": "الاستقبال وكلمة ترحيب المجلس الجهوي للسياحة",
            "en": "Welcome address by the Regional Tourism Council",
        },
        "Président(e) du CRT",
    ),
    (
        time(15, 20),
        {
            "fr": "Plan stratégique de relance et marchés prioritaires",
            "ar": "المخطط الاستراتيجي للإنعاش والأسواق ذات الأولوية",
            "en": "Strategic recovery plan and priority markets",
        },
        "ONMT",
    ),
    (
        time(16, 0),
        {
            "fr": "Dispositifs marketing et commerciaux, tourisme interne",
            "ar": "الآليات التسويقية والتجارية، والسياحة الداخلية",
            "en": "Marketing and commercial measures, domestic tourism",
        },
        "ONMT et CNT",
    ),
    (
        time(16, 45),
        {"fr": "Échanges avec les professionnels", "ar": "نقاش مع المهنيين", "en": "Discussion with the professionals"},
        "",
    ),
    (
        time(17, 30),
        {
            "fr": "Feuille de route régionale : prochaines étapes",
            "ar": "خارطة الطريق الجهوية: الخطوات المقبلة",
            "en": "Regional roadmap: next steps",
        },
        "ONMT",
    ),
]


def _in_languages(field: str, texts: dict, **values) -> dict:
    """`texts` (one per language, with `{name}`-style blanks filled from `values` of that language) as the
    keyword arguments of the field's columns: title_fr, title_ar, title_en."""
    return {
        f"{field}_{language}": text.format(**{key: value[language] for key, value in values.items()})
        for language, text in texts.items()
    }


def _region_texts(region: Region, field: str) -> dict:
    """A field of the region in each language, French where it has no translation."""
    return {
        language: getattr(region, f"{field}_{language}") or getattr(region, f"{field}_fr") for language in LANGUAGES
    }


def load_demo_tour(*, actor) -> None:
    """The tour, its meetings (held, published or draft by their date), registrations for the next two,
    and what the held stops left: attendance, delegation, minutes, decisions (`actor` writes the minutes)."""
    _demo_tour()
    _demo_registrations()
    for meeting in Meeting.objects.filter(status=Meeting.Status.HELD).select_related("region").order_by("starts_at"):
        if meeting.kind == Meeting.Kind.PROFESSIONALS:
            _demo_attendance(meeting)
        else:
            _demo_outcomes(meeting, actor=actor)


def _demo_tour() -> None:
    today = timezone.localdate()
    first_stop = today - timedelta(days=DAYS_SINCE_FIRST_STOP)
    tour, _ = Tour.objects.get_or_create(
        slug="relance-2026",
        defaults={
            **_in_languages("name", TOUR_NAME),
            "starts_on": first_stop,
            "ends_on": first_stop + timedelta(days=DAYS_BETWEEN_STOPS * len(TOUR_ORDER)),
            **_in_languages("description", TOUR_DESCRIPTION),
            "is_published": True,
        },
    )
    regions = {region.number: region for region in Region.objects.all()}
    for stop, number in enumerate(TOUR_ORDER):
        region = regions[number]
        day = tour.starts_on + timedelta(days=DAYS_BETWEEN_STOPS * stop)
        status = Meeting.Status.HELD if day < today else Meeting.Status.PUBLISHED
        if stop >= 9:
            status = Meeting.Status.DRAFT
        name, seat = _region_texts(region, "name"), _region_texts(region, "seat_city")
        for kind, start, end in [
            (Meeting.Kind.CRT_SESSION, time(9, 30), time(12, 0)),
            (Meeting.Kind.PROFESSIONALS, time(15, 0), time(18, 0)),
        ]:
            slug = f"{tour.slug}-{region.slug}-{kind.replace('_', '-')}"
            if Meeting.objects.filter(slug=slug).exists():
                continue
            starts_at = timezone.make_aware(datetime.combine(day, start))
            meeting = meeting_save(
                meeting=Meeting(
                    slug=slug,
                    tour=tour,
                    region=region,
                    kind=kind,
                    **_in_languages("title", TITLES[kind], name=name),
                    status=Meeting.Status.DRAFT,
                    starts_at=starts_at,
                    ends_at=timezone.make_aware(datetime.combine(day, end)),
                    **_in_languages("venue_name", VENUES[kind]),
                    **_in_languages("address", ADDRESS, seat=seat),
                    **_in_languages("city", dict.fromkeys(LANGUAGES, "{seat}"), seat=seat),
                    capacity=20 if kind == Meeting.Kind.CRT_SESSION else 120,
                    registration_opens_at=starts_at - timedelta(days=30),
                    # The evening before, at an hour people read as a deadline.
                    registration_closes_at=timezone.make_aware(datetime.combine(day - timedelta(days=1), time(18, 0))),
                    **_in_languages("description", DESCRIPTION),
                )
            )
            agenda = AGENDA if kind == Meeting.Kind.PROFESSIONALS else CRT_AGENDA
            AgendaItem.objects.bulk_create(
                AgendaItem(meeting=meeting, position=i, starts_at=at, **_in_languages("title", item), speaker=speaker)
                for i, (at, item, speaker) in enumerate(agenda)
            )
            _advance(meeting, to=status)


def _advance(meeting: Meeting, *, to: str) -> None:
    """Take a new draft to `to` the way staff do, through the services (publishing adds the reminders)."""
    if to in (Meeting.Status.PUBLISHED, Meeting.Status.HELD):
        meeting_publish(meeting=meeting)
    if to == Meeting.Status.HELD:
        meeting_mark_held(meeting=meeting)


def _phone(region: Region, n: int) -> str:
    return f"+2126{region.number:02d}{n:06d}"


def _demo_registrations() -> None:
    """A few professionals registered for the next open meetings (each once, through the real service)."""
    upcoming = Meeting.objects.filter(
        kind=Meeting.Kind.PROFESSIONALS, status=Meeting.Status.PUBLISHED, starts_at__gt=timezone.now()
    ).order_by("starts_at")[:2]
    for meeting in upcoming:
        if meeting.registrations.exists():
            continue
        for n, (name, organisation, sector, language) in enumerate(DEMO_PROFESSIONALS):
            registration_create(
                meeting_id=meeting.pk,
                full_name=name,
                organisation=organisation,
                sector=sector,
                email=f"pro{n}.{meeting.region.slug}@example.ma",
                phone=_phone(meeting.region, 100 + n),
                city=meeting.city,
                language=language,
            )


# Who came to a held professionals' meeting: (name, organisation, sector, language, came, survey rating).
ATTENDEES = [
    ("Nadia Benali", "Hôtel Les Dunes", Registration.Sector.LODGING, "fr", True, 5),
    ("محمد الصحراوي", "وكالة الجنوب للأسفار", Registration.Sector.TRAVEL_AGENCY, "ar", True, 4),
    ("Youssef El Idrissi", "Glisse et Vent", Registration.Sector.LEISURE, "fr", True, 4),
    ("Salma Alaoui", "Transports Atlas Sud", Registration.Sector.TRANSPORT, "fr", False, None),
    ("Karim Ouazzani", "Guides et découvertes", Registration.Sector.GUIDES, "en", True, 3),
    ("فاطمة الزهراء بناني", "تعاونية الصناعة التقليدية", Registration.Sector.CRAFTS, "ar", True, 5),
    ("Hicham Tazi", "Riad Al Waha", Registration.Sector.LODGING, "fr", True, None),
    ("Amina Chraibi", "Événements du Sud", Registration.Sector.MICE, "fr", False, None),
    ("Rachid Amrani", "Restaurant La Lagune", Registration.Sector.RESTAURANTS, "fr", True, 4),
    ("Leila Haddad", "Office du tourisme communal", Registration.Sector.INSTITUTION, "en", True, None),
]


def _demo_attendance(meeting: Meeting) -> None:
    """Registrations of a meeting already held, as check-in left them: who came, who did not, and survey answers.

    Written directly: the registration service rightly refuses a meeting in the past.
    """
    if meeting.registrations.exists():
        return
    for n, (name, organisation, sector, language, came, rating) in enumerate(ATTENDEES):
        registration = Registration.objects.create(
            meeting=meeting,
            full_name=name,
            organisation=organisation,
            sector=sector,
            email=f"participant{n}.{meeting.region.slug}@example.ma",
            phone=_phone(meeting.region, n),
            city=meeting.city,
            language=language,
            consent_at=meeting.starts_at - timedelta(days=5, hours=n),
            status=Registration.Status.ATTENDED if came else Registration.Status.CONFIRMED,
            attended_at=meeting.starts_at + timedelta(minutes=3 * n) if came else None,
        )
        if rating is not None:
            SurveyResponse.objects.create(
                meeting=meeting,
                registration=registration,
                rating=rating,
                comment="Des échanges concrets ; à refaire dans un an." if rating >= 4 else "",
            )


# What each CRT session decided: the region's own commitments by region number, after those every region
# agreed (the seat city in the title). (title, axis, product line, owner, market slugs, due in days).
COMMON_DECISIONS = [
    (
        "Campagne de promotion de {seat} sur les marchés prioritaires",
        Axis.PROMOTION,
        ProductLine.OTHER,
        Owner.ONMT,
        ["france", "espagne", "royaume-uni"],
        75,
    ),
    (
        "Campagne tourisme interne « {seat}, destination de proximité »",
        Axis.DOMESTIC,
        ProductLine.OTHER,
        Owner.ONMT,
        ["national"],
        40,
    ),
    ("Formation de 40 opérateurs de {seat} au marketing digital", Axis.DIGITAL, ProductLine.OTHER, Owner.CNT, [], 20),
]
REGION_DECISIONS = {
    12: [
        (
            "Dakhla, capitale du kitesurf : salon et éductours",
            Axis.PRODUCT,
            ProductLine.WATER_SPORTS,
            Owner.CRT,
            ["france", "allemagne"],
            15,
        )
    ],
    11: [
        (
            "Pêche sportive et sports nautiques à Foum El Oued",
            Axis.PRODUCT,
            ProductLine.WATER_SPORTS,
            Owner.CRT,
            ["espagne"],
            60,
        )
    ],
    10: [
        (
            "Plage Blanche et oasis : circuits nature et désert",
            Axis.PRODUCT,
            ProductLine.DESERT,
            Owner.CNT,
            ["national"],
            90,
        )
    ],
    9: [
        (
            "Agadir, destination golf d'hiver",
            Axis.PRODUCT,
            ProductLine.GOLF,
            Owner.CNT,
            ["royaume-uni", "scandinavie"],
            120,
        )
    ],
}
# Agreed once, for every region: the CNT task force's action, carried forward to the following stops.
NATIONAL_DECISION = (
    "Plateforme nationale de distribution des offres de tourisme interne",
    Axis.DOMESTIC,
    ProductLine.OTHER,
    Owner.CNT,
    ["national", "mre"],
    100,
)
# The decisions' titles in Arabic and English, by their French title (`{seat}`: the seat city, in each language).
DECISION_TRANSLATIONS = {
    "Campagne de promotion de {seat} sur les marchés prioritaires": (
        "حملة للترويج لوجهة {seat} في الأسواق ذات الأولوية",
        "Promotion campaign for {seat} on the priority markets",
    ),
    "Campagne tourisme interne « {seat}, destination de proximité »": (
        "حملة للسياحة الداخلية «{seat}، وجهة قريبة منكم»",
        "Domestic tourism campaign “{seat}, a destination close to home”",
    ),
    "Formation de 40 opérateurs de {seat} au marketing digital": (
        "تكوين 40 مهنيا من {seat} في التسويق الرقمي",
        "Digital marketing training for 40 operators from {seat}",
    ),
    "Dakhla, capitale du kitesurf : salon et éductours": (
        "الداخلة، عاصمة ركوب الأمواج بالطائرة الورقية: معرض ورحلات تعريفية",
        "Dakhla, kitesurfing capital: trade fair and fam trips",
    ),
    "Pêche sportive et sports nautiques à Foum El Oued": (
        "الصيد الرياضي والرياضات المائية في فم الواد",
        "Sport fishing and water sports at Foum El Oued",
    ),
    "Plage Blanche et oasis : circuits nature et désert": (
        "الشاطئ الأبيض والواحات: مسارات للطبيعة والصحراء",
        "White Beach and oases: nature and desert tours",
    ),
    "Agadir, destination golf d'hiver": ("أكادير، وجهة الغولف في فصل الشتاء", "Agadir, a winter golf destination"),
    "Plateforme nationale de distribution des offres de tourisme interne": (
        "منصة وطنية لتوزيع عروض السياحة الداخلية",
        "National distribution platform for domestic tourism offers",
    ),
}
MINUTES_SUMMARY = (
    "Séance de travail ONMT, CRT et CNT sur la relance de la destination {seat} : bilan de la saison, "
    "marchés prioritaires et engagements de la feuille de route régionale."
)
ENTRY_TEXTS = [
    (
        "Le CRT présente la fréquentation de la saison et les capacités d'hébergement disponibles.",
        "Les hôteliers demandent une visibilité sur les dessertes aériennes.",
    ),
    (
        "L'ONMT présente les marchés prioritaires et les produits à mettre en avant pour la région.",
        "Les agences de voyages souhaitent des offres packagées pour le marché national.",
    ),
    ("Les engagements de chacun sont arrêtés ; ils entrent dans la feuille de route régionale.", ""),
]


def _demo_outcomes(meeting: Meeting, *, actor) -> None:
    """The delegation, minutes and decisions of a held CRT session; the first co-signed, the second sent."""
    if Decision.objects.filter(meeting=meeting).exists():
        return
    region, seat = meeting.region, meeting.region.seat_city
    president = Contact.objects.get(region=region, email=f"president@crt-{region.slug}.ma")
    delegation_save(
        meeting=meeting,
        changed=[
            DelegationMember(
                side=DelegationMember.Side.CRT, role=DelegationMember.Role.CHAIR, contact=president, position=0
            ),
            DelegationMember(
                side=DelegationMember.Side.ONMT, role=DelegationMember.Role.SPEAKER, user=actor, position=1
            ),
            DelegationMember(
                side=DelegationMember.Side.CNT,
                role=DelegationMember.Role.SPEAKER,
                full_name="Représentant(e) de la task force produit",
                organisation="CNT",
                position=2,
            ),
            DelegationMember(
                side=DelegationMember.Side.ONMT,
                role=DelegationMember.Role.NOTE_TAKER,
                full_name="Rapporteur de la délégation",
                organisation="ONMT",
                position=3,
            ),
        ],
    )
    minutes = minutes_start(meeting=meeting, actor=actor)
    entries = list(minutes.entries.select_related("agenda_item").order_by("agenda_item__position"))
    changes = {"summary": MINUTES_SUMMARY.format(seat=seat)}
    for entry, (summary, points) in zip(entries, ENTRY_TEXTS, strict=False):
        changes[f"entry-{entry.pk}-summary"] = summary
        changes[f"entry-{entry.pk}-points_raised"] = points
    base = dict.fromkeys(changes, "")
    minutes_save(minutes_id=minutes.pk, base_version=minutes.version, changes=changes, base_values=base, actor=actor)
    markets = {market.slug: market for market in Market.objects.all()}
    decided = [(title, *rest) for title, *rest in COMMON_DECISIONS] + REGION_DECISIONS.get(region.number, [])
    first_stop = not Decision.objects.filter(scope=Decision.Scope.NATIONAL).exists()
    if first_stop:
        decided.append(NATIONAL_DECISION)
    day = timezone.localtime(meeting.starts_at).date()
    seats = _region_texts(region, "seat_city")
    for title, axis, product_line, owner, slugs, due_in in decided:
        decision = decision_create(
            meeting=meeting,
            agenda_item=entries[-1].agenda_item,
            title=title.format(seat=seat),
            axis=axis,
            product_line=product_line,
            owner=owner,
            markets=[markets[slug] for slug in slugs],
            due_on=day + timedelta(days=due_in),
            scope=Decision.Scope.NATIONAL if (title, axis) == NATIONAL_DECISION[:2] else Decision.Scope.REGIONAL,
        )
        decision.title_ar, decision.title_en = (
            text.format(seat=seats[language])
            for language, text in zip(("ar", "en"), DECISION_TRANSLATIONS[title], strict=True)
        )
        decision.save(update_fields=["title_ar", "title_en", "updated_at"])
    held_before = Minutes.objects.filter(meeting__starts_at__lt=meeting.starts_at, versions__isnull=False).count()
    if held_before < 2:
        minutes.refresh_from_db()
        version = minutes_send_for_validation(minutes=minutes, validator=president, actor=actor)
        if held_before == 0:
            minutes_validate(version=version, contact=president, channel=MinutesValidation.Channel.LINK)
