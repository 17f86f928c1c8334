"""Calibrated presets: every teaching preset is its own steady state, and its solved numbers are
what vrest.model.presets.calibrate solves (re-solved here, not copied)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest

import vrest
from vrest.errors import PresetError
from vrest.model.presets import calibrate, loader
from vrest.physics import equations as eq

TEACHING = list(calibrate.TEACHING_PRESETS)
IONS = ("Na", "K", "Cl", "Ca")


def test_the_teaching_presets_are_the_builtin_presets_without_a_published_model() -> None:
    assert set(TEACHING) | {"rpl1", "dusterwald2018", "kay2017", "squid_hh"} == set(loader.names())


@pytest.mark.parametrize("name", TEACHING)
def test_stated_composition_and_v_are_the_steady_state(name: str) -> None:
    preset = loader.load(name)
    cell = vrest.load_cell(name)
    ss = vrest.steady_state(cell)
    assert ss.converged[0] and ss.stable[0]
    stated = np.array([preset.inside[ion] for ion in IONS])
    assert np.max(np.abs(ss.c_in[0] - stated)) < 0.01  # mM
    assert ss.V[0] == pytest.approx(cell.inside.V0, abs=0.01)  # mV
    # the model's V is the one the description states
    v_text = re.search(r"V = (-?\d+\.\d\d) mV", " ".join(preset.description.split()))
    assert v_text is not None and float(v_text.group(1)) == pytest.approx(ss.V[0], abs=0.005)


@pytest.mark.parametrize("name", TEACHING)
def test_stored_solved_numbers_are_the_solution(name: str) -> None:
    cal = calibrate.solve(name)
    stored = vrest.load_cell(name).values()
    assert cal.residual < 1e-10
    assert set(cal.values) == set(calibrate.solved_names(loader.load(name)))
    for key, value in cal.values.items():
        assert stored[key] == pytest.approx(value, rel=1e-7), key
    assert cal.summary() in " ".join(loader.load(name).description.split())


@pytest.mark.parametrize("name", TEACHING)
def test_net_fluxes_vanish_at_the_stated_state_and_pumps_make_v_more_negative(name: str) -> None:
    cell = vrest.load_cell(name)
    net, gross = calibrate.net_fluxes(cell)
    assert np.all(np.abs(net) < 1e-9 * gross)
    cal = calibrate.solve(name)
    preset = loader.load(name)
    perm = {ion: r for ion, r in {"Ca": 1e-5, **preset.permeability}.items()}
    ghk = float(eq.zero_current_potential(perm, preset.inside, preset.outside,
                                          preset.temperature_K))
    assert cal.V_leaks == pytest.approx(ghk, abs=1e-9)
    assert cal.V_leaks > cal.V  # the Na/K pump's outward current hyperpolarises


def test_chloride_transporter_follows_the_physics() -> None:
    """NKCC1 where V < E_Cl (the leak drains Cl-), KCC2 where V > E_Cl (the leak loads Cl-)."""
    for name in TEACHING:
        preset, cell = loader.load(name), vrest.load_cell(name)
        e_cl = float(eq.nernst(-1, preset.inside["Cl"], preset.outside["Cl"], preset.temperature_K))
        importer = cell.has("nkcc1")
        assert importer == (e_cl > cell.inside.V0), name
        assert cell.has("kcc2") != importer or name == "neuron37"


def _copy(tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.toml"
    shutil.copy(loader.load(name).path or "", path)
    return path


def test_wrong_transporter_is_named(tmp_path: Path) -> None:
    path = _copy(tmp_path, "mammalian")
    path.write_text(path.read_text().replace('type = "nkcc1"', 'type = "kcc2"'))
    with pytest.raises(PresetError, match=r"kcc2\.U = .* \(< 0\): V lies below E_Cl.*use NKCC1"):
        calibrate.solve(str(path))


def test_regenerate_writes_the_solution_back(tmp_path: Path) -> None:
    path = _copy(tmp_path, "exam")
    text = path.read_text()
    stored = vrest.load_cell("exam").values()
    perturbed = re.sub(r"(i_max = \{ value = )([-0-9.e]+)", r"\g<1>7.0", text, count=1)
    perturbed = re.sub(r"(V0 = \{ value = )([-0-9.e]+)", r"\g<1>-70.0", perturbed)
    path.write_text(perturbed)
    assert vrest.load_cell(str(path)).values()["pump.i_max"] == 7.0
    calibrate.regenerate(str(path))
    again = vrest.load_cell(str(path)).values()
    for key in calibrate.solved_names(loader.load(str(path))):
        assert again[key] == pytest.approx(stored[key], rel=1e-9), key
    assert path.read_text().count("\n") == text.count("\n")


def test_too_few_solved_numbers_is_an_error(tmp_path: Path) -> None:
    path = _copy(tmp_path, "exam")
    path.write_text(path.read_text().replace('source = "solved" }\nK_m',
                                             'source = "Carafoli1991" }\nK_m'))
    with pytest.raises(PresetError, match="3 numbers are marked solved"):
        calibrate.solve(str(path))


def test_a_teaching_preset_stays_put_for_an_hour() -> None:
    cell = vrest.load_cell("squid")
    tc = vrest.simulate(cell, t_end=3600.0, dt=600.0)
    assert np.max(np.abs(tc.V[:, 0] - cell.inside.V0)) < 1e-4
