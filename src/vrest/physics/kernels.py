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

LAW_SATURATING, LAW_CUBIC, LAW_CONSTANT, LAW_VOLTAGE, LAW_SIGMOID, LAW_LINEAR = range(6)


def bernoulli(x):  # type: ignore[no-untyped-def]
    """B(x) = x / (exp(x) - 1), B(0) = 1; stable for every real x.

    expm1 keeps full relative precision for small |x|, so x / expm1(x) is accurate down to the
    smallest x; exactly 0 is nudged to 1e-300 (giving 1). Large x: expm1 overflows to inf and
    B -> 0; large negative x: B -> -x.
    """
    xs = x + (x == 0.0) * 1e-300
    return xs / np.expm1(xs)


def bernoulli_pair(x):  # type: ignore[no-untyped-def]
    """(B(-x), B(x)) with one exponential: B(-x) = B(x) + x, so B of |x| is computed and the
    other follows as a sum of two non-negative numbers (no cancellation at any x)."""
    a = np.abs(x)
    a_nz = a + (a == 0.0) * 1e-300  # as in bernoulli (kernels do not call each other: numba)
    small = a_nz / np.expm1(a_nz)  # B(|x|) in (0, 1]
    large = small + a  # B(-|x|) >= 1
    pos = x >= 0.0
    return pos * large + (1 - pos) * small, pos * small + (1 - pos) * large


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


def pump_cycles(law, i_max, k_k, k_na, na_i, k_o, u, na_o_ref, s_na, s_k):  # type: ignore[no-untyped-def]
    """Na/K pump cycles per m^2 per s (mol m^-2 s^-1) for rate law ``law`` (LAW_* code);
    u = F V / R T.

    saturating: (I_max/F) (1 + K_K/K_o)^-2 (1 + K_Na/Na_i)^-3;
    cubic: (I_max/F) (Na_i/Na_o,ref)^3 (Na_o,ref a fixed parameter, not the bath's Na);
    constant: I_max / F;
    voltage (ten Tusscher & Panfilov 2006): (I_max/F) K_o/(K_o + K_K) Na_i/(Na_i + K_Na)
    / (1 + 0.1245 e^(-0.1 u) + 0.0353 e^(-u));
    sigmoid (Wei et al. 2014): (I_max/F) / (1 + e^((K_Na - Na_i)/s_Na)) / (1 + e^((K_K - K_o)/s_K));
    linear (flux-balance models): (I_max/F) Na_i / K_Na.
    """
    base = i_max / F
    if law == LAW_SATURATING:
        return base / (1.0 + k_k / k_o) ** 2 / (1.0 + k_na / na_i) ** 3
    if law == LAW_CUBIC:
        return base * (na_i / na_o_ref) ** 3
    if law == LAW_VOLTAGE:
        f_v = 1.0 + 0.1245 * np.exp(-0.1 * u) + 0.0353 * np.exp(-u)
        return base * k_o / (k_o + k_k) * na_i / (na_i + k_na) / f_v
    if law == LAW_SIGMOID:
        return base / (1.0 + np.exp((k_na - na_i) / s_na)) / (1.0 + np.exp((k_k - k_o) / s_k))
    if law == LAW_LINEAR:
        return base * na_i / k_na
    return base + 0.0 * na_i


def pump_bound(on, dg_atp, na_i, na_o, k_i, k_o, u, t_k):  # type: ignore[no-untyped-def]
    """Thermodynamic factor of the Na/K pump (1 when ``on`` is 0).

    A cycle's free energy over RT is g = dG_ATP/RT + 3 ln(Na_o/Na_i) - 2 ln(K_o/K_i) - u
    (= [dG_ATP + F (3 E_Na - 2 E_K - V)] / RT, dG_ATP in J/mol). The factor is tanh(-g/2): the
    net over the total turnover of a cycle whose forward and backward rates obey detailed
    balance (k-/k+ = e^g). It is 0 at V = 3 E_Na - 2 E_K + dG_ATP/F, negative (the pump runs
    backwards, at most as fast as its law) beyond, and tends to 1 far from that limit.
    """
    g = dg_atp / (R * t_k) + 3.0 * np.log(na_o / na_i) - 2.0 * np.log(k_o / k_i) - u
    return on * np.tanh(-0.5 * g) + (1.0 - on)


def q10_factor(q10, t_ref, t_k):  # type: ignore[no-untyped-def]
    """Temperature factor of a rate: Q10^((T - T_ref)/10 K) (T, T_ref in K)."""
    return q10 ** ((t_k - t_ref) / 10.0)


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


def mass_action_logs(s, c_in, c_out):  # type: ignore[no-untyped-def]
    """Per ion moved s per cycle (outward +): the logs of its factors in the two one-way
    rates of mass-action cotransport, (ln c_in^s+ c_out^s-, ln c_out^s+ c_in^s-), s+ = max(s, 0),
    s- = max(-s, 0)."""
    sp = 0.5 * (s + np.abs(s))
    sm = sp - s
    return sp * np.log(c_in) + sm * np.log(c_out), sp * np.log(c_out) + sm * np.log(c_in)


