"""Sentences for ``vrest story``, generated from the story's numbers.

:func:`narrate` takes the plain dict of :meth:`vrest.story.Story.to_dict` and adds, to every step,
the lecture's claim and two or more sentences saying what happened and why; to every question an
answer; and a short summary. Each sentence is ``{"text": ..., "refs": [...]}`` where every ref
names the JSON path of a number it quotes, the format used and the text shown, so that anyone
(and the tests) can check that every number in the report comes from the JSON. Wording changes
with the numbers (directions, comparisons), never the other way round.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Mapping
from typing import Any

ION_LABEL = {"Na": "Na+", "K": "K+", "Cl": "Cl-", "Ca": "Ca2+"}
NAMES = {"pump": "the Na+/K+ pump", "kcc2": "KCC2", "ncx": "NCX", "pmca": "the Ca2+ pump (PMCA)",
         "nkcc1": "NKCC1", "anion_source": "the anion source", "water": "water flow"}


# ------------------------------------------------------------------------------- formats


def _sig(x: float, n: int = 3) -> str:
    """x with n significant digits; exponents written compactly (1.5e-5, 3.4e11)."""
    if x == 0 or not math.isfinite(x):
        return "0" if x == 0 else str(x)
    if 1e-4 <= abs(x) < 1e6:
        text = _plain(x, n)
        return text.rstrip("0").rstrip(".") if "." in text else text
    text = f"{x:.{n}g}"
    if "e" in text:
        mant, exp = text.split("e")
        text = f"{mant}e{int(exp)}"
    return text


def _mv(x: float) -> str:
    """A potential: signed, one decimal ('-65.7', '+50.4', '0.0')."""
    text = f"{x:+.1f}"
    return "0.0" if text in ("+0.0", "-0.0") else text


def _plain(x: float, n: int = 2) -> str:
    """x rounded to n significant digits, written without an exponent ('270', '0.65')."""
    if x == 0:
        return "0"
    digits = n - 1 - math.floor(math.log10(abs(x)))
    return f"{round(x, digits):,.{max(0, digits)}f}"


def _count(x: float) -> str:
    """A number of ions or molecules, in words for large ones ('5.5 million', '390,000')."""
    a = abs(x)
    if a >= 1e15:
        return _sig(x, 2)
    for size, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if a >= size:
            return f"{_plain(x / size)} {word}"
    return _plain(x) if a >= 1 else _sig(x, 2)


def _time(seconds: float) -> str:
    """A duration in the unit that suits it (ms, s, min, h)."""
    for limit, factor, unit in ((1.0, 1e-3, "ms"), (120.0, 1.0, "s"), (7200.0, 60.0, "min")):
        if seconds < limit:
            return f"{_sig(seconds / factor, 2)} {unit}"
    return f"{_sig(seconds / 3600.0, 2)} h"


FORMATS: dict[str, Callable[[Any], str]] = {
    "mV": _mv,
    "sig2": lambda x: _sig(x, 2),
    "sig3": lambda x: _sig(x, 3),
    "abs2": lambda x: _sig(abs(x), 2),
    "abscount": lambda x: _count(abs(x)),
    "mV0": lambda x: "0" if round(x) == 0 else f"{x:+.0f}",
    "count": _count,
    "pct": lambda x: f"{_sig(100.0 * x, 2)}%",  # a fraction, shown in percent
    "time": _time,
    "text": str,
}


def lookup(data: Any, path: str) -> Any:
    """The value at ``path`` ('steps/3/end/V_mV') in nested dicts and lists."""
    node = data
    for part in path.strip("/").split("/"):
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


class Quote:
    """Formats numbers found at JSON paths and remembers them for the sentence being written."""

    def __init__(self, data: Mapping[str, Any], base: str = "") -> None:
        self.data = data
        self.base = base.strip("/")
        self.refs: list[dict[str, str]] = []

    def __call__(self, path: str, fmt: str = "mV") -> str:
        full = path.strip("/") if path.startswith("/") or not self.base else f"{self.base}/{path}"
        shown = FORMATS[fmt](lookup(self.data, full))
        self.refs.append({"path": full, "format": fmt, "shown": shown})
        return shown

    def get(self, path: str) -> Any:
        """The raw value (for choosing words, not for quoting)."""
        full = path.strip("/") if path.startswith("/") or not self.base else f"{self.base}/{path}"
        return lookup(self.data, full)

    def say(self, text: str) -> dict[str, Any]:
        """A finished sentence with the numbers it quotes."""
        out = {"text": text, "refs": self.refs}
        self.refs = []
        return out


# ------------------------------------------------------------------------------- claims


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


def _s0(q: Quote) -> list[dict[str, Any]]:
    out = [q.say(f"Inside and outside hold the same {_ions_list(q, 'end')}, so every E is "
                 f"{q('end/E_mV/K')} mV and V = {q('end/V_mV')} mV.")]
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
    if an.get("pump_share_mV") is not None:
        mn = (f"; with the pump's 3:2 ratio (Mullins-Noda) {q('analysis/mullins_noda_mV')} mV"
              if "mullins_noda_mV" in an else "")
        out.append(q.say(
            f"The leaks alone would rest at the GHK value {q('analysis/V_leaks_mV')} mV{mn}; the "
            f"pump's direct electrogenic share is {q('analysis/pump_share_mV')} mV (the lecture: "
            f"{q('/lecture_numbers/pump_share_lo_mV', 'sig2')} to "
            f"{q('/lecture_numbers/pump_share_hi_mV', 'sig2')} mV; a commenter: "
            f"{q('/lecture_numbers/comment_pump_share_lo_mV', 'sig2')} to "
            f"{q('/lecture_numbers/comment_pump_share_hi_mV', 'sig2')} mV)."))
    if len(an.get("weights", {})) > 1:
        out.append(q.say(
            f"Averaging the E's weighted by {an['weighted_by']} (the lecture's words) gives "
            f"{q('analysis/weighted_average_mV')} mV, weighted by the actual (chord) conductances "
            f"{q('analysis/chord_mV')} mV: V is a conductance-weighted average, and a channel's "
            "conductance depends on the concentrations, not only on its permeability."))
    if q.get("atp_per_s") > 0:
        out.append(q.say(f"ATP used: {q('atp_per_s', 'count')} molecules per second."))
    return out


STEP_SENTENCES: dict[str, Callable[[Quote], list[dict[str, Any]]]] = {
    "0": _s0, "1a": _s1a, "1b": _s1b, "2": _s2, "3": _s3, "4": _s4, "5": _s5, "6": _s6,
    "7": _s7, "real": _s_real,
}


def _step_sentences(data: dict[str, Any], base: str) -> tuple[Any, list[dict[str, Any]]]:
    q = Quote(data, base)
    step = lookup(data, base)
    if step["skipped"]:
        return None, [q.say(f"Nothing to add: {step['skipped']}.")]
    claim = _claim(q, step["key"])
    body = STEP_SENTENCES.get(step["key"], _s_other)(q)
    return claim, body + _disputed(q)


def _s_other(q: Quote) -> list[dict[str, Any]]:
    return [q.say(f"V goes from {q('start/V_mV')} to {q('end/V_mV')} mV in {q('duration_s', 'time')}.")]


# ------------------------------------------------------------------------------- questions


def narrate(story: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``story`` (Story.to_dict()) with claims, sentences, answers and a summary."""
    data = copy.deepcopy(dict(story))
    for i, _ in enumerate(data["steps"]):
        claim, body = _step_sentences(data, f"steps/{i}")
        data["steps"][i]["claim"], data["steps"][i]["sentences"] = claim, body
    claim, body = _step_sentences(data, "real")
    data["real"]["claim"], data["real"]["sentences"] = claim, body
    for i, _ in enumerate(data.get("questions", [])):
        data["questions"][i]["answer"] = answer(data, i)
    return data


