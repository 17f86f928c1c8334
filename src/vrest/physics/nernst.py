"""The Nernst potential of one ion (mV, and the SI kernel shared with the dynamic model).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from vrest.physics import checks as _checks
from vrest.physics import kernels
from vrest.physics.units import FloatArray, checked_temperature, rt_over_f_mV


def nernst_si(z: ArrayLike, c_in: ArrayLike, c_out: ArrayLike, t_k: ArrayLike) -> FloatArray:
    """Nernst potential in volts: (R T / z F) ln(c_out / c_in). No input checks (c_out = 0
    gives an infinite E, quietly)."""
    with np.errstate(divide="ignore"):
        return np.asarray(kernels.nernst(np.asarray(z, dtype=float), np.asarray(c_in, dtype=float),
                                         np.asarray(c_out, dtype=float),
                                         np.asarray(t_k, dtype=float)))


# --------------------------------------------------------------------------------------------
# Nernst
# --------------------------------------------------------------------------------------------


def nernst(
    z: ArrayLike, c_in_mM: ArrayLike, c_out_mM: ArrayLike, temperature_K: float
) -> FloatArray:
    """Nernst (equilibrium) potential in mV for valence ``z``, concentrations in mM, T in K.

    E = (R T / z F) ln(c_out / c_in). ``z`` may be any finite non-zero number; the inside
    concentration must be finite and > 0, the outside one finite and >= 0: with none outside
    (a Na-free bath, say) E is infinite, -inf mV for a cation and +inf mV for an anion (no
    finite V holds the ion in); T within (0, 400] K. Arrays broadcast.
    """
    t = checked_temperature(temperature_K)
    zz = _checks.valence(z)
    ci = _checks.positive("inside concentration", c_in_mM)
    co = _checks.non_negative("outside concentration", c_out_mM, unit=" mM")
    zz, ci, co, t = _checks.broadcast(z=zz, c_in=ci, c_out=co, temperature=t)
    with np.errstate(divide="ignore"):
        return 1e3 * nernst_si(zz, ci, co, t)


def nernst_slope(temperature_K: ArrayLike, z: ArrayLike = 1) -> FloatArray:
    """Change of the Nernst potential per tenfold change of c_out/c_in, mV/decade.

    (R T / z F) ln 10: 58.2 mV at 20 degC and 61.5 mV at 37 degC for z = 1.
    """
    return rt_over_f_mV(temperature_K) * math.log(10.0) / _checks.valence(z)


def thermal_voltage_mV(temperature_K: ArrayLike) -> FloatArray:
    """RT/F in mV (25.26 mV at 20 degC, 26.73 mV at 37 degC)."""
    return rt_over_f_mV(temperature_K)
