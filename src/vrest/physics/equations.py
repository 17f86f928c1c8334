"""Closed-form membrane equations, numpy-vectorised.

Public functions use the units physiologists use: potentials in mV, concentrations in mM
(= mol/m^3), temperatures in K, permeabilities in cm/s, current densities in uA/cm^2, flux
densities in pmol cm^-2 s^-1, conductances in mS/cm^2, lengths in um, capacitance in uF/cm^2.
Kernels whose names end in ``_si`` work in SI (V, mol/m^3, m/s) and are shared with the dynamic
model, so that each equation exists once.

Sign convention: V is inside minus outside; fluxes and currents are positive outward.

Functions that take several ions take mappings ``ion -> value``; the keys are ion names
('K', 'Na+', 'chloride', ...; see :mod:`vrest.ions`) or :class:`vrest.ions.Ion` objects (for an
ion that is not in the standard set). Permeabilities in those mappings may be relative
(e.g. to P_K) whenever only a potential is computed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from vrest.errors import ParameterError
from vrest.physics import checks as _checks
from vrest.physics import ions as _ions
from vrest.physics import kernels
from vrest.physics.constants import E_CHARGE, F, R, check_temperature
from vrest.physics.geometry import UM2_TO_M2, UM3_TO_M3, Geometry

FloatArray = NDArray[np.float64]
IonKey = str | _ions.Ion

UF_CM2_TO_F_M2 = 1e-2  # 1 uF/cm^2 = 1e-2 F/m^2
CM_S_TO_M_S = 1e-2  # 1 cm/s = 1e-2 m/s
A_M2_TO_UA_CM2 = 1e2  # 1 A/m^2 = 100 uA/cm^2
MOL_M2_S_TO_PMOL_CM2_S = 1e8  # 1 mol m^-2 s^-1 = 1e8 pmol cm^-2 s^-1
EQUILIBRIUM_TOL_MV = 1e-6  # |V - E| below this (mV) counts as "at equilibrium"


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


def nernst_si(z: ArrayLike, c_in: ArrayLike, c_out: ArrayLike, t_k: ArrayLike) -> FloatArray:
    """Nernst potential in volts: (R T / z F) ln(c_out / c_in). No input checks."""
    return np.asarray(kernels.nernst(np.asarray(z, dtype=float), np.asarray(c_in, dtype=float),
                                     np.asarray(c_out, dtype=float), np.asarray(t_k, dtype=float)))


# --------------------------------------------------------------------------------------------
# Validation helpers kept for callers of the first version
# --------------------------------------------------------------------------------------------


def _check_positive(name: str, value: ArrayLike) -> FloatArray:
    return _checks.positive(name, value)


def _check_valence(z: ArrayLike) -> FloatArray:
    return _checks.valence(z)


def _temperature(temperature_K: ArrayLike) -> FloatArray:
    return _checks.temperature(temperature_K)


def _rt_over_f_mV(temperature_K: ArrayLike) -> FloatArray:
    """RT/F in mV (validated temperature in K)."""
    return 1e3 * R * _temperature(temperature_K) / F


# --------------------------------------------------------------------------------------------
# Nernst
# --------------------------------------------------------------------------------------------


def nernst(
    z: ArrayLike, c_in_mM: ArrayLike, c_out_mM: ArrayLike, temperature_K: float
) -> FloatArray:
    """Nernst (equilibrium) potential in mV for valence ``z``, concentrations in mM, T in K.

    E = (R T / z F) ln(c_out / c_in). ``z`` may be any finite non-zero number; concentrations
    must be finite and > 0; T within (0, 400] K. Arrays broadcast.
    """
    t = _temperature(temperature_K)
    zz = _checks.valence(z)
    ci = _checks.positive("inside concentration", c_in_mM)
    co = _checks.positive("outside concentration", c_out_mM)
    zz, ci, co, t = _checks.broadcast(z=zz, c_in=ci, c_out=co, temperature=t)
    return 1e3 * nernst_si(zz, ci, co, t)


def nernst_slope(temperature_K: ArrayLike, z: ArrayLike = 1) -> FloatArray:
    """Change of the Nernst potential per tenfold change of c_out/c_in, mV/decade.

    (R T / z F) ln 10: 58.2 mV at 20 degC and 61.5 mV at 37 degC for z = 1.
    """
    return _rt_over_f_mV(temperature_K) * math.log(10.0) / _checks.valence(z)


def thermal_voltage_mV(temperature_K: ArrayLike) -> FloatArray:
    """RT/F in mV (25.26 mV at 20 degC, 26.73 mV at 37 degC)."""
    return _rt_over_f_mV(temperature_K)


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
    co = _checks.positive("outside concentration", c_out_mM)
    v = _checks.finite("membrane potential", v_mV, unit=" mV")
    u = v / _rt_over_f_mV(temperature_K)
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
    t = _temperature(temperature_K)
    current = zz * F * ghk_flux_si(p, zz, ci, co, u) * A_M2_TO_UA_CM2
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


# --------------------------------------------------------------------------------------------
# Several ions: GHK voltage and the zero-current potential
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Species:
    ion: _ions.Ion
    p: FloatArray
    c_in: FloatArray
    c_out: FloatArray


def _resolver(*maps: Mapping[IonKey, object]) -> Callable[[IonKey], _ions.Ion]:
    """A function mapping keys to ions: custom Ion keys first, then the standard names."""
    custom = {k.name.lower(): k for m in maps for k in m if isinstance(k, _ions.Ion)}

    def resolve(key: IonKey) -> _ions.Ion:
        if isinstance(key, _ions.Ion):
            return key
        return custom.get(str(key).strip().lower()) or _ions.get(key)

    return resolve


def _by_name(
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
    resolve = _resolver(permeability, inside_mM, outside_mM)
    perm = _by_name("permeability", permeability, resolve)
    inside = _by_name("inside", inside_mM, resolve)
    outside = _by_name("outside", outside_mM, resolve)
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
        co = _checks.positive(f"outside concentration of {name}", outside[name][1])
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
    return _rt_over_f_mV(temperature_K) * np.log(b / a)


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
    t = _temperature(temperature_K)
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
    resolve = _resolver(inside_mM, outside_mM)
    inside = _by_name("inside", inside_mM, resolve)
    outside = _by_name("outside", outside_mM, resolve)
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
    resolve = _resolver(conductance, reversal_mV)
    g_map = _by_name("conductance", conductance, resolve)
    e_map = _by_name("reversal potential", reversal_mV, resolve)
    num = den = np.zeros(())
    for name, (_, g_raw) in g_map.items():
        if name not in e_map:
            raise ParameterError(f"reversal potential: missing for {name}, which has a conductance")
        g = _checks.non_negative(f"conductance of {name}", g_raw)
        e = _checks.finite(f"reversal potential of {name}", e_map[name][1], unit=" mV")
        num, den = num + g * e, den + g
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
    return _rt_over_f_mV(temperature_K) * np.log(num / den)


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
    table = _by_name("outside", outside_mM, _resolver(outside_mM))
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
    resolve = _resolver(inside_mM, outside_mM)
    ins = _by_name("inside", inside_mM, resolve)
    outs = _by_name("outside", outside_mM, resolve)
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
        raise ParameterError(f"geometry: {geometry!r} is not a vrest.geometry.Geometry")
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
