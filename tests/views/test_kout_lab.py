"""The K_o experiment as done in a lab (issue 12, item 4): acute by default, steady on request."""

from __future__ import annotations

import numpy as np
import pytest

import vrest
from vrest.cli import main
from vrest.fit.experiment import kout_experiment
from vrest.physics import equations as eq
from vrest.solve.kout import kout_curve, turn
from vrest.web import compute, schemas


def test_squid_acute_curve_rises_monotonically_towards_the_nernst_slope() -> None:
    """Hodgkin & Katz's range, isosmotic (Na+ replaced by K+), read after 2 minutes."""
    exp = kout_experiment("squid", 2.5, 450.0, 16, replace="Na")
    assert exp.model == "acute" and exp.read_after_s == 120.0
    assert exp.temperature_C == pytest.approx(6.3)
    assert not exp.failures
    k, v = exp.K_o, exp.V
    slope = np.diff(v) / np.diff(np.log10(k))
    nernst = float(eq.nernst_slope(vrest.load_cell("squid").temperature + 273.15))
    assert nernst == pytest.approx(55.45, abs=0.01)  # 58 mV per tenfold is at 20 degC
    assert np.all(slope > 0)  # V rises monotonically with K_o
    top = slope[len(slope) // 2:]
    assert np.all(np.diff(top) > 0)  # and ever more steeply at high K_o ...
    assert 0.8 * nernst < slope[-1] < nernst  # ... approaching the Nernst slope from below


def test_acute_is_labelled_and_keeps_the_inside_close_to_the_control_when_read_early() -> None:
    cell = vrest.load_cell("lecture")
    ks = np.geomspace(2.0, 50.0, 5)
    bath = {ion: np.full(5, float(getattr(cell.bath, ion))) for ion in ("Na", "Cl", "Ca")}
    bath["K"] = ks
    early = kout_curve(cell, bath, "acute", read_after_s=0.5)
    assert "acute" in early.label and "30 s" not in early.label
    assert np.allclose(early.K_i_mM, early.control["K_i_mM"], rtol=5e-3)
    # read at the start of the bath change, V follows the zero current of all currents
    what = [vrest.what_v_is(cell.with_parameters({"bath.K": float(k)}),
                            vrest.steady_state(cell).state()) for k in ks]
    assert np.allclose(early.V, [w.zero_current_mV for w in what], atol=0.5)


def test_steady_curve_turn_is_explained(capsys: pytest.CaptureFixture[str], tmp_path) -> None:
    out = tmp_path / "k.csv"
    assert main(["experiment", "kout", "--preset", "lecture", "--model", "steady",
                 "--points", "8", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    text = out.read_text()
    assert "STEADY response" in text
    cell = vrest.load_cell("lecture")
    ks = np.geomspace(1.0, 100.0, 8)
    bath = {ion: np.full(8, float(getattr(cell.bath, ion))) for ion in ("Na", "Cl", "Ca")}
    bath["K"] = ks
    curve = kout_curve(cell, bath, "steady")
    t = turn(curve)
    assert t is not None  # this cell's steady V depolarises again at low K_o ...
    assert t["V_low_mV"] > t["V_turn_mV"] and t["K_o_turn_mM"] > ks[0]
    assert t["pump_low_rel"] < 1 and t["K_i_low_mM"] < t["K_i_mM_control"]
    for where in (printed, text):  # ... and the output says so and why
        assert "The steady curve turns" in where and "the pump" in where
        assert f"{t['K_i_low_mM']:.3g} mM" in where


def test_acute_curve_has_no_turn_and_is_the_default(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["experiment", "kout", "--preset", "lecture", "--points", "5",
                 "--from", "2"]) == 0
    text = capsys.readouterr().out
    assert "ACUTE response: V read 120 s" in text and "turns" not in text
    data = text.splitlines()[-5:]
    v = [float(line.split(",")[1]) for line in data]
    assert np.all(np.diff(v) > 0)


def test_explorer_curve_gives_acute_by_default_and_steady() -> None:
    req = schemas.SimulateRequest(preset="lecture", experiment={"name": "raise_k"}, t_end=10.0)
    curve = compute.simulate_request(req)["experiment"]["curve"]
    assert curve["default"] == "acute"
    assert len(curve["V_acute"]) == len(curve["V_steady"]) == len(curve["K_o"])
    assert "acute" in curve["labels"]["acute"] and "steady" in curve["labels"]["steady"]
    assert np.all(np.diff(curve["V_acute"]) > 0)
    assert curve["turn_text"] is not None and "pump" in curve["turn_text"]
