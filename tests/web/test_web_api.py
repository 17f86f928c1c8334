"""The explorer's JSON API: every endpoint with good and bad input, numbers checked against the
public API and hand-computed values, errors always JSON with a message."""

from __future__ import annotations

import json
import math
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np
import pytest
from fastapi.testclient import TestClient

import vrest
from vrest.cli import main
from vrest.web import cells, compute, schemas, worker
from vrest.web.app import create_app

VREST = Path(sys.executable).with_name("vrest")


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(), raise_server_exceptions=False)


def ok(response) -> dict:
    assert response.status_code == 200, response.text
    return response.json()


def bad(response, status: int = 422) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert isinstance(body["error"], str) and body["error"]
    assert "Traceback" not in response.text and 'File "' not in response.text
    return body


# ------------------------------------------------------------------ presets, experiments, meta


def test_health_and_openapi(client):
    assert ok(client.get("/api/health"))["status"] == "ok"
    spec = ok(client.get("/openapi.json"))
    for path in ("/api/presets", "/api/presets/{name}", "/api/simulate", "/api/steady",
                 "/api/explain", "/api/experiments", "/api/guide"):
        assert path in spec["paths"]
    # Swagger UI would load scripts from a CDN: it is off
    bad(client.get("/docs"), 404)


def test_presets_listing_matches_the_package(client):
    names = [p["name"] for p in ok(client.get("/api/presets"))]
    assert names == vrest.presets.names()


def test_the_default_preset_is_the_one_of_every_command(client):
    listing = ok(client.get("/api/presets"))
    assert [p["name"] for p in listing if p["default"]] == [vrest.DEFAULT_PRESET] == ["lecture"]
    # a request without a preset computes the default one
    assert ok(client.post("/api/steady", json={})) == ok(
        client.post("/api/steady", json={"preset": vrest.DEFAULT_PRESET}))
    page = (Path(vrest.__file__).parent / "web" / "static" / "app.js").read_text()
    assert "p.default" in page and '"rpl1"' not in page  # the page opens the server's default


def test_preset_detail_has_units_ranges_and_values(client):
    data = ok(client.get("/api/presets/rpl1"))
    rows = {r["name"]: r for r in data["parameters"]}
    assert rows["bath.K"]["value"] == 3.5 and rows["bath.K"]["unit"] == "mM"
    assert rows["leak.Na.P"]["value"] == pytest.approx(4e-8) and rows["leak.Na.P"]["unit"] == "cm/s"
    assert rows["bath.volume_ratio"]["value"] == "inf"
    assert rows["cell.temperature"]["allowed"] == "(-273.15, 126.85] degC"
    # NKCC1 is not in RPL-1 but can be switched on: its parameters are offered, marked absent
    assert rows["nkcc1.U"]["present"] is False and rows["pump.i_max"]["present"] is True
    mechs = {m["name"]: m for m in data["mechanisms"]}
    assert mechs["pump"]["present"] and not mechs["water"]["present"] and mechs["water"]["switchable"]


@pytest.mark.parametrize("name", ["nope", "rpl1.toml", "RPL1", "..rpl1"])
def test_unknown_preset_is_404_json(client, name):
    assert "unknown preset" in bad(client.get(f"/api/presets/{name}"), 404)["error"]


def test_experiment_listing(client):
    exps = {e["name"]: e for e in ok(client.get("/api/experiments"))}
    assert set(exps) == set(schemas.EXPERIMENTS)
    assert exps["raise_k"]["unit"] == "mM" and exps["block_pump"]["default"] is None


# ------------------------------------------------------------------ simulate


