"""The lecture's imaginary steps, computed (``vrest story``).

The lecture (docs/tutorials/story.md) builds the resting potential in steps that in reality happen at once. Here
each step is a real simulation (:func:`vrest.simulate`, SciPy's stiff solvers) that starts from the state
the previous step ended in, with the mechanisms of that step; where a steady state exists,
:func:`vrest.steady_state` confirms the end point. :func:`run_story` returns plain numbers
(:meth:`Story.to_dict`); :mod:`vrest.story.text` makes sentences from them, :mod:`vrest.story.plot`
pictures and :mod:`vrest.story.report` the terminal and HTML reports.

How the steps are set up, and why (every choice is visible in the numbers):

0. Inside = the bath's concentrations, V = 0. The bath's listed ions are not neutral (the lecture
   preset's carry +47 mM of charge: bicarbonate, phosphate, ... are not modelled), so the same
   amount of 'other anions' sits inside too, impermeant like everything else at this step.
1. The cell makes its trapped organic anions. (1a) As the lecture says, bare: just enough to give
   its "-5 mV" (counted with :func:`vrest.equations.charge_budget`). (1b) Charge-conserving, with a
   K+ counter-ion per charge, as much as the complete cell holds at rest. The chain goes on from 1b.
2. The Na/K pump alone. Its net charge has no way back, so it charges the membrane at its full
   current; it is stopped where the lecture's "-10 mV in total" is reached. It cannot build the
   gradients alone (the numbers show what V that would take).
3. The K+ leak, on its own (the pump paused, as the lecture's step looks at K+ alone): V -> E_K.
4. The Na+ leak, with the pump running again: the gradients are built; V settles between E_K
   and E_Na, where the pump balances the leaks.
5. The Cl- leak. 6. KCC2. 7. NCX and the Ca2+ leak. 8. Any other mechanism of the preset.

Then the real case: every mechanism at once from step 0 (the anions made as in 1b), compared
with the stepwise end state. Units: mV, mM, s, pA, ions (counts), ATP molecules/s.

The records are in :mod:`.records`, the context and the numbers of a state in :mod:`.context`,
running a step in :mod:`.runs`, the questions in :mod:`.questions`.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from vrest.model.cell import Cell
from vrest.model.mechanisms import AnionSource, NaKPump
from vrest.model.mechanisms.base import Z_IONS
from vrest.model.presets import loader as presets
from vrest.model.presets.cells import cell_from_preset
from vrest.model.rhs import Model
from vrest.physics import equations as eq
from vrest.physics.constants import E_CHARGE, N_A, ZERO_C, F
from vrest.solve.buildup import no_gradients
from vrest.solve.rest import what_v_at_rest
from vrest.solve.simulate import simulate
from vrest.story.context import (
    CHAIN,
    GROUP_NAMES,
    Context,
    analysis,
    context_geometry,
    make_context,
    state_numbers,
    zero_current_mV,
)
from vrest.story.questions import answer_questions
from vrest.story.records import ANION_TIME_S, DEFAULT_PRESET, IONS, LECTURE, FloatArray, Step, Story
from vrest.story.runs import (
    make_step,
    output_times,
    simulate_to_rest,
    skipped_step,
    steady_at,
    with_lecture,
)

# ------------------------------------------------------------------------------- steps 0 and 1


def _step0(ctx: Context) -> tuple[Step, FloatArray, float]:
    """Equal concentrations inside and out, V = 0. Returns the step, its state and the amount
    of trapped anions (mM) the cell must make in step 1b."""
    start = no_gradients(ctx.cell)
    y0 = start.y0
    tc = simulate(ctx.bare, t_end=1.0, t_eval=output_times(1.0), y0=y0)
    extra = {"other_anions_mM": start.other_anions_mM,
             "bath_charge_gap_mM": start.bath_charge_gap_mM, "Cl_inside_mM": start.Cl_inside_mM,
             "anions_final_mM": start.anions_final_mM}
    step = make_step(ctx, "0", "No gradients", ctx.bare, y0, tc, extra=extra)
    return step, y0, start.anions_made_mM


def _step1a(ctx: Context, y0: FloatArray, made_mM: float) -> Step:
    """The lecture's step 1: bare anions, just enough for its -5 mV."""
    target = LECTURE["V_anions_mV"]
    budget = eq.charge_budget(target, context_geometry(ctx), z=ctx.z_x,
                              capacitance_uF_cm2=ctx.cell.capacitance)
    anions_mM = float(budget.delta_c_mM)  # concentration of anions made, mM
    cell = ctx.bare.with_mechanisms(AnionSource(rate=anions_mM / ANION_TIME_S, counter="none"))
    tc = simulate(cell, t_end=ANION_TIME_S, t_eval=output_times(ANION_TIME_S), y0=y0)
    v_all = float(eq.voltage_from_charge(ctx.z_x * made_mM * ctx.volume_m3 * F, ctx.area_um2,
                                         ctx.cell.capacitance))
    extra = {"anions_mM": anions_mM, "anions_count": float(budget.ions_count) / abs(ctx.z_x),
             "charge_C": float(budget.charge_C), "V_target_mV": target,
             "anions_real_mM": made_mM, "V_if_real_amount_bare_mV": v_all,
             "anions_fraction_of_real": anions_mM / made_mM if made_mM > 0 else None}
    step = make_step(ctx, "1a", "Trapped anions, as the lecture says (no counter-ions)", cell, y0, tc,
                 chain=False, added=("anion_source",), extra=extra)
    return with_lecture(step, [("V after the anions", "V_anions_mV", step.end["V_mV"], "mV")])


