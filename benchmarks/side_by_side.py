"""vrest and Myokit side by side in one run: P1, S1-ss and S1-P1 (docs/explanation/benchmarks.md).

    make bench-myokit                                   # installs Myokit, then runs this
    .venv/bin/python benchmarks/side_by_side.py         # Myokit already installed
    .venv/bin/python benchmarks/side_by_side.py --quick # fewer repeats and cells (development)

Prints one markdown table (vrest's time, Myokit's time and how it was measured, the ratio
Myokit / vrest, the target, and max |dV| between the two) after the load average and the
core count at the start. Myokit (CVODES, compiled C) runs the RPL-1 model of
``benchmarks/myokit_p1.py``; its compile time is excluded from every Myokit figure.

- P1: one cell, warm (``run.p1_warm`` and ``myokit_p1.myokit_p1``, medians of 7).
- S1-ss: vrest's 10,000 steady states in one batched ``vrest.steady_state`` call (median of
  repeats) against Myokit on an evenly spread subset of S1 (every 10th P_Na/P_K value x every
  10th K_o value: 100 cells; ``--quick``: every 20th, 25 cells), each cell from the RPL-1
  initial state pre-paced (``Simulation.pre``) in 1,000 s chunks until V moves by less than
  1e-4 mV in a chunk (Myokit has no algebraic steady-state solver); the loop's time is scaled to
  10,000 cells. max |dV|: Myokit's steady V against vrest's for the same cells.
- S1-P1: cells 0..999 of S1 through P1 in one batched ``vrest.simulate`` call
  (``sweeps.s1_p1``) against Myokit looping over all 1,000 cells (``--quick``: every 20th cell,
  scaled to 1,000), V every 60 s; max |dV|: every cell Myokit ran, at every output time but
  the last (Myokit logs up to the end, not at it), against vrest's batched traces.

S1 cell i = 100 a + b has P_Na = leak.Na.P (cm/s; Myokit's PNa in m/s is 1e-2 times that) and
K_o = bath.K (mM).
"""

from __future__ import annotations

import argparse
import datetime
import os
import time

import myokit
import numpy as np

import vrest
from myokit_p1 import MMT, myokit_p1, run_p1
from run import p1_diff, p1_warm
from sweeps import RPL1, s1_batch, s1_p1, timed

CHUNK_S, STILL_MV, MAX_CHUNKS = 1000.0, 1e-4, 10_000  # Myokit's steady-state stopping rule
# S1's CVODES tolerances: the loosest tried that keeps max |dV| well under 0.01 mV on all of
# S1-P1 (rel 1e-5 gave 6.9e-3 mV). P1's 1e-8 / 1e-8 (myokit_p1.py) fails for some S1 cells in
# the pump-block phase (CVODE error test failures, Ca_i of order 1e-5 mM with abs tol 1e-8).
ABS_TOL, REL_TOL = 1e-10, 1e-6
T_EVAL = np.arange(0.0, 7201.0, 60.0)  # S1-P1 output times, as in sweeps.s1_p1
V_INDEX = myokit.parse(MMT)[0].get("rpl.V").index()  # V's place in the state
# task, vrest (s), Myokit (s), how Myokit was measured, target, target met, max |dV| (mV)
Row = tuple[str, float, float, str, str, bool, float]


def new_sim() -> tuple[myokit.Simulation, list[float], float]:
    """A compiled Myokit simulation of RPL-1, its initial state, and the compile time (s)."""
    model, _, _ = myokit.parse(MMT)
    t0 = time.perf_counter()
    sim = myokit.Simulation(model)
    compile_s = time.perf_counter() - t0
    sim.set_tolerance(abs_tol=ABS_TOL, rel_tol=REL_TOL)
    return sim, list(sim.default_state()), compile_s


def set_cell(sim: myokit.Simulation, p_na_cm_s: float, k_o: float) -> None:
    sim.set_constant("rpl.PNa", 1e-2 * p_na_cm_s)  # cm/s -> m/s
    sim.set_constant("rpl.K_o", k_o)
    sim.set_constant("rpl.pump_scale", 1.0)


def steady_v(sim: myokit.Simulation, init: list[float]) -> tuple[float, int]:
    """Pre-pace from ``init`` in chunks until V moves < STILL_MV in one: (V mV, chunks)."""
    sim.set_default_state(init)
    sim.reset()
    v = init[V_INDEX]
    for n in range(1, MAX_CHUNKS + 1):
        sim.pre(CHUNK_S)
        new = sim.state()[V_INDEX]
        if abs(new - v) < STILL_MV:
            return new, n
        v = new
    raise RuntimeError(f"no steady state after {MAX_CHUNKS} chunks of {CHUNK_S} s")


def grid_subset(step: int, n_b: int = 100, rows: int = 100) -> np.ndarray:
    """S1 cells i = n_b a + b for every ``step``-th a (of ``rows``) and b."""
    return np.array([n_b * a + b for a in range(0, rows, step) for b in range(0, n_b, step)])


