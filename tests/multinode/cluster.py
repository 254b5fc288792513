"""The production shape on one machine: nginx in front of two gunicorn nodes, two Celery workers, beat,
PostgreSQL through PgBouncer in transaction pooling, Redis, and a real SMTP server.

nginx and PgBouncer run with the repository's own configuration (deploy/nginx/onmt-proxy.conf,
deploy/pgbouncer/pool.ini) around the ports of the test; the nodes run deploy/gunicorn.conf.py.
PgBouncer pools the test database of the machine's PostgreSQL; Redis (broker and cache) is a server
of the test's own, never the shared one.
"""

import contextlib
import itertools
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import requests
from django.conf import settings

from messaging.tests.live import BASE_DIR, RedisServer, free_port, wait_for

DEPLOY = BASE_DIR / "deploy"
METRICS_TOKEN = "jeton-de-la-supervision"
VISIBILITY_TIMEOUT = 30
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"


def answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class Process:
    """A process of the cluster in a session of its own, so that killing it kills its children too."""

    def __init__(self, name: str, command: list[str], *, env: dict, directory: Path):
        self.name = name
        self.log_path = directory / f"{name}.log"
        self._log = open(self.log_path, "a")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            command, cwd=BASE_DIR, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def alive(self) -> bool:
        return self.process.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL to the process and its children at once: a node or a worker lost, not stopped."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        # Nothing of the cluster outlives the module; none of it needs to stop gracefully.
        if self.alive():
            self.kill()
        self._log.close()


