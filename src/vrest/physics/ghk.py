"""Goldman-Hodgkin-Katz flux, current and chord conductance of one ion (and the SI kernels).

Sign convention: V is inside minus outside; fluxes and currents are positive outward.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from vrest.physics import checks as _checks
from vrest.physics import kernels
from vrest.physics.constants import F, R
from vrest.physics.nernst import nernst_si
from vrest.physics.units import (
    A_M2_TO_UA_CM2,
    CM_S_TO_M_S,
    MOL_M2_S_TO_PMOL_CM2_S,
    FloatArray,
    checked_temperature,
    rt_over_f_mV,
)

# --------------------------------------------------------------------------------------------
# SI kernels (used by the dynamic model; keep signatures and behaviour)
# --------------------------------------------------------------------------------------------


def bernoulli(x: ArrayLike) -> FloatArray:
    """B(x) = x / (exp(x) - 1), with B(0) = 1; stable for every real x.

    Used to write the GHK flux as P (c_in B(-x) - c_out B(x)) with x = z F V / (R T).
    """
    with np.errstate(over="ignore"):
        return np.asarray(kernels.bernoulli(np.asarray(x, dtype=float)), dtype=float)


def ghk_flux_si(
    p_m_s: ArrayLike, z: ArrayLike, c_in: ArrayLike, c_out: ArrayLike, u: ArrayLike
) -> FloatArray:
    """GHK flux density in mol m^-2 s^-1, positive outward.

    ``p_m_s`` permeability (m/s), ``z`` valence, ``c_in``/``c_out`` concentrations (mol/m^3),
    ``u`` = F V / (R T) (dimensionless, V inside minus outside).
    J = P x (c_in - c_out e^-x) / (1 - e^-x) with x = z u, written as P (c_in B(-x) - c_out B(x)).
    """
    x = np.asarray(z, dtype=float) * np.asarray(u, dtype=float)
    return np.asarray(kernels.ghk_flux(np.asarray(p_m_s), np.asarray(c_in), np.asarray(c_out),
                                       bernoulli(-x), bernoulli(x)))


# --------------------------------------------------------------------------------------------
# GHK flux, current and conductance of one ion
# --------------------------------------------------------------------------------------------


def _ghk_inputs(
    permeability_cm_s: ArrayLike,
    z: ArrayLike,
    c_in_mM: ArrayLike,
    c_out_mM: ArrayLike,
    v_mV: ArrayLike,
    temperature_K: ArrayLike,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """Validate the inputs of the one-ion GHK functions; return p (m/s), z, ci, co, u, V (mV)."""
    p = _checks.non_negative("permeability", permeability_cm_s, unit=" cm/s")
    zz = _checks.valence(z)
    ci = _checks.positive("inside concentration", c_in_mM)
    co = _checks.non_negative("outside concentration", c_out_mM, unit=" mM")
    v = _checks.finite("membrane potential", v_mV, unit=" mV")
    u = v / rt_over_f_mV(temperature_K)
    p, zz, ci, co, u, v = _checks.broadcast(permeability=p, z=zz, c_in=ci, c_out=co, u=u, v=v)
    return p * CM_S_TO_M_S, zz, ci, co, u, v


def ghk_flux(
    permeability_cm_s: ArrayLike,
    z: ArrayLike,
    c_in_mM: ArrayLike,
    c_out_mM: ArrayLike,
    v_mV: ArrayLike,
    temperature_K: ArrayLike,
) -> FloatArray:
    """GHK flux density in pmol cm^-2 s^-1, positive outward.

    Permeability in cm/s, concentrations in mM, V in mV (inside minus outside), T in K.
    Exact and stable at V = 0 (where it is P (c_in - c_out)) and at large |V|.
    """
    p, zz, ci, co, u, _ = _ghk_inputs(permeability_cm_s, z, c_in_mM, c_out_mM, v_mV, temperature_K)
    return ghk_flux_si(p, zz, ci, co, u) * MOL_M2_S_TO_PMOL_CM2_S


def ghk_current(
    permeability_cm_s: ArrayLike,
    z: ArrayLike,
    c_in_mM: ArrayLike,
    c_out_mM: ArrayLike,
    v_mV: ArrayLike,
    temperature_K: ArrayLike,
) -> FloatArray:
    """GHK current density in uA/cm^2 (= 1e-2 A/m^2), positive outward.

    I = z F J with J the GHK flux. Zero at the ion's Nernst potential, increasing in V.
    """
    p, zz, ci, co, u, _ = _ghk_inputs(permeability_cm_s, z, c_in_mM, c_out_mM, v_mV, temperature_K)
    return zz * F * ghk_flux_si(p, zz, ci, co, u) * A_M2_TO_UA_CM2


def ghk_chord_conductance(
    permeability_cm_s: ArrayLike,
    z: ArrayLike,
    c_in_mM: ArrayLike,
    c_out_mM: ArrayLike,
    v_mV: ArrayLike,
    temperature_K: ArrayLike,
) -> FloatArray:
    """GHK chord conductance g = I / (V - E) in mS/cm^2 (uA/cm^2 per mV).

    At V = E it takes its limit, the slope dI/dV there:
    g(E) = z^2 F^2 P / (R T) * c_in c_out ln(c_out/c_in) / (c_out - c_in) (-> c at c_in = c_out).
    """
    p, zz, ci, co, u, v = _ghk_inputs(permeability_cm_s, z, c_in_mM, c_out_mM, v_mV, temperature_K)
    t = checked_temperature(temperature_K)
    current = zz * F * ghk_flux_si(p, zz, ci, co, u) * A_M2_TO_UA_CM2
    with np.errstate(divide="ignore", invalid="ignore"):  # c_out = 0: E infinite, chord g = 0
        dv = v - 1e3 * nernst_si(zz, ci, co, t)
        near = np.abs(dv) < 1e-6
        chord = current / np.where(near, 1.0, dv)
        return np.where(near, _ghk_conductance_at_reversal(p, zz, ci, co, t), chord)


def _ghk_conductance_at_reversal(
    p_m_s: FloatArray, z: FloatArray, ci: FloatArray, co: FloatArray, t_k: ArrayLike
) -> FloatArray:
    """Slope of the GHK current at the reversal potential, mS/cm^2."""
    ratio = co / ci
    same = np.abs(ratio - 1.0) < 1e-9
    log_mean_factor = np.where(same, 1.0, np.log(ratio) / np.where(same, 2.0, ratio - 1.0))
    g_si = z * z * F * F * p_m_s / (R * np.asarray(t_k, dtype=float)) * co * log_mean_factor
    return g_si * A_M2_TO_UA_CM2 * 1e-3  # S/m^2 -> uA/cm^2 per mV
