"""The questions the lecture raises, answered with numbers from the computed steps (how much the
pump contributes, what blocking it does, a finite bath, E_K = -90 mV, KCC2, calcium, ATP).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from vrest.errors import ParameterError, VrestError
from vrest.model.cell import Cell
from vrest.model.mechanisms import GHKLeak
from vrest.model.presets import loader as presets
from vrest.model.presets.cells import cell_from_preset
from vrest.model.rhs import I_V, Model
from vrest.physics import equations as eq
from vrest.physics.constants import N_A, F, R
from vrest.solve.kout import kout_curve, turn_text
from vrest.solve.simulate import simulate
from vrest.solve.steady import steady_state
from vrest.story.context import Context, context_geometry
from vrest.story.records import (
    BLOCK_TIME_S,
    BODY_BATH_RATIO,
    DISH_ML,
    IONS,
    LECTURE,
    FloatArray,
    Step,
)
from vrest.story.runs import steady_at

DEPOLARISED_MV = 5.0  # questions: depolarisation counted after the pump is blocked


# ------------------------------------------------------------------------------- the questions


def _flux_ions(model: Model, y: FloatArray, name: str, ion: str, v_mV: float | None = None) -> float:
    """Outward flux of ``ion`` through mechanism ``name`` (ions/s), optionally at another V."""
    yy = y.copy()
    if v_mV is not None:
        s, _ = model.membrane_state(y[None])
        yy[I_V] = v_mV * float(s.area[0] / model.area0[0])
    return float(model.observe(yy[None]).fluxes[name][0, IONS.index(ion)] * N_A)


def _q(key: str, question: str, numbers: dict[str, Any], **more: Any) -> dict[str, Any]:
    """A viewer's question (as docs/tutorials/story.md words it) with the numbers of its computed answer."""
    return {"key": key, "question": question, "numbers": numbers, **more}


def _q_presets() -> dict[str, Any]:
    """-60 or -70? Every preset's resting state side by side."""
    rows = []
    for name in presets.names():
        pre = presets.load(name)
        row: dict[str, Any] = {"preset": name, "temperature_C": pre.temperature_C,
                               "K_in_mM": pre.inside["K"], "K_out_mM": pre.outside["K"],
                               "P_Na_rel": pre.permeability.get("Na")}
        try:
            ss = steady_state(cell_from_preset(pre))
            row.update({"V_rest_mV": float(ss.V[0]), "E_K_mV": float(ss.E[0, 1]),
                        "E_Na_mV": float(ss.E[0, 0]), "K_in_mM": float(ss.c_in[0, 1])})
        except VrestError as exc:
            row.update({"V_rest_mV": None, "message": str(exc)})
        rows.append(row)
    ok = [r for r in rows if r["V_rest_mV"] is not None]
    numbers = {"V_min_mV": min(r["V_rest_mV"] for r in ok), "V_max_mV": max(r["V_rest_mV"] for r in ok),
               "E_K_min_mV": min(r["E_K_mV"] for r in ok), "E_K_max_mV": max(r["E_K_mV"] for r in ok),
               "textbook_V_rest_mV": LECTURE["textbook_V_rest_mV"],
               "lecture_V_rest_mV": LECTURE["V_rest_mV"]}
    return _q("presets", "Why -60 mV here when textbooks say -70 mV? Why E_K -70 here and -90 mV "
              "in an exam-prep book?", numbers, rows=rows)


def _q_anions(steps: Sequence[Step]) -> dict[str, Any]:
    """Anions alone: the lecture's count for -5 mV against the charge-conserving 0 mV."""
    a = next(s for s in steps if s.key == "1a").extra
    b = next(s for s in steps if s.key == "1b")
    return _q("anions", "Can making organic anions alone create a potential without breaking "
              "conservation of charge?",
              {"anions_for_lecture_mV": a["anions_mM"], "anions_count": a["anions_count"],
               "V_lecture_mV": a["V_target_mV"], "anions_real_mM": a["anions_real_mM"],
               "V_real_bare_mV": a["V_if_real_amount_bare_mV"],
               "V_charge_conserving_mV": b.end["V_mV"], "counter_K_mM": b.extra["counter_K_mM"]})


