"""Build a Cell from a preset: its composition plus its optional ``[model]`` section.

``[model]`` schema (every number needs a source, like the rest of a preset)::

    [model]
    source = "KEY"                       # covers the numbers below unless they carry their own
    [model.cell]
    shape = "sphere"                     # sphere | cylinder | explicit
    radius = 10.0                        # um (length, end_caps, area, volume, area_rule as needed)
    capacitance = 1.0                    # uF/cm^2
    [model.inside]
    V0 = -65.0                           # mV, or X = ... (mM) or X_amount = ... (fmol); z_X = -1.0
    [model.bath]
    X = 0.0                              # mM bath impermeant; volume_ratio = 4.0 (absent: infinite)
    [[model.mechanism]]
    type = "leak"                        # see vrest.model.mechanisms.factory.BUILDERS
    ion = "K"
    P = 1e-6

A preset without ``[model]`` gets the default model (DEFAULT_MECHANISMS below): a 10 um sphere
with GHK leaks at the preset's permeability ratios (P_K = 1e-6 cm/s), the RPL-1 Na/K pump, KCC2
and NCX, starting at the preset's GHK potential.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from vrest.errors import ParameterError, PresetError, VrestError
from vrest.model.cell import Bath, Cell, Geometry, Inside
from vrest.model.mechanisms.base import Mechanism
from vrest.model.mechanisms.factory import build
from vrest.model.mechanisms.leak import GHKLeak
from vrest.model.mechanisms.pumps import NaKPump
from vrest.model.mechanisms.transporters import KCC2, NCX
from vrest.model.presets import loader as presets
from vrest.physics.zero_current import zero_current_potential

P_K_DEFAULT = 1e-6  # cm/s, RPL-1, docs/explanation/benchmarks.md
CA_RATIO_DEFAULT = 1e-5  # P_Ca / P_K, RPL-1, docs/explanation/benchmarks.md


def load_cell(name_or_path: str | Path) -> Cell:
    """The Cell of a preset (by name or TOML path)."""
    return cell_from_preset(presets.load(name_or_path))


def cell_from_preset(preset: presets.Preset) -> Cell:
    """Build the Cell described by ``preset``."""
    model = preset.raw.get("model")
    try:
        if model is None:
            return _default_cell(preset)
        return _model_cell(preset, _table(model, "model"))
    except PresetError:
        raise
    except VrestError as exc:
        raise PresetError(f"preset {preset.name}: {exc}") from None


def _table(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise PresetError(f"{where} must be a table")
    return value


def _plain(table: Mapping[str, Any]) -> dict[str, Any]:
    """Drop bookkeeping keys and unwrap {value, source} tables."""
    out = {}
    for key, value in table.items():
        if key in ("source", "note", "unit"):
            continue
        out[key] = value["value"] if isinstance(value, Mapping) and "value" in value else value
    return out


def _composition(preset: presets.Preset) -> tuple[dict[str, float], dict[str, float]]:
    missing = [ion for ion in ("Na", "K", "Cl", "Ca")
               if ion not in preset.inside or ion not in preset.outside]
    if missing:
        raise PresetError(f"preset {preset.name}: the model needs Na, K, Cl and Ca inside and "
                          f"outside; missing {', '.join(missing)}")
    return dict(preset.inside), dict(preset.outside)


def default_mechanisms(permeability: Mapping[str, float]) -> tuple[Mechanism, ...]:
    """GHK leaks at the given ratios (P_K = 1e-6 cm/s) plus the RPL-1 pump, KCC2 and NCX."""
    if not permeability:
        raise ParameterError("the default model needs permeability ratios ([permeability])")
    ratios = {"Ca": CA_RATIO_DEFAULT, **permeability}
    leaks = tuple(GHKLeak(ion=ion, P=P_K_DEFAULT * r) for ion, r in ratios.items() if r > 0)
    return (*leaks, NaKPump(), KCC2(U=1e-7), NCX(g=1e-4))


def _default_cell(preset: presets.Preset) -> Cell:
    inside, outside = _composition(preset)
    mechs = default_mechanisms(preset.permeability)
    ratios = {"Ca": CA_RATIO_DEFAULT, **preset.permeability}
    v0 = float(zero_current_potential(ratios, inside, outside, preset.temperature_K))
    return Cell(temperature=preset.temperature_C, inside=Inside(**inside, V0=v0),
                bath=Bath(**outside), mechanisms=mechs, name=preset.name)


def _model_cell(preset: presets.Preset, model: Mapping[str, Any]) -> Cell:
    allowed = {"source", "note", "cell", "inside", "bath", "mechanism"}
    extra = set(model) - allowed
    if extra:
        raise PresetError(f"preset {preset.name}: unknown [model] keys {sorted(extra)}; "
                          f"allowed: {sorted(allowed)}")
    inside, outside = _composition(preset)
    cell_t = _plain(_table(model.get("cell", {}), "[model.cell]"))
    capacitance = float(cell_t.pop("capacitance", 1.0))
    geometry = Geometry(**cell_t)
    ins = _plain(_table(model.get("inside", {}), "[model.inside]"))
    if any(k in ins for k in ("X", "X_amount", "V0")):
        for key in ("X", "X_amount", "V0"):
            ins.setdefault(key, None)
    bath = _plain(_table(model.get("bath", {}), "[model.bath]"))
    if isinstance(bath.get("volume_ratio"), str):
        bath["volume_ratio"] = math.inf if bath["volume_ratio"] == "inf" else float("nan")
    mech_list = model.get("mechanism", [])
    if not isinstance(mech_list, list) or not mech_list:
        raise PresetError(f"preset {preset.name}: [[model.mechanism]] must list the mechanisms")
    mechs = tuple(build(_plain(_table(m, "[[model.mechanism]]"))) for m in mech_list)
    try:
        return Cell(geometry=geometry, capacitance=capacitance, temperature=preset.temperature_C,
                    inside=Inside(**inside, **ins), bath=Bath(**outside, **bath),
                    mechanisms=mechs, name=preset.name)
    except TypeError as exc:
        raise PresetError(f"preset {preset.name}: [model]: {exc}") from None
