"""Protocols: timed changes applied to a cell during a simulation.

An :class:`Event` at time ``t`` (s) may
- ``set`` parameters to absolute values (``{"bath.K": 10}``, ``{"cell.temperature": 20}``);
- ``scale`` mechanisms' rates relative to the starting cell (``{"pump": 0}`` blocks the pump,
  ``{"pump": 1}`` restores it);
- ``restore`` parameters to the starting cell's values (in a sweep: each cell's own value);
- ``replace`` a bath ion isosmotically (``("K", 50.0, "Na")``: K+ to 50 mM, Na+ down by as much);
- ``add`` mechanisms or ``remove`` them by name.
Current-clamp stimuli (a pulse, a train) are events that add a current clamp
(vrest.model.stimuli; ``[[stimulus]]`` tables in protocol files).
Events are cumulative; each is described relative to the protocol's starting cell.
Protocol files are TOML (see ``protocols/p1.toml``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from vrest.errors import ParameterError, PresetError, UnknownNameError, VrestError, unknown
from vrest.model import stimuli
from vrest.model.cell import Cell
from vrest.model.files import parse_toml, read_text
from vrest.model.mechanisms.base import Mechanism
from vrest.model.mechanisms.factory import build
from vrest.model.mechanisms.water import Water

FROZEN_PREFIXES = ("inside.", "cell.radius", "cell.length", "cell.area", "cell.volume",
                   "cell.capacitance")


@dataclass(frozen=True)
class Event:
    """One timed change (see the module docstring)."""

    t: float
    set: Mapping[str, float] = field(default_factory=dict)
    scale: Mapping[str, float] = field(default_factory=dict)
    restore: tuple[str, ...] = ()
    replace: tuple[str, float, str] | None = None
    add: tuple[Mechanism, ...] = ()
    remove: tuple[str, ...] = ()
    label: str = ""

    def __post_init__(self) -> None:
        if not np.isfinite(self.t) or self.t < 0:
            raise ParameterError(f"event time: {self.t!r} s is not allowed; must be finite and >= 0")
        for key in (*self.set, *self.restore):
            if key.startswith(FROZEN_PREFIXES):
                raise ParameterError(
                    f"event at {self.t:g} s: {key} cannot change during a protocol (it is part of "
                    "the starting state or geometry); change the cell instead")
        for name, factor in self.scale.items():
            if not np.isfinite(factor) or factor < 0:
                raise ParameterError(f"event at {self.t:g} s: scale of {name} is {factor!r}; "
                                     "must be finite and >= 0")
        if any(isinstance(m, Water) for m in self.add) or "water" in self.remove:
            raise ParameterError(f"event at {self.t:g} s: water cannot be added or removed during a "
                                 "protocol; give the cell water and set water.P_f (0 freezes volume)")


@dataclass(frozen=True)
class Protocol:
    """A named list of events with a default duration and output step (s)."""

    name: str = "control"
    events: tuple[Event, ...] = ()
    t_end: float = 600.0
    dt: float = 1.0
    description: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "events", tuple(sorted(self.events, key=lambda e: e.t)))
        for key in ("t_end", "dt"):
            value = getattr(self, key)
            if not np.isfinite(value) or value <= 0:
                raise ParameterError(f"protocol {key}: {value!r} s is not allowed; must be > 0")


@dataclass(frozen=True)
class Segment:
    """A stretch of time with constant parameters: the cell, the batch overrides, and which
    bath ions were changed at its start."""

    t0: float
    t1: float
    cell: Cell
    batch: Mapping[str, ArrayLike]
    bath_changed: tuple[str, ...] = ()
    label: str = ""


def segments(cell: Cell, protocol: Protocol, t_end: float,
             batch: Mapping[str, ArrayLike] | None = None) -> list[Segment]:
    """Split [0, t_end] at the protocol's events into segments of constant parameters."""
    batch = dict(batch or {})
    times = [0.0] + [e.t for e in protocol.events if 0 < e.t < t_end] + [t_end]
    sets: dict[str, Any] = {}  # dotted name -> value (an array: one value per cell of a batch)
    scales: dict[str, float] = {}
    adds: dict[str, Mechanism] = {}
    removed: set[str] = set()
    out: list[Segment] = []
    current = cell
    for i, (t0, t1) in enumerate(zip(times[:-1], times[1:], strict=True)):
        changed: tuple[str, ...] = ()
        label = ""
        for event in (e for e in protocol.events if e.t == t0 and (e.t > 0 or i == 0)):
            changed += _accumulate(cell, batch, event, sets, scales, adds, removed)
            label = event.label or label
        if t0 > 0 or changed or protocol.events:
            current, seg_batch = _apply(cell, batch, sets, scales, adds, removed)
        else:
            seg_batch = batch
        if t1 > t0:
            out.append(Segment(t0, t1, current, seg_batch, changed, label))
    return out


