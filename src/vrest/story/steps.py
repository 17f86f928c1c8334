"""The lecture's imaginary steps, computed (``vrest story``).

MISSION.md's lecture builds the resting potential in steps that in reality happen at once. Here
each step is a real simulation (:func:`vrest.simulate`, SciPy's stiff solvers) that starts from the state
the previous step ended in, with the mechanisms of that step; where a steady state exists,
:func:`vrest.steady_state` confirms the end point. :func:`run_story` returns plain numbers
(:meth:`Story.to_dict`); :mod:`vrest.story_text` makes sentences from them, :mod:`vrest.story_plot`
pictures and :mod:`vrest.story_report` the terminal and HTML reports.

How the steps are set up, and why (every choice is visible in the numbers):

0. Inside = the bath's concentrations, V = 0. The bath's listed ions are not neutral (the lecture
   preset's carry +47 mM of charge: bicarbonate, phosphate, ... are not modelled), so the same
   amount of 'other anions' sits inside too, impermeant like everything else at this step.
1. The cell makes its trapped organic anions. (1a) As the lecture says, bare: just enough to give
   its "-5 mV" (counted with :func:`vrest.equations.charge_budget`). (1b) Charge-conserving, with a
   K+ counter-ion per charge, as much as the complete cell holds at rest. The chain goes on from 1b.
2. The Na/K pump alone. Its net charge has no way back, so it charges the membrane at its full
   current; it is stopped where the lecture's "-10 mV in total" is reached. It cannot build the
   gradients alone (the numbers show what V that would take).
3. The K+ leak, on its own (the pump paused, as the lecture's step looks at K+ alone): V -> E_K.
4. The Na+ leak, with the pump running again: the gradients are built; V settles between E_K
   and E_Na, where the pump balances the leaks.
5. The Cl- leak. 6. KCC2. 7. NCX and the Ca2+ leak. 8. Any other mechanism of the preset.

Then the real case: every mechanism at once from step 0 (the anions made as in 1b), compared
with the stepwise end state. Units: mV, mM, s, pA, ions (counts), ATP molecules/s.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from vrest.errors import ParameterError, VrestError
from vrest.model.cell import Cell
from vrest.model.mechanisms import (
    AnionSource,
    GHKLeak,
    Mechanism,
    NaKPump,
    OhmicLeak,
    Transporter,
    Water,
)
from vrest.model.mechanisms.base import Z_IONS
from vrest.model.presets import loader as presets
from vrest.model.presets.cells import cell_from_preset
from vrest.model.protocol import Event, Protocol
from vrest.model.rhs import I_V, I_X, Model
from vrest.physics import equations as eq
from vrest.physics.constants import E_CHARGE, N_A, ZERO_C, F, R
from vrest.physics.geometry import Geometry
from vrest.solve.simulate import simulate
from vrest.solve.steady import steady_state

FloatArray = NDArray[np.float64]
IONS = ("Na", "K", "Cl", "Ca")
DEFAULT_PRESET = "lecture"

ANION_TIME_S = 3600.0  # s over which the cell makes its anions (only the amount matters)
V_TOL_MV = 0.1  # settled: V within this of its end value ...
C_TOL = 0.01  # ... and every inside concentration within 1 % of its end value
END_TOL_MV = 0.01  # a run has reached its steady state when V is this close to it
N_OUT = 400  # output times per step (geometric, plus t = 0)
N_JSON = 60  # trace points per step in to_dict()
BLOCK_TIME_S = 3600.0  # questions: how long the pump is blocked
BODY_BATH_RATIO = 0.5  # questions: extracellular / intracellular water (MISSION.md: 2/3 inside)
DISH_ML = 2.0  # questions: medium in a culture dish, mL (an example)
DEPOLARISED_MV = 5.0  # questions: depolarisation counted after the pump is blocked

#: The lecture's numbers (MISSION.md), by name.
LECTURE: dict[str, float] = {
    "V_anions_mV": -5.0, "V_pump_total_mV": -10.0, "E_K_mV": -70.0, "K_fraction_max": 1e-4,
    "E_Na_mV": 50.0, "V_rest_mV": -60.0, "P_Na_rel": 0.04, "P_Cl_rel": 0.45,
    "E_Cl_no_kcc2_mV": -60.0, "E_Cl_mV": -70.0, "E_Ca_mV": 120.0, "pump_Na_out": 3.0,
    "pump_K_in": 2.0, "pump_ATP": 1.0, "comment_pump_share_lo_mV": 2.0,
    "comment_pump_share_hi_mV": 3.0, "pump_share_lo_mV": 5.0, "pump_share_hi_mV": 10.0,
    "comment_E_K_mV": -90.0, "comment_P_Na_rel": 1.0 / 40.0, "textbook_V_rest_mV": -70.0,
    "exam_E_K_mV": -90.0, "exam_E_Na_mV": 60.0, "body_water_inside": 2.0 / 3.0,
    "V_start_mV": 0.0, "one_percent": 0.01,
}

#: The chain after step 1: (key, title, mechanism groups added, groups paused).
CHAIN: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("2", "The Na+/K+ pump alone", ("pump",), ()),
    ("3", "K+ leak channels", ("leak.K",), ("pump",)),
    ("4", "Na+ leak, the pump running", ("leak.Na", "pump"), ()),
    ("5", "Cl- leak", ("leak.Cl",), ()),
    ("6", "K+-Cl- cotransporter (KCC2)", ("kcc2",), ()),
    ("7", "Na+/Ca2+ exchanger (NCX) and Ca2+ leak", ("ncx", "leak.Ca"), ()),
    ("8", "The preset's other mechanisms", ("other",), ()),
)
GROUP_NAMES = {"pump": "Na+/K+ pump", "leak.K": "K+ leak", "leak.Na": "Na+ leak",
               "leak.Cl": "Cl- leak", "leak.Ca": "Ca2+ leak", "kcc2": "KCC2", "ncx": "NCX",
               "other": "other mechanism"}


# ------------------------------------------------------------------------------- data classes


@dataclass(frozen=True)
class Trace:
    """A step's time course: t (T,) s; V (T,) mV; E, c_in (T, 4) mV, mM over Na, K, Cl, Ca;
    moved (T, 4) ions moved out since the step began (count, outward +); X (T,) mM."""

    t: FloatArray
    V: FloatArray
    E: FloatArray
    c_in: FloatArray
    moved: FloatArray
    X: FloatArray

    def window(self, t_max: float) -> Trace:
        """The part with t <= t_max."""
        keep = self.t <= t_max * (1 + 1e-12)
        return Trace(*(np.asarray(a)[keep] for a in (self.t, self.V, self.E, self.c_in,
                                                     self.moved, self.X)))


@dataclass(frozen=True)
class Step:
    """One step of the story: what changed, what happened and every number about it."""

    key: str
    title: str
    chain: bool
    active: tuple[str, ...]
    added: tuple[str, ...]
    paused: tuple[str, ...]
    skipped: str
    duration_s: float
    settle_s: float | None
    shown_s: float
    start: dict[str, Any]
    end: dict[str, Any]
    moved: dict[str, dict[str, float]]
    atp_per_s: float
    currents_pA: dict[str, float]
    fluxes_ions_s: dict[str, dict[str, float]]
    steady: dict[str, Any] | None
    analysis: dict[str, Any]
    lecture: list[dict[str, Any]]
    extra: dict[str, Any]
    trace: Trace
    y_end: FloatArray = field(repr=False)

    def to_dict(self, points: int = N_JSON) -> dict[str, Any]:
        """Plain JSON-ready numbers (with a thinned trace of at most ``points`` times)."""
        tr = self.trace.window(self.shown_s)
        idx = np.unique(np.linspace(0, tr.t.size - 1, min(points, tr.t.size)).round().astype(int))
        return {
            "key": self.key, "title": self.title, "chain": self.chain, "active": list(self.active),
            "added": list(self.added), "paused": list(self.paused), "skipped": self.skipped,
            "duration_s": self.duration_s, "settle_s": self.settle_s, "shown_s": self.shown_s,
            "start": self.start, "end": self.end, "moved": self.moved,
            "atp_per_s": self.atp_per_s, "currents_pA": self.currents_pA,
            "fluxes_ions_s": self.fluxes_ions_s, "steady": self.steady,
            "analysis": self.analysis, "lecture": self.lecture, "extra": self.extra,
            "trace": {"t_s": tr.t[idx], "V_mV": tr.V[idx],
                      "E_mV": {ion: tr.E[idx, i] for i, ion in enumerate(IONS)},
                      "inside_mM": {ion: tr.c_in[idx, i] for i, ion in enumerate(IONS)},
                      "moved_out_ions": {ion: tr.moved[idx, i] for i, ion in enumerate(IONS)}},
        }


@dataclass(frozen=True)
class Story:
    """The whole story: the cell, the steps, the real case and the viewers' questions."""

    preset: str
    title: str
    temperature_C: float
    cell: dict[str, Any]
    mechanisms: list[dict[str, str]]
    steps: list[Step]
    real: Step
    questions: list[dict[str, Any]]

    def step(self, key: str) -> Step:
        """The step called ``key`` ('0', '1a', '1b', '2', ... '8', 'real')."""
        if key == "real":
            return self.real
        for s in self.steps:
            if s.key == key:
                return s
        raise ParameterError(f"step: {key!r} is not a step of this story; valid: "
                             f"{', '.join(s.key for s in self.steps)}, real")

    def to_dict(self, points: int = N_JSON) -> dict[str, Any]:
        """Every number, JSON-ready (numpy arrays become lists when serialised)."""
        return {
            "preset": self.preset, "title": self.title, "temperature_C": self.temperature_C,
            "cell": self.cell, "mechanisms": self.mechanisms, "lecture_numbers": dict(LECTURE),
            "steps": [s.to_dict(points) for s in self.steps], "real": self.real.to_dict(points),
            "questions": self.questions,
            "settings": {"anion_time_s": ANION_TIME_S, "settle_V_mV": V_TOL_MV,
                         "settle_c_rel": C_TOL, "block_time_s": BLOCK_TIME_S,
                         "body_bath_ratio": BODY_BATH_RATIO, "dish_mL": DISH_ML},
        }