def _step1b(ctx: Context, y0: FloatArray, made_mM: float) -> Step:
    """Charge-conserving step 1: anions made with K+ counter-ions."""
    cell = ctx.bare.with_mechanisms(AnionSource(rate=made_mM / ANION_TIME_S, counter="K"))
    tc = simulate(cell, t_end=ANION_TIME_S, t_eval=output_times(ANION_TIME_S), y0=y0)
    extra = {"anions_mM": made_mM, "anions_count": made_mM * ctx.volume_m3 * N_A,
             "counter_K_mM": made_mM * abs(ctx.z_x)}
    step = make_step(ctx, "1b", "Trapped anions, charge conserved (K+ counter-ions)", cell, y0, tc,
                 added=("anion_source",), extra=extra)
    return with_lecture(step, [("V after the anions", "V_anions_mV", step.end["V_mV"], "mV")])


# ------------------------------------------------------------------------------- steps 2 to 8


def _pump_current_A(cell: Cell, y: FloatArray) -> float:
    """Outward current (A) of the Na/K pumps of ``cell`` at state y."""
    model = Model(cell)
    fluxes = model.observe(y[None]).fluxes
    return float(sum(fluxes[m.name][0, :4] @ Z_IONS for m in cell.mechanisms
                     if isinstance(m, NaKPump)) * F)


def _step2(ctx: Context, y0: FloatArray, na_final_mM: float) -> Step | None:
    """The pump alone, stopped where the lecture's -10 mV in total is reached."""
    cell = ctx.cell_with(["pump"])
    current = _pump_current_A(cell, y0) if ctx.groups.get("pump") else 0.0
    if current <= 0:
        return None
    model = Model(cell)
    area = float(model.membrane_state(y0[None])[0].area[0])  # m^2 (changes only with water)
    c_total = ctx.cell.capacitance * 1e-2 * area  # F
    v_start = float(model.voltage_mV(y0[None])[0])
    target = min(LECTURE["V_pump_total_mV"], v_start - 1.0)
    t_stop = (v_start - target) * 1e-3 * c_total / current
    tc = simulate(cell, t_end=t_stop, t_eval=output_times(t_stop), y0=y0)
    na_needed = float(y0[0]) - na_final_mM
    extra = {"V_target_mV": target, "time_to_target_s": t_stop, "pump_current_pA": current * 1e12,
             "charging_rate_mV_per_ms": current / c_total,
             "Na_needed_mM": na_needed,
             "V_if_gradient_built_alone_mV": -ctx.mv_per_mM * na_needed / LECTURE["pump_Na_out"],
             "pump_stoichiometry": {"Na_out": LECTURE["pump_Na_out"], "K_in": LECTURE["pump_K_in"],
                                    "ATP": LECTURE["pump_ATP"]}}
    step = make_step(ctx, "2", CHAIN[0][1], cell, y0, tc, added=ctx.names(["pump"]), extra=extra)
    return with_lecture(step, [("V (anions + pump)", "V_pump_total_mV", step.end["V_mV"], "mV")])


