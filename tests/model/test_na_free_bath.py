"""A Na-free bath in the model: GHK leaks and the pump handle it; mechanisms whose law needs
E_Na (ohmic leaks, transporters) are refused with a one-line reason; the steady-state solver
says that Na+ drains away instead of searching."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import vrest
from vrest.errors import NoSteadyStateError, ParameterError
from vrest.model.presets import loader


def test_bath_ion_may_be_zero_but_not_negative() -> None:
    cell = vrest.load_cell("rpl1").without("ncx").with_parameters({"bath.Na": 0.0})
    assert cell.values()["bath.Na"] == 0.0
    assert cell.specs()["bath.Na"].allowed() == "[0, 10000] mM"
    with pytest.raises(ParameterError, match=r"bath.Na: -1 is outside the allowed range \[0"):
        cell.with_parameters({"bath.Na": -1.0})
    with pytest.raises(ParameterError, match=r"inside.Na: 0 is outside the allowed range \(0"):
        cell.with_parameters({"inside.Na": 0.0})


def test_na_free_bath_time_course_is_finite_and_na_leaves() -> None:
    cell = vrest.load_cell("rpl1").without("ncx").with_parameters({"bath.Na": 0.0})
    tc = vrest.simulate(cell, t_end=600.0, dt=60.0)
    assert np.all(np.isfinite(tc.V)) and np.all(np.isfinite(tc.c_in))
    na = tc.c_in[:, 0, 0]
    assert np.all(np.diff(na) < 0)  # Na+ only leaves
    assert np.all(tc.E[:, 0, 0] == -np.inf)  # E_Na is -inf, not NaN
    assert tc.V[-1, 0] < tc.V[0, 0]  # no Na+ leaking in: the cell hyperpolarises


def test_steady_state_says_na_drains_away() -> None:
    cell = vrest.load_cell("rpl1").without("ncx").with_parameters({"bath.Na": 0.0})
    with pytest.raises(NoSteadyStateError, match="the bath has no Na .* falls toward 0"):
        vrest.steady_state(cell)


@pytest.mark.parametrize(("name", "mechanism"), [("rpl1", "ncx"), ("kay2017", "leak.Na")])
def test_mechanisms_that_need_e_na_are_refused(name: str, mechanism: str) -> None:
    cell = vrest.load_cell(name).with_parameters({"bath.Na": 0.0})
    with pytest.raises(ParameterError, match=f"bath.Na: 0 mM is allowed only .* {mechanism}"):
        vrest.Model(cell)


def test_a_preset_may_state_a_zero_bath_ion(tmp_path: Path) -> None:
    text = Path(loader.load("squid").path or "").read_text()
    path = tmp_path / "nafree.toml"
    path.write_text(text.replace('name = "squid"', 'name = "nafree"').replace(
        'Na = { value = 440.0, source = "Kandel2013" }', 'Na = { value = 0.0, source = "Kandel2013" }'))
    assert loader.load(path).outside["Na"] == 0.0
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace('Na = { value = 50.0, source = "Kandel2013" }',
                                'Na = { value = 0.0, source = "Kandel2013" }'))
    with pytest.raises(vrest.PresetError, match="inside.Na = 0 mM is not allowed"):
        loader.load(bad)
