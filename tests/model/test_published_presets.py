"""Published-model presets start where the papers start: the Ca2+ trace vrest adds (the papers
have no Ca2+) carries no charge, so V(0) is the charge of the published composition alone."""

from __future__ import annotations

import pytest

import vrest
from vrest.physics.constants import F

# (preset, published inside Na, K, Cl (mM), published trapped anions X (mM), z_X)
PUBLISHED = [("kay2017", (120.0, 30.0, 100.0), 50.0, -1.0),
             ("dusterwald2018", (14.002, 122.873, 5.163), 154.962, -0.85)]


@pytest.mark.parametrize(("name", "ions", "x", "z_x"), PUBLISHED)
def test_v0_is_the_published_charge_without_the_ca_trace(name: str, ions: tuple[float, ...],
                                                         x: float, z_x: float) -> None:
    cell = vrest.load_cell(name)
    model = vrest.Model(cell)
    na, k, cl = ions
    charge_mM = na + k - cl + z_x * x  # the papers' composition, no Ca2+
    v_published = 1e3 * F * charge_mM * float(model.volume0[0]) / (
        float(model.cm[0]) * float(model.area0[0]))
    v0 = float(model.y0[0, 5])
    assert v0 == pytest.approx(v_published, abs=1e-6)
    tc = vrest.simulate(cell, t_end=1.0, dt=1.0)
    assert float(tc.V[0, 0]) == pytest.approx(v_published, abs=1e-6)
    assert cell.inside.Ca == pytest.approx(1e-4)  # the trace is still there, neutral


def test_kay2017_starts_at_zero_mV() -> None:
    model = vrest.Model(vrest.load_cell("kay2017"))
    assert abs(float(model.y0[0, 5])) < 1e-9
