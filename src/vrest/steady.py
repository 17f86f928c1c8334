"""Steady states: root finding on the conserved manifold, verified, with linear stability.

Unknowns per cell: the logarithms of the inside amounts of Na, K, Cl, Ca (and of the relative
volume when water moves). V is not an unknown: it follows from the charge on the membrane
(the exact invariant of the model), so every candidate is charge-consistent and "every net
ion flux = 0" implies "net current = 0". Ions that no mechanism moves keep their starting
amounts; trapped anions keep theirs. With a finite bath, each ion's total is conserved.

The batch is solved at once by Newton's method with a backtracking line search on
finite-difference Jacobians (the Jacobians of all cells from one vectorised model call,
solved by LAPACK through numpy.linalg.solve). Cells that do not converge are integrated for
a long time with SciPy's BDF and tried again. Each result is verified: net current and each
net ion flux vanish relative to the gross fluxes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from vrest.cell import Cell
from vrest.constants import N_A, F
from vrest.equations import nernst_si
from vrest.errors import NoSteadyStateError, ParameterError, VrestError
from vrest.mechanisms.base import Z_IONS
from vrest.mechanisms.pumps import PMCA, NaKPump
from vrest.model import I_V, I_X, Model

FloatArray = NDArray[np.float64]
IONS = ("Na", "K", "Cl", "Ca")
VERIFY_TOL = 1e-7  # net flux / gross flux allowed at a verified steady state
MAX_SWELL = 100.0
STEP_TOL = 1e-8  # Newton stops for a cell when no log-amount (or v, in mV) changes by more  # relative volume beyond which a cell is taken to swell without bound


@dataclass(frozen=True)
class SteadyState:
    """Steady states of a batch (arrays with a leading batch axis B).

    ``converged`` (B,) says which cells reached a verified steady state; ``message`` says why
    not for the others. ``eigenvalues`` (1/s) are those of the linearised dynamics on the
    conserved manifold; ``stable`` is True when all have negative real parts.
    """

    converged: NDArray[np.bool_]
    V: FloatArray
    c_in: FloatArray
    c_out: FloatArray
    E: FloatArray
    volume_rel: FloatArray
    atp_per_s: FloatArray
    current: dict[str, FloatArray]
    flux: dict[str, FloatArray]
    y: FloatArray
    residual_current: FloatArray
    residual_flux: FloatArray
    eigenvalues: FloatArray
    stable: NDArray[np.bool_]
    iterations: int
    message: list[str] = field(default_factory=list)
    names: tuple[str, ...] = ()
    volume0_um3: FloatArray | None = None

    @property
    def batch_size(self) -> int:
        return int(self.V.shape[0])

    def summary(self, cell: int = 0) -> dict[str, Any]:
        """JSON-ready numbers for one cell."""
        return {
            "converged": bool(self.converged[cell]),
            "message": self.message[cell],
            "V_mV": float(self.V[cell]),
            "inside_mM": {ion: float(self.c_in[cell, i]) for i, ion in enumerate(IONS)},
            "outside_mM": {ion: float(self.c_out[cell, i]) for i, ion in enumerate(IONS)},
            "E_mV": {ion: float(self.E[cell, i]) for i, ion in enumerate(IONS)},
            "volume_rel": float(self.volume_rel[cell]),
            "atp_per_s": float(self.atp_per_s[cell]),
            "current_pA": {k: float(v[cell]) for k, v in self.current.items()},
            "stable": bool(self.stable[cell]),
            "slowest_time_constant_s": _slowest(self.eigenvalues[cell]),
            "residual_current_rel": float(self.residual_current[cell]),
            "residual_flux_rel": {ion: float(self.residual_flux[cell, i]) for i, ion in enumerate(IONS)},
            "iterations": self.iterations,
        }

    def state(self, cell: int = 0) -> FloatArray:
        """Model state of one cell, usable as ``simulate(..., y0=...)``."""
        return self.y[cell].copy()


def _slowest(eigs: FloatArray) -> float | None:
    real = np.real(eigs[np.isfinite(eigs)])
    real = real[real < 0]
    return float(-1.0 / real.max()) if real.size else None


class _Reduced:
    """The reduced system on the conserved manifold.

    Unknowns per cell (B, m): log amounts of Na, K, Cl, Ca (and log w with water), except that
    the slot of one moved ion k (the most abundant) holds v (mV) instead; that ion's amount
    follows from the charge. Residuals: d(log amount)/dt (1/s), and dv/dt in V/s in slot k.
    """

    H = 1e-7  # finite-difference step (log units, and mV for v)

    def __init__(self, model: Model, y_start: FloatArray) -> None:
        self.model = model
        self.base = y_start.copy()
        lay = model.layout
        self.totals = y_start[:, :4] + y_start[:, lay.out]
        self.offset = model.charge_residual_mV(y_start)
        self.m = 5 if lay.i_w is not None else 4
        b = y_start.shape[0]
        self.rows = np.arange(b)
        self.k = np.full(b, -1)
        self.fixed = np.zeros((b, self.m), bool)
        self.fixed[:, :4] = self._still(y_start)
        amounts = np.where(self.fixed[:, :4], -np.inf, y_start[:, :4])
        self.k = np.where(self.fixed[:, :4].all(axis=1), -1, np.argmax(amounts, axis=1))
        self.fixed[self.k < 0, :4] = True

    def _still(self, y_start: FloatArray) -> NDArray[np.bool_]:
        """Ions that no mechanism moves in a cell: zero rate, unchanged by any perturbation."""
        u = self.unknowns(y_start)
        r0, _ = self.residual(u)
        jac = self.jacobian(u, r0)
        return (r0[:, :4] == 0) & np.all(jac[:, :4, :] == 0, axis=2)

    def unknowns(self, y: FloatArray) -> FloatArray:
        u = np.log(np.maximum(y[..., :4], 1e-300))
        has = self.k >= 0
        u[..., self.rows[has], self.k[has]] = y[..., self.rows[has], I_V]
        if self.m == 5:
            u = np.concatenate([u, np.log(y[..., [self.model.layout.i_w]])], axis=-1)
        return u

    def full(self, u: FloatArray) -> FloatArray:
        """Full model state for unknowns u (..., B, m); NaN where infeasible."""
        lay, model = self.model.layout, self.model
        y = np.broadcast_to(self.base, u.shape[:-1] + self.base.shape[-1:]).copy()
        with np.errstate(over="ignore"):
            y[..., :4] = np.exp(u[..., :4])
        if self.m == 5:
            y[..., lay.i_w] = np.exp(u[..., 4])
        has = self.k >= 0
        rows, k = self.rows[has], self.k[has]
        if has.any():
            v = u[..., rows, k]
            y[..., rows, k] = 0.0
            others = y[..., rows, :4] @ Z_IONS + model.z_x[rows] * y[..., rows, I_X]
            charge = (v - self.offset[rows]) / model.mv_per_charge[rows]
            amount = (charge - others) / Z_IONS[k]
            y[..., rows, k] = np.where(amount > 0, amount, np.nan)
        charge = y[..., :4] @ Z_IONS + model.z_x * y[..., I_X]
        y[..., I_V] = model.mv_per_charge * charge + self.offset
        if model.finite_bath:
            y[..., lay.out] = self.totals - y[..., :4]
        return y

    def residual(self, u: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Residuals (see the class docstring) and the full state."""
        y = self.full(u)
        with np.errstate(all="ignore"):
            dy = self.model.rhs(0.0, y)
            r = dy[..., :4] / y[..., :4]
        has = self.k >= 0
        r[..., self.rows[has], self.k[has]] = 1e-3 * dy[..., self.rows[has], I_V]
        if self.m == 5:
            i_w = self.model.layout.i_w
            r = np.concatenate([r, (dy[..., i_w] / y[..., i_w])[..., None]], axis=-1)
        return r, y

    def jacobian(self, u: FloatArray, r0: FloatArray) -> FloatArray:
        """Finite-difference Jacobian (B, m, m) from one vectorised call."""
        pert = np.repeat(u[None], self.m, axis=0)
        for j in range(self.m):
            pert[j, :, j] += self.H
        rp, _ = self.residual(pert)
        return np.moveaxis((rp - r0[None]) / self.H, 0, -1)


