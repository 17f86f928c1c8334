"""Presets: every built-in file loads, cites every value and reproduces its stated numbers."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from vrest.errors import PresetError, UnknownNameError
from vrest.model.presets import loader as presets
from vrest.physics import equations as eq

BUILTIN = ["exam", "lecture", "mammalian", "muscle", "squid"]

GOOD = """
name = "custom"
title = "A custom cell"
description = "For tests."
[sources]
A = "Author A (2000) Journal 1:1-2"
B = "Author B (2001) Journal 2:3-4"
[temperature]
value = 20.0
unit = "degC"
source = "A"
[inside]
unit = "mM"
source = "A"
K = 140.0
Na = { value = 12.0, source = "B" }
[outside]
unit = "mM"
K = { value = 5.0, source = "A" }
Na = { value = 145.0, source = "B" }
"""


def _write(tmp_path: Path, text: str, name: str = "custom.toml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_names_lists_the_builtin_presets():
    assert set(BUILTIN) <= set(presets.names())
    assert presets.names() == sorted(presets.names())


@pytest.mark.parametrize("name", BUILTIN)
def test_builtin_preset_is_complete_and_cited(name):
    p = presets.load(name)
    assert p.name == name and p.title and p.description
    assert set(p.inside) == set(p.outside) == {"Na", "K", "Cl", "Ca"}
    assert 1e-5 <= p.inside["Ca"] <= 1e-3 and 1.0 <= p.outside["Ca"] <= 10.0
    assert p.permeability["K"] == 1.0
    numbers = [
        "temperature",
        *(f"inside.{i}" for i in p.inside),
        *(f"outside.{i}" for i in p.outside),
        *(f"permeability.{i}" for i in p.permeability),
    ]
    assert set(numbers) == {k for k in p.value_sources if not k.startswith("model.")}
    assert all(key in p.sources for key in p.value_sources.values())
    assert p.source_of("inside.K") == p.sources[p.value_sources["inside.K"]]


def test_load_is_case_insensitive():
    assert presets.load("Squid").name == "squid"


def test_squid_is_hodgkin_katz():
    p = presets.load("squid")
    assert p.permeability == {"K": 1.0, "Na": 0.04, "Cl": 0.45}
    assert "Hodgkin AL, Katz B (1949)" in p.source_of("permeability.Na")
    assert p.temperature_C == pytest.approx(6.3)


def test_lecture_reproduces_the_lecture_numbers():
    p = presets.load("lecture")
    e = eq.reversal_potentials(p.inside, p.outside, p.temperature_K)
    assert float(e["K"]) == pytest.approx(-70, abs=1.5)
    assert float(e["Na"]) == pytest.approx(50, abs=1.5)
    assert float(e["Cl"]) == pytest.approx(-70, abs=1.5)
    assert float(e["Ca"]) == pytest.approx(120, abs=2)
    assert p.permeability == {"K": 1.0, "Na": 0.04, "Cl": 0.45}
    v = float(eq.zero_current_potential(p.permeability, p.inside, p.outside, p.temperature_K))
    assert v == pytest.approx(-60, abs=2.5)
    assert "docs/tutorials/story.md" in p.source_of("permeability.Na")


def test_exam_set_minus_90_plus_60_at_37C():
    p = presets.load("exam")
    e = eq.reversal_potentials(p.inside, p.outside, p.temperature_K)
    assert p.temperature_C == pytest.approx(37.0)
    assert float(e["K"]) == pytest.approx(-90, abs=1.5)
    assert float(e["Na"]) == pytest.approx(60, abs=1.5)


def test_muscle_is_chloride_dominated_near_minus_90():
    p = presets.load("muscle")
    assert p.permeability["Cl"] > p.permeability["K"]
    v = float(eq.zero_current_potential(p.permeability, p.inside, p.outside, p.temperature_K))
    assert v == pytest.approx(-90, abs=2)


def test_mammalian_matches_design_reference_cell():
    p = presets.load("mammalian")
    assert p.outside == {"Na": 145.0, "K": 3.5, "Cl": 119.0, "Ca": 1.2}
    assert p.inside == {"Na": 12.0, "K": 140.0, "Cl": 7.0, "Ca": 1e-4}
    assert p.temperature_K == pytest.approx(310.15)


def test_load_by_path_with_table_and_inline_sources(tmp_path):
    p = presets.load(_write(tmp_path, GOOD))
    assert p.name == "custom" and p.temperature_K == pytest.approx(293.15)
    assert p.value_sources == {
        "temperature": "A",
        "inside.K": "A",
        "inside.Na": "B",
        "outside.K": "A",
        "outside.Na": "B",
    }
    assert p.permeability == {}
    assert p.raw["inside"]["Na"] == {"value": 12.0, "source": "B"}
    assert presets.load(str(tmp_path / "custom.toml")).name == "custom"


def test_model_subtree_kept_and_sources_checked(tmp_path):
    text = GOOD + textwrap.dedent("""
        [model]
        kind = "sphere"
        [model.geometry]
        source = "A"
        radius_um = 10.0
        [model.pump]
        i_max = { value = 10.0, source = "B" }
        rates = { source = "A", values = [1.0, 2.0] }
    """)
    p = presets.load(_write(tmp_path, text))
    assert p.raw["model"]["geometry"]["radius_um"] == 10.0
    assert p.value_sources["model.geometry.radius_um"] == "A"
    assert p.value_sources["model.pump.i_max"] == "B"
    assert p.value_sources["model.pump.rates.values[1]"] == "A"


def test_unknown_name_lists_valid_names():
    with pytest.raises(UnknownNameError) as info:
        presets.load("octopus")
    message = str(info.value)
    assert "octopus" in message and all(n in message for n in BUILTIN)


@pytest.mark.parametrize(
    "edit, match",
    [
        (lambda t: t.replace("K = 140.0", "K = -140.0"), "inside.K = -140 mM is not allowed"),
        (lambda t: t.replace("K = 140.0", "K = nan"), "inside.K = nan mM"),
        (lambda t: t.replace("value = 20.0", "value = 200.0"), "temperature 200.0 degC is outside"),
        (lambda t: t.replace('unit = "degC"', 'unit = "F"'), "temperature.unit"),
        (lambda t: t.replace('source = "A"\nK = 140.0', "K = 140.0"), "inside.K has no source"),
        (
            lambda t: t.replace(
                'K = { value = 5.0, source = "A" }', 'K = { value = 5.0, source = "Z" }'
            ),
            "source 'Z' is not defined",
        ),
        (lambda t: t.replace("Na = { value = 145.0", "Mg = { value = 145.0"), "unknown ion 'Mg'"),
        (lambda t: t.replace("K = 140.0", 'K = "lots"'), "inside.K: 'lots' is not a number"),
        (
            lambda t: t + '[permeability]\nunit = "relative to P_K"\nsource = "A"\nK = 2.0\n',
            "permeability.K must be 1",
        ),
        (
            lambda t: (
                t + '[permeability]\nunit = "relative to P_K"\nsource = "A"\nK = 1.0\nNa = -0.1\n'
            ),
            "permeability.Na = -0.1 is not allowed",
        ),
        (
            lambda t: (
                t + '[permeability]\nunit = "relative to P_K"\nsource = "A"\nK = 1.0\nCl = 0.4\n'
            ),
            "permeability.Cl: Cl needs a concentration",
        ),
        (lambda t: t + "[model]\nradius_um = 10.0\n", "model.radius_um has no source"),
        (
            lambda t: t + '[model]\nsource = "nope"\nradius_um = 10.0\n',
            "source 'nope' is not defined",
        ),
        (lambda t: t + "[extra]\nx = 1\n", "unknown top-level key"),
        (lambda t: t.replace('name = "custom"\n', ""), "'name' must be a non-empty string"),
        (
            lambda t: t.replace('unit = "mM"\nsource', 'unit = "M"\nsource'),
            "inside.unit must be 'mM'",
        ),
        (lambda t: t + "oops = = 1\n", "not valid TOML"),
    ],
)
def test_invalid_file_names_the_file_and_the_problem(tmp_path, edit, match):
    path = _write(tmp_path, edit(textwrap.dedent(GOOD)))
    with pytest.raises(PresetError, match=match) as info:
        presets.load(path)
    assert str(path) in str(info.value)


def test_unreadable_file(tmp_path):
    with pytest.raises(PresetError, match="preset file .*: cannot be read"):
        presets.load(tmp_path / "missing.toml")
