"""One-click experiments for the explorer, each with a short explanation computed from its result.

Every experiment except ``no_gradients`` starts the cell at its steady state (``control``
too: it makes no change, so it shows the steady state holding) and makes its change at t = EVENT_T (1 us, before the first output time 0.1 ms) through a Protocol event, so
the log time axis shows what follows a change: the membrane recharging within milliseconds,
then the concentrations moving over minutes to hours. ``no_gradients`` starts with the inside
equal to the bath (V = 0) and lets the cell's own mechanisms build the gradients.
Every number quoted in an explanation is also returned under ``numbers``, and every
explanation ends by naming the state the cell ended in (:func:`_end_state`): a Donnan
equilibrium when every E has met V, swelling or shrinking when water moved, still changing when
the run was too short.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from vrest.errors import ParameterError
from vrest.model.cell import Cell
from vrest.model.explain import format_mV
from vrest.model.protocol import Event, Protocol, segments
from vrest.model.rhs import I_V
from vrest.model.what_v import what_v_is
from vrest.physics import equations as eq
from vrest.physics.constants import N_A, ZERO_C
from vrest.solve.buildup import ANION_TIME_S, no_gradients
from vrest.solve.steady import steady_state
from vrest.web import course, spike_experiment
from vrest.web.end_state import end_state as _end_state
from vrest.web.kout_curve import k_curve

EVENT_T = 1e-6  # s
FAST_T = 0.5  # s: "at once", after the membrane has recharged (tau ~ 10 ms) and before ions move
IONS = course.IONS


@dataclass(frozen=True)
class Experiment:
    """What the page shows for an experiment: a title, a description and its one value."""

    name: str
    title: str
    description: str
    value_label: str = ""
    unit: str = ""
    default: float | None = None
    lo: float = 0.0
    hi: float = 0.0

    def value(self, given: float | None) -> float | None:
        """The experiment's value: ``given`` (checked) or the default."""
        if self.default is None:
            return None
        value = self.default if given is None else float(given)
        if not (self.lo <= value <= self.hi):
            raise ParameterError(f"experiment.value: {self.value_label} = {value:g} {self.unit} is "
                                 f"not possible here; it must be between {self.lo:g} and "
                                 f"{self.hi:g} {self.unit}.")
        return value


EXPERIMENTS: dict[str, Experiment] = {e.name: e for e in (
    Experiment("control", "Control (no change)",
               "The cell at its steady state, left alone: nothing changes at t = 0."),
    Experiment("raise_k", "Raise K+ outside",
               "K_o is raised at t = 0; also the steady V over K_o from 1 to 100 mM, with the "
               "Nernst and GHK predictions.", "K_o", "mM", 20.0, 0.1, 150.0),
    Experiment("block_pump", "Block the Na+/K+ pump",
               "The pump stops at t = 0 (as with ouabain)."),
    Experiment("block_kcc2", "Block KCC2", "The K+-Cl- cotransporter stops at t = 0."),
    Experiment("remove_cl", "Remove Cl- from the bath",
               "Bath Cl- is replaced by an impermeant anion at t = 0.", "bath Cl-", "mM", 1.0,
               0.01, 1000.0),
    Experiment("remove_na", "Na+-free bath",
               "Bath Na+ is replaced by an impermeant cation (as NMDG+) at t = 0.", "bath Na+",
               "mM", 1.0, 0.01, 1000.0),
    Experiment("temperature", "Change the temperature",
               "The temperature changes at t = 0.", "temperature", "degC", 20.0, 0.0, 45.0),
    Experiment("no_gradients", "No gradients at the start",
               "Inside starts equal to the bath (V = 0, every E = 0): watch the gradients form."),
    Experiment("fire_spike", "Fire a spike",
               "A current pulse for 1 ms at 10 ms fires an action potential (on the squid axon "
               "of Hodgkin & Huxley, preset squid_hh, unless this cell has voltage-gated "
               "channels): the ions per spike, the pump's time to restore them, and the spike "
               "with the pump blocked.", "pulse", "uA/cm^2", 10.0, 0.0, 200.0),
)}


def listing() -> list[dict[str, Any]]:
    """GET /api/experiments."""
    return [asdict(e) for e in EXPERIMENTS.values()]


def _fmt(x: float) -> str:
    return f"{x:.3g}"


def _t_text(t: float) -> str:
    if t < 1:
        return f"{t * 1e3:.3g} ms"
    if t < 120:
        return f"{t:.3g} s"
    return f"{t / 60:.3g} min" if t < 7200 else f"{t / 3600:.3g} h"


