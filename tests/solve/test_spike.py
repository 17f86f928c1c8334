"""The action potential of the squid_hh preset against the Hodgkin-Huxley 1952 standard
equations, charge and ions through spikes, current-clamp stimuli, and the Q10 of the pump.

Reference numbers: Hodgkin & Huxley (1952) J Physiol 117:500-544 print no table of the peak, width,
threshold and after-hyperpolarisation of a space-clamped action potential under a 10 uA/cm^2,
1 ms pulse, so the reference is their standard equations (modern sign convention, rest -65 mV,
E_Na +50, E_K -77, E_L -54.387 mV, g_Na 120, g_K 36, g_L 0.3 mS/cm^2, C_m 1 uF/cm^2, 6.3 degC)
integrated tightly here with SciPy's LSODA (rtol 1e-10), independently of vrest's code.
Tolerances: 0.02 mV with the pump blocked (then vrest's cell obeys those equations; what differs
is only the ions' tiny change during the spike), 0.5 mV with the preset's pump (whose 0.41
uA/cm^2 outward current moves V by 0.35 mV in the 10 ms before the pulse and the peak by 0.4 mV).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import solve_ivp

import vrest
from vrest.errors import ParameterError, PresetError
from vrest.model.protocol import Protocol, from_dict, pulse, train
from vrest.solve.spikes import THRESHOLD_SLOPE, analyse_spike

DT_MS = 0.01
PULSE = Protocol(name="spike", events=pulse(0.010, 10.0, 0.001), t_end=0.040, dt=1e-5)


def _hh_rates(v: float) -> tuple[float, ...]:
    am = 0.1 * (v + 40) / (1 - np.exp(-(v + 40) / 10))
    an = 0.01 * (v + 55) / (1 - np.exp(-(v + 55) / 10))
    return (am, 4 * np.exp(-(v + 65) / 18), 0.07 * np.exp(-(v + 65) / 20),
            1 / (1 + np.exp(-(v + 35) / 10)), an, 0.125 * np.exp(-(v + 65) / 80))


def _hh_reference() -> dict[str, float]:
    """Peak, threshold (dV/dt = 20 mV/ms), AHP and Na+ charge of the standard equations."""

    def f(t: float, y: np.ndarray, i_stim: float) -> list[float]:
        v, m, h, n, _ = y
        am, bm, ah, bh, an, bn = _hh_rates(v)
        ina = 120 * m ** 3 * h * (v - 50.0)
        ik = 36 * n ** 4 * (v + 77.0)
        il = 0.3 * (v + 54.387)
        return [i_stim - ina - ik - il, am * (1 - m) - bm * m, ah * (1 - h) - bh * h,
                an * (1 - n) - bn * n, -ina]

    am, bm, ah, bh, an, bn = _hh_rates(-65.0)
    y = [-65.0, am / (am + bm), ah / (ah + bh), an / (an + bn), 0.0]
    t_all, y_all = [], []
    for t0, t1, i_stim in ((0.0, 10.0, 0.0), (10.0, 11.0, 10.0), (11.0, 40.0, 0.0)):
        grid = np.round(np.arange(t0, t1 + 1e-9, DT_MS), 9)
        sol = solve_ivp(f, (t0, t1), y, method="LSODA", rtol=1e-10, atol=1e-12, t_eval=grid,
                        args=(i_stim,))
        y = sol.y[:, -1]
        keep = slice(1, None) if t_all else slice(None)
        t_all.append(sol.t[keep])
        y_all.append(sol.y[:, keep])
    t, ys = np.concatenate(t_all), np.concatenate(y_all, axis=1)
    v = ys[0]
    w = t >= 10.0
    ip = int(np.argmax(v))
    slope = np.gradient(v[w], t[w])
    k = int(np.nonzero(slope >= THRESHOLD_SLOPE)[0][0])
    thr = float(np.interp(THRESHOLD_SLOPE, slope[k - 1: k + 1], v[w][k - 1: k + 1]))
    na_charge = ys[4][-1] - ys[4][w][0]  # nC/cm^2 of Na+ current in
    above = t[w][v[w] >= 0.5 * (v[w][0] + v[ip])]  # duration at half height
    return {"peak": float(v[ip]), "threshold": thr, "ahp": float(v[ip:].min()),
            "width": float(above[-1] - above[0]),
            "na_pmol_cm2": na_charge * 1e-9 / 96485.33212 * 1e12, "t_peak": float(t[ip])}


@pytest.fixture(scope="module")
def reference() -> dict[str, float]:
    return _hh_reference()


def test_squid_hh_with_the_pump_blocked_is_the_1952_model(reference: dict[str, float]) -> None:
    cell = vrest.load_cell("squid_hh").with_parameters({"pump.scale": 0.0})
    tc = vrest.simulate(cell, PULSE, rtol=1e-9)
    spike = analyse_spike(tc, 0.010)
    assert spike.peak_mV == pytest.approx(reference["peak"], abs=0.02)
    assert spike.threshold_mV == pytest.approx(reference["threshold"], abs=0.02)
    assert spike.ahp_mV == pytest.approx(reference["ahp"], abs=0.02)
    assert spike.t_peak_ms == pytest.approx(reference["t_peak"], abs=0.015)
    assert spike.width_ms == pytest.approx(reference["width"], abs=0.015)  # one output step
    assert spike.na_in == pytest.approx(reference["na_pmol_cm2"], rel=1e-3)


def test_squid_hh_preset_fires_under_a_10_ua_1_ms_pulse(reference: dict[str, float]) -> None:
    """The preset as shipped (pump running): peak, threshold and AHP within 0.5 mV of the 1952
    equations; the sanity of the numbers: overshoot, AHP above E_K = -77 mV."""
    tc = vrest.simulate(vrest.load_cell("squid_hh"), PULSE, rtol=1e-9)
    spike = analyse_spike(tc, 0.010)
    for key, value in (("peak", spike.peak_mV), ("threshold", spike.threshold_mV),
                       ("ahp", spike.ahp_mV)):
        assert value == pytest.approx(reference[key], abs=0.5), key
    assert 30 < spike.peak_mV < 50 and -77 < spike.ahp_mV < -70 and 1.0 < spike.width_ms < 2.0
    # ions per spike: ~14.7 pmol/cm^2 of Na+ in, a 2e-5 part of the axon's Na+; the pump,
    # at its resting rate, needs about 1.2 s to move it back
    assert spike.na_in == pytest.approx(14.7, abs=0.2) and spike.k_out == pytest.approx(15.5, abs=0.2)
    assert 1e-5 < spike.na_fraction < 1e-4 and 1.0 < spike.pump_restore_s < 3.0


def test_the_pump_is_not_the_spike() -> None:
    """With the pump blocked the axon still fires, almost the same spike."""
    a = analyse_spike(vrest.simulate(vrest.load_cell("squid_hh"), PULSE), 0.010)
    b = analyse_spike(vrest.simulate(vrest.load_cell("squid_hh").with_parameters(
        {"pump.scale": 0.0}), PULSE), 0.010)
    assert abs(a.peak_mV - b.peak_mV) < 1.0 and b.pump_restore_s == float("inf")


def test_a_weak_pulse_does_not_fire() -> None:
    weak = Protocol(name="weak", events=pulse(0.010, 2.0, 0.001), t_end=0.03, dt=1e-5)
    tc = vrest.simulate(vrest.load_cell("squid_hh"), weak)
    with pytest.raises(ParameterError, match="no action potential"):
        analyse_spike(tc, 0.010)


def test_charge_and_ions_are_conserved_through_a_train() -> None:
    """Five spikes: V stays the charge-difference value (residual < 1e-5 mV against ~100 mV
    swings) and each ion's inside + outside amount is constant, the injected K+ included."""
    spikes = Protocol(name="train", events=train(0.005, 10.0, 0.001, 5, 0.02),
                      t_end=0.11, dt=5e-5)
    tc = vrest.simulate(vrest.load_cell("squid_hh"), spikes)
    assert np.abs(tc.charge_residual).max() < 1e-5
    assert np.abs(tc.ion_residual).max() < 1e-12
    assert (np.diff(np.sign(tc.V[:, 0])) > 0).sum() == 5  # five spikes cross 0 mV