def test_simulate_matches_the_public_api(client):
    data = ok(client.post("/api/simulate", json={"preset": "rpl1", "params": {"bath.K": 5.0}}))
    s = data["series"]
    assert len(s["t"]) == schemas.DEFAULT_POINTS
    assert s["t"][0] == pytest.approx(1e-4) and s["t"][-1] == pytest.approx(7200.0)
    cell = vrest.load_cell("rpl1").with_parameters({"bath.K": 5.0})
    tc = vrest.simulate(cell, t_end=7200, t_eval=np.asarray(s["t"]), rtol=1e-8)
    # the page's tolerance (rtol 1e-4) stays well inside 0.1 mV of a tight solve
    assert np.max(np.abs(np.asarray(s["V"]) - tc.V[:, 0])) < 0.1
    assert data["end"]["E_mV"]["K"] == pytest.approx(tc.E[-1, 0, 1], abs=0.01)
    # t = 0.1 ms: V has barely left its starting value V0 = -65 mV
    assert s["V"][0] == pytest.approx(-65.0, abs=1.0)


def test_simulate_reference_lines_by_hand(client):
    data = ok(client.post("/api/simulate", json={"preset": "rpl1"}))
    end = data["end"]
    # Nernst of K at the end concentrations, by hand: (R T / F) ln(K_o / K_i), T = 310.15 K
    rt_f = 8.314462618 * 310.15 / 96485.33212 * 1e3
    k_i = end["inside_mM"]["K"]
    assert end["E_mV"]["K"] == pytest.approx(rt_f * math.log(3.5 / k_i), abs=1e-3)
    # the GHK line is the zero-current potential of the leaks at those concentrations
    perm = {"K": 1e-6, "Na": 4e-8, "Cl": 4.5e-7, "Ca": 1e-11}
    ghk = vrest.equations.zero_current_potential(perm, end["inside_mM"], end["outside_mM"], 310.15)
    assert end["GHK_mV"] == pytest.approx(float(ghk), abs=1e-6)
    # at a steady state the leaks carry the pump's current back: V is more negative than the
    # leaks-only predictions, the net current vanishes, the ATP rate equals the pump current / e
    assert end["V_mV"] < end["GHK_mV"]
    assert abs(end["current_total_pA"]) < 1e-3
    assert end["atp_per_s"] == pytest.approx(end["current_pA"]["pump"] * 1e-12 / 1.602176634e-19,
                                             rel=1e-9)


def test_per_ion_panel_directions(client):
    data = ok(client.post("/api/simulate", json={"preset": "rpl1"}))
    ions = {r["ion"]: r for r in data["ions"]}
    v = data["end"]["V_mV"]
    for r in ions.values():
        assert r["driving_force_mV"] == pytest.approx(v - r["E_mV"])
        assert r["net_flux_ions_per_s"] == pytest.approx(sum(r["flux_ions_per_s"].values()))
    assert ions["Na"]["flux"] == "in" and ions["Na"]["current"] == "inward"
    # Cl- with V above E_Cl enters, and a negative ion entering is an OUTWARD current
    assert ions["Cl"]["E_mV"] < v and ions["Cl"]["flux"] == "in" and ions["Cl"]["current"] == "outward"
    # KCC2 moves K+ and Cl- out one for one
    assert ions["K"]["flux_ions_per_s"]["kcc2"] == pytest.approx(ions["Cl"]["flux_ions_per_s"]["kcc2"])


def test_budget_charge_on_the_membrane(client):
    data = ok(client.post("/api/simulate", json={"preset": "rpl1"}))
    b = data["budget"]
    # Q = C A V for a 10 um sphere at C = 1 uF/cm^2, by hand
    area = 4 * math.pi * (10e-6) ** 2
    q = 1e-2 * area * abs(data["end"]["V_mV"]) * 1e-3
    assert b["membrane_charge_C"] == pytest.approx(q, rel=1e-9)
    assert b["area_um2"] == pytest.approx(1256.637, rel=1e-6)
    # the lecture's claim: far less than 1 % of 1 % of the K+ inside charges the membrane
    assert b["charge_fraction_of_K"] < 1e-4


def test_switches_add_and_remove_mechanisms(client):
    data = ok(client.post("/api/simulate", json={
        "preset": "rpl1", "mechanisms": {"nkcc1": True, "kcc2": False}, "t_end": 60}))
    assert "nkcc1" in data["end"]["current_pA"] and "kcc2" not in data["end"]["current_pA"]
    # NKCC1 is electroneutral: no current
    assert data["end"]["current_pA"]["nkcc1"] == pytest.approx(0.0, abs=1e-12)
    # a parameter of a switched-off mechanism is refused with its name
    body = bad(client.post("/api/simulate", json={"preset": "rpl1", "mechanisms": {"pump": False},
                                                  "params": {"pump.i_max": 5}}))
    assert body["errors"][0]["field"] == "pump.i_max"


