"""Requests -> Cells, and presets -> the page's controls. No physics here.

A request names a preset (from the fixed list, never a path), switches mechanisms on or off
and overrides parameters by dotted name. Every override is checked against the parameter's
own allowed range first, so that each bad value gets its own plain-language message naming
the field (the page shows it next to that field).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from vrest.errors import ParameterError, UnknownNameError, VrestError
from vrest.model.cell import INSIDE_SPECS, Cell
from vrest.model.mechanisms import KCC2, NCX, NKCC1, PMCA, NaKPump, Water
from vrest.model.mechanisms.base import Mechanism
from vrest.model.parameters import ParamSpec
from vrest.model.presets import loader as presets
from vrest.model.presets.cells import load_cell

#: Mechanisms added when switched on in a cell that lacks them. Pump, KCC2 and NCX take the
#: RPL-1 values (docs/explanation/benchmarks.md); NKCC1 takes KCC2's turnover (vrest's choice, not a
#: measurement); PMCA and water take their class defaults (vrest.model.mechanisms).
DEFAULT_MECHANISMS: dict[str, Callable[[], Mechanism]] = {
    "pump": NaKPump,
    "kcc2": lambda: KCC2(U=1e-7),
    "nkcc1": lambda: NKCC1(U=1e-7),
    "ncx": lambda: NCX(g=1e-4),
    "pmca": PMCA,
    "water": Water,
}

class FieldErrors(ParameterError):
    """One or more bad request fields; ``errors`` lists (field, message) pairs."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(message for _, message in errors))


def preset_names() -> list[str]:
    """The built-in presets the explorer offers."""
    return presets.names()


@lru_cache(maxsize=32)
def base_cell(name: str) -> Cell:
    """The Cell of built-in preset ``name`` (only names from the fixed list are accepted)."""
    if name not in preset_names():
        raise UnknownNameError(f"unknown preset {name!r}; valid: {', '.join(preset_names())}")
    return load_cell(name)


def full_cell(name: str) -> Cell:
    """The preset's cell with every switchable mechanism present (for the page's controls)."""
    cell = base_cell(name)
    missing = [factory() for key, factory in DEFAULT_MECHANISMS.items() if not cell.has(key)]
    return cell.with_mechanisms(*missing) if missing else cell


def switched(cell: Cell, switches: Mapping[str, bool]) -> Cell:
    """``cell`` with mechanisms switched on (added with default strength) or off (removed)."""
    for key, on in switches.items():
        if on and not cell.has(key):
            cell = cell.with_mechanisms(DEFAULT_MECHANISMS[key]())
        elif not on and cell.has(key):
            cell = cell.without(key)
    return cell


def plain_message(name: str, value: Any, spec: ParamSpec) -> str:
    """A plain-language message for a value outside ``spec``'s allowed range."""
    unit = "" if spec.unit == "1" else f" {spec.unit}"
    low = f"more than {spec.lo:g}" if spec.lo_open else f"at least {spec.lo:g}"
    high = "" if math.isinf(spec.hi) else f" and at most {spec.hi:g}{unit}"
    shown = value if isinstance(value, str) else f"{value:g}{unit}"
    what = spec.description or name
    return f"{name} ({what}): {shown} is not possible here; it must be {low}{unit}{high}."


def checked_overrides(cell: Cell, params: Mapping[str, Any]) -> dict[str, float]:
    """``params`` as floats, each within its parameter's range; FieldErrors lists every bad one."""
    specs = cell.specs()
    errors: list[tuple[str, str]] = []
    out: dict[str, float] = {}
    for name, raw in params.items():
        spec = specs.get(name) or (INSIDE_SPECS[name] if name in ("inside.X", "inside.V0") else None)
        if spec is None:
            errors.append((name, f"{name}: this cell has no such parameter (is its mechanism "
                                 "switched off?); valid: " + ", ".join(specs)))
            continue
        value = math.inf if raw == "inf" else float(raw)
        try:
            spec.check(value, name)
        except ParameterError:
            errors.append((name, plain_message(name, raw if raw == "inf" else value, spec)))
            continue
        out[name] = value
    if errors:
        raise FieldErrors(errors)
    return out


def build_cell(preset: str, params: Mapping[str, Any], switches: Mapping[str, bool]) -> Cell:
    """The cell a request describes (see the module docstring)."""
    cell = switched(base_cell(preset), switches)
    values = checked_overrides(cell, params)
    try:
        return cell.with_parameters(values)
    except FieldErrors:
        raise
    except VrestError as exc:
        raise FieldErrors([(field_of(str(exc)), str(exc))]) from None


def field_of(message: str) -> str:
    """The dotted parameter name a model message is about ('' if none): they start with it."""
    head = message.split(":", 1)[0].strip()
    return head if re.fullmatch(r"[a-z_]+(\.[A-Za-z0-9_]+)+", head) else ""


# -- the page's controls --------------------------------------------------------------------

_LINEAR = {"cell.temperature": (0.0, 45.0), "inside.V0": (-120.0, 60.0), "inside.z_X": (-3.0, -0.2)}