# ------------------------------------------------------------------------------- the context


@dataclass(frozen=True)
class _Context:
    """The complete cell, its mechanisms sorted into the lecture's groups, and its size."""

    cell: Cell
    bare: Cell  # the cell with no mechanism except water
    groups: dict[str, tuple[Mechanism, ...]]
    volume_m3: float
    area_um2: float
    volume_um3: float
    mv_per_mM: float  # mV of V per mM of net charge inside
    temperature_K: float
    z_x: float

    def cell_with(self, groups: Sequence[str]) -> Cell:
        """The bare cell plus the mechanisms of ``groups``."""
        mechs = [m for g in groups for m in self.groups.get(g, ())]
        return self.bare.with_mechanisms(*mechs) if mechs else self.bare

    def names(self, groups: Sequence[str]) -> tuple[str, ...]:
        return tuple(m.name for g in groups for m in self.groups.get(g, ()))


def _group(mech: Mechanism) -> str:
    """The lecture group of a mechanism: water, pump, leak.<ion>, kcc2, ncx or other."""
    if isinstance(mech, Water):
        return "water"
    if isinstance(mech, NaKPump):
        return "pump"
    if isinstance(mech, GHKLeak | OhmicLeak):
        return f"leak.{mech.ion}"
    if isinstance(mech, Transporter) and mech.name in ("kcc2", "ncx"):
        return mech.name
    return "other"


def _context(cell: Cell) -> _Context:
    """Sort the complete cell's mechanisms into groups and record its size (SI and um)."""
    groups: dict[str, list[Mechanism]] = {}
    for mech in cell.mechanisms:
        groups.setdefault(_group(mech), []).append(mech)
    others = [m.name for m in cell.mechanisms if _group(m) != "water"]
    bare = cell.without(*others) if others else cell
    model = Model(cell)
    return _Context(cell, bare, {k: tuple(v) for k, v in groups.items()},
                    float(model.volume0[0]), float(model.area0[0]) * 1e12,
                    float(model.volume0[0]) * 1e18, float(model.mv_per_charge[0]),
                    float(model.temperature[0]), float(model.z_x[0]))


def _geometry(ctx: _Context) -> Geometry:
    """The cell's area (um^2) and volume (um^3) for the closed forms."""
    return Geometry.explicit(ctx.area_um2, ctx.volume_um3)


# ------------------------------------------------------------------------------- numbers of a state


def _state(model: Model, y: FloatArray) -> dict[str, Any]:
    """V, reversal potentials, concentrations, trapped anions and volume of one state."""
    s, w = model.membrane_state(y[None])
    c_in, c_out = s.c_in[0], np.asarray(s.c_out)[0]
    e = 1e3 * eq.nernst_si(Z_IONS, c_in, c_out, float(model.temperature[0]))
    return {"V_mV": float(1e3 * s.v[0]),
            "E_mV": {ion: float(e[i]) for i, ion in enumerate(IONS)},
            "inside_mM": {ion: float(c_in[i]) for i, ion in enumerate(IONS)},
            "outside_mM": {ion: float(c_out[i]) for i, ion in enumerate(IONS)},
            "X_mM": float(s.x_in[0]), "volume_rel": float(w[0])}


def _moved(ctx: _Context, model: Model, y0: FloatArray, y1: FloatArray) -> dict[str, dict[str, float]]:
    """Per ion: amount moved out (mol), ion count (outward +), fraction of the starting content."""
    out = model.layout.out
    delta = y1[out] - y0[out]
    return {ion: {"mol": float(delta[i] * ctx.volume_m3), "ions": float(delta[i] * ctx.volume_m3 * N_A),
                  "fraction": float(abs(delta[i]) / y0[i])} for i, ion in enumerate(IONS)}


