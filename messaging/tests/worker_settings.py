"""Settings of the Celery worker the integration tests start: the portal's, on the test's own queue."""

import os

from onmt_portal.settings import *  # noqa: F403

# Tasks the worker queues itself (a beat task queuing messages) stay on the test's queue.
CELERY_TASK_DEFAULT_QUEUE = os.environ["MESSAGING_TEST_QUEUE"]
