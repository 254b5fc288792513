"""Settings of the Celery worker the integration tests start: the portal's, with the test stand-in URLs.

Remove after the merge together with messaging/tests/urls.py.
"""

from onmt_portal.settings import *  # noqa: F403

ROOT_URLCONF = "messaging.tests.urls"
