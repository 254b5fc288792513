"""Who reaches every URL of the site, and that nobody sees another region's or another person's data.

The URL resolver is walked, so a URL added without an expectation here makes
`test_every_url_has_an_expectation` fail. Actors: anonymous, a professional holding the
personal link of their own registration, a CRT official of region A and one of region
B, ONMT staff (staff status, the portal apps' permissions) and a superuser.

Every private datum of the fixture carries a unique marker; each answer (HTML, JSON,
CSV, calendar) is searched for the markers the actor must not see.
"""

import re
from dataclasses import dataclass, field
from datetime import timedelta
from types import SimpleNamespace

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from api.models import Webhook, WebhookDelivery
from api.services import api_token_create
from meetings.models import (
    AttendanceMode,
    ConsultationAnswer,
    Decision,
    Meeting,
    MeetingEvidence,
    Minutes,
    MinutesDocument,
    MinutesVersion,
    Registration,
    SurveyResponse,
)
from meetings.selectors.validation import content_hash, minutes_content
from meetings.tests.document_factories import MinutesFactory, minutes_validate
from meetings.tests.factories import DecisionFactory, MeetingFactory, RegistrationFactory
from meetings.tokens import join_token_make, minutes_validation_token_make, survey_token_make
from messaging.models import Unsubscription
from messaging.tests.factories import OutboundMessageFactory
from messaging.tokens import unsubscribe_token_make
from regions.models import ExportLog, RegionalCouncil
from regions.tests.factories import OfficialFactory, UserFactory, region
from roadmap.models import ItemEvidence, MonthlyReport, ProposalLink
from roadmap.selectors import last_month
from roadmap.tests.factories import (
    BudgetLineFactory,
    CommentFactory,
    IndicatorFactory,
    ReadingFactory,
    RoadmapItemFactory,
)
from roadmap.tokens import CHANGES, notices_unsubscribe_token_make, proposals_unsubscribe_token_make

pytestmark = pytest.mark.django_db

ANONYMOUS, PROFESSIONAL, OFFICIAL_A, OFFICIAL_B, STAFF, SUPERUSER = ACTORS = (
    "anonymous",
    "professional",
    "official_a",
    "official_b",
    "staff",
    "superuser",
)
PORTAL_APPS = ("regions", "plan", "meetings", "roadmap", "messaging", "api")

# Private data of each region and each person: never in an answer to someone else.
# A region's decisions not marked public, and the details of any decision, are as private as its roadmap.
ROADMAP_MARKERS = {
    "a": [
        "ROADMAP-A-7Q2",
        "COMMENT-A-5K8",
        "DECISION-A-4R6",
        "DETAILS-A-9P3",
        "INDICATOR-A-6T3",
        "SOURCE-A-2M5",
        "EVIDENCE-A-8N4",
        "MEETINGFILE-A-3J7",
    ],
    "b": ["ROADMAP-B-3X9", "COMMENT-B-8W1"],
}
PERSON_MARKERS = {
    "a": ["Personne-A-Zq4", "pro-a-zq4@example.ma", "+212600000401", "MESSAGE-A-Zq4"],
    "b": ["Personne-B-Vj7", "pro-b-vj7@example.ma", "+212600000702", "MESSAGE-B-Vj7"],
}


