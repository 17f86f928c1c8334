"""The module paths of vrest before its sub-packages (``vrest.equations``, ``vrest.fit`` ...).

Each old path imports the module that now holds its contents, so code and documents written
for the flat layout keep working. Modules that ``import vrest`` loads anyway are entered at
once; the others are imported on first use by a finder, so ``import vrest`` stays light.
This file names modules only as strings: it adds no import edge between the layers.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import sys
from types import ModuleType

OLD_TO_NEW = {
    "vrest._checks": "vrest.physics.checks",
    "vrest.constants": "vrest.physics.constants",
    "vrest.ions": "vrest.physics.ions",
    "vrest.equations": "vrest.physics.equations",
    "vrest.kernels": "vrest.physics.kernels",
    "vrest.geometry": "vrest.physics.geometry",
    "vrest.explain": "vrest.model.explain",
    "vrest.cell": "vrest.model.cell",
    "vrest.params": "vrest.model.parameters",
    "vrest.mechanisms": "vrest.model.mechanisms",
    "vrest.presets": "vrest.model.presets.loader",
    "vrest.preset_cells": "vrest.model.presets.cells",
    "vrest.protocol": "vrest.model.protocol",
    "vrest.simulate": "vrest.solve.simulate",
    "vrest.fast": "vrest.solve.compiled",
    "vrest.lsoda": "vrest.solve.lsoda",
    "vrest.jacobian": "vrest.solve.jacobian",
    "vrest.steady": "vrest.solve.steady",
    "vrest.steady_batch": "vrest.solve.steady_batch",
    "vrest.steady_newton": "vrest.solve.steady_newton",
    "vrest.results": "vrest.solve.results",
    "vrest.story_text": "vrest.story.text",
    "vrest.story_plot": "vrest.story.plot",
    "vrest.story_report": "vrest.story.report",
    "vrest.sweep_spec": "vrest.sweep.spec",
    "vrest.sweep_store": "vrest.sweep.store",
    "vrest.sweep_plot": "vrest.sweep.plot",
    "vrest.sensitivity": "vrest.fit.sensitivity",
    "vrest.experiment": "vrest.fit.experiment",
    "vrest.fit_plot": "vrest.fit.plot",
}


def new_name(old: str) -> str | None:
    """The current module path for a former one (``vrest.mechanisms.leak`` included)."""
    for prefix, target in OLD_TO_NEW.items():
        if old == prefix or old.startswith(prefix + "."):
            return target + old[len(prefix):]
    return None


class _Loader:
    """Hands out the module under its new name instead of loading a second copy (an
    importlib loader: ``importlib.abc`` itself is not imported, it costs ~20 ms)."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.spec = None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        module = importlib.import_module(self.target)
        self.spec = module.__spec__
        return module

    def exec_module(self, module: ModuleType) -> None:
        module.__spec__ = self.spec  # the import system set the alias's spec; keep the real one


class _Finder:  # an importlib meta path finder
    def find_spec(self, fullname: str, path: object, target: object = None
                  ) -> importlib.machinery.ModuleSpec | None:
        new = new_name(fullname)
        if new is None:
            return None
        return importlib.util.spec_from_loader(fullname, _Loader(new))


def install() -> None:
    """Enter the already-loaded modules under their old names and put the finder first."""
    for old, new in OLD_TO_NEW.items():
        if new in sys.modules:
            module = sys.modules.setdefault(old, sys.modules[new])
            parent, leaf = old.rsplit(".", 1)
            if not hasattr(sys.modules[parent], leaf):  # vrest.simulate stays the function
                setattr(sys.modules[parent], leaf, module)
    if not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.insert(0, _Finder())
