"""Units, array types and input checks shared by the closed-form equations.

Public equations take physiologists' units (mV, mM, K, cm/s, uA/cm^2, pmol cm^-2 s^-1, mS/cm^2,
um, uF/cm^2); the factors here convert them to SI and back.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from vrest.physics import checks as _checks
from vrest.physics import ions as _ions
from vrest.physics.constants import F, R

FloatArray = NDArray[np.float64]
IonKey = str | _ions.Ion

UF_CM2_TO_F_M2 = 1e-2  # 1 uF/cm^2 = 1e-2 F/m^2
CM_S_TO_M_S = 1e-2  # 1 cm/s = 1e-2 m/s
A_M2_TO_UA_CM2 = 1e2  # 1 A/m^2 = 100 uA/cm^2
MOL_M2_S_TO_PMOL_CM2_S = 1e8  # 1 mol m^-2 s^-1 = 1e8 pmol cm^-2 s^-1
EQUILIBRIUM_TOL_MV = 1e-6  # |V - E| below this (mV) counts as "at equilibrium"

# --------------------------------------------------------------------------------------------
# Validation helpers kept for callers of the first version
# --------------------------------------------------------------------------------------------


def _check_positive(name: str, value: ArrayLike) -> FloatArray:
    return _checks.positive(name, value)


def _check_valence(z: ArrayLike) -> FloatArray:
    return _checks.valence(z)


def checked_temperature(temperature_K: ArrayLike) -> FloatArray:
    return _checks.temperature(temperature_K)


def rt_over_f_mV(temperature_K: ArrayLike) -> FloatArray:
    """RT/F in mV (validated temperature in K)."""
    return 1e3 * R * checked_temperature(temperature_K) / F
