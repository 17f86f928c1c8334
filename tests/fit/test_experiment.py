"""Simulated V-versus-K_o recordings: values, noise, files, failures reported, bad input, CLI."""

from __future__ import annotations

import io

import numpy as np
import pytest

import vrest
from vrest.cli import main
from vrest.errors import NoSteadyStateError, ParameterError, UnknownNameError
from vrest.fit import read_recording
from vrest.fit.experiment import kout_experiment
from vrest.physics.equations import zero_current_potential

LECTURE = vrest.load_cell("lecture")


def test_points_are_log_spaced_and_ghk_values_match_the_closed_form():
    exp = kout_experiment(LECTURE, k_from=2, k_to=200, points=3, model="ghk")
    np.testing.assert_allclose(exp.K_o, [2.0, 20.0, 200.0])
    inside = {"K": 140, "Na": 22, "Cl": 8, "Ca": 1.25e-4}
    perm = {"K": 1, "Na": 0.04, "Cl": 0.45, "Ca": 1e-5}
    for k, v in zip(exp.K_o, exp.V, strict=True):
        outside = {"K": k, "Na": 145, "Cl": 110, "Ca": 1.0}
        assert v == pytest.approx(float(zero_current_potential(perm, inside, outside, 310.15)),
                                  abs=1e-9)
    np.testing.assert_array_equal(exp.V, exp.V_true)


def test_steady_values_are_the_single_cell_steady_states():
    cell = vrest.load_cell("rpl1")
    exp = kout_experiment(cell, k_from=3.5, k_to=20, points=2, replace="Na", model="steady")
    for k, na, v in zip(exp.K_o, exp.bath["Na"], exp.V, strict=True):
        assert na == pytest.approx(148.5 - k)  # 145 + 3.5 - K_o
        alone = vrest.steady_state(cell.with_bath(K=float(k), Na=float(na)))
        assert v == pytest.approx(float(alone.V[0]), abs=1e-6)
    # control bath: the preset's own resting state
    assert exp.V[0] == pytest.approx(float(vrest.steady_state(cell).V[0]), abs=1e-6)


def test_noise_has_the_asked_sd_and_the_seed_reproduces_it():
    a = kout_experiment(LECTURE, points=2000, noise_mV=0.8, seed=11, model="ghk")
    b = kout_experiment(LECTURE, points=2000, noise_mV=0.8, seed=11, model="ghk")
    c = kout_experiment(LECTURE, points=2000, noise_mV=0.8, seed=12, model="ghk")
    np.testing.assert_array_equal(a.V, b.V)
    assert not np.array_equal(a.V, c.V)
    err = a.V - a.V_true
    # sample sd of 2000 normal draws: relative sd ~ 1/sqrt(2 * 2000) = 1.6 %
    assert err.std(ddof=1) == pytest.approx(0.8, rel=0.06)
    assert abs(err.mean()) < 4 * 0.8 / np.sqrt(2000)


def test_a_seed_is_drawn_and_recorded_when_none_is_given():
    exp = kout_experiment(LECTURE, points=5, noise_mV=1.0, model="ghk")
    assert isinstance(exp.seed, int)
    again = kout_experiment(LECTURE, points=5, noise_mV=1.0, seed=exp.seed, model="ghk")
    np.testing.assert_array_equal(exp.V, again.V)
    assert f"seed {exp.seed}" in exp.to_csv()


def test_csv_round_trip_records_the_choices(tmp_path):
    exp = kout_experiment(LECTURE, points=6, noise_mV=0.5, seed=4, replace="Na", model="ghk")
    path = tmp_path / "k.csv"
    exp.write_csv(path)
    text = path.read_text()
    assert "# isosmotic bath: Na_o lowered as much as K_o is raised (--replace Na)" in text
    assert "# measurement noise: Gaussian, sd 0.5 mV, seed 4" in text
    rec = read_recording(path)
    np.testing.assert_allclose(rec.K_o, exp.K_o, rtol=1e-9)
    np.testing.assert_allclose(rec.bath["Na"], exp.bath["Na"], rtol=1e-9)
    np.testing.assert_allclose(rec.V, exp.V, atol=1e-7)
    np.testing.assert_allclose(rec.V_sd, 0.5)
    plain = read_recording(io.StringIO(kout_experiment(LECTURE, points=3, model="ghk").to_csv()))
    assert plain.V_sd is None and set(plain.bath) == {"K"}


def test_failed_points_are_left_out_and_listed(monkeypatch):
    import vrest.solve.steady as steady

    real = steady.steady_state

    def fail_first(cell, batch=None, **kw):
        ss = real(cell, batch=batch, **kw)
        ss.converged[0] = False
        ss.message[0] = "no steady state found: test"
        return ss

    monkeypatch.setattr(steady, "steady_state", fail_first)
    exp = kout_experiment("rpl1", k_from=1, k_to=10, points=3, model="steady")
    assert exp.V.size == 2 and exp.K_o[0] == pytest.approx(10**0.5)
    assert exp.failures == ((1.0, "no steady state found: test"),)
    assert "# left out: K_o = 1 mM: no steady state found: test" in exp.to_csv()


