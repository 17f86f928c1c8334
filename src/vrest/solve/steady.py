"""Steady states: root finding on the conserved manifold, verified, with linear stability.

Unknowns per cell: the logarithms of the inside amounts of Na, K, Cl, Ca (and of the relative
volume when water moves). V is not an unknown: it follows from the charge on the membrane
(the exact invariant of the model), so every candidate is charge-consistent and "every net
ion flux = 0" implies "net current = 0". Ions that no mechanism moves keep their starting
amounts; trapped anions keep theirs. With a finite bath, each ion's total is conserved.

A batch is solved at once (vrest.steady_batch): a few cells from their starting state by a
damped Newton method on finite-difference Jacobians, the others by continuation from their
neighbours in parameter space (Broyden, then exact-Jacobian Newton steps); the kernels are in
vrest.steady_newton. Cells that do not converge are integrated for a long time with SciPy's
BDF and tried again. Each result is verified: net current and each net ion flux vanish
relative to the gross fluxes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from vrest.errors import NoSteadyStateError, ParameterError, VrestError
from vrest.model.cell import Cell
from vrest.model.mechanisms.base import Z_IONS
from vrest.model.mechanisms.pumps import PMCA, NaKPump
from vrest.model.rhs import I_V, I_X, Model
from vrest.physics.constants import N_A, F
from vrest.physics.nernst import nernst_si
from vrest.solve.steady_newton import Result, newton, refine

FloatArray = NDArray[np.float64]
IONS = ("Na", "K", "Cl", "Ca")
VERIFY_TOL = 1e-7  # net flux / gross flux allowed at a verified steady state
MAX_SWELL = 100.0  # relative volume beyond which a cell is taken to swell without bound


@dataclass(frozen=True)
class SteadyState:
    """Steady states of a batch (arrays with a leading batch axis B).

    ``converged`` (B,) says which cells reached a verified steady state; ``message`` says why
    not for the others. ``jacobian`` (B, m, m; 1/s) linearises the dynamics on the conserved
    manifold, over the unknowns marked in ``moving``; ``stable`` is True when all its
    eigenvalues have negative real parts (decided by the Routh-Hurwitz criterion, exact and
    cheap for a batch); ``eigenvalues`` (B, m; 1/s, NaN-padded) are computed on first use.
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
    jacobian: FloatArray
    moving: NDArray[np.bool_]
    stable: NDArray[np.bool_]
    iterations: int
    message: list[str] = field(default_factory=list)
    names: tuple[str, ...] = ()
    volume0_um3: FloatArray | None = None

    @property
    def batch_size(self) -> int:
        return int(self.V.shape[0])

    @cached_property
    def eigenvalues(self) -> NDArray[np.complex128]:
        """Eigenvalues (1/s) of ``jacobian`` over the moving unknowns, NaN-padded (B, m)."""
        return _eigenvalues(self.jacobian, self.moving)

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
    ``hot`` (B, 4) marks slot k of each cell (no slot when no ion moves: k = -1).
    """

    H = 1e-7  # finite-difference step (log units, and mV for v)

    def __init__(self, model: Model, y_start: FloatArray,
                 batch: Mapping[str, ArrayLike] | None = None) -> None:
        self.model = model
        self.batch = dict(batch or {})  # the model's batch overrides (to build sub-batches)
        self.base = y_start.copy()
        lay = model.layout
        self.totals = y_start[:, :4] + y_start[:, lay.out]
        self.offset = model.charge_residual_mV(y_start)
        self.m = 5 if lay.i_w is not None else 4
        b = y_start.shape[0]
        self.rows = np.arange(b)
        self._set_k(np.full(b, -1))
        self.fixed = np.zeros((b, self.m), bool)
        self.fixed[:, :4] = self._still(y_start)
        amounts = np.where(self.fixed[:, :4], -np.inf, y_start[:, :4])
        self._set_k(np.where(self.fixed[:, :4].all(axis=1), -1, np.argmax(amounts, axis=1)))
        self.fixed[self.k < 0, :4] = True

    def _set_k(self, k: NDArray[np.int_]) -> None:
        self.k = k
        self.hot = np.arange(4)[None, :] == k[:, None]
        self.z_k = np.where(k >= 0, Z_IONS[np.maximum(k, 0)], 1.0)

    def _still(self, y_start: FloatArray) -> NDArray[np.bool_]:
        """Ions that no mechanism moves in a cell: zero rate, unchanged when every amount
        (and so V) is perturbed at once by different factors (checked only where a rate is 0)."""
        u = self.unknowns(y_start)
        with np.errstate(all="ignore"):
            r0, _ = self.residual(u)
        still = r0[:, :4] == 0
        if still.any():
            with np.errstate(all="ignore"):
                rp, _ = self.residual(u + np.array([3e-3, -2e-3, 5e-3, 7e-3, 1e-3][: self.m]))
            still &= rp[:, :4] == 0
        return still

    def take(self, idx: NDArray[np.int_], batch: Mapping[str, ArrayLike] | None = None
             ) -> _Reduced:
        """The same system for the cells ``idx`` (same starting state, invariants and
        unknowns); with ``batch``, their parameters are replaced by those values."""
        sub = object.__new__(_Reduced)
        if batch is None:
            batch = {k: np.asarray(v, dtype=float)[idx] for k, v in self.batch.items()}
        sub.batch = dict(batch)
        sub.model = Model(self.model.cell, sub.batch or None)
        sub.base, sub.totals = self.base[idx], self.totals[idx]
        sub.offset, sub.m = self.offset[idx], self.m
        sub.rows = np.arange(len(idx))
        sub.k, sub.hot, sub.z_k = self.k[idx], self.hot[idx], self.z_k[idx]
        sub.fixed = self.fixed[idx]
        return sub

    def unknowns(self, y: FloatArray) -> FloatArray:
        u = np.where(self.hot, y[..., I_V, None], np.log(np.maximum(y[..., :4], 1e-300)))
        if self.m == 5:
            u = np.concatenate([u, np.log(y[..., [self.model.layout.i_w]])], axis=-1)
        return u

    def full(self, u: FloatArray) -> FloatArray:
        """Full model state for unknowns u (..., B, m); NaN where infeasible."""
        lay, model = self.model.layout, self.model
        y = np.empty(u.shape[:-1] + self.base.shape[-1:])
        y[...] = self.base
        with np.errstate(over="ignore", invalid="ignore"):
            amounts = np.where(self.hot, 0.0, np.exp(u[..., :4]))
            others = amounts @ Z_IONS + model.z_x * y[..., I_X]
            v = np.sum(np.where(self.hot, u[..., :4], 0.0), axis=-1)
            amount = ((v - self.offset) / model.mv_per_charge - others) / self.z_k
            amount = np.where(amount > 0, amount, np.nan)
        y[..., :4] = np.where(self.hot, amount[..., None], amounts)
        if self.m == 5:
            with np.errstate(over="ignore"):
                y[..., lay.i_w] = np.exp(u[..., 4])
        # v is the unknown itself where one ion's amount follows from the charge (so V is
        # exact and smooth in u; the charge matches it to rounding, ~1e-9 mV); else the charge's
        charge = y[..., :4] @ Z_IONS + model.z_x * y[..., I_X]
        y[..., I_V] = np.where(self.k >= 0, v, model.mv_per_charge * charge + self.offset)
        if model.finite_bath:
            y[..., lay.out] = self.totals - y[..., :4]
        return y

    def residual(self, u: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Residuals (see the class docstring) and the full state."""
        y = self.full(u)
        with np.errstate(all="ignore"):
            dy = self.model.rhs(0.0, y)
            r = np.where(self.hot, 1e-3 * dy[..., I_V, None], dy[..., :4] / y[..., :4])
        if self.m == 5:
            i_w = self.model.layout.i_w
            r = np.concatenate([r, (dy[..., i_w] / y[..., i_w])[..., None]], axis=-1)
        return r, y