def _zero_current_mV(model: Model, y: FloatArray, names: Sequence[str]) -> float | None:
    """V (mV) at which the currents of mechanisms ``names`` sum to zero, at y's concentrations."""
    names = [n for n in names if n != "anion_source"]
    if not names:
        return None
    s, _ = model.membrane_state(y[None])
    factor = float(s.area[0] / model.area0[0])

    def total(v_mv: float) -> float:
        yy = y.copy()
        yy[I_V] = v_mv * factor
        fluxes = model.observe(yy[None]).fluxes
        return float(sum(fluxes[n][0, :4] @ Z_IONS for n in names))

    lo, hi = total(-400.0), total(400.0)
    if not (lo < 0.0 < hi):
        return None
    from scipy.optimize import brentq  # lazy: `vrest --help` should not load scipy

    return float(brentq(total, -400.0, 400.0, xtol=1e-10))


def _leak_weights(cell: Cell, state: dict[str, Any]) -> tuple[dict[str, float], dict[str, float], str]:
    """Per leaking ion: the lecture's weights (permeability, or g for ohmic leaks) and the
    chord conductances at V (mS/cm^2)."""
    perm, chord = {}, {}
    kinds = set()
    for m in cell.mechanisms:
        if isinstance(m, GHKLeak):
            kinds.add("permeability")
            p = m.P * m.scale
            perm[m.ion] = p
            ion_z = Z_IONS[IONS.index(m.ion)]
            chord[m.ion] = float(eq.ghk_chord_conductance(
                p, ion_z, state["inside_mM"][m.ion], state["outside_mM"][m.ion], state["V_mV"],
                state["temperature_K"]))
        elif isinstance(m, OhmicLeak):
            kinds.add("conductance")
            perm[m.ion] = chord[m.ion] = m.g * m.scale
    return perm, chord, "permeability" if kinds == {"permeability"} else "conductance"


def _average(weights: Mapping[str, float], e: Mapping[str, float]) -> float | None:
    """sum w_i E_i / sum w_i (mV), None without weights."""
    total = sum(weights.values())
    return float(sum(w * e[i] for i, w in weights.items()) / total) if total > 0 else None


def _analysis(ctx: _Context, cell: Cell, y: FloatArray) -> dict[str, Any]:
    """The numbers that settle the disputed claims, for one state of ``cell``."""
    model = Model(cell)
    state = {**_state(model, y), "temperature_K": ctx.temperature_K}
    leaks = [m.name for m in cell.mechanisms if isinstance(m, GHKLeak | OhmicLeak)]
    if not leaks:
        return {}
    out: dict[str, Any] = {"V_mV": state["V_mV"], "V_leaks_mV": _zero_current_mV(model, y, leaks)}
    pumps = [m.name for m in cell.mechanisms if isinstance(m, NaKPump)]
    if pumps:
        rest = [n for n in model.mechanism_names() if n not in pumps]
        v_np = _zero_current_mV(model, y, rest)
        out["V_no_pump_mV"] = v_np
        out["pump_share_mV"] = None if v_np is None else state["V_mV"] - v_np
    perm, chord, kind = _leak_weights(cell, state)
    e = state["E_mV"]
    out["weighted_by"] = kind
    out["weights"] = {i: w / sum(perm.values()) for i, w in perm.items()}
    out["weighted_average_mV"] = _average(perm, e)
    out["chord_weights"] = {i: g / sum(chord.values()) for i, g in chord.items()}
    out["chord_mV"] = _average(chord, e)
    if kind == "permeability" and set(perm) == {"K", "Na"} and pumps and \
            {m.name for m in cell.mechanisms} == set(leaks) | set(pumps):
        out["mullins_noda_mV"] = float(eq.mullins_noda(
            perm, state["inside_mM"], state["outside_mM"], ctx.temperature_K, 1.5))
    return out


# ------------------------------------------------------------------------------- running a step


def _times(t_end: float) -> FloatArray:
    """Output times (s): 0 and N_OUT geometric steps up to t_end (ms to hours in one grid)."""
    return np.concatenate([[0.0], np.geomspace(t_end * 1e-7, t_end, N_OUT)])


def _trace(ctx: _Context, tc: Any, y0: FloatArray) -> Trace:
    """The Trace of a one-cell TimeCourse; ion counts relative to the step's start y0."""
    model_out = slice(tc.y.shape[2] - 4, tc.y.shape[2])
    moved = (tc.y[:, 0, model_out] - y0[model_out]) * ctx.volume_m3 * N_A
    return Trace(tc.t, tc.V[:, 0], tc.E[:, 0], tc.c_in[:, 0], moved, tc.X[:, 0])


def _settle_time(tr: Trace, v_ref: float, c_ref: FloatArray) -> float | None:
    """First time after which V stays within V_TOL_MV and every c_in within C_TOL of the
    reference; None if the trace ends outside the band."""
    off = (np.abs(tr.V - v_ref) > V_TOL_MV) | np.any(np.abs(np.log(tr.c_in / c_ref)) > C_TOL, axis=1)
    if not off.any():
        return 0.0
    last = int(np.flatnonzero(off)[-1])
    return None if last == tr.t.size - 1 else float(tr.t[last + 1])


def _steady(cell: Cell, y0: FloatArray) -> Any:
    """The verified SteadyState of ``cell`` from y0, or the reason there is none (str)."""
    try:
        ss = steady_state(cell, y0=y0, raise_on_failure=False)
    except VrestError as exc:
        return str(exc)
    return ss if bool(ss.converged[0]) else ss.message[0]


def _steady_numbers(ss: Any, end: dict[str, Any]) -> dict[str, Any]:
    """The steady state against the end of the run (mV, relative concentration)."""
    if isinstance(ss, str):
        return {"exists": False, "message": ss}
    c_ss = ss.c_in[0]
    rel = max(abs(end["inside_mM"][ion] / c_ss[i] - 1.0) for i, ion in enumerate(IONS))
    return {"exists": True, "message": ss.message[0], "V_mV": float(ss.V[0]),
            "dV_mV": end["V_mV"] - float(ss.V[0]), "max_rel_dc": float(rel),
            "stable": bool(ss.stable[0]),
            "slowest_time_constant_s": ss.summary()["slowest_time_constant_s"]}


def _simulate_to_rest(cell: Cell, y0: FloatArray, ss: Any, protocol: Protocol | None = None,
                      t_min: float = 0.0) -> Any:
    """Simulate until the steady state ``ss`` is reached (t_end grows tenfold up to 4 times)."""
    tau = None if isinstance(ss, str) else ss.summary()["slowest_time_constant_s"]
    t_end = max(10.0 * (tau or 1e3), 2.0 * t_min, 1e-3)
    for _ in range(5):
        tc = simulate(cell, protocol, t_end=t_end, t_eval=_times(t_end), y0=y0)
        if isinstance(ss, str) or (abs(tc.V[-1, 0] - ss.V[0]) < END_TOL_MV and np.all(
                np.abs(np.log(tc.c_in[-1, 0] / ss.c_in[0])) < 1e-4)):
            return tc
        t_end *= 10.0
    return tc


