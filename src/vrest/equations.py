"""Closed-form membrane equations, numpy-vectorised.

Public functions use the units physiologists use: potentials in mV, concentrations in mM
(= mol/m^3), temperatures in K, permeabilities in cm/s. Kernels whose names end in ``_si``
work in SI (V, mol/m^3, m/s) and are shared with the dynamic model, so that each equation
exists once.

Sign convention: V is inside minus outside; fluxes and currents are positive outward.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from vrest.constants import F, R, check_temperature
from vrest.errors import ParameterError

FloatArray = NDArray[np.float64]


def bernoulli(x: ArrayLike) -> FloatArray:
    """B(x) = x / (exp(x) - 1), with B(0) = 1; stable for every real x.

    Used to write the GHK flux as P (c_in B(-x) - c_out B(x)) with x = z F V / (R T).
    """
    x = np.asarray(x, dtype=float)
    small = np.abs(x) < 1e-6
    safe = np.where(small, 1.0, x)
    with np.errstate(over="ignore"):
        big = safe / np.expm1(safe)
    return np.where(small, 1.0 - 0.5 * x + x * x / 12.0, big)


def ghk_flux_si(
    p_m_s: ArrayLike, z: ArrayLike, c_in: ArrayLike, c_out: ArrayLike, u: ArrayLike
) -> FloatArray:
    """GHK flux density in mol m^-2 s^-1, positive outward.

    ``p_m_s`` permeability (m/s), ``z`` valence, ``c_in``/``c_out`` concentrations (mol/m^3),
    ``u`` = F V / (R T) (dimensionless, V inside minus outside).
    J = P x (c_in - c_out e^-x) / (1 - e^-x) with x = z u, written as P (c_in B(-x) - c_out B(x)).
    """
    x = np.asarray(z, dtype=float) * np.asarray(u, dtype=float)
    return np.asarray(p_m_s) * (np.asarray(c_in) * bernoulli(-x) - np.asarray(c_out) * bernoulli(x))


def nernst_si(z: ArrayLike, c_in: ArrayLike, c_out: ArrayLike, t_k: ArrayLike) -> FloatArray:
    """Nernst potential in volts: (R T / z F) ln(c_out / c_in). No input checks."""
    return R * np.asarray(t_k, dtype=float) / (np.asarray(z) * F) * np.log(
        np.asarray(c_out, dtype=float) / np.asarray(c_in, dtype=float)
    )


def _check_positive(name: str, value: ArrayLike) -> FloatArray:
    arr = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise ParameterError(f"{name}: {value!r} is not allowed; concentrations must be finite and > 0 mM")
    return arr


def _check_valence(z: ArrayLike) -> FloatArray:
    arr = np.asarray(z, dtype=float)
    if not np.all(np.isfinite(arr)) or np.any(arr == 0):
        raise ParameterError(f"valence: {z!r} is not allowed; z must be a finite non-zero number")
    return arr


def nernst(z: ArrayLike, c_in_mM: ArrayLike, c_out_mM: ArrayLike, temperature_K: float) -> FloatArray:
    """Nernst (equilibrium) potential in mV for valence ``z``, concentrations in mM, T in K."""
    t = check_temperature(temperature_K)
    zz = _check_valence(z)
    ci = _check_positive("inside concentration", c_in_mM)
    co = _check_positive("outside concentration", c_out_mM)
    return 1e3 * nernst_si(zz, ci, co, t)