def steady_state(cell: Cell, batch: Mapping[str, ArrayLike] | None = None,
                 y0: ArrayLike | None = None, max_iter: int = 60,
                 raise_on_failure: bool | None = None) -> SteadyState:
    """Steady state(s) of ``cell`` (a batch when ``batch`` maps parameters to arrays).

    Starts from the cell's starting state or ``y0`` (whose trapped anions, and with a finite
    bath whose totals, are conserved). For a single cell (no batch) a missing steady state
    raises NoSteadyStateError unless ``raise_on_failure=False``; in a batch, failed cells are
    marked in ``converged`` and ``message``.
    """
    from vrest.solve import steady_batch

    raise_on_failure = batch is None if raise_on_failure is None else raise_on_failure
    model = Model(cell, batch)
    reasons = _structural_reasons(cell, model)
    if any(reasons) and raise_on_failure:
        raise NoSteadyStateError(next(r for r in reasons if r))
    y_start = model.y0 if y0 is None else _check_y0(model, y0)
    red = _Reduced(model, y_start, batch)
    possible = np.array([not r for r in reasons])
    sol = steady_batch.solve(red, red.unknowns(y_start), possible, max_iter)
    messages = [r or "converged" for r in reasons]
    if (possible & ~sol.ok).any():
        _retry_after_transient(red, sol, possible & ~sol.ok, messages, max_iter)
    result = _result(red, sol, messages)
    unverified = sol.ok & ~result.converged
    if unverified.any():  # at the noise floor of a badly conditioned cell: a few more steps
        _refine(red, sol, unverified)
        result = _result(red, sol, messages)
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


