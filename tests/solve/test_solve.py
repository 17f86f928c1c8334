"""Solving the cell model: steady states (limits with known answers, published numbers, batches)
and time courses (tolerances, events, failures reported with time, state and cause).

Moved from tests/model/test_model.py (docs/explanation/design.md, "How it is tested": limits, published numbers).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import vrest
from vrest.model.mechanisms import GHKLeak, Water
from vrest.model.mechanisms.base import MembraneState
from vrest.model.protocol import Event, Protocol
from vrest.physics.constants import F, R


def _state(c_in: list[float], c_out: list[float], v_mV: float, t_k: float = 310.15) -> MembraneState:
    ci, co = np.array([c_in]), np.array([c_out])
    v = np.array([v_mV * 1e-3])
    return MembraneState(c_in=ci, c_out=co, v=v, u=v * F / (R * t_k), temperature=np.array([t_k]),
                         area=np.array([1e-9]), volume=np.array([1e-15]), x_in=np.array([100.0]),
                         x_out=np.array([0.0]))


def test_donnan_state_without_pump_matches_closed_form() -> None:
    """Pump off, water on, bath impermeant: double Donnan with osmotic balance, by hand."""
    from scipy.optimize import brentq

    na_o, k_o, cl_o, ca_o, x_o, z = 145.0, 3.5, 119.0, 1.2, 40.0, -1.0
    cell = vrest.Cell(
        mechanisms=(GHKLeak(ion="K", P=1e-6), GHKLeak(ion="Na", P=5e-8), GHKLeak(ion="Cl", P=4e-7),
                    GHKLeak(ion="Ca", P=1e-7), Water(P_f=0.01)),
        inside=vrest.Inside(Na=12, K=140, Cl=7, Ca=1e-4, X=None, V0=-60.0, z_X=z),
        bath=vrest.Bath(Na=na_o, K=k_o, Cl=cl_o, Ca=ca_o, X=x_o))
    # the end of a long time course (the root finder is checked on the fixed-volume case below)
    ss = vrest.simulate(cell, t_end=1e7, t_eval=np.array([0.0, 1e7]))
    s, c = na_o + k_o, cl_o

    def osmotic(r: float) -> float:
        x_i = (r * s + 2 * r * r * ca_o - c / r) / (-z)
        return r * s + r * r * ca_o + c / r + x_i - (s + c + ca_o + x_o)

    r = brentq(osmotic, 1.0, 1e3)  # cations gather inside: r > 1
    v_closed = 1e3 * R * 310.15 / F * math.log(1 / r)
    assert ss.V[-1, 0] == pytest.approx(v_closed, abs=0.01)
    assert ss.c_in[-1, 0, 1] == pytest.approx(r * k_o, rel=1e-4)
    assert ss.c_in[-1, 0, 2] == pytest.approx(c / r, rel=1e-4)
    n_x = vrest.Model(cell).y0[0, 4]  # trapped anions per starting volume
    x_i = (r * s + 2 * r * r * ca_o - c / r) / (-z)
    assert ss.volume_rel[-1, 0] == pytest.approx(n_x / x_i, rel=1e-4)


def test_donnan_fixed_volume_matches_equations_donnan_closed() -> None:
    from vrest.physics.equations import donnan_closed

    cell = vrest.Cell(mechanisms=(GHKLeak(ion="K", P=1e-6), GHKLeak(ion="Na", P=5e-8),
                                  GHKLeak(ion="Cl", P=4e-7)))
    model = vrest.Model(cell)
    ss = vrest.steady_state(cell)
    vol_um3 = float(model.volume0[0]) * 1e18
    n_x = float(model.y0[0, 4]) * float(model.volume0[0])
    # Ca does not move here: treat its fixed charge with the trapped anions
    ca = float(model.y0[0, 3]) * float(model.volume0[0])
    res = donnan_closed({"Na": 12, "K": 140, "Cl": 7}, {"Na": 145, "K": 3.5, "Cl": 119},
                        n_x - 2 * ca, -1.0, vol_um3, math.inf, 310.15)
    # the model keeps the capacitor's (tiny) charge; the closed form is exactly electroneutral
    assert ss.V[0] == pytest.approx(float(res.V_mV), abs=0.05)


def test_steady_state_independent_of_start() -> None:
    """Four very different starts that share the conserved trapped-anion amount."""
    cell = vrest.load_cell("rpl1")
    ref = vrest.steady_state(cell)
    x = float(vrest.Model(cell).y0[0, 4])
    starts = [(145.0, 3.5, 1.2), (60.0, 90.0, 1e-2), (1.0, 200.0, 1e-6), (100.0, 100.0, 0.5)]
    for na, k, ca in starts:
        cl = na + k + 2 * ca - x + 1e-3  # nearly electroneutral with the same anions
        other = cell.with_parameters({"inside.Na": na, "inside.K": k, "inside.Ca": ca,
                                      "inside.Cl": cl, "inside.X": x})
        ss = vrest.steady_state(other)
        assert ss.V[0] == pytest.approx(ref.V[0], abs=1e-6), (na, k, ca)
        assert np.allclose(ss.c_in, ref.c_in, rtol=1e-6)


def test_long_time_course_ends_at_steady_state() -> None:
    for name in ("rpl1", "dusterwald2018", "kay2017"):
        cell = vrest.load_cell(name)
        ss = vrest.steady_state(cell)
        tc = vrest.simulate(cell, t_end=2e5, t_eval=np.array([0.0, 1e5, 2e5]))
        assert tc.V[-1, 0] == pytest.approx(ss.V[0], abs=0.01), name
        assert ss.stable[0]


def test_steady_state_net_fluxes_vanish() -> None:
    ss = vrest.steady_state(vrest.load_cell("rpl1"))
    net = sum(f[0, :4] for f in ss.flux.values())
    gross = sum(np.abs(f[0, :4]) for f in ss.flux.values())
    assert np.all(np.abs(net) <= 1e-7 * gross.max())
    assert abs(sum(ss.current.values())[0]) < 1e-6 * sum(abs(c[0]) for c in ss.current.values())


def test_scaling_all_rates_leaves_steady_state_unchanged() -> None:
    cell = vrest.load_cell("rpl1")
    ref = vrest.steady_state(cell)
    scaled = cell
    for mech in cell.mechanisms:
        scaled = scaled.with_parameters({f"{mech.name}.scale": 3.0})
    ss = vrest.steady_state(scaled)
    assert ss.V[0] == pytest.approx(ref.V[0], abs=1e-6)
    assert np.allclose(ss.c_in, ref.c_in, rtol=1e-7)


def test_rpl1_p1_matches_tight_tolerance_solution() -> None:
    cell = vrest.load_cell("rpl1")
    p1 = vrest.load_protocol("p1")
    tight = vrest.simulate(cell, p1, method="BDF", rtol=1e-11, atol=1e-12)
    for method in ("auto", "BDF", "LSODA"):  # auto = the compiled path for one cell
        tc = vrest.simulate(cell, p1, method=method)
        assert tc.t.size == 7201 and tc.t[-1] == 7200.0
        assert np.max(np.abs(tc.V - tight.V)) < 0.01, method


def test_kay2017_with_pump_blocked_has_no_finite_steady_state() -> None:
    cell = vrest.load_cell("kay2017").scaled("pump", 0.0)
    with pytest.raises(vrest.NoSteadyStateError, match="swells without bound"):
        vrest.steady_state(cell)
    batch = vrest.steady_state(vrest.load_cell("kay2017"), batch={"pump.scale": [1.0, 0.0]})
    assert list(batch.converged) == [True, False]
    assert "swells" in batch.message[1]
    assert math.isnan(batch.V[1])


def test_dusterwald2018_published_steady_state() -> None:
    """Duesterwald et al. 2018 eLife 7:e39575: their start values are their steady state
    (Na 14.002, K 122.873, Cl 5.163 mM)."""
    ss = vrest.steady_state(vrest.load_cell("dusterwald2018"))
    assert ss.c_in[0, 0] == pytest.approx(14.002, abs=0.01)
    assert ss.c_in[0, 1] == pytest.approx(122.873, abs=0.01)
    assert ss.c_in[0, 2] == pytest.approx(5.163, abs=0.01)
    assert ss.volume_rel[0] == pytest.approx(1.0, abs=1e-3)


def test_batch_equals_single_cells() -> None:
    cell = vrest.load_cell("rpl1")
    ko = np.array([2.0, 3.5, 8.0])
    batch = vrest.steady_state(cell, batch={"bath.K": ko})
    for i, k in enumerate(ko):
        single = vrest.steady_state(cell.with_bath(K=float(k)))
        assert batch.V[i] == pytest.approx(single.V[0], abs=1e-6)
    tc_b = vrest.simulate(cell, t_end=100.0, dt=10.0, batch={"bath.K": ko})
    tc_1 = vrest.simulate(cell.with_bath(K=8.0), t_end=100.0, dt=10.0)
    assert np.max(np.abs(tc_b.V[:, 2] - tc_1.V[:, 0])) < 1e-3


@settings(max_examples=15, deadline=None)
@given(p_na=st.floats(0.005, 0.3), k_o=st.floats(1.0, 30.0), i_max=st.floats(2.0, 40.0))
def test_property_steady_state_zero_net_flux_and_conserved_charge(p_na: float, k_o: float,
                                                                   i_max: float) -> None:
    cell = vrest.load_cell("rpl1").with_parameters(
        {"leak.Na.P": p_na * 1e-6, "bath.K": k_o, "pump.i_max": i_max})
    ss = vrest.steady_state(cell)
    assert ss.converged[0]
    e = ss.E[0]
    assert min(e[1], e[0]) < ss.V[0] < max(e[1], e[0])  # between E_K and E_Na
    model = vrest.Model(cell)
    assert abs(model.charge_residual_mV(ss.y)[0]) < 1e-6


def test_neuron37_starts_at_its_steady_state() -> None:
    cell = vrest.load_cell("neuron37")
    ss = vrest.steady_state(cell)
    start = vrest.Model(cell).y0[0]
    assert ss.V[0] == pytest.approx(-80.48550889198224, abs=1e-5)
    assert np.allclose(ss.y[0, :4], start[:4], rtol=1e-7)
    tc = vrest.simulate(cell, t_end=3600.0, dt=600.0)
    assert np.max(np.abs(tc.V[:, 0] - tc.V[0, 0])) < 1e-4
    assert ss.stable[0]


def test_failed_solve_names_time_state_and_cause(monkeypatch: pytest.MonkeyPatch) -> None:
    import scipy.integrate

    real = scipy.integrate.solve_ivp

    def failing(*args: object, **kwargs: object) -> object:
        sol = real(*args, **kwargs)
        sol.success, sol.message = False, "Required step size is less than spacing between numbers."
        return sol

    monkeypatch.setattr(scipy.integrate, "solve_ivp", failing)
    with pytest.raises(vrest.SolverError) as info:
        vrest.simulate(vrest.load_cell("rpl1"), t_end=10.0, method="BDF")
    text = str(info.value)
    assert "at t = 10 s" in text and "'K':" in text and "likely cause" in text


@pytest.mark.compiled
def test_failed_compiled_solve_names_time_state_and_cause(monkeypatch: pytest.MonkeyPatch) -> None:
    from vrest.solve import lsoda

    real = lsoda.solve_many

    def failing(*args: object, **kwargs: object) -> object:
        out, ok, messages = real(*args, **kwargs)
        out[3:] = np.nan
        ok[:] = False
        return out, ok, ["forced failure"] * len(messages)

    monkeypatch.setattr(lsoda, "solve_many", failing)
    with pytest.raises(vrest.SolverError) as info:
        vrest.simulate(vrest.load_cell("rpl1"), t_end=10.0, method="compiled")
    text = str(info.value)
    assert "cell 0 after t = 2 s" in text and "'K':" in text and "likely cause" in text
    assert "forced failure" in text


@pytest.mark.parametrize("method", [pytest.param("compiled", marks=pytest.mark.compiled), "BDF"])
def test_bath_change_at_time_zero_applies_to_a_given_start_state(method: str) -> None:
    cell = vrest.load_cell("rpl1").with_parameters({"bath.volume_ratio": 10.0})
    y0 = vrest.steady_state(cell).state()
    proto = Protocol(events=(Event(t=0.0, set={"bath.K": 20.0}),), t_end=1.0, dt=0.5)
    tc = vrest.simulate(cell, proto, y0=y0, method=method)
    assert tc.c_out[0, 0, 1] == pytest.approx(20.0), method


def test_batch_events_keep_every_cell_and_replace_per_cell() -> None:
    """An event that sets a batched parameter keeps the batch its size; an isosmotic replace
    works from each cell's own bath."""
    cell = vrest.load_cell("rpl1")
    ko = np.array([2.0, 5.0])
    tc = vrest.simulate(cell, vrest.load_protocol("p1"), dt=600.0, batch={"bath.K": ko})
    assert tc.V.shape[1] == 2
    k_o = tc.c_out[:, :, 1]
    assert np.all(k_o[tc.t == 1800.0] == 10.0) and np.allclose(k_o[tc.t == 3000.0], ko)
    proto = Protocol(events=(Event(t=10.0, replace=("K", 20.0, "Na")),), t_end=20.0, dt=10.0)
    tb = vrest.simulate(cell, proto, batch={"bath.K": ko})
    assert np.allclose(tb.c_out[-1, :, 0], 145.0 - (20.0 - ko))
    for i, k in enumerate(ko):
        one = vrest.simulate(cell.with_bath(K=float(k)), proto)
        assert np.max(np.abs(one.V[:, 0] - tb.V[:, i])) < 1e-3


def test_failure_before_the_first_output_reports_the_segment_start(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import scipy.integrate
    from scipy.integrate._ivp.ivp import OdeResult

    def failing(*args: object, **kwargs: object) -> object:
        return OdeResult(t=[], y=[], success=False, status=-1, nfev=0, njev=0, nlu=0,
                         message="Required step size is less than spacing between numbers.")

    monkeypatch.setattr(scipy.integrate, "solve_ivp", failing)
    with pytest.raises(vrest.SolverError) as info:
        vrest.simulate(vrest.load_cell("rpl1"), t_end=10.0, method="BDF")
    text = str(info.value)
    assert "after t = 0 s" in text and "'K': 140.0" in text and "likely cause" in text