@pytest.fixture
def world(db, private_media):
    """Regions A (Dakhla-Oued Ed-Dahab) and B (Souss-Massa), each with a meeting, a registration,
    a roadmap item with a comment, a CRT official; plus staff and a superuser, and a row of
    every model the admin shows. Meeting A has validated minutes with a PDF ready."""
    region_a, region_b = region(12), region(9)
    meeting_a, meeting_b = MeetingFactory(region=region_a), MeetingFactory(region=region_b)
    registrations = {}
    for side, meeting in (("a", meeting_a), ("b", meeting_b)):
        name, email, phone, message = PERSON_MARKERS[side]
        registrations[side] = RegistrationFactory(
            meeting=meeting, full_name=name, email=email, phone=phone, message=message
        )
    items = {}
    for side, where in (("a", region_a), ("b", region_b)):
        items[side] = RoadmapItemFactory(region=where, title=f"{ROADMAP_MARKERS[side][0]} action")
        CommentFactory(item=items[side], body=f"{ROADMAP_MARKERS[side][1]} avis")
    # A meeting of region A held, with a private decision carried out by A's item and a public one without item.
    held_a = MeetingFactory(region=region_a, status=Meeting.Status.HELD)
    items["a"].decision = DecisionFactory(
        meeting=held_a, title=f"{ROADMAP_MARKERS['a'][2]} décision", details=ROADMAP_MARKERS["a"][3], is_public=False
    )
    items["a"].save()
    public_decision_a = DecisionFactory(meeting=held_a, title="Engagement public", details=ROADMAP_MARKERS["a"][3])
    # A's item followed by an indicator (its name and its reading's source as private as the item) and a budget.
    indicator_a = IndicatorFactory(item=items["a"], name=f"{ROADMAP_MARKERS['a'][4]} nuitées")
    ReadingFactory(indicator=indicator_a, source=ROADMAP_MARKERS["a"][5])
    BudgetLineFactory(item=items["a"])
    staff = UserFactory(username="onmt-staff", is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(content_type__app_label__in=PORTAL_APPS))
    superuser = UserFactory(username="onmt-root", is_staff=True, is_superuser=True)
    # One row of each remaining admin model, so every change/delete/history page has an object.
    Group.objects.create(name="Équipe tournée")
    RegionalCouncil.objects.create(region=region_a, name="CRT Dakhla-Oued Ed-Dahab")
    OutboundMessageFactory(meeting=meeting_a, registration=registrations["a"], recipient_email=PERSON_MARKERS["a"][1])
    Unsubscription.objects.create(email="desabonne@example.ma")
    SurveyResponse.objects.create(meeting=meeting_a, registration=registrations["a"], rating=4)
    AccessAttempt.objects.create(username="x", ip_address="10.0.0.1", failures_since_start=1)
    AccessLog.objects.create(username="x", ip_address="10.0.0.1")
    AccessFailureLog.objects.create(username="x", ip_address="10.0.0.1", locked_out=False)
    ExportLog.objects.create(user=superuser, kind=ExportLog.Kind.REGISTRATIONS_CSV, row_count=2)
    api_token_create(actor=superuser, user=staff, name="Tableau de bord", expires_at=timezone.now() + timedelta(days=1))
    # Written as is: creating it through the service would look its address up in the DNS.
    hook = Webhook.objects.create(
        user=staff, name="CNT", url="https://cnt.example.ma/hooks", events=["meeting.published"], secret="0" * 64
    )
    WebhookDelivery.objects.create(webhook=hook, event="meeting.published", payload={"meeting": meeting_a.slug})
    # Region A's professional answered the consultation before meeting A; staff linked their proposal to an item of
    # A, whose title and status its proposer then reads (never the other items of the roadmap).
    answer_a = ConsultationAnswer.objects.create(
        meeting=meeting_a,
        registration=registrations["a"],
        full_name=PERSON_MARKERS["a"][0],
        email=PERSON_MARKERS["a"][1],
        proposal="Proposition de A",
        consent_at=meeting_a.created_at,
        answered_at=meeting_a.created_at,
    )
    ProposalLink.objects.create(
        answer=answer_a, item=RoadmapItemFactory(region=region_a, title="Suite de la proposition")
    )
    minutes_a = MinutesFactory(meeting=meeting_a)
    minutes_validate(minutes_a)
    minutes_pdf_a = MinutesDocument.objects.create(
        minutes=minutes_a,
        version=minutes_a.version,
        language="fr",
        state=MinutesDocument.State.READY,
        file=private_media.save("minutes/a.pdf", ContentFile(b"%PDF-1.7\n%%EOF\n")),
    )
    # Last month's report, ready: the admin's button finds it and makes nothing more.
    report = MonthlyReport.objects.create(
        period=last_month(today=timezone.localdate()),
        state=MonthlyReport.State.READY,
        pdf_fr=private_media.save("reports/fr.pdf", ContentFile(b"%PDF-1.7\n%%EOF\n")),
        pdf_ar=private_media.save("reports/ar.pdf", ContentFile(b"%PDF-1.7\n%%EOF\n")),
        xlsx=private_media.save("reports/report.xlsx", ContentFile(b"PK\x03\x04")),
    )
    # A's files: the item's (its name as private as the item) and the meeting's, made again for each actor by
    # _item_evidence_a and _meeting_evidence_a.
    return SimpleNamespace(
        report=report,
        private_media=private_media,
        staff_uploader=staff,
        region_a=region_a,
        region_b=region_b,
        meeting_a=meeting_a,
        meeting_b=meeting_b,
        registration_a=registrations["a"],
        registration_b=registrations["b"],
        answer_a=answer_a,
        item_a=items["a"],
        item_b=items["b"],
        minutes_pdf_a=minutes_pdf_a,
        public_decision_a=public_decision_a,
        official_a=OfficialFactory(region=region_a).user,
        official_b=OfficialFactory(region=region_b).user,
        staff=staff,
        superuser=superuser,
    )


# ------------------------------------------------------------------ expectations


def statuses(anonymous, professional, official_a, official_b, staff, superuser) -> dict[str, int]:
    return dict(zip(ACTORS, (anonymous, professional, official_a, official_b, staff, superuser), strict=True))


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ACTORS, status)


@dataclass
class Case:
    """How to call one URL and what each actor gets."""

    url: object  # callable(world, actor) -> path
    expect: dict[str, int]
    method: str = "get"
    # A dict, or callable(world) -> dict for data naming the fixture's rows.
    data: object = field(default_factory=dict)


def _link(name):
    """A personal link: the professional's own, a forged secret for everybody else."""

    def url(world, actor):
        registration = world.registration_a
        secret = registration.manage_secret if actor == PROFESSIONAL else "forged-" + "x" * 36
        return reverse(name, args=[registration.public_id, secret])

    return url


def _join(world, actor):
    """An online registrant's join link (a countdown a month ahead): theirs, a forged one for anybody else."""
    registration = Registration.objects.filter(meeting__region=world.region_a, mode=AttendanceMode.ONLINE).first()
    if registration is None:
        online = MeetingFactory(region=world.region_a, offers_online=True, online_url="https://visio.example.ma/a")
        registration = RegistrationFactory(meeting=online, mode=AttendanceMode.ONLINE)
    token = join_token_make(public_id=registration.public_id)
    return reverse("registrations:join", args=[token if actor == PROFESSIONAL else token + "x"])


def _survey(world, actor):
    token = survey_token_make(registration_id=world.registration_a.pk) if actor == PROFESSIONAL else "forged:token"
    return reverse("meetings:survey", args=[token])


def _consultation(name):
    """The professional's own consultation link; a forged secret for everybody else."""

    def url(world, actor):
        answer = world.answer_a
        return reverse(name, args=[answer.public_id, answer.secret if actor == PROFESSIONAL else "forged-" + "x" * 36])

    return url