def run_experiment(cell: Cell, name: str, value: float | None,
                   times: NDArray[np.float64]) -> dict[str, Any]:
    """Run experiment ``name`` on ``cell``; the course report plus the experiment's part."""
    exp = EXPERIMENTS[name]
    val = exp.value(value)
    if name == "no_gradients":
        return _no_gradients(cell, times, exp)
    if name == "fire_spike":
        return spike_experiment.run(cell, exp, float(val), times)
    ss = steady_state(cell)
    event = _EVENTS[name](cell, val)
    protocol = Protocol(name=name, events=(event,), t_end=float(times[-1]), dt=float(times[-1]))
    changed = segments(cell, protocol, float(times[-1]))[-1].cell
    tc = course.run_course(cell, times, y0=ss.state(0), protocol=protocol)
    out = course.course_report(tc, changed, ss.state(0))
    before = {"V_mV": float(ss.V[0]), "E_mV": dict(zip(IONS, ss.E[0].tolist(), strict=True)),
              "inside_mM": dict(zip(IONS, ss.c_in[0].tolist(), strict=True)),
              "outside_mM": dict(zip(IONS, ss.c_out[0].tolist(), strict=True)),
              "current_pA": {k: float(v[0]) for k, v in ss.current.items()},
              "flux_ions_per_s": {k: (v[0, :4] * N_A).tolist() for k, v in ss.flux.items()},
              "what_v": what_v_is(cell, ss.state(0)).to_dict()}
    fast = course.index_at(tc.t, FAST_T)
    numbers, text = _EXPLAIN[name](cell, changed, before, out, tc, fast, val)
    state, more = _end_state(changed, out, tc)
    numbers.update(more)
    text = f"{text} {state}"
    out["experiment"] = {**asdict(exp), "value": val, "before": before, "numbers": numbers,
                         "explanation": text,
                         "curve": k_curve(cell, ss) if name == "raise_k" else None}
    return out


# -- the changes ----------------------------------------------------------------------------

def _need(cell: Cell, mech: str, label: str) -> None:
    if not cell.has(mech):
        raise ParameterError(f"experiment: this cell has no {label} to block; switch {mech} on "
                             "first")


def _block(mech: str, label: str) -> Callable[[Cell, Any], Event]:
    def event(cell: Cell, _: Any) -> Event:
        _need(cell, mech, label)
        return Event(t=EVENT_T, scale={mech: 0.0}, label=f"{label} blocked")
    return event


def _remove_cl(cell: Cell, value: float) -> Event:
    cl0, x0 = cell.bath.Cl, cell.bath.X
    if value >= cl0:
        raise ParameterError(f"experiment.value: bath Cl- = {value:g} mM is not a removal; it must "
                             f"be below the cell's bath Cl- of {cl0:g} mM.")
    return Event(t=EVENT_T, set={"bath.Cl": value, "bath.X": x0 + (cl0 - value)},
                 label=f"bath Cl- to {value:g} mM")


def _remove_na(cell: Cell, value: float) -> Event:
    na0, x0 = cell.bath.Na, cell.bath.X
    if value >= na0:
        raise ParameterError(f"experiment.value: bath Na+ = {value:g} mM is not a removal; it must "
                             f"be below the cell's bath Na+ of {na0:g} mM.")
    return Event(t=EVENT_T, set={"bath.Na": value, "bath.X": x0 + (na0 - value)},
                 label=f"bath Na+ to {value:g} mM")


_EVENTS: dict[str, Callable[[Cell, Any], Event]] = {
    "control": lambda cell, v: Event(t=EVENT_T, label="no change"),
    "remove_na": _remove_na,
    "raise_k": lambda cell, v: Event(t=EVENT_T, set={"bath.K": v}, label=f"K_o to {v:g} mM"),
    "block_pump": _block("pump", "Na+/K+ pump"),
    "block_kcc2": _block("kcc2", "KCC2"),
    "remove_cl": _remove_cl,
    "temperature": lambda cell, v: Event(t=EVENT_T, set={"cell.temperature": v},
                                         label=f"temperature to {v:g} degC"),
}


# -- explanations ---------------------------------------------------------------------------

def _explain_control(cell: Cell, changed: Cell, before: dict[str, Any], out: dict[str, Any],
                     tc: Any, fast: int, value: Any) -> tuple[dict[str, float], str]:
    n = _common(before, out, tc, fast)
    text = (f"Control: the cell starts at its steady state, V = {format_mV(n['V_before_mV'])} mV, "
            f"and nothing changes; after {_t_text(n['t_end_s'])} V is "
            f"{format_mV(n['V_end_mV'])} mV. Compare every experiment with this.")
    return n, text


