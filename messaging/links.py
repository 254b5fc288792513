"""Absolute links to the portal in e-mails: every one is built here, from settings.SITE_URL."""

from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

from messaging.tokens import unsubscribe_token_make


def absolute_url(viewname: str, *args, query: dict | None = None) -> str:
    url = settings.SITE_URL + reverse(viewname, args=args)
    return f"{url}?{urlencode(query)}" if query else url


def unsubscribe_url(*, email: str) -> str:
    """The one-click unsubscribe link of an address: the same in a message's text and in its headers."""
    return absolute_url("messaging:unsubscribe", unsubscribe_token_make(email=email))
