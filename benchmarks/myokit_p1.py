"""Optional comparison: RPL-1 through P1 in Myokit (CVODES, compiled C), in the same run as vrest.

Myokit is not a vrest dependency. Install it (and Debian's SUNDIALS) to run this benchmark:
``apt-get install libsundials-dev && .venv/bin/pip install myokit``; `make bench-myokit`.
The RPL-1 equations are written again below in Myokit's own language: this is the comparison
model, not part of vrest. State (Na_i, K_i, Cl_i, Ca_i, V): C_m A dV/dt = -I_total (docs/explanation/benchmarks.md, RPL-1).
SI units (m, s, mol/m^3 = mM): `rpl.PNa` and `rpl.K_o` are literal constants, so that
`benchmarks/side_by_side.py` can set each S1 cell's values.
"""

from __future__ import annotations

import statistics
import time

import numpy as np

import vrest

MMT = """
[[model]]
rpl.Na_i = 12
rpl.K_i = 140
rpl.Cl_i = 7
rpl.Ca_i = 1e-4
rpl.V = -65

[engine]
time = 0 [s] bind time
pace = 0 bind pace

[rpl]
F = 96485.33212331001
R = 8.31446261815324
T = 310.15
r = 10e-6
A = 4 * 3.141592653589793 * r^2
Vol = 4 / 3 * 3.141592653589793 * r^3
Cm = 0.01
Na_o = 145
K_o = 3.5
Cl_o = 119
Ca_o = 1.2
PK = 1e-8
# PNa = 0.04 PK, a literal so that set_constant can change it (m/s = 1e-2 x vrest's cm/s)
PNa = 4e-10
PCl = 0.45 * PK
PCa = 1e-5 * PK
Imax = 0.1
KK = 2
KNa = 10
pump_scale = 1
Ukcc = 1e-7
gncx = 1e-3
u = F * V * 1e-3 / (R * T)
bm = -u / (exp(-u) - 1)
bp = u / (exp(u) - 1)
bm2 = -2 * u / (exp(-2 * u) - 1)
bp2 = 2 * u / (exp(2 * u) - 1)
J_Na = A * PNa * (Na_i * bm - Na_o * bp)
J_K = A * PK * (K_i * bm - K_o * bp)
J_Cl = A * PCl * (Cl_i * bp - Cl_o * bm)
J_Ca = A * PCa * (Ca_i * bm2 - Ca_o * bp2)
pump = pump_scale * Imax * A / F / (1 + KK / K_o)^2 / (1 + KNa / Na_i)^3
kcc = Ukcc * A * log(K_i * Cl_i / (K_o * Cl_o))
ncx = -(gncx * R * T / F^2) * A * (3 * log(Na_i / Na_o) + log(Ca_o / Ca_i) + u)
fNa = J_Na + 3 * pump - 3 * ncx
fK = J_K - 2 * pump + kcc
fCl = J_Cl + kcc
fCa = J_Ca + ncx
dot(Na_i) = -fNa / Vol
dot(K_i) = -fK / Vol
dot(Cl_i) = -fCl / Vol
dot(Ca_i) = -fCa / Vol
dot(V) = -1e3 * F * (fNa + fK - fCl + 2 * fCa) / (Cm * A)
"""


def run_p1(sim, k_o: float = 3.5, log_interval: float = 1.0) -> np.ndarray:  # type: ignore[no-untyped-def]
    """P1 in segments (the constants change between runs) from the default state, the bath's
    K_o being ``k_o`` outside the 10 mM phase; V every ``log_interval`` s (the end excluded)."""
    sim.reset()
    out = []
    for duration, k_bath, scale in ((1800, k_o, 1), (600, 10, 1), (1200, k_o, 1), (1800, k_o, 0),
                                    (1800, k_o, 1)):
        sim.set_constant("rpl.K_o", k_bath)
        sim.set_constant("rpl.pump_scale", scale)
        log = sim.run(duration, log=["rpl.V"], log_interval=log_interval)
        out.append(np.asarray(log["rpl.V"]))
    return np.concatenate(out)


def myokit_p1() -> tuple[float, float, np.ndarray, str]:
    """(compile s, median warm P1 ms, V at every output second, Myokit version)."""
    import myokit

    model, _, _ = myokit.parse(MMT)
    t0 = time.perf_counter()
    sim = myokit.Simulation(model)
    compile_s = time.perf_counter() - t0
    sim.set_tolerance(1e-8, 1e-8)
    v_myokit = run_p1(sim)
    times = []
    for _ in range(7):
        t0 = time.perf_counter()
        run_p1(sim)
        times.append(time.perf_counter() - t0)
    return compile_s, statistics.median(times) * 1e3, v_myokit, myokit.__version__


def main() -> None:
    compile_s, myokit_ms, v_myokit, version = myokit_p1()
    cell, p1 = vrest.load_cell("rpl1"), vrest.load_protocol("p1")
    tc = vrest.simulate(cell, p1)
    ours = []
    for _ in range(7):
        t0 = time.perf_counter()
        tc = vrest.simulate(cell, p1)
        ours.append(time.perf_counter() - t0)
    vrest_ms = statistics.median(ours) * 1e3
    n = min(v_myokit.size, tc.V.shape[0] - 1)
    diff = float(np.max(np.abs(v_myokit[:n] - tc.V[:n, 0])))
    print(f"Myokit {version}: compile {compile_s:.2f} s, P1 warm {myokit_ms:.2f} ms")
    print(f"vrest {vrest.__version__}: P1 warm {vrest_ms:.2f} ms")
    print(f"ratio vrest / Myokit: {vrest_ms / myokit_ms:.2f}; max |V_vrest - V_myokit| = "
          f"{diff:.2e} mV over {n} output seconds")


if __name__ == "__main__":
    main()