def _q_pump_share(real: Step) -> dict[str, Any]:
    """The pump's direct electrogenic share at rest (mV)."""
    an = real.analysis
    return _q("pump_share", "Is the pump's direct electrogenic share 5-10 mV (the lecture) or "
              "2-3 mV (a commenter)?",
              {"pump_share_mV": an.get("pump_share_mV"), "V_mV": real.end["V_mV"],
               "V_no_pump_mV": an.get("V_no_pump_mV"), "atp_per_s": real.atp_per_s,
               "lecture_lo_mV": LECTURE["pump_share_lo_mV"], "lecture_hi_mV": LECTURE["pump_share_hi_mV"],
               "comment_lo_mV": LECTURE["comment_pump_share_lo_mV"],
               "comment_hi_mV": LECTURE["comment_pump_share_hi_mV"]})


def _pump_block(ctx: Context, real: Step) -> Any:
    """The complete cell from rest with every pump blocked for BLOCK_TIME_S (None: no pump)."""
    if not ctx.groups.get("pump"):
        return None
    cell = ctx.cell
    for m in ctx.groups["pump"]:
        cell = cell.scaled(m.name, 0.0)
    return simulate(cell, t_end=BLOCK_TIME_S, t_eval=np.linspace(0, BLOCK_TIME_S, 241), y0=real.y_end)


def _q_maintain(ctx: Context, steps: Sequence[Step], real: Step, block: Any) -> dict[str, Any]:
    """Create or maintain: build time, run-down after a pump block."""
    s2 = next(s for s in steps if s.key == "2")
    numbers: dict[str, Any] = {"V_if_pump_alone_mV": s2.extra.get("V_if_gradient_built_alone_mV"),
                               "build_time_s": real.settle_s, "block_time_s": BLOCK_TIME_S}
    if block is not None:
        v = block.V[:, 0]
        late = np.flatnonzero(v - v[0] > DEPOLARISED_MV)
        numbers.update({"V_start_mV": float(v[0]), "V_end_mV": float(v[-1]),
                        "Na_start_mM": float(block.c_in[0, 0, 0]), "Na_end_mM": float(block.c_in[-1, 0, 0]),
                        "E_Na_end_mV": float(block.E[-1, 0, 0]), "E_K_end_mV": float(block.E[-1, 0, 1]),
                        "threshold_mV": DEPOLARISED_MV,
                        "time_to_5mV_s": float(block.t[late[0]]) if late.size else None})
    return _q("maintain", "Do pumps create the gradients, or maintain gradients the cell inherits?",
              numbers)


def _finite_cell(ctx: Context, real: Step, ratio: float) -> Cell:
    """The complete cell at its resting concentrations in a bath ``ratio`` times its volume."""
    e = real.end
    return ctx.cell.with_parameters({**{f"inside.{i}": e["inside_mM"][i] for i in IONS},
                                     "inside.X": e["X_mM"], "bath.volume_ratio": ratio})


def _q_finite_bath(ctx: Context, real: Step, block: Any) -> dict[str, Any]:
    """A finite outside: same rest, different run-down (K+ accumulates outside)."""
    cell = _finite_cell(ctx, real, BODY_BATH_RATIO)
    numbers: dict[str, Any] = {"ratio": BODY_BATH_RATIO, "inside_share": LECTURE["body_water_inside"],
                               "V_infinite_mV": real.end["V_mV"]}
    try:
        numbers["V_finite_mV"] = float(steady_state(cell).V[0])
    except VrestError as exc:
        numbers["V_finite_mV"], numbers["message"] = None, str(exc)
    if block is not None:
        blocked = cell
        for m in ctx.groups["pump"]:
            blocked = blocked.scaled(m.name, 0.0)
        tc = simulate(blocked, t_end=BLOCK_TIME_S, t_eval=np.linspace(0, BLOCK_TIME_S, 61))
        numbers.update({"block_time_s": BLOCK_TIME_S, "K_out_start_mM": float(tc.c_out[0, 0, 1]),
                        "K_out_end_mM": float(tc.c_out[-1, 0, 1]),
                        "V_end_finite_mV": float(tc.V[-1, 0]),
                        "V_end_infinite_mV": float(block.V[-1, 0])})
    return _q("finite_bath", "The outside is not infinite (about 2/3 of body water is inside "
              "cells): does that matter?", numbers)


