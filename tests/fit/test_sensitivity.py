"""Steady-state sensitivities: finite differences, analytic limits, invariances, bad input, CLI."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import vrest
from vrest.cli import main
from vrest.errors import ParameterError, UnknownNameError
from vrest.fit.sensitivity import default_names, sensitivity
from vrest.physics.constants import F, R

RPL1 = vrest.load_cell("rpl1")
RATE_SCALES = ["leak.K.scale", "leak.Na.scale", "leak.Cl.scale", "leak.Ca.scale", "pump.scale",
               "kcc2.scale", "ncx.scale"]


def _outputs(cell: vrest.Cell) -> dict[str, float]:
    ss = vrest.steady_state(cell)
    return {"V": float(ss.V[0]), "E_Cl": float(ss.E[0, 2]), "Na_i": float(ss.c_in[0, 0]),
            "ATP": float(ss.atp_per_s[0])}


@pytest.fixture(scope="module")
def rpl1_sens():
    return sensitivity(RPL1)


@pytest.mark.parametrize("name", ["leak.Na.P", "pump.i_max", "bath.K", "kcc2.U", "pump.K_Na"])
def test_agrees_with_finite_differences_of_single_steady_states(rpl1_sens, name):
    # independent check: two separate single-cell steady states at p x 1.02 and p / 1.02
    value = RPL1.values()[name]
    up = _outputs(RPL1.with_parameters({name: value * 1.02}))
    down = _outputs(RPL1.with_parameters({name: value / 1.02}))
    h = 2 * math.log(1.02)
    i = rpl1_sens.names.index(name)
    for out in ("V", "E_Cl"):
        fd = (up[out] - down[out]) / h
        assert rpl1_sens.coefficients[out][i] == pytest.approx(fd, rel=2e-3, abs=2e-4), out
    for out in ("Na_i", "ATP"):
        fd = (math.log(up[out]) - math.log(down[out])) / h
        assert rpl1_sens.coefficients[out][i] == pytest.approx(fd, rel=2e-3, abs=2e-5), out


def test_trapped_anions_agree_with_finite_differences(rpl1_sens):
    # inside.X is changed together with K+ counter-ions in the starting state
    from vrest.model.rhs import I_X, Model

    x0 = float(Model(RPL1).y0[0, I_X])
    k0 = RPL1.values()["inside.K"]

    def with_x(factor: float) -> dict[str, float]:
        x = x0 * factor
        return _outputs(RPL1.with_parameters({"inside.X": x, "inside.K": k0 + (x - x0)}))

    up, down = with_x(1.02), with_x(1 / 1.02)
    i = rpl1_sens.names.index("inside.X")
    fd = (up["V"] - down["V"]) / (2 * math.log(1.02))
    assert rpl1_sens.coefficients["V"][i] == pytest.approx(fd, rel=2e-3)


def test_only_k_leak_gives_the_nernst_slope_less_the_charging_of_the_membrane():
    # V = E_K = (RT/F) ln(K_o/K_i). When V moves by dV, C_m dV of charge crosses as K+, so K_i
    # changes by dK_i = C_m dV / (F r/3) (sphere: volume/area = r/3). Hence
    # dV/d ln K_o = (RT/F) / (1 + delta) and dV/d ln T = V / (1 + delta), with
    # delta = (RT/F) C_m / (F K_i r/3) = 5.9e-6 here; and dV/d ln P_K = 0.
    cell = vrest.Cell(mechanisms=(vrest.GHKLeak(ion="K", P=1e-6),), name="K only")
    s = sensitivity(cell, ["bath.K", "leak.K.P", "cell.temperature"])
    rt_f = R * 310.15 / F  # V
    k_i = float(vrest.steady_state(cell).c_in[0, 1])  # mM = mol/m^3
    delta = rt_f * 0.01 / (F * k_i * 10e-6 / 3)  # C_m = 1 uF/cm^2 = 0.01 F/m^2, r = 10 um
    assert delta == pytest.approx(5.9e-6, rel=0.01)
    c = dict(zip(s.names, s.coefficients["V"], strict=True))
    assert c["bath.K"] == pytest.approx(1e3 * rt_f / (1 + delta), rel=1e-7)  # delta: 6e-6
    assert c["leak.K.P"] == pytest.approx(0.0, abs=1e-7)
    # V ~ T = e^(ln T): the central difference carries its truncation error h^2/6 = 1.7e-7
    assert c["cell.temperature"] == pytest.approx(s.base["V"] / (1 + delta), rel=5e-7)
    assert math.isnan(s.base["ATP"]) and np.all(np.isnan(s.coefficients["ATP"]))
    assert s.summary()["steady_state"]["ATP"] is None


def test_scaling_every_rate_together_leaves_the_steady_state_unchanged():
    # the rates' scales sum to a common scaling of all fluxes: the sensitivities must cancel
    s = sensitivity(RPL1, RATE_SCALES)
    for out in ("V", "E_Cl", "Na_i"):
        total = float(np.sum(s.coefficients[out]))
        biggest = float(np.max(np.abs(s.coefficients[out])))
        assert abs(total) < 1e-5 * max(biggest, 1.0), (out, total)
    # ATP use is proportional to the pump's scale alone at fixed concentrations
    assert float(np.sum(s.coefficients["ATP"])) == pytest.approx(1.0, rel=1e-5)


def test_steady_state_does_not_depend_on_the_starting_amounts_of_ions_that_cross():
    # rpl1 moves every ion across the membrane into an infinite bath; the trapped anions are
    # held fixed, so the starting concentrations must not matter
    s = sensitivity(RPL1, ["inside.Na", "inside.K", "inside.Cl", "inside.Ca"])
    for out in ("V", "E_Cl", "Na_i", "ATP"):
        assert np.all(np.abs(s.coefficients[out]) < 1e-6), (out, s.coefficients[out])


def test_atp_use_scales_with_membrane_area(rpl1_sens):
    # concentrations do not depend on the radius, so ATP/s ~ area ~ r^2
    i = rpl1_sens.names.index("cell.radius")
    assert rpl1_sens.coefficients["ATP"][i] == pytest.approx(2.0, rel=1e-4)
    assert abs(rpl1_sens.coefficients["V"][i]) < 1e-2


def test_ranking_and_table(rpl1_sens):
    order = rpl1_sens.ranked("V")
    sizes = np.abs(rpl1_sens.coefficients["V"][order])
    assert np.all(np.diff(sizes) <= 0)
    rows = rpl1_sens.rows("Na_i")
    assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
    assert abs(rows[0]["Na_i"]) >= abs(rows[-1]["Na_i"])
    text = rpl1_sens.table(top=3)
    # two head lines, the header, three rows and the note for temperature's scaling identity
    assert "mV per unit ln p" in text and len(text.splitlines()) == 2 + 1 + 3 + 1
    assert text.splitlines()[-1].startswith("* scaling identity")
    assert [r["scaling_identity"] for r in rpl1_sens.rows("V")[:2]] == [True, False]
    assert set(default_names(RPL1)) == set(rpl1_sens.names)
    assert "inside.X" in rpl1_sens.names and "inside.V0" not in rpl1_sens.names
    assert not any(n.endswith(".scale") for n in rpl1_sens.names)


@pytest.mark.parametrize("names, error, match", [
    (["leak.Q.P"], UnknownNameError, "unknown parameter 'leak.Q.P'"),
    (["inside.V0"], ParameterError, "use inside.X"),
    (["bath.X"], ParameterError, "bath.X is 0 mM"),
    ([], ParameterError, "give at least one parameter"),
])
def test_bad_names(names, error, match):
    with pytest.raises(error, match=match):
        sensitivity(RPL1, names)


def test_bad_step():
    with pytest.raises(ParameterError, match=r"step: 0 is outside the allowed range \(0, 0.1\]"):
        sensitivity(RPL1, ["bath.K"], step=0.0)
    with pytest.raises(UnknownNameError, match="output to rank by"):
        sensitivity(RPL1, ["bath.K"]).ranked("pH")


def test_cli_text_json_and_plot(tmp_path, capsys):
    png = tmp_path / "s.png"
    assert main(["sensitivity", "--preset", "rpl1", "--top", "4", "--plot", str(png)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("rpl1: steady state V = -81.38 mV") and png.stat().st_size > 1000
    assert main(["sensitivity", "--preset", "rpl1", "--params", "bath.K,leak.Na.P", "--by",
                 "ATP", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [r["parameter"] for r in data["sensitivities"]] == ["leak.Na.P", "bath.K"]
    assert data["units"]["V"] == "dV/d ln p (mV)"
    assert main(["sensitivity", "--params", "nope"]) == 2
    assert "unknown parameter 'nope'" in capsys.readouterr().err
    assert main(["sensitivity", "--top", "0"]) == 2
    assert "--top: 0 is not allowed" in capsys.readouterr().err