def _explain_remove_na(cell: Cell, changed: Cell, before: dict[str, Any], out: dict[str, Any],
                       tc: Any, fast: int, value: float) -> tuple[dict[str, float], str]:
    n = _common(before, out, tc, fast)
    end = out["end"]
    n.update(Na_o_before_mM=before["outside_mM"]["Na"], Na_o_after_mM=value,
             E_Na_before_mV=before["E_mV"]["Na"], E_Na_fast_mV=float(tc.E[fast, 0, 0]),
             Na_i_before_mM=before["inside_mM"]["Na"], Na_i_end_mM=end["inside_mM"]["Na"])
    n["V_change_fast_mV"] = n["V_fast_mV"] - n["V_before_mV"]
    text = (f"A Na+-free bath: bath Na+ went from {_fmt(n['Na_o_before_mM'])} to {_fmt(value)} mM "
            f"(replaced by an impermeant cation), so E_Na fell from "
            f"{format_mV(n['E_Na_before_mV'])} to {format_mV(n['E_Na_fast_mV'])} mV and the Na+ "
            f"leak's inward current stopped: within {_t_text(n['t_fast_s'])} V went from "
            f"{format_mV(n['V_before_mV'])} to {format_mV(n['V_fast_mV'])} mV "
            f"({format_mV(n['V_change_fast_mV'])} mV), closer to E_K. Over "
            f"{_t_text(n['t_end_s'])} Na+ inside went from {_fmt(n['Na_i_before_mM'])} to "
            f"{_fmt(n['Na_i_end_mM'])} mM and V reached {format_mV(n['V_end_mV'])} mV.")
    return n, text

def _common(before: dict[str, Any], out: dict[str, Any], tc: Any, fast: int) -> dict[str, float]:
    end = out["end"]
    return {"V_before_mV": before["V_mV"], "V_fast_mV": float(tc.V[fast, 0]),
            "t_fast_s": float(tc.t[fast]), "V_end_mV": end["V_mV"], "t_end_s": float(tc.t[-1])}


def _explain_raise_k(cell: Cell, changed: Cell, before: dict[str, Any], out: dict[str, Any],
                     tc: Any, fast: int, value: float) -> tuple[dict[str, float], str]:
    n = _common(before, out, tc, fast)
    t_k = cell.temperature + ZERO_C
    n.update(K_o_before_mM=before["outside_mM"]["K"], K_o_after_mM=value,
             E_K_before_mV=before["E_mV"]["K"], E_K_fast_mV=float(tc.E[fast, 0, 1]),
             nernst_slope_mV=float(eq.nernst_slope(t_k)))
    n["E_K_change_mV"] = n["E_K_fast_mV"] - n["E_K_before_mV"]
    n["V_change_fast_mV"] = n["V_fast_mV"] - n["V_before_mV"]
    text = (f"K+ outside went from {_fmt(n['K_o_before_mM'])} to {_fmt(value)} mM, so E_K moved "
            f"by {format_mV(n['E_K_change_mV'])} mV (from {format_mV(n['E_K_before_mV'])} to "
            f"{format_mV(n['E_K_fast_mV'])} mV; Nernst: {n['nernst_slope_mV']:.1f} mV per tenfold "
            f"at {cell.temperature:g} degC). Within {_t_text(n['t_fast_s'])} V moved by "
            f"{format_mV(n['V_change_fast_mV'])} mV, to {format_mV(n['V_fast_mV'])} mV: less than "
            "E_K, because the Na+ and Cl- leaks and the pump also pull on V (V is where all the "
            f"currents cancel, the E's averaged with the conductances at V). After {_t_text(n['t_end_s'])}, V is {format_mV(n['V_end_mV'])} mV, "
            f"{format_mV(n['V_end_mV'] - out['end']['E_mV']['K'])} mV from E_K. The higher K+ "
            "outside, the larger K+'s share of the leak current and the closer V comes to E_K: "
            "the Nernst limit, which the curve below approaches at high K+.")
    return n, text


