"""Calculator commands (nernst, ghk, explain, presets) and the shared option parsers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import vrest
from vrest.cli import main, parsing
from vrest.errors import ParameterError, UnknownNameError

VREST = Path(sys.executable).with_name("vrest")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys, *argv: str):
    code, out, err = run(capsys, *argv, "--json")
    assert code == 0, err
    return json.loads(out)


# ------------------------------------------------------------------ nernst


def test_nernst_json_potassium(capsys):
    data = run_json(capsys, "nernst", "K", "--in", "140", "--out", "5", "--temp", "37")
    # hand value: (R T / F) ln(5/140) at 310.15 K = 26.7268 mV x -3.33220 = -89.0587 mV
    assert data["E_mV"] == pytest.approx(-89.06, abs=0.005)
    assert data["ion"] == "K" and data["z"] == 1
    assert data["temperature_K"] == pytest.approx(310.15)


def test_nernst_text_kelvin_and_aliases(capsys):
    code, out, _ = run(
        capsys, "nernst", "potassium", "--in", "140", "--out", "5", "--temp", "310.15K"
    )
    assert code == 0 and out.startswith("E_K = -89.06 mV")
    data = run_json(capsys, "nernst", "Ca2+", "--in", "1e-4", "--out", "1.2", "--temp", "37")
    assert data["z"] == 2 and data["E_mV"] == pytest.approx(125.5, abs=0.1)


def test_nernst_custom_valence(capsys):
    data = run_json(capsys, "nernst", "X", "--z", "-2", "--in", "1", "--out", "10")
    assert data["ion"] == "X" and data["z"] == -2
    assert data["E_mV"] == pytest.approx(-61.54 / 2, abs=0.01)


# ------------------------------------------------------------------ ghk


def test_ghk_default_preset_json(capsys):
    import vrest

    data = run_json(capsys, "ghk")
    assert data["preset"] == "lecture" == vrest.DEFAULT_PRESET and data["composition"] == "the model's rest"
    rest = vrest.steady_state(vrest.load_cell("lecture"))
    what = data["what_v"]
    assert what["V_mV"] == pytest.approx(float(rest.V[0]), abs=1e-9)
    # the table's GHK line (closed form) and chord are the what-V numbers
    assert data["V_mV"] == pytest.approx(what["ghk_mV"], abs=1e-6)
    assert data["V_op_mV"] == pytest.approx(what["V_mV"], abs=1e-12)
    assert data["chord_mV"] == pytest.approx(what["chord_mV"], abs=1e-9)
    assert set(data["E_mV"]) == {"Na", "K", "Cl", "Ca"}
    assert data["E_mV"]["K"] == pytest.approx(float(rest.E[0, 1]), abs=1e-9)


def test_ghk_overrides(capsys):
    base = run_json(capsys, "ghk", "--preset", "lecture", "--out", "K=10")
    assert base["composition"] == "the given composition" and base["what_v"] is None
    only_k = run_json(capsys, "ghk", "--preset", "lecture", "--perm", "Na=0,Cl=0")
    assert only_k["V_mV"] == pytest.approx(only_k["E_mV"]["K"], abs=1e-9)
    high_k = run_json(capsys, "ghk", "--preset", "lecture", "--out", "K=50", "--out", "Na=100")
    assert high_k["outside_mM"]["K"] == 50 and high_k["outside_mM"]["Na"] == 100
    assert high_k["V_mV"] > base["V_mV"]
    assert high_k["chord_mV"] == pytest.approx(high_k["V_mV"], abs=1e-9)  # chord at GHK V
    cold = run_json(capsys, "ghk", "--preset", "lecture", "--temp", "0")
    assert cold["temperature_K"] == pytest.approx(273.15)
    with_ca = run_json(capsys, "ghk", "--preset", "squid", "--perm", "K=1,Na=0.04,Cl=0.45,Ca=0.1")
    assert with_ca["chord_weights"]["Ca"] > 0


def test_ghk_text_output(capsys):
    what = run_json(capsys, "ghk", "--preset", "squid")["what_v"]
    code, out, _ = run(capsys, "ghk", "--preset", "squid")
    assert code == 0 and "at the model's rest" in out
    assert "GHK voltage of the leaks alone" in out and f"{what['ghk_mV']:+.2f} mV" in out
    assert "The GHK voltage is not a weighted average of the E's" in out
    code, out, _ = run(capsys, "ghk", "--preset", "squid", "--out", "K=20")
    assert "GHK voltage of the leaks  V = " in out and "error" in out


# ------------------------------------------------------------------ explain


def test_explain_json_and_text(capsys):
    data = run_json(capsys, "explain", "--preset", "exam", "--vm", "-65")
    assert data["V_mV"] == -65 and data["V_origin"] == "given"
    k = next(r for r in data["ions"] if r["ion"] == "K")
    assert (k["flux"], k["current"]) == ("out", "outward")
    assert "K+ leaves" in k["reason"]
    code, out, _ = run(capsys, "explain", "--preset", "lecture")
    assert code == 0 and "the model's rest of preset lecture" in out and "What V is" in out
    assert "- Na+ enters" in out


# ------------------------------------------------------------------ presets


def test_presets_list_and_show(capsys):
    names = [p["name"] for p in run_json(capsys, "presets", "list")]
    assert {"exam", "lecture", "mammalian", "muscle", "squid"} <= set(names)
    code, out, _ = run(capsys, "presets", "list")
    assert code == 0 and "squid" in out
    data = run_json(capsys, "presets", "show", "squid")
    assert data["inside_mM"]["K"] == 400 and data["permeability_rel_K"]["Na"] == 0.04
    assert data["value_sources"]["permeability.Na"] == "HK1949"
    code, out, _ = run(capsys, "presets", "show", "muscle")
    assert code == 0 and "Hodgkin AL, Horowicz P (1959)" in out and "mM" in out


# ------------------------------------------------------------------ bad input


BAD = [
    (["nernst", "K", "--in", "-1", "--out", "5"], "--in: -1 mM is not allowed"),
    (["nernst", "K", "--in", "0", "--out", "5"], "--in: 0 mM is not allowed"),
    (["nernst", "K", "--in", "nan", "--out", "5"], "--in"),
    (["nernst", "K", "--in", "140", "--out", "inf"], "--out"),
    (["nernst", "K", "--in", "abc", "--out", "5"], "not a number"),
    (["nernst", "Xy", "--in", "1", "--out", "5"], "unknown ion 'Xy'; valid: Ca, Cl, K, Na"),
    (["nernst", "X", "--z", "0", "--in", "1", "--out", "5"], "valence"),
    (["nernst", "K", "--in", "140", "--out", "5", "--temp", "-300"], "outside the allowed range"),
    (["nernst", "K", "--in", "140", "--out", "5", "--temp", "401K"], "401 K is outside"),
    (["nernst", "K", "--in", "140", "--out", "5", "--temp", "warm"], "not a temperature"),
    (["nernst", "K", "--out", "5"], "required"),
    (["ghk", "--perm", "K=1,Na"], "--perm: 'Na' is malformed"),
    (["ghk", "--perm", "Na=-0.1"], "--perm Na: -0.1 is not allowed"),
    (["ghk", "--perm", "K=0,Na=0,Cl=0,Ca=0"], "at least one ion"),
    (["ghk", "--perm", "Zz=1"], "--perm: unknown ion 'Zz'"),
    (["ghk", "--in", "K=-5"], "--in K: -5 mM is not allowed"),
    (["ghk", "--preset", "octopus"], "unknown preset 'octopus'; valid: "),
    (["ghk", "--preset", "/nonexistent/cell.toml"], "preset file /nonexistent/cell.toml: cannot be read"),
    (["explain", "--vm", "abc"], "--vm: 'abc' is not a number"),
    (["presets", "show", "octopus"], "unknown preset"),
    (["presets"], "required"),
]


def exit_code(argv: list[str]) -> int:
    """main()'s status, also when argparse exits (SystemExit) on a usage error."""
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code)


