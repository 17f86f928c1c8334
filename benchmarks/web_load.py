"""Bounded loopback load test of the explorer: N concurrent clients for D seconds.

Each client (a thread with its own HTTP connection) loops: a time course with a slider value
drawn from a small set (so some requests hit the cache, as when several students share a
link), the preset's controls, and now and then a bad request (which must get a 4xx JSON error
and must not disturb the others). Only 127.0.0.1 is contacted; the loop stops after D seconds
or MAX_REQUESTS per client. Reports errors (unexpected statuses or transport failures), p50
and p95 latency and the request rate.

    .venv/bin/python benchmarks/web_load.py [--clients 20] [--seconds 20]
"""

from __future__ import annotations

import argparse
import random
import sys
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _web_server import percentile, running_server  # noqa: E402

MAX_REQUESTS = 10_000  # per client, a hard bound besides the time limit


def _request(rng: random.Random, distinct: bool) -> tuple[str, str, dict | None, int]:
    """(method, path, body, expected status)."""
    roll = rng.random()
    if roll < 0.1:
        return "GET", "/api/presets/rpl1", None, 200
    if roll < 0.15:
        return "POST", "/api/simulate", {"preset": "rpl1", "params": {"bath.K": -1}}, 422
    k_o = rng.uniform(2.0, 20.0) if distinct else \
        rng.choice([2.0, 3.5, 5.0, 7.5, 10.0, 15.0, 20.0]) + rng.choice([0.0, 0.01, 0.02])
    return "POST", "/api/simulate", {"preset": "rpl1", "params": {"bath.K": k_o}}, 200


def _client(base: str, seed: int, stop_at: float, distinct: bool, out: dict,
            lock: threading.Lock) -> None:
    rng = random.Random(seed)
    times, errors = [], []
    with httpx.Client(base_url=base, timeout=60) as client:
        for _ in range(MAX_REQUESTS):
            if time.perf_counter() >= stop_at:
                break
            method, path, body, expected = _request(rng, distinct)
            start = time.perf_counter()
            try:
                response = client.request(method, path, json=body)
                ok = response.status_code == expected and "error" not in response.json() \
                    if expected == 200 else response.status_code == expected
                if not ok:
                    errors.append(f"{method} {path}: {response.status_code}")
            except httpx.HTTPError as exc:
                errors.append(f"{method} {path}: {type(exc).__name__}")
            times.append(1e3 * (time.perf_counter() - start))
    with lock:
        out["times"] += times
        out["errors"] += errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--distinct", action="store_true",
                        help="every time course a new slider value (no cache hits: the worst case)")
    args = parser.parse_args()
    if not (1 <= args.clients <= 100 and 0 < args.seconds <= 120):
        parser.error("--clients must be 1-100 and --seconds 0-120 (a bounded test)")
    out: dict = {"times": [], "errors": []}
    lock = threading.Lock()
    with running_server() as base:
        httpx.post(base + "/api/simulate", json={"preset": "rpl1"}, timeout=60)  # warm up
        stop_at = time.perf_counter() + args.seconds
        threads = [threading.Thread(target=_client, args=(base, i, stop_at, args.distinct, out, lock))
                   for i in range(args.clients)]
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - start
        healthy = httpx.get(base + "/api/health", timeout=10).status_code == 200
    times = out["times"]
    mix = "every course distinct (no cache hits)" if args.distinct else "21 shared slider values"
    print(f"load test: {args.clients} concurrent clients for {args.seconds:g} s on 127.0.0.1, {mix}")
    print(f"  requests {len(times)} ({len(times) / elapsed:.1f}/s), errors {len(out['errors'])}"
          + (f" e.g. {out['errors'][:3]}" if out["errors"] else ""))
    print(f"  latency p50 {percentile(times, 50):.0f} ms, p95 {percentile(times, 95):.0f} ms, "
          f"max {max(times):.0f} ms; server healthy afterwards: {healthy}")


if __name__ == "__main__":
    main()
