"""Profile of the slowest path, the registration POST, through the whole Django stack in-process.

Run after `make bench`, on its national-scale database:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/onmt_bench_full \\
    CACHE_URL=redis://127.0.0.1:6379/12 CELERY_BROKER_URL=redis://127.0.0.1:6379/13 \\
    DJANGO_ALLOWED_HOSTS=testserver .venv/bin/python bench/profile_registration.py
Prints CPU and wall time per registration, how long each held its meeting's row lock (from the lock
being granted to the commit; one process, so no waiting for it), then cProfile's functions by cumulative
time (PROFILE_SORT=tottime: by the time spent in each function itself). With --plain, only the
registrations, to count their instructions under valgrind (README, "Performance").
"""

import argparse
import cProfile
import os
import pstats
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onmt_portal.settings")

import django  # noqa: E402

django.setup()

from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret  # noqa: E402
from django.test.client import RequestFactory  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.urls import reverse  # noqa: E402

from bench.generate import REGISTER_MEETING_SLUG  # noqa: E402
from core import counters  # noqa: E402


def register(handler: WSGIHandler, count: int) -> None:
    secret = _get_new_csrf_string()
    url = reverse("registrations:register", args=[REGISTER_MEETING_SLUG])
    for _ in range(count):
        fields = {
            "csrfmiddlewaretoken": _mask_cipher_secret(secret),
            "full_name": "Professionnel Profil",
            "organisation": "Hôtel Atlas",
            "sector": "lodging",
            "email": f"profil-{uuid.uuid4().hex}@example.ma",
            "phone": "+212612345678",
            "consent": "on",
        }
        # Encoded as a browser (and the benchmark's wrk script) sends the form, not as multipart.
        request = RequestFactory().post(url, urlencode(fields), content_type="application/x-www-form-urlencoded")
        environ = {**request.environ, "HTTP_COOKIE": f"csrftoken={secret}", "HTTP_REFERER": "http://testserver/"}
        response = handler(environ, lambda status, headers: None)
        assert b"".join(response) is not None
        response.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument(
        "--plain",
        action="store_true",
        help="register --count times after the warm-up and nothing else, for valgrind --tool=callgrind:"
        " the instructions of a run with --count 100 less those of one with --count 0 are a hundred registrations'",
    )
    options = parser.parse_args()
    handler = WSGIHandler()
    register(handler, 20)  # warm up
    if options.plain:
        register(handler, options.count)
        return
    cpu, wall = time.process_time(), time.perf_counter()
    register(handler, options.count)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(f"per registration: {cpu / options.count * 1000:.1f} ms CPU, {wall / options.count * 1000:.1f} ms wall")
    held = []
    counting = counters.count_duration
    counters.count_duration = lambda name, seconds: held.append(seconds * 1000)
    with override_settings(PERFORMANCE_COUNTERS=True):
        register(handler, options.count)
    counters.count_duration = counting
    held.sort()
    print(
        f"meeting row lock held: median {held[len(held) // 2]:.2f} ms, p99 {held[int(len(held) * 0.99)]:.2f} ms,"
        f" mean {sum(held) / len(held):.2f} ms over {len(held)} registrations"
    )
    profile = cProfile.Profile()
    profile.runcall(register, handler, options.count)
    pstats.Stats(profile).sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(40)


if __name__ == "__main__":
    main()
