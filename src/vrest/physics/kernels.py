"""The model's physics, one definition each, written so that the same source runs on numpy
arrays (the vectorised Model) and is compiled by numba for one cell at a time (vrest.solve.compiled).

All SI: concentrations mol/m^3, potentials V, permeabilities m/s, conductances S/m^2, current
densities A/m^2, temperatures K. Fluxes are densities in mol m^-2 s^-1, positive OUTWARD.
Only operations numba supports on scalars and arrays are used (no Python branching on values),
and no kernel calls another (so each compiles on its own).
"""

from __future__ import annotations

import numpy as np

F = 96485.33212331001  # C/mol (= E_CHARGE * N_A, exact; see vrest.physics.constants)
R = 8.31446261815324  # J/(mol K) (= K_B * N_A, exact)

LAW_SATURATING, LAW_CUBIC, LAW_CONSTANT = 0, 1, 2


def bernoulli(x):  # type: ignore[no-untyped-def]
    """B(x) = x / (exp(x) - 1), B(0) = 1; stable for every real x.

    expm1 keeps full relative precision for small |x|, so x / expm1(x) is accurate down to the
    smallest x; exactly 0 is nudged to 1e-300 (giving 1). Large x: expm1 overflows to inf and
    B -> 0; large negative x: B -> -x.
    """
    xs = x + (x == 0.0) * 1e-300
    return xs / np.expm1(xs)


def ghk_flux(p, c_in, c_out, b_minus, b_plus):  # type: ignore[no-untyped-def]
    """GHK flux density P (c_in B(-zu) - c_out B(zu)), given b_minus = B(-zu), b_plus = B(zu)
    (u = F V / R T): J = P z u (c_in - c_out e^-zu) / (1 - e^-zu), stable at V = 0."""
    return p * (c_in * b_minus - c_out * b_plus)


def nernst(z, c_in, c_out, t_k):  # type: ignore[no-untyped-def]
    """Nernst potential (V): (R T / z F) ln(c_out / c_in)."""
    return R * t_k / (z * F) * np.log(c_out / c_in)


def ohmic_flux(g, z, v, e_rev):  # type: ignore[no-untyped-def]
    """Flux density through a fixed conductance g (S/m^2): g (V - E) / (z F)."""
    return g * (v - e_rev) / (z * F)


def pump_cycles(law, i_max, k_k, k_na, na_i, na_o, k_o):  # type: ignore[no-untyped-def]
    """Na/K pump cycles per m^2 per s (mol m^-2 s^-1) for rate law ``law`` (LAW_* code).

    saturating: (I_max/F) (1 + K_K/K_o)^-2 (1 + K_Na/Na_i)^-3; cubic: (I_max/F) (Na_i/Na_o)^3;
    constant: I_max / F.
    """
    base = i_max / F
    if law == LAW_SATURATING:
        return base / (1.0 + k_k / k_o) ** 2 / (1.0 + k_na / na_i) ** 3
    if law == LAW_CUBIC:
        return base * (na_i / na_o) ** 3
    return base + 0.0 * na_i


def pmca_cycles(i_max, k_m, ca_i):  # type: ignore[no-untyped-def]
    """Ca pump cycles per m^2 per s: (I_max / 2F) Ca_i / (Ca_i + K_m)."""
    return i_max / (2.0 * F) * ca_i / (ca_i + k_m)


def transport_log_term(z, c_in, c_out, u):  # type: ignore[no-untyped-def]
    """Per ion: ln(c_out / c_in) - z u, the free energy (over RT) of moving one ion out."""
    return np.log(c_out / c_in) - z * u


def transporter_cycles(coef, dg_rt):  # type: ignore[no-untyped-def]
    """Linear-thermodynamic rate (cycles m^-2 s^-1): -U dG/RT."""
    return -coef * dg_rt


def conductance_to_coef(g, t_k):  # type: ignore[no-untyped-def]
    """U (mol m^-2 s^-1) of a transporter given as a conductance g (S/m^2): g R T / F^2."""
    return g * R * t_k / (F * F)


def water_flux(p_f, v_w, osm_in, osm_out):  # type: ignore[no-untyped-def]
    """Outward water volume flux density (m/s): -P_f v_w (Osm_in - Osm_out)."""
    return -p_f * v_w * (osm_in - osm_out)


def area_factor(rule, w, f_side):  # type: ignore[no-untyped-def]
    """Membrane area over its starting value at relative volume w: rule 0 fixed, 1 isometric
    (w^(2/3)), 2 radial (cylinder of fixed length: side ~ sqrt(w), caps ~ w)."""
    if rule == 0:
        return 1.0 + 0.0 * w
    if rule == 1:
        return w ** (2.0 / 3.0)
    return f_side * np.sqrt(w) + (1.0 - f_side) * w
