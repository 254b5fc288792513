"""The minutes page (staff): typed in the meeting room, saved as typed by static/js/minutes.js, and
usable without script through its own form (same service, conflicts shown on the page)."""

import json
import re
from dataclasses import dataclass, field

from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.access import staff_only
from core.admin import add_errors
from core.uploads import FileRow, UploadForm
from meetings.minutes_forms import DecisionForm
from meetings.models import Decision, Meeting
from meetings.selectors import consultation as consultation_selectors
from meetings.selectors import minutes as selectors
from meetings.selectors.evidence import meeting_evidence_get, meeting_evidence_list
from meetings.services import minutes as services
from meetings.services.evidence import meeting_evidence_add, meeting_evidence_remove

# The no-script form carries the text it was rendered with, signed: the base of its three-way merge.
BASE_SALT = "meetings.minutes.base"


def _posted_id(value: str) -> int | None:
    """An id as a form posts it; anything else (empty, letters, other digits than 0-9) is none."""
    return int(value) if re.fullmatch(r"[0-9]{1,18}", value) else None


def _time(moment) -> str:
    return formats.time_format(timezone.localtime(moment), "H:i:s")


def _speaker(item) -> str:
    # A member's name and organisation are copied from the staff account or the CRT contact when chosen.
    return str(item.speaker_member) if item.speaker_member is not None else item.speaker


@dataclass
class TextField:
    """One textarea of the page: its key in a save, what it shows and, after a conflict, the other text."""

    key: str
    label: str
    value: str
    # Set only when the textarea shows something else than what is stored (after a refused save).
    base: str | None = None
    conflict: services.FieldConflict | None = None


@dataclass
class DecisionFormState:
    """What one decision form shows: a decision's values, the defaults of a new one, or what was refused."""

    target: str
    action: str
    agenda_item_id: int | None
    title: str = ""
    details: str = ""
    axis: str = ""
    product_line: str = Decision.ProductLine.OTHER
    market_ids: set[int] = field(default_factory=set)
    owner: str = Decision.Owner.ONMT
    due_on: str = ""
    scope: str = Decision.Scope.REGIONAL
    is_public: bool = True
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def is_new(self) -> bool:
        return self.target.startswith("add-")

    @property
    def general_errors(self) -> list[str]:
        """Errors shown above the form: of no field, or of the agenda item (a hidden field)."""
        return self.errors.get("__all__", []) + self.errors.get("agenda_item", [])

    @classmethod
    def of_decision(cls, decision: Decision, action: str) -> "DecisionFormState":
        return cls(
            target=f"edit-{decision.pk}",
            action=action,
            agenda_item_id=decision.agenda_item_id,
            title=decision.title,
            details=decision.details,
            axis=decision.axis,
            product_line=decision.product_line,
            market_ids={market.pk for market in decision.markets.all()},
            owner=decision.owner,
            due_on=decision.due_on.isoformat() if decision.due_on else "",
            scope=decision.scope,
            is_public=decision.is_public,
        )

    @classmethod
    def of_refused(cls, form: DecisionForm, *, target: str, action: str) -> "DecisionFormState":
        data = form.data
        item = data.get("agenda_item", "")
        return cls(
            target=target,
            action=action,
            agenda_item_id=_posted_id(item),
            title=data.get("title", ""),
            details=data.get("details", ""),
            axis=data.get("axis", ""),
            product_line=data.get("product_line", ""),
            market_ids={pk for pk in map(_posted_id, data.getlist("markets")) if pk is not None},
            owner=data.get("owner", ""),
            due_on=data.get("due_on", ""),
            scope=data.get("scope", ""),
            is_public=bool(data.get("is_public")),
            errors={name: [str(error) for error in errors] for name, errors in form.errors.items()},
        )