def _current(cell: Cell, batch: Mapping[str, ArrayLike], sets: Mapping[str, Any], key: str) -> Any:
    """The value of ``key`` now: set by an event, else each cell's own (batch), else the cell's."""
    if key in sets:
        return sets[key]
    if key in batch:
        return np.asarray(batch[key], dtype=float)
    return cell.values()[key]


def _accumulate(cell: Cell, batch: Mapping[str, ArrayLike], event: Event, sets: dict[str, Any],
                scales: dict[str, float], adds: dict[str, Mechanism],
                removed: set[str]) -> tuple[str, ...]:
    changed = [k.split(".")[1] for k in (*event.set, *event.restore) if k.startswith("bath.")]
    for key in event.restore:
        if key not in batch and key not in cell.values():
            raise unknown(f"parameter to restore at {event.t:g} s", key, sorted(cell.values()))
        sets.pop(key, None)
    sets.update({k: float(v) for k, v in event.set.items()})
    if event.replace is not None:
        ion, conc, partner = event.replace
        k_ion, k_partner = f"bath.{ion}", f"bath.{partner}"
        was_ion = _current(cell, batch, sets, k_ion)
        was_partner = _current(cell, batch, sets, k_partner)
        left = was_partner - (float(conc) - was_ion)  # per cell in a batch
        if np.any(np.asarray(left) <= 0):
            most = float(np.min(np.asarray(was_ion + was_partner)))
            raise ParameterError(
                f"event at {event.t:g} s: replacing bath {partner} by {ion} up to {conc:g} mM would "
                f"leave {float(np.min(left)):g} mM of {partner}; at most {most:g} mM is possible")
        sets[k_ion] = float(conc)
        sets[k_partner] = left
        changed += [ion, partner]
    scales.update({k: float(v) for k, v in event.scale.items()})
    for mech in event.add:
        adds[mech.name] = mech
        removed.discard(mech.name)
    for name in event.remove:
        removed.add(name)
        adds.pop(name, None)
    return tuple(dict.fromkeys(changed))


def _apply(cell: Cell, batch: Mapping[str, ArrayLike], sets: Mapping[str, Any],
           scales: Mapping[str, float], adds: Mapping[str, Mechanism],
           removed: set[str]) -> tuple[Cell, dict[str, ArrayLike]]:
    current = cell
    present = [n for n in removed if current.has(n)]
    if present:
        current = current.without(*present)
    for name in removed - set(present):
        if name not in adds:
            raise unknown("mechanism to remove", name, [m.name for m in cell.mechanisms])
    if adds:
        current = current.with_mechanisms(*adds.values())
    size = max((np.size(v) for v in batch.values()), default=1)
    out_batch = dict(batch)
    changes: dict[str, float] = {}
    for key, value in sets.items():
        if np.ndim(value) or key in batch:  # keep the batch its size: one value per cell
            out_batch[key] = np.broadcast_to(np.asarray(value, dtype=float), (size,)).copy()
        else:
            changes[key] = float(value)
    for name, factor in scales.items():
        key = f"{name}.scale"
        try:
            base = cell.mechanism(name) if cell.has(name) else current.mechanism(name)
        except UnknownNameError:
            raise unknown("mechanism to scale", name, [m.name for m in current.mechanisms]) from None
        if "scale" not in base.SPECS:
            raise ParameterError(f"{name}: this mechanism has no rate scale")
        changes[key] = float(base.scale) * factor  # type: ignore[attr-defined]
        if key in out_batch:
            out_batch[key] = np.asarray(batch[key], dtype=float) * factor
    return current.with_parameters(changes), out_batch