def _step(ctx: _Context, key: str, title: str, cell: Cell, y0: FloatArray, tc: Any,
          chain: bool = True, added: Sequence[str] = (), paused: Sequence[str] = (),
          ss: Any = "no steady state sought", extra: dict[str, Any] | None = None) -> Step:
    """Collect every number of a simulated step."""
    model = Model(cell)
    y1 = tc.y[-1, 0]
    start, end = _state(model, y0), _state(model, y1)
    tr = _trace(ctx, tc, y0)
    steady = None if ss == "no steady state sought" else _steady_numbers(ss, end)
    ref_v, ref_c = (ss.V[0], ss.c_in[0]) if steady and steady["exists"] else (tr.V[-1], tr.c_in[-1])
    settle = _settle_time(tr, float(ref_v), np.asarray(ref_c)) if steady else None
    duration = float(tc.t[-1])
    shown = duration if not settle else min(duration, max(2.5 * settle, duration * 1e-6))
    return Step(
        key, title, chain, tuple(m.name for m in cell.mechanisms if not isinstance(m, Water)),
        tuple(added), tuple(paused), "", duration, settle, shown, start, end,
        _moved(ctx, model, y0, y1), float(tc.atp_total[-1, 0]),
        {k: float(v[-1, 0]) for k, v in tc.current.items()},
        {k: {ion: float(f[-1, 0, i] * N_A) for i, ion in enumerate(IONS)} for k, f in tc.flux.items()},
        steady,
        _analysis(ctx, cell, y1), [], extra or {}, tr, y1)


def _skipped(ctx: _Context, key: str, title: str, y0: FloatArray, reason: str) -> Step:
    """A step the preset cannot take (it lacks the mechanism); the state passes through."""
    model = Model(ctx.bare)
    state = _state(model, y0)
    zero = np.zeros((1, 4))
    tr = Trace(np.zeros(1), np.array([state["V_mV"]]), np.array([list(state["E_mV"].values())]),
               np.array([list(state["inside_mM"].values())]), zero, np.array([state["X_mM"]]))
    return Step(key, title, True, (), (), (), reason, 0.0, None, 0.0, state, state,
                {ion: {"mol": 0.0, "ions": 0.0, "fraction": 0.0} for ion in IONS}, 0.0, {}, {},
                None, {}, [], {}, tr, y0)


def _with_lecture(step: Step, rows: Sequence[tuple[str, str, float | None, str]]) -> Step:
    """Attach the lecture's figures next to the model's: (quantity, LECTURE key, model, unit)."""
    table = [{"quantity": q, "lecture": LECTURE[k], "model": v, "unit": u} for q, k, v, u in rows]
    return dataclasses.replace(step, lecture=table)


# ------------------------------------------------------------------------------- steps 0 and 1


def _step0(ctx: _Context) -> tuple[Step, FloatArray, float]:
    """Equal concentrations inside and out, V = 0. Returns the step, its state and the amount
    of trapped anions (mM) the cell must make in step 1b."""
    bath = ctx.cell.bath
    x_final = float(Model(ctx.cell).y0[0, I_X])
    zx = abs(ctx.z_x)
    cations = bath.Na + bath.K + 2.0 * bath.Ca
    gap = cations - bath.Cl  # charge of the bath's unlisted anions, mM
    x0 = min(max(gap / zx, 0.0), x_final)
    cl0 = cations - zx * x0
    if cl0 <= 0:
        raise ParameterError(f"preset {ctx.cell.name}: cannot make step 0 neutral; the bath's "
                             f"anions exceed its cations by {-gap:g} mM")
    cell0 = ctx.bare.with_parameters({"inside.Na": bath.Na, "inside.K": bath.K, "inside.Ca": bath.Ca,
                                      "inside.Cl": cl0, "inside.X": x0})
    y0 = Model(cell0).y0[0]
    tc = simulate(ctx.bare, t_end=1.0, t_eval=_times(1.0), y0=y0)
    extra = {"other_anions_mM": x0, "bath_charge_gap_mM": gap, "Cl_inside_mM": cl0,
             "anions_final_mM": x_final}
    step = _step(ctx, "0", "No gradients", ctx.bare, y0, tc, extra=extra)
    return step, y0, x_final - x0


def _step1a(ctx: _Context, y0: FloatArray, made_mM: float) -> Step:
    """The lecture's step 1: bare anions, just enough for its -5 mV."""
    target = LECTURE["V_anions_mV"]
    budget = eq.charge_budget(target, _geometry(ctx), z=ctx.z_x,
                              capacitance_uF_cm2=ctx.cell.capacitance)
    anions_mM = float(budget.delta_c_mM)  # concentration of anions made, mM
    cell = ctx.bare.with_mechanisms(AnionSource(rate=anions_mM / ANION_TIME_S, counter="none"))
    tc = simulate(cell, t_end=ANION_TIME_S, t_eval=_times(ANION_TIME_S), y0=y0)
    v_all = float(eq.voltage_from_charge(ctx.z_x * made_mM * ctx.volume_m3 * F, ctx.area_um2,
                                         ctx.cell.capacitance))
    extra = {"anions_mM": anions_mM, "anions_count": float(budget.ions_count) / abs(ctx.z_x),
             "charge_C": float(budget.charge_C), "V_target_mV": target,
             "anions_real_mM": made_mM, "V_if_real_amount_bare_mV": v_all,
             "anions_fraction_of_real": anions_mM / made_mM if made_mM > 0 else None}
    step = _step(ctx, "1a", "Trapped anions, as the lecture says (no counter-ions)", cell, y0, tc,
                 chain=False, added=("anion_source",), extra=extra)
    return _with_lecture(step, [("V after the anions", "V_anions_mV", step.end["V_mV"], "mV")])


def _step1b(ctx: _Context, y0: FloatArray, made_mM: float) -> Step:
    """Charge-conserving step 1: anions made with K+ counter-ions."""
    cell = ctx.bare.with_mechanisms(AnionSource(rate=made_mM / ANION_TIME_S, counter="K"))
    tc = simulate(cell, t_end=ANION_TIME_S, t_eval=_times(ANION_TIME_S), y0=y0)
    extra = {"anions_mM": made_mM, "anions_count": made_mM * ctx.volume_m3 * N_A,
             "counter_K_mM": made_mM * abs(ctx.z_x)}
    step = _step(ctx, "1b", "Trapped anions, charge conserved (K+ counter-ions)", cell, y0, tc,
                 added=("anion_source",), extra=extra)
    return _with_lecture(step, [("V after the anions", "V_anions_mV", step.end["V_mV"], "mV")])


# ------------------------------------------------------------------------------- steps 2 to 8


def _pump_current_A(cell: Cell, y: FloatArray) -> float:
    """Outward current (A) of the Na/K pumps of ``cell`` at state y."""
    model = Model(cell)
    fluxes = model.observe(y[None]).fluxes
    return float(sum(fluxes[m.name][0, :4] @ Z_IONS for m in cell.mechanisms
                     if isinstance(m, NaKPump)) * F)


