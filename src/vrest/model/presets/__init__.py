"""Presets: the shipped TOML files (ion concentrations, temperature, sources, optional model)
and their loaders: :mod:`.loader` reads a preset, :mod:`.cells` makes a Cell from it.
"""

from vrest.model.presets.loader import DEFAULT_PRESET, Preset, load, names, parse

__all__ = ["DEFAULT_PRESET", "Preset", "load", "names", "parse"]
