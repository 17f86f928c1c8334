"""The sentences of each step of the story: the lecture's claim and what happened and why,
worded from the step's numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from vrest.story.quote import ION_LABEL, Quote, lookup


def _claim(q: Quote, key: str) -> dict[str, Any] | None:
    L = "/lecture_numbers/"  # noqa: N806
    texts: dict[str, Callable[[], str]] = {
        "0": lambda: f"The lecture starts with equal concentrations inside and out, so V = "
                     f"{q(L + 'V_start_mV', 'mV0')} mV.",
        "1a": lambda: "The lecture: the neuron makes organic anions that cannot leave, and this "
                      f"alone gives a small potential, maybe {q(L + 'V_anions_mV', 'mV0')} mV.",
        "1b": lambda: "A commenter: making anions alone cannot create a potential without "
                      f"breaking conservation of charge (the lecture says {q(L + 'V_anions_mV', 'mV0')} mV).",
        "2": lambda: f"The lecture: the pump moves {q(L + 'pump_Na_out', 'sig2')} Na+ out and "
                     f"{q(L + 'pump_K_in', 'sig2')} K+ in per ATP, adds a little negativity (maybe "
                     f"{q(L + 'V_pump_total_mV', 'mV0')} mV in total) and mainly builds the gradients.",
        "3": lambda: "The lecture: K+ leaves through always-open channels until V reaches E_K "
                     f"(around {q(L + 'E_K_mV', 'mV0')} mV), and less than {q(L + 'K_fraction_max', 'pct')} "
                     "of the cell's K+ has to leave.",
        "4": lambda: f"The lecture: Na+ leaks in with P_Na = {q(L + 'P_Na_rel', 'sig2')} P_K, so V "
                     f"settles near {q(L + 'V_rest_mV', 'mV0')} mV, between E_K and E_Na (around "
                     f"{q(L + 'E_Na_mV', 'mV0')} mV), with K+ dribbling out, Na+ in and the pump balancing them.",
        "5": lambda: f"The lecture: with P_Cl = {q(L + 'P_Cl_rel', 'sig2')} P_K, Cl- is distributed "
                     f"passively by V, so E_Cl ends near V (about {q(L + 'E_Cl_no_kcc2_mV', 'mV0')} mV).",
        "6": lambda: "The lecture: KCC2 spends K+'s outward gradient to push Cl- out, so E_Cl "
                     f"is about {q(L + 'E_Cl_mV', 'mV0')} mV, a bit below rest, and V shifts slightly down.",
        "7": lambda: "The lecture: NCX spends Na+'s inward gradient to push Ca2+ out, E_Ca is about "
                     f"{q(L + 'E_Ca_mV', 'mV0')} mV, and the tiny Ca2+ permeability leaves V almost unchanged.",
        "real": lambda: "The lecture: in reality all these steps happen at once, and V rests near "
                        f"{q(L + 'V_rest_mV', 'mV0')} mV.",
    }
    return q.say(texts[key]()) if key in texts else None


# ------------------------------------------------------------------------------- step sentences


def _ions_list(q: Quote, where: str) -> str:
    parts = [f"{q(f'{where}/inside_mM/{i}', 'sig3')} mM {ION_LABEL[i]}" for i in ION_LABEL]
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _same(q: Quote, ion: str) -> bool:
    c_in, c_out = q.get(f"end/inside_mM/{ion}"), q.get(f"end/outside_mM/{ion}")
    return abs(c_in - c_out) <= 1e-9 * max(abs(c_in), abs(c_out))


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _s0(q: Quote) -> list[dict[str, Any]]:
    same = [i for i in ION_LABEL if _same(q, i)]
    differ = [i for i in ION_LABEL if i not in same]
    if not differ:
        out = [q.say(f"Inside and outside hold the same {_ions_list(q, 'end')}, so every E is "
                     f"{q('end/E_mV/K')} mV and V = {q('end/V_mV')} mV.")]
    else:
        diffs = _join([f"{ION_LABEL[i]} ({q(f'end/inside_mM/{i}', 'sig3')} mM inside, "
                       f"{q(f'end/outside_mM/{i}', 'sig3')} mM outside, E_{i} = "
                       f"{q(f'end/E_mV/{i}')} mV)" for i in differ])
        same_text = (f"{_join([ION_LABEL[i] for i in same])} are the same inside and out "
                     f"(E = {q(f'end/E_mV/{same[0]}')} mV); " if same else "")
        out = [q.say(
            f"The cell starts with {_ions_list(q, 'end')} inside: {same_text}{diffs} "
            f"cannot be, because the bath's listed anions exceed its cations by "
            f"{q('extra/bath_charge_gap_mM', 'abs2')} mM (its other cations, such as Mg2+, are "
            f"not modelled) and the start must be neutral. V = {q('end/V_mV')} mV.")]
    if q.get("extra/bath_charge_gap_mM") > 0:
        out.append(q.say(
            f"The bath's listed ions carry {q('extra/bath_charge_gap_mM', 'sig3')} mM more positive "
            "than negative charge (its other anions, such as HCO3-, are not modelled), so "
            f"{q('extra/other_anions_mM', 'sig3')} mM of such 'other anions' sit inside too."))
    return out


def _s1a(q: Quote) -> list[dict[str, Any]]:
    return [
        q.say(f"To make V = {q('end/V_mV')} mV with bare anions the cell needs only "
              f"{q('extra/anions_count', 'count')} of them: {q('extra/anions_mM', 'sig2')} mM, "
              f"{q('extra/anions_fraction_of_real', 'pct')} of the "
              f"{q('extra/anions_real_mM', 'sig3')} mM it really holds."),
        q.say(f"Made without counter-charges, those {q('extra/anions_real_mM', 'sig3')} mM would put "
              f"V at {q('extra/V_if_real_amount_bare_mV', 'count')} mV: a cell builds anions from "
              "neutral molecules, so the lecture's step breaks conservation of charge."),
    ]


def _s1b(q: Quote) -> list[dict[str, Any]]:
    return [
        q.say(f"Made with a K+ counter-ion per charge, {q('extra/anions_mM', 'sig3')} mM of anions "
              f"({q('extra/anions_count', 'count')} ions) leave V at {q('end/V_mV')} mV: the "
              "commenter is right, no potential arises."),
        q.say(f"But the counter-ions raise K+ inside from {q('start/inside_mM/K', 'sig3')} to "
              f"{q('end/inside_mM/K', 'sig3')} mM, so E_K is already {q('end/E_mV/K')} mV: trapped "
              "anions hold K+ inside."),
    ]


def _index(data: Mapping[str, Any], key: str) -> int:
    """Position of the step called ``key`` in data["steps"]."""
    return next(i for i, s in enumerate(data["steps"]) if s["key"] == key)


def _s2(q: Quote) -> list[dict[str, Any]]:
    step4 = f"/steps/{_index(q.data, '4')}/key"
    return [
        q.say(f"Alone, the pump drives {q('extra/pump_current_pA', 'sig3')} pA of outward current "
              f"that nothing carries back, so V falls {q('extra/charging_rate_mV_per_ms', 'sig3')} mV "
              f"every millisecond and reaches {q('end/V_mV')} mV after "
              f"{q('extra/time_to_target_s', 'time')}."),
        q.say(f"By then it has moved only {q('moved/Na/fraction', 'pct')} of the Na+; moving the "
              f"{q('extra/Na_needed_mM', 'sig3')} mM the gradient needs this way would take V to "
              f"{q('extra/V_if_gradient_built_alone_mV', 'count')} mV, so the pump cannot build "
              "gradients alone: in the model they are built once leaks carry its charge back "
              f"(step {q(step4, 'text')})."),
    ]


def _s3(q: Quote) -> list[dict[str, Any]]:
    out = [
        q.say(f"The K+ leak alone takes V from {q('start/V_mV')} to {q('end/V_mV')} mV, where "
              f"E_K = {q('end/E_mV/K')} mV, in {q('settle_s', 'time')}."),
        q.say(f"Only {q('moved/K/ions', 'count')} K+ ions left: {q('moved/K/fraction', 'pct')} of "
              f"the cell's K+ (the lecture's bound: {q('/lecture_numbers/K_fraction_max', 'pct')})."),
    ]
    if abs(q.get("end/E_mV/K") - q.get("/lecture_numbers/E_K_mV")) > 1.0:
        out.append(q.say(
            f"E_K is {q('end/E_mV/K')} mV rather than the lecture's {q('/lecture_numbers/E_K_mV', 'mV0')} mV "
            f"because the K+ inside ({q('end/inside_mM/K', 'sig3')} mM) is still only what the "
            "anions' counter-ions brought."))
    if q.get("extra").get("V_with_pump_mV") is not None:
        out.append(q.say(
            "The pump is paused here, as the lecture's step looks at K+ alone: running, with no "
            f"Na+ leak to return its charge, it would hold V at {q('extra/V_with_pump_mV')} mV."))
    return out


def _flux(q: Quote, mech: str, ion: str) -> str:
    return q(f"fluxes_ions_s/{mech}/{ion}", "abscount")


def _pump_names(q: Quote) -> str | None:
    return next((n for n in q.get("fluxes_ions_s") if n == "pump"), None)


def _s4(q: Quote) -> list[dict[str, Any]]:
    e = q.get("end/E_mV")
    v = q.get("end/V_mV")
    closer = "E_K" if abs(v - e["K"]) < abs(v - e["Na"]) else "E_Na"
    between = "between" if e["K"] < v < e["Na"] else "outside the range of"
    out = [
        q.say(f"With the Na+ leak and the pump the gradients build over {q('settle_s', 'time')}: "
              f"Na+ inside goes from {q('start/inside_mM/Na', 'sig3')} to "
              f"{q('end/inside_mM/Na', 'sig3')} mM and K+ from {q('start/inside_mM/K', 'sig3')} to "
              f"{q('end/inside_mM/K', 'sig3')} mM."),
        q.say(f"V settles at {q('end/V_mV')} mV, {between} E_K ({q('end/E_mV/K')} mV) and E_Na "
              f"({q('end/E_mV/Na')} mV), closer to {closer}."),
    ]
    if "leak.K" in q.get("fluxes_ions_s") and "leak.Na" in q.get("fluxes_ions_s"):
        pump = _pump_names(q)
        tail = (f", and the pump's {q('atp_per_s', 'count')} ATP/s balance both" if pump else "")
        out.append(q.say(
            f"Neither ion is at equilibrium: {_flux(q, 'leak.K', 'K')} K+ ions/s leak out and "
            f"{_flux(q, 'leak.Na', 'Na')} Na+ ions/s leak in{tail}."))
    if q.get("end/inside_mM/Cl") > 2.0 * q.get("/real/end/inside_mM/Cl") and \
            q.get("end/inside_mM/K") > q.get("/real/end/inside_mM/K"):
        out.append(q.say(
            f"K+ inside is {q('end/inside_mM/K', 'sig3')} mM here, not "
            f"{q('/real/end/inside_mM/K', 'sig3')}, because {q('end/inside_mM/Cl', 'sig3')} mM of "
            "Cl- is still inside (no Cl- path yet) and needs positive charge to balance it."))
    return out


def _s5(q: Quote) -> list[dict[str, Any]]:
    return [
        q.say(f"Through its leak Cl- leaves, from {q('start/inside_mM/Cl', 'sig3')} to "
              f"{q('end/inside_mM/Cl', 'sig3')} mM inside, taking K+ with it, over "
              f"{q('settle_s', 'time')}; V goes from {q('start/V_mV')} to {q('end/V_mV')} mV."),
        q.say(f"E_Cl ends at {q('end/E_mV/Cl')} mV, {q('extra/E_Cl_minus_V_mV', 'abs2')} mV from V: "
              "Cl- is distributed passively, as the lecture says."),
    ]


def _s6(q: Quote) -> list[dict[str, Any]]:
    out = [
        q.say(f"KCC2 pushes Cl- out together with K+: Cl- inside falls from "
              f"{q('start/inside_mM/Cl', 'sig3')} to {q('end/inside_mM/Cl', 'sig3')} mM and E_Cl from "
              f"{q('start/E_mV/Cl')} to {q('end/E_mV/Cl')} mV, {q('extra/E_Cl_minus_V_mV', 'abs2')} mV "
              f"{'below' if q.get('extra/E_Cl_minus_V_mV') < 0 else 'above'} V."),
    ]
    if "leak.Cl" in q.get("fluxes_ions_s"):
        direction = "in" if q.get("fluxes_ions_s/leak.Cl/Cl") < 0 else "out"
        out.append(q.say(
            f"The Cl- leak now lets {_flux(q, 'leak.Cl', 'Cl')} Cl- ions/s back {direction}, which "
            f"moves V from {q('start/V_mV')} to {q('end/V_mV')} mV "
            f"({q('extra/dV_mV', 'sig2')} mV)."))
    return out


def _s7(q: Quote) -> list[dict[str, Any]]:
    x = q.get("extra")
    out = [q.say(f"Ca2+ inside falls from {q('start/inside_mM/Ca', 'sig3')} to "
                 f"{q('end/inside_mM/Ca', 'sig3')} mM over {q('settle_s', 'time')}, so E_Ca = "
                 f"{q('end/E_mV/Ca')} mV (the lecture: {q('/lecture_numbers/E_Ca_mV', 'mV0')} mV).")]
    if "E_Ca_ncx_limit_mV" in x:
        out.append(q.say(
            f"NCX stops at its own equilibrium, where E_Ca = ({q('extra/ncx_Na_per_Ca', 'sig2')} E_Na "
            f"- V)/{q('extra/z_Ca', 'sig2')} = {q('extra/E_Ca_ncx_limit_mV')} mV: E_Ca can only be "
            f"as high as E_Na ({q('end/E_mV/Na')} mV) and V allow."))
    if x.get("share_leak_Ca_mV") is not None:
        out.append(q.say(
            f"Without the Ca2+ leak's current V would differ by only "
            f"{q('extra/share_leak_Ca_mV', 'sig2')} mV: Ca2+ barely affects V."))
    return out


def _s_real(q: Quote) -> list[dict[str, Any]]:
    return [
        q.say(f"All at once from step {q('/steps/0/key', 'text')}, the cell reaches its rest in "
              f"{q('settle_s', 'time')} (one after another the steps took "
              f"{q('extra/stepwise_settle_total_s', 'time')}), with V = {q('end/V_mV')} mV."),
        q.say(f"That is the stepwise end state: V differs by {q('extra/dV_vs_stepwise_mV', 'sig2')} mV "
              f"and no concentration by more than {q('extra/max_rel_dc_vs_stepwise', 'pct')}, because "
              "at rest only the trapped anions and the bath fix the state, not the path."),
    ]


def _disputed(q: Quote) -> list[dict[str, Any]]:
    """GHK against the averages, and the pump's direct share: in full for step 4 and the real
    case, in one sentence for the others."""
    an = q.get("analysis")
    if not an or an.get("V_leaks_mV") is None:
        return []
    if q.get("key") not in ("4", "real"):
        share = (f", the pump's direct share {q('analysis/pump_share_mV')} mV"
                 if an.get("pump_share_mV") is not None else "")
        return [q.say(
            f"GHK value of the leaks {q('analysis/V_leaks_mV')} mV{share}; the E's averaged by "
            f"{an['weighted_by']} give {q('analysis/weighted_average_mV')} mV, by conductance "
            f"{q('analysis/chord_mV')} mV; {q('atp_per_s', 'count')} ATP/s.")]
    out = []
    wv = an.get("what_v") or {}
    if wv.get("with_pump_mV") is not None:
        out.append(q.say(
            f"The leaks alone would rest at their GHK voltage {q('analysis/V_leaks_mV')} mV; with "
            f"the pump's current ({q('analysis/what_v/with_pump_label', 'text')}) the "
            "zero-current potential is "
            f"{q('analysis/what_v/with_pump_mV')} mV, and the model's V is "
            f"{q('analysis/what_v/V_mV')} mV."))
    if an.get("pump_share_mV") is not None:
        out.append(q.say(
            f"The pump's direct electrogenic share is {q('analysis/pump_share_mV')} mV (the lecture: "
            f"{q('/lecture_numbers/pump_share_lo_mV', 'sig2')} to "
            f"{q('/lecture_numbers/pump_share_hi_mV', 'sig2')} mV; a commenter: "
            f"{q('/lecture_numbers/comment_pump_share_lo_mV', 'sig2')} to "
            f"{q('/lecture_numbers/comment_pump_share_hi_mV', 'sig2')} mV)."))
    if len(an.get("weights", {})) > 1 and wv.get("chord_mV") is not None:
        out.append(q.say(
            "The GHK voltage is not a weighted average of the E's; the chord formula is: the E's "
            "weighted by the leaks' conductances at the operating point give "
            f"{q('analysis/chord_mV')} mV, and the other currents shift V from it by "
            f"{q('analysis/what_v/nonleak_shift_mV', 'sig2')} mV. The lecture's average weighted by "
            f"{an['weighted_by']} gives {q('analysis/weighted_average_mV')} mV, an approximation "
            f"off by {q('analysis/what_v/lecture_error_mV', 'sig2')} mV: a channel's conductance "
            "depends on the concentrations and on V, not only on its permeability."))
    if q.get("atp_per_s") > 0:
        out.append(q.say(f"ATP used: {q('atp_per_s', 'count')} molecules per second."))
    return out


STEP_SENTENCES: dict[str, Callable[[Quote], list[dict[str, Any]]]] = {
    "0": _s0, "1a": _s1a, "1b": _s1b, "2": _s2, "3": _s3, "4": _s4, "5": _s5, "6": _s6,
    "7": _s7, "real": _s_real,
}


def step_sentences(data: dict[str, Any], base: str) -> tuple[Any, list[dict[str, Any]]]:
    q = Quote(data, base)
    step = lookup(data, base)
    if step["skipped"]:
        return None, [q.say(f"Nothing to add: {step['skipped']}.")]
    claim = _claim(q, step["key"])
    body = STEP_SENTENCES.get(step["key"], _s_other)(q)
    return claim, body + _disputed(q)


def _s_other(q: Quote) -> list[dict[str, Any]]:
    return [q.say(f"V goes from {q('start/V_mV')} to {q('end/V_mV')} mV in {q('duration_s', 'time')}.")]