def _step2(ctx: _Context, y0: FloatArray, na_final_mM: float) -> Step | None:
    """The pump alone, stopped where the lecture's -10 mV in total is reached."""
    cell = ctx.cell_with(["pump"])
    current = _pump_current_A(cell, y0) if ctx.groups.get("pump") else 0.0
    if current <= 0:
        return None
    model = Model(cell)
    area = float(model.membrane_state(y0[None])[0].area[0])  # m^2 (changes only with water)
    c_total = ctx.cell.capacitance * 1e-2 * area  # F
    v_start = float(model.voltage_mV(y0[None])[0])
    target = min(LECTURE["V_pump_total_mV"], v_start - 1.0)
    t_stop = (v_start - target) * 1e-3 * c_total / current
    tc = simulate(cell, t_end=t_stop, t_eval=_times(t_stop), y0=y0)
    na_needed = float(y0[0]) - na_final_mM
    extra = {"V_target_mV": target, "time_to_target_s": t_stop, "pump_current_pA": current * 1e12,
             "charging_rate_mV_per_ms": current / c_total,
             "Na_needed_mM": na_needed,
             "V_if_gradient_built_alone_mV": -ctx.mv_per_mM * na_needed / LECTURE["pump_Na_out"],
             "pump_stoichiometry": {"Na_out": LECTURE["pump_Na_out"], "K_in": LECTURE["pump_K_in"],
                                    "ATP": LECTURE["pump_ATP"]}}
    step = _step(ctx, "2", CHAIN[0][1], cell, y0, tc, added=ctx.names(["pump"]), extra=extra)
    return _with_lecture(step, [("V (anions + pump)", "V_pump_total_mV", step.end["V_mV"], "mV")])


def _chain_extra(ctx: _Context, key: str, cell: Cell, step_y: FloatArray) -> dict[str, Any]:
    """Step-specific numbers: step 3 with the pump running, E_Cl - V, NCX's limit and shares."""
    if key == "3" and ctx.groups.get("pump"):
        with_pump = cell.with_mechanisms(*ctx.groups["pump"])
        v = _zero_current_mV(Model(with_pump), step_y, Model(with_pump).mechanism_names())
        return {"V_with_pump_mV": v}
    if key in ("5", "6"):
        model = Model(cell)
        state = _state(model, step_y)
        return {"E_Cl_minus_V_mV": state["E_mV"]["Cl"] - state["V_mV"]}
    if key == "7":
        model = Model(cell)
        names = model.mechanism_names()
        state = _state(model, step_y)
        v, e = state["V_mV"], state["E_mV"]
        out: dict[str, Any] = {}
        if ctx.groups.get("ncx"):
            vec = ctx.groups["ncx"][0].vector  # type: ignore[attr-defined]
            n_na, n_ca = -vec[0], vec[3]
            charge = n_na - 2.0 * n_ca  # charges carried in per cycle
            out.update({"ncx_Na_per_Ca": float(n_na / n_ca), "z_Ca": 2.0,
                        "E_NCX_mV": float((n_na * e["Na"] - 2 * n_ca * e["Ca"]) / charge),
                        "E_Ca_ncx_limit_mV": float((n_na * e["Na"] - charge * v) / (2 * n_ca))})
        for group in ("leak.Ca", "ncx"):
            gone = set(ctx.names([group]))
            if gone:
                v0 = _zero_current_mV(model, step_y, [n for n in names if n not in gone])
                out[f"share_{group.replace('.', '_')}_mV"] = None if v0 is None else v - v0
        return out
    return {}


def _lecture_rows(key: str, step: Step) -> list[tuple[str, str, float | None, str]]:
    """The lecture's figures that step ``key`` can be compared with."""
    e, v = step.end["E_mV"], step.end["V_mV"]
    rows: dict[str, list[tuple[str, str, float | None, str]]] = {
        "3": [("E_K", "E_K_mV", e["K"], "mV"), ("V", "E_K_mV", v, "mV"),
              ("fraction of K+ moved", "K_fraction_max", step.moved["K"]["fraction"], "1")],
        "4": [("V", "V_rest_mV", v, "mV"), ("E_Na", "E_Na_mV", e["Na"], "mV"),
              ("E_K", "E_K_mV", e["K"], "mV")],
        "5": [("E_Cl", "E_Cl_no_kcc2_mV", e["Cl"], "mV"), ("V", "V_rest_mV", v, "mV")],
        "6": [("E_Cl", "E_Cl_mV", e["Cl"], "mV"), ("V", "V_rest_mV", v, "mV")],
        "7": [("E_Ca", "E_Ca_mV", e["Ca"], "mV"), ("V", "V_rest_mV", v, "mV")],
        "8": [("V", "V_rest_mV", v, "mV")],
    }
    return rows.get(key, [])


def _chain(ctx: _Context, y: FloatArray) -> list[Step]:
    """Steps 3 to 8, each from the previous state."""
    active: list[str] = []
    steps = []
    for key, title, add, pause in CHAIN[1:]:
        new = [g for g in add if ctx.groups.get(g) and g not in active]
        active = [g for g in active if g not in pause] + new
        if not new:
            if key != "8":
                missing = " or ".join(GROUP_NAMES.get(g, g) for g in add)
                steps.append(_skipped(ctx, key, title, y, f"this preset has no {missing}"))
            continue
        cell = ctx.cell_with(active)
        ss = _steady(cell, y)
        tc = _simulate_to_rest(cell, y, ss)
        step = _step(ctx, key, title, cell, y, tc, added=ctx.names(new), paused=ctx.names(pause),
                     ss=ss, extra={})
        extra = {**_chain_extra(ctx, key, cell, step.y_end),
                 "dV_mV": step.end["V_mV"] - step.start["V_mV"]}
        step = dataclasses.replace(step, extra=extra)
        steps.append(_with_lecture(step, _lecture_rows(key, step)))
        y = step.y_end
    return steps


def _real_case(ctx: _Context, y0: FloatArray, made_mM: float, stepwise: Step) -> Step:
    """Every mechanism at once from step 0, the anions made as in step 1b."""
    source = AnionSource(rate=made_mM / ANION_TIME_S, counter="K")
    cell = ctx.cell.with_mechanisms(source)
    protocol = Protocol(name="real case", events=(
        Event(t=ANION_TIME_S, remove=("anion_source",), label="anions made"),), t_end=ANION_TIME_S)
    ss = _steady(ctx.cell, stepwise.y_end)
    tc = _simulate_to_rest(cell, y0, ss, protocol, t_min=ANION_TIME_S)
    step = _step(ctx, "real", "Everything at once, from step 0", ctx.cell, y0, tc, chain=False,
                 added=tuple(m.name for m in ctx.cell.mechanisms), ss=ss)
    ref = stepwise.end
    extra = {"dV_vs_stepwise_mV": step.end["V_mV"] - ref["V_mV"],
             "dV_vs_lecture_mV": step.end["V_mV"] - LECTURE["V_rest_mV"],
             "max_rel_dc_vs_stepwise": max(abs(step.end["inside_mM"][i] / ref["inside_mM"][i] - 1)
                                           for i in IONS),
             "stepwise_settle_total_s": None}
    step = dataclasses.replace(step, extra=extra)
    return _with_lecture(step, [("V_rest", "V_rest_mV", step.end["V_mV"], "mV"),
                                ("E_K", "E_K_mV", step.end["E_mV"]["K"], "mV"),
                                ("E_Na", "E_Na_mV", step.end["E_mV"]["Na"], "mV"),
                                ("E_Cl", "E_Cl_mV", step.end["E_mV"]["Cl"], "mV"),
                                ("E_Ca", "E_Ca_mV", step.end["E_mV"]["Ca"], "mV")])


