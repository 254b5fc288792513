"""The check-in page of the meeting day (staff, on a phone), its data, its queue's endpoint and its service worker.

The page (script `static/js/checkin.js`) keeps the meeting's list on the phone and sends the check-ins
made on it in batches, each with the id the phone gave it (meetings.services.checkin applies each once).
Walk-ins are an ordinary form posted to the page: they need the network, which the page says.
"""

import hashlib
import json
import re
import uuid
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.access import staff_only
from meetings.forms import WalkInForm
from meetings.models import CheckIn, Meeting, Registration
from meetings.selectors.checkin import checkin_people, hall_figures
from meetings.services import registration as registration_services
from meetings.services.checkin import checkin_apply

# A phone sends its queue in batches of at most this many actions (a day offline at one door fits in a few).
BATCH_LIMIT = 200
# The id a phone makes for itself (a UUID in practice): letters, digits and hyphens, nothing to escape or store oddly.
DEVICE_ID = re.compile(r"[A-Za-z0-9-]{1,40}")


def checkin_staff(view):
    """ONMT staff who may change registrations (as the admin's check-in asks); the meeting by its slug."""

    @wraps(view)
    def wrapper(request, slug):
        if not request.user.has_perm("meetings.change_registration"):
            raise PermissionDenied
        meeting = get_object_or_404(Meeting.objects.select_related("region"), slug=slug)
        return view(request, meeting)

    return staff_only(wrapper)


def _strings() -> dict:
    """What the page's script says, in the staff's language (%(name)s-style placeholders)."""
    return {
        # Not the attendance mode "En ligne" (online meeting) that the catalogues already hold.
        "online": pgettext("réseau", "En ligne"),
        "offline": _("Hors ligne : les pointages sont gardés sur ce téléphone"),
        "waiting": _("En attente d'envoi : %(count)s"),
        "allSent": _("Tout est envoyé"),
        "checkedIn": _("Présence enregistrée"),
        "already": _("Déjà pointé(e) à %(time)s"),
        "conflict": _("Déjà pointé(e) à %(time)s sur un autre téléphone"),
        "notRegistered": _("Pas inscrit(e) à cette rencontre"),
        "unknownCode": _("Code non reconnu : ce n'est pas un code d'inscription du portail"),
        "cancelled": _("Inscription annulée"),
        "waitlisted": _("Liste d'attente : pas de place confirmée"),
        "undone": _("Pointage annulé"),
        "checkIn": _("Pointer"),
        "checkInNamed": _("Pointer %(name)s"),
        "arrivedAt": _("Arrivé(e) à %(time)s"),
        "walkIn": _("Inscrit(e) sur place"),
        "more": _("Autres résultats : %(count)s. Précisez la recherche."),
        "found": _("Personnes trouvées : %(count)s"),
        "nobody": _("Personne ne correspond à cette recherche."),
        "loading": _("Chargement de la liste…"),
        "cameraError": _("La caméra n'est pas disponible : cherchez la personne par son nom."),
        "signedOut": _(
            "Session terminée : la liste a été effacée de ce téléphone. "
            "Reconnectez-vous pour envoyer les pointages en attente."
        ),
        "ended": _("La rencontre est terminée : la liste a été effacée de ce téléphone."),
        "logoutQueued": _("Des pointages n'ont pas encore été envoyés et seront perdus. Se déconnecter quand même ?"),
        "updatedAt": _("Mis à jour à %(time)s"),
        "walkInOffline": _("Pas de réseau : l'inscription sur place attend son retour."),
        "sectors": {value: str(label) for value, label in Registration.Sector.choices},
    }


def _figures(meeting: Meeting) -> dict:
    figures = hall_figures(meeting=meeting)
    return {
        "capacity": figures.capacity,
        "seats_free": figures.seats_free,
        "expected": figures.expected,
        "arrived": figures.arrived,
        "arrived_expected": figures.arrived_expected,
        "walk_ins": figures.walk_ins,
        "by_sector": [
            {"label": line.label, "expected": line.expected, "arrived": line.arrived} for line in figures.by_sector
        ],
    }


