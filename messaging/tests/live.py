"""Real services for the integration and fault tests: an SMTP server, a Redis server, Celery workers."""

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from email import message_from_bytes
from pathlib import Path

import psycopg2
import redis
from aiosmtpd.controller import Controller
from django.conf import settings

from core.brokers import broker_transport_options
from onmt_portal.celery import app as celery_app

BASE_DIR = Path(settings.BASE_DIR)


def database_url() -> str:
    """The test database, as another process of the portal is told of it (DATABASE_URL)."""
    database = settings.DATABASES["default"]
    return f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"


def run_in_another_process(code: str, **environment: str) -> None:
    """`code` run by a new Python process on the portal's settings and the test database."""
    subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "onmt_portal.settings",
            "DATABASE_URL": database_url(),
            **environment,
        },
        check=True,
        timeout=60,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"Timed out waiting for {what}")


def stop_process(process: subprocess.Popen) -> None:
    """Ask a process to end, and end it if it has not within 10 s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def use_broker(url: str) -> None:
    """Publish to this broker from now on (the test process's side; workers get theirs from the environment)."""
    # kombu keeps one connection pool per broker URL: dropping the app's references is enough.
    celery_app.conf.broker_url = celery_app.conf.broker_write_url = url
    celery_app.conf.broker_transport_options = broker_transport_options(
        url, visibility_timeout=settings.CELERY_VISIBILITY_TIMEOUT
    )
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def _gone(server) -> bool:
    return server.transport is None or server.transport.is_closing()


class RecordingHandler:
    """Accepts mail like a real server; can answer 451 first, be slow to accept once, or stall."""

    def __init__(self):
        self.received = []
        # The bytes as they arrived, for checks a parsed message cannot make (signatures).
        self.raw = []
        self.sessions = 0
        self.fail_next = 0
        # Hold the message after this many were accepted, and tell the test it is being received.
        self.hold_after = None
        self.holding = threading.Event()
        # Never answer the messages after this many were accepted (a server that times out), until set to None.
        self.stall_after = None
        # How many messages are waiting for an answer because of stall_after, right now.
        self.stalled = 0
        self.lock = threading.Lock()

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        with self.lock:
            self.sessions += 1
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server, session, envelope):
        if self.hold_after is not None and len(self.received) == self.hold_after and not self.holding.is_set():
            self.holding.set()
            await asyncio.sleep(2)
        if self.stall_after is not None and len(self.received) >= self.stall_after:
            self.stalled += 1
            try:
                while self.stall_after is not None and not _gone(server):
                    await asyncio.sleep(0.1)
            finally:
                # Also when the client goes away: aiosmtpd then cancels this handler.
                self.stalled -= 1
        if _gone(server):
            # The client went away before the final answer: the message is not accepted.
            return "421 Connection lost"
        with self.lock:
            if self.fail_next:
                self.fail_next -= 1
                return "451 4.3.0 Try again later"
            self.received.append(message_from_bytes(envelope.content))
            self.raw.append(envelope.content)
        return "250 OK"

    def recipients(self) -> Counter:
        with self.lock:
            return Counter(str(message["To"]).split("<")[-1].rstrip(">") for message in self.received)


class SmtpServer:
    """A real SMTP server on a port of its own, that can go away and come back on the same port."""

    def __init__(self, handler: RecordingHandler):
        self.handler = handler
        self.hostname = "127.0.0.1"
        self.port = free_port()
        self.controller = None

    def start(self) -> None:
        # An aiosmtpd controller cannot start again once stopped: a new one serves the same port.
        self.controller = Controller(self.handler, hostname=self.hostname, port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


class RedisServer:
    """A throwaway redis-server of the test's own on a free port, to stop, restart or pause at will.

    Never the shared Redis: other runs and engineers use that one.
    """

    def __init__(self, directory: Path, port: int = 0):
        self.port = port or free_port()
        self.directory = directory
        self.process = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=5, socket_connect_timeout=5)

    def _answers(self) -> bool:
        try:
            with self.client() as client:
                return client.ping()
        except redis.RedisError:
            return False

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        command += ["--daemonize", "no", "--dir", str(self.directory)]
        log = open(self.directory / "redis.log", "a")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        wait_for(lambda: self._answers() or self.process.poll() is not None, timeout=10, what="redis-server")
        assert self.process.poll() is None, (self.directory / "redis.log").read_text()[-2000:]

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)

    def pause(self, seconds: float) -> None:
        """Keep accepting connections but answer no command (CLIENT PAUSE ... ALL) for this long."""
        with self.client() as client:
            client.execute_command("CLIENT", "PAUSE", int(seconds * 1000), "ALL")

    def unpause(self) -> None:
        with self.client() as client:
            client.execute_command("CLIENT", "UNPAUSE")


