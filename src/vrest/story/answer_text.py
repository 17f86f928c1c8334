"""The answers to the lecture's questions, worded from the numbers of the questions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from vrest.story.quote import NAMES, Quote, lookup


def _a_what(q: Quote) -> list[dict[str, Any]]:
    out = [q.say(
        f"At rest the inside is {q('V_mV')} mV relative to the outside, and that takes only "
        f"{q('ions_on_membrane', 'count')} ions' worth of charge on the membrane, "
        f"{q('fraction_of_K', 'pct')} of the cell's K+: the potential is a thin layer of charge at "
        "the membrane, not a change of the bulk concentrations.")]
    currents = q.get("currents_pA") or {}
    if len(currents) > 1:
        parts = [f"{_current_name(name)} {q(f'currents_pA/{name}', 'sig3')} pA" for name in currents]
        pump = (f"; the pump burns {q('atp_per_s', 'count')} ATP/s to keep the gradients that "
                "drive the leaks" if q.get("pump_pA") is not None else "")
        out.append(q.say(
            "It stays because every current across the membrane cancels (outward +): "
            f"{', '.join(parts)}{pump}; the net current is {q('net_current_pA', 'sig2')} pA."))
    return out


_CURRENT_NAMES = {"leak.K": "K+ leak", "leak.Na": "Na+ leak", "leak.Cl": "Cl- leak",
                  "leak.Ca": "Ca2+ leak", "pump": "Na+/K+ pump", "kcc2": "KCC2", "ncx": "NCX",
                  "nkcc1": "NKCC1", "pmca": "PMCA"}


def _current_name(name: str) -> str:
    return _CURRENT_NAMES.get(name, name)


def _a_presets(q: Quote) -> list[dict[str, Any]]:
    out = []
    base = q.base.rsplit("/", 1)[0]
    rows = lookup(q.data, f"{base}/rows")
    for j, row in enumerate(rows):
        r = Quote(q.data, f"{base}/rows/{j}")
        if row.get("V_rest_mV") is None:
            out.append(r.say(f"{row['preset']}: the model finds no resting state (see the JSON)."))
            continue
        out.append(r.say(
            f"{row['preset']}: V = {r('V_rest_mV')} mV at {r('temperature_C', 'sig3')} degC, E_K = "
            f"{r('E_K_mV')} mV (K+ {r('K_in_mM', 'sig3')} mM in, {r('K_out_mM', 'sig3')} mM out), "
            f"E_Na = {r('E_Na_mV')} mV."))
    out.append(q.say(
        f"Across the presets V ranges from {q('V_min_mV')} to {q('V_max_mV')} mV and E_K from "
        f"{q('E_K_min_mV')} to {q('E_K_max_mV')} mV: the resting potential depends on the cell's "
        "concentrations (K+ outside above all), its temperature and permeabilities, so both "
        f"{q('lecture_V_rest_mV', 'mV0')} and {q('textbook_V_rest_mV', 'mV0')} mV are right for some cells."))
    return out


def _a_anions(q: Quote) -> list[dict[str, Any]]:
    return [q.say(
        f"Bare, {q('anions_count', 'count')} anions ({q('anions_for_lecture_mV', 'sig2')} mM) "
        f"already give the lecture's {q('V_lecture_mV', 'mV0')} mV, and the {q('anions_real_mM', 'sig3')} mM a "
        f"cell holds would give {q('V_real_bare_mV', 'count')} mV."), q.say(
        f"Made with counter-ions ({q('counter_K_mM', 'sig3')} mM of K+) they give "
        f"{q('V_charge_conserving_mV')} mV: the commenter is right that anions alone make no "
        "potential; they matter by holding cations, above all K+, inside.")]


def _a_pump_share(q: Quote) -> list[dict[str, Any]]:
    if q.get("pump_share_mV") is None:
        return [q.say(f"This cell has no pump share to compute; V = {q('V_mV')} mV.")]
    share = q.get("pump_share_mV")
    lo, hi = q.get("comment_lo_mV"), q.get("comment_hi_mV")
    verdict = ("inside the commenter's range" if lo <= abs(share) <= hi else
               "below the lecture's range, nearer the commenter's" if abs(share) < q.get("lecture_lo_mV")
               else "inside the lecture's range" if abs(share) <= q.get("lecture_hi_mV")
               else "above both ranges")
    return [q.say(
        f"At rest the pump's direct share of V is {q('pump_share_mV')} mV: V is {q('V_mV')} mV with "
        f"the pump's current and would be {q('V_no_pump_mV')} mV without it, at the same "
        f"concentrations."), q.say(
        f"Compared with the lecture's {q('lecture_lo_mV', 'sig2')} to {q('lecture_hi_mV', 'sig2')} mV "
        f"and the commenter's {q('comment_lo_mV', 'sig2')} to {q('comment_hi_mV', 'sig2')} mV, that "
        f"is {verdict}; the pump's big effect is indirect, through the gradients it keeps.")]


def _a_maintain(q: Quote) -> list[dict[str, Any]]:
    out = [q.say(
        f"Alone the pump cannot create the gradients (it would take V to "
        f"{q('V_if_pump_alone_mV', 'count')} mV); with the leaks returning its charge it builds them "
        f"from scratch in {q('build_time_s', 'time')}.")]
    if "Na_end_mM" in q.get(""):
        t5 = q.get("time_to_5mV_s")
        first = (f" (the first {q('threshold_mV', 'sig2')} mV took {q('time_to_5mV_s', 'time')})"
                 if t5 is not None else "")
        out.append(q.say(
            f"Block it at rest and the inherited gradients run down: after "
            f"{q('block_time_s', 'time')} Na+ inside has risen from {q('Na_start_mM', 'sig3')} to "
            f"{q('Na_end_mM', 'sig3')} mM and V from {q('V_start_mV')} to {q('V_end_mV')} mV{first}; "
            "the pump maintains what cells inherit."))
    return out


def _a_finite(q: Quote) -> list[dict[str, Any]]:
    out = []
    if q.get("V_finite_mV") is not None:
        out.append(q.say(
            f"At rest the bath's size does not matter: with an outside of {q('ratio', 'sig2')} times "
            f"the cell's volume V = {q('V_finite_mV')} mV, as with an infinite bath "
            f"({q('V_infinite_mV')} mV), because nothing moves net at rest."))
    if "K_out_end_mM" in q.get(""):
        out.append(q.say(
            f"It matters when something changes: after {q('block_time_s', 'time')} of pump block the "
            f"K+ leaving the cell raises K+ outside from {q('K_out_start_mM', 'sig3')} to "
            f"{q('K_out_end_mM', 'sig3')} mM, and V reaches {q('V_end_finite_mV')} mV instead of "
            f"{q('V_end_infinite_mV')} mV."))
    return out


def _than(q: Quote, key: str) -> str:
    return "more than inside" if q.get(key) > q.get("K_inside_ions") else "fewer than inside"


def _a_amount(q: Quote) -> list[dict[str, Any]]:
    out = [q.say(
        f"This cell holds {q('K_inside_ions', 'count')} K+ ions; outside there are "
        f"{q('K_outside_body_ions', 'count')} in the body (an outside {q('body_ratio', 'sig2')} times "
        f"the cell's volume: {_than(q, 'K_outside_body_ions')}) or "
        f"{q('K_outside_dish_ions', 'count')} in a {q('dish_mL', 'sig2')} mL dish "
        f"({_than(q, 'K_outside_dish_ions')}).")]
    if "K_flux_at_0mV_body_ions_s" in q.get(""):
        out.append(q.say(
            f"Either way, at {q('V_test_mV', 'mV0')} mV K+ leaves at {q('K_flux_at_0mV_body_ions_s', 'count')} "
            f"ions/s (body) and {q('K_flux_at_0mV_dish_ions_s', 'count')} ions/s (dish): diffusion "
            f"follows concentration ({q('K_in_mM', 'sig3')} mM in, {q('K_out_mM', 'sig3')} mM out), "
            "not the amount."))
    return out


def _a_ek90(q: Quote) -> list[dict[str, Any]]:
    parts = []
    if q.get("").get("V_ratio_mV") is not None:
        parts.append(f"with P_Na/P_K = {q('comment_P_Na_rel', 'sig2')} instead of "
                     f"{q('P_Na_rel', 'sig2')} it would rest at {q('V_ratio_mV')} mV")
    if q.get("V_low_K_mV") is not None:
        parts.append(f"with K+ outside lowered from {q('K_out_mM', 'sig3')} to "
                     f"{q('K_out_for_E_K_mM', 'sig3')} mM (aiming at E_K = {q('comment_E_K_mV', 'mV0')} mV) "
                     f"at {q('V_low_K_mV')} mV, E_K being {q('E_K_low_K_mV')} mV")
    if not parts:
        return [q.say(f"This cell cannot be changed that way; it rests at {q('V_mV')} mV.")]
    return [q.say(f"This cell rests at {q('V_mV')} mV; " + "; ".join(parts) + ": the commenter's "
                  "numbers describe another cell, and each moves V by several mV.")]


def _a_kcc2(q: Quote) -> list[dict[str, Any]]:
    above = "above" if q.get("V_minus_E_K_mV") > 0 else "below"
    out = [q.say(
        f"K+ is not at equilibrium at rest: V ({q('V_mV')} mV) sits {q('V_minus_E_K_mV', 'abs2')} mV "
        f"{above} E_K ({q('E_K_mV')} mV)" + (f", so {q('K_leak_out_ions_s', 'abscount')} K+ ions/s leak "
                                              "out." if "K_leak_out_ions_s" in q.get("") else "."))]
    if "kcc2_Cl_out_ions_s" in q.get(""):
        out.append(q.say(
            f"KCC2 moves {q('kcc2_Cl_out_ions_s', 'count')} Cl- ions/s out with K+ because E_Cl "
            f"({q('E_Cl_mV')} mV) is still {q('E_Cl_minus_E_K_mV', 'abs2')} mV above E_K: the K+ "
            "gradient pays for pushing Cl- uphill."))
    return out


def _a_calcium(q: Quote) -> list[dict[str, Any]]:
    out = [q.say(
        f"E_Ca = {q('E_Ca_mV')} mV means Ca2+ ({q('Ca_in_mM', 'sig2')} mM in, "
        f"{q('Ca_out_mM', 'sig2')} mM out) would be at equilibrium only if the inside were that "
        "positive; at any lower V it is pushed in.")]
    n = q.get("")
    if "leak_Ca_out_test_ions_s" in n and "ncx_Ca_out_test_ions_s" in n:
        harder = "harder" if n["ncx_Ca_out_test_ions_s"] > n["ncx_Ca_out_rest_ions_s"] else "less"
        out.append(q.say(
            f"At {q('V_test_mV', 'mV0')} mV (driving force {q('driving_force_test_mV')} mV) the Ca2+ leak "
            f"brings in {q('leak_Ca_out_test_ions_s', 'abscount')} ions/s (at rest "
            f"{q('leak_Ca_out_rest_ions_s', 'abscount')}), and NCX, whose reversal potential is "
            f"{q('E_NCX_mV')} mV, pushes Ca2+ out {harder}: {q('ncx_Ca_out_test_ions_s', 'count')} "
            f"ions/s instead of {q('ncx_Ca_out_rest_ions_s', 'count')}."))
    return out


def _a_atp(q: Quote) -> list[dict[str, Any]]:
    atp = q.get("atp_per_s")
    users = [NAMES.get(k, k) for k, v in atp.items() if v > 0]
    free = [k for k in ("kcc2", "ncx") if k in atp]
    out = [q.say(
        f"Only {' and '.join(users) or 'nothing'} uses ATP here ({q('atp_total_per_s', 'count')} "
        "ATP/s at rest)" + (f"; {' and '.join(NAMES[k] for k in free)} use "
                      f"{q('atp_per_s/' + free[0], 'count')}: they spend the K+ and Na+ gradients."
                      if free else "."))]
    n = q.get("")
    if "kcc2_Cl_out_end_ions_s" in n and "ncx_Ca_out_end_ions_s" in n:
        out.append(q.say(
            f"Block the pump for {q('block_time_s', 'time')} and those gradients run down: KCC2's "
            f"Cl- export goes from {q('kcc2_Cl_out_start_ions_s', 'count')} to "
            f"{q('kcc2_Cl_out_end_ions_s', 'count')} ions/s and NCX's Ca2+ export from "
            f"{q('ncx_Ca_out_start_ions_s', 'count')} to {q('ncx_Ca_out_end_ions_s', 'count')} ions/s"
            + (" (negative: it runs in reverse)." if n["ncx_Ca_out_end_ions_s"] < 0 else ".")))
    return out


def _a_chloride(q: Quote) -> list[dict[str, Any]]:
    out = [q.say(
        f"Cl- is negative, so Cl- entering carries an outward current and makes the inside more "
        f"negative; leaving, the opposite. With KCC2 Cl- inside is {q('Cl6_mM', 'sig3')} mM instead "
        f"of {q('Cl5_mM', 'sig3')} mM, and V moves from {q('V5_mV')} to {q('V6_mV')} mV.")]
    if q.get("").get("Cl_leak_out_ions_s") is not None:
        out.append(q.say(
            f"At rest {q('Cl_leak_out_ions_s', 'abscount')} Cl- ions/s leak in, an outward current of "
            f"{q('Cl_leak_current_pA', 'sig2')} pA."))
    return out


def _a_kout(q: Quote) -> list[dict[str, Any]]:
    rises = "rises at every step" if q.get("acute_monotonic") else "does not rise at every step"
    out = [q.say(
        f"Read {q('read_after_s', 'time')} after the bath changes (the acute response, as Hodgkin "
        f"and Katz read it within minutes), V {rises} of K_o: {q('V_acute_mV/0')} mV at "
        f"{q('K_o_mM/0', 'sig2')} mM, {q('V_acute_mV/8')} mV at {q('K_o_mM/8', 'sig3')} mM, "
        f"{q('slope_top_mV', 'sig3')} mV per tenfold at the top, approaching the Nernst slope "
        f"({q('nernst_slope_mV', 'sig3')} mV) as the K+ leak dominates the other currents.")]
    if q.get("V_steady_mV/8") is not None:
        out.append(q.say(
            f"Left for hours (the steady response: the inside re-equilibrates), V is "
            f"{q('V_steady_mV/8')} mV at {q('K_o_mM/8', 'sig3')} mM and "
            + (f"{q('V_steady_mV/0')} mV at {q('K_o_mM/0', 'sig2')} mM."
               if q.get("V_steady_mV/0") is not None else
               f"has no stable state at {q('K_o_mM/0', 'sig2')} mM.")))
    if q.get("turn"):
        out.append(_turn_sentence(q))
    return out


def _turn_sentence(q: Quote) -> dict[str, Any]:
    """The steady curve's turn and why (the numbers of vrest.solve.kout.turn)."""
    rel = q.get("turn").get("pump_low_rel")
    slows = rel is not None and rel < 1.0
    pump = (f"the pump slows (it runs at {q('turn/pump_low_rel', 'pct')} of its control current)"
            if slows else "each pump holds less K+ and keeps up only because Na+ inside has "
            "risen" + (f" (it runs at {q('turn/pump_low_rel', 'pct')} of its control current)"
                       if rel is not None else ""))
    return q.say(
        f"The steady curve turns: below K_o = {q('turn/K_o_turn_mM', 'sig3')} mM V depolarises "
        f"again as K_o falls ({q('turn/V_low_mV')} mV at {q('turn/K_o_low_mM', 'sig2')} mM against "
        f"{q('turn/V_turn_mV')} mV). Why: the pump's K+ sites face the bath, so at low K_o {pump}; "
        f"over hours the inside loses K+ ({q('turn/K_i_low_mM', 'sig3')} mM against "
        f"{q('turn/K_i_mM_control', 'sig3')} mM) and gains Na+ ({q('turn/Na_i_low_mM', 'sig3')} "
        f"against {q('turn/Na_i_mM_control', 'sig3')} mM), and E_K and V follow. The acute curve "
        "has no such turn: the inside has not changed yet.")


ANSWERS: dict[str, Callable[[Quote], list[dict[str, Any]]]] = {
    "what": _a_what, "presets": _a_presets, "anions": _a_anions, "pump_share": _a_pump_share,
    "maintain": _a_maintain, "finite_bath": _a_finite, "amount": _a_amount, "ek90": _a_ek90,
    "kcc2": _a_kcc2, "calcium": _a_calcium, "atp": _a_atp, "chloride": _a_chloride,
    "kout": _a_kout,
}


def answer(data: Mapping[str, Any], i: int) -> list[dict[str, Any]]:
    """Sentences answering question ``i`` of a story dict."""
    q = Quote(data, f"questions/{i}/numbers")
    return ANSWERS[data["questions"][i]["key"]](q)
