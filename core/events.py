"""Changes the apps tell to whoever listens on a higher floor (the API's webhooks), inside the transaction of
the change: a listener that stores something (an outbox row) stores it or not with the change itself.

The listeners are named by settings.DOMAIN_EVENT_LISTENERS (dotted paths of callables taking `name`,
`region_id` and `payload`), so a floor below never imports the one that listens.
"""

import functools

from django.conf import settings
from django.utils.module_loading import import_string

# Looked up once per process: a registration records an event while it holds its meeting's lock.
_listener = functools.cache(import_string)


def event_record(*, name: str, region_id: int, payload: dict) -> None:
    """Tell every listener that `name` happened in region `region_id` (`payload`: JSON-ready identifiers)."""
    for listener in settings.DOMAIN_EVENT_LISTENERS:
        _listener(listener)(name=name, region_id=region_id, payload=payload)
