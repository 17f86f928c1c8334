"""The guided mode: the lecture's imaginary steps (MISSION.md), each computed on the public API.

Each step is a real simulation that starts from the previous step's end state, with the
mechanisms of that step; each shows V and the E's over a log time axis from 0.1 ms, the
lecture's figure beside the model's, and a sentence built from the computed numbers.

- step 0: inside equal to the bath, no mechanisms: V = 0;
- step 1: organic anions made inside without counter-ions (the lecture's version) at the rate
  that gives the lecture's -5 mV in one second (from equations.charge_budget); the
  charge-conserving version (K+ made alongside) is run too;
- step 2: the pump alone, on the preset's gradients (the pump's work over the cell's life):
  with no leak to carry its current back it charges the membrane without limit;
- steps 3-7: K+ leak, Na+ leak, Cl- leak, KCC2, then NCX with the Ca2+ leak, added in turn;
  each runs for STEP_T seconds (the membrane settles in milliseconds, ions barely move). The
  last step also reports the cell's steady state.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from vrest.cell import Cell
from vrest.constants import N_A
from vrest.equations import charge_budget
from vrest.errors import VrestError
from vrest.explain import format_mV
from vrest.geometry import Geometry
from vrest.mechanisms import AnionSource
from vrest.model import I_V, Model
from vrest.steady import steady_state
from vrest.web import compute
from vrest.web.cells import base_cell

STEP_T = 3600.0  # s, duration of each step
FAST_T = 1.0  # s, "within a second": after the membrane has charged, before ions move
PUMP_ONLY_T = 5e-3  # s, the pump-only step (it would charge the membrane without limit)
POINTS = 80
LECTURE_ANION_MV = -5.0  # the lecture's "maybe -5 mV" for step 1 (MISSION.md)
IONS = compute.IONS

_STEPS: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    ("No gradients", "Equal concentrations inside and out; V = 0.", (), "V = 0 mV"),
    ("Organic anions", "The cell makes trapped organic anions.", (), "about -5 mV"),
    ("Na+/K+ pump", "3 Na+ out, 2 K+ in per ATP: builds the gradients, adds a little negativity.",
     ("pump",), "about -10 mV in total"),
    ("K+ leak", "K+ leaves until diffusion and the electrical pull balance.",
     ("pump", "leak.K"), "V near E_K, about -70 mV"),
    ("Na+ leak", "Na+ leaks in; P_Na about 4 % of P_K.", ("pump", "leak.K", "leak.Na"),
     "about -60 mV"),
    ("Cl- leak", "Cl- is distributed passively by V.", ("pump", "leak.K", "leak.Na", "leak.Cl"),
     "E_Cl about V"),
    ("KCC2", "K+ and Cl- out together: E_Cl below rest.",
     ("pump", "leak.K", "leak.Na", "leak.Cl", "kcc2"), "E_Cl about -70 mV"),
    ("NCX", "3 Na+ in, 1 Ca2+ out: Ca2+ inside very low, E_Ca about +120 mV.",
     ("pump", "leak.K", "leak.Na", "leak.Cl", "kcc2", "ncx", "leak.Ca"), "E_Ca about +120 mV"),
)


def _only(cell: Cell, names: tuple[str, ...]) -> Cell:
    drop = [m.name for m in cell.mechanisms if m.name not in names]
    return cell.without(*drop) if drop else cell


def _course(cell: Cell, y0: Any, t_end: float = STEP_T) -> Any:
    times = compute.time_grid(t_end, POINTS)
    return compute.run_course(cell, times, y0=y0)


def _pack(tc: Any) -> dict[str, Any]:
    out = {"t": tc.t.tolist(), "V": tc.V[:, 0].tolist()}
    for i, ion in enumerate(IONS):
        out[f"E_{ion}"] = tc.E[:, 0, i].tolist()
    return out


def _numbers(tc: Any) -> dict[str, float]:
    fast = int(min(np.searchsorted(tc.t, FAST_T), tc.t.size - 1))
    n = {"V_end_mV": float(tc.V[-1, 0]), "V_fast_mV": float(tc.V[fast, 0])}
    n.update({f"E_{ion}_mV": float(tc.E[-1, 0, i]) for i, ion in enumerate(IONS)})
    return n


def _anion_rate(cell: Cell) -> float:
    """mM/s of bare anions that make the lecture's -5 mV in one step (STEP_T)."""
    area, vol, _ = cell.geometry.si(cell.values())
    geo = Geometry.explicit(float(area) * 1e12, float(vol) * 1e18)
    budget = charge_budget(LECTURE_ANION_MV, geo, z=-1, capacitance_uF_cm2=cell.capacitance)
    return float(abs(budget.delta_c_mM)) / STEP_T


def _step0(base: Cell) -> tuple[Cell, Any]:
    equal = {f"inside.{ion}": getattr(base.bath, ion) for ion in IONS}
    cell = _only(base.with_parameters({**equal, "inside.V0": 0.0}), ())
    return cell, Model(cell).y0[0]


def _step1(cell0: Cell, y: Any) -> tuple[Any, Any, float]:
    rate = _anion_rate(cell0)
    bare = _course(cell0.with_mechanisms(AnionSource(rate=rate, counter="none")), y)
    neutral = _course(cell0.with_mechanisms(AnionSource(rate=rate, counter="K")), y)
    return bare, neutral, rate


