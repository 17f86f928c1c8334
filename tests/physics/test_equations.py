"""Closed forms: hand-computed values, limits, properties and bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from vrest.errors import ParameterError, UnknownNameError, VrestError
from vrest.physics import equations as eq
from vrest.physics import zero_current
from vrest.physics.constants import F, R
from vrest.physics.geometry import Geometry
from vrest.physics.ions import Ion

T37 = 310.15
T20 = 293.15
Z = {"Na": 1, "K": 1, "Cl": -1, "Ca": 2}
INSIDE = {"K": 140.0, "Na": 12.0, "Cl": 7.0, "Ca": 1e-4}
OUTSIDE = {"K": 3.5, "Na": 145.0, "Cl": 119.0, "Ca": 1.2}
PERM = {"K": 1.0, "Na": 0.04, "Cl": 0.45}

conc = st.floats(min_value=1e-4, max_value=1e3, allow_nan=False)
temps = st.floats(min_value=250.0, max_value=330.0)
perms = st.floats(min_value=1e-4, max_value=10.0)
volts = st.floats(min_value=-200.0, max_value=200.0)
ion_names = st.sampled_from(["Na", "K", "Cl", "Ca"])


# ------------------------------------------------------------------ hand-computed values


def test_nernst_potassium_37C_140_5_is_minus_89_06():
    assert float(eq.nernst(1, 140, 5, T37)) == pytest.approx(-89.06, abs=0.005)


def test_nernst_by_hand():
    expected = 1e3 * R * T37 / F * math.log(5 / 140)
    assert float(eq.nernst(1, 140, 5, T37)) == pytest.approx(expected, rel=1e-12)
    # an anion and a divalent cation
    assert float(eq.nernst(-1, 7, 119, T37)) == pytest.approx(
        -1e3 * R * T37 / F * math.log(119 / 7)
    )
    assert float(eq.nernst(2, 1e-4, 1.2, T37)) == pytest.approx(
        0.5e3 * R * T37 / F * math.log(1.2e4)
    )


def test_nernst_non_integer_valence_and_arrays():
    e = eq.nernst(-0.7, [1.0, 2.0], [10.0, 2.0], T37)
    assert e.shape == (2,)
    assert e[1] == 0.0
    assert e[0] == pytest.approx(1e3 * R * T37 / (-0.7 * F) * math.log(10))


def test_nernst_slope_58_at_20C_and_61_5_at_37C():
    assert float(eq.nernst_slope(T20)) == pytest.approx(58.17, abs=0.01)
    assert float(eq.nernst_slope(T37)) == pytest.approx(61.54, abs=0.01)
    assert float(eq.nernst_slope(T37, z=2)) == pytest.approx(61.54 / 2, abs=0.01)
    # per decade of c_out, straight from the Nernst equation
    assert float(eq.nernst(1, 10, 100, T37) - eq.nernst(1, 10, 10, T37)) == pytest.approx(
        61.54, abs=0.01
    )


def test_thermal_voltage():
    assert float(eq.thermal_voltage_mV(T37)) == pytest.approx(26.73, abs=0.01)


def test_ghk_one_ion_is_nernst():
    for ion in ("K", "Na", "Cl", "Ca"):
        v = eq.zero_current_potential({ion: 1.0}, INSIDE, OUTSIDE, T37)
        assert float(v) == pytest.approx(
            float(eq.nernst(Z[ion], INSIDE[ion], OUTSIDE[ion], T37)), abs=1e-9
        )


def test_ghk_voltage_by_hand():
    num = 1 * 3.5 + 0.04 * 145 + 0.45 * 7
    den = 1 * 140 + 0.04 * 12 + 0.45 * 119
    expected = 1e3 * R * T37 / F * math.log(num / den)
    assert float(eq.ghk_voltage(PERM, INSIDE, OUTSIDE, T37)) == pytest.approx(expected, rel=1e-12)
    assert float(eq.zero_current_potential(PERM, INSIDE, OUTSIDE, T37)) == pytest.approx(
        expected, rel=1e-12
    )


def test_ghk_voltage_accepts_aliases_and_ion_objects():
    perm = {"k+": 1.0, "sodium": 0.04, Ion("Cl", -1): 0.45}
    assert float(eq.ghk_voltage(perm, INSIDE, OUTSIDE, T37)) == pytest.approx(
        float(eq.ghk_voltage(PERM, INSIDE, OUTSIDE, T37))
    )


def test_zero_current_with_calcium_matches_numeric_root_and_zero_current():
    perm = {**PERM, "Ca": 0.5}
    v = float(eq.zero_current_potential(perm, INSIDE, OUTSIDE, T37))
    species = zero_current._permeant_species(perm, INSIDE, OUTSIDE)
    v_num = float(1e3 * R * T37 / F * zero_current._zero_current_u_numeric(species))
    assert v == pytest.approx(v_num, abs=1e-9)
    total = sum(
        eq.ghk_current(p * 1e-6, Z[i], INSIDE[i], OUTSIDE[i], v, T37) for i, p in perm.items()
    )
    assert abs(float(total)) < 1e-12


def test_zero_current_other_valence_uses_root_finder():
    trivalent = Ion("X", 3)
    perm = {**PERM, trivalent: 0.3}
    v = float(
        eq.zero_current_potential(
            perm, {**INSIDE, trivalent: 1e-3}, {**OUTSIDE, trivalent: 2.0}, T37
        )
    )
    total = sum(
        eq.ghk_current(p * 1e-6, Z[i], INSIDE[i], OUTSIDE[i], v, T37) for i, p in PERM.items()
    )
    total += eq.ghk_current(0.3e-6, 3, 1e-3, 2.0, v, T37)
    assert abs(float(total)) < 1e-9
    assert float(eq.ghk_voltage(PERM, INSIDE, OUTSIDE, T37)) < v  # the X ion (E_X > 0) depolarises


def test_zero_current_vectorised():
    ko = np.array([2.0, 3.5, 10.0, 50.0])
    v = eq.zero_current_potential({**PERM, "Ca": 1e-5}, INSIDE, {**OUTSIDE, "K": ko}, T37)
    assert v.shape == (4,)
    assert np.all(np.diff(v) > 0)
    for k, vk in zip(ko, v, strict=True):
        assert float(
            eq.zero_current_potential({**PERM, "Ca": 1e-5}, INSIDE, {**OUTSIDE, "K": k}, T37)
        ) == pytest.approx(vk)


def test_only_k_permeant_gives_ek():
    v = eq.zero_current_potential({"K": 1.0, "Na": 0.0, "Cl": 0.0}, INSIDE, OUTSIDE, T37)
    assert float(v) == pytest.approx(float(eq.nernst(1, 140, 3.5, T37)), abs=1e-9)


def test_ghk_flux_at_zero_voltage_and_continuity():
    # P (c_in - c_out) at V = 0: 1e-6 cm/s * 136.5 mM = 1.365e-6 mol m^-2 s^-1
    #   = 136.5 pmol cm^-2 s^-1
    assert float(eq.ghk_flux(1e-6, 1, 140, 3.5, 0.0, T37)) == pytest.approx(136.5, rel=1e-12)
    near = eq.ghk_flux(1e-6, 1, 140, 3.5, [-1e-9, 1e-9, -1e-4, 1e-4], T37)
    assert np.allclose(near, 136.5, rtol=1e-5)


def test_ghk_current_units_and_large_voltage():
    i0 = float(eq.ghk_current(1e-6, 1, 140, 3.5, 0.0, T37))
    assert i0 == pytest.approx(F * 1e-8 * 136.5 * 100, rel=1e-12)  # uA/cm^2
    big = eq.ghk_current(1e-6, 1, 140, 3.5, [-1e4, 1e4], T37)
    assert np.all(np.isfinite(big))
    slope_out = F * F * 1e-8 * 140 / (R * T37) * 100  # uA/cm^2 per V at large positive V
    assert float(big[1]) == pytest.approx(slope_out * 10.0, rel=1e-9)
    slope_in = F * F * 1e-8 * 3.5 / (R * T37) * 100
    assert float(big[0]) == pytest.approx(-slope_in * 10.0, rel=1e-9)


def test_ghk_current_anion_sign():
    # Cl- at V = E_Cl: zero; above E_Cl: Cl enters (flux in), current outward
    e = float(eq.nernst(-1, 7, 119, T37))
    assert abs(float(eq.ghk_current(1e-6, -1, 7, 119, e, T37))) < 1e-12
    assert float(eq.ghk_flux(1e-6, -1, 7, 119, e + 10, T37)) < 0
    assert float(eq.ghk_current(1e-6, -1, 7, 119, e + 10, T37)) > 0


def test_ghk_chord_conductance_limit_at_reversal():
    e = float(eq.nernst(1, 140, 3.5, T37))
    g = eq.ghk_chord_conductance(1e-6, 1, 140, 3.5, [e, e + 1e-5, e + 1e-3], T37)
    assert g[0] == pytest.approx(g[1], rel=1e-5)
    assert g[0] == pytest.approx(g[2], rel=1e-3)
    # equal concentrations: ohmic, g = F^2 P c / RT
    g_eq = float(eq.ghk_chord_conductance(1e-6, 1, 100, 100, 0.0, T37))
    assert g_eq == pytest.approx(F * F * 1e-8 * 100 / (R * T37) * 0.1, rel=1e-9)


def test_chord_potential_equal_e_is_that_e():
    assert float(
        eq.chord_potential({"K": 1, "Na": 5, "Cl": 3}, {"K": -60, "Na": -60, "Cl": -60})
    ) == pytest.approx(-60)


def test_chord_potential_by_hand():
    v = eq.chord_potential({"K": 1.0, "Na": 0.04}, {"K": -90.0, "Na": 60.0})
    assert float(v) == pytest.approx((-90 + 0.04 * 60) / 1.04)


def test_chord_at_ghk_potential_reproduces_it():
    perm = {**PERM, "Ca": 1e-3}
    v = eq.zero_current_potential(perm, INSIDE, OUTSIDE, T37)
    g = eq.ghk_chord_conductances(perm, INSIDE, OUTSIDE, v, T37)
    e = eq.reversal_potentials(INSIDE, OUTSIDE, T37)
    assert float(eq.chord_potential(g, e)) == pytest.approx(float(v), abs=1e-9)


def test_mullins_noda_r1_equals_ghk_na_k():
    perm = {"K": 1.0, "Na": 0.04}
    assert float(eq.mullins_noda(perm, INSIDE, OUTSIDE, T37, 1.0)) == pytest.approx(
        float(eq.ghk_voltage(perm, INSIDE, OUTSIDE, T37)), abs=1e-12
    )


def test_mullins_noda_by_hand_and_limits():
    perm = {"K": 1.0, "Na": 0.04}
    expected = 1e3 * R * T37 / F * math.log((1.5 * 3.5 + 0.04 * 145) / (1.5 * 140 + 0.04 * 12))
    assert float(eq.mullins_noda(perm, INSIDE, OUTSIDE, T37)) == pytest.approx(expected)
    # the electrogenic pump hyperpolarises, towards E_K as r grows
    v = eq.mullins_noda(perm, INSIDE, OUTSIDE, T37, np.array([1.0, 1.5, 1e9]))
    assert np.all(np.diff(v) < 0)
    assert float(v[-1]) == pytest.approx(float(eq.nernst(1, 140, 3.5, T37)), abs=1e-6)


def test_mullins_noda_rejects_chloride():
    with pytest.raises(ParameterError, match="Mullins-Noda"):
        eq.mullins_noda(PERM, INSIDE, OUTSIDE, T37)


def test_reversal_potentials_only_ions_on_both_sides():
    e = eq.reversal_potentials({"K": 140, "Na": 12}, {"K": 5, "Cl": 110}, T37)
    assert list(e) == ["K"]


# ------------------------------------------------------------------ Donnan


def _check_donnan(d: eq.DonnanResult) -> None:
    assert np.all(np.abs(d.inside_charge_mM()) < 1e-9)
    r = d.ratio
    for ion, c_in in d.inside_mM.items():
        assert np.allclose(c_in / d.outside_mM[ion], r ** d.valence[ion], rtol=1e-12)
    assert np.allclose(d.V_mV, -1e3 * R * d.temperature_K / F * np.log(r))


def test_donnan_golden_ratio():
    # KCl 100 mM outside, 100 mM of univalent anions trapped: r^2 - r - 1 = 0
    d = eq.donnan({"K": 100, "Cl": 100}, 100, -1, T37)
    assert float(d.ratio) == pytest.approx((1 + 5**0.5) / 2, rel=1e-12)
    _check_donnan(d)
    assert float(d.V_mV) < 0


def test_donnan_electroneutral_and_equal_ratios():
    d = eq.donnan({"K": 3.5, "Na": 145, "Cl": 119}, 100, -0.7, T37)
    _check_donnan(d)
    k, na, cl = d.inside_mM["K"] / 3.5, d.inside_mM["Na"] / 145, 119 / d.inside_mM["Cl"]
    assert float(k) == pytest.approx(float(na)) == pytest.approx(float(cl))


def test_donnan_with_calcium_uses_root_finder():
    d = eq.donnan({"K": 3.5, "Na": 145, "Cl": 119, "Ca": 1.2}, 100, -0.7, T37)
    _check_donnan(d)
    assert float(d.inside_mM["Ca"] / 1.2) == pytest.approx(float(d.ratio) ** 2)


def test_donnan_vectorised_and_no_trapped_neutral_bath():
    d = eq.donnan({"K": 5, "Na": 145, "Cl": 150}, np.array([0.0, 50.0, 100.0]), -1.0, T37)
    assert d.ratio.shape == (3,)
    assert float(d.ratio[0]) == pytest.approx(1.0)
    assert float(d.V_mV[0]) == pytest.approx(0.0, abs=1e-12)
    assert np.all(np.diff(d.V_mV) < 0)
    _check_donnan(d)


def test_donnan_closed_infinite_bath_equals_open():
    vol = 4188.79
    x_mM = 100.0
    closed = eq.donnan_closed(
        {"K": 140, "Na": 12, "Cl": 7},
        {"K": 3.5, "Na": 145, "Cl": 119},
        x_mM * vol * 1e-18,
        -0.7,
        vol,
        math.inf,
        T37,
    )
    open_ = eq.donnan({"K": 3.5, "Na": 145, "Cl": 119}, x_mM, -0.7, T37)
    assert float(closed.ratio) == pytest.approx(float(open_.ratio), rel=1e-10)
    _check_donnan(closed)


def test_donnan_closed_finite_bath_conserves_amounts():
    vol_in, vol_out = 1000.0, 3000.0
    ins, outs = {"K": 100.0, "Na": 10.0, "Cl": 60.0}, {"K": 5.0, "Na": 140.0, "Cl": 145.0}
    d = eq.donnan_closed(ins, outs, 50.0 * vol_in * 1e-18, -1.0, vol_in, vol_out, T37)
    _check_donnan(d)
    for ion in ins:
        before = ins[ion] * vol_in + outs[ion] * vol_out
        after = float(d.inside_mM[ion]) * vol_in + float(d.outside_mM[ion]) * vol_out
        assert after == pytest.approx(before, rel=1e-12)
        assert float(d.moved_out_mol[ion]) == pytest.approx(
            (ins[ion] - float(d.inside_mM[ion])) * vol_in * 1e-18
        )


def test_donnan_without_counter_ion_has_no_equilibrium():
    with pytest.raises(ParameterError, match="no Donnan equilibrium"):
        eq.donnan({"Cl": 100}, 50, -1, T37)


# ------------------------------------------------------------------ charge on the capacitor


def test_membrane_charge_and_inverse():
    q = float(eq.membrane_charge(-70, 1256.6370614359173))
    assert q == pytest.approx(-1e-2 * 1256.6370614359173e-12 * 0.07, rel=1e-12)
    assert float(eq.voltage_from_charge(q, 1256.6370614359173)) == pytest.approx(-70)


def test_charge_budget_sphere_lecture_claim():
    cb = eq.charge_budget(-70, Geometry.sphere(10), z=1, c_in_mM=140)
    assert float(cb.charge_C) == pytest.approx(-8.796e-13, rel=1e-3)
    assert float(cb.ions_count) == pytest.approx(5.49e6, rel=1e-3)
    assert float(cb.moved_out_mol) > 0  # K+ leaves to make the inside negative
    assert float(cb.delta_c_mM) == pytest.approx(-float(cb.moved_out_mol) / 4188.79e-18, rel=1e-5)
    assert float(cb.fraction) < 1e-4  # "less than 1 % of 1 %"


def test_charge_budget_cylinder_and_anion():
    geo = Geometry.cylinder(0.5, 100, caps=False)
    cb = eq.charge_budget(-70, geo, z=-1)
    assert float(cb.moved_out_mol) < 0  # anions enter to make the inside negative
    assert cb.fraction is None


# ------------------------------------------------------------------ driving force and direction


def test_driving_force_split_and_directions():
    df = eq.driving_force(1, 140, 5, -65, T37)
    assert float(df.driving_force_mV) == pytest.approx(-65 + 89.0587, abs=1e-3)
    assert float(df.electrical_J_mol) == pytest.approx(F * -0.065)
    assert float(df.diffusional_J_mol) == pytest.approx(R * T37 * math.log(140 / 5))
    assert float(df.total_J_mol) == pytest.approx(float(df.electrical_J_mol + df.diffusional_J_mol))
    assert (df.flux, df.current) == ("out", "outward")


def test_directions_for_anion_and_equilibrium():
    e_cl = float(eq.nernst(-1, 7, 119, T37))
    df = eq.driving_force(-1, 7, 119, e_cl + 5, T37)
    assert (df.flux, df.current) == ("in", "outward")
    at_eq = eq.driving_force(-1, 7, 119, e_cl, T37)
    assert (at_eq.flux, at_eq.current) == ("none", "none")
    arr = eq.flux_direction(2, [-100, 200, 0], [0, 0, 0])
    assert list(arr) == ["in", "out", "none"]
    assert eq.current_direction(-10, 0) == "inward"


# ------------------------------------------------------------------ properties


@settings(max_examples=150, deadline=None)
@given(ion=ion_names, ci=conc, co=conc, t=temps, p=perms)
def test_prop_one_permeant_ion_is_nernst(ion, ci, co, t, p):
    v = eq.zero_current_potential({ion: p}, {ion: ci}, {ion: co}, t)
    assert float(v) == pytest.approx(float(eq.nernst(Z[ion], ci, co, t)), abs=1e-7)


@settings(max_examples=150, deadline=None)
@given(
    g=st.lists(st.floats(0, 100), min_size=4, max_size=4), e=st.lists(volts, min_size=4, max_size=4)
)
def test_prop_chord_between_extreme_e(g, e):
    assume(sum(g) > 1e-6)
    names = ["Na", "K", "Cl", "Ca"]
    v = float(
        eq.chord_potential(dict(zip(names, g, strict=True)), dict(zip(names, e, strict=True)))
    )
    assert min(e) - 1e-9 <= v <= max(e) + 1e-9


@settings(max_examples=150, deadline=None)
@given(
    ci=st.lists(conc, min_size=4, max_size=4),
    co=st.lists(conc, min_size=4, max_size=4),
    p=st.lists(perms, min_size=4, max_size=4),
    t=temps,
)
def test_prop_zero_current_between_extreme_e_and_current_vanishes(ci, co, p, t):
    names = ["Na", "K", "Cl", "Ca"]
    inside, outside = dict(zip(names, ci, strict=True)), dict(zip(names, co, strict=True))
    perm = dict(zip(names, p, strict=True))
    v = float(eq.zero_current_potential(perm, inside, outside, t))
    e = [float(eq.nernst(Z[n], inside[n], outside[n], t)) for n in names]
    assert min(e) - 1e-6 <= v <= max(e) + 1e-6
    currents = [eq.ghk_current(perm[n] * 1e-6, Z[n], inside[n], outside[n], v, t) for n in names]
    scale = max(
        abs(
            float(
                eq.ghk_current(perm[n] * 1e-6, Z[n], inside[n], outside[n], v + 1.0, t)
                - currents[i]
            )
        )
        for i, n in enumerate(names)
    )
    assert abs(float(sum(currents))) <= 1e-6 * scale + 1e-15


@settings(max_examples=150, deadline=None)
@given(ion=ion_names, ci=conc, co=conc, t=temps, p=perms)
def test_prop_ghk_current_zero_at_nernst_and_monotone(ion, ci, co, t, p):
    e = float(eq.nernst(Z[ion], ci, co, t))
    v = np.linspace(-250.0, 250.0, 501)
    i = eq.ghk_current(p * 1e-6, Z[ion], ci, co, v, t)
    assert np.all(np.diff(i) >= 0)
    i_e = float(eq.ghk_current(p * 1e-6, Z[ion], ci, co, e, t))
    g = float(eq.ghk_chord_conductance(p * 1e-6, Z[ion], ci, co, e, t))
    assert abs(i_e) <= 1e-9 * max(g, 1e-300) + 1e-15


@settings(max_examples=100, deadline=None)
@given(c=conc, t=temps, z=st.sampled_from([-2, -1, 1, 2, 3]), decades=st.floats(-3, 3))
def test_prop_nernst_slope(c, t, z, decades):
    e0 = float(eq.nernst(z, c, c, t))
    e1 = float(eq.nernst(z, c, c * 10**decades, t))
    assert e0 == 0.0
    assert e1 == pytest.approx(decades * float(eq.nernst_slope(t, z)), abs=1e-9)


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    "args, match",
    [
        ((1, -1, 5, T37), "inside concentration: -1 mM"),
        ((1, 140, -0.5, T37), "outside concentration: -0.5 mM"),
        ((1, float("nan"), 5, T37), "inside concentration"),
        ((1, float("inf"), 5, T37), "inside concentration"),
        ((0, 140, 5, T37), "valence"),
        ((1, 140, 5, 0.0), "outside the allowed range"),
        ((1, 140, 5, 401.0), "outside the allowed range"),
        ((1, "abc", 5, T37), "not a number"),
        ((1, [1, 2], [1, 2, 3], T37), "broadcast"),
    ],
)
def test_nernst_bad_input(args, match):
    with pytest.raises(ParameterError, match=match):
        eq.nernst(*args)


def test_errors_are_vrest_errors_with_allowed_values():
    with pytest.raises(VrestError, match="must be finite and >= 0"):
        eq.ghk_voltage({"K": 1, "Na": -0.1}, INSIDE, OUTSIDE, T37)
    with pytest.raises(ParameterError, match="at least one ion"):
        eq.zero_current_potential({"K": 0.0}, INSIDE, OUTSIDE, T37)
    with pytest.raises(ParameterError, match="no concentration for Cl"):
        eq.zero_current_potential(PERM, {"K": 1, "Na": 1}, OUTSIDE, T37)
    with pytest.raises(UnknownNameError, match="valid: Ca, Cl, K, Na"):
        eq.zero_current_potential({"Xx": 1.0}, INSIDE, OUTSIDE, T37)
    with pytest.raises(ParameterError, match="monovalent"):
        eq.ghk_voltage({**PERM, "Ca": 1.0}, INSIDE, OUTSIDE, T37)
    with pytest.raises(ParameterError, match="mapping"):
        eq.ghk_voltage([1, 2], INSIDE, OUTSIDE, T37)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="pump ratio"):
        eq.mullins_noda({"K": 1}, INSIDE, OUTSIDE, T37, pump_ratio=0)
    with pytest.raises(ParameterError, match="membrane potential"):
        eq.ghk_current(1e-6, 1, 140, 5, float("nan"), T37)
    with pytest.raises(ParameterError, match="conductance"):
        eq.chord_potential({"K": 0.0}, {"K": -90})
    with pytest.raises(ParameterError, match="bath volume"):
        eq.donnan_closed({"K": 1}, {"K": 1}, 0.0, -1, 1000, -5, T37)
    with pytest.raises(ParameterError, match="geometry"):
        eq.charge_budget(-70, "sphere")  # type: ignore[arg-type]