def test_unstable_steady_states_are_left_out_and_listed(monkeypatch):
    import dataclasses

    import vrest.solve.steady as steady

    real = steady.steady_state

    def unstable_first(cell, batch=None, **kw):
        ss = real(cell, batch=batch, **kw)
        jac = ss.jacobian.copy()
        jac[0] = np.abs(jac[0]) + np.eye(jac.shape[1])  # eigenvalues with positive real parts
        return dataclasses.replace(ss, jacobian=jac)

    monkeypatch.setattr(steady, "steady_state", unstable_first)
    exp = kout_experiment("rpl1", k_from=1, k_to=10, points=3, model="steady")
    assert exp.V.size == 2 and len(exp.failures) == 1
    assert exp.failures[0][0] == 1.0 and "is unstable" in exp.failures[0][1]


def test_no_point_with_a_steady_state_is_an_error():
    # water, trapped anions and no pump: the cell swells without bound at every K_o
    cell = vrest.load_cell("kay2017").without("pump")
    with pytest.raises(NoSteadyStateError, match="no K_o value gave a stable steady state"):
        kout_experiment(cell, points=3, model="steady")


@pytest.mark.parametrize("kwargs, error, match", [
    ({"k_from": 0}, ParameterError, "--from: 0 mM is not allowed"),
    ({"k_from": 10, "k_to": 5}, ParameterError, "--to: 5 mM is not allowed; it must be above"),
    ({"points": 1}, ParameterError, r"--points: 1 is not allowed; give a whole number in \[2,"),
    ({"points": 2.5}, ParameterError, "--points: 2.5"),
    ({"noise_mV": -1}, ParameterError, "--noise: -1 mV is not allowed"),
    ({"model": "hh"}, UnknownNameError, "unknown model 'hh'"),
    ({"replace": "Cl"}, UnknownNameError, "--replace"),
    ({"k_to": 200, "replace": "Na"}, ParameterError, "K_o = 200 mM cannot replace Na"),
])
def test_bad_input_gives_a_clear_error(kwargs, error, match):
    with pytest.raises(error, match=match):
        kout_experiment(LECTURE, model=kwargs.pop("model", "ghk"), **kwargs)


def test_cli_prints_csv_and_reports_failures_on_stderr(capsys, monkeypatch):
    code = main(["experiment", "kout", "--preset", "lecture", "--model", "ghk", "--points", "3",
                 "--from", "1", "--to", "100"])
    out, _ = capsys.readouterr()
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("# vrest experiment kout: preset lecture, closed-form GHK")
    assert lines[-4] == "K_o_mM,V_mV" and lines[-1].startswith("100,")

    import vrest.solve.steady as steady

    real = steady.steady_state

    def fail_last(cell, batch=None, **kw):
        ss = real(cell, batch=batch, **kw)
        ss.converged[-1] = False
        ss.message[-1] = "test failure"
        return ss

    monkeypatch.setattr(steady, "steady_state", fail_last)
    code = main(["experiment", "kout", "--preset", "rpl1", "--model", "steady", "--points", "3",
                 "--to", "10"])
    out, err = capsys.readouterr()
    assert code == 0
    assert err == "vrest experiment: warning: K_o = 10 mM left out: test failure\n"


def test_acute_read_time_must_be_positive(capsys):
    with pytest.raises(ParameterError, match="read after: 0 s is not allowed"):
        kout_experiment(LECTURE, points=2, read_after_s=0.0)
    code = main(["experiment", "kout", "--preset", "lecture", "--read-after", "x"])
    assert code == 2 and "--read-after: 'x' is not a number" in capsys.readouterr().err


@pytest.mark.parametrize("argv, match", [
    (["--points", "x"], "--points: 'x' is not a number"),
    (["--seed", "-3", "--noise", "1"], "--seed: '-3' is not allowed"),
    (["--noise", "-0.5"], "--noise: -0.5 mV is not allowed"),
    (["--set", "leak.Na.P=-1"], "leak.Na.P: -1 is outside the allowed range"),
])
def test_cli_errors(capsys, argv, match):
    code = main(["experiment", "kout", "--preset", "lecture", "--model", "ghk", *argv])
    _, err = capsys.readouterr()
    assert code == 2 and err.startswith("vrest experiment: error: ") and match in err


def test_cli_experiment_without_a_kind_shows_help(capsys):
    assert main(["experiment"]) == 2
    assert "kout" in capsys.readouterr().err