@pytest.mark.parametrize("argv, message", BAD)
def test_bad_input_one_line_exit_2(capsys, argv, message):
    code = exit_code(argv)
    out, err = capsys.readouterr()
    assert code == 2
    assert message in err
    assert err.strip().count("\n") == 0
    assert "Traceback" not in err
    assert out == ""


def test_invalid_preset_file(capsys, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("name = 'bad'\n[sources]\n", encoding="utf-8")
    code = main(["ghk", "--preset", str(path)])
    err = capsys.readouterr().err
    assert code == 2 and str(path) in err and err.count("\n") == 1


def test_preset_without_permeabilities(capsys, tmp_path):
    path = tmp_path / "noperm.toml"
    path.write_text(
        'name = "noperm"\ntitle = "t"\ndescription = "d"\n[sources]\nA = "a"\n'
        '[temperature]\nvalue = 37\nunit = "degC"\nsource = "A"\n'
        '[inside]\nunit = "mM"\nsource = "A"\nK = 140\n'
        '[outside]\nunit = "mM"\nsource = "A"\nK = 5\n',
        encoding="utf-8",
    )
    assert main(["ghk", "--preset", str(path)]) == 2
    assert "--perm: preset noperm has no permeabilities" in capsys.readouterr().err
    assert main(["explain", "--preset", str(path)]) == 2
    assert "(--vm)" in capsys.readouterr().err
    data = run_json(capsys, "ghk", "--preset", str(path), "--perm", "K=1")
    assert data["V_mV"] == pytest.approx(-89.06, abs=0.005)
    assert (
        run_json(capsys, "explain", "--preset", str(path), "--vm", "-70")["ions"][0]["flux"]
        == "out"
    )


def test_real_subprocess():
    ok = subprocess.run(
        [str(VREST), "nernst", "K", "--in", "140", "--out", "5", "--temp", "37", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["E_mV"] == pytest.approx(-89.06, abs=0.005)
    bad = subprocess.run(
        [str(VREST), "nernst", "K", "--in", "-3", "--out", "5"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2
    assert bad.stderr.strip() == (
        "vrest nernst: error: --in: -3 mM is not allowed; concentrations must be > 0 mM"
    )
    assert bad.stdout == ""


# ------------------------------------------------------------------ parsing helpers


@pytest.mark.parametrize(
    "text, kelvin",
    [
        ("37", 310.15),
        ("37C", 310.15),
        ("37 degC", 310.15),
        ("310.15K", 310.15),
        ("310.15 K", 310.15),
        ("-10", 263.15),
        ("6.3", 279.45),
        ("1e2K", 100.0),
    ],
)
def test_parse_temperature(text, kelvin):
    assert parsing.parse_temperature(text) == pytest.approx(kelvin)


@pytest.mark.parametrize("text", ["", "hot", "37F", "0K", "-274", "127", "nan"])
def test_parse_temperature_rejects(text):
    with pytest.raises(ParameterError, match="--temp"):
        parsing.parse_temperature(text)


def test_parse_assignments():
    assert parsing.parse_concentrations(["K=140,na=12", "Cl=7"], "--in") == {
        "K": 140.0,
        "Na": 12.0,
        "Cl": 7.0,
    }
    assert parsing.parse_permeabilities("K=1, Na=0.04 ,Cl=0") == {"K": 1.0, "Na": 0.04, "Cl": 0.0}
    assert parsing.parse_assignments(None, "--in") == {}
    with pytest.raises(ParameterError, match="malformed"):
        parsing.parse_assignments("K:1", "--perm")
    with pytest.raises(ParameterError, match="not a number"):
        parsing.parse_assignments("K=x", "--perm")
    with pytest.raises(UnknownNameError, match="--in: unknown ion"):
        parsing.parse_concentrations("Q=1", "--in")
    with pytest.raises(ParameterError, match="> 0 mM"):
        parsing.parse_concentrations("K=0", "--in")


# README and docs examples: run and compared by tests/test_docs.py


# ------------------------------------------------------------------ one default preset


def _subparsers(parser):  # type: ignore[no-untyped-def]
    """(command path, parser) of every (sub)command."""
    import argparse

    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield name, sub
                for inner, subsub in _subparsers(sub):
                    yield f"{name} {inner}", subsub


def test_every_command_with_a_preset_defaults_to_the_one_default():
    from vrest.cli import build_parser

    defaults = {name: next(a.default for a in sub._actions if a.dest == "preset")
                for name, sub in _subparsers(build_parser())
                if any(a.dest == "preset" for a in sub._actions)}
    assert {"ghk", "explain", "steady", "simulate", "story", "fit"} <= set(defaults)
    assert set(defaults.values()) == {vrest.DEFAULT_PRESET} == {"lecture"}


def test_steady_and_explain_without_a_preset_use_the_lecture(capsys):
    steady = run_json(capsys, "steady")
    lecture = run_json(capsys, "steady", "--preset", "lecture")
    assert steady == lecture
    assert run_json(capsys, "explain") == run_json(capsys, "explain", "--preset", "lecture")


# ------------------------------------------------------------------ a bath without one ion


def test_nernst_of_an_ion_absent_from_the_bath_says_infinite(capsys):
    code, out, err = run(capsys, "nernst", "Na", "--in", "12", "--out", "0")
    assert code == 0 and err == ""
    assert out.startswith("E_Na = -inf mV  (z = +1; in 12 mM, out 0 mM;")
    assert "no Na outside: at any finite V the ion flows out" in out
    data = run_json(capsys, "nernst", "Cl", "--in", "7", "--out", "0")
    assert data["E_mV"] == "+inf"  # strict JSON: no Infinity, no NaN
    code, _, err = run(capsys, "nernst", "Na", "--in", "12", "--out", "-1")
    assert code == 2 and "--out: -1 mM is not allowed; concentrations must be >= 0 mM" in err
    code, _, err = run(capsys, "nernst", "Na", "--in", "0", "--out", "10")
    assert code == 2 and "--in: 0 mM is not allowed; concentrations must be > 0 mM" in err


def test_ghk_with_a_na_free_bath(capsys):
    code, out, _ = run(capsys, "ghk", "--preset", "mammalian", "--out", "Na=0")
    assert code == 0 and "nan" not in out.lower()
    assert "Na        12         0   0.04     -inf        0.0000" in out
    assert "chord-conductance potential: none (Na is on one side only" in out
    data = run_json(capsys, "ghk", "--preset", "mammalian", "--out", "Na=0")
    assert data["E_mV"]["Na"] == "-inf" and data["chord_mV"] is None
    assert data["chord_weights"]["Na"] == 0.0 and data["V_mV"] < -73.4  # no Na+ leaking in


def test_model_commands_with_a_na_free_bath(capsys):
    code, _, err = run(capsys, "steady", "--preset", "rpl1", "--set", "bath.Na=0")
    assert code == 2 and err.count("\n") == 1
    assert "bath.Na: 0 mM is allowed only with mechanisms that do not use E_Na; ncx" in err
    code, _, err = run(capsys, "steady", "--preset", "rpl1", "--set", "bath.Na=-2")
    assert code == 2 and "bath.Na: -2 is outside the allowed range [0, 10000] mM" in err
