"""The compiled single-cell path (vrest.fast) against the vectorised model it mirrors."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import vrest
from vrest.model.mechanisms import (
    KCC2,
    NCC,
    NKCC1,
    PMCA,
    AnionSource,
    CurrentClamp,
    NCXSaturating,
    Water,
)
from vrest.model.presets import loader as presets
from vrest.model.rhs import Model
from vrest.physics import kernels
from vrest.solve import compiled as fast

pytestmark = pytest.mark.compiled  # skipped where the compiled path cannot load (conftest)


def _cells() -> list[vrest.Cell]:
    cells = [vrest.load_cell(name) for name in presets.names()]
    rich = vrest.load_cell("rpl1").with_mechanisms(
        NKCC1(U=2e-8), PMCA(i_max=0.02), Water(P_f=0.01),
        AnionSource(rate=1e-3, counter="K")).with_parameters(
        {"bath.X": 20.0, "bath.volume_ratio": 4.0})
    return [*cells, *_law_cells(), rich, rich.with_mechanisms(AnionSource(rate=1e-3, counter="none"))]


def _law_cells() -> list[vrest.Cell]:
    """rpl1 with each new pump law, the thermodynamic bound, Q10s, mass-action cotransport,
    the saturating NCX and a current clamp (issue 17); gated cells are not compiled."""
    base = vrest.load_cell("rpl1").with_parameters({"cell.temperature": 30.0})
    cells = []
    for law in ("saturating", "cubic", "constant", "voltage", "sigmoid", "linear"):
        cell = base.with_parameters({"pump.law": law, "pump.bound": "thermodynamic",
                                     "pump.q10": 2.5, "pump.Na_o_ref": 120.0})
        cells.append(dataclasses.replace(cell, name=f"rpl1-{law}"))
    rich = base.with_mechanisms(
        KCC2(k=1e-9, law="mass_action", q10=2.0), NKCC1(k=1e-12, law="mass_action"),
        NCC(U=1e-9, q10=1.5, T_ref=20.0), NCXSaturating(i_max=5.0, q10=2.0),
        PMCA(i_max=0.02, q10=2.2), CurrentClamp(I=1.5, ion="Na"),
        CurrentClamp(name="stim2", I=-0.5, ion="Cl")).without("ncx")
    from vrest.model.mechanisms import HHPotassium, HHSodium

    tm = base.with_mechanisms(HHSodium(kinetics="traub_miles", g=50.0, T_ref=36.0),
                              HHPotassium(kinetics="traub_miles", g=5.0, q10=2.0))
    return [*cells, dataclasses.replace(rich, name="rpl1-transport-laws"),
            dataclasses.replace(tm, name="rpl1-traub-miles")]


@pytest.mark.parametrize("cell", _cells(), ids=lambda c: c.name)
def test_compiled_rhs_equals_model_rhs(cell: vrest.Cell) -> None:
    model = Model(cell)
    params = fast.pack(model)
    rng = np.random.default_rng(7)
    for _ in range(5):
        y = model.y0[0] * rng.uniform(0.8, 1.2, model.layout.size)
        y[5] = rng.uniform(-120.0, 40.0)  # any potential
        g0, ng = model.layout.gate_start, len(model.layout.gates)
        y[g0:g0 + ng] = rng.uniform(0.0, 1.0, ng)  # any gates
        a = fast.rhs(y, 0.0, params)
        b = model.rhs(0.0, y[None])[0]
        assert np.allclose(a, b, rtol=1e-9, atol=1e-12 * np.max(np.abs(b))), cell.name


def test_compiled_spike_equals_bdf() -> None:
    """The compiled path integrates the gates of voltage-gated channels: the squid_hh spike by
    compiled LSODA equals a tight BDF solve within 0.05 mV everywhere."""
    from vrest.model.protocol import Protocol, pulse

    cell = vrest.load_cell("squid_hh")
    proto = Protocol(name="spike", events=pulse(0.005, 10.0, 0.001), t_end=0.025, dt=2e-5)
    a = vrest.simulate(cell, proto, rtol=1e-8)
    b = vrest.simulate(cell, proto, method="BDF", rtol=1e-10)
    assert a.method == "compiled" and a.solver_note == ""
    assert np.max(np.abs(a.V - b.V)) < 0.05
    assert np.max(np.abs(a.y[:, 0, 6:9] - b.y[:, 0, 6:9])) < 1e-3  # m, h, n


def test_cfunc_called_from_c_equals_rhs() -> None:
    """The C-callable right-hand side LSODA uses gives what the compiled rhs gives."""
    import ctypes

    model = Model(vrest.load_cell("dusterwald2018"))
    params = fast.pack(model)
    args = fast.solver_args(model)[0]  # the parameters, then the callback's scratch
    assert np.array_equal(args[: params.size], params) and args.size == params.size + 13
    core = model.layout.out.start  # LSODA integrates the state without the out_* columns
    y = np.ascontiguousarray(model.y0[0, :core] * 1.05)
    du = np.zeros_like(y)
    proto = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_double, ctypes.c_void_p,
                             ctypes.c_void_p)(fast.rhs_cfunc.address)
    proto(du.ctypes.data, 0.0, y.ctypes.data, args.ctypes.data)
    assert np.array_equal(du, fast.rhs(y, 0.0, params))
    assert np.array_equal(args[: params.size], params)  # only the scratch was written


@pytest.mark.parametrize("cell", _cells()[-4:], ids=lambda c: c.name)
def test_rhs_without_out_columns_uses_the_conserved_totals(cell: vrest.Cell) -> None:
    """Leaving out the out_* columns changes nothing: the outside amounts follow from each
    ion's conserved total (finite bath), or do not feed back (infinite bath)."""
    model = Model(cell)
    core = model.layout.out.start
    rng = np.random.default_rng(3)
    y = model.y0[0].copy()
    moved = rng.uniform(-0.1, 0.1, 4) * y[:4]
    y[:4] += moved
    y[core:] -= moved  # what left the cell is outside: totals unchanged
    params = fast.pack(model)  # totals of the starting state
    full = fast.rhs(y, 0.0, params)
    assert np.allclose(fast.rhs(y[:core].copy(), 0.0, params), full[:core], rtol=1e-12, atol=0)


