"""`vrest simulate`, `steady`, `params`, `protocols`: outputs and bad input (exit status 2)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from vrest.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_steady_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "steady", "--preset", "rpl1", "--json")
    data = json.loads(out)
    assert code == 0 and data["converged"]
    assert set(data) >= {"converged", "V_mV", "inside_mM", "E_mV", "volume_rel", "atp_per_s"}
    assert data["V_mV"] == pytest.approx(-81.3755, abs=1e-3)


def test_simulate_csv_and_plot(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    csv, png = tmp_path / "out.csv", tmp_path / "out.png"
    code, out, _ = run(capsys, "simulate", "--preset", "dusterwald2018", "--t-end", "20",
                       "--dt", "1", "--csv", str(csv), "--plot", str(png), "--set", "bath.K=5")
    assert code == 0 and "wrote table" in out
    frame = pd.read_csv(csv)
    assert list(frame.columns[:5]) == ["t_s", "V_mV", "Na_i_mM", "K_i_mM", "Cl_i_mM"]
    assert "volume_rel" in frame.columns and len(frame) == 21
    assert png.stat().st_size > 1000


def test_simulate_p1_defaults_in_a_real_process(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("vrest")
    res = subprocess.run([str(exe), "simulate", "--preset", "rpl1", "--protocol", "p1", "--json"],
                         capture_output=True, text=True, check=True)
    data = json.loads(res.stdout)
    assert data["points"] == 7201 and data["t_end_s"] == 7200.0
    assert [e["t_s"] for e in data["events"]] == [1800.0, 2400.0, 3600.0, 5400.0]


def test_params_and_protocols(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "params", "--preset", "rpl1", "--json")
    data = json.loads(out)
    assert data["pump.i_max"] == {"value": 10.0, "unit": "uA/cm^2",
                                  "description": "maximal pump current density",
                                  "allowed": "[0, 100000] uA/cm^2"}
    code, out, _ = run(capsys, "protocols")
    assert code == 0 and "p1" in out


@pytest.mark.parametrize("argv, needle", [
    (["steady", "--set", "pump.bogus=1"], "unknown parameter 'pump.bogus'"),
    (["steady", "--set", "bath.K=-3"], "bath.K: -3 is outside the allowed range"),
    (["steady", "--set", "bath.K"], "malformed"),
    (["steady", "--set", "bath.K=abc"], "not a number"),
    (["steady", "--preset", "nope"], "unknown preset"),
    (["steady", "--preset", "kay2017", "--set", "pump.scale=0"], "swells without bound"),
    (["simulate", "--protocol", "nope"], "unknown protocol"),
    (["simulate", "--t-end", "-5"], "--t-end"),
    (["simulate", "--dt", "0"], "--dt"),
    (["params", "--set", "cell.radius=0"], "cell.radius"),
])
def test_bad_input_one_line_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str],
                                   needle: str) -> None:
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert needle in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_malformed_protocol_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[event]]\nt = 10\nset = { "inside.K" = 3 }\n')
    code, _, err = run(capsys, "simulate", "--protocol", str(bad))
    assert code == 2 and "inside.K cannot change during a protocol" in err
    bad.write_text("[[event]]\nfoo = 1\n")
    code, _, err = run(capsys, "simulate", "--protocol", str(bad))
    assert code == 2 and "unknown keys" in err
    bad.write_text("not toml [")
    code, _, err = run(capsys, "simulate", "--protocol", str(bad))
    assert code == 2 and "not valid TOML" in err


def test_python_constructors_reject_bad_values() -> None:
    import vrest

    with pytest.raises(vrest.ParameterError, match="cell.area"):
        vrest.Geometry(shape="explicit", area=10.0, volume=1000.0)
    with pytest.raises(vrest.ParameterError, match="exactly one of"):
        vrest.Inside(X=100.0, V0=-65.0)
    with pytest.raises(vrest.ParameterError, match="leak.K.P"):
        vrest.GHKLeak(ion="K", P=-1.0)
    with pytest.raises(vrest.UnknownNameError, match="valid"):
        vrest.GHKLeak(ion="Zn", P=1e-6)
    with pytest.raises(vrest.ParameterError, match="give exactly one of U"):
        vrest.KCC2()
    with pytest.raises(vrest.UnknownNameError, match="mechanism"):
        vrest.load_cell("rpl1").without("nkcc1")
