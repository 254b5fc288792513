"""gunicorn configuration of the benchmark: each worker says when it has loaded the project.

The master listens before its workers are ready; a run started then measures workers still importing.
"""

import os


def post_worker_init(worker):
    with open(os.environ["BENCH_READY_FILE"], "a") as ready:
        ready.write(f"{worker.pid}\n")
