"""Absolute links to the portal in e-mails: every one is built here, from settings.SITE_URL."""

from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse


def absolute_url(viewname: str, *args, query: dict | None = None) -> str:
    url = settings.SITE_URL + reverse(viewname, args=args)
    return f"{url}?{urlencode(query)}" if query else url
