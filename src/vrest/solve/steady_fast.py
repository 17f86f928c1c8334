"""The fast stage of batched steady states, compiled: each cell's Broyden iterations from its
prediction, then Newton polish with its exact (finite-difference) Jacobian, in one numba call
per share of the cells (no Python between iterations; small loops instead of BLAS calls).

The algorithm, its constants and its acceptance test are those of ``vrest.solve.steady_newton``
(:func:`~vrest.solve.steady_newton.broyden` then :func:`~vrest.solve.steady_newton.polish`,
which stay the reference and the path for models without a compiled form), cell by cell
instead of array by array: a cell is converged when a Newton step with its exact Jacobian is
below STEP_TOL. The residual is that of ``vrest.solve.steady_compiled`` (the model's kernels,
compiled once). ``tests/solve/test_steady_fast.py`` holds the two paths to the same states.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np
from numpy.typing import NDArray

from vrest.solve import compiled, packed, steady_compiled, threads
from vrest.solve.steady_newton import (
    AMOUNT_MAX,
    BROYDEN_TOL,
    CAP,
    CHORD_RATE,
    CHORDS,
    HALVINGS,
    STEP_TOL,
    V_SCALE,
    Result,
)

FloatArray = NDArray[np.float64]
BROYDEN_ITER, POLISH_ITER = 25, 4  # as broyden(max_iter) and polish(max_iter)
MIN_SHARE = 2000  # cells per thread at least (fewer: one thread)


def _residual_one(u, base, k, z_k, offset, p, m, fixed, y, dy, work, r):  # type: ignore[no-untyped-def]
    """The residual of one cell at u into r (as steady_newton.residual): fixed slots zero, NaN
    where the state is infeasible or an amount exceeds AMOUNT_MAX. True when r is finite."""
    if not steady_compiled._state(u, base, k, z_k, offset, p, m, y):
        r[:] = np.nan
        return False
    compiled.rhs_into(y, 0.0, p, dy, work)
    for j in range(4):
        r[j] = 1e-3 * dy[5] if j == k else dy[j] / y[j]
    if m == 5:
        i_w = int(p[compiled.P_IW])
        r[4] = dy[i_w] / y[i_w]
    finite = True
    for j in range(m):
        if fixed[j]:
            r[j] = 0.0
        if j < 4 and not y[j] < AMOUNT_MAX:
            finite = False
    if not finite:
        r[:] = np.nan
    for j in range(m):  # noqa: SIM110 (a loop: compiled, no temporary array)
        if not np.isfinite(r[j]):
            return False
    return True


def _invert(a, out, w):  # type: ignore[no-untyped-def]
    """out = a^-1 by Gauss-Jordan elimination with partial pivoting (a is m x m, m <= 5; w is
    m x 2m scratch); False when a is singular or not finite."""
    m = a.shape[0]
    for i in range(m):
        for j in range(m):
            w[i, j] = a[i, j]
            w[i, m + j] = 1.0 if i == j else 0.0
    for c in range(m):
        piv = c
        for i in range(c + 1, m):
            if abs(w[i, c]) > abs(w[piv, c]):
                piv = i
        if not (abs(w[piv, c]) > 0.0) or not np.isfinite(w[piv, c]):
            return False
        if piv != c:
            for j in range(2 * m):
                w[c, j], w[piv, j] = w[piv, j], w[c, j]
        d = w[c, c]
        for j in range(2 * m):
            w[c, j] /= d
        for i in range(m):
            if i != c and w[i, c] != 0.0:
                f = w[i, c]
                for j in range(2 * m):
                    w[i, j] -= f * w[c, j]
    for i in range(m):
        for j in range(m):
            out[i, j] = w[i, m + j]
            if not np.isfinite(out[i, j]):
                return False
    return True


def _jacobian(u, r, h, cell, s, jac):  # type: ignore[no-untyped-def]
    """Forward-difference Jacobian at u (steady_newton.jacobian): identity rows for fixed
    slots."""
    base, k, z_k, offset, p, m, fixed, hot = cell
    y, dy, work, up, rp = s[0], s[1], s[2], s[3], s[4]
    up[:] = u
    for j in range(m):
        up[j] = u[j] + h
        _residual_one(up, base, k, z_k, offset, p, m, fixed, y, dy, work, rp)
        up[j] = u[j]
        for i in range(m):
            jac[i, j] = (rp[i] - r[i]) / h
    for i in range(m):
        if fixed[i]:
            for j in range(m):
                jac[i, j] = 1.0 if i == j else 0.0


def _neg_matvec(a, x, out):  # type: ignore[no-untyped-def]
    """out = -(a @ x) for a small matrix, by loops (no BLAS call for 5 x 5)."""
    for i in range(a.shape[0]):
        acc = 0.0
        for j in range(x.shape[0]):
            acc -= a[i, j] * x[j]
        out[i] = acc


def _broyden_update(h_inv, step, dr, hy, sh):  # type: ignore[no-untyped-def]
    """Good Broyden update of the inverse Jacobian in place: H += (s - H y) s^T H / (s^T H y)."""
    m = step.shape[0]
    hy[:] = 0.0
    sh[:] = 0.0
    for i in range(m):
        for j in range(m):
            hy[i] += h_inv[i, j] * dr[j]
            sh[j] += step[i] * h_inv[i, j]
    den = 0.0
    for i in range(m):
        den += step[i] * hy[i]
    if np.isfinite(den) and abs(den) > 1e-300:
        for i in range(m):
            for j in range(m):
                h_inv[i, j] += (step[i] - hy[i]) * sh[j] / den


def _scaled(step, hot, m):  # type: ignore[no-untyped-def]
    """max |step| in scaled units (v / V_SCALE)."""
    size = 0.0
    for j in range(m):
        x = abs(step[j]) / V_SCALE if j < 4 and hot[j] else abs(step[j])
        size = max(size, x)
    return size


def _broyden(u, h_inv, cell, s, r):  # type: ignore[no-untyped-def]
    """Good Broyden iterations from u (steady_newton.broyden); True when the scaled step fell
    below BROYDEN_TOL (u, r then hold that point)."""
    base, k, z_k, offset, p, m, fixed, hot = cell
    y, dy, work, trial, r_new, step, dr, hy, sh = s[0], s[1], s[2], s[3], s[4], s[5], s[6], \
        s[7], s[8]
    if not _residual_one(u, base, k, z_k, offset, p, m, fixed, y, dy, work, r):
        return False
    last = np.inf
    for _ in range(BROYDEN_ITER):
        _neg_matvec(h_inv, r, step)
        size = _scaled(step, hot, m)
        if size < BROYDEN_TOL:
            return True
        if not (size < CAP and size < 2.0 * last):
            return False
        for j in range(m):
            trial[j] = u[j] + step[j]
        if not _residual_one(trial, base, k, z_k, offset, p, m, fixed, y, dy, work, r_new):
            return False
        for j in range(m):
            dr[j] = r_new[j] - r[j]
        _broyden_update(h_inv, step, dr, hy, sh)
        u[:] = trial
        r[:] = r_new
        last = size
    return False


def _polish(u, r, cell, s, hh, out_u, out_r, out_jac):  # type: ignore[no-untyped-def]
    """Exact Jacobians and Newton / chord steps (steady_newton.polish): (converged, Jacobians
    used)."""
    base, k, z_k, offset, p, m, fixed, hot = cell
    y, dy, work, step, jac, inv, gj = s[0], s[1], s[2], s[5], s[9], s[10], s[11]
    for it in range(POLISH_ITER):
        _jacobian(u, r, hh, cell, (y, dy, work, s[3], s[4]), jac)
        if not _invert(jac, inv, gj):
            return False, it + 1
        last = np.inf
        for _ in range(CHORDS):
            _neg_matvec(inv, r, step)
            size = 0.0
            for j in range(m):
                size = max(size, abs(step[j]))
            if size < STEP_TOL:
                for j in range(m):
                    out_u[j] = u[j] + step[j]
                out_r[:] = r
                out_jac[:, :] = jac
                return True, it + 1
            if not _scaled(step, hot, m) < CAP:
                return False, it + 1
            if not size < CHORD_RATE * last:
                break
            for j in range(m):
                u[j] += step[j]
            if not _residual_one(u, base, k, z_k, offset, p, m, fixed, y, dy, work, r):
                return False, it + 1
            last = size
    return False, POLISH_ITER


def _scratch(n_core, m):  # type: ignore[no-untyped-def]
    """The scratch arrays of one share of cells: state, dy, rhs work, then trial / r_new /
    step / dr / hy / sh (m each), jac, inv (m x m) and Gauss-Jordan's m x 2m."""
    return (np.empty(n_core), np.empty(n_core), np.empty(packed.WORK), np.empty(m), np.empty(m),
            np.empty(m), np.empty(m), np.empty(m), np.empty(m), np.empty((m, m)),
            np.empty((m, m)), np.empty((m, 2 * m)))


