"""The schema of a protocol TOML file: types, known keys and names, checked before use.

:func:`check_protocol` and :func:`check_event` turn parsed TOML into the keyword arguments of
``Protocol`` and ``Event`` or raise one ``PresetError`` naming the file, the event, the key,
the value and what is allowed. Numbers are never booleans (``t_end = true`` is refused), lists
of names are never single strings (``restore = "bath.K"`` is refused), tables are tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vrest.errors import PresetError
from vrest.model.files import names, number

PROTOCOL_KEYS = ("name", "description", "t_end", "dt", "event", "stimulus")
EVENT_KEYS = ("t", "set", "scale", "restore", "replace", "add", "remove", "label")
REPLACE_KEYS = ("ion", "to", "with")
IONS = ("Na", "K", "Cl", "Ca")
#: Most events in one protocol file.
MAX_EVENTS = 1_000
#: Longest time in a protocol file (s): about 30 years.
MAX_TIME_S = 1e9
_EXAMPLE_REPLACE = 'e.g. replace = { ion = "K", to = 50, with = "Na" }'


def _keys(data: Mapping[str, Any], allowed: tuple[str, ...], where: str) -> None:
    extra = sorted(str(k) for k in data if k not in allowed)
    if extra:
        raise PresetError(f"{where}: unknown keys {extra[:5]}; allowed: {sorted(allowed)}")


def _text(value: Any, where: str, default: str) -> str:
    if value is None:
        return default
    if not isinstance(value, str):
        raise PresetError(f"{where}: {value!r} is not text; give a quoted string")
    return value


def check_protocol(data: Any, where: str) -> dict[str, Any]:
    """Keyword arguments of ``Protocol`` (with ``event``: the raw event tables)."""
    if not isinstance(data, Mapping):
        raise PresetError(f"{where}: must be a TOML table")
    _keys(data, PROTOCOL_KEYS, where)
    events = data.get("event", [])
    if not isinstance(events, list):
        raise PresetError(f"{where}: event must be an array of tables ([[event]])")
    if len(events) > MAX_EVENTS:
        raise PresetError(f"{where}: {len(events)} events; at most {MAX_EVENTS}")
    return {"name": _text(data.get("name"), f"{where}: name", "protocol"),
            "description": _text(data.get("description"), f"{where}: description", ""),
            "t_end": _time(data.get("t_end", 600.0), f"{where}: t_end (s)"),
            "dt": _time(data.get("dt", 1.0), f"{where}: dt (s)"),
            "event": events, "stimulus": _stimuli(data.get("stimulus", []), where)}


def _stimuli(value: Any, where: str) -> list[Any]:
    """The raw [[stimulus]] tables (current-clamp pulses and trains; vrest.model.stimuli
    checks each)."""
    if not isinstance(value, list):
        raise PresetError(f"{where}: stimulus must be an array of tables ([[stimulus]])")
    if len(value) > MAX_EVENTS:
        raise PresetError(f"{where}: {len(value)} stimuli; at most {MAX_EVENTS}")
    return value


def _time(value: Any, where: str, zero: bool = False) -> float:
    t = number(value, where)
    if not (t >= 0.0 if zero else t > 0.0) or t > MAX_TIME_S:
        low = "0 <=" if zero else "0 <"
        raise PresetError(f"{where}: {t:g} is not allowed; must be {low} t <= {MAX_TIME_S:g} s")
    return t


def _table(value: Any, where: str, what: str) -> dict[str, float]:
    if not isinstance(value, Mapping):
        raise PresetError(f"{where}: {value!r} is not a table; give {what}")
    return {str(k): number(v, f"{where}: {k}") for k, v in value.items()}


def _replace(value: Any, where: str) -> tuple[str, float, str] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise PresetError(f"{where}: {value!r} is not a table; {_EXAMPLE_REPLACE}")
    _keys(value, REPLACE_KEYS, where)
    missing = [k for k in REPLACE_KEYS if k not in value]
    if missing:
        raise PresetError(f"{where}: needs {', '.join(missing)}; {_EXAMPLE_REPLACE}")
    for key in ("ion", "with"):
        if value[key] not in IONS:
            raise PresetError(f"{where}: {key} = {str(value[key])[:40]!r} is not a bath ion; "
                              f"valid: {', '.join(IONS)}")
    if value["ion"] == value["with"]:
        raise PresetError(f"{where}: ion and with are both {value['ion']}; give two ions")
    return value["ion"], number(value["to"], f"{where}: to (mM)"), value["with"]


def _mechanisms(value: Any, where: str) -> tuple[Mapping[str, Any], ...]:
    if not isinstance(value, list) or not all(isinstance(m, Mapping) for m in value):
        raise PresetError(f"{where}: {str(value)[:60]} is not allowed; give a list of tables "
                          'such as [{ type = "nkcc1", U = 1e-6 }]')
    return tuple(value)


def check_event(ev: Any, where: str) -> dict[str, Any]:
    """Keyword arguments of ``Event`` (``add``: the raw mechanism tables)."""
    if not isinstance(ev, Mapping):
        raise PresetError(f"{where}: must be a table")
    _keys(ev, EVENT_KEYS, where)
    if "t" not in ev:
        raise PresetError(f"{where}: needs a time t (s)")
    return {
        "t": _time(ev["t"], f"{where}: t (s)", zero=True),
        "set": _table(ev.get("set", {}), f"{where}: set", 'a table such as { "bath.K" = 10 }'),
        "scale": _table(ev.get("scale", {}), f"{where}: scale", "a table such as { pump = 0 }"),
        "restore": names(ev.get("restore", []), f"{where}: restore"),
        "replace": _replace(ev.get("replace"), f"{where}: replace"),
        "add": _mechanisms(ev.get("add", []), f"{where}: add"),
        "remove": names(ev.get("remove", []), f"{where}: remove"),
        "label": _text(ev.get("label"), f"{where}: label", ""),
    }
