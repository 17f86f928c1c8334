"""Time courses and reference potentials for the page, shared by the plain requests
(:mod:`.compute`) and the experiments (:mod:`.experiments`): the output-time grid, the solve
at ``PAGE_RTOL``, the GHK and chord lines, per-ion rows and the charge budget of a course.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from vrest.errors import SolverError
from vrest.model.cell import Cell
from vrest.model.explain import explain_ion
from vrest.model.mechanisms import GHKLeak, OhmicLeak
from vrest.model.protocol import Protocol
from vrest.model.rhs import Model
from vrest.physics import equations as eq
from vrest.physics.constants import E_CHARGE, N_A, ZERO_C
from vrest.solve.simulate import simulate
from vrest.web import schemas

IONS = ("Na", "K", "Cl", "Ca")
Z = {"Na": 1, "K": 1, "Cl": -1, "Ca": 2}
PAGE_RTOL = 1e-4


def index_at(times: NDArray[np.float64], t: float) -> int:
    """Index of the first output time at or after ``t`` (or the last)."""
    return int(min(np.searchsorted(times, t), times.size - 1))


def time_grid(t_end: float, points: int) -> NDArray[np.float64]:
    """Log-spaced output times (s) from schemas.FIRST_TIME_S to ``t_end``."""
    first = min(schemas.FIRST_TIME_S, t_end / 10.0)
    return np.geomspace(first, t_end, points)


# -- reference potentials -------------------------------------------------------------------

def leaks(cell: Cell) -> tuple[dict[str, float], dict[str, float]]:
    """(GHK permeabilities cm/s, ohmic conductances mS/cm^2) of the cell's leaks, x scale."""
    perm: dict[str, float] = {}
    cond: dict[str, float] = {}
    for mech in cell.mechanisms:
        if isinstance(mech, GHKLeak):
            perm[mech.ion] = perm.get(mech.ion, 0.0) + mech.P * mech.scale
        elif isinstance(mech, OhmicLeak):
            cond[mech.ion] = cond.get(mech.ion, 0.0) + mech.g * mech.scale
    return perm, cond


def ghk_line(cell: Cell, c_in: NDArray[np.float64], c_out: NDArray[np.float64]) -> Any:
    """GHK zero-current potential (mV) of the cell's GHK leaks at each row of concentrations,
    or None when the cell has no GHK leak."""
    perm, _ = leaks(cell)
    perm = {k: v for k, v in perm.items() if v > 0}
    if not perm:
        return None
    inside = {ion: c_in[..., IONS.index(ion)] for ion in perm}
    outside = {ion: c_out[..., IONS.index(ion)] for ion in perm}
    return eq.zero_current_potential(perm, inside, outside, cell.temperature + ZERO_C)


def chord_line(cell: Cell, c_in: NDArray[np.float64], c_out: NDArray[np.float64],
               v: NDArray[np.float64], e: NDArray[np.float64]) -> Any:
    """Chord-conductance potential sum g_i E_i / sum g_i (mV) with each leak's chord
    conductance at the model's V (GHK leaks) or its fixed g (ohmic leaks); None without leaks.
    It leaves out pumps and transporters, so it differs from V by their current over sum g."""
    perm, cond = leaks(cell)
    t_k = cell.temperature + ZERO_C
    g: dict[str, Any] = dict(cond)
    for ion, p in perm.items():
        i = IONS.index(ion)
        g[ion] = g.get(ion, 0.0) + eq.ghk_chord_conductance(p, Z[ion], c_in[..., i], c_out[..., i], v, t_k)
    g = {k: x for k, x in g.items() if np.all(np.asarray(x) >= 0) and np.any(np.asarray(x) > 0)}
    if not g:
        return None
    return eq.chord_potential(g, {ion: e[..., IONS.index(ion)] for ion in g})


# -- time courses ---------------------------------------------------------------------------

PAGE_MAX_STEPS = 50_000_000  # LSODA steps per segment (the budget stops a request long before)


def run_course(cell: Cell, times: NDArray[np.float64], y0: Any = None,
               protocol: Protocol | None = None) -> Any:
    """simulate() on the page's grid and tolerance. The server's compute budget bounds each
    request's time, so a solve may take more steps than simulate's default allows."""
    return simulate(cell, protocol=protocol, t_end=float(times[-1]), t_eval=times, y0=y0,
                    rtol=PAGE_RTOL, max_steps=PAGE_MAX_STEPS)


def _finite(name: str, arr: Any) -> list[float]:
    a = np.asarray(arr, dtype=float)
    if not np.all(np.isfinite(a)):
        raise SolverError(f"the result for {name} is not finite; the parameters are probably "
                          "extreme (try values nearer the preset's)")
    return a.tolist()


