"""Running jobs at the same moment on real database connections, for the tests of locks."""

import threading
from concurrent.futures import ThreadPoolExecutor

from django.db import connection


def run_at_once(jobs, *, workers: int | None = None) -> list:
    """Run the jobs on their own threads, released together; each thread closes its own connection.

    Returns each job's result in order (a job's exception is raised here).
    """
    start = threading.Event()

    def run(job):
        start.wait(timeout=30)
        try:
            return job()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=workers or len(jobs)) as pool:
        futures = [pool.submit(run, job) for job in jobs]
        start.set()
        return [future.result() for future in futures]
