"""vrest story: each step's physics against the model and closed forms, the sentences against
the JSON, the figures' axes, the reports and the command line.

The story of the default preset ('lecture') is computed once per module (about a second).
Hand-computed numbers use the lecture preset's model: a sphere of r = 10 um (A = 4 pi r^2 =
1256.6 um^2, V = 4/3 pi r^3 = 4188.8 um^3), C_m = 1 uF/cm^2, 37 degC, bath Na 145, K 10, Cl 110,
Ca 1 mM; P_K = 1e-6 cm/s, P_Na = 0.04 P_K; saturating pump with I_max = 2.14 uA/cm^2,
K_K = 2 mM, K_Na = 10 mM.
"""

from __future__ import annotations

import io
import json
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import vrest
from vrest.cli import main
from vrest.physics import equations as eq
from vrest.physics.constants import E_CHARGE, N_A, F, R
from vrest.story import plot as story_plot
from vrest.story import report as story_report
from vrest.story import step_text
from vrest.story import steps as story
from vrest.story import text as story_text
from vrest.story.text import FORMATS, lookup

T_K = 310.15
AREA_M2 = 4 * math.pi * (10e-6) ** 2
VOLUME_M3 = 4 / 3 * math.pi * (10e-6) ** 3
C_F_M2 = 1e-2
MV_PER_MM = 1e3 * F * VOLUME_M3 / (C_F_M2 * AREA_M2)  # mV per mM of net charge: 32161.8
VRERST = Path(sys.executable).with_name("vrest")


def _plain(data):
    """The JSON that `vrest story --json` prints, read back."""
    from vrest.cli.output import json_default

    return json.loads(json.dumps(data, default=json_default))


@pytest.fixture(scope="module")
def lecture():
    result = story.run_story()
    return result, _plain(story_text.narrate(result.to_dict()))


def test_hand_computed_cell_constants(lecture):
    s, data = lecture
    assert data["cell"]["area_um2"] == pytest.approx(1256.637, rel=1e-6)
    assert data["cell"]["volume_um3"] == pytest.approx(4188.790, rel=1e-6)
    assert data["cell"]["mV_per_mM_charge"] == pytest.approx(MV_PER_MM, rel=1e-12)
    assert data["cell"]["mV_per_mM_charge"] == pytest.approx(32161.78, rel=1e-6)


def test_step0_no_gradients_and_a_neutral_inside(lecture):
    s0 = lecture[0].step("0")
    assert s0.end["V_mV"] == pytest.approx(0.0, abs=1e-9)
    assert s0.end["inside_mM"] == s0.end["outside_mM"] == {"Na": 145.0, "K": 10.0, "Cl": 110.0,
                                                           "Ca": 1.0}
    assert all(abs(e) < 1e-12 for e in s0.end["E_mV"].values())
    # the bath's listed ions: 145 + 10 + 2 x 1 - 110 = +47 mM, balanced by 47 mM other anions
    assert s0.extra["bath_charge_gap_mM"] == pytest.approx(47.0)
    assert s0.extra["other_anions_mM"] == pytest.approx(47.0)


def test_step1a_how_many_bare_anions_give_minus_5_mV(lecture):
    s1a = lecture[0].step("1a")
    q = C_F_M2 * AREA_M2 * 5e-3  # C on the membrane at -5 mV: 6.2832e-14
    assert s1a.extra["charge_C"] == pytest.approx(-q, rel=1e-12)
    assert s1a.extra["anions_count"] == pytest.approx(q / E_CHARGE, rel=1e-12)  # 392,166
    assert s1a.extra["anions_count"] == pytest.approx(392_166, rel=1e-5)
    assert s1a.extra["anions_mM"] == pytest.approx(q / F / VOLUME_M3, rel=1e-12)  # 1.5546e-4 mM
    assert s1a.end["V_mV"] == pytest.approx(-5.0, abs=1e-6)  # the simulation agrees
    made = s1a.extra["anions_real_mM"]
    assert s1a.extra["V_if_real_amount_bare_mV"] == pytest.approx(-MV_PER_MM * made, rel=1e-9)