def steady_state(cell: Cell, batch: Mapping[str, ArrayLike] | None = None,
                 y0: ArrayLike | None = None, max_iter: int = 60,
                 raise_on_failure: bool | None = None) -> SteadyState:
    """Steady state(s) of ``cell`` (a batch when ``batch`` maps parameters to arrays).

    Starts from the cell's starting state or ``y0``. For a single cell (no batch) a missing
    steady state raises NoSteadyStateError unless ``raise_on_failure=False``; in a batch,
    failed cells are marked in ``converged`` and ``message``.
    """
    raise_on_failure = batch is None if raise_on_failure is None else raise_on_failure
    model = Model(cell, batch)
    reasons = _structural_reasons(cell, model)
    if any(reasons) and raise_on_failure:
        raise NoSteadyStateError(next(r for r in reasons if r))
    y_start = model.y0 if y0 is None else _check_y0(model, y0)
    red = _Reduced(model, y_start)
    u, ok, iters = _newton(red, red.unknowns(y_start), max_iter)
    impossible = np.array([bool(r) for r in reasons])
    ok &= ~impossible
    messages = [r or "converged" for r in reasons]
    if not (ok | impossible).all():
        retry = ~ok & ~impossible
        u, ok_r, messages = _retry_after_transient(cell, batch, model, red, u, ~retry, messages,
                                                   max_iter)
        ok = ok_r & ~impossible
    result = _result(red, u, ok, messages, iters)
    if raise_on_failure and not result.converged.all():
        bad = int(np.argmin(result.converged))
        raise NoSteadyStateError(f"no steady state found for cell {bad}: {result.message[bad]}")
    return result


