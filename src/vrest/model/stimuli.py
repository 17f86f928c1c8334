"""Current-clamp stimuli for protocols: a pulse and a train of pulses, as protocol events.

Each stimulus edge becomes a protocol event (vrest.model.protocol.pulse, .train): it adds a :class:`~vrest.model.mechanisms.stimulus.CurrentClamp` (named ``stim`` unless
named otherwise) at each pulse's start with the pulse's current, and replaces it by one with
0 uA/cm^2 at its end. The current (uA/cm^2, positive into the cell) is carried by an ion
(default K+, as from a KCl-filled electrode), so charge and ions stay conserved through it.
In a protocol file: ``[[stimulus]]`` with ``t`` (s), ``amplitude`` (uA/cm^2), ``duration`` (s)
and, for a train, ``count`` and ``interval`` (s, start to start); optional ``ion``, ``name``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from vrest.errors import ParameterError, PresetError
from vrest.model.mechanisms.stimulus import CurrentClamp

#: One edge of a stimulus: (time in s, the current clamp from then on, label).
Edge = tuple[float, CurrentClamp, str]


def edges(t: float, amplitude: float, duration: float, count: int = 1,
          interval: float | None = None, ion: str = "K", name: str = "stim") -> list[Edge]:
    """The edges of ``count`` pulses of ``amplitude`` uA/cm^2 and ``duration`` s, one every
    ``interval`` s (start to start; default ``duration``) from ``t`` (vrest.model.protocol turns
    them into events: ``pulse``, ``train``)."""
    interval = duration if interval is None else interval
    for key, value in (("t", t), ("duration", duration), ("interval", interval)):
        if not np.isfinite(value) or value < 0 or (key != "t" and value <= 0):
            raise ParameterError(f"stimulus {key}: {value!r} s is not allowed; must be finite and "
                                 f"{'>= 0' if key == 't' else '> 0'}")
    if int(count) != count or count < 1:
        raise ParameterError(f"stimulus count: {count!r} is not allowed; must be a whole number >= 1")
    if count > 1 and interval <= duration:
        raise ParameterError(f"stimulus interval: {interval:g} s is not allowed; must be longer "
                             f"than the pulse ({duration:g} s)")
    on, off = CurrentClamp(name=name, ion=ion, I=amplitude), CurrentClamp(name=name, ion=ion, I=0.0)
    out: list[Edge] = []
    for k in range(int(count)):
        start = t + k * interval
        out += [(start, on, f"pulse {amplitude:g} uA/cm^2"), (start + duration, off, "")]
    return out


def from_dict(data: Mapping[str, Any], where: str) -> list[Edge]:
    """Edges of one ``[[stimulus]]`` table of a protocol file."""
    allowed = {"t", "amplitude", "duration", "count", "interval", "ion", "name"}
    extra = set(data) - allowed
    if extra:
        raise PresetError(f"{where}: unknown keys {sorted(extra)}; allowed: {sorted(allowed)}")
    missing = {"t", "amplitude", "duration"} - set(data)
    if missing:
        raise PresetError(f"{where}: needs {', '.join(sorted(missing))}")
    try:
        count = data.get("count", 1)
        return edges(float(data["t"]), float(data["amplitude"]), float(data["duration"]),
                     int(count) if float(count) == int(count) else count,
                     float(data.get("interval", data["duration"])), ion=str(data.get("ion", "K")),
                     name=str(data.get("name", "stim")))
    except (TypeError, ValueError) as exc:
        raise PresetError(f"{where}: malformed ({exc})") from None