def _chain_extra(ctx: Context, key: str, cell: Cell, step_y: FloatArray) -> dict[str, Any]:
    """Step-specific numbers: step 3 with the pump running, E_Cl - V, NCX's limit and shares."""
    if key == "3" and ctx.groups.get("pump"):
        with_pump = cell.with_mechanisms(*ctx.groups["pump"])
        v = zero_current_mV(Model(with_pump), step_y, Model(with_pump).mechanism_names())
        return {"V_with_pump_mV": v}
    if key in ("5", "6"):
        model = Model(cell)
        state = state_numbers(model, step_y)
        return {"E_Cl_minus_V_mV": state["E_mV"]["Cl"] - state["V_mV"]}
    if key == "7":
        model = Model(cell)
        names = model.mechanism_names()
        state = state_numbers(model, step_y)
        v, e = state["V_mV"], state["E_mV"]
        out: dict[str, Any] = {}
        if ctx.groups.get("ncx"):
            vec = ctx.groups["ncx"][0].vector  # type: ignore[attr-defined]
            n_na, n_ca = -vec[0], vec[3]
            charge = n_na - 2.0 * n_ca  # charges carried in per cycle
            out.update({"ncx_Na_per_Ca": float(n_na / n_ca), "z_Ca": 2.0,
                        "E_NCX_mV": float((n_na * e["Na"] - 2 * n_ca * e["Ca"]) / charge),
                        "E_Ca_ncx_limit_mV": float((n_na * e["Na"] - charge * v) / (2 * n_ca))})
        for group in ("leak.Ca", "ncx"):
            gone = set(ctx.names([group]))
            if gone:
                v0 = zero_current_mV(model, step_y, [n for n in names if n not in gone])
                out[f"share_{group.replace('.', '_')}_mV"] = None if v0 is None else v - v0
        return out
    return {}


def _lecture_rows(key: str, step: Step) -> list[tuple[str, str, float | None, str]]:
    """The lecture's figures that step ``key`` can be compared with."""
    e, v = step.end["E_mV"], step.end["V_mV"]
    rows: dict[str, list[tuple[str, str, float | None, str]]] = {
        "3": [("E_K", "E_K_mV", e["K"], "mV"), ("V", "E_K_mV", v, "mV"),
              ("fraction of K+ moved", "K_fraction_max", step.moved["K"]["fraction"], "1")],
        "4": [("V", "V_rest_mV", v, "mV"), ("E_Na", "E_Na_mV", e["Na"], "mV"),
              ("E_K", "E_K_mV", e["K"], "mV")],
        "5": [("E_Cl", "E_Cl_no_kcc2_mV", e["Cl"], "mV"), ("V", "V_rest_mV", v, "mV")],
        "6": [("E_Cl", "E_Cl_mV", e["Cl"], "mV"), ("V", "V_rest_mV", v, "mV")],
        "7": [("E_Ca", "E_Ca_mV", e["Ca"], "mV"), ("V", "V_rest_mV", v, "mV")],
        "8": [("V", "V_rest_mV", v, "mV")],
    }
    return rows.get(key, [])


def _chain(ctx: Context, y: FloatArray) -> list[Step]:
    """Steps 3 to 8, each from the previous state."""
    active: list[str] = []
    steps = []
    for key, title, add, pause in CHAIN[1:]:
        new = [g for g in add if ctx.groups.get(g) and g not in active]
        active = [g for g in active if g not in pause] + new
        if not new:
            if key != "8":
                missing = " or ".join(GROUP_NAMES.get(g, g) for g in add)
                steps.append(skipped_step(ctx, key, title, y, f"this preset has no {missing}"))
            continue
        cell = ctx.cell_with(active)
        ss = steady_at(cell, y)
        tc = simulate_to_rest(cell, y, ss)
        step = make_step(ctx, key, title, cell, y, tc, added=ctx.names(new), paused=ctx.names(pause),
                     ss=ss, extra={})
        extra = {**_chain_extra(ctx, key, cell, step.y_end),
                 "dV_mV": step.end["V_mV"] - step.start["V_mV"]}
        step = dataclasses.replace(step, extra=extra)
        steps.append(with_lecture(step, _lecture_rows(key, step)))
        y = step.y_end
    return steps