def _check_y0(model: Model, y0: ArrayLike) -> FloatArray:
    y = np.array(y0, dtype=float).reshape(-1, model.layout.size)
    if y.shape[0] == 1 and model.batch_size > 1:
        y = np.repeat(y, model.batch_size, axis=0)
    if y.shape != model.y0.shape or not np.all(np.isfinite(y)) or np.any(y[:, :4] <= 0):
        raise ParameterError(f"y0: expected a finite state with positive amounts, shape "
                             f"{model.y0.shape}; got shape {np.shape(y0)}")
    return y


def _structural_reasons(cell: Cell, model: Model) -> list[str]:
    """Per cell: why no finite steady state can exist, from the structure ('' if it may)."""
    b = model.batch_size
    reasons = [""] * b
    source = model._source
    if source is not None:
        rate = np.broadcast_to(source[1]["rate"], (b,))
        for i in np.flatnonzero(rate > 0):
            reasons[i] = ("anions are being created at a constant rate (anion_source.rate > 0), so "
                          "the amounts inside grow without end; set the rate to 0 for a steady state")
    pumping = np.zeros(b, bool)
    for mech, p in model._mechs:
        if isinstance(mech, NaKPump | PMCA):
            pumping |= np.broadcast_to(p["scale"] * p["i_max"], (b,)) > 0
    if model.layout.i_w is not None and not model.finite_bath:
        swell = ~pumping & (model.x_out0 == 0) & (model.y0[:, I_X] > 0)
        for i in np.flatnonzero(swell):
            reasons[i] = reasons[i] or (
                "no finite steady state: with no pump, trapped anions inside and no impermeant "
                "solute in the bath, permeant ions distribute by Donnan equilibrium, which always "
                "leaves the inside more concentrated than the bath; water follows and the cell "
                "swells without bound (the pump-leak 'double Donnan' needs a pump or bath "
                "impermeants)")
    return reasons


def _newton(red: _Reduced, u: FloatArray, max_iter: int) -> tuple[FloatArray, NDArray[np.bool_], int]:
    b, m = u.shape
    eye = np.eye(m)
    done = np.zeros(b, bool)
    it = 0
    r, _ = red.residual(u)
    r = np.where(red.fixed, 0.0, r)
    for it in range(1, max_iter + 1):  # noqa: B007 (it is returned)
        jac = red.jacobian(u, r)
        jac = np.where(red.fixed[:, :, None], eye[None], jac)
        finite = np.all(np.isfinite(jac), axis=(1, 2)) & np.all(np.isfinite(r), axis=1)
        jac[~finite] = eye
        try:
            step = -np.linalg.solve(jac, np.where(finite[:, None], r, 0.0)[..., None])[..., 0]
        except np.linalg.LinAlgError:
            step = -np.linalg.lstsq(jac[0], r[0], rcond=None)[0][None].repeat(b, 0)
        step = np.where(np.isfinite(step), step, 0.0)
        done |= np.max(np.abs(step), axis=1) < STEP_TOL
        if done.all():
            break
        step = np.where(done[:, None], 0.0, step)
        u_new, r = _line_search(red, u, r, step, ~done)
        done |= np.all(u_new == u, axis=1)  # stagnated at the noise floor
        u = u_new
    ok = _verified(red, u)
    return u, ok, it