def task_ss(sim: myokit.Simulation, init: list[float], repeats: int, step: int) -> Row:
    batch = s1_batch()
    vrest.steady_state(RPL1, batch=s1_batch(10, 10))  # warm (imports, caches)
    seconds, ss = timed(lambda: vrest.steady_state(RPL1, batch=batch), repeats)
    cells = grid_subset(step)

    def loop() -> list[tuple[float, int]]:
        out = []
        for i in cells:
            set_cell(sim, batch["leak.Na.P"][i], batch["bath.K"][i])
            out.append(steady_v(sim, init))
        return out

    steady_v(sim, init)  # warm
    mk_s, result = timed(loop, repeats)
    sim.set_default_state(init)
    v_mk = np.array([v for v, _ in result])
    chunks = [n for _, n in result]
    d_v = float(np.max(np.abs(v_mk - ss.V[cells])))
    how = (f"{cells.size} cells (every {step}th P_Na/P_K x every {step}th K_o) pre-paced in "
           f"{CHUNK_S:g} s chunks until dV < {STILL_MV:g} mV per chunk ({min(chunks)}-"
           f"{max(chunks)} chunks), median of {repeats}, x 10,000/{cells.size}")
    mk_s *= 10_000 / cells.size
    return ("S1-ss, 10,000 steady states", seconds, mk_s, how, "vrest >= 50x faster",
            mk_s >= 50 * seconds, d_v)


def myokit_s1_p1(sim: myokit.Simulation, init: list[float], batch: dict[str, np.ndarray],
                 cells: np.ndarray) -> np.ndarray:
    """V (cells x output times but the last) of S1 cells through P1 in Myokit, one by one."""
    sim.set_default_state(init)
    out = []
    for i in cells:
        set_cell(sim, batch["leak.Na.P"][i], batch["bath.K"][i])
        out.append(run_p1(sim, k_o=float(batch["bath.K"][i]), log_interval=60.0))
    return np.array(out)


def task_s1_p1(sim: myokit.Simulation, init: list[float], repeats: int, mk_repeats: int,
               step: int) -> Row:
    seconds, _ = s1_p1(1000, repeats, accuracy=False)
    batch = {k: v[:1000] for k, v in s1_batch().items()}
    cells = np.arange(0, 1000, step)
    myokit_s1_p1(sim, init, batch, cells[:1])  # warm
    mk_s, v_mk = timed(lambda: myokit_s1_p1(sim, init, batch, cells), mk_repeats)
    sub = {k: v[cells] for k, v in batch.items()}
    tc = vrest.simulate(RPL1, vrest.load_protocol("p1"), batch=sub, t_eval=T_EVAL)
    n = v_mk.shape[1]
    d_v = float(np.max(np.abs(v_mk - tc.V[:n, :].T)))
    which = "all 1,000 cells" if step == 1 else f"every {step}th cell ({cells.size})"
    how = (f"{which} one by one, V every 60 s, median of {mk_repeats}"
           + ("" if step == 1 else f", x 1,000/{cells.size}")
           + f"; dV over {cells.size} cells x {n} times")
    mk_s *= 1000 / cells.size
    return ("S1-P1, 1,000 cells through P1", seconds, mk_s, how, "vrest >= 10x faster",
            mk_s >= 10 * seconds, d_v)


def task_p1() -> tuple[Row, str]:
    warm, _ = p1_warm()  # the compiled tier (p1_warm loads it: not the quick start)
    compile_s, mk_ms, v_mk, version = myokit_p1()
    how = "one cell, V every 1 s, median of 7"
    row = ("P1, one cell, warm", warm, mk_ms * 1e-3, how, "vrest <= 4 ms", warm <= 4e-3,
           p1_diff(v_mk))
    return row, f"Myokit {version} (CVODES; this P1 simulation compiled in {compile_s:.2f} s)"


def table(rows: list[Row]) -> str:
    lines = ["| task | vrest (s) | Myokit (s) (how measured) | Myokit / vrest | target | met "
             "| max abs dV vrest vs Myokit (mV) |", "|---|---|---|---|---|---|---|"]
    for task, ours, theirs, how, target, met, d_v in rows:
        lines.append(f"| {task} | {ours:.4g} | {theirs:.4g} ({how}) | {theirs / ours:.3g} | {target} "
                     f"| {'yes' if met else 'no'} | {d_v:.2e} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="fewer repeats and Myokit cells (for development)")
    args = parser.parse_args()
    load = os.getloadavg()
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"vrest {vrest.__version__}, Myokit {myokit.__version__}; {now}; load average "
          f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores at the start\n",
          flush=True)
    sim, init, compile_s = new_sim()
    p1_row, p1_note = task_p1()
    rows = [p1_row,
            task_ss(sim, init, 1 if args.quick else 5, 20 if args.quick else 10),
            task_s1_p1(sim, init, 1 if args.quick else 3, 1 if args.quick else 3,
                       20 if args.quick else 1)]
    print(table(rows))
    print(f"\n{p1_note}; the S1 simulation compiled in {compile_s:.2f} s (excluded). "
          f"max abs dV: P1 at every output second; S1-ss at each Myokit cell's steady state; "
          f"S1-P1 at every 60 s output. CVODES tolerances: S1 abs {ABS_TOL:g}, rel {REL_TOL:g}; "
          f"P1 abs 1e-8, rel 1e-8. Load average at the end {os.getloadavg()[0]:.2f}.")


if __name__ == "__main__":
    main()
