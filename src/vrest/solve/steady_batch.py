"""Many steady states at once: continuation over the parameter space of a batch.

Neighbouring cells of a sweep have nearby steady states, so most cells need not start from
their (far away) starting state. The batch is solved coarse to fine:

1. *Pilots.* About one cell in ``RATIO`` is picked, spread evenly over the varied parameters
   (normalised, logarithmic for parameters spanning more than a decade); the pilots are
   solved the same way, recursively, down to ``SMALL`` cells, which start from their own
   starting state (damped Newton).
2. *Prediction.* Every other cell starts from its nearest converged pilot's steady state plus
   a first-order correction (a gradient fitted over the pilot's neighbours), and borrows that
   pilot's Jacobian.
3. *Fast solve,* in blocks of ``BLOCK`` cells (arrays that stay in cache): Broyden iterations
   from the prediction (about one model evaluation each), then the exact Jacobian and full
   Newton steps until the step is below STEP_TOL (the test every result passes). With a
   compiled residual the same iterations run cell by cell in compiled code, all cells in one
   call shared among threads (``vrest.solve.steady_fast``). Without it, levels of fewer than
   ``FAST_MIN`` cells, where the numpy cost is per call rather than per cell, take the damped
   Newton method of step 4 directly.
4. *Robust retries* for cells that did not converge: damped Newton from the prediction (or
   from the start, then from the start with v = V_RETRY and the charge balanced), then
   natural-parameter continuation from the nearest converged cell (the parameters move from
   that cell's values to this cell's in adaptive steps). Cells that still fail are handed back
   (vrest.solve.steady then integrates them in time before a last attempt).

Every cell ends with its own exact Jacobian and a Newton step below STEP_TOL, so batched
results agree with single-cell solves to far better than 1e-6 mV.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from vrest.solve.steady_newton import Result, broyden, inverse, newton, polish

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int_]

SMALL = 24  # at most this many cells: solve each from its own start
RATIO = 25  # cells per pilot
BLOCK = 4096  # cells per block in the fast solve
FAST_MIN = 1000  # fewer cells than this: damped Newton (fewer calls) rather than Broyden
LOG_SPAN = 10.0  # parameters spanning more than this factor are interpolated in log
V_START = (-200.0, 200.0)  # mV: Newton's starting v is moved into this range
V_RETRY = -60.0  # mV: a failed start is tried once more from this v


@dataclass(frozen=True)
class Axes:
    """Normalised coordinates of the cells in the space of the varied parameters."""

    keys: tuple[str, ...]
    log: tuple[bool, ...]
    coords: FloatArray  # (B, d) in [0, 1]

    @classmethod
    def of(cls, batch: Mapping[str, Any], b: int) -> Axes:
        keys, logs, cols = [], [], []
        for key, value in batch.items():
            v = np.broadcast_to(np.asarray(value, dtype=float), (b,))
            if not np.all(np.isfinite(v)) or np.ptp(v) == 0:
                continue
            log = bool(v.min() > 0 and v.max() / v.min() > LOG_SPAN)
            x = np.log(v) if log else v
            keys.append(key)
            logs.append(log)
            cols.append((x - x.min()) / np.ptp(x))
        coords = np.stack(cols, axis=-1) if cols else np.zeros((b, 0))
        return cls(tuple(keys), tuple(logs), coords)

    def between(self, batch: Mapping[str, Any], src: IntArray, dst: IntArray,
                lam: FloatArray) -> dict[str, FloatArray]:
        """Parameters a fraction ``lam`` of the way from cells ``src`` to cells ``dst``."""
        out = {}
        for key, value in batch.items():
            v = np.asarray(value, dtype=float)
            a, b = v[src], v[dst]
            if key in self.keys and self.log[self.keys.index(key)]:
                out[key] = np.exp(np.log(a) + lam * (np.log(b) - np.log(a)))
            else:
                out[key] = a + lam * (b - a)
            out[key] = np.where(lam >= 1.0, b, out[key])
        return out


def solve(red: Any, u0: FloatArray, todo: NDArray[np.bool_], max_iter: int) -> Result:
    """Steady states of the cells ``todo`` of the reduced system ``red`` (see module doc)."""
    out = Result(u0.copy(), np.zeros(len(u0), bool), np.full(u0.shape, np.nan),
                 np.full(u0.shape + u0.shape[-1:], np.nan), np.zeros(len(u0), int))
    axes = Axes.of(red.batch, len(u0))
    _level(red, axes, sane_start(red, u0), np.flatnonzero(todo), out, max_iter)
    return out


def sane_start(red: Any, u0: FloatArray, bounds: tuple[float, float] = V_START) -> FloatArray:
    """Starting unknowns with v moved into ``bounds`` (mV) where it lies outside (a start far
    from electroneutral, e.g. inside.X given freely, can mean 1e6 mV); the amount of the ion
    that balances the charge follows. The conserved quantities are not touched, only the point
    where Newton's method starts; cells where the moved start is infeasible keep theirs."""
    v = np.sum(np.where(red.hot, u0[:, :4], 0.0), axis=1)
    moved = np.clip(v, *bounds)
    if np.array_equal(moved, v):
        return u0
    u = u0.copy()
    u[:, :4] = np.where(red.hot, moved[:, None], u0[:, :4])
    feasible = np.all(np.isfinite(red.full(u)[:, :4]), axis=1)
    return np.where(feasible[:, None], u, u0)


