"""Recompute latency of the explorer: a 2-hour RPL-1 time course through the HTTP API.

Each request is a new slider value (bath.K stepping as a slider does), so no request is served
from the cache; the figure is the wall time seen by a client on loopback (HTTP + validation +
simulate() + JSON). Target (docs/explanation/benchmarks.md): p95 <= 100 ms. Also printed: the server's compute time
alone, and the accuracy of the page's tolerance against a tight solve (rtol 1e-8).

    .venv/bin/python benchmarks/web_latency.py [--requests 60]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import vrest  # noqa: E402
from _web_server import percentile, running_server  # noqa: E402
from vrest.web import compute  # noqa: E402


def _accuracy(samples: list[tuple[float, dict]]) -> float:
    """Largest |V_page - V_tight| (mV) over the returned courses."""
    worst = 0.0
    for k_o, data in samples:
        cell = vrest.load_cell("rpl1").with_bath(K=k_o)
        t = np.asarray(data["series"]["t"])
        tight = vrest.simulate(cell, t_end=float(t[-1]), t_eval=t, rtol=1e-8)
        worst = max(worst, float(np.max(np.abs(np.asarray(data["series"]["V"]) - tight.V[:, 0]))))
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=60)
    args = parser.parse_args()
    k_values = np.round(np.geomspace(2.0, 20.0, args.requests), 4)
    wall, server, samples = [], [], []
    with running_server() as base, httpx.Client(base_url=base, timeout=60) as client:
        for warm in (1.0, 1.5):  # imports, first solver call
            client.post("/api/simulate", json={"preset": "rpl1", "params": {"bath.K": warm}})
        for i, k_o in enumerate(k_values):
            body = {"preset": "rpl1", "params": {"bath.K": float(k_o)}, "t_end": 7200}
            start = time.perf_counter()
            response = client.post("/api/simulate", json=body)
            wall.append(1e3 * (time.perf_counter() - start))
            response.raise_for_status()
            data = response.json()
            server.append(data["compute_ms"])
            if i % (len(k_values) // 5 or 1) == 0:
                samples.append((float(k_o), data))
    print(f"web recompute, RPL-1 over 2 h, {len(data['series']['t'])} log-spaced points, "
          f"solver 'auto' (compiled LSODA), rtol {compute.PAGE_RTOL:g}, {len(wall)} distinct "
          "requests (no cache hits)")
    print(f"  client wall time: p50 {percentile(wall, 50):.1f} ms, p95 {percentile(wall, 95):.1f} ms,"
          f" max {max(wall):.1f} ms   (target p95 <= 100 ms)")
    print(f"  server compute:   p50 {percentile(server, 50):.1f} ms, p95 {percentile(server, 95):.1f} ms")
    print(f"  accuracy: max |V - V(rtol 1e-8)| = {_accuracy(samples):.2g} mV over {len(samples)} courses")


if __name__ == "__main__":
    main()