def _between(n: dict[str, Any]) -> str:
    lo, hi = sorted((n["E_K_mV"], n["E_Na_mV"]))
    return "between E_K and E_Na: a permeability-weighted average" if lo < n["V_end_mV"] < hi \
        else "beyond E_K: the pump's outward current adds to the leaks"


def _text(k: int, n: dict[str, Any], prev: dict[str, Any], extra: dict[str, Any]) -> str:
    v, fast = format_mV(n["V_end_mV"]), format_mV(n["V_fast_mV"])
    e = {ion: format_mV(n[f"E_{ion}_mV"]) for ion in IONS}
    t = _duration(STEP_T)
    texts = [
        f"Nothing moves and no charge is separated: V = {v} mV.",
        f"{extra.get('anions_per_s', 0):.3g} bare anions per second for {t} (no counter-ions) "
        f"take V to {v} mV. Made with K+ alongside, as cells do (charge conserved), they leave V at "
        f"{format_mV(extra.get('V_neutral_mV', 0.0))} mV.",
        f"On the preset's gradients the pump alone takes V to {v} mV within "
        f"{PUMP_ONLY_T * 1e3:g} ms, and it would go on: with no leak to carry its outward current "
        f"back, it charges the membrane by {extra.get('mV_per_ms', 0):.3g} mV every millisecond. "
        "The leaks of the next steps carry that current.",
        f"With the K+ leak, V is {fast} mV after {_duration(FAST_T)} (K+ flowing in carries the "
        f"pump's current back). After {t}, V = {v} mV and E_K = {e['K']} mV (V - E_K = "
        f"{format_mV(n['V_end_mV'] - n['E_K_mV'])} mV).",
        f"The Na+ leak takes V from {format_mV(prev['V_end_mV'])} to {v} mV, {_between(n)} "
        f"(E_K = {e['K']}, E_Na = {e['Na']} mV).",
        f"With the Cl- leak, after {t} V = {v} mV and E_Cl = {e['Cl']} mV: Cl- settles by V "
        f"(E_Cl - V = {format_mV(n['E_Cl_mV'] - n['V_end_mV'])} mV).",
        f"KCC2 carries Cl- out with K+: over {t} E_Cl went from {format_mV(prev['E_Cl_mV'])} to "
        f"{e['Cl']} mV, {format_mV(n['E_Cl_mV'] - n['V_end_mV'])} mV from V = {v} mV.",
        f"With NCX and the Ca2+ leak, E_Ca = {e['Ca']} mV and V = {v} mV "
        f"(it was {format_mV(prev['V_end_mV'])} mV): the tiny Ca2+ permeability barely moves V. " + (
            f"The steady state of this cell is {format_mV(extra['V_steady_mV'])} mV."
            if extra.get("V_steady_mV") is not None else "This cell has no steady state."),
    ]
    return texts[k]


def _duration(t: float) -> str:
    return f"{t * 1e3:g} ms" if t < 1 else (f"{t:g} s" if t < 120 else f"{t / 3600:g} h")


def _pump_rate(tc: Any) -> float:
    """mV per ms of the pump-only step, from its first output times."""
    return float(abs(tc.V[1, 0] - tc.V[0, 0]) / ((tc.t[1] - tc.t[0]) * 1e3))


@lru_cache(maxsize=16)
def steps(preset: str) -> dict[str, Any]:
    """GET /api/guide: every step with its series, numbers, the lecture's figure and a sentence."""
    base = base_cell(preset)
    cell, y = _step0(base)
    out: list[dict[str, Any]] = []
    tc = _course(cell, y)
    for k, (title, what, mechs, lecture) in enumerate(_STEPS):
        extra: dict[str, Any] = {}
        if k == 1:
            tc, neutral, rate = _step1(cell, y)
            extra = {"anions_per_s": rate * float(Model(cell).volume0[0]) * N_A,
                     "V_neutral_mV": float(neutral.V[-1, 0])}
        elif k >= 2:
            cell = _only(base, mechs)
            if k == 2:
                y = _preset_state(base, y)
            tc = _course(cell, y, PUMP_ONLY_T if k == 2 else STEP_T)
            if k == 2:
                extra = {"mV_per_ms": _pump_rate(tc)}
        if k == len(_STEPS) - 1:
            extra["V_steady_mV"] = _steady(cell)
        n = {**_numbers(tc), **extra}
        out.append({"step": k, "title": title, "what": what, "lecture": lecture,
                    "mechanisms": [m.describe() for m in cell.mechanisms], "numbers": n,
                    "text": _text(k, n, out[-1]["numbers"] if out else n, extra),
                    "series": _pack(tc)})
        y = tc.y[-1, 0]
    return {"preset": preset, "step_time_s": STEP_T, "steps": out}


def _preset_state(base: Cell, y_prev: Any) -> Any:
    """The preset's starting amounts with the charge (V) of the previous step."""
    return Model(base.with_parameters({"inside.V0": float(y_prev[I_V])})).y0[0]


def _steady(cell: Cell) -> float | None:
    try:
        return float(steady_state(cell).V[0])
    except VrestError:
        return None