def _proposals_unsubscribe(world, actor):
    token = proposals_unsubscribe_token_make(answer_id=world.answer_a.pk)
    return reverse("roadmap:proposals_unsubscribe", args=[token if actor == PROFESSIONAL else token + "x"])


def _unsubscribe(world, actor):
    # The professional holds the link made for their address; anybody else only a forged one.
    email = world.registration_a.email if actor == PROFESSIONAL else "forged@example.ma"
    token = unsubscribe_token_make(email=email) + ("" if actor == PROFESSIONAL else "x")
    return reverse("messaging:unsubscribe", args=[token])


def _minutes_version_a(world) -> MinutesVersion:
    """Region A's minutes (validated, with their PDF) sent again to its official for validation (made on first use)."""
    minutes = Minutes.objects.get(meeting=world.meeting_a)
    contact = world.official_a.crt_contact
    version = minutes.versions.filter(validator=contact).first()
    if version is None:
        content = minutes_content(minutes=minutes)
        version = MinutesVersion.objects.create(
            minutes=minutes,
            number=minutes.versions.count() + 1,
            content=content,
            content_hash=content_hash(content),
            validator=contact,
        )
    return version


def _roadmap_unsubscribe(world, actor):
    # Official A holds the link of their notices (it only asks, on GET); anybody else a forged one.
    token = notices_unsubscribe_token_make(user_id=world.official_a.pk, topic=CHANGES)
    return reverse("roadmap:unsubscribe", args=[token if actor == OFFICIAL_A else token + "x"])


def _minutes_link(world, actor):
    # Official A is the validator and holds the link; anybody else only a forged one.
    version = _minutes_version_a(world)
    if actor != OFFICIAL_A:
        return reverse("meetings:minutes_sign", args=["forged:token"])
    token = minutes_validation_token_make(version_id=version.pk, contact_id=version.validator_id)
    return reverse("meetings:minutes_sign", args=[token])


def _minutes_review(world, actor):
    _minutes_version_a(world)
    return reverse("meetings:minutes_review", args=[world.meeting_a.slug])


def _named(name, *args):
    return lambda world, actor: reverse(name, args=[arg(world) if callable(arg) else arg for arg in args])


def _region_a(world):
    return world.region_a.slug


def _item_a(world):
    return world.item_a.pk


def _hook(world):
    return Webhook.objects.get().pk


def _meeting_a(world):
    return world.meeting_a.slug


def _decision_a(world):
    # Made again for each actor: the staff's deletion must not leave the superuser a 404.
    decision, _created = Decision.objects.get_or_create(
        meeting=world.meeting_a, title="Décision de la rencontre A", defaults={"axis": Decision.Axis.PRODUCT}
    )
    return decision.pk


def _evidence_fields(world) -> dict:
    stored = world.private_media.save("evidence/matrix", ContentFile(b"%PDF-1.7\n%%EOF\n"))
    return {"file": stored, "content_type": "application/pdf", "size": 14, "uploaded_by": world.staff_uploader}


def _item_evidence_a(world):
    # Made again for each actor: the staff's removal must not leave the superuser a 404. Uploaded by staff, so
    # official A, who may remove only their own, is refused.
    name = f"{ROADMAP_MARKERS['a'][6]}-rapport.pdf"
    evidence = ItemEvidence.objects.filter(item=world.item_a, name=name).first()
    return evidence or ItemEvidence.objects.create(item=world.item_a, name=name, **_evidence_fields(world))


def _meeting_evidence_a(world):
    name = f"{ROADMAP_MARKERS['a'][7]}-diagnostic.pdf"
    evidence = MeetingEvidence.objects.filter(meeting=world.meeting_a, name=name).first()
    return evidence or MeetingEvidence.objects.create(meeting=world.meeting_a, name=name, **_evidence_fields(world))


def _item_file_url(name):
    return lambda w, a: reverse(name, args=[w.region_a.slug, w.item_a.pk, _item_evidence_a(w).pk])


def _meeting_file_url(name):
    return lambda w, a: reverse(name, args=[w.meeting_a.slug, _meeting_evidence_a(w).pk])


PUBLIC = everyone(200)
LOGIN_FIRST = 302  # anonymous visitors of private pages go to the login page
# A region-A page of the roadmap: the officials of A, ONMT staff; 404 for another region's official.
REGION_A_PAGE = statuses(LOGIN_FIRST, LOGIN_FIRST, 200, 404, 200, 200)
TOKEN_PAGE = statuses(404, 200, 404, 404, 404, 404)
# Admin pages: the admin's own login page for anybody without staff status.
ADMIN_ONLY = statuses(302, 302, 302, 302, 200, 200)
# Staff pages outside the admin: the login page for anonymous visitors, 403 for officials.
STAFF_PAGE = statuses(LOGIN_FIRST, LOGIN_FIRST, 403, 403, 200, 200)