# -- files and built-in protocols -----------------------------------------------------------------

def from_dict(data: Mapping[str, Any], where: str = "protocol") -> Protocol:
    """Build a Protocol from parsed TOML (see ``protocols/p1.toml``); the file's schema is
    checked in :mod:`vrest.model.protocol_file`, current-clamp stimuli in
    :mod:`vrest.model.stimuli`."""
    from vrest.model.protocol_file import check_protocol

    fields = check_protocol(data, where)
    events = [_event_from_dict(ev, f"{where}: event {i + 1}") for i, ev in enumerate(fields.pop("event"))]
    for i, stim in enumerate(fields.pop("stimulus")):
        if not isinstance(stim, Mapping):
            raise PresetError(f"{where}: stimulus {i + 1}: must be a table")
        events.extend(_events(stimuli.from_dict(stim, f"{where}: stimulus {i + 1}")))
    try:
        return Protocol(events=tuple(events), **fields)
    except (TypeError, ValueError) as exc:
        raise PresetError(f"{where}: {exc}") from None


def _events(edges: list[stimuli.Edge]) -> tuple[Event, ...]:
    return tuple(Event(t=t, add=(clamp,), label=label) for t, clamp, label in edges)


def pulse(t: float, amplitude: float, duration: float, ion: str = "K",
          name: str = "stim") -> tuple[Event, ...]:
    """Events of one current-clamp pulse: ``amplitude`` uA/cm^2 (into the cell, carried by
    ``ion``) from ``t`` for ``duration`` s (vrest.model.stimuli)."""
    return _events(stimuli.edges(t, amplitude, duration, ion=ion, name=name))


def train(t: float, amplitude: float, duration: float, count: int, interval: float,
          ion: str = "K", name: str = "stim") -> tuple[Event, ...]:
    """Events of ``count`` pulses, one every ``interval`` s (start to start) from ``t``."""
    return _events(stimuli.edges(t, amplitude, duration, count, interval, ion=ion, name=name))


def _event_from_dict(ev: Any, where: str) -> Event:
    from vrest.model.protocol_file import check_event

    fields = check_event(ev, where)
    try:
        fields["add"] = tuple(build(m) for m in fields["add"])
        return Event(**fields)
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, VrestError):
            raise
        raise PresetError(f"{where}: malformed ({exc})") from None


def builtin_names() -> list[str]:
    """Names of the protocols shipped with vrest."""
    files = resources.files("vrest.model").joinpath("protocols")
    return sorted(p.name[:-5] for p in files.iterdir() if p.name.endswith(".toml"))


def load(name_or_path: str | Path) -> Protocol:
    """A built-in protocol by name, or a protocol TOML file by path."""
    text, where = _read(name_or_path)
    return from_dict(parse_toml(text, f"protocol {where}"), f"protocol {where}")


def _read(name_or_path: str | Path) -> tuple[str, str]:
    name = str(name_or_path)
    if name in builtin_names():
        return resources.files("vrest.model").joinpath("protocols", f"{name}.toml").read_text(), name
    path = Path(name)
    if path.suffix == ".toml" or path.exists():
        return read_text(path, "protocol"), str(path)
    raise unknown("protocol", name[:80], [*builtin_names(), "<file.toml>"])


CONTROL = Protocol(name="control", description="no changes")