def _explain_block_pump(cell: Cell, changed: Cell, before: dict[str, Any], out: dict[str, Any],
                        tc: Any, fast: int, value: Any) -> tuple[dict[str, float], str]:
    n = _common(before, out, tc, fast)
    end = out["end"]
    n.update(pump_current_pA=before["current_pA"].get("pump", 0.0),
             Na_i_before_mM=before["inside_mM"]["Na"], Na_i_end_mM=end["inside_mM"]["Na"],
             K_i_before_mM=before["inside_mM"]["K"], K_i_end_mM=end["inside_mM"]["K"],
             E_K_before_mV=before["E_mV"]["K"], E_K_end_mV=end["E_mV"]["K"])
    n["V_change_fast_mV"] = n["V_fast_mV"] - n["V_before_mV"]
    text = (f"Within {_t_text(n['t_fast_s'])} of blocking the pump, V moved from "
            f"{format_mV(n['V_before_mV'])} to {format_mV(n['V_fast_mV'])} mV "
            f"({format_mV(n['V_change_fast_mV'])} mV): that step is the pump's direct electrogenic "
            f"share, as its outward current of {_fmt(n['pump_current_pA'])} pA stopped. Then the "
            f"gradients run down: over {_t_text(n['t_end_s'])} Na+ inside went from "
            f"{_fmt(n['Na_i_before_mM'])} to {_fmt(n['Na_i_end_mM'])} mM and K+ inside from "
            f"{_fmt(n['K_i_before_mM'])} to {_fmt(n['K_i_end_mM'])} mM, so E_K went from "
            f"{format_mV(n['E_K_before_mV'])} to {format_mV(n['E_K_end_mV'])} mV and V to "
            f"{format_mV(n['V_end_mV'])} mV.")
    return n, text


def _explain_block_kcc2(cell: Cell, changed: Cell, before: dict[str, Any], out: dict[str, Any],
                        tc: Any, fast: int, value: Any) -> tuple[dict[str, float], str]:
    n = _common(before, out, tc, fast)
    end = out["end"]
    n.update(Cl_i_before_mM=before["inside_mM"]["Cl"], Cl_i_end_mM=end["inside_mM"]["Cl"],
             E_Cl_before_mV=before["E_mV"]["Cl"], E_Cl_end_mV=end["E_mV"]["Cl"],
             kcc2_Cl_out_ions_per_s=before["flux_ions_per_s"]["kcc2"][2])
    n["V_change_end_mV"] = n["V_end_mV"] - n["V_before_mV"]
    n["E_Cl_minus_V_end_mV"] = n["E_Cl_end_mV"] - n["V_end_mV"]
    text = (f"KCC2 had been carrying {_fmt(n['kcc2_Cl_out_ions_per_s'])} Cl- ions per second out "
            f"of the cell (with as many K+). Without it, over {_t_text(n['t_end_s'])} Cl- inside "
            f"went from {_fmt(n['Cl_i_before_mM'])} to {_fmt(n['Cl_i_end_mM'])} mM and E_Cl from "
            f"{format_mV(n['E_Cl_before_mV'])} to {format_mV(n['E_Cl_end_mV'])} mV; E_Cl - V is now "
            f"{format_mV(n['E_Cl_minus_V_end_mV'])} mV: Cl- only follows V. V changed by "
            f"{format_mV(n['V_change_end_mV'])} mV, to {format_mV(n['V_end_mV'])} mV.")
    return n, text


def _explain_remove_cl(cell: Cell, changed: Cell, before: dict[str, Any], out: dict[str, Any],
                       tc: Any, fast: int, value: float) -> tuple[dict[str, float], str]:
    n = _common(before, out, tc, fast)
    end = out["end"]
    n.update(Cl_o_before_mM=before["outside_mM"]["Cl"], Cl_o_after_mM=value,
             E_Cl_before_mV=before["E_mV"]["Cl"], E_Cl_fast_mV=float(tc.E[fast, 0, 2]),
             Cl_i_before_mM=before["inside_mM"]["Cl"], Cl_i_end_mM=end["inside_mM"]["Cl"])
    text = (f"Bath Cl- went from {_fmt(n['Cl_o_before_mM'])} to {_fmt(value)} mM (replaced by an "
            f"impermeant anion), so E_Cl jumped from {format_mV(n['E_Cl_before_mV'])} to "
            f"{format_mV(n['E_Cl_fast_mV'])} mV. Cl- now leaves the cell; a negative ion leaving is "
            f"an inward current, so within {_t_text(n['t_fast_s'])} V went from "
            f"{format_mV(n['V_before_mV'])} to {format_mV(n['V_fast_mV'])} mV. Over "
            f"{_t_text(n['t_end_s'])} Cl- inside fell from {_fmt(n['Cl_i_before_mM'])} to "
            f"{_fmt(n['Cl_i_end_mM'])} mM and V reached {format_mV(n['V_end_mV'])} mV.")
    return n, text