def mass_action_cycles(k, log_forward, log_backward):  # type: ignore[no-untyped-def]
    """Mass-action cotransport (cycles m^-2 s^-1, outward per the stoichiometry):
    k (prod c_in^s+ c_out^s- - prod c_out^s+ c_in^s-), i.e. k (e^log_forward - e^log_backward)."""
    return k * (np.exp(log_forward) - np.exp(log_backward))


def ncx_tp06_current(i_max, k_m_na, k_m_ca, k_sat, gamma, alpha, na_i, na_o, ca_i, ca_o, u):  # type: ignore[no-untyped-def]
    """Na/Ca exchanger current density (A/m^2, outward +) of ten Tusscher & Panfilov 2006:

    I = k_NaCa [e^(gamma u) Na_i^3 Ca_o - e^((gamma - 1) u) Na_o^3 Ca_i alpha]
        / [(K_mNa^3 + Na_o^3) (K_mCa + Ca_o) (1 + k_sat e^((gamma - 1) u))]

    (concentrations in mM; outward = 3 Na+ out, 1 Ca2+ in, the reverse mode).
    """
    e_in = np.exp((gamma - 1.0) * u)
    top = np.exp(gamma * u) * na_i ** 3 * ca_o - e_in * na_o ** 3 * ca_i * alpha
    return i_max * top / ((k_m_na ** 3 + na_o ** 3) * (k_m_ca + ca_o) * (1.0 + k_sat * e_in))


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


def gate_rates(kinetics, gate, v_mv, v_t):  # type: ignore[no-untyped-def]
    """Opening and closing rates (alpha, beta) in 1/ms of gate 0 m, 1 h, 2 n at V (mV).

    kinetics 0, Hodgkin & Huxley 1952 (J Physiol 117:500; modern sign, rest -65 mV, 6.3 degC):
    a_m = 0.1 (V+40)/(1 - e^(-(V+40)/10)), b_m = 4 e^(-(V+65)/18),
    a_h = 0.07 e^(-(V+65)/20), b_h = 1/(1 + e^(-(V+35)/10)),
    a_n = 0.01 (V+55)/(1 - e^(-(V+55)/10)), b_n = 0.125 e^(-(V+65)/80).
    kinetics 1, Traub & Miles 1991 as written by Pospischil et al. 2008 (Biol Cybern 99:427),
    with W = V - V_T: a_m = 0.32 (W-13)/(1 - e^(-(W-13)/4)), b_m = 0.28 (W-40)/(e^((W-40)/5) - 1),
    a_h = 0.128 e^(-(W-17)/18), b_h = 4/(1 + e^(-(W-40)/5)),
    a_n = 0.032 (W-15)/(1 - e^(-(W-15)/5)), b_n = 0.5 e^(-(W-10)/40).
    x/(1 - e^-x) is evaluated as x/(-expm1(-x)) with x = 0 nudged (limit 1).
    """
    if kinetics == 0:
        if gate == 0:
            x = (v_mv + 40.0) / 10.0 + ((v_mv + 40.0) == 0.0) * 1e-300
            return 1.0 * x / -np.expm1(-x), 4.0 * np.exp(-(v_mv + 65.0) / 18.0)
        if gate == 1:
            return 0.07 * np.exp(-(v_mv + 65.0) / 20.0), 1.0 / (1.0 + np.exp(-(v_mv + 35.0) / 10.0))
        x = (v_mv + 55.0) / 10.0 + ((v_mv + 55.0) == 0.0) * 1e-300
        return 0.1 * x / -np.expm1(-x), 0.125 * np.exp(-(v_mv + 65.0) / 80.0)
    w = v_mv - v_t
    if gate == 0:
        x = (w - 13.0) / 4.0 + ((w - 13.0) == 0.0) * 1e-300
        y = (w - 40.0) / 5.0 + ((w - 40.0) == 0.0) * 1e-300
        return 1.28 * x / -np.expm1(-x), 1.4 * y / np.expm1(y)
    if gate == 1:
        return 0.128 * np.exp(-(w - 17.0) / 18.0), 4.0 / (1.0 + np.exp(-(w - 40.0) / 5.0))
    x = (w - 15.0) / 5.0 + ((w - 15.0) == 0.0) * 1e-300
    return 0.16 * x / -np.expm1(-x), 0.5 * np.exp(-(w - 10.0) / 40.0)


def injected_flux(i_inj, z, area):  # type: ignore[no-untyped-def]
    """Outward flux (mol/s) of the ion (valence z) carrying a current i_inj (A/m^2) injected
    INTO the cell over area (m^2): -i_inj area / (z F)."""
    return -i_inj * area / (z * F)
