"""vrest: compute, simulate and explain a neuron's resting membrane potential.

The public API::

    import vrest
    cell = vrest.load_cell("rpl1")                 # a preset's Cell (immutable)
    ss = vrest.steady_state(cell)                  # verified steady state, with stability
    tc = vrest.simulate(cell, vrest.load_protocol("p1"))
    tc.to_dataframe(); tc.plot("p1.png")
"""

from vrest import _aliases
from vrest._version import __version__
from vrest.errors import (
    NoSteadyStateError,
    ParameterError,
    PresetError,
    SolverError,
    UnknownNameError,
    VrestError,
)
from vrest.model.cell import Bath, Cell, Geometry, Inside
from vrest.model.mechanisms import (
    KCC2,
    NCX,
    NKCC1,
    PMCA,
    AnionSource,
    GHKLeak,
    NaKPump,
    OhmicLeak,
    Transporter,
    Water,
)
from vrest.model.presets.cells import cell_from_preset, load_cell
from vrest.model.presets.loader import DEFAULT_PRESET
from vrest.model.protocol import Event, Protocol
from vrest.model.protocol import load as load_protocol
from vrest.model.rhs import Model
from vrest.model.what_v import WhatV, what_v_is
from vrest.solve.rest import what_v_at_rest
from vrest.solve.results import TimeCourse
from vrest.solve.simulate import simulate
from vrest.solve.steady import SteadyState, steady_state

__all__ = [
    "DEFAULT_PRESET", "KCC2", "NCX", "NKCC1", "PMCA", "AnionSource", "Bath", "Cell", "Event", "GHKLeak", "Geometry",
    "Inside", "Model", "NaKPump", "NoSteadyStateError", "OhmicLeak", "ParameterError",
    "PresetError", "Protocol", "SolverError", "SteadyState", "TimeCourse", "Transporter",
    "UnknownNameError", "VrestError", "Water", "WhatV", "__version__", "cell_from_preset", "load_cell",
    "load_protocol", "simulate", "steady_state", "what_v_at_rest", "what_v_is",
]

_aliases.install()  # the former flat module paths (vrest.equations, vrest.fit ...)


def __getattr__(name: str) -> object:
    """``vrest.sweep_spec`` and the other former module paths, imported on first use."""
    if f"vrest.{name}" in _aliases.OLD_TO_NEW:
        import importlib

        return importlib.import_module(f"vrest.{name}")
    raise AttributeError(f"module 'vrest' has no attribute {name!r}")
