from django.db.models import QuerySet

from regions.models import Region


def regions_list() -> QuerySet[Region]:
    return Region.objects.all()


def region_for_official(*, user) -> Region | None:
    """The one region a CRT official is scoped to, or None for anybody else."""
    if not user.is_authenticated:
        return None
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
