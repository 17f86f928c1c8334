"""Several ions at once: the GHK voltage, the zero-current potential, the chord-conductance
potential and Mullins-Noda (pump-weighted) potential.

Functions take mappings ``ion -> value``; keys are ion names ('K', 'Na+', 'chloride', ...; see
:mod:`vrest.physics.ions`) or :class:`vrest.physics.ions.Ion` objects. Permeabilities may be
relative (e.g. to P_K) whenever only a potential is computed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from vrest.errors import ParameterError
from vrest.physics import checks as _checks
from vrest.physics import ions as _ions
from vrest.physics.constants import F, R
from vrest.physics.ghk import ghk_chord_conductance, ghk_flux_si
from vrest.physics.nernst import nernst
from vrest.physics.units import FloatArray, IonKey, checked_temperature, rt_over_f_mV

# --------------------------------------------------------------------------------------------
# Several ions: GHK voltage and the zero-current potential
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Species:
    ion: _ions.Ion
    p: FloatArray
    c_in: FloatArray
    c_out: FloatArray


def ion_resolver(*maps: Mapping[IonKey, object]) -> Callable[[IonKey], _ions.Ion]:
    """A function mapping keys to ions: custom Ion keys first, then the standard names."""
    custom = {k.name.lower(): k for m in maps for k in m if isinstance(k, _ions.Ion)}

    def resolve(key: IonKey) -> _ions.Ion:
        if isinstance(key, _ions.Ion):
            return key
        return custom.get(str(key).strip().lower()) or _ions.get(key)

    return resolve


def ions_by_name(
    what: str, values: Mapping[IonKey, ArrayLike], resolve: Callable[[IonKey], _ions.Ion]
) -> dict[str, tuple[_ions.Ion, ArrayLike]]:
    """Re-key a mapping by canonical ion name; duplicates are an error."""
    out: dict[str, tuple[_ions.Ion, ArrayLike]] = {}
    for key, value in _checks.mapping(what, values).items():
        ion = resolve(key)  # type: ignore[arg-type]
        if ion.name in out:
            raise ParameterError(f"{what}: ion {ion.name} is given twice")
        out[ion.name] = (ion, value)  # type: ignore[assignment]
    return out


def _permeant_species(
    permeability: Mapping[IonKey, ArrayLike],
    inside_mM: Mapping[IonKey, ArrayLike],
    outside_mM: Mapping[IonKey, ArrayLike],
) -> list[_Species]:
    """Validated (ion, P, c_in, c_out) for every ion in ``permeability`` that is not all-zero."""
    resolve = ion_resolver(permeability, inside_mM, outside_mM)
    perm = ions_by_name("permeability", permeability, resolve)
    inside = ions_by_name("inside", inside_mM, resolve)
    outside = ions_by_name("outside", outside_mM, resolve)
    species = []
    for name, (ion, p_raw) in perm.items():
        p = _checks.non_negative(f"permeability of {name}", p_raw)
        if not np.any(p > 0):
            continue
        for where, table in (("inside", inside), ("outside", outside)):
            if name not in table:
                raise ParameterError(
                    f"{where}: no concentration for {name}, which has a permeability;"
                    f" give {name} on both sides or set its permeability to 0"
                )
        ci = _checks.positive(f"inside concentration of {name}", inside[name][1])
        co = _checks.non_negative(f"outside concentration of {name}", outside[name][1], " mM")
        species.append(_Species(ion, p, ci, co))
    total = sum((s.p for s in species), np.zeros(()))
    if not species or np.any(total <= 0):
        raise ParameterError("permeability: at least one ion must have a permeability > 0")
    return species


def ghk_voltage(
    permeability: Mapping[IonKey, ArrayLike],
    inside_mM: Mapping[IonKey, ArrayLike],
    outside_mM: Mapping[IonKey, ArrayLike],
    temperature_K: ArrayLike,
) -> FloatArray:
    """Goldman-Hodgkin-Katz voltage equation for monovalent ions (Na, K, Cl), mV.

    V = (RT/F) ln((sum_cations P c_out + sum_anions P c_in)
                  / (sum_cations P c_in + sum_anions P c_out)).
    Permeabilities may be relative (e.g. K=1, Na=0.04, Cl=0.45). For divalent ions use
    :func:`zero_current_potential`.
    """
    species = _permeant_species(permeability, inside_mM, outside_mM)
    for s in species:
        if abs(s.ion.valence) != 1:
            raise ParameterError(
                f"ghk_voltage covers monovalent ions only; {s.ion.name} has z = {s.ion.valence:+d};"
                f" use zero_current_potential for it"
            )
    a, b, _, _ = _quadratic_sums(species)
    return rt_over_f_mV(temperature_K) * np.log(b / a)


def _quadratic_sums(species: list[_Species]) -> tuple[FloatArray, ...]:
    """Sums A, B (monovalent) and D_in, D_out (divalent) of P c, anions with sides swapped."""
    a = b = d_in = d_out = np.zeros(())
    for s in species:
        c_in, c_out = (s.c_in, s.c_out) if s.ion.valence > 0 else (s.c_out, s.c_in)
        if abs(s.ion.valence) == 1:
            a, b = a + s.p * c_in, b + s.p * c_out
        else:
            d_in, d_out = d_in + s.p * c_in, d_out + s.p * c_out
    return a, b, d_in, d_out


def zero_current_potential(
    permeability: Mapping[IonKey, ArrayLike],
    inside_mM: Mapping[IonKey, ArrayLike],
    outside_mM: Mapping[IonKey, ArrayLike],
    temperature_K: ArrayLike,
) -> FloatArray:
    """Potential (mV) at which the summed GHK currents of all permeant ions vanish.

    Any set of ions and valences. With only mono- and divalent ions (Na, K, Cl, Ca) the
    condition is a quadratic in w = exp(FV/RT), solved in closed form (vectorised):
    (A + 4 D_in) w^2 + (A - B) w - (B + 4 D_out) = 0, where A = sum P c_in over monovalent
    cations (+ P c_out over monovalent anions), B the same with sides swapped, and D_in/D_out the
    same sums over divalent ions. Other valences: brentq between the smallest and largest
    Nernst potential, where the root always lies (each GHK current increases with V).
    """
    species = _permeant_species(permeability, inside_mM, outside_mM)
    t = checked_temperature(temperature_K)
    if all(abs(s.ion.valence) in (1, 2) for s in species):
        a, b, d_in, d_out = _quadratic_sums(species)
        u = _log_positive_root(a + 4.0 * d_in, a - b, b + 4.0 * d_out)
    else:
        u = _zero_current_u_numeric(species)
    return 1e3 * R * t / F * u


def _log_positive_root(qa: FloatArray, qb: FloatArray, qc: FloatArray) -> FloatArray:
    """ln of the positive root of qa w^2 + qb w - qc = 0 (qa, qc > 0), cancellation-free."""
    disc = np.sqrt(qb * qb + 4.0 * qa * qc)
    big = qb >= 0
    w_pos = 2.0 * qc / np.where(big, qb + disc, 1.0)
    w_neg = (disc - qb) / (2.0 * qa)
    return np.log(np.where(big, w_pos, w_neg))


def _zero_current_u_numeric(species: list[_Species]) -> FloatArray:
    """Root u = FV/RT of the summed GHK currents, element by element (brentq)."""
    arrays = _checks.broadcast(
        **{f"{k}{i}": getattr(s, k) for i, s in enumerate(species) for k in ("p", "c_in", "c_out")}
    )
    shape = arrays[0].shape
    out = np.empty(shape)
    zs = [float(s.ion.valence) for s in species]
    for idx in np.ndindex(shape):
        p, ci, co = (np.array([arrays[3 * i + k][idx] for i in range(len(zs))]) for k in range(3))
        out[idx] = _root_u(np.array(zs), p, ci, co)
    return out


def _root_u(z: FloatArray, p: FloatArray, ci: FloatArray, co: FloatArray) -> float:
    """Scalar root in u of sum z P (ci B(-zu) - co B(zu)) = 0, bracketed by the Nernst u's."""
    permeant = p > 0
    u_e = np.log(co[permeant] / ci[permeant]) / z[permeant]
    lo, hi = float(u_e.min()), float(u_e.max())
    if hi - lo < 1e-15:
        return lo

    def total(u: float) -> float:
        return float(np.sum(z * ghk_flux_si(p, z, ci, co, u)))

    f_lo, f_hi = total(lo), total(hi)
    if f_lo >= 0 or f_hi <= 0:  # rounding at an end point: that end is the root
        return lo if abs(f_lo) <= abs(f_hi) else hi
    from scipy.optimize import brentq  # lazy: keeps `import vrest` fast

    return float(brentq(total, lo, hi, xtol=1e-14, rtol=4 * np.finfo(float).eps))


