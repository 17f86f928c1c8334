"""Every face reports the same 'what V is' numbers for every teaching preset (issue 12, item 2).

`vrest ghk`, `vrest explain`, `vrest steady`, the story and the explorer's API (steady and
explain) each compute the numbers of :func:`vrest.what_v_at_rest` for the preset's cell; each
pair must agree to 1e-6 mV. Nothing here depends on a preset's numbers: only on its cell.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest

from vrest.cli import main
from vrest.story.steps import run_story
from vrest.web import compute, schemas

TEACHING = ("lecture", "exam", "squid", "mammalian", "muscle", "neuron37")
KEYS = ("ghk_mV", "mullins_noda_mV", "zero_current_mV", "with_pump_mV", "chord_mV", "V_mV",
        "lecture_average_mV", "lecture_error_mV")


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)["what_v"]


def _faces(capsys: pytest.CaptureFixture[str], preset: str) -> dict[str, dict[str, Any]]:
    req = schemas.CellRequest(preset=preset)
    return {
        "ghk": _cli(capsys, "ghk", "--preset", preset),
        "explain": _cli(capsys, "explain", "--preset", preset),
        "steady": _cli(capsys, "steady", "--preset", preset),
        "story": run_story(preset, questions=False).what_v,
        "api steady": compute.steady_report(compute.cell_of(req))["what_v"],
        "api explain": compute.explain_request(schemas.ExplainRequest(preset=preset))["what_v"],
    }


@pytest.mark.parametrize("preset", TEACHING)
def test_every_pair_of_faces_agrees(capsys: pytest.CaptureFixture[str], preset: str) -> None:
    faces = _faces(capsys, preset)
    for (name_a, a), (name_b, b) in itertools.combinations(faces.items(), 2):
        for key in KEYS:
            if a[key] is None or b[key] is None:
                assert a[key] is b[key] is None, (preset, name_a, name_b, key)
                continue
            assert abs(a[key] - b[key]) <= 1e-6, (preset, name_a, name_b, key, a[key], b[key])
        assert a["with_pump_label"] == b["with_pump_label"]
        assert a["wording"] == b["wording"]


@pytest.mark.parametrize("preset", TEACHING)
def test_model_v_is_the_zero_current_potential_of_all_currents(
        capsys: pytest.CaptureFixture[str], preset: str) -> None:
    what = _cli(capsys, "steady", "--preset", preset)
    # at a steady state the net current is zero, so V is where all currents cancel
    assert what["zero_current_mV"] == pytest.approx(what["V_mV"], abs=1e-6)
    assert what["lecture_error_mV"] == pytest.approx(
        what["lecture_average_mV"] - what["V_mV"], abs=1e-12)


def test_text_faces_print_the_same_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    what = _cli(capsys, "steady", "--preset", "lecture")
    for argv in (["ghk"], ["explain"], ["steady"]):
        assert main([*argv, "--preset", "lecture"]) == 0
        text = capsys.readouterr().out
        for key in ("ghk_mV", "with_pump_mV", "chord_mV", "V_mV", "lecture_average_mV"):
            assert f"{what[key]:+.2f} mV" in text, (argv, key)
        assert what["labels"]["ghk_mV"] in text and what["labels"]["chord_mV"] in text
        assert f"{what['lecture_error_mV']:+.2f} mV off V" in text
