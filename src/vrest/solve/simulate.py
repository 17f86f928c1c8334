"""Time courses: existing stiff solvers, restarted at events: a compiled LSODA (CyRK's) on the
compiled model (vrest.fast, the default), or SciPy's BDF, Radau and LSODA on the vectorised
model (the fallback, taken automatically when the compiled path cannot load here)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from vrest.errors import ParameterError, SolverError
from vrest.model.cell import Cell
from vrest.model.protocol import CONTROL, Protocol, Segment, segments
from vrest.model.rhs import Model
from vrest.solve.results import Part, TimeCourse

METHODS = ("auto", "compiled", "BDF", "Radau", "LSODA")
COMPILED_ATOL = 1e-10  # the compiled LSODA's absolute tolerance (one for all state columns)
MAX_POINTS = 2_000_000
MAX_STEPS = 500_000  # compiled LSODA steps per segment before a solve gives up (about 1 s)


def default_atol(model: Model) -> NDArray[np.float64]:
    """Absolute tolerances per state column: ions and w 1e-10 (mM, 1), v 1e-6 mV, amounts
    outside 1e-6 mM."""
    lay = model.layout
    atol = np.full(lay.size, 1e-10)
    atol[5] = 1e-6
    atol[lay.out] = 1e-6
    return np.tile(atol, model.batch_size)


def compiled_unavailable() -> str:
    """Why the compiled path (numba + CyRK's LSODA) cannot run on this machine; "" when it can
    (then ``method="auto"`` takes it, otherwise SciPy's BDF)."""
    import importlib.util

    from vrest.solve import lsoda

    if importlib.util.find_spec("numba") is None:
        return "numba is not installed"
    return lsoda.unavailable_reason()


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
             method: str = "auto", rtol: float | None = None,
             atol: ArrayLike | None = None, max_steps: int = MAX_STEPS) -> TimeCourse:
    """Simulate ``cell`` (or a batch of cells) through ``protocol``.

    Times in s. ``t_end``/``dt`` default to the protocol's. ``y0`` (state, shape (n,) or (B, n))
    replaces the cell's starting state (e.g. a steady state). The solver restarts at each event.
    ``method``: "auto" (default) takes "compiled" (vrest.fast: numba-compiled kernels with
    CyRK's compiled LSODA, cell by cell, batches on parallel threads) when it can load here,
    else "BDF" (``compiled_unavailable()`` says why; the TimeCourse names its method, and
    ``solver_note`` the reason for a fallback);
    "BDF", "Radau", "LSODA" are SciPy's solve_ivp methods on the vectorised model (a batch as
    one block-diagonal system). ``rtol`` defaults to 1e-6 for "compiled" and 1e-7 for the
    others (both keep P1's V within 0.01 mV of a tight solve; see the tests). "compiled" takes
    one absolute tolerance (default 1e-10; an array gives its smallest entry) and gives up on a
    segment after ``max_steps`` steps (the explorer's server, whose compute budget bounds the
    time instead, allows more).
    Returns a TimeCourse; raises SolverError with time, state and likely cause if a solve fails.
    """
    protocol = protocol or CONTROL
    if method not in METHODS:
        raise ParameterError(f"method: {method!r} is not allowed; choose one of {', '.join(METHODS)}")
    t_end = float(protocol.t_end if t_end is None else t_end)
    times = output_times(t_end, protocol.dt if dt is None and t_eval is None else dt, t_eval)
    segs = segments(cell, protocol, t_end, batch)
    note = ""
    if method in ("auto", "compiled"):
        why = compiled_unavailable()
        if method == "compiled" and why:
            raise ParameterError(f"method 'compiled' is not available here: {why}; use 'BDF'")
        if why:
            note = f"SciPy BDF used: the compiled solver is unavailable ({why})"
        method = "BDF" if why else "compiled"
    rtol = (1e-6 if method == "compiled" else 1e-7) if rtol is None else float(rtol)
    if not (0 < rtol < 1):
        raise ParameterError(f"rtol: {rtol!r} is not allowed; must be in (0, 1)")
    if isinstance(max_steps, bool) or not 1 <= int(max_steps) <= 10**9:
        raise ParameterError(f"max_steps: {max_steps!r} is not allowed; must be in [1, 1e9]")
    y = None
    parts: list[Part] = []
    stats = {"nfev": 0, "njev": 0, "nlu": 0, "segments": len(segs)}
    for k, seg in enumerate(segs):
        model = Model(seg.cell, seg.batch)
        y = _start_state(model, seg, y, y0)
        last = k == len(segs) - 1
        mask = (times >= seg.t0) & ((times <= seg.t1) if last else (times < seg.t1))
        if method == "compiled":
            ys, y = _solve_compiled(model, seg, y, times[mask], rtol, atol, int(max_steps),
                                    stats)
        else:
            ys, y = _solve(model, seg, y, times[mask], method, rtol, atol, stats)
        parts.append(Part(model, times[mask], ys[: int(mask.sum())], seg))
    return TimeCourse.from_parts(parts, protocol=protocol, stats=stats, method=method, rtol=rtol,
                                 solver_note=note)


def _start_state(model: Model, seg: Segment, y: NDArray[np.float64] | None,
                 y0: ArrayLike | None) -> NDArray[np.float64]:
    """The state a segment starts from; a finite bath changed at its start is refilled."""
    if y is None and y0 is None:
        return model.y0
    if y is None:
        start = np.array(y0, dtype=float).reshape(-1, model.layout.size)
        if start.shape[0] == 1 and model.batch_size > 1:
            start = np.repeat(start, model.batch_size, axis=0)
        if start.shape != model.y0.shape or not np.all(np.isfinite(start)):
            raise ParameterError(f"y0: expected a finite state of shape {model.y0.shape}, got "
                                 f"{np.shape(y0)}")
        y = start
    y = y.copy()
    if model.finite_bath and seg.bath_changed:
        w = y[:, model.layout.i_w] if model.layout.i_w is not None else 1.0
        bath_vol = model.ratio - (w - 1.0)
        for ion in seg.bath_changed:
            i = ("Na", "K", "Cl", "Ca").index(ion)
            y[:, model.layout.out.start + i] = model.c_out0[:, i] * bath_vol
    return y


def _solve_compiled(model: Model, seg: Segment, y: NDArray[np.float64],
                    t_eval: NDArray[np.float64], rtol: float, atol: ArrayLike | None,
                    max_steps: int, stats: dict[str, int]) -> tuple[
                        NDArray[np.float64], NDArray[np.float64]]:
    """One segment, every cell on its own, through the compiled LSODA: with the right-hand
    side run by Python for a single cell in a process that has not loaded numba
    (``vrest.solve.interpreted``), else compiled (``vrest.solve.compiled``)."""
    from vrest.solve import interpreted

    tol = COMPILED_ATOL if atol is None else float(np.min(np.asarray(atol, dtype=float)))
    if not np.isfinite(tol) or tol <= 0:
        raise ParameterError(f"atol: {atol!r} is not allowed; must be finite and > 0")
    times = t_eval if t_eval.size and t_eval[0] == seg.t0 else np.concatenate([[seg.t0], t_eval])
    if times[-1] < seg.t1:
        times = np.append(times, seg.t1)
    if times.size == 1:
        times = np.array([seg.t0, seg.t1])
    found = interpreted.solve_segment(model, y, times, rtol, tol, max_steps) \
        if interpreted.active(model.batch_size) else None
    stats["interpreted"] = stats.get("interpreted", 0) + (found is not None)
    if found is None:
        from vrest.solve import compiled as fast

        if not fast.AVAILABLE:  # numba is installed but did not import
            raise SolverError("the compiled solver could not load (numba failed to import); "
                              "use method='BDF', or set VREST_NO_COMPILED=1")
        found = fast.solve_segment(model, y, times, rtol, tol, max_steps)
    sol, ok, messages = found
    if not ok.all():
        b = int(np.argmin(ok))
        good = np.all(np.isfinite(sol[:, b]), axis=1)
        reached = int(np.argmin(good)) - 1 if not good.all() else times.size - 1
        at = max(reached, 0)
        state = dict(zip(model.layout.names, np.round(sol[at, b] if reached >= 0 else y[b], 6)
                         .tolist(), strict=True))
        raise SolverError(
            f"solver (compiled LSODA: {messages[b]}) failed for cell {b} after t = "
            f"{times[at]:g} s in segment "
            f"[{seg.t0:g}, {seg.t1:g}] s; state there: {state}; likely cause: "
            f"{_likely_cause(sol[at, b] if reached >= 0 else y[b])}")
    first = 0 if t_eval.size and t_eval[0] == seg.t0 else 1
    return sol[first: first + t_eval.size], sol[-1]


def _likely_cause(last: NDArray[np.float64]) -> str:
    if np.any(last[:4] <= 0) or not np.all(np.isfinite(last)):
        return "the state left the physical range (a concentration or volume reached zero)"
    return "the system is too stiff or a parameter is extreme; try method='Radau' or a smaller rtol"


def _solve(model: Model, seg: Segment, y: NDArray[np.float64], t_eval: NDArray[np.float64],
           method: str, rtol: float, atol: ArrayLike | None, stats: dict[str, int]) -> tuple[
               NDArray[np.float64], NDArray[np.float64]]:
    sol = _solve_ivp(model, seg, y, t_eval, method, rtol, atol)
    for key in ("nfev", "njev", "nlu"):
        stats[key] += int(getattr(sol, key))
    ys = sol.y.reshape(model.batch_size, model.layout.size, -1).transpose(2, 0, 1)
    return ys, sol.y[:, -1].reshape(model.batch_size, model.layout.size)  # end at seg.t1


def _solve_ivp(model: Model, seg: Segment, y: NDArray[np.float64], t_eval: NDArray[np.float64],
               method: str, rtol: float, atol: ArrayLike | None) -> Any:
    from scipy.integrate import solve_ivp  # lazy: the compiled path does not need it

    from vrest.solve.jacobian import block_jacobian

    n, b = model.layout.size, model.batch_size
    options: dict[str, Any] = {}
    if method != "LSODA":
        options["vectorized"] = True
        if b > 1:  # block diagonal: every block from one vectorised call (vrest.jacobian)
            options["jac"] = block_jacobian(model)
    tol = default_atol(model) if atol is None else np.broadcast_to(np.asarray(atol, float), (b * n,))
    t_span = (seg.t0, seg.t1)
    if t_eval.size == 0 or t_eval[-1] < seg.t1:
        t_eval = np.append(t_eval, seg.t1)
    with np.errstate(all="ignore"):
        try:
            sol = solve_ivp(model.rhs_flat, t_span, y.reshape(-1), method=method, t_eval=t_eval,
                            rtol=rtol, atol=tol, **options)
        except (ValueError, RuntimeError) as exc:  # non-finite values or a singular LU
            raise SolverError(
                f"solver failed in segment [{seg.t0:g}, {seg.t1:g}] s ({exc}); likely cause: the "
                "state left the physical range (a concentration reached zero or V diverged); "
                f"starting state of cell 0: {dict(zip(model.layout.names, y[0].round(6).tolist(), strict=True))}"
            ) from None
    if not sol.success or not np.all(np.isfinite(sol.y)):
        raise _failure(model, seg, sol, y)
    return sol


def _failure(model: Model, seg: Segment, sol: Any, y_start: NDArray[np.float64]) -> SolverError:
    times, ys = np.asarray(sol.t, dtype=float), np.asarray(sol.y, dtype=float)
    if times.size:  # the last output time reached, and the state there
        where, last = f"at t = {float(times[-1]):g} s", ys[:, -1]
    else:  # failed before the first output time: report the segment's start
        where, last = f"after t = {seg.t0:g} s (before the first output time; state at t0)", None
    start = last if last is not None else y_start.reshape(-1)
    state = dict(zip(model.layout.names, np.round(start[: model.layout.size], 6).tolist(),
                     strict=True))
    cause = _likely_cause(start) if last is not None else (
        "the system is too stiff for these tolerances or a parameter is extreme; try a larger "
        "rtol/atol or method='Radau'")
    return SolverError(f"solver {sol.message!r} {where} in segment [{seg.t0:g}, {seg.t1:g}] s; "
                       f"state of cell 0: {state}; likely cause: {cause}")
