"""`make run`'s embedded portal: SQLite, eager Celery, e-mails as files, the demo data of the 12 regions.

The rest of the suite runs on PostgreSQL: this is where SQLite-only faults show (a PostgreSQL function
in a hand-written statement broke the demo data once).
"""

import os
import sqlite3
import subprocess
import sys

from django.conf import settings


def test_the_embedded_portal_migrates_and_loads_the_demo_data_on_sqlite(tmp_path):
    database = tmp_path / "embedded.sqlite3"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL", "EMAIL_URL"}
    }
    env.update(DATABASE_URL=f"sqlite:///{database}", EMAIL_FILE_PATH=str(tmp_path / "mail"))
    for command in (["migrate", "--noinput", "-v", "0"], ["load_demo_data"]):
        result = subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    with sqlite3.connect(database) as connection:
        registrations, stamped = connection.execute(
            "SELECT count(*), count(created_at) FROM meetings_registration WHERE status = 'attended'"
        ).fetchone()
    assert registrations > 0 and stamped == registrations
    assert list((tmp_path / "mail").iterdir()), "the demo's e-mails are written as files"