def _page(
    request,
    meeting: Meeting,
    minutes_id: int,
    *,
    typed: dict[str, str] | None = None,
    conflicts: list[services.FieldConflict] = (),
    refused_form: DecisionFormState | None = None,
    upload_form: UploadForm | None = None,
    status: int = 200,
):
    minutes = selectors.minutes_with_entries(minutes_id=minutes_id)
    entries = list(minutes.entries.all())
    stored = services.minutes_fields(minutes=minutes, entries=entries)
    typed = typed or {}
    by_key = {conflict.field: conflict for conflict in conflicts}

    def text(key: str, label: str) -> TextField:
        value = typed.get(key, stored[key])
        base = stored[key] if value != stored[key] else None
        return TextField(key=key, label=label, value=value, base=base, conflict=by_key.get(key))

    decisions = list(selectors.meeting_decisions(meeting=meeting))
    page_url = reverse("meetings:minutes", args=[meeting.slug])

    def form_state(target, default):
        return refused_form if refused_form is not None and refused_form.target == target else default

    def decision_rows(item_id):
        return [
            {
                "decision": decision,
                "form": form_state(
                    f"edit-{decision.pk}",
                    DecisionFormState.of_decision(
                        decision, reverse("meetings:minutes_decision_edit", args=[meeting.slug, decision.pk])
                    ),
                ),
            }
            for decision in decisions
            if decision.agenda_item_id == item_id
        ]

    add_action = reverse("meetings:minutes_decision_add", args=[meeting.slug])
    cards = [
        {
            "entry": entry,
            "item": entry.agenda_item,
            "speaker": _speaker(entry.agenda_item),
            "summary": text(services.entry_key(entry.pk, "summary"), _("Synthèse")),
            "points_raised": text(
                services.entry_key(entry.pk, "points_raised"), _("Points soulevés par les professionnels")
            ),
            "decisions": decision_rows(entry.agenda_item_id),
            "add_form": form_state(
                f"add-{entry.agenda_item_id}",
                DecisionFormState(
                    target=f"add-{entry.agenda_item_id}", action=add_action, agenda_item_id=entry.agenda_item_id
                ),
            ),
        }
        for entry in entries
    ]
    general = {
        "decisions": decision_rows(None),
        "add_form": form_state(
            "add-general", DecisionFormState(target="add-general", action=add_action, agenda_item_id=None)
        ),
    }
    context = {
        "meeting": meeting,
        "minutes": minutes,
        "summary": text(services.SUMMARY_FIELD, _("Synthèse générale")),
        "cards": cards,
        "general": general,
        "conflicts": conflicts,
        "base_token": signing.dumps({"version": minutes.version, "content": stored}, salt=BASE_SALT, compress=True),
        "saved_at": _time(minutes.updated_at),
        "saved_by": services.person_name(minutes.updated_by),
        "attendance": selectors.meeting_attendance(meeting=meeting),
        "carried_forward": selectors.carried_forward_decisions(meeting=meeting),
        # What the professionals said in the consultation before the meeting, beside the agenda.
        "consultation": consultation_selectors.consultation_meeting_aggregate(meeting=meeting),
        "choices": {
            "axes": Decision.Axis.choices,
            "product_lines": Decision.ProductLine.choices,
            "owners": Decision.Owner.choices,
            "scopes": Decision.Scope.choices,
            "markets": selectors.decision_markets(),
        },
        "page_url": page_url,
        "evidence_rows": [
            FileRow(
                file=evidence,
                download_url=reverse("meetings:evidence", args=[meeting.slug, evidence.pk]),
                remove_url=reverse("meetings:evidence_remove", args=[meeting.slug, evidence.pk]),
            )
            for evidence in meeting_evidence_list(meeting=meeting)
        ],
        "upload_form": upload_form or UploadForm(),
        "autosave_url": reverse("meetings:minutes_autosave", args=[meeting.slug]),
        "max_length": services.MAX_TEXT_LENGTH,
    }
    return render(request, "meetings/minutes.html", context, status=status)


