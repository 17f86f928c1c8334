"""Presets: cell compositions with a source for every number, stored as TOML files here.

File format (one file per preset, ``<name>.toml``)::

    name = "squid"
    title = "Squid giant axon at rest"
    description = "..."
    [sources]                 # key -> full citation
    HK1949 = "Hodgkin AL, Katz B (1949) ... J Physiol 108:37-77"
    [temperature]
    value = 6.3
    unit = "degC"             # or "K"
    source = "HH1952"
    [inside]                  # mM; each number is an inline table with its own source,
    unit = "mM"               # or the table has a `source` key for all its numbers
    K = { value = 400.0, source = "Kandel2013" }
    [outside]
    ...
    [permeability]            # optional; relative to P_K (K must be 1 when given)
    unit = "relative to P_K"
    [model]                   # optional subtree for the dynamic model; kept in `raw`

Every numeric value must have a source key defined in [sources]; ``value_sources`` maps the
dotted name of each number ("inside.K", "temperature", "model.geometry.radius_um") to its key.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from vrest.errors import PresetError, VrestError, unknown
from vrest.model.files import parse_toml, read_text
from vrest.physics import ions as _ions
from vrest.physics.constants import T_MAX_K, T_MIN_K, ZERO_C

__all__ = ["DEFAULT_PRESET", "Preset", "load", "names", "parse"]

#: The preset every command, the story and the explorer use when none is named: the lecture's
#: neuron, a calibrated teaching preset (benchmarks name ``rpl1`` explicitly).
DEFAULT_PRESET = "lecture"

_TOP_KEYS = (
    "name",
    "title",
    "description",
    "sources",
    "temperature",
    "inside",
    "outside",
    "permeability",
    "model",
)
_META_KEYS = ("unit", "source", "note")
_KNOWN_IONS = ("Na", "K", "Cl", "Ca")


@dataclass(frozen=True)
class Preset:
    """A validated preset. Concentrations in mM, permeabilities relative to P_K, T in K."""

    name: str
    title: str
    description: str
    temperature_K: float
    inside: dict[str, float]
    outside: dict[str, float]
    permeability: dict[str, float]
    sources: dict[str, str]
    value_sources: dict[str, str]
    raw: dict[str, Any] = field(repr=False)
    path: str | None = None

    @property
    def temperature_C(self) -> float:
        """Temperature in degC."""
        return self.temperature_K - ZERO_C

    def ions(self) -> list[str]:
        """Ions given on both sides, in the standard order (Na, K, Cl, Ca)."""
        return [i.name for i in _ions.STANDARD if i.name in self.inside and i.name in self.outside]

    def source_of(self, dotted_name: str) -> str:
        """Full citation of the value called ``dotted_name`` (e.g. 'inside.K')."""
        if dotted_name not in self.value_sources:
            raise unknown("preset value", dotted_name, list(self.value_sources))
        return self.sources[self.value_sources[dotted_name]]


def _directory() -> Path:
    return Path(str(resources.files("vrest.model.presets")))


def names() -> list[str]:
    """Names of the built-in presets, sorted."""
    return sorted(p.stem for p in _directory().glob("*.toml"))


def _looks_like_path(name_or_path: str | Path) -> bool:
    if isinstance(name_or_path, Path):
        return True
    text = str(name_or_path)
    return text.endswith(".toml") or "/" in text or "\\" in text


def load(name_or_path: str | Path) -> Preset:
    """Load a built-in preset by name (case-insensitive) or any preset file by path.

    Raises UnknownNameError (listing the valid names) for an unknown name and PresetError
    (naming the file and the problem) for a file that cannot be read or is invalid.
    """
    if _looks_like_path(name_or_path):
        return _load_file(Path(name_or_path))
    key = str(name_or_path).strip().lower()
    if key not in names():
        raise unknown("preset", name_or_path, names())
    preset = _load_file(_directory() / f"{key}.toml")
    if preset.name != key:
        raise PresetError(f"{preset.path}: name {preset.name!r} differs from the file name {key!r}")
    return preset


def _load_file(path: Path) -> Preset:
    text = read_text(path, "preset")
    return parse(parse_toml(text, f"preset file {path}"), str(path))


def parse(data: Mapping[str, Any], origin: str = "<preset>") -> Preset:
    """Validate a parsed preset document; ``origin`` names it in error messages."""
    try:
        return _Parser(data).preset(origin)
    except _Invalid as exc:
        raise PresetError(f"{origin}: {exc}") from None
    except VrestError as exc:
        raise PresetError(f"{origin}: {exc}") from None


class _Invalid(Exception):
    """A problem in a preset document (becomes a PresetError naming the file)."""


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class _Parser:
    """Walks a preset document, validating it and recording the source of every number."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        if not isinstance(data, Mapping):
            raise _Invalid("the document must be a TOML table")
        self.data = data
        self.value_sources: dict[str, str] = {}
        self.sources: dict[str, str] = {}

    def preset(self, origin: str) -> Preset:
        extra = sorted(set(self.data) - set(_TOP_KEYS))
        if extra:
            raise _Invalid(
                f"unknown top-level key(s) {', '.join(extra)}; allowed: {', '.join(_TOP_KEYS)}"
            )
        texts = {k: self._text(k) for k in ("name", "title", "description")}
        self.sources = self._sources()
        temperature = self._temperature()
        inside = self._concentrations("inside")
        outside = self._concentrations("outside")
        permeability = self._permeability(inside, outside)
        if "model" in self.data:
            self._model(self.data["model"], "model", None)
        return Preset(
            texts["name"],
            texts["title"],
            texts["description"].strip(),
            temperature,
            inside,
            outside,
            permeability,
            self.sources,
            self.value_sources,
            dict(self.data),
            origin,
        )

    def _text(self, key: str) -> str:
        value = self.data.get(key)
        if not isinstance(value, str) or not value.strip():
            raise _Invalid(f"'{key}' must be a non-empty string")
        return value

    def _table(self, key: str) -> Mapping[str, Any]:
        value = self.data.get(key)
        if not isinstance(value, Mapping):
            raise _Invalid(f"[{key}] table is missing")
        return value

    def _sources(self) -> dict[str, str]:
        table = self._table("sources")
        for key, citation in table.items():
            if not isinstance(citation, str) or not citation.strip():
                raise _Invalid(f"sources.{key} must be a non-empty citation string")
        if not table:
            raise _Invalid("[sources] is empty; every value needs a source")
        return dict(table)

    def _source_key(self, dotted: str, key: object) -> str:
        if not isinstance(key, str):
            raise _Invalid(
                f'{dotted} has no source; give it {{ value = ..., source = "KEY" }}'
                f" or a `source` key in its table"
            )
        if key not in self.sources:
            raise _Invalid(
                f"{dotted}: source {key!r} is not defined in [sources]"
                f" (defined: {', '.join(sorted(self.sources))})"
            )
        return key

    def _record(self, dotted: str, source: object) -> None:
        self.value_sources[dotted] = self._source_key(dotted, source)

    def _temperature(self) -> float:
        table = self._table("temperature")
        value, unit = table.get("value"), table.get("unit")
        if not _is_number(value):
            raise _Invalid(f"temperature.value must be a number, not {value!r}")
        if unit not in ("degC", "K"):
            raise _Invalid(f'temperature.unit {unit!r} is not allowed; use "degC" or "K"')
        t_k = float(value) + (ZERO_C if unit == "degC" else 0.0)
        if not (math.isfinite(t_k) and T_MIN_K < t_k <= T_MAX_K):
            raise _Invalid(f"temperature {value} {unit} is outside the allowed range (0 K, 400 K]")
        self._record("temperature", table.get("source"))
        return t_k

    def _entries(self, key: str, unit: str) -> dict[str, tuple[float, str]]:
        """Numbers of an [inside]/[outside]/[permeability] table with their dotted sources."""
        table = self._table(key)
        if table.get("unit") != unit:
            raise _Invalid(f"{key}.unit must be {unit!r}, not {table.get('unit')!r}")
        out: dict[str, tuple[float, str]] = {}
        for name, entry in table.items():
            if name in _META_KEYS:
                continue
            ion = self._ion(key, name)
            value, source = self._entry_value(f"{key}.{name}", entry, table.get("source"))
            if ion in out:
                raise _Invalid(f"{key}: ion {ion} is given twice")
            out[ion] = (value, source)
        return out

    def _ion(self, key: str, name: str) -> str:
        try:
            ion = _ions.get(name).name
        except VrestError:
            ion = None
        if ion not in _KNOWN_IONS:
            raise _Invalid(f"{key}.{name}: unknown ion {name!r}; valid: {', '.join(_KNOWN_IONS)}")
        return ion

    def _entry_value(self, dotted: str, entry: object, table_source: object) -> tuple[float, str]:
        if isinstance(entry, Mapping):
            extra = sorted(set(entry) - {"value", "source", "note", "unit"})
            if extra:
                raise _Invalid(
                    f"{dotted}: unknown key(s) {', '.join(extra)}; allowed: value, source, note"
                )
            value, source = entry.get("value"), entry.get("source", table_source)
        else:
            value, source = entry, table_source
        if not _is_number(value):
            raise _Invalid(f"{dotted}: {value!r} is not a number")
        return float(value), self._source_key(dotted, source)

    def _ion_table(self, key: str, unit: str) -> dict[str, float]:
        entries = self._entries(key, unit)
        for ion, (_, source) in entries.items():
            self.value_sources[f"{key}.{ion}"] = source
        return {ion: value for ion, (value, _) in entries.items()}

    def _concentrations(self, key: str) -> dict[str, float]:
        """Inside: finite and > 0 mM; outside: finite and >= 0 mM (a bath without the ion)."""
        values = self._ion_table(key, "mM")
        zero_ok = key == "outside"
        for ion, value in values.items():
            if not (math.isfinite(value) and (value > 0 or (zero_ok and value == 0))):
                raise _Invalid(
                    f"{key}.{ion} = {value:g} mM is not allowed;"
                    f" concentrations must be finite and {'>=' if zero_ok else '>'} 0 mM"
                )
        return values

    def _permeability(
        self, inside: dict[str, float], outside: dict[str, float]
    ) -> dict[str, float]:
        if "permeability" not in self.data:
            return {}
        perm = self._ion_table("permeability", "relative to P_K")
        for ion, value in perm.items():
            if not (math.isfinite(value) and value >= 0):
                raise _Invalid(
                    f"permeability.{ion} = {value:g} is not allowed;"
                    " permeabilities must be finite and >= 0"
                )
            if ion not in inside or ion not in outside:
                raise _Invalid(
                    f"permeability.{ion}: {ion} needs a concentration in [inside] and [outside]"
                )
        if perm and perm.get("K") != 1.0:
            raise _Invalid(
                "permeability.K must be 1 (permeabilities are relative to P_K),"
                f" not {perm.get('K')!r}"
            )
        return perm

    def _model(self, node: object, dotted: str, source: object) -> None:
        """Check that every number under [model] has a source (own, or of an enclosing table)."""
        if isinstance(node, Mapping):
            if "source" in node:
                source = self._source_key(f"{dotted}.source", node["source"])
            is_value_table = "value" in node and set(node) <= {"value", "source", "unit", "note"}
            for key, child in node.items():
                if key == "source":
                    continue
                name = dotted if is_value_table and key == "value" else f"{dotted}.{key}"
                self._model(child, name, source)
        elif isinstance(node, list):
            for i, child in enumerate(node):
                self._model(child, f"{dotted}[{i}]", source)
        elif _is_number(node):
            self._record(dotted, source)
