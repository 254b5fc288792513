"""Benchmark: the portal's pages against a bare Django view, served the production way.

Run with `make bench` (or `bash bench/run`). For each data set (full national scale,
then 10x less) it fills a PostgreSQL database, serves it with gunicorn (4 sync
workers, DEBUG off, Redis cache and broker), loads each page with wrk from a second
process on 127.0.0.1, measures admin changelists' time to first byte, and finally
times 10,000 invitations through one Celery worker into a local SMTP sink; last, the spike: 3,000
professionals following their invitation links within two minutes through nginx and two gunicorn
nodes (bench/spike.py). `bench/run spike` (or `pages`, `invitations`) runs only the cases named.
Prints a Markdown table; raw figures go to bench/results/.
"""

import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg2
import redis

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
RESULTS = ROOT / "bench" / "results"
# Where the benchmark's databases, cache and brokers live; every name and number can be moved aside
# from whatever else runs on the machine.
PG = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
DATABASE_PREFIX = os.environ.get("BENCH_DATABASE_PREFIX", "onmt_bench")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379").rstrip("/")
CACHE_DB = int(os.environ.get("BENCH_CACHE_DB", 12))
BROKER_DB = int(os.environ.get("BENCH_BROKER_DB", 13))
INVITATIONS_DB = int(os.environ.get("BENCH_INVITATIONS_DB", 14))
# 0: a free port, chosen at each start.
PORTAL_PORT = int(os.environ.get("BENCH_PORT", 0))
STOCK_PORT = int(os.environ.get("BENCH_STOCK_PORT", 0))
CONNECTIONS = 32
WORKERS = 4
DURATION = os.environ.get("BENCH_DURATION", "10s")
WARM_UP_SECONDS = 2
# Registrations per second beside the public pages in the mixed-load case.
STREAM_RATES = (10, 50)
CASES = ("pages", "invitations", "spike")
# nginx of the spike's cluster; PgBouncer, the two web nodes and its Redis on the ports after it.
SPIKE_FIRST_PORT = int(os.environ.get("BENCH_SPIKE_PORT", 0))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def seconds(duration: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w*)", duration).groups()
    return float(number) * {"": 1, "s": 1, "m": 60}[unit]


def environment(database: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DATABASE_URL=f"{PG}/{database}",
        CACHE_URL=f"{REDIS}/{CACHE_DB}",
        CELERY_BROKER_URL=f"{REDIS}/{BROKER_DB}",
        DJANGO_SECRET_KEY="bench-only-secret-key-not-for-production-0123456789abcdef",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_DEBUG="0",
        BENCHMARK_ENDPOINTS="1",
        # Renders per page and the registration lock's hold time, counted in the cache (core/counters.py).
        PERFORMANCE_COUNTERS="1",
        # One client address sends every request here; the production limit would refuse them.
        REGISTRATION_RATE_LIMIT="1000000/m",
        # One client address asks all the API's requests here: its limit per address would answer 429.
        API_PUBLIC_RATE_LIMIT="100000000/min",
        LOG_LEVEL="WARNING",
    )
    return env


def stock_environment() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env["DJANGO_SETTINGS_MODULE"] = "bench.stock.settings"
    return env


def manage(env: dict, *args: str, capture: bool = False) -> str:
    result = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True, text=True, capture_output=capture)
    return result.stdout if capture else ""


def fresh_database(database: str) -> None:
    """An empty database of that name, dropped first with any connection a previous run left."""
    server = psycopg2.connect(f"{PG}/postgres")
    server.autocommit = True
    try:
        with server.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{database}"')
    finally:
        server.close()


def script_json(env: dict, script: str, *args: str) -> dict:
    """Run one of the bench/ scripts with `env`; the JSON it prints as its last line."""
    command = [PY, f"bench/{script}", *args]
    result = subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def prepare_database(database: str, scale: float, env: dict, *, reuse: bool) -> dict:
    saved = RESULTS / f"{database}-{scale:g}.json"
    if reuse and saved.exists():
        return json.loads(saved.read_text())
    fresh_database(database)
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "collectstatic", "--noinput", "-v", "0")
    targets = script_json(env, "generate.py", "--scale", str(scale))
    RESULTS.mkdir(exist_ok=True)
    saved.write_text(json.dumps(targets))
    return targets