def test_step1b_conserves_charge_and_brings_K_in(lecture):
    s = lecture[0]
    s1b = s.step("1b")
    made = s1b.extra["anions_mM"]
    assert s1b.end["V_mV"] == pytest.approx(0.0, abs=1e-6)
    assert s1b.end["inside_mM"]["K"] == pytest.approx(10.0 + made, rel=1e-9)
    c = s1b.end["inside_mM"]
    assert c["Na"] + c["K"] - c["Cl"] + 2 * c["Ca"] - s1b.end["X_mM"] == pytest.approx(0, abs=1e-9)
    # the trapped anions equal those of the complete cell at rest (V0 = its calibrated rest)
    assert s1b.end["X_mM"] == pytest.approx(vrest.Model(vrest.load_cell("lecture")).y0[0, 4])


def test_step2_pump_alone_charges_the_membrane(lecture):
    s2 = lecture[0].step("2")
    # hand: i = I_max (1 + 2/10)^-2 (1 + 10/145)^-3 (I_max = 2.132 uA/cm^2, the calibrated pump:
    # 1.212 uA/cm^2) -> 1.212 mV/ms at 1 uF/cm^2
    i = vrest.load_cell("lecture").values()["pump.i_max"] / (1 + 2 / 10) ** 2 / (1 + 10 / 145) ** 3
    assert s2.extra["charging_rate_mV_per_ms"] == pytest.approx(i, rel=1e-6)
    assert s2.extra["pump_current_pA"] == pytest.approx(i * 1e-2 * AREA_M2 * 1e12 * 1e-2 * 1e2, rel=1e-6)
    assert s2.end["V_mV"] == pytest.approx(-10.0, abs=0.01)
    assert s2.moved["Na"]["fraction"] < 1e-4  # the gradients are not built
    assert s2.moved["Na"]["ions"] / s2.moved["K"]["ions"] == pytest.approx(-1.5, rel=1e-6)
    need = s2.extra["Na_needed_mM"]
    assert s2.extra["V_if_gradient_built_alone_mV"] == pytest.approx(-MV_PER_MM * need / 3, rel=1e-9)


def test_step3_ends_at_E_K_moving_less_than_1e4_of_the_K(lecture):
    s3 = lecture[0].step("3")
    e_k = s3.end["E_mV"]["K"]
    assert abs(s3.end["V_mV"] - e_k) < 0.5
    assert e_k == pytest.approx(float(eq.nernst(1, s3.end["inside_mM"]["K"], 10.0, T_K)), abs=1e-9)
    assert s3.moved["K"]["fraction"] < 1e-4
    # the K+ that left is the capacitor's charge: C A (V_start - V_end) / e
    ions = C_F_M2 * AREA_M2 * (s3.start["V_mV"] - s3.end["V_mV"]) * 1e-3 / E_CHARGE
    assert s3.moved["K"]["ions"] == pytest.approx(ions, rel=1e-4)
    # it settles on the membrane time constant C_m / g_K(E_K) (GHK slope conductance), in ms:
    # the late trace is exp(-t / tau)
    g = float(eq.ghk_chord_conductance(1e-6, 1, s3.end["inside_mM"]["K"], 10.0, e_k, T_K))
    tau = 1.0 / g * 1e-3  # uF/cm^2 / (mS/cm^2) = ms -> s; 10.3 ms
    tr = s3.trace
    late = (np.abs(tr.V - e_k) < 1.0) & (np.abs(tr.V - e_k) > 1e-3)
    slope = np.polyfit(tr.t[late], np.log(np.abs(tr.V[late] - e_k)), 1)[0]
    assert -1.0 / slope == pytest.approx(tau, rel=1e-3)
    assert s3.steady["slowest_time_constant_s"] == pytest.approx(tau, rel=2e-2)
    assert 1e-3 < s3.settle_s < 1.0


