"""Two classic questions the story's report answers after the viewers' ones: the sign
convention of Hodgkin and Huxley's papers against today's, and what an action potential
changes. Numbers come from the narrated story (the "what is a resting potential" answer).
"""

from __future__ import annotations

from typing import Any

from vrest.story.quote import FORMATS


def _numbers(data: dict[str, Any]) -> dict[str, Any]:
    for q in data.get("questions", []):
        if q.get("key") == "what":
            return q.get("numbers", {})
    return {}


def two_questions(data: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """(question, paragraphs) for the sign convention and the action potential."""
    n = _numbers(data)
    v = n.get("V_mV", data["real"]["end"]["V_mV"])
    sign = ("Why do Hodgkin and Huxley's 1952 papers show the resting potential near 0 and a "
            "spike going negative?", [
                "They measured V the other way round: outside minus inside, and counted it from "
                "rest, so a depolarisation was negative. Today V is the inside minus the outside, "
                f"as everywhere in vrest: this cell rests at {FORMATS['mV'](v)} mV and a spike "
                "peaks near +30 mV.",
                f"Written their way, the same cell would read {FORMATS['mV'](-v)} mV "
                "(outside minus inside) or 0 mV (counted from rest). Only the direction of "
                "measurement changed, not the physics; the explorer's 'V as outside - inside' "
                "switch shows every potential flipped."])
    ions = n.get("ions_on_membrane")
    share = n.get("fraction_of_K")
    count = (f" At rest the membrane holds {FORMATS['count'](ions)} ions' worth of charge, "
             f"{FORMATS['pct'](share)} of the K+ inside; a spike of about 100 mV moves of the "
             "order of that number again." if ions is not None and share is not None else "")
    spike = ("What does an action potential change?", [
        "Which channels are open, for about a millisecond: first Na+ channels (V moves towards "
        "E_Na), then K+ channels (V returns towards E_K). The permeabilities change; the "
        "gradients, and so the E's, barely do." + count,
        "The inside concentrations therefore stay put, and the pump returns the few ions later at "
        "its own pace; only thousands of spikes in a row, or a very thin axon, shift the "
        "gradients noticeably."])
    return [sign, spike]
