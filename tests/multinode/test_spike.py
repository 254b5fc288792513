"""The benchmark's spike case (`bench/run spike`) at a small scale, so that it cannot rot: the same script,
cluster and load generator, 40 professionals in a few seconds instead of 3,000 in two minutes."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

from meetings.models import Meeting, Registration
from messaging.tests.live import BASE_DIR

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("regions")]

PROFESSIONALS = 40


def test_a_small_spike_through_nginx_and_two_nodes_has_no_error_and_exact_seats():
    database = settings.DATABASES["default"]
    result = subprocess.run(
        [sys.executable, "bench/spike.py", "--professionals", str(PROFESSIONALS), "--window", "4", "--think", "1"],
        cwd=BASE_DIR,
        env={
            **os.environ,
            "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        },
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-6000:]
    figures = json.loads(result.stdout.strip().splitlines()[-1])

    assert figures["errors"] == {}
    assert figures["server_log"] == {}
    assert {step: figure["count"] for step, figure in figures["steps"].items()} == {
        "invitation page": PROFESSIONALS,
        "registration POST": PROFESSIONALS,
        "thank-you page": PROFESSIONALS,
    }
    assert figures["seats"]["exact"], figures["seats"]
    assert figures["messages"] == {**figures["messages"], "received": PROFESSIONALS, "duplicates": 0}
    # What the bench reports is what the database holds: some meetings full with a waiting list, others not.
    reported = figures["seats"]["meetings"]
    assert Registration.objects.filter(meeting__slug__in=reported).count() == PROFESSIONALS
    waiting_lists = 0
    for meeting in Meeting.objects.filter(slug__in=reported):
        registrations = meeting.registrations.values_list("status", flat=True)
        confirmed = sum(status in Registration.SEAT_STATUSES for status in registrations)
        waitlisted = sum(status == Registration.Status.WAITLISTED for status in registrations)
        assert confirmed == min(meeting.capacity, len(registrations)) == reported[meeting.slug]["confirmed"]
        assert confirmed + waitlisted == len(registrations) == reported[meeting.slug]["registered"]
        waiting_lists += waitlisted > 0
    assert 0 < waiting_lists < len(reported)