def test_step4_between_E_K_and_E_Na_at_the_GHK_value_with_the_pump(lecture):
    s4 = lecture[0].step("4")
    v, e = s4.end["V_mV"], s4.end["E_mV"]
    assert e["K"] < v < e["Na"] and abs(v - e["K"]) < abs(v - e["Na"])
    perm = {"K": 1.0, "Na": 0.04}
    inside, outside = s4.end["inside_mM"], s4.end["outside_mM"]
    # with the pump's 3:2 coupling the GHK form is exact at steady state (Mullins & Noda 1963)
    mn = float(eq.mullins_noda(perm, inside, outside, T_K, 1.5))
    assert abs(v - mn) < 1.0 and v == pytest.approx(mn, abs=1e-6)
    # the plain GHK value (no pump current) plus the pump's direct share gives V
    ghk = float(eq.ghk_voltage(perm, inside, outside, T_K))
    assert abs(v - s4.analysis["pump_share_mV"] - ghk) < 1.0
    assert s4.analysis["V_no_pump_mV"] == pytest.approx(ghk, abs=1e-6)
    assert -5.0 < s4.analysis["pump_share_mV"] < -2.0
    # steady state: Na+ in = 3 x pump cycles, K+ out = 2 x pump cycles
    f = s4.fluxes_ions_s
    assert -f["leak.Na"]["Na"] == pytest.approx(f["pump"]["Na"], rel=1e-6)
    assert f["leak.K"]["K"] == pytest.approx(-f["pump"]["K"], rel=1e-6)
    assert s4.atp_per_s == pytest.approx(f["pump"]["Na"] / 3, rel=1e-9)
    assert s4.steady["exists"] and abs(s4.steady["dV_mV"]) < 0.01


def test_step5_E_Cl_follows_V(lecture):
    s5 = lecture[0].step("5")
    assert abs(s5.end["E_mV"]["Cl"] - s5.end["V_mV"]) < 0.5
    assert s5.end["inside_mM"]["Cl"] < s5.start["inside_mM"]["Cl"]


def test_step6_KCC2_puts_E_Cl_below_V_and_V_moves_down(lecture):
    s = lecture[0]
    s6 = s.step("6")
    assert s6.end["E_mV"]["Cl"] < s6.end["V_mV"]
    assert s6.end["V_mV"] < s.step("5").end["V_mV"]
    assert s6.fluxes_ions_s["leak.Cl"]["Cl"] < 0  # Cl- enters through its leak
    assert s6.currents_pA["kcc2"] == pytest.approx(0.0, abs=1e-12)  # electroneutral


def test_step7_NCX_lowers_Ca_and_E_Ca_passes_100_mV(lecture):
    s7 = lecture[0].step("7")
    e = s7.end["E_mV"]
    assert e["Ca"] > 100.0
    assert s7.end["inside_mM"]["Ca"] < s7.start["inside_mM"]["Ca"] / 100
    # NCX (3 Na+ in, 1 Ca2+ out) near its equilibrium: E_Ca = (3 E_Na - V) / 2
    assert e["Ca"] == pytest.approx((3 * e["Na"] - s7.end["V_mV"]) / 2, abs=0.1)
    assert abs(s7.extra["share_leak_Ca_mV"]) < 0.01


def test_real_case_reaches_the_stepwise_end_state(lecture):
    s = lecture[0]
    last = s.step("8")  # the lecture's last mechanism: its Ca2+ pump
    assert s.real.end["V_mV"] == pytest.approx(last.end["V_mV"], abs=0.01)
    for ion in story.IONS:
        assert s.real.end["inside_mM"][ion] == pytest.approx(last.end["inside_mM"][ion], rel=1e-3)
    ss = vrest.steady_state(vrest.load_cell("lecture"))
    assert s.real.end["V_mV"] == pytest.approx(float(ss.V[0]), abs=0.01)
    assert s.real.settle_s < s.real.extra["stepwise_settle_total_s"]