def test_pack_of_a_batch_equals_packs_of_single_cells() -> None:
    cell = vrest.load_cell("rpl1")
    ko, pna = np.array([2.0, 5.0, 9.0]), np.array([2e-8, 4e-8, 8e-8])
    table = fast.pack(Model(cell, {"bath.K": ko, "leak.Na.P": pna}))
    for i in range(3):
        one = fast.pack(Model(cell.with_parameters({"bath.K": ko[i], "leak.Na.P": pna[i]})))
        assert np.array_equal(table[i], one)


def test_compiled_time_course_equals_bdf_with_water_and_finite_bath() -> None:
    cell = _cells()[-2]
    a = vrest.simulate(cell, vrest.load_protocol("p1"), dt=60.0, method="compiled")
    b = vrest.simulate(cell, vrest.load_protocol("p1"), dt=60.0, method="BDF", rtol=1e-10)
    assert np.max(np.abs(a.V - b.V)) < 0.01
    assert np.max(np.abs(a.volume_rel - b.volume_rel)) < 1e-5
    assert a.method == "compiled"


def test_bernoulli_stable_everywhere() -> None:
    x = np.array([0.0, 1e-300, 1e-12, -1e-9, 1e-6, 0.5, -700.0, 700.0, 800.0, -800.0])
    with np.errstate(over="ignore"):
        b = kernels.bernoulli(x)
    series = 1 - x / 2 + x * x / 12
    small = np.abs(x) < 1e-3
    assert np.allclose(b[small], series[small], rtol=1e-12)
    assert b[7] < 1e-290 and b[8] == 0.0 and b[6] == pytest.approx(700.0) and b[9] == 800.0
    assert fast._bern(0.0) == 1.0


def test_compiled_batch_equals_single_cells_and_bdf() -> None:
    cell = vrest.load_cell("rpl1")
    ko = np.array([2.0, 3.5, 12.0])
    p1 = vrest.load_protocol("p1")
    batch = vrest.simulate(cell, p1, dt=300.0, batch={"bath.K": ko})
    bdf = vrest.simulate(cell, p1, dt=300.0, batch={"bath.K": ko}, method="BDF", rtol=1e-10)
    assert batch.method == "compiled"
    assert np.max(np.abs(batch.V - bdf.V)) < 0.01
    for i, k in enumerate(ko):
        one = vrest.simulate(cell.with_bath(K=float(k)), p1, dt=300.0)
        assert np.array_equal(one.V[:, 0], batch.V[:, i])


def test_bernoulli_pair_equals_two_bernoullis() -> None:
    """(B(-x), B(x)) from one exponential equals the two direct evaluations to rounding, in
    numpy and compiled, across the whole range (no cancellation at large |x|)."""
    x = np.concatenate([-np.geomspace(1e-300, 800.0, 500), [0.0], np.geomspace(1e-300, 800.0, 500)])
    with np.errstate(over="ignore"):
        b_minus, b_plus = kernels.bernoulli_pair(x)
        ref_minus, ref_plus = kernels.bernoulli(-x), kernels.bernoulli(x)
    assert np.allclose(b_minus, ref_minus, rtol=5e-16, atol=0)
    assert np.allclose(b_plus, ref_plus, rtol=5e-16, atol=0)
    pair = fast._NAMES["_bpair"]
    for xi in (-700.0, -3.0, -1e-12, 0.0, 1e-12, 3.0, 700.0):
        assert np.allclose(pair(xi), (kernels.bernoulli(-xi), kernels.bernoulli(xi)),
                           rtol=5e-16, atol=0)
