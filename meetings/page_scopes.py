"""What the cached public pages of meetings depend on (core.page_cache).

Every public page shows tours, meetings and regions: their changes (staff edits, a few a
day) renew PUBLIC_SCOPE. A meeting's own page shows besides its agenda and its seats, which
every registration changes: those renew the meeting's scope alone, named by its slug as its
address is, so the page finds it without a query. The other pages show seats too, without
depending on them: they are PAGE_CACHE_SEATS_MAX_AGE seconds old at most (README, "Page cache").
"""

from core.page_cache import ROADMAP_SCOPE
from meetings.models import Meeting


def meeting_page_scope(slug: str) -> str:
    return f"meeting:{slug}"


def meeting_page_scopes(*, slug: str) -> list[str]:
    """The scopes of the meeting page at /rencontres/<slug>/ beyond PUBLIC_SCOPE: its own, and the roadmap's,
    since a held meeting's page says where the items of its decisions stand (roadmap edits are few)."""
    return [meeting_page_scope(slug), ROADMAP_SCOPE]


def meeting_page_scope_of(row) -> list[str]:
    """The scope of the meeting page a registration or an agenda item shows on.

    The services hand over the meeting they hold with the row; elsewhere (check-in, the admin)
    its slug costs one query. None when the meeting is gone: its deletion renewed PUBLIC_SCOPE.
    """
    if type(row).meeting.is_cached(row):
        slug = row.meeting.slug
    else:
        slug = Meeting.objects.filter(pk=row.meeting_id).values_list("slug", flat=True).first()
    return [meeting_page_scope(slug)] if slug else []
