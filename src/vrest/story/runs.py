"""Running one step of the story: a simulation to rest from the previous state, its trace, the
time it takes to settle, the steady state that confirms the end point.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np

from vrest.errors import VrestError
from vrest.model.cell import Cell
from vrest.model.mechanisms import Water
from vrest.model.protocol import Protocol
from vrest.model.rhs import Model
from vrest.physics.constants import N_A
from vrest.solve.simulate import simulate
from vrest.solve.steady import steady_state
from vrest.story.context import Context, analysis, moved_amounts, state_numbers
from vrest.story.records import (
    C_TOL,
    END_TOL_MV,
    IONS,
    LECTURE,
    N_OUT,
    V_TOL_MV,
    FloatArray,
    Step,
    Trace,
)

# ------------------------------------------------------------------------------- running a step


def output_times(t_end: float) -> FloatArray:
    """Output times (s): 0 and N_OUT geometric steps up to t_end (ms to hours in one grid)."""
    return np.concatenate([[0.0], np.geomspace(t_end * 1e-7, t_end, N_OUT)])


def _trace(ctx: Context, tc: Any, y0: FloatArray) -> Trace:
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


def steady_at(cell: Cell, y0: FloatArray) -> Any:
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


def simulate_to_rest(cell: Cell, y0: FloatArray, ss: Any, protocol: Protocol | None = None,
                      t_min: float = 0.0) -> Any:
    """Simulate until the steady state ``ss`` is reached (t_end grows tenfold up to 4 times)."""
    tau = None if isinstance(ss, str) else ss.summary()["slowest_time_constant_s"]
    t_end = max(10.0 * (tau or 1e3), 2.0 * t_min, 1e-3)
    for _ in range(5):
        tc = simulate(cell, protocol, t_end=t_end, t_eval=output_times(t_end), y0=y0)
        if isinstance(ss, str) or (abs(tc.V[-1, 0] - ss.V[0]) < END_TOL_MV and np.all(
                np.abs(np.log(tc.c_in[-1, 0] / ss.c_in[0])) < 1e-4)):
            return tc
        t_end *= 10.0
    return tc


def make_step(ctx: Context, key: str, title: str, cell: Cell, y0: FloatArray, tc: Any,
          chain: bool = True, added: Sequence[str] = (), paused: Sequence[str] = (),
          ss: Any = "no steady state sought", extra: dict[str, Any] | None = None) -> Step:
    """Collect every number of a simulated step."""
    model = Model(cell)
    y1 = tc.y[-1, 0]
    start, end = state_numbers(model, y0), state_numbers(model, y1)
    tr = _trace(ctx, tc, y0)
    steady = None if ss == "no steady state sought" else _steady_numbers(ss, end)
    ref_v, ref_c = (ss.V[0], ss.c_in[0]) if steady and steady["exists"] else (tr.V[-1], tr.c_in[-1])
    settle = _settle_time(tr, float(ref_v), np.asarray(ref_c)) if steady else None
    duration = float(tc.t[-1])
    shown = duration if not settle else min(duration, max(2.5 * settle, duration * 1e-6))
    return Step(
        key, title, chain, tuple(m.name for m in cell.mechanisms if not isinstance(m, Water)),
        tuple(added), tuple(paused), "", duration, settle, shown, start, end,
        moved_amounts(ctx, model, y0, y1), float(tc.atp_total[-1, 0]),
        {k: float(v[-1, 0]) for k, v in tc.current.items()},
        {k: {ion: float(f[-1, 0, i] * N_A) for i, ion in enumerate(IONS)} for k, f in tc.flux.items()},
        steady,
        analysis(ctx, cell, y1), [], extra or {}, tr, y1)


def skipped_step(ctx: Context, key: str, title: str, y0: FloatArray, reason: str) -> Step:
    """A step the preset cannot take (it lacks the mechanism); the state passes through."""
    model = Model(ctx.bare)
    state = state_numbers(model, y0)
    zero = np.zeros((1, 4))
    tr = Trace(np.zeros(1), np.array([state["V_mV"]]), np.array([list(state["E_mV"].values())]),
               np.array([list(state["inside_mM"].values())]), zero, np.array([state["X_mM"]]))
    return Step(key, title, True, (), (), (), reason, 0.0, None, 0.0, state, state,
                {ion: {"mol": 0.0, "ions": 0.0, "fraction": 0.0} for ion in IONS}, 0.0, {}, {},
                None, {}, [], {}, tr, y0)


def with_lecture(step: Step, rows: Sequence[tuple[str, str, float | None, str]]) -> Step:
    """Attach the lecture's figures next to the model's: (quantity, LECTURE key, model, unit)."""
    table = [{"quantity": q, "lecture": LECTURE[k], "model": v, "unit": u} for q, k, v, u in rows]
    return dataclasses.replace(step, lecture=table)