# ------------------------------------------------------------------------------- the story


def story_cell(preset: str = DEFAULT_PRESET, temperature_C: float | None = None) -> Cell:
    """The complete cell of ``preset`` (name or TOML path), optionally at another temperature."""
    cell = cell_from_preset(presets.load(preset))
    if temperature_C is not None:
        cell = cell.with_parameters({"cell.temperature": temperature_C})
    return cell


def run_story(preset: str = DEFAULT_PRESET, temperature_C: float | None = None,
              questions: bool = True) -> Story:
    """Run the lecture's steps on ``preset`` (at ``temperature_C`` degC if given).

    Raises PresetError/ParameterError for bad input and SolverError if a simulation fails.
    """
    pre = presets.load(preset)
    cell = story_cell(preset, temperature_C)
    ctx = _context(cell)
    s0, y0, made = _step0(ctx)
    s1a, s1b = _step1a(ctx, y0, made), _step1b(ctx, y0, made)
    rest = _steady(ctx.cell, s1b.y_end)
    na_final = float(rest.c_in[0, 0]) if not isinstance(rest, str) else float(cell.inside.Na)
    s2 = _step2(ctx, s1b.y_end, na_final)
    y = s2.y_end if s2 else s1b.y_end
    chain = _chain(ctx, y)
    steps = [s0, s1a, s1b, s2 or _skipped(ctx, "2", CHAIN[0][1], y, "this preset has no pump"),
             *chain]
    last = next(s for s in reversed(steps) if s.chain and not s.skipped)
    real = _real_case(ctx, y0, made, last)
    extra = dict(real.extra)
    extra["stepwise_settle_total_s"] = float(sum(s.settle_s or s.duration_s for s in steps
                                                 if s.chain and not s.skipped and s.key != "0"))
    real = dataclasses.replace(real, extra=extra)
    qs = answer_questions(ctx, steps, real) if questions else []
    return Story(pre.name, pre.title, float(cell.temperature), _cell_numbers(ctx),
                 [{"name": m.name, "what": m.describe()} for m in cell.mechanisms],
                 steps, real, qs)


def _cell_numbers(ctx: _Context) -> dict[str, Any]:
    """Size and constants of the cell, for the report and the closed-form checks."""
    return {"area_um2": ctx.area_um2, "volume_um3": ctx.volume_um3,
            "volume_pL": ctx.volume_um3 * 1e-3, "capacitance_uF_cm2": ctx.cell.capacitance,
            "temperature_K": ctx.temperature_K, "mV_per_mM_charge": ctx.mv_per_mM,
            "bath_volume_ratio": ctx.cell.bath.volume_ratio
            if math.isfinite(ctx.cell.bath.volume_ratio) else None,
            "shape": ctx.cell.geometry.shape, "celsius_offset_K": ZERO_C,
            "elementary_charge_C": E_CHARGE}



# ------------------------------------------------------------------------------- the questions


def _flux_ions(model: Model, y: FloatArray, name: str, ion: str, v_mV: float | None = None) -> float:
    """Outward flux of ``ion`` through mechanism ``name`` (ions/s), optionally at another V."""
    yy = y.copy()
    if v_mV is not None:
        s, _ = model.membrane_state(y[None])
        yy[I_V] = v_mV * float(s.area[0] / model.area0[0])
    return float(model.observe(yy[None]).fluxes[name][0, IONS.index(ion)] * N_A)


def _q(key: str, question: str, numbers: dict[str, Any], **more: Any) -> dict[str, Any]:
    """A question (MISSION.md's wording) with the numbers of its computed answer."""
    return {"key": key, "question": question, "numbers": numbers, **more}


def _q_presets() -> dict[str, Any]:
    """-60 or -70? Every preset's resting state side by side."""
    rows = []
    for name in presets.names():
        pre = presets.load(name)
        row: dict[str, Any] = {"preset": name, "temperature_C": pre.temperature_C,
                               "K_in_mM": pre.inside["K"], "K_out_mM": pre.outside["K"],
                               "P_Na_rel": pre.permeability.get("Na")}
        try:
            ss = steady_state(cell_from_preset(pre))
            row.update({"V_rest_mV": float(ss.V[0]), "E_K_mV": float(ss.E[0, 1]),
                        "E_Na_mV": float(ss.E[0, 0]), "K_in_mM": float(ss.c_in[0, 1])})
        except VrestError as exc:
            row.update({"V_rest_mV": None, "message": str(exc)})
        rows.append(row)
    ok = [r for r in rows if r["V_rest_mV"] is not None]
    numbers = {"V_min_mV": min(r["V_rest_mV"] for r in ok), "V_max_mV": max(r["V_rest_mV"] for r in ok),
               "E_K_min_mV": min(r["E_K_mV"] for r in ok), "E_K_max_mV": max(r["E_K_mV"] for r in ok),
               "textbook_V_rest_mV": LECTURE["textbook_V_rest_mV"],
               "lecture_V_rest_mV": LECTURE["V_rest_mV"]}
    return _q("presets", "Why -60 mV here when textbooks say -70 mV? Why E_K -70 here and -90 mV "
              "in an exam-prep book?", numbers, rows=rows)


def _q_anions(steps: Sequence[Step]) -> dict[str, Any]:
    """Anions alone: the lecture's count for -5 mV against the charge-conserving 0 mV."""
    a = next(s for s in steps if s.key == "1a").extra
    b = next(s for s in steps if s.key == "1b")
    return _q("anions", "Can making organic anions alone create a potential without breaking "
              "conservation of charge?",
              {"anions_for_lecture_mV": a["anions_mM"], "anions_count": a["anions_count"],
               "V_lecture_mV": a["V_target_mV"], "anions_real_mM": a["anions_real_mM"],
               "V_real_bare_mV": a["V_if_real_amount_bare_mV"],
               "V_charge_conserving_mV": b.end["V_mV"], "counter_K_mM": b.extra["counter_K_mM"]})