def test_finite_bath_and_inf(client):
    fin = ok(client.post("/api/simulate", json={"preset": "rpl1", "params": {"bath.volume_ratio": 2}}))
    inf = ok(client.post("/api/simulate", json={"preset": "rpl1", "params": {"bath.volume_ratio": "inf"}}))
    assert fin["series"]["K_o"][-1] != pytest.approx(3.5, abs=1e-3)  # a finite bath changes
    assert inf["series"]["K_o"][-1] == 3.5


@pytest.mark.parametrize(("params", "field", "words"), [
    ({"bath.K": -5}, "bath.K", "at least 0"),
    ({"leak.Na.P": 2.0}, "leak.Na.P", "at most 1 cm/s"),
    ({"cell.temperature": 500}, "cell.temperature", "at most 126.85"),
    ({"bath.K": "inf"}, "bath.K", "inf is not possible"),
    ({"no.such": 1}, "no.such", "no such parameter"),
    ({"bath.K": "ten"}, "bath.K", "number"),
])
def test_bad_parameter_is_named(client, params, field, words):
    body = bad(client.post("/api/simulate", json={"preset": "rpl1", "params": params}))
    fields = {e["field"]: e["message"] for e in body["errors"]}
    assert field in fields and words in fields[field]


def test_nan_in_json_is_refused(client):
    raw = '{"preset": "rpl1", "params": {"bath.K": NaN}}'
    body = bad(client.post("/api/simulate", content=raw, headers={"content-type": "application/json"}))
    assert body["errors"][0]["field"] == "bath.K"


@pytest.mark.parametrize(("payload", "words"), [
    ({"preset": "rpl1", "t_end": 1e6}, "86400"),
    ({"preset": "rpl1", "t_end": -1}, "t_end"),
    ({"preset": "rpl1", "points": 100000}, "points"),
    ({"preset": "../../etc/passwd"}, "preset"),
    ({"preset": "nope"}, "unknown preset"),
    ({"preset": "rpl1", "extra": 1}, "extra"),
    ({"preset": "rpl1", "experiment": {"name": "explode"}}, "experiment.name"),
    ({"preset": "rpl1", "experiment": {"name": "raise_k", "value": 500}}, "between 0.1 and 150"),
    ({"preset": "rpl1", "mechanisms": {"kcc2": False}, "experiment": {"name": "block_kcc2"}}, "no KCC2"),
    ({"preset": "rpl1", "params": {"inside.V0": 900.0, "inside.Cl": 200}}, "inside.V0"),
])
def test_bad_requests(client, payload, words):
    assert words in bad(client.post("/api/simulate", json=payload))["error"]


def test_oversized_and_malformed_bodies(client):
    body = bad(client.post("/api/simulate", content=b"{" + b" " * 40_000 + b"}",
                           headers={"content-type": "application/json"}), 413)
    assert "too large" in body["error"]
    bad(client.post("/api/simulate", content=b"{not json", headers={"content-type": "application/json"}))
    too_many = {f"leak.K.x{i}": 1 for i in range(schemas.MAX_OVERRIDES + 1)}
    bad(client.post("/api/simulate", json={"preset": "rpl1", "params": too_many}))
    bad(client.get("/api/nothing"), 404)
    bad(client.put("/api/simulate", json={}), 405)


def test_unexpected_error_is_json_500_and_server_survives(client, monkeypatch):
    def boom():
        raise RuntimeError("secret internals")

    monkeypatch.setattr(cells, "preset_summaries", boom)
    response = client.get("/api/presets")
    body = bad(response, 500)
    assert "secret" not in body["error"] and "RuntimeError" in body["error"]
    monkeypatch.undo()
    assert ok(client.get("/api/health"))["status"] == "ok"