SITE = {
    "health": Case(_named("health"), PUBLIC),
    # For the monitoring system's token or address only (onmt_portal/tests/test_metrics.py): nobody's page.
    "metrics": Case(_named("metrics"), everyone(404)),
    "favicon": Case(_named("favicon"), everyone(302)),
    "language_switch": Case(lambda w, a: reverse("language_switch") + "?language=ar&next=/", everyone(302)),
    "login": Case(_named("login"), PUBLIC),
    "logout": Case(_named("logout"), everyone(405)),
    "password_change": Case(_named("password_change"), statuses(302, 302, 200, 200, 200, 200)),
    "password_change_done": Case(_named("password_change_done"), statuses(302, 302, 200, 200, 200, 200)),
    "password_reset": Case(_named("password_reset"), PUBLIC),
    "password_reset_done": Case(_named("password_reset_done"), PUBLIC),
    # A made-up link shows the "invalid link" page.
    "password_reset_confirm": Case(_named("password_reset_confirm", "MQ", "bad-token"), PUBLIC),
    "password_reset_complete": Case(_named("password_reset_complete"), PUBLIC),
    # Roadmap: officials and staff only, each official to their own region.
    "roadmap:home": Case(_named("roadmap:home"), everyone(302)),
    "roadmap:overview": Case(_named("roadmap:overview"), statuses(302, 302, 403, 403, 200, 200)),
    "roadmap:region": Case(_named("roadmap:region", _region_a), REGION_A_PAGE),
    "roadmap:export_csv": Case(_named("roadmap:export_csv", _region_a), REGION_A_PAGE),
    "roadmap:print": Case(_named("roadmap:print", _region_a), REGION_A_PAGE),
    "roadmap:item": Case(_named("roadmap:item", _region_a, _item_a), REGION_A_PAGE),
    "roadmap:comment": Case(
        _named("roadmap:comment", _region_a, _item_a),
        statuses(302, 302, 302, 404, 302, 302),
        method="post",
        data={"body": "Un avis"},
    ),
    # The item's files: read by whoever opens the item's page, always as a download; added by staff and A's
    # officials (an empty form: 400), removed by staff and by the official who uploaded it (not this one: 403).
    "roadmap:evidence": Case(_item_file_url("roadmap:evidence"), REGION_A_PAGE),
    "roadmap:evidence_add": Case(
        _named("roadmap:evidence_add", _region_a, _item_a), statuses(302, 302, 400, 404, 400, 400), method="post"
    ),
    "roadmap:evidence_remove": Case(
        _item_file_url("roadmap:evidence_remove"), statuses(302, 302, 403, 404, 302, 302), method="post"
    ),
    # Turning a decision into a roadmap item: ONMT staff only.
    "roadmap:decision_to_item": Case(
        lambda w, a: reverse("roadmap:decision_to_item", args=[w.public_decision_a.pk]),
        statuses(302, 302, 403, 403, 302, 302),
        method="post",
    ),
    # Each person's choices of roadmap e-mails: officials and staff (anybody else logged in: 403).
    "roadmap:profile": Case(_named("roadmap:profile"), statuses(302, 302, 200, 200, 200, 200)),
    "roadmap:unsubscribe": Case(_roadmap_unsubscribe, statuses(404, 404, 200, 404, 404, 404)),
    # Acknowledging is the region's CRT's act, not ONMT's.
    "roadmap:acknowledge": Case(
        _named("roadmap:acknowledge", _region_a, _item_a),
        statuses(302, 302, 302, 404, 403, 403),
        method="post",
        data={"revision": 1},
    ),
    # Several items at once, each at the revision read: the region's CRT again, never ONMT.
    "roadmap:acknowledge_many": Case(
        _named("roadmap:acknowledge_many", _region_a),
        statuses(302, 302, 302, 404, 403, 403),
        method="post",
        data=lambda w: {"items": w.item_a.pk, f"revision-{w.item_a.pk}": w.item_a.revision},
    ),
    # The CNT task forces' views across the 12 regions: staff only (an official sees no other region's items).
    "roadmap:task_force": Case(_named("roadmap:task_force", "produit"), STAFF_PAGE),
    "roadmap:task_force_export": Case(_named("roadmap:task_force_export", "marches", "xlsx"), STAFF_PAGE),
    # The monthly report's files: staff only; anybody else logged in gets 404, as for a report that does not exist.
    "roadmap:report_download": Case(
        lambda w, a: reverse("roadmap:report_download", args=[w.report.pk, "pdf_ar"]),
        statuses(LOGIN_FIRST, LOGIN_FIRST, 404, 404, 200, 200),
    ),
    # Public pages of the tour.
    "meetings:tour_list": Case(_named("meetings:tour_list"), everyone(302)),
    "meetings:tour": Case(lambda w, a: w.meeting_a.tour.get_absolute_url(), PUBLIC),
    "meetings:tour_feed": Case(lambda w, a: reverse("meetings:tour_feed", args=[w.meeting_a.tour.slug]), PUBLIC),
    "meetings:detail": Case(lambda w, a: w.meeting_a.get_absolute_url(), PUBLIC),
    "meetings:ics": Case(lambda w, a: reverse("meetings:ics", args=[w.meeting_a.slug]), PUBLIC),
    "meetings:region_feed": Case(_named("meetings:region_feed", _region_a), PUBLIC),
    # The minutes page and what it posts to: ONMT staff only (officials 403, as the national overview).
    "meetings:minutes": Case(_named("meetings:minutes", _meeting_a), STAFF_PAGE),
    "meetings:minutes_autosave": Case(
        _named("meetings:minutes_autosave", _meeting_a), STAFF_PAGE | {STAFF: 400, SUPERUSER: 400}, method="post"
    ),
    "meetings:minutes_decision_add": Case(
        _named("meetings:minutes_decision_add", _meeting_a), STAFF_PAGE | {STAFF: 400, SUPERUSER: 400}, method="post"
    ),
    "meetings:minutes_decision_edit": Case(
        _named("meetings:minutes_decision_edit", _meeting_a, _decision_a),
        STAFF_PAGE | {STAFF: 400, SUPERUSER: 400},
        method="post",
    ),
    "meetings:minutes_decision_delete": Case(
        _named("meetings:minutes_decision_delete", _meeting_a, _decision_a),
        STAFF_PAGE | {STAFF: 302, SUPERUSER: 302},
        method="post",
    ),
    # The check-in page of the meeting day, the list the phones keep and their queue: staff who may change
    # registrations; the service worker holds no data and is served to anybody.
    "meetings:checkin": Case(_named("meetings:checkin", _meeting_a), STAFF_PAGE),
    "meetings:checkin_data": Case(_named("meetings:checkin_data", _meeting_a), STAFF_PAGE),
    "meetings:checkin_sync": Case(
        _named("meetings:checkin_sync", _meeting_a), STAFF_PAGE | {STAFF: 400, SUPERUSER: 400}, method="post"
    ),
    "meetings:checkin_worker": Case(lambda w, a: reverse("meetings:checkin_worker"), PUBLIC),
    # Meeting A's validated minutes as a PDF: its region's officials and staff (draft minutes: staff only,
    # see meetings/tests/test_minutes_documents.py); the file only through the download, never a public URL.
    # Meeting A's files: read by its region's officials and staff, added and removed on the minutes page (staff).
    "meetings:evidence": Case(_meeting_file_url("meetings:evidence"), REGION_A_PAGE),
    "meetings:evidence_add": Case(
        _named("meetings:evidence_add", _meeting_a), STAFF_PAGE | {STAFF: 400, SUPERUSER: 400}, method="post"
    ),
    "meetings:evidence_remove": Case(
        _meeting_file_url("meetings:evidence_remove"), STAFF_PAGE | {STAFF: 302, SUPERUSER: 302}, method="post"
    ),
    "meetings:minutes_pdf": Case(lambda w, a: reverse("meetings:minutes_pdf", args=[w.meeting_a.slug]), REGION_A_PAGE),
    "meetings:minutes_pdf_download": Case(
        lambda w, a: reverse("meetings:minutes_pdf_download", args=[w.meeting_a.slug, w.minutes_pdf_a.pk]),
        REGION_A_PAGE,
    ),
    "regions:home": Case(_named("regions:home"), PUBLIC),
    "regions:detail": Case(_named("regions:detail", _region_a), PUBLIC),
    # Figures only: the items' titles stay private (see test_the_public_roadmap_summary_shows_no_item_text).
    "regions:roadmap_summary": Case(_named("regions:roadmap_summary", _region_a), PUBLIC),
    "registrations:privacy": Case(_named("registrations:privacy"), PUBLIC),
    "registrations:register": Case(lambda w, a: reverse("registrations:register", args=[w.meeting_a.slug]), PUBLIC),
    # The professional's personal links.
    "registrations:done": Case(_link("registrations:done"), TOKEN_PAGE),
    "registrations:manage": Case(_link("registrations:manage"), TOKEN_PAGE),
    "registrations:export_data": Case(_link("registrations:export_data"), TOKEN_PAGE),
    "registrations:accept_offer": Case(_link("registrations:accept_offer"), TOKEN_PAGE),
    "registrations:decline_offer": Case(_link("registrations:decline_offer"), TOKEN_PAGE),
    "registrations:cancel": Case(_link("registrations:cancel"), TOKEN_PAGE),
    "registrations:erase": Case(_link("registrations:erase"), TOKEN_PAGE, method="post"),
    # Moving to the mode one is in changes nothing: the owner is sent back to their page.
    "registrations:switch_mode": Case(
        _link("registrations:switch_mode"),
        statuses(404, 302, 404, 404, 404, 404),
        method="post",
        data={"mode": "in_person"},
    ),
    # The join link: never a public page, never another's (the video address only in its redirect, once open).
    "registrations:join": Case(_join, TOKEN_PAGE),
    "meetings:survey": Case(_survey, TOKEN_PAGE),
    # The consultation before a meeting: the person's own link; answers, figures and exports for staff only.
    "meetings:consultation": Case(_consultation("meetings:consultation"), TOKEN_PAGE),
    "meetings:consultation_erase": Case(_consultation("meetings:consultation_erase"), TOKEN_PAGE, method="post"),
    "meetings:consultation_results": Case(_named("meetings:consultation_results", _meeting_a), STAFF_PAGE),
    "meetings:consultation_export": Case(_named("meetings:consultation_export", _meeting_a, "csv"), STAFF_PAGE),
    "meetings:consultation_region": Case(_named("meetings:consultation_region", _region_a), STAFF_PAGE),
    # Proposals traced to items: staff link them; their author stops the e-mails with their own link.
    "roadmap:proposals": Case(_named("roadmap:proposals", _meeting_a), STAFF_PAGE),
    "roadmap:proposal_link": Case(
        lambda w, a: reverse("roadmap:proposal_link", args=[w.meeting_a.slug, w.answer_a.pk]),
        STAFF_PAGE | {STAFF: 400, SUPERUSER: 400},
        method="post",
    ),
    "roadmap:proposals_unsubscribe": Case(_proposals_unsubscribe, TOKEN_PAGE),
    # The minutes' co-signature: staff send a version; the validator answers by their link or account;
    # the region's officials read the versions sent (never the draft), another region's get 404.
    "meetings:minutes_validation": Case(
        lambda w, a: reverse("meetings:minutes_validation", args=[w.meeting_a.slug]),
        statuses(LOGIN_FIRST, LOGIN_FIRST, 403, 403, 200, 200),
    ),
    "meetings:minutes_review": Case(_minutes_review, REGION_A_PAGE),
    "meetings:minutes_sign": Case(_minutes_link, statuses(404, 404, 200, 404, 404, 404)),
    "messaging:unsubscribe": Case(_unsubscribe, TOKEN_PAGE),
    # The admin's own pages.
    "admin:index": Case(_named("admin:index"), ADMIN_ONLY),
    "admin:login": Case(_named("admin:login"), statuses(200, 200, 200, 200, 302, 302)),
    "admin:logout": Case(_named("admin:logout"), statuses(302, 302, 302, 302, 405, 405)),
    "admin:password_change": Case(_named("admin:password_change"), ADMIN_ONLY),
    "admin:password_change_done": Case(_named("admin:password_change_done"), ADMIN_ONLY),
    "admin:jsi18n": Case(_named("admin:jsi18n"), ADMIN_ONLY),
    # Without its parameters the autocomplete refuses (and it never answers non-staff).
    "admin:autocomplete": Case(_named("admin:autocomplete"), statuses(302, 302, 302, 302, 403, 403)),
    "admin:view_on_site": Case(
        lambda w, a: reverse(
            "admin:view_on_site", args=[ContentType.objects.get_for_model(w.meeting_a).pk, w.meeting_a.pk]
        ),
        statuses(302, 302, 302, 302, 302, 302),
    ),
    "admin:app_list": Case(lambda w, a: reverse("admin:app_list", kwargs={"app_label": "meetings"}), ADMIN_ONLY),
    "admin:<catch-all>": Case(lambda w, a: "/admin/nulle-part/", statuses(302, 302, 302, 302, 404, 404)),
    # Custom admin pages.
    "admin:meetings_registration_csv": Case(_named("admin:meetings_registration_csv"), ADMIN_ONLY),
    "admin:meetings_registration_xlsx": Case(_named("admin:meetings_registration_xlsx"), ADMIN_ONLY),
    "admin:meetings_registration_checkin": Case(
        lambda w, a: reverse("admin:meetings_registration_checkin", args=[w.meeting_a.pk]), ADMIN_ONLY
    ),
    "admin:meetings_registration_scan": Case(
        lambda w, a: reverse("admin:meetings_registration_scan", args=[w.registration_a.public_id]), ADMIN_ONLY
    ),
    "admin:meetings_meeting_postpone": Case(
        lambda w, a: reverse("admin:meetings_meeting_postpone", args=[w.meeting_a.pk]), ADMIN_ONLY
    ),
    "admin:meetings_meeting_duplicate": Case(
        lambda w, a: reverse("admin:meetings_meeting_duplicate", args=[w.meeting_a.pk]), ADMIN_ONLY
    ),
    "admin:meetings_meeting_invitations": Case(
        lambda w, a: reverse("admin:meetings_meeting_invitations", args=[w.meeting_a.pk]), ADMIN_ONLY
    ),
    "admin:meetings_tour_timeline": Case(
        lambda w, a: reverse("admin:meetings_tour_timeline", args=[w.meeting_a.tour.pk]), ADMIN_ONLY
    ),
    "admin:roadmap_roadmapitem_import": Case(_named("admin:roadmap_roadmapitem_import"), ADMIN_ONLY),
    # Asks for last month's report (a POST; the world's is there already, so nothing is made).
    "admin:roadmap_monthlyreport_produce": Case(
        _named("admin:roadmap_monthlyreport_produce"), statuses(302, 302, 302, 302, 302, 302), method="post"
    ),
    "admin:meetings_decision_link": Case(
        lambda w, a: reverse("admin:meetings_decision_link", args=[w.public_decision_a.pk]), ADMIN_ONLY
    ),
    # The API (api/tests/ holds its own matrix, token by token): a session counts for nothing there, so every
    # actor of this matrix is anonymous to it — the public answers, and 401 where a token is needed.
    "api:schema": Case(_named("api:schema"), PUBLIC),
    "api:docs": Case(_named("api:docs"), PUBLIC),
    "api:tours": Case(_named("api:tours"), PUBLIC),
    "api:tour": Case(lambda w, a: reverse("api:tour", args=[w.meeting_a.tour.slug]), PUBLIC),
    "api:meetings": Case(_named("api:meetings"), PUBLIC),
    "api:meeting": Case(_named("api:meeting", _meeting_a), PUBLIC),
    "api:registrations": Case(_named("api:registrations", _meeting_a), everyone(401)),
    "api:regions": Case(_named("api:regions"), PUBLIC),
    "api:region": Case(_named("api:region", _region_a), PUBLIC),
    "api:region_roadmap_summary": Case(_named("api:region_roadmap_summary", _region_a), PUBLIC),
    "api:roadmap_items": Case(_named("api:roadmap_items"), everyone(401)),
    "api:roadmap_item": Case(_named("api:roadmap_item", _item_a), everyone(401)),
    "api:roadmap_item_readings": Case(_named("api:roadmap_item_readings", _item_a), everyone(401), method="post"),
    "api:roadmap_item_comments": Case(_named("api:roadmap_item_comments", _item_a), everyone(401), method="post"),
    "api:decisions": Case(_named("api:decisions"), everyone(401)),
    "api:webhooks": Case(_named("api:webhooks"), everyone(401)),
    "api:webhook": Case(_named("api:webhook", _hook), everyone(401)),
    "api:webhook_rotate_secret": Case(_named("api:webhook_rotate_secret", _hook), everyone(401), method="post"),
    "api:webhook_deliveries": Case(_named("api:webhook_deliveries", _hook), everyone(401)),
    "api:webhook_delivery_resend": Case(
        lambda w, a: reverse(
            "api:webhook_delivery_resend", args=[_hook(w), WebhookDelivery.objects.get().idempotency_key]
        ),
        everyone(401),
        method="post",
    ),
    "api:not_found": Case(lambda w, a: "/api/v1/rencontres/", everyone(404)),
    "admin:auth_user_password_change": Case(
        lambda w, a: reverse("admin:auth_user_password_change", args=[w.official_a.pk]),
        statuses(302, 302, 302, 302, 403, 200),
    ),
}