def _q_pump_share(real: Step) -> dict[str, Any]:
    """The pump's direct electrogenic share at rest (mV)."""
    an = real.analysis
    return _q("pump_share", "Is the pump's direct electrogenic share 5-10 mV (the lecture) or "
              "2-3 mV (a commenter)?",
              {"pump_share_mV": an.get("pump_share_mV"), "V_mV": real.end["V_mV"],
               "V_no_pump_mV": an.get("V_no_pump_mV"), "atp_per_s": real.atp_per_s,
               "lecture_lo_mV": LECTURE["pump_share_lo_mV"], "lecture_hi_mV": LECTURE["pump_share_hi_mV"],
               "comment_lo_mV": LECTURE["comment_pump_share_lo_mV"],
               "comment_hi_mV": LECTURE["comment_pump_share_hi_mV"]})


def _pump_block(ctx: _Context, real: Step) -> Any:
    """The complete cell from rest with every pump blocked for BLOCK_TIME_S (None: no pump)."""
    if not ctx.groups.get("pump"):
        return None
    cell = ctx.cell
    for m in ctx.groups["pump"]:
        cell = cell.scaled(m.name, 0.0)
    return simulate(cell, t_end=BLOCK_TIME_S, t_eval=np.linspace(0, BLOCK_TIME_S, 241), y0=real.y_end)


def _q_maintain(ctx: _Context, steps: Sequence[Step], real: Step, block: Any) -> dict[str, Any]:
    """Create or maintain: build time, run-down after a pump block."""
    s2 = next(s for s in steps if s.key == "2")
    numbers: dict[str, Any] = {"V_if_pump_alone_mV": s2.extra.get("V_if_gradient_built_alone_mV"),
                               "build_time_s": real.settle_s, "block_time_s": BLOCK_TIME_S}
    if block is not None:
        v = block.V[:, 0]
        late = np.flatnonzero(v - v[0] > DEPOLARISED_MV)
        numbers.update({"V_start_mV": float(v[0]), "V_end_mV": float(v[-1]),
                        "Na_start_mM": float(block.c_in[0, 0, 0]), "Na_end_mM": float(block.c_in[-1, 0, 0]),
                        "E_Na_end_mV": float(block.E[-1, 0, 0]), "E_K_end_mV": float(block.E[-1, 0, 1]),
                        "threshold_mV": DEPOLARISED_MV,
                        "time_to_5mV_s": float(block.t[late[0]]) if late.size else None})
    return _q("maintain", "Do pumps create the gradients, or maintain gradients the cell inherits?",
              numbers)


def _finite_cell(ctx: _Context, real: Step, ratio: float) -> Cell:
    """The complete cell at its resting concentrations in a bath ``ratio`` times its volume."""
    e = real.end
    return ctx.cell.with_parameters({**{f"inside.{i}": e["inside_mM"][i] for i in IONS},
                                     "inside.X": e["X_mM"], "bath.volume_ratio": ratio})


def _q_finite_bath(ctx: _Context, real: Step, block: Any) -> dict[str, Any]:
    """A finite outside: same rest, different run-down (K+ accumulates outside)."""
    cell = _finite_cell(ctx, real, BODY_BATH_RATIO)
    numbers: dict[str, Any] = {"ratio": BODY_BATH_RATIO, "inside_share": LECTURE["body_water_inside"],
                               "V_infinite_mV": real.end["V_mV"]}
    try:
        numbers["V_finite_mV"] = float(steady_state(cell).V[0])
    except VrestError as exc:
        numbers["V_finite_mV"], numbers["message"] = None, str(exc)
    if block is not None:
        blocked = cell
        for m in ctx.groups["pump"]:
            blocked = blocked.scaled(m.name, 0.0)
        tc = simulate(blocked, t_end=BLOCK_TIME_S, t_eval=np.linspace(0, BLOCK_TIME_S, 61))
        numbers.update({"block_time_s": BLOCK_TIME_S, "K_out_start_mM": float(tc.c_out[0, 0, 1]),
                        "K_out_end_mM": float(tc.c_out[-1, 0, 1]),
                        "V_end_finite_mV": float(tc.V[-1, 0]),
                        "V_end_infinite_mV": float(block.V[-1, 0])})
    return _q("finite_bath", "The outside is not infinite (about 2/3 of body water is inside "
              "cells): does that matter?", numbers)


def _q_amount(ctx: _Context, real: Step) -> dict[str, Any]:
    """Amount against concentration: K+ counts, and the K+ flux at 0 mV for two bath sizes."""
    e = real.end
    k_in, k_out = e["inside_mM"]["K"], e["outside_mM"]["K"]
    dish_ratio = DISH_ML * 1e-6 / ctx.volume_m3
    numbers: dict[str, Any] = {
        "K_in_mM": k_in, "K_out_mM": k_out, "K_inside_ions": k_in * ctx.volume_m3 * N_A,
        "body_ratio": BODY_BATH_RATIO, "K_outside_body_ions": k_out * BODY_BATH_RATIO * ctx.volume_m3 * N_A,
        "dish_mL": DISH_ML, "K_outside_dish_ions": k_out * dish_ratio * ctx.volume_m3 * N_A,
        "V_test_mV": 0.0}
    if ctx.groups.get("leak.K"):
        name = ctx.groups["leak.K"][0].name
        for label, ratio in (("body", BODY_BATH_RATIO), ("dish", dish_ratio)):
            cell = _finite_cell(ctx, real, ratio)
            model = Model(cell)
            numbers[f"K_flux_at_0mV_{label}_ions_s"] = _flux_ions(model, model.y0[0], name, "K", 0.0)
    return _q("amount", "The outside holds more K+ in total, so why does K+ flow out?", numbers)


def _q_ek90(ctx: _Context, real: Step) -> dict[str, Any]:
    """The commenter's numbers: P_Na/P_K = 1/40, and K+ outside for E_K = -90 mV."""
    e = real.end
    numbers: dict[str, Any] = {"V_mV": e["V_mV"], "comment_E_K_mV": LECTURE["comment_E_K_mV"],
                               "comment_P_Na_rel": LECTURE["comment_P_Na_rel"]}
    k_leak, na_leak = ctx.groups.get("leak.K"), ctx.groups.get("leak.Na")
    if k_leak and na_leak and isinstance(k_leak[0], GHKLeak) and isinstance(na_leak[0], GHKLeak):
        ratio = na_leak[0].P * na_leak[0].scale / (k_leak[0].P * k_leak[0].scale)
        cell = ctx.cell.with_parameters(
            {f"{na_leak[0].name}.scale": na_leak[0].scale * LECTURE["comment_P_Na_rel"] / ratio})
        numbers.update({"P_Na_rel": ratio, "V_ratio_mV": _steady_v(cell, real.y_end)})
    k_o = e["inside_mM"]["K"] * math.exp(LECTURE["comment_E_K_mV"] * 1e-3 * F / (R * ctx.temperature_K))
    cell = ctx.cell.with_parameters({"bath.K": k_o})
    ss = _steady(cell, real.y_end)
    numbers.update({"K_out_for_E_K_mM": k_o, "K_out_mM": e["outside_mM"]["K"],
                    "V_low_K_mV": None if isinstance(ss, str) else float(ss.V[0]),
                    "E_K_low_K_mV": None if isinstance(ss, str) else float(ss.E[0, 1])})
    return _q("ek90", "E_K in neurons is -90 mV and P_K/P_Na is about 40:1, not 25:1: what then?",
              numbers)