def _solve_cells_py(cells, rows, u0, h0, base, k, z_k, offset, params, fixed, hot, m, hh,  # type: ignore[no-untyped-def]
                    out_u, out_r, out_jac, out_ok, out_iters):
    """Broyden then polish for entries ``cells`` of u0, h0 and the outputs (one share of the
    batch), whose cells are rows ``rows[c]`` of the system's arrays; the scratch arrays are
    made once per share."""
    s = _scratch(base.shape[1], m)
    u, h, r = np.empty(m), np.empty((m, m)), np.empty(m)
    for c in cells:
        u[:] = u0[c]
        h[:, :] = h0[c]
        i = rows[c]
        cell = (base[i], k[i], z_k[i], offset[i], params[i], m, fixed[i], hot[i])
        if not _broyden(u, h, cell, s, r):
            continue
        ok, iters = _polish(u, r, cell, s, hh, out_u[c], out_r[c], out_jac[c])
        out_ok[c] = ok
        out_iters[c] = iters


def _damped_step(u, r, step, cell, s):  # type: ignore[no-untyped-def]
    """u, r after the Newton step capped at CAP (scaled) and halved until the state is
    feasible (steady_newton._damped_step); False when it never was."""
    base, k, z_k, offset, p, m, fixed, hot = cell
    y, dy, work, trial, r_new = s[0], s[1], s[2], s[3], s[4]
    lam = min(1.0, CAP / max(_scaled(step, hot, m), 1e-300))
    for _ in range(HALVINGS + 1):
        for j in range(m):
            trial[j] = u[j] + lam * step[j]
        if _residual_one(trial, base, k, z_k, offset, p, m, fixed, y, dy, work, r_new):
            u[:] = trial
            r[:] = r_new
            return True
        lam *= 0.5
    return False