# The admin's generated pages of each registered model: which a superuser may open
# (some models refuse adding or deleting by hand), and whether ONMT staff have the
# permissions at all (user accounts and login records are for superusers).
ADMIN_GENERATED_PAGES = ("changelist", "add", "history", "delete", "change")
ADMIN_MODELS = {
    "auth.group": {"staff": False},
    "auth.user": {"staff": False},
    "axes.accessattempt": {"staff": False, "add": 403},
    "axes.accesslog": {"staff": False, "add": 403},
    "axes.accessfailurelog": {"staff": False, "add": 403},
    "regions.region": {"add": 403, "delete": 403},
    "regions.regionalcouncil": {},
    "regions.contact": {},
    "meetings.tour": {},
    "meetings.meeting": {},
    "meetings.registration": {"add": 403, "delete": 403},
    "plan.market": {},
    "roadmap.roadmapitem": {},
    # An item's indicator with its readings (the item's page holds its indicators and budget lines inline).
    "roadmap.indicator": {},
    "messaging.outboundmessage": {"add": 403},
    "messaging.unsubscription": {},
    "meetings.meetingmessagestats": {"add": 403, "delete": 403},
    "meetings.surveyresponse": {"add": 403},
    # The monthly reports: asked for by a button or the beat, never added by hand.
    "roadmap.monthlyreport": {"add": 403},
    # The decisions register (its admin class is the roadmap app's: it turns decisions into items).
    "meetings.decision": {},
    # The audit log of exports: superusers read it, nobody edits it.
    "regions.exportlog": {"staff": False, "add": 403, "delete": 403},
    # Partners' API tokens: staff create (the secret shown once) and revoke them.
    "api.apitoken": {},
    # Partners' webhooks, and the log of what was sent to them (written by the portal, resent by staff).
    "api.webhook": {},
    "api.webhookdelivery": {"add": 403},
}


