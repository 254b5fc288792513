"""Benchmark: the portal's pages against a bare Django view, served the production way.

Run with `make bench` (or `bash bench/run`). For each data set (full national scale,
then 10x less) it fills a PostgreSQL database, serves it with gunicorn (4 sync
workers, DEBUG off, Redis cache and broker), loads each page with wrk from a second
process on 127.0.0.1, measures admin changelists' time to first byte, and finally
times 10,000 invitations through one Celery worker into a local SMTP sink.
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
import time
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
RESULTS = ROOT / "bench" / "results"
PG = "postgres://postgres@127.0.0.1:5432"
INVITATIONS_BROKER = "redis://127.0.0.1:6379/14"
CONNECTIONS = 32
DURATION = os.environ.get("BENCH_DURATION", "10s")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(database: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DATABASE_URL=f"{PG}/{database}",
        CACHE_URL="redis://127.0.0.1:6379/12",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/13",
        DJANGO_SECRET_KEY="bench-only-secret-key-not-for-production-0123456789abcdef",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_DEBUG="0",
        BENCHMARK_ENDPOINTS="1",
        # One client address sends every request here; the production limit would refuse them.
        REGISTRATION_RATE_LIMIT="1000000/m",
        LOG_LEVEL="WARNING",
    )
    return env


def manage(env: dict, *args: str, capture: bool = False) -> str:
    result = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True, text=True, capture_output=capture)
    return result.stdout if capture else ""


def fresh_database(database: str) -> None:
    """An empty database of that name, dropped first with any connection a previous run left."""
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", "--force", database], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", database], check=True)


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


def start_gunicorn(env: dict, port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "onmt_portal.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "4",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not start")


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


def measure_pages(label: str, scale: float, *, reuse: bool) -> dict:
    database = f"onmt_bench_{label}"
    env = environment(database)
    targets = prepare_database(database, scale, env, reuse=reuse)
    port = free_port()
    server = start_gunicorn(env, port)
    base = f"http://127.0.0.1:{port}"
    try:
        figures = {"bare": wrk(base + "/bench/bare/")}
        figures["tour"] = wrk(base + targets["tour"])
        figures["meeting"] = wrk(base + targets["meeting"])
        figures["region"] = wrk(base + targets["region"])
        figures["roadmap (official)"] = wrk(base + targets["roadmap"], headers={"Cookie": targets["official_cookie"]})
        script_json(env, "generate.py", "--reset-registrations")
        figures["registration POST"] = wrk(
            base + targets["register"],
            script=ROOT / "bench" / "register.lua",
            script_env={
                "CSRF_TOKEN": targets["csrf_token"],
                "CSRF_COOKIE": targets["csrf_cookie"],
                "MEETING_SLUG": targets["register_meeting"],
            },
        )
        admin = {name: ttfb(base + url, targets["staff_cookie"]) for name, url in targets["admin"].items()}
        overbooked = script_json(env, "generate.py", "--check-capacity")
    finally:
        stop(server)
    return {
        "label": label,
        "scale": scale,
        "pages": figures,
        "admin_ttfb_ms": admin,
        "capacity": overbooked,
        "queries": targets.get("queries", {}),
    }


def measure_invitations(count: int) -> dict:
    # A broker database of its own, emptied first: the registration runs above queued a task per
    # registration that no worker took, and the worker measured here would drain them first.
    env = {**environment("onmt_bench_invitations"), "CELERY_BROKER_URL": INVITATIONS_BROKER}
    redis.Redis.from_url(INVITATIONS_BROKER).flushdb()
    fresh_database("onmt_bench_invitations")
    manage(env, "migrate", "--noinput", "-v", "0")
    return script_json(env, "invitations.py", "--count", str(count))


def table(runs: list[dict], invitations: dict | None) -> str:
    full, tenth = runs[0], runs[1] if len(runs) > 1 else None
    bare = full["pages"]["bare"]["rps"]
    lines = [
        "| page (32 connections) | req/s | p50 ms | p99 ms | ratio to bare | errors | req/s with 10x less data |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, figure in full["pages"].items():
        small = tenth["pages"][name]["rps"] if tenth else float("nan")
        lines.append(
            f"| {name} | {figure['rps']:.0f} | {figure['p50_ms']:.1f} | {figure['p99_ms']:.1f} | "
            f"{figure['rps'] / bare:.1%} | {figure['non_2xx'] + figure['socket_errors']} | {small:.0f} |"
        )
    lines += ["", "| admin changelist (full data) | time to first byte, median of 5 |", "|---|---|"]
    lines += [f"| {name} | {ms:.0f} ms |" for name, ms in full["admin_ttfb_ms"].items()]
    lines += ["", f"Registration POST: {full['capacity']}"]
    if invitations:
        lines += ["", "| invitations through one worker | figure |", "|---|---|"]
        lines += [f"| {name} | {value} |" for name, value in invitations.items()]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = national scale (200,000 registrations…)")
    parser.add_argument("--skip-small", action="store_true", help="skip the 10x-less-data run")
    parser.add_argument("--invitations", type=int, default=10_000)
    parser.add_argument("--reuse-data", action="store_true", help="keep the databases a previous run generated")
    options = parser.parse_args()
    runs = [measure_pages("full", options.scale, reuse=options.reuse_data)]
    if not options.skip_small:
        runs.append(measure_pages("tenth", options.scale / 10, reuse=options.reuse_data))
    invitations = measure_invitations(options.invitations) if options.invitations else None
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps({"runs": runs, "invitations": invitations}, indent=2))
    print(table(runs, invitations))


if __name__ == "__main__":
    sys.exit(main())
