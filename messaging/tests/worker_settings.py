"""Settings of the Celery worker the integration tests start: the portal's, on the test's own queue.

ROOT_URLCONF points at the stand-in URLs until the merge (remove it with messaging/tests/urls.py).
"""

import os

from onmt_portal.settings import *  # noqa: F403

ROOT_URLCONF = "messaging.tests.urls"
# Tasks the worker queues itself (a beat task queuing messages) stay on the test's queue.
CELERY_TASK_DEFAULT_QUEUE = os.environ["MESSAGING_TEST_QUEUE"]
