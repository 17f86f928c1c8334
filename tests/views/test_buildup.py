"""No gradients -> rest (issue 12, item 3): the shared build-up reaches each preset's rest."""

from __future__ import annotations

import numpy as np
import pytest

import vrest
from vrest.model.rhs import I_X, Model
from vrest.solve.buildup import build_up_to_rest, no_gradients
from vrest.web import compute, schemas

TEACHING = ("lecture", "exam", "squid", "mammalian", "muscle", "neuron37")


@pytest.mark.parametrize("preset", TEACHING)
def test_no_gradients_reaches_the_presets_rest(preset: str) -> None:
    cell = vrest.load_cell(preset)
    start, tc, ss = build_up_to_rest(cell)
    # the start: no gradient for any ion the bath's charge allows, V = 0
    assert float(tc.V[0, 0]) == pytest.approx(0.0, abs=1e-9)
    for i, ion in ((0, "Na"), (1, "K"), (3, "Ca")):
        assert tc.c_in[0, 0, i] == pytest.approx(getattr(cell.bath, ion), rel=1e-12)
    # the cell's own trapped anions, amount and charge, with one K+ per charge made
    assert start.anions_final_mM == pytest.approx(float(Model(cell).y0[0, I_X]), rel=1e-12)
    assert float(tc.X[-1, 0]) == pytest.approx(start.anions_final_mM, rel=1e-9)
    assert start.z_x == float(Model(cell).z_x[0])
    # the model's steady state of the preset (after calibration: its stated V)
    assert abs(float(tc.V[-1, 0]) - float(vrest.steady_state(cell).V[0])) < 0.1
    assert np.allclose(tc.c_in[-1, 0], ss.c_in[0], rtol=1e-3)


def test_story_and_explorer_share_the_start() -> None:
    cell = vrest.load_cell("lecture")
    start = no_gradients(cell)
    req = schemas.SimulateRequest(preset="lecture", experiment={"name": "no_gradients"})
    n = compute.simulate_request(req)["experiment"]["numbers"]
    assert n["anions_made_mM"] == pytest.approx(start.anions_made_mM, rel=1e-12)
    assert n["other_anions_start_mM"] == pytest.approx(start.other_anions_mM, rel=1e-12)
    assert n["X_mM"] == pytest.approx(float(Model(cell).y0[0, I_X]), rel=1e-12)
    # the page's default run (2 h) ends at the lecture cell's rest
    assert abs(n["V_end_mV"] - float(vrest.steady_state(cell).V[0])) < 0.1
    assert n["V_end_minus_rest_mV"] == pytest.approx(n["V_end_mV"] - n["V_rest_mV"])


def test_story_everything_at_once_ends_at_the_rest() -> None:
    from vrest.story.steps import run_story

    story = run_story("squid", questions=False)
    rest = vrest.steady_state(vrest.load_cell("squid"))
    assert abs(story.real.end["V_mV"] - float(rest.V[0])) < 0.1
    assert story.steps[0].extra["anions_final_mM"] == pytest.approx(
        no_gradients(vrest.load_cell("squid")).anions_final_mM)
