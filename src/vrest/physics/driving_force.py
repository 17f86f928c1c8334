"""Driving forces (V - E) and the direction an ion's flux and current take.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from vrest.physics import checks as _checks
from vrest.physics.constants import F, R, check_temperature
from vrest.physics.nernst import nernst
from vrest.physics.units import EQUILIBRIUM_TOL_MV, FloatArray

# --------------------------------------------------------------------------------------------
# Driving force and directions
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DrivingForce:
    """Electrochemical driving force on one ion at ``v_mV``.

    Energies are the work the two forces do on one mole moving from inside to outside
    (J/mol; positive = pushes the ion out): ``electrical_J_mol`` = z F V and
    ``diffusional_J_mol`` = R T ln(c_in/c_out) (= -R T ln(c_out/c_in)); their sum is
    ``total_J_mol`` = z F (V - E). The same split in mV (per unit charge): V and -E, summing to
    ``driving_force_mV`` = V - E. ``flux`` is the direction of the net flux ('out', 'in',
    'none'); ``current`` that of the current it carries ('outward', 'inward', 'none'),
    opposite to the flux for anions.
    """

    z: float
    v_mV: FloatArray
    E_mV: FloatArray
    driving_force_mV: FloatArray
    electrical_J_mol: FloatArray
    diffusional_J_mol: FloatArray
    total_J_mol: FloatArray
    flux: str | NDArray[np.str_]
    current: str | NDArray[np.str_]


def driving_force(
    z: float,
    c_in_mM: ArrayLike,
    c_out_mM: ArrayLike,
    v_mV: ArrayLike,
    temperature_K: float,
    tol_mV: float = EQUILIBRIUM_TOL_MV,
) -> DrivingForce:
    """Split the driving force V - E on an ion into its electrical and diffusional parts."""
    e = nernst(z, c_in_mM, c_out_mM, temperature_K)
    v = _checks.finite("membrane potential", v_mV, unit=" mV")
    t = float(check_temperature(temperature_K))
    zz = float(_checks.valence(z))
    dv = v - e
    electrical = zz * F * v * 1e-3
    with np.errstate(divide="ignore"):  # none outside: an infinite push outward
        diffusional = (
            R * t * np.log(np.asarray(c_in_mM, dtype=float) / np.asarray(c_out_mM, dtype=float))
        )
    return DrivingForce(
        zz,
        v,
        e,
        dv,
        electrical,
        diffusional,
        zz * F * dv * 1e-3,
        flux_direction(zz, v, e, tol_mV),
        current_direction(v, e, tol_mV),
    )


def _direction(
    sign: FloatArray, dv: FloatArray, tol: float, words: tuple[str, str, str]
) -> str | NDArray[np.str_]:
    out = np.where(np.abs(dv) <= tol, words[2], np.where(sign > 0, words[0], words[1]))
    return str(out) if out.ndim == 0 else out


def flux_direction(
    z: ArrayLike, v_mV: ArrayLike, e_mV: ArrayLike, tol_mV: float = EQUILIBRIUM_TOL_MV
) -> str | NDArray[np.str_]:
    """Direction of the net passive flux: 'out' when z (V - E) > 0, 'in' when < 0, else 'none'."""
    dv = np.asarray(v_mV, dtype=float) - np.asarray(e_mV, dtype=float)
    return _direction(np.asarray(z, dtype=float) * dv, dv, tol_mV, ("out", "in", "none"))


def current_direction(
    v_mV: ArrayLike, e_mV: ArrayLike, tol_mV: float = EQUILIBRIUM_TOL_MV
) -> str | NDArray[np.str_]:
    """Direction of the passive current: 'outward' when V > E, 'inward' when V < E, else 'none'."""
    dv = np.asarray(v_mV, dtype=float) - np.asarray(e_mV, dtype=float)
    return _direction(dv, dv, tol_mV, ("outward", "inward", "none"))
