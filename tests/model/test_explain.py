"""explain: driving forces, directions and reasons generated from the numbers."""

from __future__ import annotations

import pytest

from vrest.errors import ParameterError
from vrest.model import explain as ex
from vrest.model.presets import loader as presets
from vrest.physics import equations as eq

T37 = 310.15


def test_potassium_leaves_at_minus_65():
    r = ex.explain_ion("K", 140, 5, -65, T37)
    assert (r.flux, r.current) == ("out", "outward")
    assert r.E_mV == pytest.approx(-89.06, abs=0.01)
    assert r.driving_force_mV == pytest.approx(24.06, abs=0.01)
    assert r.electrical_kJ_mol < 0 < r.diffusional_kJ_mol
    assert r.total_kJ_mol == pytest.approx(r.electrical_kJ_mol + r.diffusional_kJ_mol)
    assert r.reason.startswith("K+ leaves")
    assert (
        "concentration push outward (E_K = -89 mV) is stronger than"
        " the electrical pull inward at -65 mV" in r.reason
    )


def test_sodium_enters_both_forces_inward():
    r = ex.explain_ion("Na", 12, 145, -65, T37)
    assert (r.flux, r.current) == ("in", "inward")
    assert "both point inward" in r.reason


def test_chloride_flux_and_current_are_opposite():
    e_cl = float(eq.nernst(-1, 7, 119, T37))
    above = ex.explain_ion("Cl", 7, 119, e_cl + 5, T37)
    assert (above.flux, above.current) == ("in", "outward")
    assert "Cl- enters" in above.reason and "outward current" in above.reason
    below = ex.explain_ion("Cl", 7, 119, e_cl - 5, T37)
    assert (below.flux, below.current) == ("out", "inward")
    assert "electrical push outward" in below.reason and "is stronger" in below.reason


def test_equilibrium_and_special_cases():
    e_k = float(eq.nernst(1, 140, 5, T37))
    at_eq = ex.explain_ion("K", 140, 5, e_k, T37)
    assert (at_eq.flux, at_eq.current) == ("none", "none")
    assert "at equilibrium" in at_eq.reason and "exactly balances" in at_eq.reason
    zero_v = ex.explain_ion("K", 140, 5, 0.0, T37)
    assert "no electrical force" in zero_v.reason
    same = ex.explain_ion("Na", 10, 10, -60, T37)
    assert same.flux == "in" and "same on both sides" in same.reason
    nothing = ex.explain_ion("Na", 10, 10, 0.0, T37)
    assert nothing.flux == "none" and "equal concentrations" in nothing.reason


def test_calcium_at_minus_120_still_enters():
    # a viewer question on the lecture: "At -120 mV would Ca2+ be pumped out?" -- passively it enters, far from E_Ca
    p = presets.load("lecture")
    r = ex.explain_ion("Ca", p.inside["Ca"], p.outside["Ca"], -120, p.temperature_K)
    assert r.flux == "in" and r.E_mV == pytest.approx(120, abs=1)
    assert r.label == "Ca2+"


def test_explain_preset_defaults_to_ghk_potential():
    p = presets.load("mammalian")
    result = ex.explain_preset(p)
    v = float(eq.zero_current_potential(p.permeability, p.inside, p.outside, p.temperature_K))
    assert result.V_mV == pytest.approx(v)
    assert "GHK" in result.V_origin
    assert [r.ion for r in result.ions] == ["Na", "K", "Cl", "Ca"]
    data = result.to_dict()
    assert data["ions"][1]["flux"] == "out"
    given = ex.explain_preset(p, -80.0)
    assert given.V_mV == -80.0 and given.V_origin == "given"


def test_explain_without_potential_or_permeability_is_an_error():
    with pytest.raises(ParameterError, match="membrane potential"):
        ex.explain({"K": 140}, {"K": 5}, T37)
    with pytest.raises(ParameterError, match="membrane potential"):
        ex.explain({"K": 140}, {"K": 5}, T37, float("nan"))


def test_resting_summary_chord_equals_ghk_and_weights_sum_to_one():
    p = presets.load("mammalian")
    s = ex.resting_summary(p.permeability, p.inside, p.outside, p.temperature_K)
    assert s.chord_mV == pytest.approx(s.V_mV, abs=1e-9)
    assert sum(s.chord_weights.values()) == pytest.approx(1.0)
    assert max(s.chord_weights, key=s.chord_weights.get) == "K"
    assert set(s.E_mV) == {"Na", "K", "Cl", "Ca"}
    assert s.to_dict()["V_mV"] == s.V_mV


def test_labels_and_formatting():
    assert [ex.ion_label(i) for i in ("Na", "K", "Cl", "Ca")] == ["Na+", "K+", "Cl-", "Ca2+"]
    assert ex.format_mV(-89.06) == "-89"
    assert ex.format_mV(56.4) == "+56"
    assert ex.format_mV(2.34) == "+2.3"
    assert ex.format_mV(-0.01) == "0"