def sentences(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every sentence of a narrated story (claims, step sentences, answers), in report order."""
    out: list[dict[str, Any]] = []
    for step in [*data["steps"], data["real"]]:
        out += [step["claim"]] if step.get("claim") else []
        out += step.get("sentences", [])
    for q in data.get("questions", []):
        out += q.get("answer", [])
    return out


def _a_what(q: Quote) -> list[dict[str, Any]]:
    out = [q.say(
        f"At rest the inside is {q('V_mV')} mV relative to the outside, and that takes only "
        f"{q('ions_on_membrane', 'count')} ions' worth of charge on the membrane, "
        f"{q('fraction_of_K', 'pct')} of the cell's K+: the potential is a thin layer of charge at "
        "the membrane, not a change of the bulk concentrations.")]
    if q.get("K_leak_pA") is not None and q.get("Na_leak_pA") is not None and \
            q.get("pump_pA") is not None:
        out.append(q.say(
            f"It stays because the currents cancel: K+ leaks out ({q('K_leak_pA', 'sig3')} pA), Na+ "
            f"leaks in ({q('Na_leak_pA', 'sig3')} pA) and the pump ({q('pump_pA', 'sig3')} pA), "
            f"burning {q('atp_per_s', 'count')} ATP/s, keeps the gradients that drive them; the net "
            f"current is {q('net_current_pA', 'sig2')} pA."))
    return out


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


ANSWERS: dict[str, Callable[[Quote], list[dict[str, Any]]]] = {
    "what": _a_what, "presets": _a_presets, "anions": _a_anions, "pump_share": _a_pump_share,
    "maintain": _a_maintain, "finite_bath": _a_finite, "amount": _a_amount, "ek90": _a_ek90,
    "kcc2": _a_kcc2, "calcium": _a_calcium, "atp": _a_atp, "chloride": _a_chloride,
}


def answer(data: Mapping[str, Any], i: int) -> list[dict[str, Any]]:
    """Sentences answering question ``i`` of a story dict."""
    q = Quote(data, f"questions/{i}/numbers")
    return ANSWERS[data["questions"][i]["key"]](q)
