"""Staff link the consultation's proposals to roadmap items; their authors stop the outcome e-mails in one click."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.access import staff_only
from meetings.models import ConsultationAnswer, Meeting
from roadmap.forms import ProposalLinkForm
from roadmap.models import RoadmapItem
from roadmap.proposals import proposal_link, proposals_unsubscribe
from roadmap.selectors import proposals_of_meeting
from roadmap.tokens import proposals_unsubscribe_token_read


def _meeting(slug: str) -> Meeting:
    return get_object_or_404(Meeting.objects.select_related("region"), slug=slug)


def _items(meeting: Meeting) -> list[RoadmapItem]:
    return list(RoadmapItem.objects.filter(region=meeting.region).order_by("title_fr"))


def _page(request, meeting: Meeting, *, refused: ProposalLinkForm | None = None, status: int = 200):
    """The page, each proposal with its own form (the refused one as it was posted)."""
    items = _items(meeting)
    entries = []
    for answer in proposals_of_meeting(meeting=meeting):
        form_id = f"id_p{answer.pk}_%s"
        if refused is not None and refused.answer_id == answer.pk:
            refused.auto_id = form_id
            entries.append((answer, refused))
        else:
            entries.append((answer, ProposalLinkForm(items=items, auto_id=form_id)))
    return render(request, "roadmap/proposals.html", {"meeting": meeting, "entries": entries}, status=status)


@staff_only
@require_safe
def proposals(request, slug):
    """Staff: a meeting's consultation proposals, each with the items it is linked to and a form to link one."""
    return _page(request, _meeting(slug))


@staff_only
@require_POST
def proposal_link_add(request, slug, answer_id: int):
    """Staff: link one proposal to an existing item of the region, or to a new "proposed" item named here."""
    meeting = _meeting(slug)
    answer = ConsultationAnswer.objects.filter(pk=answer_id, meeting=meeting).first()
    if answer is None:
        raise Http404
    form = ProposalLinkForm(request.POST, items=_items(meeting))
    form.answer_id = answer.pk
    if form.is_valid():
        data = form.cleaned_data
        try:
            proposal_link(
                actor=request.user,
                answer_id=answer.pk,
                item_id=data["item"],
                new_title=data["new_title"],
                new_axis=data["new_axis"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("La proposition est liée à l'action."))
            return redirect("roadmap:proposals", slug=meeting.slug)
    return _page(request, meeting, refused=form, status=400)


# RFC 8058: the mailbox provider POSTs "List-Unsubscribe=One-Click" with no session and no CSRF token.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def proposals_unsubscribe_view(request, token: str):
    """GET asks (mail scanners follow links); POST stops the e-mails about what became of the person's proposals."""
    answer_id = proposals_unsubscribe_token_read(token=token)
    if answer_id is None:
        raise Http404
    done = request.method == "POST"
    if done and proposals_unsubscribe(answer_id=answer_id) is None:
        raise Http404
    return render(request, "roadmap/proposals_unsubscribe.html", {"done": done})
