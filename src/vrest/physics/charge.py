"""The charge on the membrane capacitor: Q = C V, and how few ions it takes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from vrest.errors import ParameterError
from vrest.physics import checks as _checks
from vrest.physics.constants import E_CHARGE, F
from vrest.physics.geometry import UM2_TO_M2, Geometry
from vrest.physics.units import UF_CM2_TO_F_M2, FloatArray

# --------------------------------------------------------------------------------------------
# Charge on the membrane capacitor
# --------------------------------------------------------------------------------------------


def membrane_charge(
    v_mV: ArrayLike, area_um2: ArrayLike, capacitance_uF_cm2: ArrayLike = 1.0
) -> FloatArray:
    """Charge on the inner face of the membrane, C: Q = C_m A V (negative when V < 0)."""
    v = _checks.finite("membrane potential", v_mV, unit=" mV")
    a = _checks.positive("area", area_um2, unit=" um^2")
    cm = _checks.positive("capacitance", capacitance_uF_cm2, unit=" uF/cm^2")
    return cm * UF_CM2_TO_F_M2 * a * UM2_TO_M2 * v * 1e-3


def voltage_from_charge(
    charge_C: ArrayLike, area_um2: ArrayLike, capacitance_uF_cm2: ArrayLike = 1.0
) -> FloatArray:
    """Membrane potential (mV) produced by a charge ``charge_C`` (C) on the inner face."""
    q = _checks.finite("charge", charge_C, unit=" C")
    a = _checks.positive("area", area_um2, unit=" um^2")
    cm = _checks.positive("capacitance", capacitance_uF_cm2, unit=" uF/cm^2")
    return 1e3 * q / (cm * UF_CM2_TO_F_M2 * a * UM2_TO_M2)


@dataclass(frozen=True)
class ChargeBudget:
    """What it takes to charge the membrane of a cell from 0 to ``v_mV`` with one ion.

    ``charge_C`` charge on the inner face (C); ``ions_count`` number of elementary charges
    (monovalent-ion equivalents); ``moved_out_mol`` amount of the ion (valence ``z``) that must
    cross, positive outward; ``delta_c_mM`` the resulting change of its inside concentration;
    ``fraction`` |moved| / content (None when no inside concentration was given).
    """

    v_mV: FloatArray
    z: float
    geometry: Geometry
    capacitance_uF_cm2: float
    charge_C: FloatArray
    ions_count: FloatArray
    moved_out_mol: FloatArray
    delta_c_mM: FloatArray
    fraction: FloatArray | None


def charge_budget(
    v_mV: ArrayLike,
    geometry: Geometry,
    z: float = 1,
    c_in_mM: ArrayLike | None = None,
    capacitance_uF_cm2: float = 1.0,
) -> ChargeBudget:
    """Charge, ions moved, concentration change and fraction of content to reach ``v_mV``.

    E.g. a 10 um sphere at -70 mV: ~5.5e6 K+ ions, 1.6e-5 of its 140 mM K+ content.
    """
    if not isinstance(geometry, Geometry):
        raise ParameterError(f"geometry: {geometry!r} is not a vrest.physics.geometry.Geometry")
    zz = float(_checks.valence(z))
    q = membrane_charge(v_mV, geometry.area_um2, capacitance_uF_cm2)
    moved = -q / (zz * F)
    delta = -moved / geometry.volume_m3
    fraction = None
    if c_in_mM is not None:
        c = _checks.positive("inside concentration", c_in_mM)
        fraction = np.abs(moved) / (c * geometry.volume_m3)
    return ChargeBudget(
        np.asarray(v_mV, dtype=float),
        zz,
        geometry,
        float(capacitance_uF_cm2),
        q,
        np.abs(q) / E_CHARGE,
        moved,
        delta,
        fraction,
    )