def test_an_unexpected_failure_inside_a_computation_is_a_422_naming_it(monkeypatch):
    def boom(_):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(compute, "steady_report", boom)
    status, body = worker.answer("steady", compute.request_key(schemas.CellRequest(preset="squid")))
    assert status == 422 and "RuntimeError" in body["error"] and "secret" not in body["error"]


# ------------------------------------------------------------------ experiments


def _exp(client, name, value=None, **extra):
    payload = {"preset": "rpl1", "experiment": {"name": name, "value": value}, **extra}
    return ok(client.post("/api/simulate", json=payload))




def test_block_pump_step_is_the_pump_share(client):
    data = _exp(client, "block_pump")
    n = data["experiment"]["numbers"]
    ss = vrest.steady_state(vrest.load_cell("rpl1"))
    assert n["V_before_mV"] == pytest.approx(float(ss.V[0]), abs=1e-6)
    # the immediate step is I_pump / g_membrane: the pump's outward current stops, V rises
    assert 0 < n["V_change_fast_mV"] < 10
    assert n["pump_current_pA"] == pytest.approx(float(ss.current["pump"][0]), rel=1e-9)
    # without the pump the gradients run down: Na_i up, K_i down, V depolarised
    assert n["Na_i_end_mM"] > n["Na_i_before_mM"] and n["K_i_end_mM"] < n["K_i_before_mM"]
    assert n["V_end_mV"] > n["V_fast_mV"]
    assert data["end"]["atp_per_s"] == 0.0
    assert f"{n['pump_current_pA']:.3g}" in data["experiment"]["explanation"]


def test_raise_k_curve(client):
    data = _exp(client, "raise_k", 20.0)
    exp = data["experiment"]
    curve = exp["curve"]
    assert exp["numbers"]["K_o_after_mM"] == 20.0 and data["end"]["outside_mM"]["K"] == 20.0
    ks = np.asarray(curve["K_o"])
    ss = vrest.steady_state(vrest.load_cell("rpl1"), batch={"bath.K": ks})
    assert np.allclose(curve["V_steady"], ss.V, atol=1e-6)
    # Nernst slope 61.5 mV per tenfold at 37 degC; the model's slope approaches it at high K_o
    assert curve["nernst_slope_mV"] == pytest.approx(61.54, abs=0.01)
    assert 40 < curve["slope_top_mV_per_decade"] < curve["nernst_slope_mV"]
    nernst = np.asarray(curve["nernst"])
    assert np.allclose(np.diff(nernst) / np.diff(np.log10(ks)), curve["nernst_slope_mV"])
    # V moves less than E_K: the other leaks pull on it
    assert 0 < exp["numbers"]["V_change_fast_mV"] < exp["numbers"]["E_K_change_mV"]


def test_block_kcc2_raises_cl_inside(client):
    n = _exp(client, "block_kcc2")["experiment"]["numbers"]
    assert n["Cl_i_end_mM"] > n["Cl_i_before_mM"] and n["E_Cl_end_mV"] > n["E_Cl_before_mV"]
    # with only the leak left, Cl- ends near equilibrium with V
    assert abs(n["E_Cl_minus_V_end_mV"]) < 0.5


def test_remove_cl(client):
    data = _exp(client, "remove_cl", 1.0)
    n = data["experiment"]["numbers"]
    assert data["end"]["outside_mM"]["Cl"] == 1.0
    assert n["E_Cl_fast_mV"] > 0 > n["E_Cl_before_mV"]
    assert n["Cl_i_end_mM"] < n["Cl_i_before_mM"]
    assert n["V_fast_mV"] > n["V_before_mV"]  # Cl- leaving = inward current = depolarisation
    bad(client.post("/api/simulate", json={"preset": "rpl1", "experiment": {"name": "remove_cl", "value": 200}}))


def test_temperature_scales_every_e(client):
    n = _exp(client, "temperature", 20.0)["experiment"]["numbers"]
    ratio = (20.0 + 273.15) / (37.0 + 273.15)
    # at the change the concentrations are those of the steady state: E scales with T exactly
    assert n["E_K_fast_mV"] == pytest.approx(n["E_K_before_mV"] * ratio, rel=1e-3)
    assert n["RT_F_after_mV"] / n["RT_F_before_mV"] == pytest.approx(ratio)


