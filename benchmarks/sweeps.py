"""Benchmarks of many cells: S1-ss and S1-P1 (docs/explanation/benchmarks.md), and how they scale.

    .venv/bin/python benchmarks/sweeps.py            # everything (about two minutes)
    .venv/bin/python benchmarks/sweeps.py --quick    # skips 100,000 cells and the P1 scaling
    .venv/bin/python benchmarks/sweeps.py --million  # only: 10^6 steady states in chunks

Prints markdown tables:

- S1-ss: the 10,000 steady states of S1 in one batched ``vrest.steady_state`` call: median wall
  time, cells/s, how many converged and are stable, and the accuracy: max |dV| over a sample of
  cells against (a) single-cell steady states and (b) the end of a tight-tolerance time course
  (SciPy BDF, rtol 1e-10, 1e6 s), which checks the root finder independently.
- S1-ss scaling: grids of about 1,000, 10,000 and 100,000 cells over the same ranges.
- S1-P1: cells 0..999 of S1 through P1 from the RPL-1 initial state in one batched
  ``vrest.simulate`` call (its default: each cell by the compiled LSODA, on threads), with V
  output every 60 s; accuracy: max |dV| over a sample of cells and every output time against
  single-cell tight solves (BDF, rtol 1e-11, atol 1e-12), the 0.01 mV criterion of docs/explanation/benchmarks.md.
- S1-P1 scaling: 10, 100, 1,000 and 10,000 cells.
- ``--million``: the S1 ranges on a 1,000 x 1,000 grid (10^6 steady states) through
  ``vrest.sweep.run`` in chunks of 100,000 cells (Parquet store in a temporary folder), in this
  process and on a Dask LocalCluster of 2 single-threaded workers: wall time, time per cell
  against the 10,000-cell figure of the same run, and peak resident memory (this process; the
  cluster's workers from Dask's own accounting).

Times are medians of repeats on this machine (the load average is printed: other processes
share the cores and slow every figure down).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import vrest

TARGETS = {"S1-ss": 0.05, "S1-P1": 0.4}  # s, docs/explanation/benchmarks.md (targets)
RPL1 = vrest.load_cell("rpl1")


def s1_batch(n_a: int = 100, n_b: int = 100) -> dict[str, np.ndarray]:
    """S1 (docs/explanation/benchmarks.md): P_Na/P_K linear 0.01..0.20 x K_o log 1..20 mM, cell i = n_b a + b."""
    a, b = np.meshgrid(1e-6 * np.linspace(0.01, 0.2, n_a), np.geomspace(1, 20, n_b), indexing="ij")
    return {"leak.Na.P": a.ravel(), "bath.K": b.ravel()}


def timed(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """Median wall time (s) of ``repeats`` calls, and the last result."""
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def cell_of(batch: dict[str, np.ndarray], i: int) -> vrest.Cell:
    return RPL1.with_parameters({k: float(v[i]) for k, v in batch.items()})


def sample(n: int, k: int, seed: int = 1) -> np.ndarray:
    """k cells: the four corners of the S1 grid and random others."""
    side = int(round(np.sqrt(n)))
    corners = [0, side - 1, n - side, n - 1]
    rest = np.random.default_rng(seed).choice(n, k - len(corners), replace=False)
    return np.unique(np.concatenate([corners, rest]))


# -- S1-ss ----------------------------------------------------------------------------------------

def s1_ss(repeats: int) -> list[str]:
    batch = s1_batch()
    vrest.steady_state(RPL1, batch=s1_batch(10, 10))  # warm (imports, caches)
    seconds, ss = timed(lambda: vrest.steady_state(RPL1, batch=batch), repeats)
    cells = sample(10_000, 24)
    d_single = max(abs(ss.V[i] - vrest.steady_state(cell_of(batch, i)).V[0]) for i in cells)
    long = [vrest.simulate(cell_of(batch, i), t_end=1e6, t_eval=np.array([1e6]), method="BDF",
                           rtol=1e-10, atol=1e-12).V[-1, 0] for i in cells[:12]]
    d_long = float(np.max(np.abs(ss.V[cells[:12]] - np.array(long))))
    return [
        "| task | cells | time (s) | cells/s | converged | stable | max abs dV vs single (mV) "
        "| max abs dV vs 1e6 s tight BDF (mV) | target (s) |",
        "|---|---|---|---|---|---|---|---|---|",
        f"| S1-ss | 10,000 | {seconds:.3f} | {10_000 / seconds:,.0f} | {int(ss.converged.sum()):,} "
        f"| {int(ss.stable.sum()):,} | {d_single:.1e} ({cells.size} cells) | {d_long:.1e} (12 cells) "
        f"| {TARGETS['S1-ss']} |",
    ]


def s1_ss_scaling(repeats: int, quick: bool) -> list[str]:
    sides = (32, 100) if quick else (32, 100, 316)
    rows = ["| cells | time (s) | cells/s | us per cell | converged |", "|---|---|---|---|---|"]
    for side in sides:
        batch = s1_batch(side, side)
        n = side * side
        seconds, ss = timed(lambda b=batch: vrest.steady_state(RPL1, batch=b),
                            repeats if n <= 10_000 else 1)
        rows.append(f"| {n:,} | {seconds:.3f} | {n / seconds:,.0f} | {1e6 * seconds / n:.1f} | "
                    f"{int(ss.converged.sum()):,} |")
    return rows


# -- S1-P1 ----------------------------------------------------------------------------------------

def s1_p1(n: int, repeats: int, accuracy: bool) -> tuple[float, float | None]:
    batch = {k: v[:n] for k, v in s1_batch().items()}
    p1 = vrest.load_protocol("p1")
    t_eval = np.arange(0.0, 7201.0, 60.0)
    seconds, tc = timed(lambda: vrest.simulate(RPL1, p1, batch=batch, t_eval=t_eval), repeats)
    if not accuracy:
        return seconds, None
    worst = 0.0
    for i in sample(n, 8):
        tight = vrest.simulate(cell_of(batch, i), p1, t_eval=t_eval, method="BDF", rtol=1e-11,
                               atol=1e-12)
        worst = max(worst, float(np.max(np.abs(tc.V[:, i] - tight.V[:, 0]))))
    return seconds, worst


def p1_rows(repeats: int, quick: bool) -> list[str]:
    seconds, worst = s1_p1(1000, repeats, accuracy=True)
    rows = ["| task | cells | time (s) | cells/s | max abs dV vs tight (mV), 8 cells x 121 times "
            "| target (s) |", "|---|---|---|---|---|---|",
            f"| S1-P1 | 1,000 | {seconds:.2f} | {1000 / seconds:,.0f} | {worst:.1e} | "
            f"{TARGETS['S1-P1']} |"]
    if quick:
        return rows
    rows += ["", "| S1-P1 cells | time (s) | cells/s |", "|---|---|---|"]
    for n in (10, 100, 1000, 10_000):  # 10,000: every cell of S1, through P1
        t, _ = (seconds, None) if n == 1000 else s1_p1(n, repeats if n < 10_000 else 1,
                                                         accuracy=False)
        rows.append(f"| {n:,} | {t:.2f} | {n / t:,.0f} |")
    return rows


def million(chunk: int = 100_000) -> list[str]:
    """10^6 steady states through vrest.sweep in chunks: time, time per cell, peak memory."""
    import resource
    import tempfile

    from vrest import sweep

    spec = sweep.from_dict({
        "name": "S1-ss x 100", "cell": "rpl1", "chunk_size": chunk, "sampling": {"mode": "grid"},
        "vary": [{"name": "leak.Na.P", "linspace": [1e-8, 2e-7, 1000]},
                 {"name": "bath.K", "geomspace": [1.0, 20.0, 1000]}],
        "task": {"kind": "steady", "outputs": ["V", "stable"]}})
    small, _ = timed(lambda: vrest.steady_state(RPL1, batch=s1_batch()), 3)
    rows = ["| run | cells | chunk | time (s) | us per cell | vs 10,000 cells | converged | "
            "peak memory |", "|---|---|---|---|---|---|---|---|",
            f"| vrest.steady_state | 10,000 | - | {small:.3f} | {1e6 * small / 1e4:.1f} | 1.00 "
            "| - | - |"]
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        result = sweep.run(spec, Path(tmp) / "local")
        seconds = time.perf_counter() - t0
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        per = 1e6 * seconds / 1e6
        ok = int((result.table["status"] == "ok").sum())
        rows.append(f"| vrest.sweep.run, in process | 1,000,000 | {chunk:,} | {seconds:.2f} | "
                    f"{per:.2f} | {per / (1e6 * small / 1e4):.2f} | {ok:,} | {rss:,.0f} MB "
                    "(this process) |")
        rows.append(_million_dask(sweep, spec, Path(tmp) / "dask", small))
    return rows


def _million_dask(sweep: Any, spec: Any, out: Path, small: float) -> str:
    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=":0") as cluster, Client(cluster) as client:
        peak = {"MB": 0.0}

        def sample(done: int, total: int, chunks: int) -> None:
            info = client.scheduler_info()["workers"].values()
            peak["MB"] = max(peak["MB"], sum(w["metrics"]["memory"] for w in info) / 2**20)

        t0 = time.perf_counter()
        result = sweep.run(spec, out, scheduler=cluster.scheduler_address, progress=sample)
        seconds = time.perf_counter() - t0
    per = 1e6 * seconds / 1e6
    ok = int((result.table["status"] == "ok").sum())
    return (f"| vrest.sweep.run, Dask LocalCluster (2 workers) | 1,000,000 | "
            f"{spec.chunk_size:,} | {seconds:.2f} | {per:.2f} | {per / (1e6 * small / 1e4):.2f} "
            f"| {ok:,} | {peak['MB']:,.0f} MB (both workers, largest sampled) |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip 100,000 cells and P1 scaling")
    parser.add_argument("--repeats", type=int, default=5, help="repeats for the medians")
    parser.add_argument("--million", action="store_true",
                        help="only 10^6 steady states in chunks (time and peak memory)")
    args = parser.parse_args()
    print(f"vrest {vrest.__version__}; load average {os.getloadavg()[0]:.2f} on "
          f"{os.cpu_count()} cores\n")
    if args.million:
        print("\n".join(million()))
        return
    for block in (s1_ss(args.repeats), s1_ss_scaling(args.repeats, args.quick),
                  p1_rows(max(1, args.repeats // 3), args.quick)):
        print("\n".join(block), end="\n\n", flush=True)


if __name__ == "__main__":
    main()
