"""The four numbers of what V is, against closed forms and the identities that define them."""

from __future__ import annotations

import numpy as np
import pytest

import vrest
from vrest.model.cell import Bath, Cell, Inside
from vrest.model.mechanisms import GHKLeak, NaKPump
from vrest.model.rhs import Model
from vrest.physics import equations as eq


def _na_k_cell() -> Cell:
    """K+ and Na+ leaks and a Na/K pump: Mullins-Noda's own cell."""
    return Cell(temperature=37.0, inside=Inside(Na=15.0, K=140.0, Cl=10.0, Ca=1e-4, V0=-70.0),
                bath=Bath(Na=145.0, K=4.0, Cl=120.0, Ca=1.0),
                mechanisms=(GHKLeak(ion="K", P=1e-6), GHKLeak(ion="Na", P=5e-8), NaKPump()))


def test_mullins_noda_is_exact_at_the_steady_state_of_its_own_cell() -> None:
    cell = _na_k_cell()
    what, ss = vrest.what_v_at_rest(cell)
    assert what.with_pump_is == "mullins_noda_mV" and what.electrogenic == ()
    # K+ crosses only through its leak and the pump (2 K+ per 3 Na+), so V is Mullins-Noda's
    assert what.mullins_noda_mV == pytest.approx(float(ss.V[0]), abs=1e-6)
    closed = eq.mullins_noda({"K": 1e-6, "Na": 5e-8}, what.inside_mM, what.outside_mM,
                             what.temperature_K, 1.5)
    assert what.mullins_noda_mV == pytest.approx(float(closed), abs=1e-9)
    ghk = eq.ghk_voltage({"K": 1e-6, "Na": 5e-8}, what.inside_mM, what.outside_mM,
                         what.temperature_K)
    assert what.ghk_mV == pytest.approx(float(ghk), abs=1e-8)
    assert what.ghk_mV > what.V_mV  # the pump's outward current makes V more negative


def test_chord_average_and_the_shift_by_the_other_currents() -> None:
    cell = vrest.load_cell("lecture")
    what, ss = vrest.what_v_at_rest(cell)
    g = what.chord_weights
    assert sum(g.values()) == pytest.approx(1.0)
    chord = sum(w * what.E_mV[ion] for ion, w in g.items())
    assert what.chord_mV == pytest.approx(chord, abs=1e-9)
    # sum g_i (V - E_i) = sum of the leak currents = -(the other currents), so
    # V - chord = -I_other / g_total
    model = Model(cell)
    obs = model.observe(ss.state(0)[None])
    z = np.array([1.0, 1.0, -1.0, 2.0])
    leak = sum(float(obs.fluxes[m.name][0, :4] @ z) for m in cell.mechanisms
               if isinstance(m, GHKLeak))
    other = sum(float(obs.fluxes[n][0, :4] @ z) for n in model.mechanism_names()) - leak
    assert other > 0  # the pump's outward current dominates the other currents at rest
    assert what.nonleak_shift_mV < 0
    assert what.nonleak_shift_mV == pytest.approx(what.V_mV - what.chord_mV, abs=1e-12)


def test_the_lecture_average_uses_permeabilities_and_its_error_is_shown() -> None:
    what, _ = vrest.what_v_at_rest(vrest.load_cell("lecture"))
    p = what.lecture_weights
    average = sum(w * what.E_mV[ion] for ion, w in p.items())
    assert what.lecture_average_mV == pytest.approx(average, abs=1e-9)
    assert what.lecture_error_mV == pytest.approx(what.lecture_average_mV - what.V_mV)
    assert "off by" in what.to_dict()["wording"]
    assert "is not a weighted average" in what.to_dict()["wording"]


def test_only_leaks_rest_at_the_ghk_voltage() -> None:
    """Leaks alone at a state: the GHK voltage equals the zero current of all currents."""
    cell = _na_k_cell().without("pump")
    what = vrest.what_v_is(cell, Model(cell).y0[0])
    assert what.with_pump_mV is None and what.mullins_noda_mV is None
    assert what.zero_current_mV == pytest.approx(what.ghk_mV, abs=1e-9)
    assert what.chord_weights and what.nonleak_shift_mV is not None
