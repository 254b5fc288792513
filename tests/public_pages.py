"""Every public page of the portal, in each of the states a visitor can meet it in, for the page checks.

A public page is one reached without logging in: by anybody, or through a personal link (a
registration's signed links, the survey, unsubscribing, the CRT validator's signing link). The
permission matrix (`tests/test_permission_matrix.py`) says which URLs those are;
`test_every_public_page_is_checked` fails when one of them has no page here.

Pages reached by a GET are visited as they are. Pages that only a POST shows (a form sent back
with its errors, a duplicate or refused registration, an erasure, a survey answer...) are
captured from the Django test client's answer, redirects followed, and the browser is served
that HTML at the page's own address.
"""

from collections.abc import Callable
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import timedelta
from types import SimpleNamespace

from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from meetings.models import AttendanceMode, ConsultationAnswer, Meeting, Registration, Tour
from meetings.services.consultation import consultation_answer_save
from meetings.services.validation import minutes_send_for_validation
from meetings.tests.document_factories import MinutesFactory
from meetings.tests.factories import (
    AgendaItemFactory,
    DecisionFactory,
    MeetingFactory,
    RegistrationFactory,
    registration_form_data,
)
from meetings.tokens import join_token_make, minutes_validation_token_make, survey_token_make
from messaging.tokens import unsubscribe_token_make
from plan.models import Market
from regions.tests.factories import OfficialFactory, UserFactory, region
from roadmap.models import ProposalLink, RoadmapItem
from roadmap.tests.factories import RoadmapItemFactory
from roadmap.tokens import CHANGES, notices_unsubscribe_token_make, proposals_unsubscribe_token_make

LANGUAGES = ("fr", "ar", "en")


@dataclass(frozen=True)
class PublicPage:
    """One public page in one state: how to reach it, and what it answers."""

    key: str  # its key in the permission matrix (its URL name), or "error:<status>" for an error page
    state: str
    path: str
    status: int = 200
    # Sent as a form (then redirects followed): the page is what the POST answers.
    post: dict | None = None
    headers: dict = field(default_factory=dict)
    # For the time of the visit: a state of the database no other page may see (restored afterwards).
    during: Callable[[], AbstractContextManager] = field(default=nullcontext)

    @property
    def name(self) -> str:
        return f"{self.key} ({self.state})"

    @property
    def browsable(self) -> bool:
        """Whether a browser shows it by following a link (else it is served the test client's answer)."""
        return self.post is None and not self.headers


def _link(name: str, registration: Registration) -> str:
    return reverse(name, args=[registration.public_id, registration.manage_secret])


def _join(registration: Registration) -> str:
    return reverse("registrations:join", args=[join_token_make(public_id=registration.public_id)])


def _consultation(name: str, answer: ConsultationAnswer) -> str:
    return reverse(name, args=[answer.public_id, answer.secret])


@contextmanager
def _no_published_tour():
    """Between two tours: /tournee/ says so instead of redirecting to one."""
    published = list(Tour.objects.filter(is_published=True).values_list("pk", flat=True))
    Tour.objects.filter(pk__in=published).update(is_published=False)
    try:
        yield
    finally:
        Tour.objects.filter(pk__in=published).update(is_published=True)