def _admin_model_case(label: str, page: str) -> Case:
    rules = ADMIN_MODELS[label]
    app_label, model_name = label.split(".")

    def url(world, actor):
        if page in ("changelist", "add"):
            return reverse(f"admin:{app_label}_{model_name}_{page}")
        model = next(m for m in admin.site._registry if m._meta.label_lower == label)
        pk = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
        if page == "redirect":
            return f"/admin/{app_label}/{model_name}/{pk}/"
        return reverse(f"admin:{app_label}_{model_name}_{page}", args=[pk])

    superuser = 302 if page == "redirect" else rules.get(page, 200)
    staff = superuser if rules.get("staff", True) else (302 if page == "redirect" else 403)
    return Case(url, statuses(302, 302, 302, 302, staff, superuser))


for _label in ADMIN_MODELS:
    for _page in (*ADMIN_GENERATED_PAGES, "redirect"):
        SITE[f"admin:{_label}:{_page}"] = _admin_model_case(_label, _page)


# ------------------------------------------------------------------ the resolver


def _walk(resolver, prefix="", namespace=""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}".strip(":") if pattern.namespace else namespace
            yield from _walk(pattern, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), f"{namespace}:{pattern.name}".strip(":") if pattern.name else None


def _admin_generated_names() -> dict[str, str]:
    """URL name of each generated admin page → its SITE key, for every model registered in the admin."""
    names = {}
    for model in admin.site._registry:
        meta = model._meta
        for page in ADMIN_GENERATED_PAGES:
            names[f"admin:{meta.app_label}_{meta.model_name}_{page}"] = f"admin:{meta.label_lower}:{page}"
        names[f"admin/{meta.app_label}/{meta.model_name}/<path:object_id>/"] = f"admin:{meta.label_lower}:redirect"
    return names


