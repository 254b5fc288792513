"""The backup drill: a dump taken while professionals register restores into a new database with every
row committed before it began, byte for byte, and the private files with it (scripts/backup, restore)."""

import subprocess
import threading
import uuid

import psycopg2
import pytest
from django.conf import settings
from django.core.files.base import ContentFile

from meetings.services.registration import registration_create
from meetings.tests.factories import MeetingFactory, RegistrationFactory
from messaging.tests.conftest import _regions_kept, regions  # noqa: F401 - the 12 regions, kept for the tests after

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("regions")]

# Each registration as text, in a fixed order: the same rows give the same checksum in both databases.
ROWS = "SELECT count(*), md5(string_agg(r::text, '|' ORDER BY r.id)) FROM meetings_registration r WHERE r.id <= %s"


def _query(dbname: str, sql: str, params=()):
    database = settings.DATABASES["default"]
    connection = psycopg2.connect(host=database["HOST"], port=database["PORT"], user=database["USER"], dbname=dbname)
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else None
    finally:
        connection.close()


def test_a_dump_taken_while_people_register_restores_what_was_committed_before_it(tmp_path, private_media):
    meeting = MeetingFactory(capacity=1000)
    RegistrationFactory.create_batch(40, meeting=meeting)
    private_media.save("minutes/compte-rendu.pdf", ContentFile(b"%PDF-1.7 compte rendu\n"))
    database = settings.DATABASES["default"]
    url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    stop, made = threading.Event(), []

    def professional(number: int) -> None:
        while not stop.is_set():
            made.append(
                registration_create(
                    meeting_id=meeting.pk,
                    full_name="Youssef Amrani",
                    organisation="Riad Dakhla",
                    sector="lodging",
                    email=f"pendant-{number}-{len(made)}@example.ma",
                    phone="+212612345678",
                ).registration.pk
            )

    threads = [threading.Thread(target=professional, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    try:
        while len(made) < 10:
            threading.Event().wait(0.05)
        # Everything up to here is committed before the dump begins.
        before_id = _query(database["NAME"], "SELECT max(id) FROM meetings_registration")[0][0]
        before = _query(database["NAME"], ROWS, (before_id,))[0]
        started = len(made)
        dump = subprocess.run(
            [str(settings.BASE_DIR / "scripts" / "backup"), str(tmp_path / "backup")],
            env={"PATH": "/usr/bin:/bin", "DATABASE_URL": url, "PRIVATE_MEDIA_ROOT": str(settings.PRIVATE_MEDIA_ROOT)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        during = len(made)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    assert during > started, "registrations went on while the dump was taken"

    restored = f"onmt_restore_{uuid.uuid4().hex[:10]}"
    _query("postgres", f'CREATE DATABASE "{restored}"')
    try:
        restored_media = tmp_path / "restored-private"
        subprocess.run(
            [str(settings.BASE_DIR / "scripts" / "restore"), dump, url.rsplit("/", 1)[0] + "/" + restored],
            env={"PATH": "/usr/bin:/bin", "PRIVATE_MEDIA_ROOT": str(restored_media)},
            capture_output=True,
            text=True,
            check=True,
        )
        assert _query(restored, ROWS, (before_id,))[0] == before
        # A consistent snapshot: each row restored is the row as committed, none half-written.
        source_ids = {row[0] for row in _query(database["NAME"], "SELECT id FROM meetings_registration")}
        restored_ids = {row[0] for row in _query(restored, "SELECT id FROM meetings_registration")}
        assert restored_ids <= source_ids and len(restored_ids) >= before[0]
        assert (restored_media / "minutes" / "compte-rendu.pdf").read_bytes() == b"%PDF-1.7 compte rendu\n"
    finally:
        _query("postgres", f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)')
