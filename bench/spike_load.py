"""The spike's load: professionals following their invitation links, each as one browser would.

    spike_load.py --plan plan.json --window 120 --think 15

The plan (JSON, written by bench/spike_data.py) holds the portal's address, the sectors the form
offers and, per professional, the personal link of the invitation e-mail, the address it was sent
to and the meeting. The professionals arrive at random moments, independent of one another (a
Poisson stream at the mean rate), early enough for the last of them to send the form before the
window ends. Each professional has cookies and a connection of their own: opens the link, reads
the form as the page pre-fills it (CSRF token included), takes a moment to fill in the rest (up to
--think seconds), posts it, and follows the redirection to the thank-you page. Arrivals never wait
for earlier answers, so a slow portal meets more professionals at once, as it would.

Prints, as its last line, JSON: latency p50 / p99 / max per step, throughput, errors by kind and,
per meeting, the registrations that reached the thank-you page.
"""

import argparse
import asyncio
import html
import json
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import aiohttp

PAGE, POST, THANKS = "invitation page", "registration POST", "thank-you page"
INPUT = re.compile(r"<input\b[^>]*>")
ATTRIBUTE = re.compile(r'\b(name|value|type)="([^"]*)"')
# nginx waits 35 s for a node (deploy/nginx/onmt-proxy.conf): a browser waits as long.
REQUEST_TIMEOUT = 40


def form_fields(page: str, action: str) -> dict | None:
    """What the registration form holds as the page pre-filled it, or None when the page has no such form."""
    form = re.search(rf'<form method="post" action="{re.escape(action)}"[^>]*>(.*?)</form>', page, re.DOTALL)
    if form is None:
        return None
    fields = {}
    for tag in INPUT.findall(form[1]):
        attributes = dict(ATTRIBUTE.findall(tag))
        if "name" in attributes and attributes.get("type") != "checkbox":
            fields[attributes["name"]] = html.unescape(attributes.get("value", ""))
    return fields


def percentiles(milliseconds: list[float]) -> dict:
    ordered = sorted(milliseconds)
    if not ordered:
        return {"count": 0}
    return {
        "count": len(ordered),
        "p50_ms": round(ordered[len(ordered) // 2], 1),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 1),
        "max_ms": round(ordered[-1], 1),
    }


class Spike:
    def __init__(self, base: str, sectors: list[str], think: float, seed: int):
        self.base = base
        self.sectors = sectors
        self.think = think
        self.random = random.Random(seed)
        self.latencies = {PAGE: [], POST: [], THANKS: []}
        self.errors = Counter()
        self.registered = Counter()
        self.last_answer = 0.0

    async def _request(self, session, step: str, method: str, url: str, **options) -> tuple[int, str, str] | None:
        """Status, body and redirection target; None (an error counted) when no answer came."""
        sent = time.monotonic()
        try:
            async with session.request(method, url, allow_redirects=False, **options) as response:
                body = await response.text()
                answer = response.status, body, response.headers.get("Location", "")
        except (aiohttp.ClientError, TimeoutError) as error:
            self.errors[f"{step}: {type(error).__name__}"] += 1
            return None
        self.last_answer = time.monotonic()
        self.latencies[step].append((self.last_answer - sent) * 1000)
        return answer

    async def professional(self, visit: dict, think: float, sector: str) -> None:
        jar = aiohttp.CookieJar(unsafe=True)  # unsafe: the portal is reached by its IP address here
        timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
        headers = {"Accept-Language": "fr", "User-Agent": "onmt-bench-spike"}
        async with aiohttp.ClientSession(self.base, cookie_jar=jar, timeout=timeout, headers=headers) as session:
            page = await self._request(session, PAGE, "GET", visit["link"])
            if page is None:
                return
            status, body, _location = page
            if status != 200:
                self.errors[f"{PAGE}: HTTP {status}"] += 1
                return
            action = visit["link"].split("?")[0]
            fields = form_fields(body, action)
            if fields is None or not fields.get("csrfmiddlewaretoken"):
                self.errors[f"{PAGE}: no registration form"] += 1
                return
            if fields.get("email") != visit["email"]:
                self.errors[f"{PAGE}: form not pre-filled from the invitation"] += 1
                return
            await asyncio.sleep(think)
            form = {**fields, "sector": sector, "consent": "on"}
            posted = await self._request(
                session, POST, "POST", action, data=form, headers={"Referer": f"{self.base}{visit['link']}"}
            )
            if posted is None:
                return
            status, _body, location = posted
            if status != 302 or "/inscriptions/merci/" not in location:
                self.errors[f"{POST}: HTTP {status}" + (f" to {location}" if location else "")] += 1
                return
            thanks = await self._request(session, THANKS, "GET", location)
            if thanks is None:
                return
            if thanks[0] != 200:
                self.errors[f"{THANKS}: HTTP {thanks[0]}"] += 1
                return
            self.registered[visit["meeting"]] += 1

    async def run(self, visits: list[dict], window: float) -> dict:
        # Drawn before anything is sent: the same plan and seed give the same wave, whatever the answers.
        # The last to arrive still sends the form within the window.
        arrivals = sorted(self.random.uniform(0, window - self.think) for _ in visits)
        order = self.random.sample(visits, len(visits))
        thinks = [self.random.uniform(0, self.think) for _ in visits]
        sectors = [self.random.choice(self.sectors) for _ in visits]
        start = time.monotonic()
        tasks = []
        for arrival, visit, think, sector in zip(arrivals, order, thinks, sectors, strict=True):
            await asyncio.sleep(max(0.0, start + arrival - time.monotonic()))
            tasks.append(asyncio.create_task(self.professional(visit, think, sector)))
        await asyncio.gather(*tasks)
        elapsed = self.last_answer - start
        requests = sum(len(latencies) for latencies in self.latencies.values())
        return {
            "professionals": len(visits),
            "window_s": window,
            "think_s": self.think,
            "peak_arrivals_per_s": max(Counter(int(arrival) for arrival in arrivals).values(), default=0),
            "seconds_to_last_answer": round(elapsed, 1),
            "requests_per_s": round(requests / elapsed, 1) if elapsed > 0 else 0,
            "registrations_per_s": round(len(self.latencies[POST]) / elapsed, 1) if elapsed > 0 else 0,
            "steps": {step: percentiles(latencies) for step, latencies in self.latencies.items()},
            "errors": dict(self.errors),
            "registered": dict(self.registered),
        }


def in_a_process_of_its_own(base: str, plan: dict, *, window: float, think: float) -> dict:
    """The spike sent from a process that shares its interpreter with nothing else; its figures."""
    with tempfile.NamedTemporaryFile("w", prefix="spike-plan-", suffix=".json") as file:
        json.dump({**plan, "base": base}, file)
        file.flush()
        command = [sys.executable, __file__, "--plan", file.name, "--window", str(window), "--think", str(think)]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode:
        raise RuntimeError(f"the spike's load generator failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--plan", type=Path, required=True)
    parser.add_argument("--window", type=float, default=120, help="seconds over which the professionals arrive")
    parser.add_argument("--think", type=float, default=15, help="longest time a professional takes on the form (s)")
    parser.add_argument("--seed", type=int, default=2026)
    options = parser.parse_args()
    if options.think >= options.window:
        parser.error("the professionals need more time to arrive than to fill in the form: --window above --think")
    plan = json.loads(options.plan.read_text())
    spike = Spike(plan["base"], plan["sectors"], options.think, options.seed)
    print(json.dumps(asyncio.run(spike.run(plan["visits"], options.window))))


if __name__ == "__main__":
    main()
