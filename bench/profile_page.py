"""Profile of one page through the whole Django stack in-process, as wrk gets it (served from the cache
after the first request when it is a cached page).

Run after `make bench`, on its national-scale database, with the benchmark's cache:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/onmt_bench_full CACHE_URL=redis://127.0.0.1:6379/12 \\
    DJANGO_ALLOWED_HOSTS=testserver .venv/bin/python bench/profile_page.py /tournee/bench-tour-4/
DJANGO_SETTINGS_MODULE=bench.stock.settings with /bench/bare/ profiles the stock Django view.
Prints CPU and wall time per request, then cProfile's functions (PROFILE_SORT as in profile_registration.py).
"""

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onmt_portal.settings")

import django  # noqa: E402

django.setup()

from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.test.client import RequestFactory  # noqa: E402


def get(handler: WSGIHandler, path: str, cookie: str, count: int) -> None:
    for _ in range(count):
        environ = {**RequestFactory().get(path).environ, "SERVER_NAME": "127.0.0.1"}
        if cookie:
            environ["HTTP_COOKIE"] = cookie
        response = handler(environ, lambda status, headers: None)
        assert b"".join(response)
        response.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("--cookie", default="", help="e.g. the official's session cookie for the roadmap page")
    parser.add_argument("--count", type=int, default=1000)
    options = parser.parse_args()
    handler = WSGIHandler()
    get(handler, options.path, options.cookie, 50)  # warm up, and fill the cache
    cpu, wall = time.process_time(), time.perf_counter()
    get(handler, options.path, options.cookie, options.count)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(f"per request: {cpu / options.count * 1000:.3f} ms CPU, {wall / options.count * 1000:.3f} ms wall")
    profile = cProfile.Profile()
    profile.runcall(get, handler, options.path, options.cookie, options.count)
    pstats.Stats(profile).sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(45)


if __name__ == "__main__":
    main()