def test_stimulus_tables_in_protocol_files() -> None:
    p = from_dict({"name": "t", "t_end": 0.1, "dt": 1e-4,
                   "stimulus": [{"t": 0.01, "amplitude": 10.0, "duration": 0.001, "count": 3,
                                 "interval": 0.02, "ion": "K"}]})
    assert [round(e.t, 6) for e in p.events] == [0.01, 0.011, 0.03, 0.031, 0.05, 0.051]
    with pytest.raises(PresetError, match="amplitude"):
        from_dict({"stimulus": [{"t": 0.0, "duration": 0.001}]})
    with pytest.raises(ParameterError, match="interval"):
        train(0.0, 1.0, 0.002, 3, 0.001)


def test_steady_state_refuses_gated_cells() -> None:
    with pytest.raises(ParameterError, match="voltage-gated"):
        vrest.steady_state(vrest.load_cell("squid_hh"))


def test_cells_without_gates_keep_their_state_layout() -> None:
    from vrest.model.rhs import Model

    assert Model(vrest.load_cell("rpl1")).layout.names == (
        "Na", "K", "Cl", "Ca", "X", "v", "out_Na", "out_K", "out_Cl", "out_Ca")
    assert Model(vrest.load_cell("squid_hh")).layout.names[6:9] == ("hh_na.m", "hh_na.h", "hh_k.n")