def test_no_gradients_start(client):
    data = _exp(client, "no_gradients")
    n = data["experiment"]["numbers"]
    assert n["V_start_mV"] == pytest.approx(0.0, abs=1e-9)
    s = data["series"]
    assert abs(s["E_K"][0]) < 0.01 and abs(s["E_Na"][0]) < 0.01
    # the pump builds the gradients: K+ accumulates, Na+ is pumped out, V goes negative
    assert n["K_i_end_mM"] > 3.5 and n["Na_i_end_mM"] < 145 and n["V_end_mV"] < -10
    # charge stays balanced: 'other anions' for the bath's unlisted ones (Na + K + 2 Ca - Cl),
    # then the cell makes the rest of its own trapped anions, with K+ counter-ions
    assert n["other_anions_start_mM"] == pytest.approx(145 + 3.5 + 2 * 1.2 - 119, rel=1e-9)
    from vrest.model.rhs import I_X, Model

    own = float(Model(vrest.load_cell("rpl1")).y0[0, I_X])
    assert n["X_mM"] == pytest.approx(own, rel=1e-9)
    assert n["anions_made_mM"] == pytest.approx(own - n["other_anions_start_mM"], rel=1e-9)
    assert n["V_end_minus_rest_mV"] == pytest.approx(n["V_end_mV"] - n["V_rest_mV"])


# ------------------------------------------------------------------ steady, explain, guide


def test_steady_and_explain(client):
    data = ok(client.post("/api/steady", json={"preset": "rpl1", "params": {"bath.K": 10}}))
    ss = vrest.steady_state(vrest.load_cell("rpl1").with_bath(K=10))
    assert data["V_mV"] == pytest.approx(float(ss.V[0]), abs=1e-9) and data["converged"]
    assert data["stable"] is True
    ex = ok(client.post("/api/explain", json={"preset": "rpl1", "params": {"bath.K": 10}}))
    assert ex["V_mV"] == pytest.approx(data["V_mV"]) and ex["V_origin"] == "steady state"
    k = next(r for r in ex["ions"] if r["ion"] == "K")
    assert k["E_mV"] == pytest.approx(data["E_mV"]["K"])
    at = ok(client.post("/api/explain", json={"preset": "rpl1", "v_mV": -120}))
    assert at["V_origin"] == "given" and all(r["V_mV"] == -120 for r in at["ions"])
    bad(client.post("/api/explain", json={"preset": "rpl1", "v_mV": 9000}))


def test_no_steady_state_is_a_clear_422(client):
    # water on, no pump, trapped anions, no bath impermeants: the cell swells without bound
    body = bad(client.post("/api/steady", json={"preset": "rpl1",
                                                "mechanisms": {"pump": False, "water": True}}))
    assert "swells" in body["error"]


def test_guide_steps(client):
    """The guided mode shows the steps of `vrest story`, with the same numbers."""
    from vrest.story.steps import run_story

    data = ok(client.get("/api/guide", params={"preset": "lecture"}))
    steps = data["steps"]
    # step 8: the lecture's Ca2+ pump (PMCA), which keeps Ca_i where NCX runs in reverse
    assert [s["key"] for s in steps] == ["0", "1a", "1b", "2", "3", "4", "5", "6", "7", "8", "real"]
    assert [s["step"] for s in steps] == list(range(11))
    n = {s["key"]: s["numbers"] for s in steps}
    assert n["0"]["V_end_mV"] == pytest.approx(0.0, abs=1e-9)
    # step 1a: the bare anions give the lecture's -5 mV; 1b: with counter-ions V stays 0
    assert n["1a"]["V_end_mV"] == pytest.approx(-5.0, abs=0.05)
    assert n["1b"]["V_end_mV"] == pytest.approx(0.0, abs=1e-6)
    # with the Cl- leak only, Cl- is passive: E_Cl = V; KCC2 then puts E_Cl below V
    assert n["5"]["E_Cl_mV"] == pytest.approx(n["5"]["V_end_mV"], abs=0.5)
    assert n["6"]["E_Cl_mV"] < n["6"]["V_end_mV"] - 1
    story = run_story("lecture").to_dict()
    assert n["real"]["V_end_mV"] == pytest.approx(story["real"]["end"]["V_mV"], abs=1e-12)
    assert all(s["text"] for s in steps)
    assert all(t > 0 for s in steps for t in s["series"]["t"])  # a log time axis
    bad(client.get("/api/guide", params={"preset": "x/../y"}))
    bad(client.get("/api/guide", params={"preset": "nope"}))