class Workers:
    def __init__(self, env):
        self.env = env
        self.processes = []

    def start(self) -> subprocess.Popen:
        log = open(self.env["WORKER_LOG"], "a")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "onmt_portal",
                "worker",
                "--pool=solo",
                "-l",
                "info",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"test{len(self.processes)}@%h",
            ],
            cwd=BASE_DIR,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.processes.append((process, log))
        offset = len(Path(self.env["WORKER_LOG"]).read_text())
        wait_for(
            lambda: "ready." in Path(self.env["WORKER_LOG"]).read_text()[offset:] or process.poll() is not None,
            timeout=30,
            what="the Celery worker",
        )
        assert process.poll() is None, Path(self.env["WORKER_LOG"]).read_text()[-3000:]
        return process

    def log(self) -> str:
        return Path(self.env["WORKER_LOG"]).read_text()

    def stop(self):
        for process, log in self.processes:
            # The test is over: nothing is waited for (a worker on RabbitMQ takes ten seconds to stop).
            if process.poll() is None:
                process.kill()
                process.wait()
            log.close()


class PostgresCluster:
    """A PostgreSQL cluster of the test's own (Debian's pg_createcluster), to restart or stop at will.

    Never the machine's main cluster: the rest of the suite, other runs and engineers use that one.
    It holds a copy of the test database, made when it starts; `drop()` removes it whole.
    """

    def __init__(self):
        self.version = sorted(path.name for path in Path("/etc/postgresql").iterdir())[0]
        self.name = f"onmt-test-{uuid.uuid4().hex[:10]}"
        self.port = free_port()
        # Outside pytest's temporary folders, which the postgres user cannot enter.
        self.directory = Path(tempfile.mkdtemp(prefix=f"{self.name}-"))
        shutil.chown(self.directory, "postgres")
        self.database = "onmt_portal"

    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{self.database}"

    def _ctl(self, action: str, *options: str) -> None:
        subprocess.run(["pg_ctlcluster", self.version, self.name, action, *options], check=True, capture_output=True)

    def create_from(self, source: dict) -> None:
        """Start the cluster and copy the `source` database (Django's settings of a connection) into it."""
        subprocess.run(
            ["pg_createcluster", self.version, self.name, "-p", str(self.port), "-d", str(self.directory / "data")]
            + ["--start", "--", "--auth=trust"],
            check=True,
            capture_output=True,
        )
        here = ["-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"]
        subprocess.run(["createdb", *here, self.database], check=True, capture_output=True)
        dump = subprocess.run(
            ["pg_dump", "-h", source["HOST"], "-p", str(source["PORT"]), "-U", source["USER"], source["NAME"]],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            ["psql", *here, "-q", "-v", "ON_ERROR_STOP=1", self.database],
            input=dump.stdout,
            check=True,
            capture_output=True,
        )

    def restart(self) -> None:
        self._ctl("restart", "-m", "fast")

    def stop(self) -> None:
        self._ctl("stop", "-m", "fast")

    def start(self) -> None:
        self._ctl("start")

    def query(self, sql: str, params=()) -> list[tuple]:
        conn = psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=self.database)
        try:
            with conn.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall()
        finally:
            conn.close()

    def drop(self) -> None:
        subprocess.run(["pg_dropcluster", self.version, self.name, "--stop"], capture_output=True)
        shutil.rmtree(self.directory, ignore_errors=True)


class Service:
    """A process of the portal (gunicorn, beat, a management command) with its log, stopped at the end."""

    def __init__(self, command: list[str], *, env: dict, log: Path):
        self.log_path = log
        self._log = open(log, "a")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=self._log, stderr=subprocess.STDOUT)

    def log(self) -> str:
        return self.log_path.read_text()

    def stop(self) -> None:
        stop_process(self.process)
        self._log.close()