def _explain_temperature(cell: Cell, changed: Cell, before: dict[str, Any], out: dict[str, Any],
                         tc: Any, fast: int, value: float) -> tuple[dict[str, float], str]:
    n = _common(before, out, tc, fast)
    n.update(T_before_C=cell.temperature, T_after_C=value,
             RT_F_before_mV=float(eq.thermal_voltage_mV(cell.temperature + ZERO_C)),
             RT_F_after_mV=float(eq.thermal_voltage_mV(value + ZERO_C)),
             E_K_before_mV=before["E_mV"]["K"], E_K_fast_mV=float(tc.E[fast, 0, 1]),
             E_Na_before_mV=before["E_mV"]["Na"], E_Na_fast_mV=float(tc.E[fast, 0, 0]))
    text = (f"From {n['T_before_C']:g} to {value:g} degC, RT/F went from "
            f"{n['RT_F_before_mV']:.2f} to {n['RT_F_after_mV']:.2f} mV, and every E scales with it: "
            f"E_K from {format_mV(n['E_K_before_mV'])} to {format_mV(n['E_K_fast_mV'])} mV, E_Na "
            f"from {format_mV(n['E_Na_before_mV'])} to {format_mV(n['E_Na_fast_mV'])} mV. Within "
            f"{_t_text(n['t_fast_s'])} V went from {format_mV(n['V_before_mV'])} to "
            f"{format_mV(n['V_fast_mV'])} mV; after {_t_text(n['t_end_s'])} it is "
            f"{format_mV(n['V_end_mV'])} mV.")
    return n, text


_EXPLAIN = {"control": _explain_control, "remove_na": _explain_remove_na,
            "raise_k": _explain_raise_k, "block_pump": _explain_block_pump,
            "block_kcc2": _explain_block_kcc2, "remove_cl": _explain_remove_cl,
            "temperature": _explain_temperature}


# -- no gradients at the start ---------------------------------------------------------------

def _no_gradients(cell: Cell, times: NDArray[np.float64], exp: Experiment) -> dict[str, Any]:
    """The shared build-up (vrest.solve.buildup): the cell's own trapped anions, made with K+
    counter-ions during the first ANION_TIME_S, every mechanism running."""
    start = no_gradients(cell)
    protocol = start.protocol(float(times[-1]))
    tc = course.run_course(start.building_cell(), times, y0=start.y0, protocol=protocol)
    out = course.course_report(tc, cell, start.y0)
    end = out["end"]
    v = np.asarray(out["series"]["V"])
    half = course.index_at(tc.t, float(tc.t[np.argmax(np.abs(v) >= abs(end["V_mV"]) / 2)]))
    rest = steady_state(cell)
    n = {"V_start_mV": float(start.y0[I_V]), "V_end_mV": end["V_mV"],
         "t_half_s": float(tc.t[half]), "t_end_s": float(tc.t[-1]),
         "K_i_end_mM": end["inside_mM"]["K"], "Na_i_end_mM": end["inside_mM"]["Na"],
         "E_K_end_mV": end["E_mV"]["K"], "E_Na_end_mV": end["E_mV"]["Na"],
         "atp_end_per_s": end["atp_per_s"], "X_mM": start.anions_final_mM,
         "other_anions_start_mM": start.other_anions_mM, "anions_made_mM": start.anions_made_mM,
         "counter_K_mM": start.counter_K_mM, "anion_time_s": ANION_TIME_S,
         "V_rest_mV": float(rest.V[0]), "V_end_minus_rest_mV": end["V_mV"] - float(rest.V[0])}
    pump = "the pump" if cell.has("pump") else "the cell's mechanisms (it has no pump)"
    text = (f"At t = 0 the inside equals the bath, so every E is 0 and V = {format_mV(n['V_start_mV'])}"
            f" mV. Over the first {_t_text(ANION_TIME_S)} the cell makes its "
            f"{_fmt(n['anions_made_mM'])} mM of trapped anions with as many K+ counter-ions "
            f"({_fmt(n['X_mM'])} mM in all). {pump.capitalize()} "
            f"builds the gradients: after {_t_text(n['t_end_s'])} K+ inside is "
            f"{_fmt(n['K_i_end_mM'])} mM and Na+ {_fmt(n['Na_i_end_mM'])} mM, so E_K = "
            f"{format_mV(n['E_K_end_mV'])} mV and E_Na = {format_mV(n['E_Na_end_mV'])} mV; V "
            f"reached half of its final {format_mV(n['V_end_mV'])} mV after "
            f"{_t_text(n['t_half_s'])} (the cell's rest: {format_mV(n['V_rest_mV'])} mV), with "
            f"{_fmt(n['atp_end_per_s'])} ATP used per second at the end.")
    state, more = _end_state(start.building_cell(), out, tc)
    n.update(more)
    text = f"{text} {state}"
    out["experiment"] = {**asdict(exp), "value": None, "before": None, "numbers": n,
                         "explanation": text, "curve": None}
    return out