def _level(red: Any, axes: Axes, u0: FloatArray, idx: IntArray, out: Result,
           max_iter: int) -> None:
    if idx.size <= SMALL:
        _robust(red, axes, idx, u0[idx], out, max_iter)
        return
    pilots = idx[pick(axes.coords[idx], idx.size // RATIO)]
    _level(red, axes, u0, pilots, out, max_iter)
    rest = np.setdiff1d(idx, pilots)
    anchors = pilots[out.ok[pilots]]
    if anchors.size == 0:
        _robust(red, axes, rest, u0[rest], out, max_iter)
        return
    guess, jinv, usable = predict(red, axes, out, anchors, rest, u0)
    if rest.size < FAST_MIN and red.fast is None:  # compiled: no cost per call
        _robust(red, axes, rest, guess, out, max_iter)
        return
    _fast(red, rest, guess, jinv, usable, out)
    failed = ~out.ok[rest]
    if failed.any():
        _robust(red, axes, rest[failed], guess[failed], out, max_iter)


def pick(x: FloatArray, target: int) -> IntArray:
    """About ``target`` rows of ``x`` (B, d) spread evenly: the row nearest the centre of
    each occupied cell of a regular grid over the bounding box."""
    n, d = x.shape
    if d == 0 or target <= 1:
        return np.array([0])
    span = np.ptp(x, axis=0)
    xn = (x - x.min(axis=0)) / np.where(span > 0, span, 1.0)
    q = max(2, int(round(target ** (1.0 / d))))
    bins = np.minimum((xn * q).astype(int), q - 1)
    if d * np.log2(q) < 62:
        key = bins @ (q ** np.arange(d, dtype=np.int64))
    else:
        key = np.unique(bins, axis=0, return_inverse=True)[1].ravel()
    dist = np.sum((xn - (bins + 0.5) / q) ** 2, axis=1)
    order = np.lexsort((dist, key))
    first = np.ones(n, bool)
    first[1:] = key[order][1:] != key[order][:-1]
    chosen = np.sort(order[first])
    if chosen.size > 2 * target:
        chosen = chosen[np.linspace(0, chosen.size - 1, 2 * target).astype(int)]
    return chosen


def predict(red: Any, axes: Axes, out: Result, anchors: IntArray, cells: IntArray,
            u0: FloatArray) -> tuple[FloatArray, FloatArray, NDArray[np.bool_]]:
    """Starting unknowns for ``cells`` from the converged ``anchors``: the nearest anchor's
    state plus a fitted first-order correction; that anchor's inverse Jacobian; and whether
    that inverse applies (same unknowns, regular)."""
    xa, xc = axes.coords[anchors], axes.coords[cells]
    near = _nearest(xa, xc)
    za = canonical(red.take(anchors), out.u[anchors])
    grad = _gradients(xa, za)
    z = za[near] + np.einsum("bd,bdc->bc", xc - xa[near], grad[near])
    guess = from_canonical(red, cells, z, u0[cells])
    jinv, regular = inverse(out.jac[anchors])
    same = (red.k[anchors][near] == red.k[cells]) & np.all(
        red.fixed[anchors][near] == red.fixed[cells], axis=1)
    return guess, jinv[near], regular[near] & same


def _nearest(xa: FloatArray, xc: FloatArray) -> IntArray:
    if xa.shape[1] == 0 or xa.shape[0] == 1:
        return np.zeros(xc.shape[0], int)
    from scipy.spatial import cKDTree

    return cKDTree(xa).query(xc)[1]


def _gradients(xa: FloatArray, za: FloatArray) -> FloatArray:
    """d(canonical state)/d(coordinates) at each anchor, by least squares over its nearest
    anchors (zero when there are too few)."""
    a, d = xa.shape
    c = za.shape[1]
    if d == 0 or a <= d:
        return np.zeros((a, d, c))
    from scipy.spatial import cKDTree

    k = min(a, 2 * d + 3)
    _, nbr = cKDTree(xa).query(xa, k=k)
    dx = xa[nbr] - xa[:, None, :]
    dz = za[nbr] - za[:, None, :]
    return np.linalg.pinv(dx) @ dz


def canonical(red: Any, u: FloatArray) -> FloatArray:
    """Coordinates independent of which slot holds v: log amounts of the four ions, v (mV)
    and, with water, log w."""
    y = red.full(u)
    lay = red.model.layout
    cols = [np.log(np.maximum(y[:, :4], 1e-300)), y[:, [5]]]
    if lay.i_w is not None:
        cols.append(np.log(y[:, [lay.i_w]]))
    return np.concatenate(cols, axis=1)


def from_canonical(red: Any, cells: IntArray, z: FloatArray, u0: FloatArray) -> FloatArray:
    """Unknowns of ``cells`` from canonical coordinates; unmoved ions keep their start."""
    u = z[:, :4].copy()
    k = red.k[cells]
    has = k >= 0
    u[np.flatnonzero(has), k[has]] = z[has, 4]
    if red.m == 5:
        u = np.concatenate([u, z[:, 5:6]], axis=1)
    fixed = red.fixed[cells]
    return np.where(fixed | ~np.isfinite(u), u0, u)


def _fast(red: Any, cells: IntArray, guess: FloatArray, jinv: FloatArray,
          usable: NDArray[np.bool_], out: Result) -> None:
    """Broyden from the predictions, then the exact Jacobian and Newton polish."""
    cells, guess, jinv = cells[usable], guess[usable], jinv[usable]
    if cells.size == 0:
        return
    if red.fast is not None:  # compiled: every cell in one call, shared among threads
        from vrest.solve import steady_fast

        _keep(out, cells, steady_fast.broyden_polish(red, guess, jinv, rows=cells))
        return
    for start in range(0, cells.size, BLOCK):  # numpy: blocks whose arrays stay in cache
        sl = slice(start, start + BLOCK)
        sub = red.take(cells[sl])
        u, r, ok = broyden(sub, guess[sl], jinv[sl])
        if ok.any():
            _keep(out, cells[sl], polish(sub, u, r, live=ok))


def _keep(out: Result, cells: IntArray, res: Result) -> None:
    """Copy the converged cells of a kernel's result into ``out``."""
    good = res.ok
    sel = cells[good]
    out.u[sel], out.r[sel], out.jac[sel] = res.u[good], res.r[good], res.jac[good]
    out.ok[sel] = True
    out.iters[cells] += res.iters


def _robust(red: Any, axes: Axes, cells: IntArray, start: FloatArray, out: Result,
            max_iter: int) -> None:
    """Damped Newton from ``start``; then continuation from the nearest converged cell."""
    if cells.size == 0:
        return
    sub = red.take(cells)
    _keep(out, cells, _newton(sub, start, max_iter))
    failed = ~out.ok[cells]
    if failed.any():  # once more from a resting-like start: V_RETRY, the charge balanced
        retry = sane_start(sub, start, (V_RETRY, V_RETRY))
        again = failed & np.any(retry != start, axis=1)
        if again.any():
            _keep(out, cells[again], _newton(sub.take(np.flatnonzero(again)), retry[again],
                                             max_iter))
    failed = cells[~out.ok[cells]]
    if failed.size:
        continuation(red, axes, failed, out, max_iter)


def _newton(red: Any, u: FloatArray, max_iter: int) -> Result:
    """Damped Newton: compiled cell by cell when the residual is (vrest.solve.steady_fast)."""
    if red.fast is not None:
        from vrest.solve import steady_fast

        return steady_fast.newton(red, u, max_iter)
    return newton(red, u, max_iter)


def continuation(red: Any, axes: Axes, cells: IntArray, out: Result, max_iter: int,
                 min_step: float = 1.0 / 64) -> None:
    """Natural-parameter continuation for ``cells`` from their nearest converged cells.

    Each cell's parameters move from its anchor's values (lam = 0) to its own (lam = 1);
    the step in lam doubles after a success and halves after a failure.
    """
    anchors = np.flatnonzero(out.ok)
    if anchors.size == 0 or not red.batch:
        return
    src = anchors[_nearest(axes.coords[anchors], axes.coords[cells])]
    lam, dlam = np.zeros(cells.size), np.full(cells.size, 0.5)
    u = out.u[src].copy()
    live = np.ones(cells.size, bool)
    while live.any():
        i = np.flatnonzero(live)
        trial = np.minimum(1.0, lam[i] + dlam[i])
        sub = red.take(cells[i], batch=axes.between(red.batch, src[i], cells[i], trial))
        res = _newton(sub, u[i], max_iter=min(max_iter, 20))
        good = res.ok
        lam[i[good]], u[i[good]] = trial[good], res.u[good]
        dlam[i] = np.where(good, np.minimum(2 * dlam[i], 1.0), 0.5 * dlam[i])
        finished = good & (trial >= 1.0)
        _keep(out, cells[i[finished]], _subset(res, finished))
        live[i[finished]] = False
        live &= dlam >= min_step


def _subset(res: Result, mask: NDArray[np.bool_]) -> Result:
    return Result(res.u[mask], res.ok[mask], res.r[mask], res.jac[mask],
                  np.zeros(int(mask.sum()), int))
