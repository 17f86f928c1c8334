"""The compiled fast stage of batched steady states (vrest.solve.steady_fast) against the numpy
Broyden + polish it mirrors, and its small linear algebra."""

from __future__ import annotations

import numpy as np
import pytest

import vrest
from vrest.model import Model
from vrest.model.mechanisms import Water
from vrest.solve import steady_fast
from vrest.solve.steady_batch import Axes, predict
from vrest.solve.steady_newton import broyden, newton, polish
from vrest.solve.steady_system import ReducedSystem

pytestmark = pytest.mark.compiled  # skipped where the compiled path cannot load (conftest)


def _grid(cell: vrest.Cell, n: int) -> tuple[ReducedSystem, np.ndarray, np.ndarray]:
    """A reduced system over an n x n grid of P_Na x K_o, and predictions for every cell from
    converged pilots (every 5th cell), as the batched solver makes them."""
    a, b = np.meshgrid(np.linspace(1e-8, 2e-7, n), np.geomspace(1.0, 20.0, n), indexing="ij")
    batch = {"leak.Na.P": a.ravel(), "bath.K": b.ravel()}
    model = Model(cell, batch)
    red = ReducedSystem(model, model.y0, batch)
    u0 = red.unknowns(model.y0)
    pilots = np.arange(0, n * n, 5)
    res = newton(red.take(pilots), u0[pilots])
    out = type(res)(u0.copy(), np.zeros(n * n, bool), np.full(u0.shape, np.nan),
                    np.full(u0.shape + u0.shape[-1:], np.nan), np.zeros(n * n, int))
    out.u[pilots], out.ok[pilots], out.jac[pilots] = res.u, res.ok, res.jac
    rest = np.setdiff1d(np.arange(n * n), pilots)
    guess, jinv, usable = predict(red, Axes.of(batch, n * n), out, pilots[res.ok], rest, u0)
    keep = rest[usable]
    return red.take(keep), guess[usable], jinv[usable]


@pytest.mark.parametrize("cell", [vrest.load_cell("rpl1"),
                                  vrest.load_cell("rpl1").with_mechanisms(Water(P_f=0.01))],
                         ids=["rpl1", "rpl1+water"])
def test_compiled_stage_equals_numpy_stage(cell: vrest.Cell) -> None:
    sub, guess, jinv = _grid(cell, 24)
    fast = steady_fast.broyden_polish(sub, guess, jinv)
    u, r, ok = broyden(sub, guess, jinv)
    ref = polish(sub, u, r, live=ok)
    assert fast.ok.sum() >= 0.95 * len(guess)
    both = fast.ok & ref.ok
    assert both.sum() >= ref.ok.sum() - 2
    assert np.allclose(fast.u[both], ref.u[both], rtol=0, atol=1e-9)  # log units; v in mV
    assert np.allclose(fast.jac[both], ref.jac[both], rtol=1e-5, atol=1e-9)


def test_compiled_stage_shares_cells_among_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    sub, guess, jinv = _grid(vrest.load_cell("rpl1"), 24)
    one = steady_fast.broyden_polish(sub, guess, jinv)
    monkeypatch.setattr(steady_fast, "MIN_SHARE", 10)
    many = steady_fast.broyden_polish(sub, guess, jinv)
    assert np.array_equal(one.ok, many.ok) and np.array_equal(one.u, many.u)


def test_batched_steady_states_equal_single_cell_solves() -> None:
    """The whole batched solver (compiled fast stage) against cell-by-cell solves."""
    cell = vrest.load_cell("rpl1")
    a, b = np.meshgrid(np.linspace(1e-8, 2e-7, 40), np.geomspace(1.0, 20.0, 40), indexing="ij")
    batch = {"leak.Na.P": a.ravel(), "bath.K": b.ravel()}
    ss = vrest.steady_state(cell, batch=batch)
    assert ss.converged.all() and ss.stable.all()
    for i in (0, 39, 777, 1560, 1599):
        one = vrest.steady_state(cell.with_parameters({k: float(v[i]) for k, v in batch.items()}))
        assert abs(ss.V[i] - one.V[0]) < 1e-8


def test_invert_equals_numpy_and_refuses_singular() -> None:
    rng = np.random.default_rng(2)
    for m in (1, 4, 5):
        a = rng.normal(size=(m, m)) * np.logspace(-6, 3, m)[:, None]  # badly scaled rows
        inv = np.empty((m, m))
        assert steady_fast._invert(a, inv, np.empty((m, 2 * m)))
        assert np.allclose(inv @ a, np.eye(m), atol=1e-9)
    singular = np.array([[1.0, 2.0], [2.0, 4.0]])
    assert not steady_fast._invert(singular, np.empty((2, 2)), np.empty((2, 4)))
    assert not steady_fast._invert(np.array([[np.nan]]), np.empty((1, 1)), np.empty((1, 2)))


@pytest.mark.parametrize("name", ["rpl1", "lecture", "squid", "dusterwald2018", "kay2017",
                                  "muscle"])
def test_compiled_newton_equals_numpy_newton(name: str) -> None:
    """Damped Newton from each preset's own start, compiled cell by cell and on arrays: the
    same steady state (and both converge, or neither)."""
    model = Model(vrest.load_cell(name))
    red = ReducedSystem(model, model.y0)
    if red.fast is None:
        pytest.skip("no compiled form")
    u0 = red.unknowns(model.y0)
    fast, ref = steady_fast.newton(red, u0), newton(red, u0)
    assert np.array_equal(fast.ok, ref.ok)
    assert np.allclose(fast.u[ref.ok], ref.u[ref.ok], rtol=0, atol=1e-9)
    # finite differences at points 1e-12 apart: entries agree to their own noise, ~1e-8 of
    # the largest (the charging rate of v)
    scale = np.max(np.abs(ref.jac[ref.ok]))
    assert np.allclose(fast.jac[ref.ok], ref.jac[ref.ok], rtol=1e-5, atol=1e-7 * scale)
