"""Benchmarks of one cell: RPL-1 through protocol P1 (defined in docs/explanation/benchmarks.md).

Run with `make bench` (or `.venv/bin/python benchmarks/run.py`). Prints, in one table:
P1 warm time (median of repeats; the compiled tier), first P1 as a whole process (import +
run, median of 5: ``vrest simulate --preset rpl1 --protocol p1``, and the same with
``--csv``), and the accuracy of V against a tight-tolerance solve (max |dV| over every output second).
When Myokit is installed (`make bench-myokit`), the same run also times RPL-1 through P1 in
Myokit and prints the ratio.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import vrest

TARGETS = {"P1 warm (ms)": 4.0, "first P1, whole process (s)": 0.4,
           "first P1 + CSV, whole process (s)": 0.5, "max |dV| vs tight (mV)": 0.01}


def p1_warm(repeats: int = 7) -> tuple[float, float]:
    """Median warm time (s) of RPL-1 through P1, and max |dV| (mV) against a tight solve."""
    import vrest.solve.compiled  # noqa: F401  (warm: the compiled tier, not the quick start)

    cell = vrest.load_cell("rpl1")
    p1 = vrest.load_protocol("p1")
    tc = vrest.simulate(cell, p1)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        tc = vrest.simulate(cell, p1)
        times.append(time.perf_counter() - t0)
    tight = vrest.simulate(cell, p1, method="BDF", rtol=1e-11, atol=1e-12)
    return statistics.median(times), float(np.max(np.abs(tc.V - tight.V)))


def first_p1_process(csv: bool, repeats: int = 5) -> float:
    """Median wall time (s) of `vrest simulate --preset rpl1 --protocol p1` as a new process
    (its text summary; with ``csv``, also its 7,201-row table written to a file)."""
    exe = [sys.executable, "-m", "vrest.cli", "simulate", "--preset", "rpl1", "--protocol", "p1"]
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        extra = ["--csv", str(Path(tmp) / "p1.csv")] if csv else []
        for _ in range(repeats):
            t0 = time.perf_counter()
            subprocess.run(exe + extra, check=True, capture_output=True)
            times.append(time.perf_counter() - t0)
    return statistics.median(times)


def p1_diff(v_other: np.ndarray) -> float:
    """Max |dV| (mV) between vrest's RPL-1 through P1 and another V at every output second."""
    tc = vrest.simulate(vrest.load_cell("rpl1"), vrest.load_protocol("p1"))
    n = min(v_other.size, tc.V.shape[0] - 1)
    return float(np.max(np.abs(v_other[:n] - tc.V[:n, 0])))


def myokit_row(warm_ms: float) -> str | None:
    """The optional comparison with Myokit (when it is installed): one line, or None."""
    try:
        import myokit  # noqa: F401
    except ImportError:
        return None
    sys.path.insert(0, str(Path(__file__).parent))
    from myokit_p1 import myokit_p1

    compile_s, myokit_ms, v_myokit, version = myokit_p1()
    diff = p1_diff(v_myokit)
    return (f"Myokit {version} (CVODES, compiled C; compile {compile_s:.2f} s): P1 warm "
            f"{myokit_ms:.3g} ms; vrest / Myokit = {warm_ms / myokit_ms:.2f}; "
            f"max |V_vrest - V_Myokit| = {diff:.2e} mV")


def main() -> None:
    print(f"vrest {vrest.__version__}; load average {os.getloadavg()[0]:.2f} on "
          f"{os.cpu_count()} cores")
    first, first_csv = first_p1_process(csv=False), first_p1_process(csv=True)
    warm, err = p1_warm()
    rows = [("P1 warm (ms)", warm * 1e3), ("first P1, whole process (s)", first),
            ("first P1 + CSV, whole process (s)", first_csv), ("max |dV| vs tight (mV)", err)]
    print(f"{'benchmark':<34} {'measured':>12} {'target':>10}")
    for name, value in rows:
        print(f"{name:<34} {value:>12.4g} {TARGETS[name]:>10g}")
    line = myokit_row(warm * 1e3)
    print(line or "Myokit not installed: `make bench-myokit` installs it and runs the comparison")


if __name__ == "__main__":
    main()