def _steady_v(cell: Cell, y0: FloatArray) -> float | None:
    """Resting V (mV) of ``cell`` from y0, None if there is no steady state."""
    ss = _steady(cell, y0)
    return None if isinstance(ss, str) else float(ss.V[0])


def _q_kcc2(ctx: _Context, real: Step) -> dict[str, Any]:
    """K+ is not at equilibrium at rest, which is what lets KCC2 run."""
    e = real.end
    model = Model(ctx.cell)
    numbers: dict[str, Any] = {"V_mV": e["V_mV"], "E_K_mV": e["E_mV"]["K"], "E_Cl_mV": e["E_mV"]["Cl"],
                               "V_minus_E_K_mV": e["V_mV"] - e["E_mV"]["K"],
                               "E_Cl_minus_E_K_mV": e["E_mV"]["Cl"] - e["E_mV"]["K"]}
    if ctx.groups.get("leak.K"):
        numbers["K_leak_out_ions_s"] = _flux_ions(model, real.y_end, ctx.groups["leak.K"][0].name, "K")
    if ctx.groups.get("kcc2"):
        numbers["kcc2_Cl_out_ions_s"] = _flux_ions(model, real.y_end, "kcc2", "Cl")
    return _q("kcc2", "How does the K-Cl symporter work if K+ is already at equilibrium?", numbers)


def _q_calcium(ctx: _Context, real: Step) -> dict[str, Any]:
    """Ca2+ fluxes (leak and NCX) at rest and at -120 mV, with the resting concentrations."""
    e = real.end
    v_test = -120.0
    numbers: dict[str, Any] = {"V_mV": e["V_mV"], "E_Ca_mV": e["E_mV"]["Ca"], "V_test_mV": v_test,
                               "Ca_in_mM": e["inside_mM"]["Ca"], "Ca_out_mM": e["outside_mM"]["Ca"],
                               "E_NCX_mV": 3 * e["E_mV"]["Na"] - 2 * e["E_mV"]["Ca"],
                               "driving_force_test_mV": v_test - e["E_mV"]["Ca"]}
    model = Model(ctx.cell)
    for group, key in (("ncx", "ncx"), ("leak.Ca", "leak")):
        if ctx.groups.get(group):
            name = ctx.groups[group][0].name
            numbers[f"{key}_Ca_out_rest_ions_s"] = _flux_ions(model, real.y_end, name, "Ca")
            numbers[f"{key}_Ca_out_test_ions_s"] = _flux_ions(model, real.y_end, name, "Ca", v_test)
    return _q("calcium", "At -120 mV, would Ca2+ be pumped out? What does E_Ca = +120 mV mean?",
              numbers)


def _q_atp(ctx: _Context, real: Step, block: Any) -> dict[str, Any]:
    """ATP per mechanism at rest; KCC2 and NCX fluxes before and after a pump block."""
    atp = {k: 0.0 for k in real.active}
    numbers: dict[str, Any] = {"atp_total_per_s": real.atp_per_s}
    model = Model(ctx.cell)
    obs = model.observe(real.y_end[None])
    atp.update({k: float(v[0] * N_A) for k, v in obs.atp.items()})
    numbers["atp_per_s"] = atp
    if block is not None:
        for name, ion in (("kcc2", "Cl"), ("ncx", "Ca")):
            if name in block.flux:
                f = block.flux[name][:, 0, IONS.index(ion)] * N_A
                numbers[f"{name}_{ion}_out_start_ions_s"] = float(f[0])
                numbers[f"{name}_{ion}_out_end_ions_s"] = float(f[-1])
        numbers["block_time_s"] = BLOCK_TIME_S
    return _q("atp", "Do the symporter and the exchanger use ATP?", numbers)


def _q_chloride(ctx: _Context, steps: Sequence[Step]) -> dict[str, Any]:
    """How Cl- entering makes V more negative: steps 5 and 6."""
    s5 = next(s for s in steps if s.key == "5")
    s6 = next(s for s in steps if s.key == "6")
    numbers: dict[str, Any] = {"V5_mV": s5.end["V_mV"], "V6_mV": s6.end["V_mV"],
                               "dV_mV": s6.end["V_mV"] - s5.end["V_mV"],
                               "Cl5_mM": s5.end["inside_mM"]["Cl"], "Cl6_mM": s6.end["inside_mM"]["Cl"],
                               "E_Cl6_mV": s6.end["E_mV"]["Cl"]}
    if not s6.skipped and ctx.groups.get("leak.Cl"):
        name = ctx.groups["leak.Cl"][0].name
        model = Model(ctx.cell_with([g for g in ctx.groups if g != "other"]))
        numbers["Cl_leak_out_ions_s"] = _flux_ions(model, s6.y_end, name, "Cl")
        numbers["Cl_leak_current_pA"] = s6.currents_pA.get(name)
    return _q("chloride", "How can Cl- movement make the inside more negative?", numbers)


def _q_what(ctx: _Context, real: Step) -> dict[str, Any]:
    """What the resting potential is, in numbers: charge on the membrane, balanced currents."""
    e = real.end
    budget = eq.charge_budget(e["V_mV"], _geometry(ctx), z=1, c_in_mM=e["inside_mM"]["K"],
                              capacitance_uF_cm2=ctx.cell.capacitance)
    net = sum(real.currents_pA.values())
    gross = sum(abs(v) for v in real.currents_pA.values())
    return _q("what", "I did not get what resting potential is.",
              {"V_mV": e["V_mV"], "ions_on_membrane": float(budget.ions_count),
               "fraction_of_K": float(budget.fraction), "K_in_mM": e["inside_mM"]["K"],
               "net_current_pA": net, "gross_current_pA": gross, "atp_per_s": real.atp_per_s,
               "K_leak_pA": next((v for k, v in real.currents_pA.items() if k in ctx.names(["leak.K"])), None),
               "Na_leak_pA": next((v for k, v in real.currents_pA.items() if k in ctx.names(["leak.Na"])), None),
               "pump_pA": next((v for k, v in real.currents_pA.items() if k in ctx.names(["pump"])), None)})


def answer_questions(ctx: _Context, steps: Sequence[Step], real: Step) -> list[dict[str, Any]]:
    """Each viewer question of MISSION.md answered by a computed experiment (plain numbers)."""
    block = _pump_block(ctx, real)
    return [_q_what(ctx, real), _q_presets(), _q_anions(steps), _q_pump_share(real),
            _q_maintain(ctx, steps, real, block), _q_finite_bath(ctx, real, block),
            _q_ek90(ctx, real), _q_amount(ctx, real), _q_kcc2(ctx, real), _q_calcium(ctx, real),
            _q_atp(ctx, real, block), _q_chloride(ctx, steps)]