def _case_key(route: str, name: str | None, generated: dict[str, str]) -> str:
    """The key of SITE that covers this URL pattern."""
    if name in generated:
        return generated[name]
    if name is None and route in generated:
        return generated[route]
    if name is None and route == "admin/(?P<url>.*)$":
        return "admin:<catch-all>"
    return name or route


def site_case_keys() -> list[str]:
    generated = _admin_generated_names()
    return [_case_key(route, name, generated) for route, name in _walk(get_resolver())]


def test_every_url_has_an_expectation():
    """A new URL (or admin model) must be added to SITE or ADMIN_MODELS with who may open it."""
    missing = sorted(set(site_case_keys()) - set(SITE))
    assert not missing, f"URLs without an expectation in the permission matrix: {missing}"
    stale = sorted(set(SITE) - set(site_case_keys()))
    assert not stale, f"expectations for URLs that no longer exist: {stale}"


# ------------------------------------------------------------------ the matrix

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>\s*(?!</script)\S", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


def _forbidden_markers(world, actor) -> list[str]:
    """What `actor` must never see: the other region's roadmap, and anybody else's personal data."""
    secrets = {"a": world.registration_a.manage_secret, "b": world.registration_b.manage_secret}
    if actor in (STAFF, SUPERUSER):
        # Everything but the manage links, which only their owner holds.
        return [secrets["a"], secrets["b"]]
    roadmap = {
        OFFICIAL_A: ROADMAP_MARKERS["b"],
        OFFICIAL_B: ROADMAP_MARKERS["a"],
    }.get(actor, ROADMAP_MARKERS["a"] + ROADMAP_MARKERS["b"])
    people = PERSON_MARKERS["b"] + [secrets["b"]]
    if actor != PROFESSIONAL:
        people += PERSON_MARKERS["a"] + [secrets["a"]]
    return roadmap + people