def series(tc: Any, cell: Cell) -> dict[str, Any]:
    """The plotted series of cell 0: V, E's, GHK and chord lines, concentrations, ATP/s."""
    v, c_in, c_out, e = tc.V[:, 0], tc.c_in[:, 0], tc.c_out[:, 0], tc.E[:, 0]
    out: dict[str, Any] = {"t": _finite("t", tc.t), "V": _finite("V", v)}
    for i, ion in enumerate(IONS):
        # an ion absent from the bath has an infinite E: no point to plot (null)
        absent = np.all(c_out[:, i] == 0)
        out[f"E_{ion}"] = [None] * len(v) if absent else _finite(f"E_{ion}", e[:, i])
        out[f"{ion}_i"] = _finite(f"{ion}_i", c_in[:, i])
        out[f"{ion}_o"] = _finite(f"{ion}_o", c_out[:, i])
    ghk = ghk_line(cell, c_in, c_out)
    chord = chord_line(cell, c_in, c_out, v, e)
    out["GHK"] = None if ghk is None else _finite("GHK", ghk)
    absent = bool(np.any(c_out == 0))  # the chord form needs every E finite
    out["chord"] = None if chord is None or absent else _finite("chord", chord)
    out["atp"] = _finite("ATP", tc.atp_total[:, 0])
    out["volume_rel"] = _finite("volume", tc.volume_rel[:, 0])
    return out


def ion_rows(tc: Any, cell: Cell, k: int = -1) -> list[dict[str, Any]]:
    """Per-ion report at output ``k``: E, driving force, flux and current directions, reason,
    and the model's fluxes by mechanism (ions/s, outward +)."""
    t_k = cell.temperature + ZERO_C
    v = float(tc.V[k, 0])
    rows = []
    for i, ion in enumerate(IONS):
        rep = explain_ion(ion, float(tc.c_in[k, 0, i]), float(tc.c_out[k, 0, i]), v, t_k).to_dict()
        by_mech = {name: float(f[k, 0, i]) * N_A for name, f in tc.flux.items() if f[k, 0, i] != 0}
        rep["flux_ions_per_s"] = by_mech
        rep["net_flux_ions_per_s"] = float(sum(by_mech.values()))
        rows.append(rep)
    return rows


def budget(tc: Any, cell: Cell, y_start: NDArray[np.float64]) -> dict[str, Any]:
    """Ions moved versus ions present: the charge on the membrane at the end, and each ion's
    net movement across the membrane since t = 0, as numbers of ions."""
    model = Model(cell)
    vol0, area0 = float(model.volume0[0]), float(model.area0[0])
    v_end = float(tc.V[-1, 0])
    charge = abs(cell.capacitance * 1e-2 * area0 * v_end * 1e-3)  # C
    y_end = tc.y[-1, 0]
    ions = {}
    for i, ion in enumerate(IONS):
        present = float(y_end[i]) * vol0 * N_A
        moved_in = float(y_end[i] - y_start[i]) * vol0 * N_A
        ions[ion] = {"present": present, "moved_in": moved_in,
                     "fraction": abs(moved_in) / present if present > 0 else None}
    k_present = ions["K"]["present"]
    return {
        "area_um2": area0 * 1e12, "volume_um3": vol0 * 1e18,
        "membrane_charge_C": charge, "membrane_charge_ions": charge / E_CHARGE,
        "charge_fraction_of_K": (charge / E_CHARGE) / k_present if k_present > 0 else None,
        "ions": ions,
    }


def course_report(tc: Any, cell: Cell, y_start: NDArray[np.float64]) -> dict[str, Any]:
    """Series, the end-of-course numbers, the per-ion panel and the ion budget."""
    s = series(tc, cell)
    end = {
        "V_mV": s["V"][-1], "GHK_mV": s["GHK"][-1] if s["GHK"] else None,
        "chord_mV": s["chord"][-1] if s["chord"] else None,
        "E_mV": {ion: s[f"E_{ion}"][-1] for ion in IONS},
        "inside_mM": {ion: s[f"{ion}_i"][-1] for ion in IONS},
        "outside_mM": {ion: s[f"{ion}_o"][-1] for ion in IONS},
        "atp_per_s": s["atp"][-1], "volume_rel": s["volume_rel"][-1],
        "current_pA": {k: float(c[-1, 0]) for k, c in tc.current.items()},
        "current_total_pA": float(tc.current_total[-1, 0]),
    }
    return {"series": s, "start": {"V_mV": float(tc.V[0, 0])}, "end": end,
            "ions": ion_rows(tc, cell), "budget": budget(tc, cell, y_start),
            "solver": {"method": tc.method, "rtol": tc.rtol, **tc.stats},
            "mechanisms": [m.describe() for m in cell.mechanisms],
            "temperature_C": cell.temperature}
