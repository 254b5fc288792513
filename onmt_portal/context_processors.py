from django.conf import settings


def portal(request):
    """Values every page template needs (site URL for absolute links)."""
    return {"SITE_URL": settings.SITE_URL}