def _q_amount(ctx: Context, real: Step) -> dict[str, Any]:
    """Amount against concentration: K+ counts, and the K+ flux at 0 mV for two bath sizes."""
    e = real.end
    k_in, k_out = e["inside_mM"]["K"], e["outside_mM"]["K"]
    dish_ratio = DISH_ML * 1e-6 / ctx.volume_m3
    numbers: dict[str, Any] = {
        "K_in_mM": k_in, "K_out_mM": k_out, "K_inside_ions": k_in * ctx.volume_m3 * N_A,
        "body_ratio": BODY_BATH_RATIO, "K_outside_body_ions": k_out * BODY_BATH_RATIO * ctx.volume_m3 * N_A,
        "dish_mL": DISH_ML, "K_outside_dish_ions": k_out * dish_ratio * ctx.volume_m3 * N_A,
        "V_test_mV": 0.0}
    if ctx.groups.get("leak.K"):
        name = ctx.groups["leak.K"][0].name
        for label, ratio in (("body", BODY_BATH_RATIO), ("dish", dish_ratio)):
            cell = _finite_cell(ctx, real, ratio)
            model = Model(cell)
            numbers[f"K_flux_at_0mV_{label}_ions_s"] = _flux_ions(model, model.y0[0], name, "K", 0.0)
    return _q("amount", "The outside holds more K+ in total, so why does K+ flow out?", numbers)


def _q_ek90(ctx: Context, real: Step) -> dict[str, Any]:
    """The commenter's numbers: P_Na/P_K = 1/40, and K+ outside for E_K = -90 mV."""
    e = real.end
    numbers: dict[str, Any] = {"V_mV": e["V_mV"], "comment_E_K_mV": LECTURE["comment_E_K_mV"],
                               "comment_P_Na_rel": LECTURE["comment_P_Na_rel"]}
    k_leak, na_leak = ctx.groups.get("leak.K"), ctx.groups.get("leak.Na")
    if k_leak and na_leak and isinstance(k_leak[0], GHKLeak) and isinstance(na_leak[0], GHKLeak):
        ratio = na_leak[0].P * na_leak[0].scale / (k_leak[0].P * k_leak[0].scale)
        cell = ctx.cell.with_parameters(
            {f"{na_leak[0].name}.scale": na_leak[0].scale * LECTURE["comment_P_Na_rel"] / ratio})
        numbers.update({"P_Na_rel": ratio, "V_ratio_mV": _steady_v(cell, real.y_end)})
    k_o = e["inside_mM"]["K"] * math.exp(LECTURE["comment_E_K_mV"] * 1e-3 * F / (R * ctx.temperature_K))
    try:  # at a temperature near 0 K, E_K = -90 mV needs a K_o of (nearly) 0: no such bath
        ss = steady_at(ctx.cell.with_parameters({"bath.K": k_o}), real.y_end)
    except ParameterError as exc:
        ss = str(exc)
    numbers.update({"K_out_for_E_K_mM": k_o, "K_out_mM": e["outside_mM"]["K"],
                    "V_low_K_mV": None if isinstance(ss, str) else float(ss.V[0]),
                    "E_K_low_K_mV": None if isinstance(ss, str) else float(ss.E[0, 1])})
    return _q("ek90", "E_K in neurons is -90 mV and P_K/P_Na is about 40:1, not 25:1: what then?",
              numbers)


def _steady_v(cell: Cell, y0: FloatArray) -> float | None:
    """Resting V (mV) of ``cell`` from y0, None if there is no steady state."""
    ss = steady_at(cell, y0)
    return None if isinstance(ss, str) else float(ss.V[0])


