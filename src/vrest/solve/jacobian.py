"""Block-diagonal Jacobians of a batched Model for SciPy's implicit solvers.

The cells of a batch are independent, so d(rhs)/dy is block diagonal with one n x n block per
cell. All blocks come from ONE vectorised model call on n perturbed copies of the batch
(forward differences), assembled into a sparse CSC matrix whose structure is computed once.
SciPy's own sparse finite differences (``jac_sparsity``) find the same matrix with a Python
loop over the columns of every group, which dominates a batched time course of many cells
(S1-P1: 2.85 s instead of 6.98 s, the same steps and the same solution).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

REL_STEP = 1e-7  # forward-difference step, relative to |y| (at least REL_STEP * FLOOR)
FLOOR = 1e-3  # state units (mM, mV, 1) below which the step no longer shrinks


def block_jacobian(model: Any) -> Callable[[float, NDArray[np.float64]], Any]:
    """``jac(t, y)`` for ``solve_ivp`` on ``model.rhs_flat``: the (B n, B n) sparse Jacobian."""
    import scipy.sparse as sp

    n, b = model.layout.size, model.batch_size
    base = np.repeat(np.arange(b) * n, n * n)
    rows = np.tile(np.repeat(np.arange(n), n), b) + base  # block entries in (cell, i, j) order
    cols = np.tile(np.tile(np.arange(n), n), b) + base
    order = np.lexsort((rows, cols))  # CSC: by column, then row
    indptr = np.concatenate([[0], np.cumsum(np.bincount(cols, minlength=n * b))])
    indices = rows[order]
    diag = np.arange(n)

    def jac(t: float, y_flat: NDArray[np.float64]) -> Any:
        y = y_flat.reshape(b, n)
        f0 = model.rhs(t, y)
        h = REL_STEP * np.maximum(np.abs(y), FLOOR)  # (B, n)
        pert = np.repeat(y[None], n, axis=0)  # (n, B, n): copy j has column j perturbed
        pert[diag, :, diag] += h.T
        with np.errstate(all="ignore"):
            blocks = (model.rhs(t, pert) - f0[None]) / h.T[:, :, None]  # [j, cell, i]
        data = np.transpose(blocks, (1, 2, 0)).reshape(-1)  # (cell, i, j)
        return sp.csc_matrix((data[order], indices, indptr), shape=(n * b, n * b))

    return jac
