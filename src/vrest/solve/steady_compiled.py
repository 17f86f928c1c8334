"""The steady-state solver's residual, compiled: the reduced system of
``vrest.solve.steady_system`` evaluated for a whole batch in one numba call (one thread; no
allocation per cell).

The physics is the compiled right-hand side of ``vrest.solve.compiled`` (the model's kernels,
written once); what is here is only the map from the reduced unknowns (log amounts, with v in
mV in the slot of the ion whose amount follows from the charge) to the model state, and from
dy/dt to the residuals (d ln amount / dt in 1/s; dv/dt in V/s in the charge slot), exactly as
``ReducedSystem.full`` and ``ReducedSystem.residual`` do with numpy (a test holds them equal).
Rows of ``u`` may stack several copies of the batch (finite-difference columns): row i belongs
to cell ``i % B``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from vrest.solve import compiled, packed

FloatArray = NDArray[np.float64]

AVAILABLE = compiled.AVAILABLE
_Z = np.array([1.0, 1.0, -1.0, 2.0])


def _state_py(u, base, k, z_k, offset, p, m, y):  # type: ignore[no-untyped-def]
    """Fill ``y`` (the cell's state without out_* columns) from the unknowns ``u``; False
    where the charge-determined amount is not positive (infeasible)."""
    for j in range(y.shape[0]):
        y[j] = base[j]
    others = p[compiled.P_ZX] * base[4]
    for j in range(4):
        if j != k:
            y[j] = np.exp(u[j])
            others += _Z[j] * y[j]
    if m == 5:
        y[int(p[compiled.P_IW])] = np.exp(u[4])
    mvpc = p[compiled.P_MVPC]
    if k >= 0:
        amount = ((u[k] - offset) / mvpc - others) / z_k
        y[k] = amount if amount > 0.0 else np.nan
        y[5] = u[k]
        return amount > 0.0
    else:
        y[5] = mvpc * others + offset
    return True


def _residuals_py(u, base, k, z_k, offset, params, m, r, y, dys, work):  # type: ignore[no-untyped-def]
    """Residuals r (N, m) and states y (N, n_core) for stacked unknowns u (N, m); ``dys``
    (N, n_core) and ``work`` (N, WORK) are scratch."""
    n_cells = base.shape[0]
    for i in range(u.shape[0]):
        b = i % n_cells
        p = params[b]
        if not _state(u[i], base[b], k[b], z_k[b], offset[b], p, m, y[i]):
            for j in range(m):
                r[i, j] = np.nan
            continue
        dy = dys[i]
        compiled.rhs_into(y[i], 0.0, p, dy, work[i])
        for j in range(4):
            r[i, j] = 1e-3 * dy[5] if j == k[b] else dy[j] / y[i, j]
        if m == 5:
            i_w = int(p[compiled.P_IW])
            r[i, 4] = dy[i_w] / y[i, i_w]


if AVAILABLE:
    import numba

    _state = numba.njit(inline="always", error_model="numpy")(_state_py)  # small: inlined
    _residuals = numba.njit(cache=True, error_model="numpy")(_residuals_py)


def supports(model: Any) -> bool:
    """Whether the compiled residual can evaluate ``model`` (every mechanism has a compiled
    form)."""
    return bool(AVAILABLE) and packed.compilable(model)


class CompiledResidual:
    """The compiled residual of one ReducedSystem (its batch's packed parameters, kept)."""

    def __init__(self, model: Any, base: FloatArray) -> None:
        self.params = np.ascontiguousarray(compiled.pack(model, base).reshape(len(base), -1))
        self.core = model.layout.out.start
        self.base = np.ascontiguousarray(base[:, : self.core])

    def take(self, idx: NDArray[np.int_]) -> CompiledResidual:
        """The same residual for the cells ``idx`` (their rows of parameters and states)."""
        sub = object.__new__(CompiledResidual)
        sub.params = np.ascontiguousarray(self.params[idx])
        sub.core = self.core
        sub.base = np.ascontiguousarray(self.base[idx])
        return sub

    def __call__(self, u: FloatArray, k: NDArray[np.int_], z_k: FloatArray, offset: FloatArray,
                 m: int) -> tuple[FloatArray, FloatArray]:
        """Residuals (..., B, m) and core states (..., B, n_core) for unknowns (..., B, m)."""
        flat = np.ascontiguousarray(u.reshape(-1, m), dtype=float)
        r = np.empty_like(flat)
        y = np.empty((flat.shape[0], self.core))
        with np.errstate(all="ignore"):
            _residuals(flat, self.base, np.ascontiguousarray(k, dtype=np.int64),
                       np.ascontiguousarray(z_k, dtype=float),
                       np.ascontiguousarray(offset, dtype=float), self.params, m, r, y,
                       np.empty_like(y), np.empty((len(y), packed.WORK)))
        return r.reshape(u.shape), y.reshape(u.shape[:-1] + (self.core,))
