"""The dynamic cell model: conservation, transporter thermodynamics, limits.

Layers (docs/explanation/design.md, "How it is tested"): invariants (charge and each ion conserved; transporters carry no
flux at thermodynamic equilibrium; electroneutral transporters carry no current), limits with
known answers. Steady states and time courses of the model are in tests/solve/test_solve.py.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import vrest
from vrest.model.mechanisms import KCC2, NCX, NKCC1, PMCA, GHKLeak, NaKPump, Water
from vrest.model.mechanisms.base import MembraneState
from vrest.model.protocol import Event, Protocol
from vrest.physics.constants import F, R


def everything_cell(finite: bool = True) -> vrest.Cell:
    """Every mechanism on, finite bath, water moving, impermeants on both sides."""
    base = vrest.load_cell("rpl1")
    return base.with_mechanisms(
        NKCC1(U=2e-8), PMCA(i_max=0.02), Water(P_f=0.01)).with_parameters(
        {"bath.X": 20.0, "bath.volume_ratio": 4.0 if finite else math.inf,
         "bath.Na": 135.0})


def test_charge_and_every_ion_conserved_over_p1_with_everything_on() -> None:
    cell = everything_cell()
    tc = vrest.simulate(cell, vrest.load_protocol("p1"), dt=10.0)
    # amounts: inside + outside per ion, relative to the start (finite bath: closed system)
    totals = tc.y[:, 0, :4] + tc.y[:, 0, -4:]
    first = totals[0]
    # the K_o steps of P1 change the bath on purpose: check within each constant-bath stretch
    for lo, hi in ((0, 1800), (2400, 7200)):
        sel = (tc.t >= lo) & (tc.t < (hi if hi < 7200 else 7201))
        seg = totals[sel]
        assert np.max(np.abs(seg - seg[0]) / seg[0]) < 1e-9
    assert np.all(first > 0)
    # charge: v equals the charge-difference value throughout
    scale = np.max(np.abs(tc.V))
    assert np.max(np.abs(tc.charge_residual)) / scale < 1e-9
    assert np.max(np.abs(tc.volume_rel - 1)) > 1e-3  # water really moved


def test_infinite_bath_tracks_transport_exactly() -> None:
    cell = everything_cell(finite=False)
    tc = vrest.simulate(cell, t_end=600.0, dt=10.0)
    totals = tc.y[:, 0, :4] + tc.y[:, 0, -4:]
    assert np.max(np.abs(totals - totals[0]) / totals[0]) < 1e-9
    assert np.max(np.abs(tc.ion_residual)) < 1e-9


def _state(c_in: list[float], c_out: list[float], v_mV: float, t_k: float = 310.15) -> MembraneState:
    ci, co = np.array([c_in]), np.array([c_out])
    v = np.array([v_mV * 1e-3])
    return MembraneState(c_in=ci, c_out=co, v=v, u=v * F / (R * t_k), temperature=np.array([t_k]),
                         area=np.array([1e-9]), volume=np.array([1e-15]), x_in=np.array([100.0]),
                         x_out=np.array([0.0]))


def test_kcc2_no_flux_at_e_k_equal_e_cl() -> None:
    # K_i Cl_i = K_o Cl_o  <=>  E_K = E_Cl
    s = _state([10, 140, 3.5 * 119.0 / 140, 1e-4], [145, 3.5, 119.0, 1.2], -70.0)
    k = KCC2(U=1e-7)
    out = k.evaluate(k.si(), s)
    assert np.allclose(out.flux, 0.0, atol=1e-28)
    s2 = _state([10, 140, 8.0, 1e-4], [145, 3.5, 119.0, 1.2], -70.0)
    flux = k.evaluate(k.si(), s2).flux
    assert flux[0, 1] > 0 and flux[0, 2] > 0  # extrudes K and Cl when E_Cl > E_K


def test_ncx_no_flux_at_its_reversal_potential() -> None:
    t = 310.15
    na_i, na_o, ca_i, ca_o = 12.0, 145.0, 1e-4, 1.2
    e_na = R * t / F * math.log(na_o / na_i)
    e_ca = R * t / (2 * F) * math.log(ca_o / ca_i)
    e_ncx = 3 * e_na - 2 * e_ca  # volts
    s = _state([na_i, 140, 7, ca_i], [na_o, 3.5, 119, ca_o], e_ncx * 1e3, t)
    ncx = NCX(g=1e-4)
    assert np.allclose(ncx.evaluate(ncx.si(), s).flux, 0.0, atol=1e-28)
    s_rest = _state([na_i, 140, 7, ca_i], [na_o, 3.5, 119, ca_o], -70.0, t)
    flux = ncx.evaluate(ncx.si(), s_rest).flux
    assert flux[0, 3] > 0 and flux[0, 0] < 0  # forward mode at rest: Ca out, Na in
    assert ncx.charge_per_cycle == -1.0


def test_nkcc1_no_flux_at_equilibrium_and_electroneutral() -> None:
    # Na_i K_i Cl_i^2 = Na_o K_o Cl_o^2 at equilibrium
    cl_i = math.sqrt(145 * 3.5 * 119**2 / (12 * 140))
    s = _state([12, 140, cl_i, 1e-4], [145, 3.5, 119, 1.2], -50.0)
    n = NKCC1(U=1e-8)
    assert np.allclose(n.evaluate(n.si(), s).flux, 0.0, atol=1e-28)
    assert n.charge_per_cycle == 0.0
    assert KCC2(U=1.0).charge_per_cycle == 0.0


def test_electroneutral_transporters_carry_no_current() -> None:
    cell = vrest.load_cell("rpl1").with_mechanisms(NKCC1(U=1e-8))
    tc = vrest.simulate(cell, t_end=60.0, dt=10.0)
    for name in ("kcc2", "nkcc1"):
        assert np.max(np.abs(tc.current[name])) < 1e-12
        assert np.max(np.abs(tc.flux[name][..., 2])) > 0  # while moving Cl


def test_pump_stoichiometry_and_atp() -> None:
    s = _state([12, 140, 7, 1e-4], [145, 3.5, 119, 1.2], -70.0)
    pump = NaKPump()
    out = pump.evaluate(pump.si(), s)
    cycles = out.atp[0]
    assert out.flux[0, 0] == pytest.approx(3 * cycles)
    assert out.flux[0, 1] == pytest.approx(-2 * cycles)
    # RPL-1 law by hand: I_max A / F (1 + K_K/K_o)^-2 (1 + K_Na/Na_i)^-3
    expected = 10e-2 * 1e-9 / F / (1 + 2 / 3.5) ** 2 / (1 + 10 / 12) ** 3
    assert cycles == pytest.approx(expected, rel=1e-12)


def k_only_cell() -> vrest.Cell:
    return vrest.Cell(mechanisms=(GHKLeak(ion="K", P=1e-6),), inside=vrest.Inside(V0=-10.0))


def test_only_k_permeant_gives_e_k() -> None:
    ss = vrest.steady_state(k_only_cell())
    assert ss.converged[0]
    assert ss.V[0] == pytest.approx(ss.E[0, 1], abs=1e-6)


def test_anion_creation_with_and_without_counter_ions() -> None:
    # electroneutral start with no gradients: Na + K + 2 Ca = Cl
    base = vrest.Cell(mechanisms=(), inside=vrest.Inside(Na=145, K=3.5, Cl=150.9, Ca=1.2,
                                                         X=1e-12, V0=None),
                      bath=vrest.Bath(Na=145, K=3.5, Cl=150.9, Ca=1.2))
    bare = base.with_mechanisms(vrest.AnionSource(rate=1e-4, counter="none"))
    paired = base.with_mechanisms(vrest.AnionSource(rate=1e-4, counter="K"))
    v_bare = vrest.simulate(bare, t_end=10.0, dt=1.0).V[:, 0]
    v_pair = vrest.simulate(paired, t_end=10.0, dt=1.0).V[:, 0]
    assert v_bare[-1] < -10.0  # bare negative charge: a large potential
    assert np.max(np.abs(v_pair - v_pair[0])) < 1e-6  # charge conserved: V unchanged


def test_protocol_events_apply_and_restore() -> None:
    cell = vrest.load_cell("rpl1")
    proto = Protocol(events=(Event(t=10.0, set={"bath.K": 20.0}),
                             Event(t=20.0, restore=("bath.K",)),
                             Event(t=30.0, replace=("K", 50.0, "Na"))), t_end=40.0, dt=1.0)
    tc = vrest.simulate(cell, proto)
    k_o = tc.c_out[:, 0, 1]
    assert k_o[5] == 3.5 and k_o[15] == 20.0 and k_o[25] == 3.5 and k_o[35] == 50.0
    assert tc.c_out[35, 0, 0] == pytest.approx(145.0 - 46.5)


def test_trapped_anions_by_concentration_amount_or_potential_agree() -> None:
    cell = vrest.load_cell("rpl1")
    model = vrest.Model(cell)
    x_mM = float(model.y0[0, 4])
    amount_fmol = x_mM * float(model.volume0[0]) * 1e15
    by_conc = vrest.Model(cell.with_parameters({"inside.X": x_mM})).y0
    by_amount = vrest.Model(cell.with_parameters({"inside.X_amount": amount_fmol})).y0
    assert np.allclose(by_conc, model.y0, rtol=1e-12)
    assert np.allclose(by_amount, model.y0, rtol=1e-12)
    assert "inside.X_amount" in cell.with_parameters({"inside.X_amount": 1.0}).parameters()
    batch = vrest.Model(cell, {"inside.X_amount": [amount_fmol, 2 * amount_fmol]})
    assert batch.y0[1, 4] == pytest.approx(2 * x_mM)
    with pytest.raises(vrest.ParameterError, match="exactly one of"):
        vrest.Inside(X=1.0, X_amount=1.0, V0=None)