def _q_kcc2(ctx: Context, real: Step) -> dict[str, Any]:
    """K+ is not at equilibrium at rest, which is what lets KCC2 run."""
    e = real.end
    model = Model(ctx.cell)
    numbers: dict[str, Any] = {"V_mV": e["V_mV"], "E_K_mV": e["E_mV"]["K"], "E_Cl_mV": e["E_mV"]["Cl"],
                               "V_minus_E_K_mV": e["V_mV"] - e["E_mV"]["K"],
                               "E_Cl_minus_E_K_mV": e["E_mV"]["Cl"] - e["E_mV"]["K"]}
    if ctx.groups.get("leak.K"):
        numbers["K_leak_out_ions_s"] = _flux_ions(model, real.y_end, ctx.groups["leak.K"][0].name, "K")
    if ctx.groups.get("kcc2"):
        numbers["kcc2_Cl_out_ions_s"] = _flux_ions(model, real.y_end, "kcc2", "Cl")
    return _q("kcc2", "How does the K-Cl symporter work if K+ is already at equilibrium?", numbers)


def _q_calcium(ctx: Context, real: Step) -> dict[str, Any]:
    """Ca2+ fluxes (leak and NCX) at rest and at -120 mV, with the resting concentrations."""
    e = real.end
    v_test = -120.0
    numbers: dict[str, Any] = {"V_mV": e["V_mV"], "E_Ca_mV": e["E_mV"]["Ca"], "V_test_mV": v_test,
                               "Ca_in_mM": e["inside_mM"]["Ca"], "Ca_out_mM": e["outside_mM"]["Ca"],
                               "E_NCX_mV": 3 * e["E_mV"]["Na"] - 2 * e["E_mV"]["Ca"],
                               "driving_force_test_mV": v_test - e["E_mV"]["Ca"]}
    model = Model(ctx.cell)
    for group, key in (("ncx", "ncx"), ("leak.Ca", "leak")):
        if ctx.groups.get(group):
            name = ctx.groups[group][0].name
            numbers[f"{key}_Ca_out_rest_ions_s"] = _flux_ions(model, real.y_end, name, "Ca")
            numbers[f"{key}_Ca_out_test_ions_s"] = _flux_ions(model, real.y_end, name, "Ca", v_test)
    return _q("calcium", "At -120 mV, would Ca2+ be pumped out? What does E_Ca = +120 mV mean?",
              numbers)


def _q_atp(ctx: Context, real: Step, block: Any) -> dict[str, Any]:
    """ATP per mechanism at rest; KCC2 and NCX fluxes before and after a pump block."""
    atp = {k: 0.0 for k in real.active}
    numbers: dict[str, Any] = {"atp_total_per_s": real.atp_per_s}
    model = Model(ctx.cell)
    obs = model.observe(real.y_end[None])
    atp.update({k: float(v[0] * N_A) for k, v in obs.atp.items()})
    numbers["atp_per_s"] = atp
    if block is not None:
        for name, ion in (("kcc2", "Cl"), ("ncx", "Ca")):
            if name in block.flux:
                f = block.flux[name][:, 0, IONS.index(ion)] * N_A
                numbers[f"{name}_{ion}_out_start_ions_s"] = float(f[0])
                numbers[f"{name}_{ion}_out_end_ions_s"] = float(f[-1])
        numbers["block_time_s"] = BLOCK_TIME_S
    return _q("atp", "Do the symporter and the exchanger use ATP?", numbers)