def _newton_cells_py(u0, base, k, z_k, offset, params, fixed, hot, m, hh, max_iter,  # type: ignore[no-untyped-def]
                     out_u, out_r, out_jac, out_ok, out_iters):
    """Damped Newton from u0 for every cell (steady_newton.newton, cell by cell)."""
    s = _scratch(base.shape[1], m)
    u, r, step, jac, inv = np.empty(m), np.empty(m), s[5], s[9], s[10]
    for c in range(u0.shape[0]):
        cell = (base[c], k[c], z_k[c], offset[c], params[c], m, fixed[c], hot[c])
        u[:] = u0[c]
        live = _residual_one(u, base[c], k[c], z_k[c], offset[c], params[c], m, fixed[c],
                             s[0], s[1], s[2], r)
        it = 0
        while live and it < max_iter:
            it += 1
            _jacobian(u, r, hh, cell, (s[0], s[1], s[2], s[3], s[4]), jac)
            if not _invert(jac, inv, s[11]):
                break
            _neg_matvec(inv, r, step)
            size = 0.0
            for j in range(m):
                size = max(size, abs(step[j]))
            if not np.isfinite(size):
                break
            if size < STEP_TOL:
                for j in range(m):
                    out_u[c, j] = u[j] + step[j]
                out_r[c] = r
                out_jac[c] = jac
                out_ok[c] = True
                break
            live = _damped_step(u, r, step, cell, s)
        out_iters[c] = it