def reversal_potentials(
    inside_mM: Mapping[IonKey, ArrayLike],
    outside_mM: Mapping[IonKey, ArrayLike],
    temperature_K: ArrayLike,
) -> dict[str, FloatArray]:
    """Nernst potential (mV) of every ion given on both sides, keyed by canonical ion name."""
    resolve = ion_resolver(inside_mM, outside_mM)
    inside = ions_by_name("inside", inside_mM, resolve)
    outside = ions_by_name("outside", outside_mM, resolve)
    return {
        name: nernst(ion.valence, c_in, outside[name][1], temperature_K)  # type: ignore[arg-type]
        for name, (ion, c_in) in inside.items()
        if name in outside
    }


# --------------------------------------------------------------------------------------------
# Chord conductance and Mullins-Noda
# --------------------------------------------------------------------------------------------


def chord_potential(
    conductance: Mapping[IonKey, ArrayLike], reversal_mV: Mapping[IonKey, ArrayLike]
) -> FloatArray:
    """Chord-conductance potential, mV: V = sum g_i E_i / sum g_i.

    The conductance-weighted average of the reversal potentials; conductances in any common
    unit (>= 0, not all zero), reversal potentials in mV. Every ion with a conductance needs
    a reversal potential.
    """
    resolve = ion_resolver(conductance, reversal_mV)
    g_map = ions_by_name("conductance", conductance, resolve)
    e_map = ions_by_name("reversal potential", reversal_mV, resolve)
    num = den = np.zeros(())
    for name, (_, g_raw) in g_map.items():
        if name not in e_map:
            raise ParameterError(f"reversal potential: missing for {name}, which has a conductance")
        g = _checks.non_negative(f"conductance of {name}", g_raw)
        e = _checks.as_float_array(f"reversal potential of {name}", e_map[name][1])
        if np.any(~np.isfinite(e) & (g > 0)):  # an infinite E counts only with zero weight
            _checks.finite(f"reversal potential of {name}", e, unit=" mV")
        with np.errstate(invalid="ignore"):
            num, den = num + np.where(g > 0, g * e, 0.0), den + g
    if np.any(den <= 0):
        raise ParameterError("conductance: at least one conductance must be > 0")
    return num / den