def _q_chloride(ctx: Context, steps: Sequence[Step]) -> dict[str, Any]:
    """How Cl- entering makes V more negative: steps 5 and 6."""
    s5 = next(s for s in steps if s.key == "5")
    s6 = next(s for s in steps if s.key == "6")
    numbers: dict[str, Any] = {"V5_mV": s5.end["V_mV"], "V6_mV": s6.end["V_mV"],
                               "dV_mV": s6.end["V_mV"] - s5.end["V_mV"],
                               "Cl5_mM": s5.end["inside_mM"]["Cl"], "Cl6_mM": s6.end["inside_mM"]["Cl"],
                               "E_Cl6_mV": s6.end["E_mV"]["Cl"]}
    if not s6.skipped and ctx.groups.get("leak.Cl"):
        name = ctx.groups["leak.Cl"][0].name
        model = Model(ctx.cell_with([g for g in ctx.groups if g != "other"]))
        numbers["Cl_leak_out_ions_s"] = _flux_ions(model, s6.y_end, name, "Cl")
        numbers["Cl_leak_current_pA"] = s6.currents_pA.get(name)
    return _q("chloride", "How can Cl- movement make the inside more negative?", numbers)


def _q_what(ctx: Context, real: Step) -> dict[str, Any]:
    """What the resting potential is, in numbers: charge on the membrane, balanced currents."""
    e = real.end
    budget = eq.charge_budget(e["V_mV"], context_geometry(ctx), z=1, c_in_mM=e["inside_mM"]["K"],
                              capacitance_uF_cm2=ctx.cell.capacitance)
    net = sum(real.currents_pA.values())
    gross = sum(abs(v) for v in real.currents_pA.values())
    return _q("what", "I did not get what resting potential is.",
              {"V_mV": e["V_mV"], "ions_on_membrane": float(budget.ions_count),
               "fraction_of_K": float(budget.fraction), "K_in_mM": e["inside_mM"]["K"],
               "net_current_pA": net, "gross_current_pA": gross, "atp_per_s": real.atp_per_s,
               "K_leak_pA": next((v for k, v in real.currents_pA.items() if k in ctx.names(["leak.K"])), None),
               "Na_leak_pA": next((v for k, v in real.currents_pA.items() if k in ctx.names(["leak.Na"])), None),
               "pump_pA": next((v for k, v in real.currents_pA.items() if k in ctx.names(["pump"])), None),
               "currents_pA": {k: v for k, v in real.currents_pA.items() if v != 0.0}})


def _q_kout(ctx: Context) -> dict[str, Any]:
    """V against K_o as in a lab: acute (read minutes after the change) and steady (hours)."""
    ks = np.geomspace(1.0, 100.0, 9)
    bath = {ion: np.full(ks.shape, float(getattr(ctx.cell.bath, ion))) for ion in IONS}
    bath["K"] = ks
    acute = kout_curve(ctx.cell, bath, "acute")
    steady = kout_curve(ctx.cell, bath, "steady")
    top = float((acute.V[-1] - acute.V[-2]) / np.log10(ks[-1] / ks[-2]))
    return _q("kout", "What does K+ outside do to V, as Hodgkin and Katz measured it?",
              {"K_o_mM": ks.tolist(), "V_acute_mV": acute.V.tolist(),
               "V_steady_mV": [None if not ok else float(v)
                               for v, ok in zip(steady.V, steady.ok, strict=True)],
               "read_after_s": acute.read_after_s, "acute_label": acute.label,
               "steady_label": steady.label, "slope_top_mV": top,
               "nernst_slope_mV": float(eq.nernst_slope(ctx.temperature_K)),
               "acute_monotonic": bool(np.all(np.diff(acute.V) > 0)),
               "turn": steady.turn, "turn_text": None if steady.turn is None else
               turn_text(steady.turn)})


def answer_questions(ctx: Context, steps: Sequence[Step], real: Step) -> list[dict[str, Any]]:
    """Each viewer question (docs/tutorials/story.md) answered by a computed experiment (plain numbers)."""
    block = _pump_block(ctx, real)
    return [_q_what(ctx, real), _q_presets(), _q_anions(steps), _q_pump_share(real),
            _q_maintain(ctx, steps, real, block), _q_finite_bath(ctx, real, block),
            _q_ek90(ctx, real), _q_amount(ctx, real), _q_kcc2(ctx, real), _q_calcium(ctx, real),
            _q_atp(ctx, real, block), _q_chloride(ctx, steps), _q_kout(ctx)]