def test_each_step_conserves_every_ion(lecture):
    for step in lecture[0].steps:
        if step.skipped or step.start["volume_rel"] != 1.0:
            continue
        for ion in story.IONS:
            change = (step.end["inside_mM"][ion] - step.start["inside_mM"][ion]) * VOLUME_M3
            assert step.moved[ion]["mol"] == pytest.approx(-change, rel=1e-9, abs=1e-24)


def test_the_lecture_figures_stand_next_to_the_models(lecture):
    data = lecture[1]
    by_key = {s["key"]: s for s in data["steps"]}
    for key in ("1a", "1b", "2", "3", "4", "5", "6", "7"):
        rows = by_key[key]["lecture"]
        assert rows and all(np.isfinite(r["model"]) and np.isfinite(r["lecture"]) for r in rows)
    assert {r["quantity"] for r in data["real"]["lecture"]} == {"V_rest", "E_K", "E_Na", "E_Cl",
                                                                "E_Ca"}


# --------------------------------------------------------------------------- sentences and JSON

NUMBER = re.compile(r"(?<![\w.])[-+]?\d+(?:,\d{3})*(?:\.\d+)?(?:e[-+]?\d+)?")


def test_every_sentence_is_made_from_numbers_in_the_json(lecture):
    data = lecture[1]
    sentences = story_text.sentences(data)
    assert len(sentences) > 60
    for s in sentences:
        shown_tokens = set()
        for ref in s["refs"]:
            value = lookup(data, ref["path"])  # the number is in the JSON ...
            assert FORMATS[ref["format"]](value) == ref["shown"]  # ... formatted as shown
            assert ref["shown"] in s["text"]
            shown_tokens |= set(NUMBER.findall(ref["shown"]))
        stray = [t for t in NUMBER.findall(s["text"]) if t not in shown_tokens]
        assert not stray, f"numbers not taken from the JSON: {stray} in {s['text']!r}"


def test_sentences_change_with_the_numbers():
    fake = {"steps": [{"key": "4", "skipped": "", "start": {"inside_mM": {"Na": 1, "K": 1}},
                       "end": {"V_mV": 40.0, "E_mV": {"K": -80.0, "Na": 50.0}, "inside_mM":
                               {"Na": 1, "K": 1, "Cl": 1}}, "settle_s": 60.0,
                       "fluxes_ions_s": {}, "analysis": {}, "atp_per_s": 0.0}],
            "real": {"end": {"inside_mM": {"Cl": 1.0, "K": 1.0}}}, "lecture_numbers": {}}
    q = story_text.Quote(fake, "steps/0")
    texts = [s["text"] for s in step_text._s4(q)]
    assert "closer to E_Na" in texts[1] and "outside the range of" not in texts[1]


def test_formats():
    assert FORMATS["mV"](-65.73) == "-65.7" and FORMATS["mV"](-0.01) == "0.0"
    assert FORMATS["count"](392165.6) == "390,000" and FORMATS["count"](3.5e11) == "350 billion"
    assert FORMATS["time"](0.0617) == "62 ms" and FORMATS["time"](4434) == "74 min"
    assert FORMATS["time"](14341) == "4 h" and FORMATS["pct"](1.48e-5) == "0.0015%"
    assert FORMATS["sig3"](1.5546e-4) == "0.000155" and FORMATS["sig2"](5.4e-5) == "5.4e-5"


