"""A bath without one ion (a Na-free bath): the closed forms give an infinite E, never NaN."""

from __future__ import annotations

import math

import numpy as np
import pytest

from vrest.errors import ParameterError
from vrest.physics import equations as eq

T = 310.15


def test_nernst_of_an_ion_absent_outside_is_infinite_with_the_right_sign() -> None:
    assert float(eq.nernst(1, 12.0, 0.0, T)) == -math.inf  # Na+ only leaves: E_Na = -inf
    assert float(eq.nernst(-1, 12.0, 0.0, T)) == math.inf  # Cl- only leaves: outward current
    assert float(eq.nernst(2, 1e-4, 0.0, T)) == -math.inf
    with pytest.raises(ParameterError, match="inside concentration"):
        eq.nernst(1, 0.0, 10.0, T)
    with pytest.raises(ParameterError, match="outside concentration: -1 mM"):
        eq.nernst(1, 10.0, -1.0, T)


def test_ghk_voltage_without_bath_na_is_the_limit_of_a_vanishing_na_o() -> None:
    perm = {"K": 1.0, "Na": 0.04, "Cl": 0.45}
    inside = {"K": 140.0, "Na": 12.0, "Cl": 7.0}
    v0 = float(eq.zero_current_potential(perm, inside, {"K": 3.5, "Na": 0.0, "Cl": 119.0}, T))
    tiny = float(eq.zero_current_potential(perm, inside, {"K": 3.5, "Na": 1e-9, "Cl": 119.0}, T))
    assert np.isfinite(v0) and v0 == pytest.approx(tiny, abs=1e-6)
    # hand: Na only inside -> V = (RT/F) ln((P_K K_o + P_Cl Cl_i) / (P_K K_i + P_Na Na_i + P_Cl Cl_o))
    hand = 26.7268 * math.log((3.5 + 0.45 * 7.0) / (140.0 + 0.04 * 12.0 + 0.45 * 119.0))
    assert v0 == pytest.approx(hand, abs=0.01)
    g = eq.ghk_chord_conductances(perm, inside, {"K": 3.5, "Na": 0.0, "Cl": 119.0}, v0, T)
    assert float(g["Na"]) == 0.0 and float(g["K"]) > 0  # V - E_Na is infinite


def test_chord_potential_ignores_an_infinite_e_only_with_zero_weight() -> None:
    assert float(eq.chord_potential({"K": 1.0, "Na": 0.0}, {"K": -90.0, "Na": -math.inf})) == -90.0
    with pytest.raises(ParameterError, match="reversal potential of Na"):
        eq.chord_potential({"K": 1.0, "Na": 0.5}, {"K": -90.0, "Na": -math.inf})
