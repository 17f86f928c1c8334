"""Checks of a candidate steady state: every net flux and the net current small against the
gross fluxes (verification), and the eigenvalues of the Jacobian (linear stability).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from vrest.model.mechanisms.base import Z_IONS
from vrest.model.rhs import I_V, Model
from vrest.solve.steady_system import FloatArray, ReducedSystem

VERIFY_TOL = 1e-7  # net flux / gross flux allowed at a verified steady state
MAX_SWELL = 100.0  # relative volume beyond which a cell is taken to swell without bound


def slowest_time_constant(eigs: FloatArray) -> float | None:
    real = np.real(eigs[np.isfinite(eigs)])
    real = real[real < 0]
    return float(-1.0 / real.max()) if real.size else None


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


def relative_residuals(model: Model, y: FloatArray, obs: Any) -> tuple[FloatArray, FloatArray]:
    """Net flux of each ion and net current relative to their scales (see _gross)."""
    net, scale, net_i, scale_i = _gross(model, y, obs)
    with np.errstate(all="ignore"):
        rel = np.where(scale > 0, np.abs(net) / scale, 0.0)
        rel_i = np.where(scale_i > 0, np.abs(net_i) / scale_i, 0.0)
    return rel, rel_i


def verified(red: ReducedSystem, y: FloatArray, obs: Any, rel: FloatArray,
              rel_i: FloatArray) -> NDArray[np.bool_]:
    ok = np.all(rel < VERIFY_TOL, axis=1) & (rel_i < VERIFY_TOL) & np.all(np.isfinite(y), axis=1)
    if red.m == 5:
        w = y[:, red.model.layout.i_w]
        with np.errstate(all="ignore"):
            ok &= np.abs(obs.water / (red.model.volume0 * w)) < 1e-9  # d(ln w)/dt, 1/s
        ok &= w < MAX_SWELL
    return ok


def pad_hot(hot: NDArray[np.bool_]) -> NDArray[np.bool_]:
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


def linearly_stable(jac: FloatArray, moving: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """Whether every eigenvalue of each Jacobian (over its moving unknowns) has a negative
    real part; cells with nothing moving or no Jacobian are not stable."""
    stable = np.zeros(jac.shape[0], bool)
    # Eigenvalues, not the Routh-Hurwitz test: its characteristic-polynomial coefficients lose
    # their sign when the time scales are widely spread (ms charging beside hours of gradients),
    # e.g. squid at K_o = 1.274 mM was called unstable with every eigenvalue negative.
    for cells, pattern in _groups(moving, jac):
        sub = jac[cells][:, pattern][:, :, pattern]
        stable[cells] = np.all(eigvals(sub).real < 0, axis=1)
    return stable


def eigvals(a: FloatArray, min_share: int = 2000) -> NDArray[np.complex128]:
    """np.linalg.eigvals of a stack of matrices (..., m, m), large stacks shared among the cores
    (LAPACK runs without the GIL)."""
    from vrest.solve import threads

    shares = threads.interleaved(a.shape[0], min_share)
    if len(shares) == 1:
        return np.linalg.eigvals(a)
    out = np.empty(a.shape[:-1], dtype=complex)

    def part(rows: NDArray[np.int_]) -> None:
        out[rows] = np.linalg.eigvals(a[rows])

    threads.run(part, shares)
    return out


def jacobian_eigenvalues(jac: FloatArray, moving: NDArray[np.bool_]) -> NDArray[np.complex128]:
    """Eigenvalues of the Jacobians over the moving unknowns (NaN where unknown)."""
    eigs = np.full(jac.shape[:2], np.nan, dtype=complex)
    for cells, pattern in _groups(moving, jac):
        eigs[cells, : int(pattern.sum())] = eigvals(jac[cells][:, pattern][:, :, pattern])
    return eigs