def public_world() -> SimpleNamespace:
    """Dakhla-Oued Ed-Dahab's meetings in each public state, with registrations in each status."""
    dakhla = region(12)
    now = timezone.now()
    opened = MeetingFactory(region=dakhla, title="Rencontre des professionnels de Dakhla")
    for position, title in enumerate(("Accueil et ouverture", "Plan de relance régional", "Échanges")):
        AgendaItemFactory(meeting=opened, position=position, title=title)
    full = MeetingFactory(region=dakhla, capacity=2, title="Atelier marketing digital")
    held = MeetingFactory(
        region=dakhla,
        status=Meeting.Status.HELD,
        title="Séance de travail avec le CRT",
        starts_at=now - timedelta(days=3),
        ends_at=now - timedelta(days=3) + timedelta(hours=3),
        registration_opens_at=now - timedelta(days=40),
        registration_closes_at=now - timedelta(days=4),
    )
    cancelled = MeetingFactory(region=dakhla, status=Meeting.Status.CANCELLED, title="Rencontre annulée")
    postponed = MeetingFactory(region=dakhla, status=Meeting.Status.POSTPONED, title="Rencontre reportée")
    decision = DecisionFactory(meeting=held, title="Campagne sur le marché espagnol")
    RoadmapItemFactory(region=dakhla, decision=decision, status=RoadmapItem.Status.IN_PROGRESS, progress=40)
    RoadmapItemFactory(region=dakhla, axis=RoadmapItem.Axis.DIGITAL, status=RoadmapItem.Status.DONE, progress=100)
    RoadmapItemFactory(region=dakhla, axis=RoadmapItem.Axis.DOMESTIC)

    registrations = SimpleNamespace(
        confirmed=RegistrationFactory(meeting=opened, email="confirmee@example.ma"),
        full_confirmed=RegistrationFactory(meeting=full),
        offered=RegistrationFactory(
            meeting=full, status=Registration.Status.OFFERED, offer_expires_at=now + timedelta(hours=48)
        ),
        waitlisted=RegistrationFactory(meeting=full, status=Registration.Status.WAITLISTED),
        cancelled=RegistrationFactory(meeting=opened, status=Registration.Status.CANCELLED),
        attended=RegistrationFactory(meeting=held, status=Registration.Status.ATTENDED),
    )
    # In person or online, the online seat taken; and one held online, which a join link finds over.
    hybrid = MeetingFactory(
        region=dakhla,
        title="Rencontre hybride du tourisme de Dakhla",
        offers_online=True,
        online_capacity=1,
        online_url="https://visio.example.ma/dakhla",
    )
    ended_online = MeetingFactory(
        region=dakhla,
        status=Meeting.Status.HELD,
        title="Webinaire des professionnels",
        offers_in_person=False,
        offers_online=True,
        starts_at=now - timedelta(days=2),
        ends_at=now - timedelta(days=2) + timedelta(hours=2),
        registration_opens_at=now - timedelta(days=40),
        registration_closes_at=now - timedelta(days=3),
    )
    registrations.online = RegistrationFactory(meeting=hybrid, mode=AttendanceMode.ONLINE)
    registrations.hybrid_in_person = RegistrationFactory(meeting=hybrid)
    registrations.ended_online = RegistrationFactory(meeting=ended_online, mode=AttendanceMode.ONLINE)
    # The consultation before the held meeting: six answers, so its page shows the anonymous figures.
    for n in range(6):
        answer = ConsultationAnswer.objects.create(
            meeting=held,
            email=f"consulte{n}@example.ma",
            full_name=f"Consulté {n}",
            product_lines=["desert", "water_sports"] if n % 2 else ["desert"],
            obstacles=["air_access", "seasonality"],
            consent_at=held.starts_at - timedelta(days=2),
            answered_at=held.starts_at - timedelta(days=2),
        )
        answer.markets.set(Market.objects.order_by("position")[:2])
    # Before the open meeting: the confirmed registrant answered, and staff linked the proposal to an item.
    consulted = ConsultationAnswer.objects.create(
        meeting=opened, registration=registrations.confirmed, email=registrations.confirmed.email, full_name="Nadia"
    )
    consultation_answer_save(
        answer_id=consulted.pk,
        version=0,
        markets=Market.objects.order_by("position")[:1],
        product_lines=["desert"],
        obstacles=["other"],
        obstacle_other="Routes vers les sites",
        proposal="Un festival du désert à Dakhla",
    )
    ProposalLink.objects.create(
        answer=consulted,
        item=RoadmapItemFactory(region=dakhla, title="Festival du désert", status=RoadmapItem.Status.PLANNED),
    )
    minutes = MinutesFactory(meeting=held)
    validator = OfficialFactory(region=dakhla, full_name="Brahim Salem", role="Président du CRT")
    version = minutes_send_for_validation(
        minutes=minutes, validator=validator, actor=UserFactory(username="planif", is_staff=True)
    )
    return SimpleNamespace(
        tour=opened.tour,
        region=dakhla,
        meetings=SimpleNamespace(
            opened=opened, full=full, held=held, cancelled=cancelled, postponed=postponed, hybrid=hybrid
        ),
        registrations=registrations,
        minutes_link=reverse(
            "meetings:minutes_sign",
            args=[minutes_validation_token_make(version_id=version.pk, contact_id=validator.pk)],
        ),
        user=UserFactory(username="crt-dakhla", email="crt-dakhla@example.ma"),
        consulted=consulted,
        consulted_after=ConsultationAnswer.objects.filter(meeting=held).first(),
    )


