"""The reduced system a steady state solves: unknowns on the conserved manifold (log amounts,
with V in place of one ion's amount), their residuals and the map back to the model state.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike, NDArray

from vrest.model.mechanisms.base import Z_IONS
from vrest.model.rhs import I_V, I_X, Model

FloatArray = NDArray[np.float64]
IONS = ("Na", "K", "Cl", "Ca")


class ReducedSystem:
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
        from vrest.solve import steady_compiled  # lazy: loads numba

        self.fast = steady_compiled.CompiledResidual(model, self.base) \
            if steady_compiled.supports(model) else None
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
             ) -> ReducedSystem:
        """The same system for the cells ``idx`` (same starting state, invariants and
        unknowns); with ``batch``, their parameters are replaced by those values."""
        sub = object.__new__(ReducedSystem)
        sub.base, sub.totals = self.base[idx], self.totals[idx]
        if batch is None:  # a subset: the model and its packed parameters sliced
            sub.batch = {k: np.asarray(v, dtype=float)[idx] for k, v in self.batch.items()}
            sub.model = self.model.take(idx)
            sub.fast = self.fast.take(idx) if self.fast is not None else None
        else:
            from vrest.solve import steady_compiled

            sub.batch = dict(batch)
            sub.model = Model(self.model.cell, sub.batch or None)
            sub.fast = steady_compiled.CompiledResidual(sub.model, sub.base) \
                if self.fast is not None else None
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
        """Residuals (see the class docstring) and the full state: compiled when every
        mechanism has a compiled form (``vrest.solve.steady_compiled``), else with numpy."""
        if self.fast is not None:
            return self._residual_compiled(u)
        return self.residual_numpy(u)

    def _residual_compiled(self, u: FloatArray) -> tuple[FloatArray, FloatArray]:
        assert self.fast is not None
        r, core = self.fast(u, self.k, self.z_k, self.offset, self.m)
        y = np.empty(u.shape[:-1] + self.base.shape[-1:])
        y[...] = self.base
        y[..., : core.shape[-1]] = core
        if self.model.finite_bath:
            y[..., self.model.layout.out] = self.totals - y[..., :4]
        return r, y

    def residual_numpy(self, u: FloatArray) -> tuple[FloatArray, FloatArray]:
        """The residual with the vectorised numpy model (the reference for the compiled one)."""
        y = self.full(u)
        with np.errstate(all="ignore"):
            dy = self.model.rhs(0.0, y)
            r = np.where(self.hot, 1e-3 * dy[..., I_V, None], dy[..., :4] / y[..., :4])
        if self.m == 5:
            i_w = self.model.layout.i_w
            r = np.concatenate([r, (dy[..., i_w] / y[..., i_w])[..., None]], axis=-1)
        return r, y