def _slider(name: str, value: float, spec: ParamSpec) -> dict[str, Any]:
    """A sensible slider range for a parameter (the number field accepts the full range)."""
    if name in _LINEAR:
        lo, hi = _LINEAR[name]
        return {"scale": "linear", "min": lo, "max": hi}
    if name.endswith(".scale"):
        return {"scale": "linear", "min": 0.0, "max": 3.0}
    if name == "bath.volume_ratio":
        return {"scale": "log", "min": 0.1, "max": 1000.0}
    centre = value if value > 0 else {"bath.X": 10.0}.get(name, 1.0)
    lo = max(centre / 100.0, spec.lo if spec.lo > 0 else 0.0) or centre / 100.0
    hi = min(centre * 100.0, spec.hi)
    return {"scale": "log", "min": lo, "max": hi}


_ION_WORD = {"Na": "Na+", "K": "K+", "Cl": "Cl-", "Ca": "Ca2+", "X": "impermeant solute"}
_MECH_WORD = {"pump": "Na+/K+ pump", "kcc2": "KCC2 (K+-Cl- out)", "nkcc1": "NKCC1 (Na+-K+-2Cl- in)",
              "ncx": "Na+/Ca2+ exchanger", "pmca": "Ca2+ pump (PMCA)", "water": "water flow",
              "anion_source": "anion creation", "leak": "leak"}
_PLAIN = {
    "cell.temperature": "Temperature", "cell.capacitance": "Membrane capacitance",
    "cell.radius": "Cell radius", "cell.length": "Cell length", "cell.area": "Membrane area",
    "cell.volume": "Cell volume", "inside.X": "Trapped anions inside",
    "inside.X_amount": "Trapped anions inside (amount)",
    "inside.V0": "Starting voltage (sets the trapped anions)",
    "inside.z_X": "Charge of a trapped anion", "bath.X": "Impermeant solute in the bath",
    "bath.volume_ratio": "Bath size, in cell volumes",
}
#: Plain words for the units the code writes in ASCII; "1" (a pure number) says what it counts.
_UNIT_WORD = {"um": "µm", "um^2": "µm²", "um^3": "µm³", "uF/cm^2": "µF/cm²", "mS/cm^2": "mS/cm²",
              "uA/cm^2": "µA/cm²", "degC": "°C", "mol/(m^2 s)": "mol/(m² s)"}


def plain_label(name: str, spec: ParamSpec) -> str:
    """The control's label in plain words ("Na+ leak permeability"); the dotted name is second."""
    if name in _PLAIN:
        return _PLAIN[name]
    head, _, last = name.rpartition(".")
    if head in ("inside", "bath"):
        where = "inside at the start" if head == "inside" else "in the bath"
        return f"{_ION_WORD.get(last, last)} {where}"
    parts = head.split(".")
    if parts[0] == "leak" and len(parts) == 2:
        ion = _ION_WORD.get(parts[1], parts[1])
        return f"{ion} leak {'permeability' if last == 'P' else spec.description}"
    owner = _MECH_WORD.get(parts[0], parts[0])
    if last == "scale":
        return f"{owner}: strength"
    return f"{owner}: {spec.description or last}"


def plain_unit(name: str, unit: str) -> str:
    """The unit as a reader writes it; pure numbers name what they are."""
    if unit != "1":
        return _UNIT_WORD.get(unit, unit)
    if name.endswith(".scale"):
        return "× the preset's"
    if name == "inside.z_X":
        return "elementary charges"
    return "× cell volume" if name == "bath.volume_ratio" else "ratio"


def _group(name: str) -> str:
    head = name.split(".")[0]
    if head in ("cell", "inside", "bath", "leak"):
        return head
    return "mechanism"


def parameter_rows(cell: Cell, present: set[str]) -> list[dict[str, Any]]:
    """One JSON-ready row per parameter: value, unit, description, allowed range, slider."""
    rows = []
    for name, param in cell.parameters().items():
        spec = param.spec
        owner = name.rsplit(".", 1)[0]
        rows.append({
            "name": name, "value": "inf" if math.isinf(param.value) else param.value,
            "unit": spec.unit, "label": plain_label(name, spec),
            "unit_label": plain_unit(name, spec.unit), "description": spec.description, "allowed": spec.allowed(),
            "lo": spec.lo, "hi": None if math.isinf(spec.hi) else spec.hi,
            "lo_open": spec.lo_open, "group": _group(name),
            "mechanism": owner if _group(name) == "mechanism" else None,
            "present": _group(name) != "mechanism" or owner in present,
            "slider": _slider(name, param.value, spec),
        })
    return rows


def preset_detail(name: str) -> dict[str, Any]:
    """Everything the page needs to show a preset's controls."""
    cell = base_cell(name)
    preset = presets.load(name)
    full = full_cell(name)
    present = {m.name for m in cell.mechanisms}
    return {
        "name": name, "title": preset.title,
        "description": preset.description.strip(), "sources": preset.sources,
        "temperature_C": cell.temperature, "shape": cell.geometry.shape,
        "mechanisms": [{"name": m.name, "present": m.name in present, "describe": m.describe(),
                        "switchable": m.name in DEFAULT_MECHANISMS} for m in full.mechanisms],
        "parameters": parameter_rows(full, present),
    }


def preset_summaries() -> list[dict[str, str | bool]]:
    """Name and title of every preset, and which one is the default (the page opens it)."""
    return [{"name": n, "title": presets.load(n).title, "default": n == presets.DEFAULT_PRESET}
            for n in preset_names()]