def public_pages(world: SimpleNamespace) -> list[PublicPage]:
    """Every public page of `world`. The pages that change what they show (cancel, erase…) get a registration
    of their own on each call, so that each language is shown the same state."""
    meetings, registrations = world.meetings, world.registrations
    to_cancel = RegistrationFactory(meeting=meetings.opened)
    to_erase = RegistrationFactory(meeting=meetings.opened)
    to_correct = RegistrationFactory(meeting=meetings.opened)
    # Registering twice sends a new personal link, which revokes the one held.
    registered_twice = RegistrationFactory(meeting=meetings.opened)
    survey = reverse("meetings:survey", args=[survey_token_make(registration_id=registrations.attended.pk)])
    unsubscribe = reverse("messaging:unsubscribe", args=[unsubscribe_token_make(email=registrations.confirmed.email)])
    register = reverse("registrations:register", args=[meetings.opened.slug])
    # An official's one-click link out of the roadmap's e-mails: no login.
    roadmap_unsubscribe = reverse(
        "roadmap:unsubscribe", args=[notices_unsubscribe_token_make(user_id=world.user.pk, topic=CHANGES)]
    )
    not_answered = ConsultationAnswer.objects.create(
        meeting=meetings.opened, email=f"consulte-{timezone.now().timestamp()}@example.ma", full_name="Sans réponse"
    )
    to_erase_answer = ConsultationAnswer.objects.create(
        meeting=meetings.opened, email=f"efface-{timezone.now().timestamp()}@example.ma", full_name="À effacer"
    )
    proposals_unsubscribe = reverse(
        "roadmap:proposals_unsubscribe", args=[proposals_unsubscribe_token_make(answer_id=world.consulted.pk)]
    )
    user = world.user
    reset_link = reverse(
        "password_reset_confirm",
        args=[urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)],
    )
    return [
        PublicPage("regions:home", "tour under way", reverse("regions:home")),
        PublicPage("meetings:tour_list", "no tour published", reverse("meetings:tour_list"), during=_no_published_tour),
        PublicPage("meetings:tour", "stops and map", world.tour.get_absolute_url()),
        PublicPage("regions:detail", "profile and meetings", reverse("regions:detail", args=[world.region.slug])),
        PublicPage(
            "regions:roadmap_summary",
            "table and commitments",
            reverse("regions:roadmap_summary", args=[world.region.slug]),
        ),
        PublicPage("meetings:detail", "open, with its agenda", meetings.opened.get_absolute_url()),
        PublicPage("meetings:detail", "full, waiting list", meetings.full.get_absolute_url()),
        PublicPage(
            "meetings:detail",
            "held, with its commitments and the consultation's figures",
            meetings.held.get_absolute_url(),
        ),
        PublicPage("meetings:detail", "cancelled", meetings.cancelled.get_absolute_url()),
        PublicPage("meetings:detail", "postponed", meetings.postponed.get_absolute_url()),
        PublicPage("meetings:detail", "in person or online", meetings.hybrid.get_absolute_url()),
        PublicPage("registrations:privacy", "law 09-08 notice", reverse("registrations:privacy")),
        PublicPage("api:docs", "the API's documentation", reverse("api:docs")),
        PublicPage("registrations:register", "form", register),
        PublicPage(
            "registrations:register", "waiting list form", reverse("registrations:register", args=[meetings.full.slug])
        ),
        PublicPage(
            "registrations:register",
            "registration closed",
            reverse("registrations:register", args=[meetings.held.slug]),
        ),
        PublicPage(
            "registrations:register", "errors summed up", register, status=400, post={"email": "pas-une-adresse"}
        ),
        PublicPage(
            "registrations:register",
            "duplicate",
            register,
            post=registration_form_data(email=registered_twice.email),
        ),
        PublicPage(
            "registrations:register",
            "refused",
            reverse("registrations:register", args=[meetings.held.slug]),
            status=409,
            post=registration_form_data(email="trop-tard@example.ma"),
        ),
        PublicPage(
            "registrations:register",
            "choice of in person or online",
            reverse("registrations:register", args=[meetings.hybrid.slug]),
        ),
        PublicPage("registrations:done", "confirmed", _link("registrations:done", registrations.confirmed)),
        PublicPage("registrations:done", "online", _link("registrations:done", registrations.online)),
        PublicPage(
            "registrations:manage", "online, may move to the room", _link("registrations:manage", registrations.online)
        ),
        PublicPage(
            "registrations:manage",
            "in person, online full",
            _link("registrations:manage", registrations.hybrid_in_person),
        ),
        PublicPage(
            "registrations:switch_mode",
            "refused, online full",
            _link("registrations:switch_mode", registrations.hybrid_in_person),
            status=409,
            post={"mode": AttendanceMode.ONLINE},
        ),
        PublicPage("registrations:join", "countdown", _join(registrations.online)),
        PublicPage("registrations:join", "ended", _join(registrations.ended_online), status=410),
        PublicPage("registrations:done", "waiting list", _link("registrations:done", registrations.waitlisted)),
        PublicPage("registrations:manage", "confirmed", _link("registrations:manage", registrations.confirmed)),
        PublicPage("registrations:manage", "waiting list", _link("registrations:manage", registrations.waitlisted)),
        PublicPage("registrations:manage", "seat offered", _link("registrations:manage", registrations.offered)),
        PublicPage("registrations:manage", "cancelled", _link("registrations:manage", registrations.cancelled)),
        PublicPage(
            "registrations:manage",
            "errors",
            _link("registrations:manage", to_correct),
            status=400,
            post={"full_name": "", "phone": "pas un numéro"},
        ),
        PublicPage(
            "registrations:cancel", "confirmation asked", _link("registrations:cancel", registrations.confirmed)
        ),
        PublicPage("registrations:cancel", "cancelled", _link("registrations:cancel", to_cancel), post={}),
        PublicPage(
            "registrations:accept_offer", "question", _link("registrations:accept_offer", registrations.offered)
        ),
        PublicPage(
            "registrations:decline_offer", "question", _link("registrations:decline_offer", registrations.offered)
        ),
        PublicPage(
            "registrations:decline_offer",
            "no seat offered",
            _link("registrations:decline_offer", registrations.confirmed),
            status=409,
            post={},
        ),
        PublicPage("registrations:erase", "erased", _link("registrations:erase", to_erase), post={}),
        PublicPage("meetings:survey", "question", survey),
        PublicPage("meetings:survey", "errors", survey, status=400, post={"rating": "9"}),
        PublicPage("meetings:survey", "thanks", survey, post={"rating": "4", "comment": "Très utile."}),
        PublicPage("meetings:consultation", "form", _consultation("meetings:consultation", not_answered)),
        PublicPage(
            "meetings:consultation",
            "answered, with what became of the proposal",
            _consultation("meetings:consultation", world.consulted),
        ),
        PublicPage(
            "meetings:consultation",
            "errors",
            _consultation("meetings:consultation", not_answered),
            status=400,
            post={"obstacles": ["other"], "version": "0"},
        ),
        PublicPage(
            "meetings:consultation", "closed, read only", _consultation("meetings:consultation", world.consulted_after)
        ),
        PublicPage(
            "meetings:consultation_erase",
            "erased",
            _consultation("meetings:consultation_erase", to_erase_answer),
            post={},
        ),
        PublicPage("roadmap:proposals_unsubscribe", "question", proposals_unsubscribe),
        PublicPage("roadmap:proposals_unsubscribe", "done", proposals_unsubscribe, post={}),
        PublicPage("messaging:unsubscribe", "question", unsubscribe),
        PublicPage("messaging:unsubscribe", "done", unsubscribe, post={}),
        PublicPage("roadmap:unsubscribe", "question", roadmap_unsubscribe),
        PublicPage("roadmap:unsubscribe", "done", roadmap_unsubscribe, post={}),
        PublicPage("meetings:minutes_sign", "validator's link", world.minutes_link),
        PublicPage(
            "meetings:minutes_sign", "invalid link", reverse("meetings:minutes_sign", args=["faux:lien"]), status=404
        ),
        PublicPage("login", "form", reverse("login")),
        PublicPage("login", "refused", reverse("login"), post={"username": "crt-dakhla", "password": "faux"}),
        PublicPage("admin:login", "form", reverse("admin:login")),
        PublicPage("password_reset", "form", reverse("password_reset")),
        PublicPage("password_reset_done", "sent", reverse("password_reset_done")),
        PublicPage("password_reset_confirm", "new password", reset_link),
        PublicPage("password_reset_confirm", "invalid link", reverse("password_reset_confirm", args=["MQ", "faux"])),
        PublicPage("password_reset_complete", "done", reverse("password_reset_complete")),
        PublicPage("error:404", "unknown address", "/nulle-part/", status=404),
        PublicPage("error:400", "unknown host", "/", status=400, headers={"HTTP_HOST": "ailleurs.example"}),
    ]


# Served whole when the portal cannot render a page (no database, an error): the same in every language.
STANDALONE_ERROR_PAGES = ("500.html", "503.html")


def page_html(client: Client, page: PublicPage) -> str:
    """The HTML `page` answers, checked against the status it should answer with."""
    with page.during():
        if page.post is None:
            response = client.get(page.path, follow=True, **page.headers)
        else:
            response = client.post(page.path, page.post, follow=True, **page.headers)
    assert response.status_code == page.status, f"{page.name}: {page.path} answered {response.status_code}"
    assert response["Content-Type"].startswith("text/html"), f"{page.name}: {response['Content-Type']}"
    return response.content.decode()
