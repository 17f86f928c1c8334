"""Steady states: root finding on the conserved manifold, verified, with linear stability.

Unknowns per cell: the logarithms of the inside amounts of Na, K, Cl, Ca (and of the relative
volume when water moves). V is not an unknown: it follows from the charge on the membrane
(the exact invariant of the model), so every candidate is charge-consistent and "every net
ion flux = 0" implies "net current = 0". Ions that no mechanism moves keep their starting
amounts; trapped anions keep theirs. With a finite bath, each ion's total is conserved.

A batch is solved at once (vrest.solve.steady_batch): a few cells from their starting state by a
damped Newton method on finite-difference Jacobians, the others by continuation from their
neighbours in parameter space (Broyden, then exact-Jacobian Newton steps); the kernels are in
vrest.solve.steady_newton. Cells that do not converge are integrated for a long time with SciPy's
Radau (a stiff implicit method; vrest.solve.steady_fallback) and Newton starts again from there. Each result is verified: net current and each net ion flux vanish
relative to the gross fluxes.

The reduced system is in :mod:`vrest.solve.steady_system`, the verification and stability
checks in :mod:`vrest.solve.steady_verify`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from vrest.errors import NoSteadyStateError, ParameterError
from vrest.model.cell import Cell
from vrest.model.mechanisms.base import Z_IONS
from vrest.model.mechanisms.pumps import PMCA, NaKPump
from vrest.model.rhs import I_X, Model
from vrest.physics.constants import N_A, F
from vrest.physics.nernst import nernst_si
from vrest.solve.steady_fallback import retry_after_transient
from vrest.solve.steady_newton import Result, refine
from vrest.solve.steady_system import IONS, FloatArray, ReducedSystem
from vrest.solve.steady_verify import (
    jacobian_eigenvalues,
    linearly_stable,
    pad_hot,
    relative_residuals,
    slowest_time_constant,
    verified,
)


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
        return jacobian_eigenvalues(self.jacobian, self.moving)

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
            "slowest_time_constant_s": slowest_time_constant(self.eigenvalues[cell]),
            "residual_current_rel": float(self.residual_current[cell]),
            "residual_flux_rel": {ion: float(self.residual_flux[cell, i]) for i, ion in enumerate(IONS)},
            "iterations": self.iterations,
        }

    def state(self, cell: int = 0) -> FloatArray:
        """Model state of one cell, usable as ``simulate(..., y0=...)``."""
        return self.y[cell].copy()


def steady_state(cell: Cell, batch: Mapping[str, ArrayLike] | None = None,
                 y0: ArrayLike | None = None, max_iter: int = 60,
                 raise_on_failure: bool | None = None) -> SteadyState:
    """Steady state(s) of ``cell`` (a batch when ``batch`` maps parameters to arrays).

    Starts from the cell's starting state or ``y0`` (whose trapped anions, and with a finite
    bath whose totals, are conserved). For a single cell (no batch) a missing steady state
    raises NoSteadyStateError unless ``raise_on_failure=False``; in a batch, failed cells are
    marked in ``converged`` and ``message``. Cells with voltage-gated channels are refused
    (ParameterError): simulate them instead.
    """
    from vrest.solve import steady_batch

    raise_on_failure = batch is None if raise_on_failure is None else raise_on_failure
    gated = [m.name for m in cell.mechanisms if m.GATED]
    if gated:
        raise ParameterError(
            f"steady state: {', '.join(gated)} are voltage-gated channels, whose gates this solver "
            "does not handle; simulate the cell instead (vrest.simulate), or remove them")
    model = Model(cell, batch)
    reasons = _structural_reasons(cell, model)
    if any(reasons) and raise_on_failure:
        raise NoSteadyStateError(next(r for r in reasons if r))
    y_start = model.y0 if y0 is None else _check_y0(model, y0)
    red = ReducedSystem(model, y_start, batch)
    possible = np.array([not r for r in reasons])
    sol = steady_batch.solve(red, red.unknowns(y_start), possible, max_iter)
    messages = [r or "converged" for r in reasons]
    if (possible & ~sol.ok).any():
        retry_after_transient(red, sol, possible & ~sol.ok, messages, max_iter)
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
    if not model.finite_bath:
        _absent_from_bath(model, reasons)
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


def _absent_from_bath(model: Model, reasons: list[str]) -> None:
    """Cells whose (infinite) bath lacks an ion that moves: it only leaves, so its amount inside
    falls toward 0 and there is no steady state with any of it inside (in place)."""
    if not (model.c_out0 == 0).any():
        return
    with np.errstate(all="ignore"):
        moving = model.rhs(0.0, model.y0)[:, :4] != 0
    for i, j in zip(*np.nonzero((model.c_out0 == 0) & moving), strict=True):
        ion = IONS[j]
        reasons[i] = reasons[i] or (
            f"no steady state with {ion} inside: the bath has no {ion} (bath.{ion} = 0), so "
            f"{ion} only leaves the cell and its amount inside falls toward 0 for ever; "
            "simulate the time course instead")


def _refine(red: ReducedSystem, sol: Result, cells: NDArray[np.bool_]) -> None:
    """Full Newton steps (exact Jacobians) for converged cells that failed verification; a
    cell whose state became infeasible keeps its previous solution (and its verdict)."""
    idx = np.flatnonzero(cells)
    res = refine(red.take(idx), sol.u[idx])
    good = idx[res.ok]
    sol.u[good], sol.r[good], sol.jac[good] = res.u[res.ok], res.r[res.ok], res.jac[res.ok]


def _result(red: ReducedSystem, sol: Result, messages: list[str]) -> SteadyState:
    model = red.model
    y = red.full(sol.u)
    with np.errstate(all="ignore"):
        obs = model.observe(y)
        rel, rel_i = relative_residuals(model, y, obs)
    ok = sol.ok & verified(red, y, obs, rel, rel_i)
    messages = [m if good or m != "converged" else "not verified: net fluxes do not vanish"
                for m, good in zip(messages, ok, strict=True)]
    jac = np.where(red.hot[:, :, None] if red.m == 4 else pad_hot(red.hot)[:, :, None],
                   1e3 * sol.jac, sol.jac)  # undo the V/s scaling of the v residual
    stable = linearly_stable(jac, ~red.fixed) & ok
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
