"""Batched solves equal single-cell solves: steady states (continuation over the batch) and time
courses; failed cells inside a batch are reported as such; the batched stability test."""

from __future__ import annotations

import numpy as np
import pytest

import vrest

RPL1 = vrest.load_cell("rpl1")


def s1_grid(n_a: int, n_b: int) -> dict[str, np.ndarray]:
    """S1 (docs/explanation/benchmarks.md) on a coarser grid: P_Na/P_K 0.01..0.20 (linear) x K_o 1..20 mM (log),
    K_o varying fastest."""
    a, b = np.meshgrid(1e-6 * np.linspace(0.01, 0.2, n_a), np.geomspace(1, 20, n_b), indexing="ij")
    return {"leak.Na.P": a.ravel(), "bath.K": b.ravel()}


def single(cell: vrest.Cell, batch: dict[str, np.ndarray], i: int) -> vrest.SteadyState:
    return vrest.steady_state(cell.with_parameters({k: float(v[i]) for k, v in batch.items()}))


def test_batched_steady_states_equal_single_cells_on_an_s1_grid() -> None:
    # 1,600 cells: large enough for every stage (pilots, predictions, Broyden in blocks)
    batch = s1_grid(40, 40)
    ss = vrest.steady_state(RPL1, batch=batch)
    assert ss.converged.all() and ss.stable.all()
    corners = [0, 39, 1560, 1599, 820, 17, 1234]  # includes the extremes of both axes
    for i in corners:
        one = single(RPL1, batch, i)
        assert abs(ss.V[i] - one.V[0]) < 1e-6, i
        assert np.allclose(ss.c_in[i], one.c_in[0], rtol=1e-9, atol=0), i
        assert ss.stable[i] == one.stable[0]
    # every cell is a steady state: net fluxes and net current vanish against the gross ones
    assert np.max(ss.residual_flux) < 1e-7 and np.max(ss.residual_current) < 1e-7
    # and physically sensible: V between E_K and E_Na
    v, e_k, e_na = ss.V, ss.E[:, 1], ss.E[:, 0]
    assert np.all((e_k < v) & (v < e_na))


def test_batched_steady_states_of_random_cells_equal_single_cells() -> None:
    rng = np.random.default_rng(11)
    n = 400
    batch = {"leak.Na.P": rng.uniform(5e-9, 2e-7, n), "bath.K": np.exp(rng.uniform(0, 3, n)),
             "pump.i_max": rng.uniform(2.0, 40.0, n), "kcc2.U": rng.uniform(0.0, 3e-7, n)}
    ss = vrest.steady_state(RPL1, batch=batch)
    assert ss.converged.all()
    for i in (0, 7, 123, 399):
        assert abs(ss.V[i] - single(RPL1, batch, i).V[0]) < 1e-6


def test_a_cell_without_steady_state_is_reported_inside_a_batch() -> None:
    # Kay 2017 cell with water: with the pump blocked it swells without bound (double Donnan)
    kay = vrest.load_cell("kay2017")
    scale = np.linspace(0.0, 2.0, 30)  # cell 0 has no pump
    ss = vrest.steady_state(kay, batch={"pump.scale": scale})
    assert not ss.converged[0] and "swells" in ss.message[0]
    assert np.isnan(ss.V[0]) and not ss.stable[0]
    assert ss.converged[1:].all()
    for i in (1, 15, 29):
        assert abs(ss.V[i] - single(kay, {"pump.scale": scale}, i).V[0]) < 1e-6
    with pytest.raises(vrest.NoSteadyStateError, match="swells"):
        single(kay, {"pump.scale": scale}, 0)


def test_batched_time_courses_equal_single_cells_within_the_solver_tolerance() -> None:
    p1 = vrest.load_protocol("p1")
    ko, pna = np.array([1.0, 3.5, 20.0]), np.array([1e-8, 4e-8, 2e-7])
    t_eval = np.arange(0.0, 7201.0, 600.0)
    batch = vrest.simulate(RPL1, p1, batch={"bath.K": ko, "leak.Na.P": pna}, t_eval=t_eval)
    for i in range(3):
        cell = RPL1.with_parameters({"bath.K": float(ko[i]), "leak.Na.P": float(pna[i])})
        one = vrest.simulate(cell, p1, t_eval=t_eval)
        # both at rtol 1e-7: agree to ~100 rtol |V| (1e-3 mV), far inside the benchmarks' 0.01 mV
        assert np.max(np.abs(batch.V[:, i] - one.V[:, 0])) < 1e-3


def test_stability_with_widely_spread_time_scales() -> None:
    """Charging (~ms) beside gradients (~hours): the stability verdict must follow the
    eigenvalues (a characteristic-polynomial test lost its sign here)."""
    ss = vrest.steady_state(vrest.load_cell("squid").with_bath(K=1.274))
    eigs = np.real(ss.eigenvalues[0])
    assert np.all(eigs < 0) and eigs.max() / eigs.min() < 1e-5
    assert ss.stable[0]


def test_steady_state_eigenvalues_on_demand_match_stability() -> None:
    ss = vrest.steady_state(RPL1, batch=s1_grid(5, 5))
    eigs = ss.eigenvalues
    assert eigs.shape == (25, 4)
    assert np.all(np.real(eigs) < 0)
    # the slowest time constant of RPL-1 is ion redistribution: minutes, not milliseconds
    assert 60.0 < ss.summary(12)["slowest_time_constant_s"] < 1e4


def test_block_jacobian_equals_dense_finite_differences() -> None:
    from vrest.solve.jacobian import block_jacobian

    # every mechanism, water and a finite bath: all state columns in play
    cell = RPL1.with_mechanisms(vrest.NKCC1(U=2e-8), vrest.PMCA(i_max=0.02),
                                vrest.Water(P_f=0.01)).with_parameters(
        {"bath.X": 20.0, "bath.volume_ratio": 4.0, "bath.Na": 135.0})
    model = vrest.Model(cell, batch={"bath.K": [2.0, 5.0, 9.0]})
    y = model.y0.reshape(-1) * (1 + 0.01 * np.sin(np.arange(model.y0.size)))  # off rest
    jac = block_jacobian(model)(0.0, y).toarray()
    f0 = model.rhs_flat(0.0, y)
    dense = np.empty_like(jac)
    for j in range(y.size):
        h = 1e-7 * max(abs(y[j]), 1e-3)
        yp = y.copy()
        yp[j] += h
        dense[:, j] = (model.rhs_flat(0.0, yp) - f0) / h
    n = model.layout.size
    assert np.allclose(jac, dense, rtol=1e-6, atol=1e-9 * np.abs(dense).max())
    off = jac.copy()
    for c in range(3):
        off[c * n:(c + 1) * n, c * n:(c + 1) * n] = 0.0
    assert not off.any()  # cells are independent: nothing outside the blocks