def test_every_viewer_question_is_answered(lecture):
    data = lecture[1]
    keys = [q["key"] for q in data["questions"]]
    assert keys == ["what", "presets", "anions", "pump_share", "maintain", "finite_bath", "ek90",
                    "amount", "kcc2", "calcium", "atp", "chloride", "kout"]
    assert all(q["answer"] for q in data["questions"])
    n = {q["key"]: q["numbers"] for q in data["questions"]}
    presets = next(q for q in data["questions"] if q["key"] == "presets")
    assert {r["preset"] for r in presets["rows"]} == set(vrest.presets.names())
    # amount vs concentration: the K+ flux at 0 mV does not depend on the bath's size
    assert n["amount"]["K_flux_at_0mV_body_ions_s"] == pytest.approx(
        n["amount"]["K_flux_at_0mV_dish_ions_s"], rel=1e-12)
    flux = float(eq.ghk_flux(1e-6, 1, n["amount"]["K_in_mM"], 10.0, 0.0, T_K))  # pmol/cm^2/s
    assert n["amount"]["K_flux_at_0mV_body_ions_s"] == pytest.approx(
        flux * 1e-12 * AREA_M2 * 1e4 * N_A, rel=1e-9)
    assert n["amount"]["K_outside_dish_ions"] > n["amount"]["K_inside_ions"] > \
        n["amount"]["K_outside_body_ions"]
    # K+ is not at equilibrium at rest; KCC2 uses no ATP; at rest NCX runs in reverse (V lies
    # above E_NCX = 3 E_Na - 2 E_Ca = -89 mV), at -120 mV it exports Ca2+
    assert n["kcc2"]["V_minus_E_K_mV"] > 0 and n["kcc2"]["kcc2_Cl_out_ions_s"] > 0
    assert n["atp"]["atp_per_s"]["kcc2"] == n["atp"]["atp_per_s"]["ncx"] == 0.0
    assert n["calcium"]["ncx_Ca_out_test_ions_s"] > 0 > n["calcium"]["ncx_Ca_out_rest_ions_s"]
    # the finite bath does not move the resting potential
    assert n["finite_bath"]["V_finite_mV"] == pytest.approx(n["finite_bath"]["V_infinite_mV"],
                                                            abs=1e-3)
    # V against K_o: the acute curve rises at every step; the steady one turns at low K_o and
    # the answer says why
    kout = n["kout"]
    assert kout["acute_monotonic"] and np.all(np.diff(kout["V_acute_mV"]) > 0)
    assert kout["turn"]["V_low_mV"] > kout["turn"]["V_turn_mV"]
    answer = " ".join(s["text"] for s in next(q for q in data["questions"]
                                              if q["key"] == "kout")["answer"])
    assert "The steady curve turns" in answer and "the pump" in answer
    # the resting charge: C A V / e ions, a tiny fraction of the K+
    what = n["what"]
    assert what["ions_on_membrane"] == pytest.approx(
        C_F_M2 * AREA_M2 * abs(what["V_mV"]) * 1e-3 / E_CHARGE, rel=1e-12)
    assert what["fraction_of_K"] < 1e-4 and abs(what["net_current_pA"]) < 1e-6


# --------------------------------------------------------------------------- figures and reports

TIME_LABEL = re.compile(r"^time \((ms|s|min|h)\)$")
UNIT = re.compile(r"\((mV|mM|count[^)]*)\)$")


def test_figures_have_labelled_axes_with_units(lecture):
    s = lecture[0]
    fig = story_plot.step_figure(s.step("3"))
    labels = story_plot.axis_labels(fig)
    assert [bool(UNIT.search(y)) for _, y in labels] == [True, True, True]
    assert TIME_LABEL.match(labels[-1][0]) and labels[-1][0] == "time (ms)"  # charging: ms
    assert story_plot.axis_labels(story_plot.step_figure(s.step("4")))[-1][0] == "time (h)"
    overview = story_plot.overview_figure(s)
    for x, y in story_plot.axis_labels(overview):
        assert y.endswith("(mV)")
        assert TIME_LABEL.match(x) or x.startswith("step of the story")