def start_gunicorn(env: dict, port: int, application: str = "onmt_portal.wsgi:application") -> subprocess.Popen:
    """Serve `application` as `make prod` does (4 sync workers), once every worker has loaded it."""
    with tempfile.NamedTemporaryFile(prefix="bench-ready-", delete=False) as ready:
        ready_file = Path(ready.name)
    process = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            application,
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(WORKERS),
            "--log-level",
            "warning",
            "--config",
            str(ROOT / "bench" / "gunicorn_ready.py"),
        ],
        cwd=ROOT,
        env={**env, "BENCH_READY_FILE": str(ready_file)},
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if len(ready_file.read_text().split()) >= WORKERS:
                return process
            time.sleep(0.2)
    finally:
        ready_file.unlink()
    stop(process)
    raise RuntimeError(f"{application} did not start")


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url: str, *, headers: dict | None = None, script: Path | None = None, script_env: dict | None = None) -> dict:
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}", "--latency", "--timeout", "5s"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    if script:
        command += ["-s", str(script)]
    # Warm the caches and the workers first.
    subprocess.run(
        ["wrk", "-t1", "-c4", "-d2s", url, *command[6:]],
        capture_output=True,
        check=False,
        env={**os.environ, **(script_env or {})},
    )
    output = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, env={**os.environ, **(script_env or {})}
    ).stdout
    percentile = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", output, re.MULTILINE))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50_ms": _ms(percentile["50"]),
        "p99_ms": _ms(percentile["99"]),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": sum(int(n) for n in errors.groups()) if errors else 0,
    }