def _restore_time(temperature: float) -> float:
    """Time (s) for the Na_i loaded by a train of Na+-carried current pulses to fall to 1/e of
    its excess, in rpl1 with a pump linear in Na_i (K_Na 60 mM, Q10 3, T_ref 37 degC)."""
    cell = vrest.load_cell("rpl1").with_parameters(
        {"pump.law": "linear", "pump.K_Na": 60.0, "pump.q10": 3.0, "pump.T_ref": 37.0,
         "cell.temperature": temperature})
    ss = vrest.steady_state(cell)
    loading = Protocol(name="train", events=train(1.0, 50.0, 0.05, 10, 0.1, ion="Na"),
                       t_end=1200.0)
    tc = vrest.simulate(cell, loading, y0=ss.y,
                        t_eval=np.concatenate([[0.0, 1.0], np.arange(2.0, 1200.0, 0.5)]))
    after = tc.t >= 2.0
    excess, t = tc.c_in[after, 0, 0] - tc.c_in[0, 0, 0], tc.t[after]
    k = int(np.nonzero(excess <= excess[0] / np.e)[0][0])
    return float(np.interp(excess[0] / np.e, excess[k:k - 2:-1], t[k:k - 2:-1]) - 2.0)


def test_cooling_slows_the_pump_by_its_q10() -> None:
    """Cooling from 37 to 27 degC triples the time to restore Na_i after a train (Q10 = 3), to
    within 3 %: the rest is the Na+ leak's own small part in the recovery, which has no Q10."""
    ratio = _restore_time(27.0) / _restore_time(37.0)
    assert ratio == pytest.approx(3.0, rel=0.03)
    assert ratio < 3.0  # the leak's share makes it slightly less, never more


def test_mammalian_pair_fires_in_a_mammalian_cell() -> None:
    """The Traub-Miles pair (Pospischil et al. 2008's regular-spiking values: g_Na 50, g_Kd 5
    mS/cm^2, V_T -56.2 mV, at 36 degC with Q10 3) added to neuron37 fires a brief spike under a
    40 uA/cm^2, 1 ms pulse; below it, the cell rests where the pump and leaks hold it."""
    from vrest.model.mechanisms import HHPotassium, HHSodium

    cell = vrest.load_cell("neuron37").with_mechanisms(
        HHSodium(kinetics="traub_miles", g=50.0, T_ref=36.0, V_T=-56.2),
        HHPotassium(kinetics="traub_miles", g=5.0, T_ref=36.0, V_T=-56.2))
    tc = vrest.simulate(cell, Protocol(name="s", events=pulse(0.01, 40.0, 0.001), t_end=0.03,
                                       dt=1e-5))
    spike = analyse_spike(tc, 0.01)
    assert spike.peak_mV > 30 and spike.width_ms < 1.5
    assert abs(tc.V[int(0.009 / 1e-5), 0] - tc.V[0, 0]) < 0.01  # at rest before the pulse
