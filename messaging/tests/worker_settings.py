"""Settings of the processes the integration tests start (worker, beat, gunicorn): on the test's own queue."""

import os

from onmt_portal.settings import *  # noqa: F403

# Tasks the worker queues itself (a beat task queuing messages) stay on the test's queue.
CELERY_TASK_DEFAULT_QUEUE = os.environ["MESSAGING_TEST_QUEUE"]
# Pages the test's own gunicorn serves link static files from the source folders (no collectstatic), as in the tests.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