def _gross(model: Model, y: FloatArray, obs: Any) -> tuple[FloatArray, FloatArray, FloatArray,
                                                            FloatArray]:
    """(net flux per ion, flux scale per ion, net current, current scale), each (B, ...).

    The scale of an ion's flux is the larger of the largest gross ionic flux of the cell and
    the change of that ion's net flux when V moves by 1 mV, so that an ion moved by a single
    mechanism (whose net flux is its gross flux) is judged by what a tiny shift of V would do.
    """
    net, gross, net_i, gross_i = _net_and_gross(obs, y)
    shifted = y.copy()
    shifted[..., I_V] += 1.0
    with np.errstate(all="ignore"):
        net_v, _, net_iv, _ = _net_and_gross(model.observe(shifted), y)
    scale = np.maximum(np.max(gross, axis=-1, keepdims=True), np.abs(net_v - net))
    return net, scale, net_i, np.maximum(gross_i, np.abs(net_iv - net_i))


def _net_and_gross(obs: Any, y: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray,
                                                     FloatArray]:
    fl = [f[..., :4] for f in obs.fluxes.values()]
    if not fl:
        zero = np.zeros(y.shape[:-1])
        return np.zeros(y.shape[:-1] + (4,)), np.zeros(y.shape[:-1] + (4,)), zero, zero
    cur = [f @ Z_IONS for f in fl]
    return (np.sum(fl, axis=0), np.sum(np.abs(fl), axis=0), np.sum(cur, axis=0),
            np.sum(np.abs(cur), axis=0))


def _relative(model: Model, y: FloatArray, obs: Any) -> tuple[FloatArray, FloatArray]:
    """Net flux of each ion and net current relative to their scales (see _gross)."""
    net, scale, net_i, scale_i = _gross(model, y, obs)
    with np.errstate(all="ignore"):
        rel = np.where(scale > 0, np.abs(net) / scale, 0.0)
        rel_i = np.where(scale_i > 0, np.abs(net_i) / scale_i, 0.0)
    return rel, rel_i


def _verified(red: _Reduced, y: FloatArray, obs: Any, rel: FloatArray,
              rel_i: FloatArray) -> NDArray[np.bool_]:
    ok = np.all(rel < VERIFY_TOL, axis=1) & (rel_i < VERIFY_TOL) & np.all(np.isfinite(y), axis=1)
    if red.m == 5:
        w = y[:, red.model.layout.i_w]
        with np.errstate(all="ignore"):
            ok &= np.abs(obs.water / (red.model.volume0 * w)) < 1e-9  # d(ln w)/dt, 1/s
        ok &= w < MAX_SWELL
    return ok


def _refine(red: _Reduced, sol: Result, cells: NDArray[np.bool_]) -> None:
    """Full Newton steps (exact Jacobians) for converged cells that failed verification; a
    cell whose state became infeasible keeps its previous solution (and its verdict)."""
    idx = np.flatnonzero(cells)
    res = refine(red.take(idx), sol.u[idx])
    good = idx[res.ok]
    sol.u[good], sol.r[good], sol.jac[good] = res.u[res.ok], res.r[res.ok], res.jac[res.ok]


def _retry_after_transient(red: _Reduced, sol: Result, retry: NDArray[np.bool_],
                           messages: list[str], max_iter: int) -> None:
    """Integrate the failed cells for a long time, then try Newton again from there
    (updates ``sol`` and ``messages`` in place)."""
    from vrest.solve.simulate import simulate

    bad = np.flatnonzero(retry)
    sub = red.take(bad)
    try:
        tc = simulate(sub.model.cell, t_end=1e6, t_eval=np.array([1e6]), batch=sub.batch or None,
                      y0=sub.base, rtol=1e-6)
        y_end = tc.y[-1]
    except (VrestError, ArithmeticError, RuntimeError, ValueError) as exc:  # e.g. singular LU
        for i in bad:
            messages[i] = f"no steady state: Newton failed and a long time course failed too ({exc})"
        return
    # same coordinates and invariants as the full batch, so that the result slots into sol
    res = newton(sub, sub.unknowns(y_end), max_iter)
    good = bad[res.ok]
    sol.u[good], sol.r[good], sol.jac[good] = res.u[res.ok], res.r[res.ok], res.jac[res.ok]
    sol.ok[good] = True
    i_w = red.model.layout.i_w
    swollen = (y_end[:, i_w] > MAX_SWELL) if i_w is not None else np.zeros(bad.size, bool)
    for j, i in enumerate(bad):
        if not res.ok[j]:
            messages[i] = ("no finite steady state: the cell swells without bound "
                           f"(volume x{y_end[j, i_w]:.3g} after 1e6 s)") if swollen[j] \
                else "no steady state found: the root finder did not converge, even after a long time course"