@require_http_methods(["GET", "POST"])
@staff_only
def minutes_page(request, slug):
    """The minutes of a meeting: general summary, one card per agenda item with its decisions."""
    meeting = selectors.minutes_meeting_get(slug=slug)
    minutes = services.minutes_start(meeting=meeting, actor=request.user)
    if request.method == "GET":
        return _page(request, meeting, minutes.pk)
    try:
        base = signing.loads(request.POST.get("base", ""), salt=BASE_SALT)
    except signing.BadSignature:
        return _page(request, meeting, minutes.pk, status=400)
    typed = {key: value for key, value in request.POST.items() if key == "summary" or key.startswith("entry-")}
    try:
        saved = services.minutes_save(
            minutes_id=minutes.pk,
            base_version=base["version"],
            changes=typed,
            base_values=base["content"],
            actor=request.user,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _page(request, meeting, minutes.pk, status=400)
    except services.MinutesConflict as conflict:
        messages.warning(
            request,
            _(
                "Rien n'a été enregistré : un autre rédacteur a modifié les mêmes passages. Leur texte est affiché "
                "au-dessus du vôtre ; gardez, complétez ou remplacez votre texte puis enregistrez à nouveau."
            ),
        )
        # What this editor had not changed shows the stored text; what they typed stays as typed.
        kept = {
            key: value for key, value in typed.items() if services.text_normalised(value) != base["content"].get(key)
        }
        return _page(request, meeting, minutes.pk, typed=kept, conflicts=conflict.conflicts, status=409)
    messages.success(request, _("Compte rendu enregistré à %(time)s.") % {"time": _time(saved.saved_at)})
    return redirect(reverse("meetings:minutes", args=[meeting.slug]))


def _json_error(message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=400)


@require_POST
@staff_only
def minutes_autosave(request, slug):
    """Save what the page's script sends: {"version", "changes", "base"}; JSON answers, never a 500.

    200 {version, saved_at, saved_at_time, merged, current}; 409 {conflicts, version}; 400 {error}.
    """
    meeting = selectors.minutes_meeting_get(slug=slug)
    minutes = services.minutes_start(meeting=meeting, actor=request.user)
    try:
        payload = json.loads(request.body)
    except ValueError:
        return _json_error(_("Requête illisible."))
    if not isinstance(payload, dict):
        return _json_error(_("Requête illisible."))
    version = payload.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or not 0 < version < 2**31:
        return _json_error(_("Le numéro de version doit être un nombre."))
    try:
        saved = services.minutes_save(
            minutes_id=minutes.pk,
            base_version=version,
            changes=payload.get("changes"),
            base_values=payload.get("base", {}),
            actor=request.user,
        )
    except ValidationError as error:
        return _json_error(" ".join(error.messages))
    except services.MinutesConflict as conflict:
        return JsonResponse(
            {
                "version": conflict.version,
                "conflicts": [
                    {
                        "field": item.field,
                        "label": item.label,
                        "theirs": item.theirs,
                        "mine": item.mine,
                        "saved_by": item.saved_by,
                        "saved_at": item.saved_at.isoformat(),
                        "saved_at_time": _time(item.saved_at),
                    }
                    for item in conflict.conflicts
                ],
            },
            status=409,
        )
    return JsonResponse(
        {
            "version": saved.version,
            "saved_at": saved.saved_at.isoformat(),
            "saved_at_time": _time(saved.saved_at),
            "merged": saved.merged,
            "current": saved.current,
        }
    )


def _back_to(meeting: Meeting, agenda_item_id: int | None) -> str:
    anchor = f"point-{agenda_item_id}" if agenda_item_id else "decisions-generales"
    return reverse("meetings:minutes", args=[meeting.slug]) + "#" + anchor


def _decision_form_view(request, slug, *, decision_id: int | None):
    meeting = selectors.minutes_meeting_get(slug=slug)
    form = DecisionForm(request.POST, meeting=meeting)
    if form.is_valid():
        try:
            if decision_id is None:
                decision = services.decision_create(meeting=meeting, **form.service_kwargs())
                messages.success(request, _("Décision ajoutée : %(title)s.") % {"title": decision.title})
            else:
                decision = services.decision_update(decision_id=decision_id, meeting=meeting, **form.service_kwargs())
                messages.success(request, _("Décision modifiée : %(title)s.") % {"title": decision.title})
        except Decision.DoesNotExist:
            raise Http404 from None
        except ValidationError as error:
            add_errors(form, error)
        else:
            return redirect(_back_to(meeting, decision.agenda_item_id))
    if decision_id is None:
        item = _posted_id(request.POST.get("agenda_item", ""))
        target = f"add-{item}" if item is not None else "add-general"
        action = reverse("meetings:minutes_decision_add", args=[slug])
    else:
        target = f"edit-{decision_id}"
        action = reverse("meetings:minutes_decision_edit", args=[slug, decision_id])
    refused = DecisionFormState.of_refused(form, target=target, action=action)
    messages.error(request, _("La décision n'a pas été enregistrée : corrigez les champs signalés."))
    minutes = services.minutes_start(meeting=meeting, actor=request.user)
    return _page(request, meeting, minutes.pk, refused_form=refused, status=400)


@require_POST
@staff_only
def decision_add(request, slug):
    return _decision_form_view(request, slug, decision_id=None)


@require_POST
@staff_only
def decision_edit(request, slug, pk):
    return _decision_form_view(request, slug, decision_id=pk)


@require_POST
@staff_only
def decision_delete(request, slug, pk):
    meeting = selectors.minutes_meeting_get(slug=slug)
    decision = Decision.objects.filter(pk=pk, meeting=meeting).first()
    if decision is None:
        raise Http404
    try:
        services.decision_delete(decision_id=pk, meeting=meeting)
    except Decision.DoesNotExist:
        raise Http404 from None
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Décision supprimée : %(title)s.") % {"title": decision.title})
    return redirect(_back_to(meeting, decision.agenda_item_id))


# ------------------------------------------------------------------ the meeting's files


def _files_anchor(meeting: Meeting) -> str:
    return reverse("meetings:minutes", args=[meeting.slug]) + "#documents"


@require_POST
@staff_only
def evidence_add(request, slug):
    """A file attached to the meeting; a refused one is said on the page, above its form (400)."""
    meeting = selectors.minutes_meeting_get(slug=slug)
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            evidence = meeting_evidence_add(actor=request.user, meeting=meeting, upload=form.cleaned_data["file"])
        except ValidationError as refusal:
            form.add_error("file", refusal)
        else:
            messages.success(request, _("« %(name)s » est joint à la rencontre.") % {"name": evidence.name})
            return redirect(_files_anchor(meeting))
    minutes = services.minutes_start(meeting=meeting, actor=request.user)
    return _page(request, meeting, minutes.pk, upload_form=form, status=400)


@require_POST
@staff_only
def evidence_remove(request, slug, pk):
    evidence = meeting_evidence_get(user=request.user, slug=slug, pk=pk)
    if meeting_evidence_remove(actor=request.user, evidence=evidence):
        messages.success(request, _("« %(name)s » a été retiré.") % {"name": evidence.name})
    return redirect(_files_anchor(evidence.meeting))