# ------------------------------------------------------------------ the page and the command


def test_page_and_static_files_are_local(client):
    page = client.get("/")
    assert page.status_code == 200 and "Content-Security-Policy" in page.headers
    html = page.text
    assert "http://" not in html.replace('href="/openapi.json"', "") and "https://" not in html
    for asset in ("/static/app.js", "/static/style.css", "/static/uPlot.iife.min.js",
                  "/static/uPlot.min.css"):
        assert client.get(asset).status_code == 200
        assert asset in html
    bad(client.get("/static/../pyproject.toml"), 404)


def test_serve_help_and_bad_port(capsys):
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    assert "127.0.0.1" in capsys.readouterr().out
    assert main(["serve", "--port", "70000"]) == 2
    assert "--port: 70000" in capsys.readouterr().err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_vrest_serve_subprocess():
    port = _free_port()
    proc = subprocess.Popen([str(VREST), "serve", "--port", str(port)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                if httpx.get(url + "/api/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        data = httpx.post(url + "/api/simulate", json={"preset": "squid", "t_end": 60}, timeout=30).json()
        assert data["end"]["V_mV"] < 0
        assert json.loads(httpx.get(url + "/api/presets/nope", timeout=5).text)["error"]
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    assert f"http://127.0.0.1:{port}/" in out


def test_fire_a_spike(client):
    """Issue 17: the experiment runs on the squid axon (the page's rpl1 has no gated channels),
    fires, reports the ions per spike against the content, and the spike without the pump."""
    data = _exp(client, "fire_spike", 10.0)
    n = data["experiment"]["numbers"]
    assert n["fired"] and n["preset"] == "squid_hh"
    assert n["peak_mV"] == pytest.approx(39.3, abs=0.5) and n["ahp_mV"] < -75
    assert abs(n["peak_pump_blocked_mV"] - n["peak_mV"]) < 1.0
    assert 1e-5 < n["na_fraction"] < 1e-4 and n["pump_restore_s"] > 0.5
    assert set(data["experiment"]["gates"]) == {"hh_na.m", "hh_na.h", "hh_k.n"}
    assert f"{n['peak_mV']:+.1f}" in data["experiment"]["explanation"]
    weak = _exp(client, "fire_spike", 1.0)["experiment"]
    assert not weak["numbers"]["fired"] and "No action potential" in weak["explanation"]


def test_a_na_free_bath_is_computed_without_nan(client):
    body = {"preset": "rpl1", "params": {"bath.Na": 0.0}, "mechanisms": {"ncx": False},
            "t_end": 600}
    data = ok(client.post("/api/simulate", json=body))
    assert all(e is None for e in data["series"]["E_Na"])  # E_Na infinite: no line to draw
    assert data["series"]["chord"] is None
    assert all(math.isfinite(v) for v in data["series"]["V"])
    assert data["series"]["Na_i"][-1] < data["series"]["Na_i"][0]
    err = bad(client.post("/api/steady", json={k: body[k] for k in ("preset", "params",
                                                                      "mechanisms")}))
    assert "the bath has no Na" in err["error"]
    err = bad(client.post("/api/simulate", json={"preset": "rpl1", "params": {"bath.Na": 0.0}}))
    assert "0 mM is allowed only with mechanisms that do not use E_Na; ncx" in err["error"]
    err = bad(client.post("/api/simulate", json={"preset": "rpl1", "params": {"bath.Na": -1}}))
    assert "it must be at least 0 mM" in err["error"]