class Cluster:
    def __init__(self, *, smtp_port: int, web_nodes: int = 2, workers: int = 2, first_port: int = 0):
        """`first_port`: nginx's, then PgBouncer, the web nodes and Redis on the ports after it; 0: free ports."""
        # Outside pytest's temporary folders: PgBouncer runs as the postgres user, which must write there.
        self.directory = Path(tempfile.mkdtemp(prefix="onmt-multinode-"))
        shutil.chown(self.directory, "postgres")
        self.directory.chmod(0o777)
        ports = itertools.count(first_port) if first_port else iter(free_port, None)
        self.proxy_port = next(ports)
        self.pgbouncer_port = next(ports)
        self.node_ports = [next(ports) for _ in range(web_nodes)]
        self.redis = RedisServer(self.directory, next(ports))
        self.database = settings.DATABASES["default"]
        self.smtp_port = smtp_port
        self.worker_count = workers
        self.queue = "multinode"
        self.nodes: list[Process] = []
        self.workers: list[Process] = []
        self.beats: list[Process] = []
        self.others: list[Process] = []

    # ------------------------------------------------------------------ addresses

    @property
    def url(self) -> str:
        """The portal as its visitors reach it: through nginx."""
        return f"http://127.0.0.1:{self.proxy_port}"

    def node_url(self, index: int) -> str:
        return f"http://127.0.0.1:{self.node_ports[index]}"

    def env(self, **extra: str) -> dict:
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "messaging.tests.worker_settings",
            "MESSAGING_TEST_QUEUE": self.queue,
            "DATABASE_URL": f"postgres://{self.database['USER']}@127.0.0.1:{self.pgbouncer_port}/{self.database['NAME']}",
            "DATABASE_TRANSACTION_POOLING": "1",
            "DATABASE_CONN_MAX_AGE": "60",
            "CACHE_URL": self.redis.url(1),
            "CELERY_BROKER_URL": self.redis.url(0),
            # A killed worker's task comes back within a minute, not an hour; longer than a task lasts on a
            # loaded machine, so live tasks are not delivered again for nothing.
            "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
            "MESSAGING_LEASE_SECONDS": "10",
            "MESSAGING_RETRY_BACKOFF": "0.3",
            "EMAIL_URL": f"smtp://127.0.0.1:{self.smtp_port}",
            "PROXY_COUNT": "1",
            "REGISTRATION_RATE_LIMIT": "100000/h",
            "DJANGO_DEBUG": "0",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            **extra,
        }

    # ------------------------------------------------------------------ the parts

    def _start_pgbouncer(self) -> None:
        (self.directory / "userlist.txt").write_text(f'"{self.database["USER"]}" ""\n')
        ini = self.directory / "pgbouncer.ini"
        ini.write_text(
            "[databases]\n"
            f"{self.database['NAME']} = host={self.database['HOST']} port={self.database['PORT']} "
            f"dbname={self.database['NAME']}\n"
            # Any other database of the same server: the suite's subset run through the pooler creates its own.
            f"* = host={self.database['HOST']} port={self.database['PORT']}\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {self.pgbouncer_port}\n"
            f"auth_type = trust\nauth_file = {self.directory / 'userlist.txt'}\n"
            # No logfile: it logs to its standard error, which the test keeps.
            f"pidfile = {self.directory / 'pgbouncer.pid'}\n"
            "unix_socket_dir =\n"
            f"%include {DEPLOY / 'pgbouncer' / 'pool.ini'}\n"
        )
        user = ["-u", "postgres"] if os.geteuid() == 0 else []
        self.others.append(
            Process("pgbouncer", [PGBOUNCER, *user, str(ini)], env=dict(os.environ), directory=self.directory)
        )
        wait_for(lambda: _port_open(self.pgbouncer_port), timeout=15, what="PgBouncer")

    def start_node(self, index: int) -> Process:
        # As the onmt-web unit does: a fresh folder where the node's workers write their request figures.
        figures = self.directory / f"metrics-web{index}"
        shutil.rmtree(figures, ignore_errors=True)
        figures.mkdir()
        node = Process(
            f"web{index}",
            [sys.executable, "-m", "gunicorn", "-c", str(DEPLOY / "gunicorn.conf.py"), "onmt_portal.wsgi:application"],
            env=self.env(
                GUNICORN_BIND=f"127.0.0.1:{self.node_ports[index]}",
                WEB_CONCURRENCY="2",
                GUNICORN_THREADS="4",
                PROMETHEUS_MULTIPROC_DIR=str(figures),
                METRICS_TOKEN=METRICS_TOKEN,
            ),
            directory=self.directory,
        )
        wait_for(lambda: answers(f"{self.node_url(index)}/health/") or not node.alive(), timeout=60, what=node.name)
        assert node.alive(), node.log()[-3000:]
        if index < len(self.nodes):
            self.nodes[index] = node
        else:
            self.nodes.append(node)
        return node

    def _start_nginx(self) -> None:
        upstreams = "".join(f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=10s;\n" for port in self.node_ports)
        temp = "".join(
            f"  {kind}_temp_path {self.directory / kind};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        conf = self.directory / "nginx.conf"
        conf.write_text(
            ("user root;\n" if os.geteuid() == 0 else "")
            + f"worker_processes 2;\nworker_rlimit_nofile 16384;\ndaemon off;\npid {self.directory / 'nginx.pid'};\n"
            f"error_log {self.directory / 'nginx-error.log'} warn;\n"
            # Each visitor's connection and its upstream one: an invitation wave of thousands needs more than
            # nginx's 1024 (Debian's nginx.conf says 768; README, "Production on several nodes").
            "events { worker_connections 8192; }\n"
            "http {\n"
            "  log_format upstream '$request_method $uri $status $upstream_addr';\n"
            f"  access_log {self.directory / 'nginx-access.log'} upstream;\n"
            f"{temp}"
            "  upstream onmt_web {\n" + upstreams + "    keepalive 16;\n  }\n"
            f"  server {{\n    listen 127.0.0.1:{self.proxy_port};\n"
            f"    location / {{\n      include {DEPLOY / 'nginx' / 'onmt-proxy.conf'};\n    }}\n  }}\n"
            "}\n"
        )
        check = subprocess.run([NGINX, "-t", "-c", str(conf)], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
        self.others.append(Process("nginx", [NGINX, "-c", str(conf)], env=dict(os.environ), directory=self.directory))
        wait_for(lambda: answers(f"{self.url}/health/"), timeout=15, what="nginx")

    def start_worker(self) -> Process:
        index = len(self.workers)
        worker = Process(
            f"worker{index}",
            [sys.executable, "-m", "celery", "-A", "onmt_portal", "worker", "--pool=prefork", "--concurrency=2"]
            + ["-l", "info", "-Q", self.queue, "-n", f"multinode{index}@%h", "--without-gossip", "--without-mingle"],
            env=self.env(),
            directory=self.directory,
        )
        wait_for(lambda: "ready." in worker.log() or not worker.alive(), timeout=60, what=worker.name)
        assert worker.alive(), worker.log()[-3000:]
        self.workers.append(worker)
        return worker

    def start_beat(self) -> Process:
        index = len(self.beats)
        beat = Process(
            f"beat{index}",
            [sys.executable, "-m", "celery", "-A", "onmt_portal", "beat", "-l", "info"]
            + ["-s", str(self.directory / f"beat{index}-schedule")],
            env=self.env(),
            directory=self.directory,
        )
        self.beats.append(beat)
        return beat

    def start(self) -> None:
        self.redis.start()
        self._start_pgbouncer()
        for index in range(len(self.node_ports)):
            self.start_node(index)
        self._start_nginx()
        for _ in range(self.worker_count):
            self.start_worker()
        self.start_beat()

    def upstreams_used(self) -> dict[str, int]:
        """Requests per web node, from nginx's access log (a retried request lists both nodes)."""
        counts: dict[str, int] = {}
        for line in (self.directory / "nginx-access.log").read_text().splitlines():
            for address in line.split(" ", 3)[-1].replace(" : ", ",").split(","):
                counts[address.strip()] = counts.get(address.strip(), 0) + 1
        return counts

    def logs(self) -> str:
        parts = []
        for process in [*self.nodes, *self.workers, *self.beats, *self.others]:
            parts.append(f"----- {process.name}\n{process.log()[-2500:]}")
        return "\n".join(parts)

    def stop(self) -> None:
        for process in [*self.beats, *self.workers, *self.nodes, *self.others]:
            process.stop()
        self.redis.stop()
        shutil.rmtree(self.directory, ignore_errors=True)