def _result(red: _Reduced, sol: Result, messages: list[str]) -> SteadyState:
    model = red.model
    y = red.full(sol.u)
    with np.errstate(all="ignore"):
        obs = model.observe(y)
        rel, rel_i = _relative(model, y, obs)
    ok = sol.ok & _verified(red, y, obs, rel, rel_i)
    messages = [m if good or m != "converged" else "not verified: net fluxes do not vanish"
                for m, good in zip(messages, ok, strict=True)]
    jac = np.where(red.hot[:, :, None] if red.m == 4 else _pad(red.hot)[:, :, None],
                   1e3 * sol.jac, sol.jac)  # undo the V/s scaling of the v residual
    stable = _stable(jac, ~red.fixed) & ok
    s = obs.state
    nan = np.where(ok, 1.0, np.nan)
    with np.errstate(all="ignore"):
        e_rev = 1e3 * nernst_si(Z_IONS, s.c_in, s.c_out, s.temperature[:, None]) * nan[:, None]
    return SteadyState(
        converged=ok, V=1e3 * s.v * nan, c_in=s.c_in * nan[:, None], c_out=np.array(s.c_out),
        E=e_rev, volume_rel=obs.w * nan,
        atp_per_s=sum(obs.atp.values(), np.zeros(y.shape[0])) * N_A * nan,
        current={k: 1e12 * F * (f[..., :4] @ Z_IONS) * nan for k, f in obs.fluxes.items()},
        flux={k: f * nan[:, None] for k, f in obs.fluxes.items()},
        y=y, residual_current=rel_i, residual_flux=rel, jacobian=jac, moving=~red.fixed,
        stable=stable, iterations=int(sol.iters.max(initial=0)), message=messages,
        names=model.layout.names, volume0_um3=model.volume0 * 1e18)


def _pad(hot: NDArray[np.bool_]) -> NDArray[np.bool_]:
    return np.concatenate([hot, np.zeros((hot.shape[0], 1), bool)], axis=1)


def _groups(moving: NDArray[np.bool_], jac: FloatArray) -> list[tuple[NDArray[np.int_],
                                                                       NDArray[np.bool_]]]:
    """Cells with a finite Jacobian, grouped by their set of moving unknowns."""
    m = moving.shape[1]
    code = moving @ (1 << np.arange(m))
    finite = np.all(np.isfinite(jac), axis=(1, 2))
    out = []
    for c in np.unique(code):
        pattern = (c >> np.arange(m)) & 1 == 1
        cells = np.flatnonzero((code == c) & finite)
        if cells.size and pattern.any():
            out.append((cells, pattern))
    return out


def _stable(jac: FloatArray, moving: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """Whether every eigenvalue of each Jacobian (over its moving unknowns) has a negative
    real part; cells with nothing moving or no Jacobian are not stable."""
    stable = np.zeros(jac.shape[0], bool)
    # Eigenvalues, not the Routh-Hurwitz test: its characteristic-polynomial coefficients lose
    # their sign when the time scales are widely spread (ms charging beside hours of gradients),
    # e.g. squid at K_o = 1.274 mM was called unstable with every eigenvalue negative.
    for cells, pattern in _groups(moving, jac):
        sub = jac[cells][:, pattern][:, :, pattern]
        stable[cells] = np.all(np.linalg.eigvals(sub).real < 0, axis=1)
    return stable


def _eigenvalues(jac: FloatArray, moving: NDArray[np.bool_]) -> NDArray[np.complex128]:
    """Eigenvalues of the Jacobians over the moving unknowns (NaN where unknown)."""
    eigs = np.full(jac.shape[:2], np.nan, dtype=complex)
    for cells, pattern in _groups(moving, jac):
        eigs[cells, : int(pattern.sum())] = np.linalg.eigvals(jac[cells][:, pattern][:, :, pattern])
    return eigs