# The residual is one compiled function calling the cached compiled right-hand side (inlining
# that into it made the first compilation take a minute); the small helpers are inlined into
# the two entry points, _solve_cells and _newton_cells.
_residual_one = numba.njit(cache=True, error_model="numpy")(_residual_one)
_invert = numba.njit(inline="always", error_model="numpy")(_invert)
_jacobian = numba.njit(inline="always", error_model="numpy")(_jacobian)
_scaled = numba.njit(inline="always", error_model="numpy")(_scaled)
_neg_matvec = numba.njit(inline="always", error_model="numpy")(_neg_matvec)
_broyden_update = numba.njit(inline="always", error_model="numpy")(_broyden_update)
_broyden = numba.njit(inline="always", error_model="numpy")(_broyden)
_polish = numba.njit(inline="always", error_model="numpy")(_polish)
_scratch = numba.njit(inline="always")(_scratch)
_solve_cells = numba.njit(cache=True, error_model="numpy", nogil=True)(_solve_cells_py)
_damped_step = numba.njit(inline="always", error_model="numpy")(_damped_step)
_newton_cells = numba.njit(cache=True, error_model="numpy")(_newton_cells_py)


def _cells(red: Any) -> tuple[Any, ...]:
    """The per-cell arrays of ``red`` the kernels take (base, k, z_k, offset, params, fixed,
    hot)."""
    b = len(red.k)
    hot = np.zeros((b, max(red.m, 4)), bool)
    hot[:, :4] = red.hot
    return (red.fast.base, np.ascontiguousarray(red.k, dtype=np.int64),
            np.ascontiguousarray(red.z_k, dtype=float),
            np.ascontiguousarray(red.offset, dtype=float), red.fast.params,
            np.ascontiguousarray(red.fixed), hot)


def newton(red: Any, u: FloatArray, max_iter: int = 60) -> Result:
    """Damped Newton from ``u`` for every cell of ``red`` (with a compiled residual), cell by
    cell in compiled code: steady_newton.newton's method and result."""
    b, m = u.shape
    out = Result(u.copy(), np.zeros(b, bool), np.full((b, m), np.nan),
                 np.full((b, m, m), np.nan), np.zeros(b, int))
    with np.errstate(all="ignore"):
        _newton_cells(np.ascontiguousarray(u, dtype=float), *_cells(red), m, float(red.H),
                      int(max_iter), out.u, out.r, out.jac, out.ok, out.iters)
    return out


def broyden_polish(red: Any, guess: FloatArray, jinv: FloatArray,
                   rows: NDArray[np.int_] | None = None) -> Result:
    """Broyden from ``guess`` with inverse Jacobians ``jinv``, then polish, for the cells
    ``rows`` (default all) of the reduced system ``red`` (which has a compiled residual): a
    Result over those cells as polish returns (cells that did not converge are not ok, for the
    robust methods). No sub-system is built; cells are shared among threads (the compiled loop
    releases the GIL)."""
    b, m = guess.shape
    rows = np.arange(b) if rows is None else np.ascontiguousarray(rows, dtype=np.int64)
    out = Result(guess.copy(), np.zeros(b, bool), np.full((b, m), np.nan),
                 np.full((b, m, m), np.nan), np.zeros(b, int))
    arrays = (rows, np.ascontiguousarray(guess, dtype=float),
              np.ascontiguousarray(jinv, dtype=float), *_cells(red), m, float(red.H), out.u,
              out.r, out.jac, out.ok, out.iters)
    with np.errstate(all="ignore"):
        threads.run(lambda cells: _solve_cells(cells, *arrays), threads.interleaved(b, MIN_SHARE))
    return out
