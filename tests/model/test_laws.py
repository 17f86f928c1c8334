"""Pump, transporter, channel and stimulus laws against hand-computed values at stated points,
their limiting cases, and their selection from presets and --set (issue 17)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import vrest
from vrest.errors import ParameterError
from vrest.model.mechanisms import NCC, NKCC1, NaKPump, NCXSaturating
from vrest.model.mechanisms.factory import build
from vrest.model.rhs import Model
from vrest.physics import kernels

F, R = kernels.F, kernels.R
T = 310.0
U80 = -80e-3 * F / (R * T)  # u at V = -80 mV, 310 K: -2.99471


def test_voltage_pump_law_tp06_at_a_stated_point() -> None:
    """TP06: K_o 5.4, K_K 1, Na_i 10, K_Na 40 mM, V -80 mV, 310 K:
    f = 1 + 0.1245 e^0.29947 + 0.0353 e^2.99471 = 1.87265; I/I_max = (5.4/6.4)(10/50)/f = 0.090084."""
    cyc = kernels.pump_cycles(kernels.LAW_VOLTAGE, 1.0, 1.0, 40.0, 10.0, 5.4, U80, 145.0, 3.0, 1.0)
    assert cyc * F == pytest.approx(0.090084, abs=2e-6)
    # the voltage factor: the pump slows at negative V and saturates at positive V
    lo = kernels.pump_cycles(kernels.LAW_VOLTAGE, 1.0, 1.0, 40.0, 10.0, 5.4, -10.0, 145.0, 3.0, 1.0)
    hi = kernels.pump_cycles(kernels.LAW_VOLTAGE, 1.0, 1.0, 40.0, 10.0, 5.4, 10.0, 145.0, 3.0, 1.0)
    assert lo < cyc < hi and hi * F == pytest.approx(
        5.4 / 6.4 * 0.2 / (1 + 0.1245 * math.exp(-1.0) + 0.0353 * math.exp(-10.0)), rel=1e-12)


def test_sigmoid_pump_law_wei_2014_at_a_stated_point() -> None:
    """Wei et al. 2014: Na_i 15 mM, K_o 4 mM: 1/(1 + e^(10/3)) / (1 + e^1.5) = 0.0062837."""
    cyc = kernels.pump_cycles(kernels.LAW_SIGMOID, 1.0, 5.5, 25.0, 15.0, 4.0, 0.0, 145.0, 3.0, 1.0)
    assert cyc * F == pytest.approx(0.0062837, rel=1e-4)
    half = kernels.pump_cycles(kernels.LAW_SIGMOID, 1.0, 5.5, 25.0, 25.0, 5.5, 0.0, 145.0, 3.0, 1.0)
    assert half * F == pytest.approx(0.25, rel=1e-12)  # both sites at half activation


def test_linear_pump_law_is_proportional_to_na_i() -> None:
    a = kernels.pump_cycles(kernels.LAW_LINEAR, 2.0, 2.0, 10.0, 5.0, 4.0, 0.0, 145.0, 3.0, 1.0)
    b = kernels.pump_cycles(kernels.LAW_LINEAR, 2.0, 2.0, 10.0, 10.0, 4.0, 0.0, 145.0, 3.0, 1.0)
    assert a * F == pytest.approx(1.0, rel=1e-12) and b == pytest.approx(2 * a, rel=1e-12)


def test_thermodynamic_bound_vanishes_at_the_cycle_reversal_potential() -> None:
    """Na 10/145, K 140/4 mM, 310 K, dG_ATP -55 kJ/mol: E_Na = +71.436, E_K = -94.977 mV, so the
    pump stops at V = 3 E_Na - 2 E_K + dG_ATP/F = -165.77 mV, runs backwards below it."""
    v_rev = -165.7721e-3
    on = [kernels.pump_bound(1.0, -55e3, 10.0, 145.0, 140.0, 4.0, v * F / (R * T), T)
          for v in (v_rev, v_rev - 0.01, -0.07)]
    assert on[0] == pytest.approx(0.0, abs=2e-5)
    assert on[1] < 0 < on[2] < 1
    # at -70 mV: dG/RT = -55000/RT + 3 ln 14.5 - 2 ln(4/140) + 2.6203 = -3.5828: tanh(1.7914)
    assert on[2] == pytest.approx(math.tanh(1.7914), abs=2e-4)
    assert kernels.pump_bound(0.0, -55e3, 10.0, 145.0, 140.0, 4.0, -30.0, T) == 1.0


def test_bounded_pump_alone_charges_the_membrane_only_to_its_limit() -> None:
    """A cell whose only mechanism is a bounded pump hyperpolarises to the cycle's reversal
    potential and stays there (without the bound, it would charge without limit)."""
    cell = vrest.load_cell("rpl1").with_mechanisms().without(
        *[m.name for m in vrest.load_cell("rpl1").mechanisms if m.name != "pump"]).with_parameters(
        {"pump.bound": "thermodynamic", "pump.dG_ATP": -55.0})
    tc = vrest.simulate(cell, t_end=5.0, dt=0.5)
    v = float(np.asarray(tc.V).ravel()[-1])
    e_na, e_k = float(tc.E[-1, 0, 0]), float(tc.E[-1, 0, 1])
    assert v == pytest.approx(3 * e_na - 2 * e_k - 55e3 / F * 1e3, abs=0.05)


def test_cubic_pump_uses_its_reference_na_o_not_the_bath() -> None:
    """Replacing bath Na+ (here by K+, down to 1 mM) no longer speeds the cubic pump ~5,000-fold:
    its rate depends on Na_i / Na_o_ref only."""
    cell = vrest.load_cell("dusterwald2018")
    assert cell.mechanism("pump").Na_o_ref == 145.0  # the paper's bath Na
    low = cell.with_parameters({"bath.Na": 1.0})
    rates = [Model(c).observe(Model(c).y0).atp["pump"][0] for c in (cell, low)]
    assert rates[1] == pytest.approx(rates[0], rel=1e-12)
    expected = 1000e-2 / F * (14.002 / 145.0) ** 3 * Model(cell).area0[0]
    assert rates[0] == pytest.approx(expected, rel=1e-12)


def test_mass_action_cotransport_at_a_stated_point() -> None:
    """NKCC1 with k = 1e-9: inward cycles k (Na_o K_o Cl_o^2 - Na_i K_i Cl_i^2) at Na 10/145,
    K 140/4, Cl 7/119 mM = 1e-9 (145*4*119^2 - 10*140*7^2) = 8.14478e-3 mol m^-2 s^-1."""
    vec = NKCC1(k=1e-9, law="mass_action").vector
    ci, co = np.array([10.0, 140.0, 7.0, 1e-4]), np.array([145.0, 4.0, 119.0, 1.2])
    used = vec != 0
    fwd, bwd = kernels.mass_action_logs(vec[used], ci[used], co[used])
    out = kernels.mass_action_cycles(1e-9, fwd.sum(), bwd.sum())
    # cycles run along the stoichiometry, which points inward: positive cycles load the cell
    assert out == pytest.approx(8.14478e-3, rel=1e-6)


def test_mass_action_is_zero_at_the_transporters_equilibrium() -> None:
    """NCC (1 Na+, 1 Cl- in): no net cycles when Na_i Cl_i = Na_o Cl_o (29 x 595 = 145 x 119)."""
    vec = NCC(k=1e-8, law="mass_action").vector
    used = vec != 0
    co = np.array([145.0, 119.0])
    fwd, bwd = kernels.mass_action_logs(vec[used], np.array([29.0, 595.0]), co)
    assert kernels.mass_action_cycles(1e-8, fwd.sum(), bwd.sum()) == pytest.approx(0.0, abs=1e-18)
    fwd, bwd = kernels.mass_action_logs(vec[used], np.array([10.0, 7.0]), co)
    assert kernels.mass_action_cycles(1e-8, fwd.sum(), bwd.sum()) == pytest.approx(
        1e-8 * (145 * 119 - 70), rel=1e-12)


def test_mass_action_refuses_an_electrogenic_transporter() -> None:
    with pytest.raises(ParameterError, match="electroneutral"):
        build({"type": "ncx", "law": "mass_action", "k": 1e-9})


def test_ncx_tp06_at_a_stated_point() -> None:
    """TP06 NCX, k_NaCa 1000 uA/cm^2: Na 10/140, Ca 1e-4/2 mM, V -80 mV, 310 K:
    I = 1000 [e^(0.35u) 1000*2 - e^(-0.65u) 140^3 1e-4 2.5] / [(87.5^3 + 140^3)(3.38)(1 + 0.1 e^(-0.65u))]
    = -0.209155 uA/cm^2 (inward: forward mode, Ca2+ out)."""
    i = kernels.ncx_tp06_current(1000.0, 87.5, 1.38, 0.1, 0.35, 2.5, 10.0, 140.0, 1e-4, 2.0, U80)
    assert i == pytest.approx(-0.209155, rel=1e-5)
    mech = build({"type": "ncx", "law": "tp06"})
    assert isinstance(mech, NCXSaturating) and mech.values()["K_mNa"] == 87.5


def test_hh_rates_at_rest() -> None:
    """HH 1952 at -65 mV: a_m = 0.1 (-25)/(1 - e^2.5) = 0.223564, b_m = 4, a_n = 0.01 (-10)/
    (1 - e^1) = 0.0581977, b_n = 0.125, a_h = 0.07, b_h = 1/(1 + e^3) = 0.0474259 (1/ms)."""
    am, bm = kernels.gate_rates(0, 0, -65.0, 0.0)
    ah, bh = kernels.gate_rates(0, 1, -65.0, 0.0)
    an, bn = kernels.gate_rates(0, 2, -65.0, 0.0)
    assert (am, bm) == pytest.approx((0.2235637, 4.0), rel=1e-6)
    assert (ah, bh) == pytest.approx((0.07, 1 / (1 + math.exp(3))), rel=1e-12)
    assert (an, bn) == pytest.approx((0.0581977, 0.125), rel=1e-6)
    # the removable singularities: a_m at -40 mV and a_n at -55 mV are their limits 1 and 0.1
    assert kernels.gate_rates(0, 0, -40.0, 0.0)[0] == pytest.approx(1.0)
    assert kernels.gate_rates(0, 2, -55.0, 0.0)[0] == pytest.approx(0.1)
    # Traub-Miles (Pospischil 2008) at W = V - V_T = 13 mV: a_m = 0.32 * 4 = 1.28
    assert kernels.gate_rates(1, 0, -50.0, -63.0)[0] == pytest.approx(1.28)


def test_q10_factor() -> None:
    assert kernels.q10_factor(3.0, 279.45, 289.45) == pytest.approx(3.0)
    assert kernels.q10_factor(3.0, 310.15, 300.15) == pytest.approx(1 / 3)


@pytest.mark.parametrize("law", ["saturating", "cubic", "constant", "voltage", "sigmoid", "linear"])
def test_every_pump_law_is_selectable_with_set(law: str) -> None:
    cell = vrest.load_cell("rpl1").with_parameters({"pump.law": law})
    assert cell.mechanism("pump").law == law
    assert f"pump.{'Na_o_ref' if law == 'cubic' else 'i_max'}" in cell.parameters()


def test_law_parameters_are_listed_with_units() -> None:
    cell = vrest.load_cell("rpl1").with_parameters({"pump.law": "sigmoid", "pump.s_Na": 3.0,
                                                    "pump.bound": "thermodynamic"})
    params = cell.parameters()
    assert params["pump.s_Na"].unit == "mM" and params["pump.dG_ATP"].unit == "kJ/mol"
    assert params["pump.q10"].unit == "1" and params["pump.T_ref"].unit == "degC"
    kcc = vrest.load_cell("rpl1").with_parameters({"kcc2.law": "mass_action", "kcc2.k": 1e-9})
    assert kcc.parameters()["kcc2.k"].unit == "mol/(m^2 s mM^n)"


def test_bad_law_names_the_choices() -> None:
    with pytest.raises(ParameterError, match="pump.law.*saturating"):
        vrest.load_cell("rpl1").with_parameters({"pump.law": "fast"})


def test_q10_scales_the_pump_rate() -> None:
    cell = vrest.load_cell("rpl1")
    warm = Model(cell.with_parameters({"pump.q10": 3.0}))
    cool = Model(cell.with_parameters({"pump.q10": 3.0, "pump.T_ref": 47.0}))
    a, b = (m.observe(m.y0).atp["pump"][0] for m in (warm, cool))
    assert b == pytest.approx(a / 3.0, rel=1e-12)


def test_cli_set_selects_a_law(capsys: pytest.CaptureFixture[str]) -> None:
    from vrest.cli import main

    assert main(["params", "--preset", "rpl1", "--set", "pump.law=sigmoid"]) == 0
    out = capsys.readouterr().out
    assert "pump.s_Na" in out and "pump.s_K" in out


def test_pump_class_defaults_keep_published_laws() -> None:
    assert NaKPump().bound == "none" and NaKPump().q10 == 1.0