def _line_search(red: _Reduced, u: FloatArray, r: FloatArray, step: FloatArray,
                 active: NDArray[np.bool_]) -> tuple[FloatArray, FloatArray]:
    # Limit each step to a factor e^2 in any amount and 50 mV in v, then halve until the
    # residual shrinks.
    cap = np.full(step.shape, 2.0)
    has = red.k >= 0
    cap[red.rows[has], red.k[has]] = 50.0
    ratio = np.max(np.abs(step) / cap, axis=1, keepdims=True)
    step = step / np.maximum(ratio, 1.0)
    merit0 = np.sum(r * r, axis=1)
    alpha = np.ones(u.shape[0])
    best_u, best_r = u.copy(), r.copy()
    pending = active.copy()
    for _ in range(30):
        trial = u + alpha[:, None] * step
        rt, _ = red.residual(trial)
        rt = np.where(red.fixed, 0.0, rt)
        merit = np.sum(rt * rt, axis=1)
        good = pending & np.isfinite(merit) & (merit <= merit0 * (1 - 1e-4 * alpha) + 1e-300)
        best_u[good], best_r[good] = trial[good], rt[good]
        pending &= ~good
        if not pending.any():
            break
        alpha = np.where(pending, alpha * 0.5, alpha)
    # cells whose line search failed take the smallest tried step (progress on stiff problems)
    if pending.any():
        trial = u + alpha[:, None] * step
        rt, _ = red.residual(trial)
        rt = np.where(red.fixed, 0.0, rt)
        fine = pending & np.all(np.isfinite(rt), axis=1)
        best_u[fine], best_r[fine] = trial[fine], rt[fine]
    return best_u, best_r