def _real_case(ctx: Context, y0: FloatArray, made_mM: float, stepwise: Step) -> Step:
    """Every mechanism at once from step 0, the anions made as in step 1b."""
    start = no_gradients(ctx.cell)
    cell, protocol = start.building_cell(), start.protocol(ANION_TIME_S)
    ss = steady_at(ctx.cell, stepwise.y_end)
    tc = simulate_to_rest(cell, y0, ss, protocol, t_min=ANION_TIME_S)
    step = make_step(ctx, "real", "Everything at once, from step 0", ctx.cell, y0, tc, chain=False,
                 added=tuple(m.name for m in ctx.cell.mechanisms), ss=ss)
    if not isinstance(ss, str):  # the disputed numbers at the rest itself, as every face shows them
        step = dataclasses.replace(step, analysis=analysis(ctx, ctx.cell, ss.state(0)))
    ref = stepwise.end
    extra = {"dV_vs_stepwise_mV": step.end["V_mV"] - ref["V_mV"],
             "dV_vs_lecture_mV": step.end["V_mV"] - LECTURE["V_rest_mV"],
             "max_rel_dc_vs_stepwise": max(abs(step.end["inside_mM"][i] / ref["inside_mM"][i] - 1)
                                           for i in IONS),
             "stepwise_settle_total_s": None}
    step = dataclasses.replace(step, extra=extra)
    return with_lecture(step, [("V_rest", "V_rest_mV", step.end["V_mV"], "mV"),
                                ("E_K", "E_K_mV", step.end["E_mV"]["K"], "mV"),
                                ("E_Na", "E_Na_mV", step.end["E_mV"]["Na"], "mV"),
                                ("E_Cl", "E_Cl_mV", step.end["E_mV"]["Cl"], "mV"),
                                ("E_Ca", "E_Ca_mV", step.end["E_mV"]["Ca"], "mV")])


# ------------------------------------------------------------------------------- the story


def story_cell(preset: str = DEFAULT_PRESET, temperature_C: float | None = None) -> Cell:
    """The complete cell of ``preset`` (name or TOML path), optionally at another temperature."""
    cell = cell_from_preset(presets.load(preset))
    if temperature_C is not None:
        cell = cell.with_parameters({"cell.temperature": temperature_C})
    return cell


def run_story(preset: str = DEFAULT_PRESET, temperature_C: float | None = None,
              questions: bool = True) -> Story:
    """Run the lecture's steps on ``preset`` (at ``temperature_C`` degC if given).

    Raises PresetError/ParameterError for bad input and SolverError if a simulation fails.
    """
    pre = presets.load(preset)
    cell = story_cell(preset, temperature_C)
    ctx = make_context(cell)
    s0, y0, made = _step0(ctx)
    s1a, s1b = _step1a(ctx, y0, made), _step1b(ctx, y0, made)
    rest = steady_at(ctx.cell, s1b.y_end)
    na_final = float(rest.c_in[0, 0]) if not isinstance(rest, str) else float(cell.inside.Na)
    s2 = _step2(ctx, s1b.y_end, na_final)
    y = s2.y_end if s2 else s1b.y_end
    chain = _chain(ctx, y)
    steps = [s0, s1a, s1b, s2 or skipped_step(ctx, "2", CHAIN[0][1], y, "this preset has no pump"),
             *chain]
    last = next(s for s in reversed(steps) if s.chain and not s.skipped)
    real = _real_case(ctx, y0, made, last)
    extra = dict(real.extra)
    extra["stepwise_settle_total_s"] = float(sum(s.settle_s or s.duration_s for s in steps
                                                 if s.chain and not s.skipped and s.key != "0"))
    real = dataclasses.replace(real, extra=extra)
    qs = answer_questions(ctx, steps, real) if questions else []
    what, _ = what_v_at_rest(cell)
    return Story(pre.name, pre.title, float(cell.temperature), _cell_numbers(ctx),
                 [{"name": m.name, "what": m.describe()} for m in cell.mechanisms],
                 steps, real, qs, what.to_dict())


def _cell_numbers(ctx: Context) -> dict[str, Any]:
    """Size and constants of the cell, for the report and the closed-form checks."""
    return {"area_um2": ctx.area_um2, "volume_um3": ctx.volume_um3,
            "volume_pL": ctx.volume_um3 * 1e-3, "capacitance_uF_cm2": ctx.cell.capacitance,
            "temperature_K": ctx.temperature_K, "mV_per_mM_charge": ctx.mv_per_mM,
            "bath_volume_ratio": ctx.cell.bath.volume_ratio
            if math.isfinite(ctx.cell.bath.volume_ratio) else None,
            "shape": ctx.cell.geometry.shape, "celsius_offset_K": ZERO_C,
            "elementary_charge_C": E_CHARGE}
