"""The compiled solver, before and after a change of its library, in one run.

    .venv/bin/python benchmarks/solver_swap.py                     # CyRK path and SciPy fallback
    .venv/bin/python benchmarks/solver_swap.py --before OLD/src    # + an older vrest source tree
    make bench-solver-swap                                         # the numbalsoda tree, built here

For each variant, in its own processes (so each loads its own vrest): P1 warm (RPL-1 through P1,
median of repeats), the first P1 as a whole process (`vrest simulate --preset rpl1 --protocol
p1 --json`, median of 3 after one run that fills numba's cache), S1-P1 (cells 0..999 of S1
through P1, V every 60 s, median of 3), and the accuracy of each against tight single-cell
solves (SciPy BDF, rtol 1e-11): max |dV| over every output second of P1, and over 8 cells x 121
times of S1-P1. Variants: "after" (this tree, the compiled path), "fallback" (this tree with
VREST_NO_COMPILED=1: SciPy BDF), and "before" (``--before``: an older ``src`` folder put first
on PYTHONPATH, run by the same interpreter). When Myokit is installed its P1 time is measured
in the same run and each P1 figure is printed as a ratio to it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def child() -> None:
    """Measure this process's vrest; print one JSON line."""
    import numpy as np

    sys.path.insert(0, str(HERE))
    import sweeps
    import vrest

    cell, p1 = vrest.load_cell("rpl1"), vrest.load_protocol("p1")
    tc = vrest.simulate(cell, p1)
    times = []
    for _ in range(15):
        t0 = time.perf_counter()
        tc = vrest.simulate(cell, p1)
        times.append(time.perf_counter() - t0)
    tight = vrest.simulate(cell, p1, method="BDF", rtol=1e-11, atol=1e-12)
    s1_seconds, s1_err = sweeps.s1_p1(1000, 3, accuracy=True)
    print(json.dumps({
        "vrest": str(Path(vrest.__file__).parent), "method": tc.method,
        "p1_warm_ms": 1e3 * statistics.median(times),
        "p1_dv_mV": float(np.max(np.abs(tc.V - tight.V))),
        "s1p1_s": s1_seconds, "s1p1_dv_mV": s1_err}))


def first_p1(env: dict[str, str]) -> float:
    """Median wall time (s) of the CLI's first P1 in a new process (numba cache warm)."""
    exe = [sys.executable, "-m", "vrest.cli", "simulate", "--preset", "rpl1", "--protocol", "p1",
           "--json"]
    subprocess.run(exe, check=True, capture_output=True, env=env)
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        subprocess.run(exe, check=True, capture_output=True, env=env)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def measure(label: str, env: dict[str, str]) -> dict[str, object]:
    out = subprocess.run([sys.executable, __file__, "--child"], env=env, check=True,
                         capture_output=True, text=True)
    row = json.loads(out.stdout.strip().splitlines()[-1])
    row.update(label=label, first_p1_s=first_p1(env))
    return row


def myokit_ms() -> float | None:
    """Myokit's P1 warm time (ms) when Myokit is installed, else None."""
    try:
        import myokit  # noqa: F401
    except ImportError:
        return None
    sys.path.insert(0, str(HERE))
    from myokit_p1 import myokit_p1

    return float(myokit_p1()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", help="an older vrest `src` folder to measure beside this one")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child()
    base = {k: v for k, v in os.environ.items() if k not in ("VREST_NO_COMPILED", "PYTHONPATH")}
    variants = []
    if args.before:
        before = {**base, "PYTHONPATH": str(Path(args.before).resolve())}
        variants.append(("before", before))
    variants += [("after", base), ("fallback", {**base, "VREST_NO_COMPILED": "1"})]
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    rows = [measure(label, env) for label, env in variants]
    ref = myokit_ms()
    print("| variant | method | P1 warm (ms) | vs Myokit | first P1 process (s) | S1-P1 (s) "
          "| P1 max abs dV (mV) | S1-P1 max abs dV (mV) |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        ratio = f"{r['p1_warm_ms'] / ref:.2f}x" if ref else "n/a"
        print(f"| {r['label']} | {r['method']} | {r['p1_warm_ms']:.2f} | {ratio} | "
              f"{r['first_p1_s']:.3f} | {r['s1p1_s']:.2f} | {r['p1_dv_mV']:.1e} | "
              f"{r['s1p1_dv_mV']:.1e} |")
    print(f"Myokit P1 warm: {ref:.2f} ms" if ref else
          "Myokit not installed (`make bench-myokit` installs it)")
    for r in rows:
        print(f"{r['label']}: vrest loaded from {Path(r['vrest']).relative_to(Path.cwd()) if Path(r['vrest']).is_relative_to(Path.cwd()) else Path(r['vrest']).name}")


if __name__ == "__main__":
    main()