def _gross(red: _Reduced, u: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """(net flux per ion, flux scale per ion, net current, current scale), each (B, ...).

    The scale of an ion's flux is the larger of the largest gross ionic flux of the cell and
    the change of that ion's net flux when V moves by 1 mV, so that an ion moved by a single
    mechanism (whose net flux is its gross flux) is judged by what a tiny shift of V would do.
    """
    y = red.full(u)
    net, gross, net_i, gross_i = _net_and_gross(red.model, y)
    shifted = y.copy()
    shifted[..., I_V] += 1.0
    net_v, _, net_iv, _ = _net_and_gross(red.model, shifted)
    scale = np.maximum(np.max(gross, axis=-1, keepdims=True), np.abs(net_v - net))
    return net, scale, net_i, np.maximum(gross_i, np.abs(net_iv - net_i))


def _net_and_gross(model: Model, y: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray,
                                                         FloatArray]:
    obs = model.observe(y)
    fl = [f[..., :4] for f in obs.fluxes.values()]
    if not fl:
        zero = np.zeros(y.shape[:-1])
        return np.zeros(y.shape[:-1] + (4,)), np.zeros(y.shape[:-1] + (4,)), zero, zero
    cur = [f @ Z_IONS for f in fl]
    return (np.sum(fl, axis=0), np.sum(np.abs(fl), axis=0), np.sum(cur, axis=0),
            np.sum(np.abs(cur), axis=0))


def _relative(red: _Reduced, u: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Net flux of each ion and net current relative to their scales (see _gross)."""
    net, scale, net_i, scale_i = _gross(red, u)
    with np.errstate(all="ignore"):
        rel = np.where(scale > 0, np.abs(net) / scale, 0.0)
        rel_i = np.where(scale_i > 0, np.abs(net_i) / scale_i, 0.0)
    return rel, rel_i


def _verified(red: _Reduced, u: FloatArray) -> NDArray[np.bool_]:
    rel, rel_i = _relative(red, u)
    r, y = red.residual(u)
    ok = np.all(rel < VERIFY_TOL, axis=1) & (rel_i < VERIFY_TOL) & np.all(np.isfinite(y), axis=1)
    if red.m == 5:
        ok &= np.abs(r[:, 4]) < 1e-9
        ok &= y[:, red.model.layout.i_w] < MAX_SWELL
    return ok


def _retry_after_transient(cell: Cell, batch: Mapping[str, ArrayLike] | None, model: Model,
                           red: _Reduced, u: FloatArray, ok: NDArray[np.bool_],
                           messages: list[str], max_iter: int) -> tuple[
                               FloatArray, NDArray[np.bool_], list[str]]:
    """Integrate the failed cells for a long time, then try Newton again from there."""
    from vrest.simulate import simulate

    bad = np.flatnonzero(~ok)
    sub_batch = {k: np.asarray(v, dtype=float)[bad] for k, v in (batch or {}).items()}
    y_start = red.base[bad]
    try:
        tc = simulate(cell, t_end=1e6, t_eval=np.array([1e6]), batch=sub_batch or None,
                      y0=y_start, rtol=1e-6)
        y_end = tc.y[-1]
    except VrestError as exc:
        for i in bad:
            messages[i] = f"no steady state: Newton failed and a long time course failed too ({exc})"
        return u, ok, messages
    sub = Model(cell, sub_batch or None)
    red_sub = _Reduced(sub, y_end)
    # same coordinates and invariants as the full batch, so that u_sub slots into u
    red_sub.totals, red_sub.offset = red.totals[bad], red.offset[bad]
    red_sub.k, red_sub.fixed = red.k[bad], red.fixed[bad]
    u_sub, ok_sub, _ = _newton(red_sub, red_sub.unknowns(y_end), max_iter)
    u = u.copy()
    u[bad] = u_sub
    ok = ok.copy()
    ok[bad] = ok_sub
    swollen = (y_end[:, model.layout.i_w] > MAX_SWELL) if model.layout.i_w is not None \
        else np.zeros(bad.size, bool)
    for j, i in enumerate(bad):
        if not ok_sub[j]:
            messages[i] = ("no finite steady state: the cell swells without bound "
                           f"(volume x{y_end[j, model.layout.i_w]:.3g} after 1e6 s)") if swollen[j] \
                else "no steady state found: the root finder did not converge, even after a long time course"
    return u, ok, messages


def _result(red: _Reduced, u: FloatArray, ok: NDArray[np.bool_], messages: list[str],
            iters: int) -> SteadyState:
    model = red.model
    ok = ok & _verified(red, u)
    messages = [m if good or m != "converged" else "not verified: net fluxes do not vanish"
                for m, good in zip(messages, ok, strict=True)]
    r, y = red.residual(u)
    jac = red.jacobian(u, r)
    has = red.k >= 0
    jac[red.rows[has], red.k[has], :] *= 1e3  # undo the V/s scaling of the v residual
    eigs = np.full((u.shape[0], red.m), np.nan, dtype=complex)
    for b in range(u.shape[0]):
        keep = ~red.fixed[b]
        sub = jac[b][np.ix_(keep, keep)]
        if np.all(np.isfinite(sub)):
            eigs[b, : keep.sum()] = np.linalg.eigvals(sub)
    obs = model.observe(y)
    s = obs.state
    rel, rel_i = _relative(red, u)
    stable = np.array([bool(np.all(np.real(e[np.isfinite(e)]) < 0)) for e in eigs]) & ok
    nan = np.where(ok, 1.0, np.nan)
    return SteadyState(
        converged=ok, V=1e3 * s.v * nan, c_in=s.c_in * nan[:, None], c_out=np.array(s.c_out),
        E=1e3 * nernst_si(Z_IONS, s.c_in, s.c_out, s.temperature[:, None]) * nan[:, None],
        volume_rel=obs.w * nan,
        atp_per_s=sum(obs.atp.values(), np.zeros(u.shape[0])) * N_A * nan,
        current={k: 1e12 * F * (f[..., :4] @ Z_IONS) * nan for k, f in obs.fluxes.items()},
        flux={k: f * nan[:, None] for k, f in obs.fluxes.items()},
        y=y, residual_current=rel_i, residual_flux=rel, eigenvalues=eigs, stable=stable,
        iterations=iters, message=messages, names=model.layout.names,
        volume0_um3=model.volume0 * 1e18)
