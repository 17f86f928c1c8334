"""The compiled residual of the steady-state solver equals the numpy one it mirrors, for every
preset, for stacked finite-difference columns and for a batch, infeasible points included."""

from __future__ import annotations

import numpy as np
import pytest

import vrest
from vrest.model import Model
from vrest.model.mechanisms import NKCC1, PMCA, Water
from vrest.model.presets import names
from vrest.solve import steady_compiled
from vrest.solve.steady_system import ReducedSystem

pytestmark = pytest.mark.compiled  # skipped where the compiled path cannot load (conftest)


def _cells() -> list[vrest.Cell]:
    rich = vrest.load_cell("rpl1").with_mechanisms(NKCC1(U=2e-8), PMCA(i_max=0.02),
                                                   Water(P_f=0.01)).with_parameters(
        {"bath.X": 20.0, "bath.volume_ratio": 4.0})
    return [*(vrest.load_cell(n) for n in names()), rich]


@pytest.mark.parametrize("cell", _cells(), ids=lambda c: c.name)
def test_compiled_residual_equals_numpy(cell: vrest.Cell) -> None:
    model = Model(cell)
    red = ReducedSystem(model, model.y0)
    assert red.fast is not None
    rng = np.random.default_rng(5)
    u = red.unknowns(model.y0) + rng.normal(0.0, 0.05, (3, 1, red.m))  # stacked columns
    a, ya = red.residual(u)
    b, yb = red.residual_numpy(u)
    assert a.shape == b.shape and ya.shape == yb.shape
    assert np.allclose(a, b, rtol=1e-9, atol=1e-15, equal_nan=True)
    assert np.allclose(ya, yb, rtol=1e-12, atol=1e-12, equal_nan=True)


def test_compiled_residual_of_a_batch_and_an_infeasible_point() -> None:
    cell = vrest.load_cell("rpl1")
    batch = {"bath.K": np.array([1.0, 3.5, 20.0]), "leak.Na.P": np.array([1e-8, 4e-8, 2e-7])}
    model = Model(cell, batch)
    red = ReducedSystem(model, model.y0, batch)
    u = red.unknowns(model.y0)
    u[1, red.k[1]] = -1e9  # a potential whose charge needs a negative amount: infeasible
    a, _ = red.residual(u)
    b, _ = red.residual_numpy(u)
    assert np.isnan(a[1]).all() and np.isnan(b[1]).any()
    assert np.allclose(a[[0, 2]], b[[0, 2]], rtol=1e-9, atol=1e-15)
    sub = red.take(np.array([2, 0]))
    assert np.allclose(sub.residual(u[[2, 0]])[0], a[[2, 0]], rtol=1e-12, atol=0)


def test_steady_states_equal_with_and_without_the_compiled_residual(
        monkeypatch: pytest.MonkeyPatch) -> None:
    cell = vrest.load_cell("rpl1")
    batch = {"bath.K": np.geomspace(1, 20, 40), "leak.Na.P": np.linspace(1e-8, 2e-7, 40)}
    fast = vrest.steady_state(cell, batch=batch)
    monkeypatch.setattr(steady_compiled, "supports", lambda model: False)
    slow = vrest.steady_state(cell, batch=batch)
    assert fast.converged.all() and slow.converged.all()
    assert np.max(np.abs(fast.V - slow.V)) < 1e-6
