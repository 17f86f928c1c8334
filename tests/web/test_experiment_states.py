"""Every explorer experiment, run from the lecture preset, explains what it shows: it starts at
the cell's steady state (Control included) and its text names the state the cell ends in."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from vrest.solve.steady import steady_state
from vrest.web import cells
from vrest.web.app import create_app

STATES = ("Donnan equilibrium", "steady state", "still changing")
#: What each experiment's text must name, on the lecture cell over 2 h (block_pump: 1 day).
NAMED = {
    "control": "at a steady state at the end",
    "raise_k": "the Nernst limit",
    "block_pump": "Donnan equilibrium",
    "block_kcc2": "steady state",
    "remove_cl": "steady state",
    "remove_na": "Na+-free bath",
    "temperature": "steady state",
    "no_gradients": "steady state",
}


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app())


def _run(client: TestClient, name: str, t_end: float, **extra: object) -> dict:
    body = {"preset": "lecture", "t_end": t_end, "experiment": {"name": name}, **extra}
    r = client.post("/api/simulate", json=body)
    assert r.status_code == 200, r.text
    return r.json()


def test_every_listed_experiment_names_the_state_it_reaches(client):
    listed = [e["name"] for e in client.get("/api/experiments").json()]
    assert set(NAMED) <= set(listed)
    for name in listed:
        t_end = 86400.0 if name == "block_pump" else 7200.0
        text = _run(client, name, t_end)["experiment"]["explanation"]
        assert any(s in text for s in STATES), (name, text)
        if name in NAMED:
            assert NAMED[name] in text, (name, text)


def test_control_starts_and_stays_at_the_steady_state(client):
    data = _run(client, "control", 7200.0)
    ss = steady_state(cells.base_cell("lecture"))
    assert data["experiment"]["before"]["V_mV"] == pytest.approx(float(ss.V[0]), abs=1e-9)
    assert data["series"]["V"][0] == pytest.approx(float(ss.V[0]), abs=1e-3)
    assert data["end"]["V_mV"] == pytest.approx(float(ss.V[0]), abs=1e-3)


def test_a_day_without_the_pump_is_a_donnan_state(client):
    data = _run(client, "block_pump", 86400.0)
    end = data["end"]
    gap = max(abs(end["E_mV"][i] - end["V_mV"]) for i in ("Na", "K", "Cl"))
    assert gap < 2.0
    # the lecture's Ca2+ pump (PMCA) still runs: Ca2+ is left out of the Donnan state
    assert data["experiment"]["numbers"]["largest_E_minus_V_mV"] == pytest.approx(gap, abs=1e-9)
    assert abs(end["E_mV"]["Ca"] - end["V_mV"]) > 2.0
    assert "PMCA" in data["experiment"]["explanation"]


def test_water_on_the_cell_swells_and_the_text_says_so(client):
    data = _run(client, "block_pump", 86400.0, mechanisms={"water": True})
    vol = data["experiment"]["numbers"]["volume_change_rel"]  # end volume / volume at t = 0
    assert vol > 2 and data["end"]["volume_rel"] > 2
    assert f"swelled to {vol:.3g} times its starting volume" in data["experiment"]["explanation"]


def test_short_run_says_still_changing_and_names_the_target(client):
    data = _run(client, "block_pump", 600.0)
    text = data["experiment"]["explanation"]
    assert "still changing" in text and "Donnan" not in text


def test_na_free_bath_moves_v_towards_e_k(client):
    data = _run(client, "remove_na", 7200.0)
    n = data["experiment"]["numbers"]
    assert n["E_Na_fast_mV"] < 0 < n["E_Na_before_mV"]
    assert n["V_fast_mV"] < n["V_before_mV"]  # the Na+ leak's inward current stopped
    assert data["end"]["outside_mM"]["Na"] == pytest.approx(1.0)


def test_control_with_water_says_nothing_moved(client):
    """kay2017 has water: its steady volume differs from the preset's, but Control starts there,
    so over the run nothing swells or shrinks."""
    body = {"preset": "kay2017", "t_end": 7200.0, "experiment": {"name": "control"}}
    data = client.post("/api/simulate", json=body).json()
    text = data["experiment"]["explanation"]
    assert data["experiment"]["numbers"]["volume_change_rel"] == pytest.approx(1.0, abs=1e-3)
    assert "steady state" in text and "swelled" not in text and "shrank" not in text


GATED = {"squid_hh"}  # voltage-gated channels: no steady-state solve, so no steady start


@pytest.mark.parametrize("preset", [p for p in cells.preset_names() if p not in GATED])
def test_control_runs_on_every_preset(client, preset):
    """Cells with ohmic leaks only (dusterwald2018) or with water still get a named state."""
    r = client.post("/api/simulate", json={"preset": preset, "experiment": {"name": "control"}})
    assert r.status_code == 200, r.text
    assert any(s in r.json()["experiment"]["explanation"] for s in STATES)


@pytest.mark.parametrize("preset", sorted(GATED))
def test_steady_start_experiments_on_a_gated_cell_are_refused_with_the_reason(client, preset):
    r = client.post("/api/simulate", json={"preset": preset, "experiment": {"name": "control"}})
    assert r.status_code == 422
    assert "voltage-gated channels" in r.json()["error"]
    spike = client.post("/api/simulate", json={"preset": preset,
                                               "experiment": {"name": "fire_spike"}})
    assert spike.status_code == 200, spike.text
