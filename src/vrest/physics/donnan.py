"""Donnan equilibrium: impermeant anions inside, permeant ions in an infinite or finite bath.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from vrest.errors import ParameterError
from vrest.physics import checks as _checks
from vrest.physics import ions as _ions
from vrest.physics.constants import F, R, check_temperature
from vrest.physics.geometry import UM3_TO_M3
from vrest.physics.units import FloatArray, IonKey
from vrest.physics.zero_current import ion_resolver, ions_by_name

# --------------------------------------------------------------------------------------------
# Donnan equilibrium
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DonnanResult:
    """A Donnan equilibrium: every permeant ion at its Nernst potential, inside electroneutral.

    ``ratio`` r = c_in / c_out of a monovalent cation = exp(-F V / R T); an ion of valence z has
    c_in / c_out = r^z. Concentrations in mM keyed by ion name, ``valence`` the ions' z.
    ``moved_out_mol`` (closed system only) is the amount of each ion that left the cell to
    reach equilibrium (mol, positive outward).
    """

    ratio: FloatArray
    V_mV: FloatArray
    inside_mM: dict[str, FloatArray]
    outside_mM: dict[str, FloatArray]
    valence: dict[str, float]
    trapped_mM: FloatArray
    trapped_charge: FloatArray
    temperature_K: float
    moved_out_mol: dict[str, FloatArray] | None = None

    def inside_charge_mM(self) -> FloatArray:
        """Net charge concentration inside (mM of elementary charges); zero at equilibrium."""
        total = sum(z * self.inside_mM[name] for name, z in self.valence.items())
        return total + self.trapped_charge * self.trapped_mM


_Bath = list[tuple[_ions.Ion, FloatArray]]


def donnan(
    outside_mM: Mapping[IonKey, ArrayLike],
    trapped_mM: ArrayLike,
    trapped_charge: ArrayLike,
    temperature_K: float,
) -> DonnanResult:
    """Donnan equilibrium of a cell in an infinite bath, without an osmotic constraint.

    Every ion in ``outside_mM`` (mM) is permeant and distributes as c_in = c_out r^z; the
    trapped solute (``trapped_mM``, mean charge ``trapped_charge``, need not be an integer)
    cannot cross. Inside electroneutrality, sum z c_out r^z + z_X X = 0, fixes r. With
    monovalent ions only it is C r^2 + z_X X r - A = 0 (C, A: bath cations and anions),
    solved in closed form (vectorised); otherwise brentq on ln r (the sum increases
    monotonically with r). The bath need not be electroneutral: unlisted bath ions count as
    impermeant.
    """
    table = ions_by_name("outside", outside_mM, ion_resolver(outside_mM))
    bath = [
        (ion, _checks.positive(f"outside concentration of {n}", c)) for n, (ion, c) in table.items()
    ]
    x = _checks.non_negative("trapped concentration", trapped_mM, unit=" mM")
    zx = _checks.finite("trapped charge", trapped_charge)
    t = float(check_temperature(temperature_K))
    if all(abs(ion.valence) == 1 for ion, _ in bath):
        ratio = _donnan_monovalent(bath, zx * x)
    else:
        ratio = _donnan_numeric(bath, zx * x)
    inside = {ion.name: c * ratio**ion.valence for ion, c in bath}
    outside = {ion.name: np.broadcast_to(c, np.shape(ratio)).astype(float) for ion, c in bath}
    valences = {ion.name: float(ion.valence) for ion, _ in bath}
    return DonnanResult(ratio, _donnan_v(ratio, t), inside, outside, valences, x, zx, t)


def _donnan_v(ratio: ArrayLike, t: float) -> FloatArray:
    """V (mV) from the Donnan ratio r = exp(-FV/RT)."""
    return -1e3 * R * t / F * np.log(ratio)


def _check_donnan_exists(b: ArrayLike, cations: ArrayLike, anions: ArrayLike) -> None:
    """A root exists iff the charge sum can change sign: see :func:`donnan`."""
    b, cat, an = np.broadcast_arrays(b, cations, anions)
    bad = ((b < 0) & (cat <= 0)) | ((b > 0) & (an <= 0)) | ((b == 0) & ((cat <= 0) | (an <= 0)))
    if np.any(bad):
        raise ParameterError(
            "outside: no Donnan equilibrium exists; trapped anions need a permeant cation in the"
            " bath, trapped cations a permeant anion (and with none trapped, both)"
        )


def _sum_by_sign(bath: _Bath, positive: bool) -> FloatArray:
    return sum((c for ion, c in bath if (ion.valence > 0) == positive), np.zeros(()))


def _donnan_monovalent(bath: _Bath, b: FloatArray) -> FloatArray:
    """Positive root of C r^2 + b r - A = 0, cancellation-free."""
    cat, an, b = np.broadcast_arrays(_sum_by_sign(bath, True), _sum_by_sign(bath, False), b)
    _check_donnan_exists(b, cat, an)
    disc = np.sqrt(b * b + 4.0 * cat * an)
    pos = b > 0
    r_pos = 2.0 * an / np.where(pos, b + disc, 1.0)
    r_neg = (disc - b) / np.where(cat > 0, 2.0 * cat, 1.0)
    return np.where(pos, r_pos, r_neg)


def _donnan_numeric(bath: _Bath, b: FloatArray) -> FloatArray:
    """Solve sum z c r^z + b = 0 for r element by element (brentq on ln r)."""
    _check_donnan_exists(b, _sum_by_sign(bath, True), _sum_by_sign(bath, False))
    zs = np.array([float(ion.valence) for ion, _ in bath])
    b_arr, *concs = np.broadcast_arrays(b, *(c for _, c in bath))
    out = np.empty(b_arr.shape)
    for idx in np.ndindex(out.shape):
        c = np.array([a[idx] for a in concs])
        bb = float(b_arr[idx])
        out[idx] = math.exp(
            _increasing_root(lambda s, c=c, bb=bb: float(np.sum(zs * c * np.exp(zs * s))) + bb)
        )
    return out


def _increasing_root(f: Callable[[float], float]) -> float:
    """Root of an increasing function of s (here s = ln r), bracketing by doubling."""
    lo, hi = -1.0, 1.0
    while f(lo) > 0 and lo > -700:
        lo *= 2.0
    while f(hi) < 0 and hi < 700:
        hi *= 2.0
    if f(lo) > 0 or f(hi) < 0:
        raise ParameterError("no Donnan equilibrium found: the concentrations are too extreme")
    from scipy.optimize import brentq  # lazy: keeps `import vrest` fast

    return float(brentq(f, lo, hi, xtol=1e-14, rtol=4 * np.finfo(float).eps))


def donnan_closed(
    inside_mM: Mapping[IonKey, float],
    outside_mM: Mapping[IonKey, float],
    trapped_amount_mol: float,
    trapped_charge: float,
    cell_volume_um3: float,
    bath_volume_um3: float,
    temperature_K: float,
) -> DonnanResult:
    """Donnan equilibrium with a fixed amount of trapped solute and fixed volumes (scalars).

    The permeant ions start at ``inside_mM``/``outside_mM`` (an ion missing on one side starts
    at 0 there) and redistribute between a cell of ``cell_volume_um3`` and a bath of
    ``bath_volume_um3`` (``math.inf``: infinite bath), conserving each ion's amount, until every
    ion is at equilibrium and the inside is electroneutral. The trapped solute
    (``trapped_amount_mol`` mol of mean charge ``trapped_charge``) stays inside. With
    rho = V_cell / V_bath, the final c_out = (c_out0 + rho c_in0) / (1 + rho r^z); brentq on ln r.
    """
    start = _closed_start(inside_mM, outside_mM)
    vol_in = float(_checks.positive("cell volume", cell_volume_um3, unit=" um^3")) * UM3_TO_M3
    rho = vol_in / (_bath_volume(bath_volume_um3) * UM3_TO_M3)
    x = float(_checks.non_negative("trapped amount", trapped_amount_mol, unit=" mol")) / vol_in
    zx = float(_checks.finite("trapped charge", trapped_charge))
    t = float(check_temperature(temperature_K))
    totals = [(ion, np.asarray(co0 + rho * ci0)) for ion, ci0, co0 in start]
    _check_donnan_exists(zx * x, _sum_by_sign(totals, True), _sum_by_sign(totals, False))

    def outside_at(s: float) -> dict[str, float]:
        return {
            ion.name: float(tot) / (1.0 + rho * math.exp(ion.valence * s)) for ion, tot in totals
        }

    def charge(s: float) -> float:
        co = outside_at(s)
        return (
            sum(ion.valence * co[ion.name] * math.exp(ion.valence * s) for ion, _ in totals)
            + zx * x
        )

    s = _increasing_root(charge)
    outside = {k: np.asarray(v) for k, v in outside_at(s).items()}
    inside = {ion.name: outside[ion.name] * math.exp(ion.valence * s) for ion, _ in totals}
    moved = {ion.name: (ci0 - inside[ion.name]) * vol_in for ion, ci0, _ in start}
    valences = {ion.name: float(ion.valence) for ion, _, _ in start}
    ratio = np.asarray(math.exp(s))
    return DonnanResult(
        ratio,
        _donnan_v(ratio, t),
        inside,
        outside,
        valences,
        np.asarray(x),
        np.asarray(zx),
        t,
        moved,
    )


def _bath_volume(bath_volume_um3: float) -> float:
    value = float(_checks.as_float_array("bath volume", bath_volume_um3))
    if not value > 0:  # inf allowed (infinite bath), nan rejected
        raise ParameterError(
            f"bath volume: {value:g} um^3 is not allowed; it must be > 0 (math.inf: infinite bath)"
        )
    return value


def _closed_start(
    inside_mM: Mapping[IonKey, float], outside_mM: Mapping[IonKey, float]
) -> list[tuple[_ions.Ion, float, float]]:
    """(ion, c_in0, c_out0) for every ion on either side; each must be present somewhere."""
    resolve = ion_resolver(inside_mM, outside_mM)
    ins = ions_by_name("inside", inside_mM, resolve)
    outs = ions_by_name("outside", outside_mM, resolve)
    start = []
    for name in list(ins) + [n for n in outs if n not in ins]:
        ion = (ins.get(name) or outs[name])[0]
        ci0 = float(
            _checks.non_negative(
                f"inside concentration of {name}", ins.get(name, (ion, 0.0))[1], " mM"
            )
        )
        co0 = float(
            _checks.non_negative(
                f"outside concentration of {name}", outs.get(name, (ion, 0.0))[1], " mM"
            )
        )
        if ci0 + co0 <= 0:
            raise ParameterError(
                f"{name}: 0 mM on both sides is not allowed; give a positive value"
            )
        start.append((ion, ci0, co0))
    return start
