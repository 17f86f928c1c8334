"""Time courses: existing stiff solvers (SciPy's BDF, Radau, LSODA), restarted at events."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray
from scipy.integrate import solve_ivp

from vrest.cell import Cell
from vrest.errors import ParameterError, SolverError
from vrest.model import Model
from vrest.protocol import CONTROL, Protocol, Segment, segments
from vrest.results import TimeCourse, observe_segment

METHODS = ("BDF", "Radau", "LSODA")
MAX_POINTS = 2_000_000


def default_atol(model: Model) -> NDArray[np.float64]:
    """Absolute tolerances per state column: ions 1e-10 mM, v 1e-6 mV, w 1e-10, out 1e-6."""
    lay = model.layout
    atol = np.full(lay.size, 1e-10)
    atol[5] = 1e-6
    atol[lay.out] = 1e-6
    return np.tile(atol, model.batch_size)


def output_times(t_end: float, dt: float | None, t_eval: ArrayLike | None) -> NDArray[np.float64]:
    """Checked output times (s)."""
    if not np.isfinite(t_end) or t_end <= 0:
        raise ParameterError(f"t_end: {t_end!r} s is not allowed; must be finite and > 0")
    if t_eval is not None:
        times = np.asarray(t_eval, dtype=float)
        if times.ndim != 1 or times.size == 0 or np.any(~np.isfinite(times)) or \
                np.any(np.diff(times) <= 0) or times[0] < 0 or times[-1] > t_end:
            raise ParameterError("t_eval: must be increasing finite times within [0, t_end] s")
        return times
    step = t_end / 1000 if dt is None else float(dt)
    if not np.isfinite(step) or step <= 0:
        raise ParameterError(f"dt: {dt!r} s is not allowed; must be > 0")
    n = int(np.floor(t_end / step + 1e-9)) + 1
    if n > MAX_POINTS:
        raise ParameterError(f"dt: {step:g} s over {t_end:g} s gives {n} output points; at most "
                             f"{MAX_POINTS} are allowed")
    times = np.arange(n) * step
    return times if times[-1] >= t_end - 1e-9 * t_end else np.append(times, t_end)


def simulate(cell: Cell, protocol: Protocol | None = None, t_end: float | None = None,
             dt: float | None = None, t_eval: ArrayLike | None = None,
             batch: Mapping[str, ArrayLike] | None = None, y0: ArrayLike | None = None,
             method: str = "BDF", rtol: float = 1e-7, atol: ArrayLike | None = None) -> TimeCourse:
    """Simulate ``cell`` (or a batch of cells) through ``protocol``.

    Times in s. ``t_end``/``dt`` default to the protocol's. ``y0`` (state, shape (n,) or (B, n))
    replaces the cell's starting state (e.g. a steady state). The solver restarts at each event.
    Returns a TimeCourse; raises SolverError with time, state and likely cause if a solve fails.
    """
    protocol = protocol or CONTROL
    if method not in METHODS:
        raise ParameterError(f"method: {method!r} is not allowed; choose one of {', '.join(METHODS)}")
    if not (0 < rtol < 1):
        raise ParameterError(f"rtol: {rtol!r} is not allowed; must be in (0, 1)")
    t_end = float(protocol.t_end if t_end is None else t_end)
    times = output_times(t_end, protocol.dt if dt is None and t_eval is None else dt, t_eval)
    segs = segments(cell, protocol, t_end, batch)
    y = None
    parts: list[dict[str, Any]] = []
    stats = {"nfev": 0, "njev": 0, "nlu": 0, "segments": len(segs)}
    for k, seg in enumerate(segs):
        model = Model(seg.cell, seg.batch)
        y = _start_state(model, seg, y, y0)
        last = k == len(segs) - 1
        mask = (times >= seg.t0) & ((times <= seg.t1) if last else (times < seg.t1))
        sol = _solve(model, seg, y, times[mask], method, rtol, atol)
        for key in ("nfev", "njev", "nlu"):
            stats[key] += int(getattr(sol, key))
        ys = sol.y.reshape(model.batch_size, model.layout.size, -1).transpose(2, 0, 1)
        y = sol.y[:, -1].reshape(model.batch_size, model.layout.size)  # the state at seg.t1
        parts.append(observe_segment(model, times[mask], ys[: int(mask.sum())], seg))
    return TimeCourse.from_parts(parts, protocol=protocol, stats=stats, method=method, rtol=rtol)


def _start_state(model: Model, seg: Segment, y: NDArray[np.float64] | None,
                 y0: ArrayLike | None) -> NDArray[np.float64]:
    if y is None:
        if y0 is None:
            return model.y0
        start = np.array(y0, dtype=float).reshape(-1, model.layout.size)
        if start.shape[0] == 1 and model.batch_size > 1:
            start = np.repeat(start, model.batch_size, axis=0)
        if start.shape != model.y0.shape or not np.all(np.isfinite(start)):
            raise ParameterError(f"y0: expected a finite state of shape {model.y0.shape}, got "
                                 f"{np.shape(y0)}")
        return start
    y = y.copy()
    if model.finite_bath and seg.bath_changed:
        w = y[:, model.layout.i_w] if model.layout.i_w is not None else 1.0
        bath_vol = model.ratio - (w - 1.0)
        for ion in seg.bath_changed:
            i = ("Na", "K", "Cl", "Ca").index(ion)
            y[:, model.layout.out.start + i] = model.c_out0[:, i] * bath_vol
    return y


def _solve(model: Model, seg: Segment, y: NDArray[np.float64], t_eval: NDArray[np.float64],
           method: str, rtol: float, atol: ArrayLike | None) -> Any:
    n, b = model.layout.size, model.batch_size
    options: dict[str, Any] = {}
    if method != "LSODA":
        options["vectorized"] = True
        if b > 1:
            options["jac_sparsity"] = sp.block_diag([np.ones((n, n))] * b, format="csc")
    tol = default_atol(model) if atol is None else np.broadcast_to(np.asarray(atol, float), (b * n,))
    t_span = (seg.t0, seg.t1)
    if t_eval.size == 0 or t_eval[-1] < seg.t1:
        t_eval = np.append(t_eval, seg.t1)
    with np.errstate(all="ignore"):
        try:
            sol = solve_ivp(model.rhs_flat, t_span, y.reshape(-1), method=method, t_eval=t_eval,
                            rtol=rtol, atol=tol, **options)
        except ValueError as exc:  # non-finite values inside the solver's linear algebra
            raise SolverError(
                f"solver failed in segment [{seg.t0:g}, {seg.t1:g}] s ({exc}); likely cause: the "
                "state left the physical range (a concentration reached zero or V diverged); "
                f"starting state of cell 0: {dict(zip(model.layout.names, y[0].round(6).tolist(), strict=True))}"
            ) from None
    if not sol.success or not np.all(np.isfinite(sol.y)):
        raise _failure(model, seg, sol)
    return sol


def _failure(model: Model, seg: Segment, sol: Any) -> SolverError:
    t = float(sol.t[-1]) if sol.t.size else seg.t0
    last = sol.y[:, -1] if sol.y.size else np.full(model.layout.size * model.batch_size, np.nan)
    state = dict(zip(model.layout.names, np.round(last[: model.layout.size], 6).tolist(), strict=True))
    cause = "the state left the physical range (a concentration or volume reached zero)" \
        if np.any(last[: 4] <= 0) or not np.all(np.isfinite(last)) else \
        "the system is too stiff or a parameter is extreme; try method='Radau' or a smaller rtol"
    return SolverError(f"solver {sol.message!r} at t = {t:g} s in segment [{seg.t0:g}, {seg.t1:g}] s; "
                       f"state of cell 0: {state}; likely cause: {cause}")
