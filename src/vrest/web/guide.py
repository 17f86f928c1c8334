"""The guided mode: the steps of `vrest story` (vrest.story), as the page shows them.

The page walks through the same computed steps as the story report (one simulation per
imaginary step of the lecture, each from the previous step's end state, then the real case,
everything at once), with the same numbers and the same generated sentences; this module only
reshapes them for the page: per step its title, the lecture's claim and figures, the model's
mechanisms, the end-state numbers, the sentences, and V with the E's over time.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from vrest.story import steps as story
from vrest.story import text as story_text
from vrest.web import course

IONS = course.IONS
POINTS = 120  # trace points per step sent to the page


@lru_cache(maxsize=16)
def steps(preset: str) -> dict[str, Any]:
    """GET /api/guide: every step with its series, numbers, the lecture's figure and sentences."""
    data = story_text.narrate(story.run_story(preset).to_dict(points=POINTS))
    what = {m["name"]: m["what"] for m in data["mechanisms"]}
    items = [*data["steps"], data["real"]]
    return {"preset": data["preset"], "title": data["title"],
            "steps": [_step(k, st, what) for k, st in enumerate(items)]}


def _step(k: int, st: dict[str, Any], what: dict[str, str]) -> dict[str, Any]:
    end = st["end"]
    numbers = {"V_end_mV": float(end["V_mV"]),
               **{f"E_{ion}_mV": float(end["E_mV"][ion]) for ion in IONS},
               **{f"{ion}_i_mM": float(end["inside_mM"][ion]) for ion in IONS},
               "atp_per_s": float(st["atp_per_s"])}
    lecture = "; ".join(f"{x['quantity']}: {_figure(x['lecture'], x['unit'])}"
                        for x in st.get("lecture") or []) or "-"
    claim = st.get("claim") or {}  # the real case and some papers' steps have no lecture claim
    return {"step": k, "key": st["key"], "title": st["title"], "what": claim.get("text", ""),
            "lecture": lecture, "mechanisms": [what.get(n, n) for n in st["active"]],
            "numbers": numbers, "text": " ".join(s["text"] for s in st["sentences"]),
            "series": _series(st["trace"])}


def _figure(value: float, unit: str) -> str:
    return f"{value:g}" if unit == "1" else f"{value:g} {unit}"


def _series(trace: dict[str, Any]) -> dict[str, list[float]]:
    """V and the E's against time, t > 0 only (the page's time axis is logarithmic)."""
    t = np.asarray(trace["t_s"], dtype=float)
    keep = t > 0
    out = {"t": t[keep].tolist(), "V": np.asarray(trace["V_mV"])[keep].tolist()}
    for ion in IONS:
        out[f"E_{ion}"] = np.asarray(trace["E_mV"][ion])[keep].tolist()
    return out
