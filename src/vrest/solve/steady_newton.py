"""Root-finding kernels for batched steady states, on the reduced system of vrest.solve.steady.

Every kernel works on a batch of independent cells at once. The reduced system (``red``, a
``vrest.solve.steady_system._Reduced``) has ``m`` unknowns per cell (log amounts, and v in mV in one slot);
its residual is a vectorised model call. Kernels report per cell whether they converged, with
the residual and the finite-difference Jacobian at the returned point (for stability and for
neighbouring cells), so no caller has to evaluate them again.

- :func:`newton`: damped Newton (steps capped at a factor e^0.5 per amount / 12.5 mV; halved
  while the state is infeasible). Robust from reasonable starts; costs m + 1 model
  evaluations per iteration.
- :func:`broyden`: quasi-Newton from a good start and an approximate inverse Jacobian (from a
  neighbouring cell); about one model evaluation per iteration.
- :func:`polish`: the exact finite-difference Jacobian at the end, then Newton and chord steps
  until a step is below ``STEP_TOL``: the convergence test every Broyden result passes.
- :func:`refine`: a few more exact Newton steps for cells at their noise floor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

STEP_TOL = 1e-8  # converged when no log-amount (or v, in mV) would change by more
V_SCALE = 25.0  # mV counted as one log unit when steps are compared or capped
CAP = 0.5  # largest damped-Newton step, in scaled units (log amounts; v / V_SCALE)
STACK_MAX = 4096  # cells x unknowns up to which Jacobian columns are evaluated in one call
SHRINK = 0.25  # rebuild the sub-batch when fewer than this fraction of its cells are active
MIN_SHRINK = 256  # ... and it has more cells than this (else the cost is per call)
AMOUNT_MAX = 1e5  # mM (per starting volume): amounts beyond this are not physical
HALVINGS = 10  # a damped step cut more often than this (factor 1024) counts as a failure
CHORDS = 3  # chord steps at most per exact Jacobian in polish
BROYDEN_TOL = 1e-5  # Broyden hands over to polish below this step (scaled units)
CHORD_RATE = 0.1  # ... taken while each step is at most this fraction of the previous one


@dataclass
class Result:
    """Per-cell outcome of a kernel (arrays over the cells it was given)."""

    u: FloatArray  # (B, m) unknowns
    ok: BoolArray  # (B,) converged
    r: FloatArray  # (B, m) residual at u (converged cells: before the last step < STEP_TOL)
    jac: FloatArray  # (B, m, m) Jacobian at u (likewise; NaN where not computed)
    iters: NDArray[np.int_]  # (B,) iterations used


def weights(red: Any) -> FloatArray:
    """Scale of each unknown: 1 per log unit, 1 / V_SCALE per mV."""
    w = np.where(red.hot, 1.0 / V_SCALE, 1.0)
    return w if red.m == 4 else np.concatenate([w, np.ones((w.shape[0], 1))], axis=1)


def residual(red: Any, u: FloatArray) -> FloatArray:
    """Residual with the slots of fixed (unmoved) ions set to zero; NaN for states outside
    the physical range (an amount above AMOUNT_MAX), which the methods treat as infeasible.

    (As amounts grow without bound every d(ln amount)/dt tends to zero: a spurious root at
    infinity that Newton's method can otherwise chase.)"""
    r, y = red.residual(u)
    r = np.where(red.fixed, 0.0, r)
    return np.where(np.all(y[..., :4] < AMOUNT_MAX, axis=-1)[..., None], r, np.nan)


def jacobian(red: Any, u: FloatArray, r: FloatArray) -> FloatArray:
    """Forward-difference Jacobian (B, m, m); identity rows for fixed slots.

    Small batches evaluate all columns in one stacked call; large ones column by column,
    which keeps the arrays in cache and is faster per cell.
    """
    b, m = u.shape
    h = red.H
    if b * m <= STACK_MAX:
        pert = np.repeat(u[None], m, axis=0)
        for j in range(m):
            pert[j, :, j] += h
        rp = residual(red, pert)
        jac = np.moveaxis((rp - r[None]) / h, 0, -1)
    else:
        jac = np.empty((b, m, m))
        for j in range(m):
            up = u.copy()
            up[:, j] += h
            jac[:, :, j] = (residual(red, up) - r) / h
    return np.where(red.fixed[:, :, None], np.eye(m)[None], jac)


def solve(jac: FloatArray, r: FloatArray) -> tuple[FloatArray, BoolArray]:
    """Newton steps -J^-1 r for a batch, and which cells had a usable (finite, regular) J."""
    m = r.shape[-1]
    good = np.all(np.isfinite(jac), axis=(1, 2)) & np.all(np.isfinite(r), axis=1)
    a = np.where(good[:, None, None], jac, np.eye(m)[None])
    det = np.linalg.det(a)
    good &= np.isfinite(det) & (det != 0)
    a[~good] = np.eye(m)
    step = -np.linalg.solve(a, np.where(good[:, None], r, 0.0)[..., None])[..., 0]
    good &= np.all(np.isfinite(step), axis=1)
    return np.where(good[:, None], step, 0.0), good


def inverse(jac: FloatArray) -> tuple[FloatArray, BoolArray]:
    """Batched inverse of Jacobians, and which were regular."""
    m = jac.shape[-1]
    good = np.all(np.isfinite(jac), axis=(1, 2))
    a = np.where(good[:, None, None], jac, np.eye(m)[None])
    det = np.linalg.det(a)
    good &= np.isfinite(det) & (det != 0)
    a[~good] = np.eye(m)
    return np.linalg.inv(a), good


class _Active:
    """The cells still iterating. Arrays passed around cover the cells of ``red`` (a sub-batch);
    ``live`` marks those still iterating. When most have finished, ``red`` is rebuilt on the
    live cells only, so finished cells stop costing model evaluations."""

    def __init__(self, red: Any, n: int) -> None:
        self.red, self.idx, self.live = red, np.arange(n), np.ones(n, bool)

    def compact(self, *arrays: FloatArray) -> tuple[FloatArray, ...]:
        """Drop finished cells from ``red`` (and from ``arrays``) when worthwhile."""
        keep = self.live
        n_live = int(np.count_nonzero(keep))
        if n_live == keep.size or (keep.size <= MIN_SHRINK and n_live) \
                or n_live >= SHRINK * keep.size:
            return arrays
        sel = np.flatnonzero(keep)
        self.idx, self.live = self.idx[sel], np.ones(sel.size, bool)
        if sel.size:
            self.red = self.red.take(sel)
        return tuple(a[sel] for a in arrays)

    @property
    def any(self) -> bool:
        return bool(self.live.any())


def newton(red: Any, u: FloatArray, max_iter: int = 60) -> Result:
    """Damped Newton from ``u`` for every cell of ``red``."""
    b, m = u.shape
    out = _empty(u)
    act = _Active(red, b)
    u = u.copy()
    with np.errstate(all="ignore"):
        r = residual(red, u)
    for _ in range(max_iter):
        jac = jacobian(act.red, u, r)
        step, good = solve(jac, r)
        done = act.live & good & (np.max(np.abs(step), axis=1) < STEP_TOL)
        out.iters[act.idx[act.live]] += 1
        _store(out, act.idx, done, u + step, r, jac)
        act.live &= good & ~done
        u, r, feasible = _damped_step(act.red, u, r, step, act.live)
        act.live &= feasible
        u, r = act.compact(u, r)
        if not act.any:
            break
    return out


def _empty(u: FloatArray) -> Result:
    b, m = u.shape
    return Result(u.copy(), np.zeros(b, bool), np.full((b, m), np.nan),
                  np.full((b, m, m), np.nan), np.zeros(b, int))


def _store(out: Result, idx: NDArray[np.int_], done: BoolArray, u: FloatArray, r: FloatArray,
           jac: FloatArray) -> None:
    """Record converged cells: u after their last (tiny) Newton step; r and jac from just
    before it."""
    sel = idx[done]
    out.u[sel], out.r[sel], out.jac[sel] = u[done], r[done], jac[done]
    out.ok[sel] = True


def _damped_step(red: Any, u: FloatArray, r: FloatArray, step: FloatArray,
                 live: BoolArray) -> tuple[FloatArray, FloatArray, BoolArray]:
    """Take the Newton step on live cells, capped and halved until the state is feasible."""
    size = np.max(np.abs(step) * weights(red), axis=1)
    lam = np.minimum(1.0, CAP / np.maximum(size, 1e-300))
    pending = live.copy()
    u_new, r_new = u.copy(), r.copy()
    for _ in range(HALVINGS + 1):
        if not pending.any():
            break
        trial = np.where(pending[:, None], u + lam[:, None] * step, u)
        with np.errstate(all="ignore"):
            rt = residual(red, trial)
        fine = pending & np.all(np.isfinite(rt), axis=1)
        u_new[fine], r_new[fine] = trial[fine], rt[fine]
        pending &= ~fine
        lam = np.where(pending, 0.5 * lam, lam)
    return u_new, r_new, ~pending


def broyden(red: Any, u: FloatArray, jinv: FloatArray, max_iter: int = 25,
            tol: float = BROYDEN_TOL) -> tuple[FloatArray, FloatArray, BoolArray]:
    """Good Broyden iterations from ``u`` with inverse-Jacobian estimates ``jinv`` (B, m, m).

    Returns (u, r, ok): cells whose (scaled) step fell below ``tol`` are ok, ready for
    :func:`polish`, whose exact-Jacobian steps converge quadratically from there; the others
    (diverging, infeasible or too slow) keep their starting point, for a more robust method.
    """
    b = u.shape[0]
    u_out, r_out, ok = u.copy(), np.full(u.shape, np.nan), np.zeros(b, bool)
    act = _Active(red, b)
    with np.errstate(all="ignore"):
        r = residual(red, u)
    u, h = u.copy(), jinv.copy()
    act.live &= np.all(np.isfinite(r), axis=1)
    last = np.full(b, np.inf)
    for _ in range(max_iter):
        u, r, h, last = act.compact(u, r, h, last)
        if not act.any:
            break
        step = -np.einsum("bij,bj->bi", h, r)
        size = np.max(np.abs(step) * weights(act.red), axis=1)
        done = act.live & (size < tol)
        sel = act.idx[done]
        u_out[sel], r_out[sel], ok[sel] = u[done], r[done], True
        act.live &= ~done & (size < CAP) & (size < 2.0 * last)
        step = np.where(act.live[:, None], step, 0.0)
        with np.errstate(all="ignore"):
            r_new = residual(act.red, u + step)
        act.live &= np.all(np.isfinite(r_new), axis=1)
        h = np.where(act.live[:, None, None], _broyden_update(h, step, r_new - r), h)
        u, r, last = u + step, np.where(act.live[:, None], r_new, r), size
    return u_out, r_out, ok


def _broyden_update(h: FloatArray, s: FloatArray, y: FloatArray) -> FloatArray:
    """Good Broyden update of inverse Jacobians: H + (s - H y) s^T H / (s^T H y)."""
    hy = np.einsum("bij,bj->bi", h, y)
    sh = np.einsum("bi,bij->bj", s, h)
    den = np.einsum("bi,bi->b", s, hy)
    usable = np.isfinite(den) & (np.abs(den) > 1e-300)
    den = np.where(usable, den, 1.0)
    upd = np.einsum("bi,bj->bij", s - hy, sh) / den[:, None, None]
    return h + np.where(usable[:, None, None], upd, 0.0)


def polish(red: Any, u: FloatArray, r: FloatArray, live: BoolArray | None = None,
           max_iter: int = 4) -> Result:
    """The exact Jacobian at u, then Newton steps until a step is below STEP_TOL.

    After each exact Jacobian, chord steps with that same Jacobian follow while they shrink
    fast (each costs one model evaluation; a Jacobian costs m): from Broyden's result one
    Jacobian usually suffices. Cells not there within ``max_iter`` Jacobians, or whose step
    grows large, are not ok; cells not ``live`` are skipped.
    """
    b, m = u.shape
    out = _empty(u)
    act = _Active(red, b)
    if live is not None:
        act.live &= live
        u, r = act.compact(u, r)
    u, r = u.copy(), np.where(np.isfinite(r), r, 0.0)
    for _ in range(max_iter):
        jac = jacobian(act.red, u, r)
        out.iters[act.idx[act.live]] += 1
        inv, good = inverse(jac)
        act.live &= good
        last = np.full(u.shape[0], np.inf)
        for _ in range(CHORDS):
            step = -np.einsum("bij,bj->bi", inv, r)
            size = np.max(np.abs(step), axis=1)
            done = act.live & (size < STEP_TOL)
            _store(out, act.idx, done, u + step, r, jac)
            act.live &= ~done & (np.max(np.abs(step) * weights(act.red), axis=1) < CAP)
            fast = act.live & (size < CHORD_RATE * last)
            if not fast.any():
                break
            u = np.where(fast[:, None], u + step, u)
            with np.errstate(all="ignore"):
                r = np.where(fast[:, None], residual(act.red, u), r)
            act.live &= np.all(np.isfinite(r), axis=1)
            last = np.where(fast, size, 0.0)
        u, r = act.compact(u, r)
        if not act.any:
            break
    return out


def refine(red: Any, u: FloatArray, steps: int = 3) -> Result:
    """``steps`` full Newton steps with exact Jacobians, whatever their size (for cells at
    the noise floor where the step test passed but the fluxes do not yet balance)."""
    out = _empty(u)
    u = u.copy()
    with np.errstate(all="ignore"):
        r = residual(red, u)
        for _ in range(steps):
            jac = jacobian(red, u, r)
            step, good = solve(jac, r)
            trial = u + step
            r_new = residual(red, trial)
            good &= np.all(np.isfinite(r_new), axis=1)
            u = np.where(good[:, None], trial, u)
            r = np.where(good[:, None], r_new, r)
            out.jac[good] = jac[good]
    out.u, out.r = u, r
    out.ok = np.all(np.isfinite(out.jac), axis=(1, 2))
    return out