def test_terminal_report_colour_only_when_asked(lecture, monkeypatch):
    data = lecture[1]
    plain = story_report.terminal(data, colour=False)
    assert "\033[" not in plain and "Step 3: K+ leak channels" in plain
    assert "\033[" in story_report.terminal(data, colour=True)
    for s in story_text.sentences(data):
        assert s["text"] in plain
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    assert not story_report.use_colour(sys.stdout)
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert story_report.use_colour(io.StringIO())  # forced, though not a terminal


def test_temperature_changes_E_K_as_nernst_says():
    cold = story.run_story("lecture", temperature_C=20.0, questions=False)
    s3 = cold.step("3")
    assert cold.temperature_C == 20.0
    assert s3.end["E_mV"]["K"] == pytest.approx(
        1e3 * R * 293.15 / F * math.log(10.0 / s3.end["inside_mM"]["K"]), abs=1e-9)
    assert abs(s3.end["V_mV"] - s3.end["E_mV"]["K"]) < 0.5


@pytest.mark.slow
@pytest.mark.parametrize("name", ["squid", "kay2017", "dusterwald2018"])
def test_other_presets_tell_the_story(name):
    s = story.run_story(name, questions=False)
    # (with water the membrane area follows the volume, so bare anions give -5 mV only nearly)
    assert s.step("1a").end["V_mV"] == pytest.approx(-5.0, abs=0.1)
    assert abs(s.real.extra["dV_vs_stepwise_mV"]) < 0.01
    data = _plain(story_text.narrate(s.to_dict()))
    assert all(s["text"] for s in story_text.sentences(data))


# --------------------------------------------------------------------------- command line


def test_cli_json_prints_every_number(capsys):
    assert main(["story", "--json"]) == 0
    out = capsys.readouterr().out
    data = json.loads(out)
    assert data["preset"] == "lecture" and len(data["steps"]) == 10
    assert data["steps"][4]["key"] == "3" and data["steps"][4]["claim"]["refs"]
    assert isinstance(data["steps"][4]["trace"]["V_mV"], list)


@pytest.mark.parametrize("argv, message", [
    (["story", "--preset", "nope"], "unknown preset 'nope'"),
    (["story", "--temp", "warm"], "--temp: 'warm' is not a temperature"),
    (["story", "--temp", "500"], "--temp: 500 degC"),
    (["story", "--html", "/no/such/dir/s.html"], "--html: cannot write /no/such/dir/s.html: the folder '/no/such/dir' does not exist"),
])
def test_cli_bad_input_is_one_line_and_status_2(capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and err.startswith("vrest story: error:")


def test_cli_subprocess_writes_html_and_png_and_says_where(tmp_path, lecture):
    html_path, png_path = tmp_path / "story.html", tmp_path / "story.png"
    run = subprocess.run([str(VRERST), "story", "--html", str(html_path), "--png", str(png_path)],
                         capture_output=True, text=True, timeout=120, cwd=tmp_path,
                         env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1"})
    assert run.returncode == 0, run.stderr
    assert f"wrote the HTML report (open it in a browser): {html_path}" in run.stdout
    assert f"wrote the overview figure: {png_path}" in run.stdout
    assert png_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = html_path.read_text(encoding="utf-8")
    # overview, steps 0-8 with 1a/1b, real; one per computed answer of the Questions section
    asked = [q for q in lecture[1]["questions"] if q.get("numbers")]
    assert page.count('src="data:image/png;base64,') == 12 + len(asked)
    assert "http://" not in page and "https://" not in page and "<script" not in page
    assert "\033[" not in run.stdout


def test_story_tutorial_shows_the_real_story_table(lecture):
    page = Path(__file__).resolve().parents[2] / "docs" / "tutorials" / "story.md"
    section = page.read_text(encoding="utf-8")
    table = story_report._table(story_report.SUMMARY_HEADER, story_report.summary_rows(lecture[1]),
                                left=2)
    for line in table:
        assert line in section