@require_http_methods(["GET", "POST"])
@checkin_staff
def checkin_page(request, meeting):
    """The page; a walk-in posted from it is registered and checked in, then the page again (or its errors)."""
    form = WalkInForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                registration = registration_services.registration_walk_in(
                    meeting_id=meeting.pk, **_walk_in_fields(form)
                )
            except registration_services.RegistrationRefused as refusal:
                form.add_error(None, refusal.message)
            else:
                messages.success(
                    request, _("%(name)s : inscrit(e) sur place et pointé(e).") % {"name": registration.full_name}
                )
                return redirect("meetings:checkin", meeting.slug)
        status = 400
    context = {
        "meeting": meeting,
        "form": form,
        "figures": hall_figures(meeting=meeting),
        # Read by the page's script from data attributes (the CSP allows no inline script, not even JSON).
        "checkin_strings": json.dumps(_strings()),
        "checkin_config": json.dumps(
            {
                "meeting": meeting.slug,
                "dataUrl": reverse("meetings:checkin_data", args=[meeting.slug]),
                "syncUrl": reverse("meetings:checkin_sync", args=[meeting.slug]),
                "workerUrl": reverse("meetings:checkin_worker"),
                "pageUrl": request.path,
                "logoutUrl": reverse("logout"),
                "keepUntil": meeting.ends_at.isoformat(),
            }
        ),
    }
    return render(request, "meetings/checkin.html", context, status=status)


def _walk_in_fields(form: WalkInForm) -> dict:
    return {name: form.cleaned_data[name] for name in ("full_name", "organisation", "sector", "email", "phone")}


@require_GET
@checkin_staff
def checkin_data(request, meeting):
    """What a phone keeps (the people, only what check-in needs) and the hall in figures."""
    people = [
        {
            "id": str(person["public_id"]),
            "name": person["full_name"],
            "organisation": person["organisation"],
            "sector": person["sector"],
            "status": person["status"],
            "attendedAt": person["attended_at"].isoformat() if person["attended_at"] else None,
            "walkIn": person["walk_in"],
        }
        for person in checkin_people(meeting=meeting)
    ]
    return JsonResponse({"people": people, "figures": _figures(meeting), "at": timezone.now().isoformat()})


def _operations(body: bytes) -> tuple[str, list[dict]] | None:
    """The device and the actions of a batch, checked; None when anything in it is malformed."""
    try:
        batch = json.loads(body)
        device = batch["device"]
        operations = batch["operations"]
        if not isinstance(device, str) or not DEVICE_ID.fullmatch(device) or not isinstance(operations, list):
            return None
        if len(operations) > BATCH_LIMIT:
            return None
        parsed = []
        for operation in operations:
            done_at = parse_datetime(operation["at"])
            if done_at is None or done_at.tzinfo is None or operation["action"] not in CheckIn.Action.values:
                return None
            parsed.append(
                {
                    "client_id": uuid.UUID(operation["id"]),
                    "registration_public_id": uuid.UUID(operation["registration"]),
                    "action": operation["action"],
                    "done_at": done_at,
                }
            )
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    return device, parsed


@require_POST
@checkin_staff
def checkin_sync(request, meeting):
    """Apply a phone's queued check-ins and undos, each once; answer each one's outcome, and the figures."""
    batch = _operations(request.body)
    if batch is None:
        return HttpResponseBadRequest(_("Envoi de pointages invalide."))
    device, operations = batch
    results = []
    for operation in operations:
        result = checkin_apply(meeting=meeting, device=device, staff=request.user, **operation)
        registration = result.registration
        results.append(
            {
                "id": str(result.client_id),
                "outcome": result.outcome,
                "conflict": result.conflict,
                "status": registration.status if registration else None,
                "attendedAt": registration.attended_at.isoformat()
                if registration and registration.attended_at
                else None,
            }
        )
    return JsonResponse({"results": results, "figures": _figures(meeting)})


@require_GET
def checkin_worker(request):
    """The service worker, served from /pointage/ so that it may answer for the check-in pages below it.

    It holds no data: anybody may fetch it (the pages it keeps are answered only to staff).
    """
    assets = [static(path) for path in ("css/portal.css", "css/checkin.css", "js/checkin.js", "vendor/jsqr/jsQR.js")]
    assets_json = json.dumps(assets)
    # The static names carry their content's hash: new files, a new cache, the old one dropped.
    version = hashlib.sha256(assets_json.encode()).hexdigest()[:12]
    body = render_to_string("meetings/checkin_worker.js", {"assets_json": assets_json, "version": version})
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    # Checked for a new version at every page load, as browsers do for workers; never kept by a cache.
    response["Cache-Control"] = "no-cache"
    return response
