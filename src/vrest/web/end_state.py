"""The state an explorer experiment ended in, named in plain words for its explanation.

A Donnan equilibrium when every permeant ion's E has met V (e.g. a day without the pump; Ca2+
is left out where a Ca2+ pump still runs);
still changing when V drifted over the last fifth of the run; otherwise a steady state. Water
moving adds whether the cell swelled or shrank.
"""

from __future__ import annotations

import math
from typing import Any

from vrest.model.cell import Cell
from vrest.web import course

IONS = course.IONS


DONNAN_MV = 2.0  # every permeant ion's E within this of V: a Donnan equilibrium
AWAY_MV = 0.5  # V farther than this from the cell's steady state: still on its way
DRIFT_MV = 0.3  # V moved more than this over the last fifth of the run: still changing


def end_state(cell: Cell, out: dict[str, Any], tc: Any) -> tuple[str, dict[str, Any]]:
    """A sentence naming the state the run ended in, and its numbers."""
    end = out["end"]
    perm, cond = course.leaks(cell)
    # Ca2+ with a running Ca2+ pump (PMCA, ATP-driven) is kept away from its E on purpose: the
    # Donnan state is then that of the other ions
    pumped = ["Ca"] if cell.has("pmca") else []
    permeant = [i for i in IONS if (perm.get(i, 0.0) > 0 or cond.get(i, 0.0) > 0)
                and i not in pumped]
    gaps = [abs(end["E_mV"][i] - end["V_mV"]) for i in permeant
            if math.isfinite(end["E_mV"][i] - end["V_mV"])]
    late = course.index_at(tc.t, 0.8 * float(tc.t[-1]))
    drift = abs(float(tc.V[-1, 0] - tc.V[late, 0]))
    gap = max(gaps) if gaps else None  # None: no leak, so no Donnan state to speak of
    n = {"largest_E_minus_V_mV": gap, "V_drift_last_fifth_mV": drift,
         "volume_change_rel": float(tc.volume_rel[-1, 0] / tc.volume_rel[0, 0])}
    if gap is not None and gap < DONNAN_MV and pumped:
        text = (f"Na+, K+ and Cl- have reached a Donnan equilibrium: each permeant ion's E is "
                f"within {gap:.2g} mV of V, so none of them is driven any more and only the "
                "trapped anions keep V away from 0; Ca2+ alone is still kept out, by its "
                "ATP-driven pump (PMCA), which the experiment did not block.")
    elif gap is not None and gap < DONNAN_MV:
        text = (f"The cell has reached a Donnan equilibrium: every permeant ion's E is within "
                f"{gap:.2g} mV of V, so no ion is driven any more; only the trapped anions keep V "
                "away from 0 and nothing needs energy.")
    elif (target := _steady_V(cell)) is not None and abs(end["V_mV"] - target) > AWAY_MV:
        n["V_steady_mV"] = target
        text = (f"The cell is still changing at the end: V is on its way to the steady state at "
                f"{target:.3g} mV; simulate longer to see it settle.")
    elif drift > DRIFT_MV:
        text = (f"The cell is still changing at the end (V moved {drift:.2g} mV over the last "
                "fifth of the run): simulate longer to see where it settles.")
    else:
        text = "The cell is at a steady state at the end: ions still leak, but every leak is balanced."
    vol = n["volume_change_rel"]  # over this run (a steady start may differ from the preset's)
    if vol > 1.05:
        text += (f" Water followed the ions: the cell swelled to {vol:.3g} times its starting "
                 "volume" + (" (a real cell would burst long before)." if vol > 2 else "."))
    elif vol < 0.95:
        text += f" Water left with the ions: the cell shrank to {vol:.3g} of its starting volume."
    return text, n


def _steady_V(cell: Cell) -> float | None:
    """The steady V of ``cell`` (mV), or None when it has none (e.g. swelling without end)."""
    from vrest.errors import VrestError
    from vrest.solve.steady import steady_state

    try:
        ss = steady_state(cell, raise_on_failure=False)
    except VrestError:  # e.g. gated channels, which the steady-state solver does not take
        return None
    return float(ss.V[0]) if bool(ss.converged[0]) else None