def ghk_chord_conductances(
    permeability_cm_s: Mapping[IonKey, ArrayLike],
    inside_mM: Mapping[IonKey, ArrayLike],
    outside_mM: Mapping[IonKey, ArrayLike],
    v_mV: ArrayLike,
    temperature_K: ArrayLike,
) -> dict[str, FloatArray]:
    """GHK chord conductance I_i / (V - E_i) of every permeant ion at ``v_mV``, mS/cm^2.

    With relative permeabilities the result is relative too (mS/cm^2 per cm/s of P_K).
    At the zero-current potential these weights make :func:`chord_potential` equal to it
    exactly (sum g_i (V - E_i) = sum I_i = 0): V_rest is their weighted average of the E_i.
    """
    species = _permeant_species(permeability_cm_s, inside_mM, outside_mM)
    return {
        s.ion.name: ghk_chord_conductance(s.p, s.ion.valence, s.c_in, s.c_out, v_mV, temperature_K)
        for s in species
    }


def mullins_noda(
    permeability: Mapping[IonKey, ArrayLike],
    inside_mM: Mapping[IonKey, ArrayLike],
    outside_mM: Mapping[IonKey, ArrayLike],
    temperature_K: ArrayLike,
    pump_ratio: ArrayLike = 1.5,
) -> FloatArray:
    """Steady potential with an electrogenic Na/K pump (Mullins & Noda 1963), mV.

    V = (RT/F) ln((r P_K K_o + P_Na Na_o) / (r P_K K_i + P_Na Na_i)), with r the pump's
    Na:K coupling ratio (3/2 for the Na/K-ATPase; r = 1 gives the GHK voltage for Na and K).
    Mullins LJ, Noda K (1963) J Gen Physiol 47:117-132. Only K and Na may be permeant.
    """
    r = _checks.positive("pump ratio", pump_ratio, unit="")
    species = {s.ion.name: s for s in _permeant_species(permeability, inside_mM, outside_mM)}
    extra = sorted(set(species) - {"K", "Na"})
    if extra or "K" not in species:
        raise ParameterError(
            f"permeability: the Mullins-Noda form needs K and at most Na permeant;"
            f" got {', '.join(sorted(species))}"
        )
    k = species["K"]
    na = species.get("Na")
    num = r * k.p * k.c_out + (na.p * na.c_out if na else 0.0)
    den = r * k.p * k.c_in + (na.p * na.c_in if na else 0.0)
    return rt_over_f_mV(temperature_K) * np.log(num / den)