def ttfb(url: str, cookie: str, runs: int = 5) -> float:
    timings = []
    for _ in range(runs):
        result = subprocess.run(
            [
                "curl",
                "-s",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code} %{time_starttransfer}",
                "-H",
                f"Cookie: {cookie}",
                url,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        status, seconds = result.stdout.split()
        if status != "200":
            raise RuntimeError(f"{url} answered {status}")
        timings.append(float(seconds) * 1000)
    return sorted(timings)[len(timings) // 2]


class Counters:
    """The counters the portal keeps in the benchmark's cache (core/counters.py)."""

    def __init__(self):
        self.redis = redis.Redis.from_url(f"{REDIS}/{CACHE_DB}")

    def _keys(self, name: str) -> list[bytes]:
        return list(self.redis.scan_iter(match=f"*perf:{name}*", count=1000))

    def reset(self) -> None:
        keys = self._keys("")
        if keys:
            self.redis.delete(*keys)

    def _value(self, name: str) -> int:
        [key] = self._keys(name) or [None]
        return int(self.redis.get(key)) if key else 0

    def renders(self, path: str) -> dict:
        renders, misses = self._value(f"page-renders:{path}"), self._value(f"page-misses:{path}")
        return {"renders": renders, "misses": misses, "per_miss": round(renders / misses, 2) if misses else None}

    def lock_hold(self) -> dict:
        """Hold times of the meeting's row lock, from the histogram of 0.1 ms buckets (1 ms above 20 ms)."""
        buckets = sorted(
            (int(key.rsplit(b":", 1)[1]), int(self.redis.get(key))) for key in self._keys("registration-lock:")
        )
        total = sum(count for _bucket, count in buckets)
        if not total:
            return {"registrations": 0}

        def percentile(share):
            seen = 0
            for bucket, count in buckets:
                seen += count
                if seen >= share * total:
                    return bucket / 1000
            return buckets[-1][0] / 1000

        mean = sum((bucket + 50) * count for bucket, count in buckets) / total / 1000
        return {
            "registrations": total,
            "p50_ms": percentile(0.5),
            "p99_ms": percentile(0.99),
            "mean_ms": round(mean, 2),
        }


def stream_start(base: str, targets: dict, rate: int) -> subprocess.Popen:
    paths = ",".join(f"/inscriptions/{slug}/" for slug in targets["stream_meetings"])
    command = [
        PY, "bench/register_stream.py", "--base", base, "--rate", str(rate),
        "--seconds", str(WARM_UP_SECONDS + seconds(DURATION) + 1), "--paths", paths,
        "--csrf-token", targets["csrf_token"], "--csrf-cookie", targets["csrf_cookie"],
    ]  # fmt: skip
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)


def stream_result(process: subprocess.Popen) -> dict:
    output, _errors = process.communicate(timeout=120)
    return json.loads(output.strip().splitlines()[-1])


# The partners' API: its public lists, cached with the public pages (issue 23).
API_LISTS = {"API: meetings list": "/api/v1/meetings/", "API: tours list": "/api/v1/tours/"}


def measure_stock() -> dict:
    """Django's own stack, a stock project with its default middleware, served the same way."""
    port = STOCK_PORT or free_port()
    server = start_gunicorn(stock_environment(), port, "bench.stock.wsgi:application")
    try:
        return wrk(f"http://127.0.0.1:{port}/bench/bare/")
    finally:
        stop(server)


def measure_pages(label: str, scale: float, *, reuse: bool, mixed: bool) -> dict:
    database = f"{DATABASE_PREFIX}_{label}"
    env = environment(database)
    targets = prepare_database(database, scale, env, reuse=reuse)
    redis.Redis.from_url(f"{REDIS}/{CACHE_DB}").flushdb()
    counters = Counters()
    figures = {"stock Django view": measure_stock()}
    port = PORTAL_PORT or free_port()
    server = start_gunicorn(env, port)
    base = f"http://127.0.0.1:{port}"
    renders, lock_hold, mixed_load = {}, {}, {}
    try:
        figures["bare"] = wrk(base + "/bench/bare/")
        for name in ("tour", "meeting", "region"):
            counters.reset()
            figures[name] = wrk(base + targets[name])
            renders[name] = counters.renders(targets[name])
        for name, path in API_LISTS.items():
            counters.reset()
            figures[name] = wrk(base + path)
            renders[name] = counters.renders(path)
        counters.reset()
        figures["roadmap (official)"] = wrk(base + targets["roadmap"], headers={"Cookie": targets["official_cookie"]})
        renders["roadmap (official)"] = counters.renders(targets["roadmap"])
        script_json(env, "generate.py", "--reset-registrations")
        csrf = {"CSRF_TOKEN": targets["csrf_token"], "CSRF_COOKIE": targets["csrf_cookie"]}
        counters.reset()
        figures["registration POST"] = wrk(
            base + targets["register"], script=ROOT / "bench" / "register.lua", script_env=csrf
        )
        lock_hold["registration POST"] = counters.lock_hold()
        counters.reset()
        spread = ",".join(f"/inscriptions/{slug}/" for slug in targets["spread_meetings"])
        figures["registration POST, 12 meetings"] = wrk(
            base + targets["register"],
            script=ROOT / "bench" / "register.lua",
            script_env={**csrf, "MEETING_PATHS": spread},
        )
        lock_hold["registration POST, 12 meetings"] = counters.lock_hold()
        if mixed:
            for rate in STREAM_RATES:
                for name in ("tour", "meeting", "region"):
                    counters.reset()
                    stream = stream_start(base, targets, rate)
                    page = wrk(base + targets[name])
                    mixed_load[f"{name}, {rate} registrations/s"] = {
                        **page,
                        "stream": stream_result(stream),
                        "renders": counters.renders(targets[name]),
                        "lock_hold": counters.lock_hold(),
                    }
        admin = {name: ttfb(base + url, targets["staff_cookie"]) for name, url in targets["admin"].items()}
        capacity = script_json(env, "generate.py", "--check-capacity")
    finally:
        stop(server)
    return {
        "label": label,
        "scale": scale,
        "pages": figures,
        "renders": renders,
        "lock_hold": lock_hold,
        "mixed_load": mixed_load,
        "admin_ttfb_ms": admin,
        "capacity": capacity,
        "queries": targets.get("queries", {}),
    }


def measure_invitations(count: int) -> dict:
    # A broker database of its own, emptied first: the registration runs above queued a task per
    # registration that no worker took, and the worker measured here would drain them first.
    env = {**environment(f"{DATABASE_PREFIX}_invitations"), "CELERY_BROKER_URL": f"{REDIS}/{INVITATIONS_DB}"}
    redis.Redis.from_url(f"{REDIS}/{INVITATIONS_DB}").flushdb()
    fresh_database(f"{DATABASE_PREFIX}_invitations")
    manage(env, "migrate", "--noinput", "-v", "0")
    return script_json(env, "invitations.py", "--count", str(count))


def measure_spike(professionals: int, window: float) -> dict:
    database = f"{DATABASE_PREFIX}_spike"
    # The production shape: no benchmark endpoint, no counter costing a Redis round trip per request.
    env = {**environment(database), "BENCHMARK_ENDPOINTS": "0", "PERFORMANCE_COUNTERS": "0"}
    fresh_database(database)
    manage(env, "migrate", "--noinput", "-v", "0")
    options = ["--professionals", str(professionals), "--window", str(window), "--first-port", str(SPIKE_FIRST_PORT)]
    return script_json(env, "spike.py", *options)


def _renders(figure: dict | None) -> str:
    if not figure or not figure["misses"]:
        return ""
    return f"{figure['renders']} / {figure['misses']}"


def table(runs: list[dict]) -> str:
    full, tenth = runs[0], runs[1] if len(runs) > 1 else None
    stock, bare = full["pages"]["stock Django view"]["rps"], full["pages"]["bare"]["rps"]
    lines = [
        "| page (32 connections) | req/s | p50 ms | p99 ms | ratio to stock Django | ratio to bare | errors "
        "| renders / misses | req/s with 10x less data |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, figure in full["pages"].items():
        small = tenth["pages"][name]["rps"] if tenth else float("nan")
        lines.append(
            f"| {name} | {figure['rps']:.0f} | {figure['p50_ms']:.1f} | {figure['p99_ms']:.1f} | "
            f"{figure['rps'] / stock:.1%} | {figure['rps'] / bare:.1%} | "
            f"{figure['non_2xx'] + figure['socket_errors']} | {_renders(full['renders'].get(name))} | {small:.0f} |"
        )
    if full["mixed_load"]:
        lines += [
            "",
            "| page while registrations arrive | req/s | p50 ms | p99 ms | of the same page alone "
            "| ratio to stock | errors | renders / misses "
            "| registrations: rate reached, answers, p50 / p99 ms | lock hold p50 / p99 ms |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for name, figure in full["mixed_load"].items():
            alone = full["pages"][name.split(",")[0]]["rps"]
            stream, hold = figure["stream"], figure["lock_hold"]
            answers = ", ".join(f"{count}×{status}" for status, count in stream["statuses"].items())
            lines.append(
                f"| {name} | {figure['rps']:.0f} | {figure['p50_ms']:.1f} | {figure['p99_ms']:.1f} | "
                f"{figure['rps'] / alone:.1%} | {figure['rps'] / stock:.1%} | "
                f"{figure['non_2xx'] + figure['socket_errors']} | {_renders(figure['renders'])} | "
                f"{stream['rate']}/s, {answers}, {stream['p50_ms']} / {stream['p99_ms']} | "
                f"{hold.get('p50_ms', '')} / {hold.get('p99_ms', '')} |"
            )
    lines += [
        "",
        "| meeting row lock per registration | registrations | hold p50 ms | p99 ms | mean ms |",
        "|---|---|---|---|---|",
    ]
    for name, hold in full["lock_hold"].items():
        lines.append(
            f"| {name} | {hold['registrations']} | {hold.get('p50_ms', '')} | {hold.get('p99_ms', '')} | "
            f"{hold.get('mean_ms', '')} |"
        )
    lines += ["", "| admin changelist (full data) | time to first byte, median of 5 |", "|---|---|"]
    lines += [f"| {name} | {ms:.0f} ms |" for name, ms in full["admin_ttfb_ms"].items()]
    lines += ["", f"Registration POST seats: {json.dumps(full['capacity'])}"]
    return "\n".join(lines)


def invitations_table(invitations: dict) -> str:
    lines = ["| invitations through one worker | figure |", "|---|---|"]
    lines += [f"| {name} | {value} |" for name, value in invitations.items()]
    return "\n".join(lines)


def spike_table(spike: dict) -> str:
    errors = ", ".join(f"{count} × {kind}" for kind, count in spike["errors"].items()) or "0"
    logged = ", ".join(f"{count} × {kind}" for kind, count in spike["server_log"].items()) or "nothing"
    lines = [
        f"| spike: {spike['professionals']:,} professionals within {spike['window_s']:g} s (up to "
        f"{spike['think_s']:g} s on the form), nginx and 2 nodes | answers | p50 ms | p99 ms | max ms |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {step} | {figure['count']} | {figure.get('p50_ms', '')} | {figure.get('p99_ms', '')} "
        f"| {figure.get('max_ms', '')} |"
        for step, figure in spike["steps"].items()
    ]
    messages, load = spike["messages"], spike["load_average"]
    lines += [
        "",
        f"Throughput: {spike['requests_per_s']} requests/s, {spike['registrations_per_s']} registrations/s, "
        f"up to {spike['peak_arrivals_per_s']} professionals arriving in one second; last answer after "
        f"{spike['seconds_to_last_answer']} s. Errors: {errors}. Logged by nginx and the nodes: {logged}. "
        f"Messages: {messages['received']} of "
        f"{messages['registrations']} received by the SMTP sink, {messages['duplicates']} twice, the last "
        f"{messages['seconds_after_the_spike']} s after the spike. Load average (1, 5, 15 min) before "
        f"{load['before']}, after {load['after']}.",
        "",
        "| meeting | capacity | confirmed | waitlisted | registrations that went through | stored | duplicates |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {slug} | {m['capacity']} | {m['confirmed']} | {m['waitlisted']} | {m['registered']} | {m['stored']} "
        f"| {m['duplicates']} |"
        for slug, m in spike["seats"]["meetings"].items()
    ]
    lines += ["", f"Seats exact: {'yes' if spike['seats']['exact'] else 'NO'}"]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = national scale (200,000 registrations…)")
    parser.add_argument("--skip-small", action="store_true", help="skip the 10x-less-data run")
    parser.add_argument("--skip-mixed", action="store_true", help="skip the public pages under registrations")
    parser.add_argument("--invitations", type=int, default=10_000)
    parser.add_argument("--reuse-data", action="store_true", help="keep the databases a previous run generated")
    parser.add_argument("--spike-professionals", type=int, default=3000)
    parser.add_argument("--spike-window", type=float, default=120, help="seconds over which they arrive")
    parser.add_argument("cases", nargs="*", metavar="case", help=f"among {', '.join(CASES)}; all when none is named")
    options = parser.parse_args()
    cases = options.cases or CASES
    if set(cases) - set(CASES):
        parser.error(f"unknown case among {cases}: choose from {', '.join(CASES)}")
    runs, invitations, spike = [], None, None
    if "pages" in cases:
        runs.append(measure_pages("full", options.scale, reuse=options.reuse_data, mixed=not options.skip_mixed))
        if not options.skip_small:
            runs.append(measure_pages("tenth", options.scale / 10, reuse=options.reuse_data, mixed=False))
    if "invitations" in cases and options.invitations:
        invitations = measure_invitations(options.invitations)
    if "spike" in cases:
        spike = measure_spike(options.spike_professionals, options.spike_window)
    RESULTS.mkdir(exist_ok=True)
    figures = {"runs": runs, "invitations": invitations, "spike": spike}
    (RESULTS / "latest.json").write_text(json.dumps(figures, indent=2))
    tables = [table(runs)] if runs else []
    tables += [invitations_table(invitations)] if invitations else []
    tables += [spike_table(spike)] if spike else []
    print("\n\n".join(tables))
    if spike and (spike["errors"] or not spike["seats"]["exact"]):
        return "The spike had errors, or its seats are not exact: see its table."
    return None


if __name__ == "__main__":
    sys.exit(main())
