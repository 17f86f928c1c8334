"""Presets: the shipped TOML files (ion concentrations, temperature, sources, optional model)
and their loaders: :mod:`.loader` reads a preset, :mod:`.cells` makes a Cell from it.
"""

from vrest.model.presets.loader import Preset, load, names, parse

__all__ = ["Preset", "load", "names", "parse"]
