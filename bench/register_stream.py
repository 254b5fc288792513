"""A steady stream of registrations, at a fixed rate, spread over several meetings, for the mixed-load case.

    register_stream.py --base http://127.0.0.1:PORT --rate 10 --seconds 12 --paths /inscriptions/a/,/inscriptions/b/ \\
        --csrf-token TOKEN --csrf-cookie SECRET

Request n leaves at start + n / rate whatever the answers before it took (a few threads send, so a
slow answer does not delay the next ones). Prints, as its last line, JSON: registrations sent, the
rate reached, answers by status, latency p50 and p99 (ms). Standard library only.
"""

import argparse
import http.client
import itertools
import json
import os
import threading
import time
from collections import Counter
from urllib.parse import urlencode, urlsplit

SENDERS = 8


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--rate", type=float, required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--paths", required=True, help="registration paths, separated by commas")
    parser.add_argument("--csrf-token", required=True)
    parser.add_argument("--csrf-cookie", required=True)
    options = parser.parse_args()
    address = urlsplit(options.base)
    paths = options.paths.split(",")
    total = int(options.rate * options.seconds)
    numbers = itertools.count()
    statuses, latencies, guard = Counter(), [], threading.Lock()
    start = time.monotonic() + 0.1

    def send():
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
        for n in numbers:
            if n >= total:
                break
            time.sleep(max(0.0, start + n / options.rate - time.monotonic()))
            body = urlencode(
                {
                    "csrfmiddlewaretoken": options.csrf_token,
                    "full_name": "Professionnel Flux",
                    "organisation": "Hôtel Atlas",
                    "sector": "lodging",
                    "email": f"stream-{os.getpid()}-{n}-{time.time_ns()}@example.ma",
                    "phone": "+212612345678",
                    "consent": "on",
                }
            )
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={options.csrf_cookie}",
                "Referer": f"{options.base}/",
            }
            sent = time.monotonic()
            try:
                connection.request("POST", paths[n % len(paths)], body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
                status = "error"
            with guard:
                statuses[status] += 1
                latencies.append((time.monotonic() - sent) * 1000)
        connection.close()

    senders = [threading.Thread(target=send) for _ in range(SENDERS)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()
    elapsed = time.monotonic() - start
    latencies.sort()
    print(
        json.dumps(
            {
                "sent": len(latencies),
                "rate": round(len(latencies) / elapsed, 1),
                "statuses": {str(status): count for status, count in statuses.items()},
                "p50_ms": round(latencies[len(latencies) // 2], 1) if latencies else None,
                "p99_ms": round(latencies[int(len(latencies) * 0.99)], 1) if latencies else None,
            }
        )
    )


if __name__ == "__main__":
    main()
