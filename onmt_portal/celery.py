import os

from celery import Celery
from celery.signals import task_failure, task_retry, task_success

from core import counters

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onmt_portal.settings")

app = Celery("onmt_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Counted in the shared cache as each task ends, on whichever worker: the metrics page reads them.
TASK_OUTCOMES = ("succeeded", "failed", "retried")


def task_outcome_key(task: str, outcome: str) -> str:
    return f"task:{task}:{outcome}"


@task_success.connect
def _count_success(sender=None, **kwargs):
    counters.count(task_outcome_key(sender.name, "succeeded"))


@task_failure.connect
def _count_failure(sender=None, **kwargs):
    counters.count(task_outcome_key(sender.name, "failed"))


@task_retry.connect
def _count_retry(sender=None, **kwargs):
    counters.count(task_outcome_key(sender.name, "retried"))