def _client_for(world, actor) -> Client:
    client = Client()
    if actor not in (ANONYMOUS, PROFESSIONAL):
        client.force_login(getattr(world, actor))
    return client


def _matrix_failures(world, key: str) -> list[str]:
    """Call SITE[key] as every actor; describe each unexpected status, leak or inline script."""
    case = SITE.get(key)
    if case is None:
        return [f"no expectation for {key}"]
    failures = []
    for actor in ACTORS:
        url = case.url(world, actor)
        data = case.data(world) if callable(case.data) else case.data
        response = getattr(_client_for(world, actor), case.method)(url, data)
        if response.status_code != case.expect[actor]:
            failures.append(f"{actor}: {case.method.upper()} {url} → {response.status_code}, not {case.expect[actor]}")
            continue
        location = response.get("Location", "")
        if response.status_code == 302 and actor in (ANONYMOUS, PROFESSIONAL):
            private_page = key.startswith(("roadmap:", "password_change", "meetings:minutes_pdf", "meetings:evidence"))
            if private_page and not location.startswith(reverse("login")):
                failures.append(f"{actor}: {url} redirects to {location}, not the login page")
            admin_login = key.startswith("admin:") and key not in ("admin:view_on_site", "admin:logout")
            if admin_login and not location.startswith(reverse("admin:login")):
                failures.append(f"{actor}: {url} redirects to {location}, not the admin login page")
        body = b"".join(response) if response.streaming else response.content
        text = body.decode("utf-8-sig", errors="replace")
        leaked = [marker for marker in _forbidden_markers(world, actor) if marker in text]
        if leaked:
            failures.append(f"{actor} sees {leaked} at {url}")
        inline = INLINE_SCRIPT.search(text) or EVENT_HANDLER.search(text)
        if inline and response.get("Content-Type", "").startswith("text/html"):
            failures.append(f"inline script or event handler at {url}: the CSP would block it")
    return failures


@pytest.mark.parametrize("key", sorted(set(site_case_keys())))
def test_permission_matrix(world, key):
    failures = _matrix_failures(world, key)
    assert not failures, "\n".join(failures)


def test_the_matrix_catches_a_selector_that_forgets_the_region(world, monkeypatch):
    """Negative control: with the region scoping switched off, official B reaches A's roadmap and the matrix says so."""
    from regions.models import Region
    from roadmap import selectors

    monkeypatch.setattr(selectors, "regions_visible_to", lambda *, user: Region.objects.all())
    failures = _matrix_failures(world, "roadmap:region")
    assert any(failure.startswith("official_b:") for failure in failures), failures


def test_the_roadmap_export_holds_only_the_officials_region(world):
    """The CSV of region A, fetched by A's official: A's items and comments count, nothing of B."""
    client = _client_for(world, OFFICIAL_A)
    text = client.get(reverse("roadmap:export_csv", args=[world.region_a.slug])).content.decode("utf-8-sig")
    assert ROADMAP_MARKERS["a"][0] in text
    assert all(marker not in text for marker in ROADMAP_MARKERS["b"])
    assert client.get(reverse("roadmap:export_csv", args=[world.region_b.slug])).status_code == 404


def test_the_public_roadmap_summary_shows_no_item_text(world):
    """Region A's public summary holds no title or comment, even for those who may read them elsewhere."""
    for actor in ACTORS:
        text = _client_for(world, actor).get(reverse("regions:roadmap_summary", args=[world.region_a.slug]))
        body = text.content.decode()
        leaked = [marker for marker in ROADMAP_MARKERS["a"] + ROADMAP_MARKERS["b"] if marker in body]
        assert not leaked, f"{actor} sees {leaked} on the public summary"
        assert world.item_a.description not in body


def test_the_markers_are_where_their_owner_looks(world):
    """Positive control: the markers do show up for those allowed, so their absence elsewhere means something."""
    professional = _client_for(world, PROFESSIONAL)
    manage = professional.get(_link("registrations:manage")(world, PROFESSIONAL)).content.decode()
    assert PERSON_MARKERS["a"][0] in manage
    official = _client_for(world, OFFICIAL_A)
    assert (
        ROADMAP_MARKERS["a"][0] in official.get(reverse("roadmap:region", args=[world.region_a.slug])).content.decode()
    )
    staff = _client_for(world, STAFF)
    export = staff.get(reverse("admin:meetings_registration_csv")).content.decode("utf-8-sig")
    assert PERSON_MARKERS["a"][1] in export and PERSON_MARKERS["b"][1] in export


def test_the_inline_script_check_tells_inline_from_external():
    assert INLINE_SCRIPT.search('<p>x</p><script>alert("x")</script>')
    assert EVENT_HANDLER.search('<img src="x.png" onerror="alert(1)">')
    assert not INLINE_SCRIPT.search('<script src="/static/app.js"></script><script type="text/plain"></script>')
    assert not EVENT_HANDLER.search('<a href="/" class="button">Lien</a>')
