"""What V is at the model's rest: :func:`vrest.model.what_v.what_v_is` at the steady state.

Every face (``vrest ghk``, ``explain``, ``steady``, ``story`` and the explorer's API) calls
:func:`what_v_at_rest`, so they report the same GHK voltage, Mullins-Noda (or all-currents
zero-current) potential, chord average and model V for the same cell.
"""

from __future__ import annotations

from vrest.model.cell import Cell
from vrest.model.what_v import WhatV, what_v_is
from vrest.solve.steady import SteadyState, steady_state


def what_v_at_rest(cell: Cell, ss: SteadyState | None = None) -> tuple[WhatV, SteadyState]:
    """The four numbers of ``cell`` at its steady state (``ss``, found when not given).

    Raises NoSteadyStateError when the cell has no steady state.
    """
    ss = steady_state(cell) if ss is None else ss
    return what_v_is(cell, ss.state(0)), ss
