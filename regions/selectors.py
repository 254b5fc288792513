from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from regions.models import Contact, Region


def regions_list() -> QuerySet[Region]:
    return Region.objects.all()


def region_for_official(*, user) -> Region | None:
    """The one region a CRT official is scoped to, or None for anybody else."""
    if not user.is_authenticated:
        return None
    if not get_user_model().crt_contact.is_cached(user):
        # The contact and its region in one query, kept on the user for the other checks of the request.
        user.crt_contact = Contact.objects.select_related("region").filter(user=user).first()
    contact = getattr(user, "crt_contact", None)
    return contact.region if contact is not None else None


def regions_visible_to(*, user) -> QuerySet[Region]:
    """Regions whose private pages `user` may open: all for staff, their own for an official."""
    if user.is_authenticated and user.is_staff:
        return Region.objects.all()
    region = region_for_official(user=user)
    if region is None:
        return Region.objects.none()
    return Region.objects.filter(pk=region.pk)
