"""The steady states Newton's method could not find from any start: integrate the time course
for a long time with a stiff implicit method, then polish its end with Newton.

Only the cells that failed come here (the batched path stays fast). Each is integrated with
SciPy's Radau (an implicit Runge-Kutta method, L-stable) through :func:`vrest.simulate` to
``T_END`` at ``RTOL``; where Radau fails, BDF at a looser tolerance is tried. Newton then
starts from the end state, with the ion whose amount follows from the charge re-chosen there
(the most abundant one at the end: an ion driven close to zero, such as Na+ under a constant
pump, cannot be computed as a small difference of large charges). Cells whose end state still
fails are reported with the reason.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from vrest.errors import VrestError
from vrest.solve.steady_newton import Result, newton
from vrest.solve.steady_system import FloatArray, ReducedSystem
from vrest.solve.steady_verify import MAX_SWELL

T_END = 1e6  # s: long enough for the slowest pump-leak time scales (hours) many times over
RTOL = 1e-10  # Radau's relative tolerance (amounts' absolute tolerance: simulate's default)
#: (method, rtol) tried in turn for each failed cell
METHODS: tuple[tuple[str, float], ...] = (("Radau", RTOL), ("BDF", 1e-6))


def time_course_end(red: ReducedSystem, cells: NDArray[np.int_]) -> tuple[FloatArray, list[str]]:
    """State at T_END of each cell (rows; NaN where every method failed) and the errors."""
    from vrest.solve.simulate import simulate

    sub = red.take(cells)
    y_end = np.full(sub.base.shape, np.nan)
    errors = [""] * cells.size
    for j in range(cells.size):
        one = sub.take(np.array([j]))
        for method, rtol in METHODS:
            try:
                tc = simulate(one.model.cell, t_end=T_END, t_eval=np.array([T_END]),
                              batch=one.batch or None, y0=one.base, method=method, rtol=rtol)
            except (VrestError, ArithmeticError, RuntimeError, ValueError) as exc:
                errors[j] = f"{method}: {exc}"
                continue
            y_end[j], errors[j] = tc.y[-1, 0], ""
            break
    return y_end, errors


def rechoose_charge_ion(red: ReducedSystem, cells: NDArray[np.int_], y: FloatArray) -> None:
    """For ``cells``, let the most abundant moving ion of the states ``y`` follow from the
    charge (in place)."""
    k = red.k.copy()
    moving = ~red.fixed[cells, :4]
    finite = np.all(np.isfinite(y[:, :4]), axis=1) & moving.any(axis=1) & (k[cells] >= 0)
    amounts = np.where(moving, y[:, :4], -np.inf)
    k[cells[finite]] = np.argmax(amounts[finite], axis=1)
    red._set_k(k)


def retry_after_transient(red: ReducedSystem, sol: Result, retry: NDArray[np.bool_],
                          messages: list[str], max_iter: int) -> None:
    """Integrate the failed cells for a long time, then Newton from there (updates ``sol``,
    ``messages`` and the charge-ion choice of ``red`` in place)."""
    bad = np.flatnonzero(retry)
    y_end, errors = time_course_end(red, bad)
    rechoose_charge_ion(red, bad, y_end)
    sub = red.take(bad)
    start = np.where(np.isfinite(y_end), y_end, sub.base)
    res = newton(sub, sub.unknowns(start), max_iter)
    res.ok &= np.all(np.isfinite(y_end), axis=1)
    good = bad[res.ok]
    sol.u[good], sol.r[good], sol.jac[good] = res.u[res.ok], res.r[res.ok], res.jac[res.ok]
    sol.ok[good] = True
    i_w = red.model.layout.i_w
    for j, i in enumerate(bad):
        if res.ok[j]:
            continue
        if errors[j]:
            messages[i] = ("no steady state: Newton failed and a long time course failed too "
                           f"({errors[j]})")
        elif i_w is not None and y_end[j, i_w] > MAX_SWELL:
            messages[i] = ("no finite steady state: the cell swells without bound "
                           f"(volume x{y_end[j, i_w]:.3g} after {T_END:g} s)")
        else:
            messages[i] = ("no steady state found: the root finder did not converge, even from "
                           f"the end of a {T_END:g} s time course")
