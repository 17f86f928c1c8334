"""vrest: compute, simulate and explain a neuron's resting membrane potential.

The public API::

    import vrest
    cell = vrest.load_cell("rpl1")                 # a preset's Cell (immutable)
    ss = vrest.steady_state(cell)                  # verified steady state, with stability
    tc = vrest.simulate(cell, vrest.load_protocol("p1"))
    tc.to_dataframe(); tc.plot("p1.png")
"""

from vrest.cell import Bath, Cell, Geometry, Inside
from vrest.errors import (
    NoSteadyStateError,
    ParameterError,
    PresetError,
    SolverError,
    UnknownNameError,
    VrestError,
)
from vrest.mechanisms import (
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
from vrest.model import Model
from vrest.preset_cells import cell_from_preset, load_cell
from vrest.protocol import Event, Protocol
from vrest.protocol import load as load_protocol
from vrest.results import TimeCourse
from vrest.simulate import simulate
from vrest.steady import SteadyState, steady_state

__version__ = "0.1.0"

__all__ = [
    "KCC2", "NCX", "NKCC1", "PMCA", "AnionSource", "Bath", "Cell", "Event", "GHKLeak", "Geometry",
    "Inside", "Model", "NaKPump", "NoSteadyStateError", "OhmicLeak", "ParameterError",
    "PresetError", "Protocol", "SolverError", "SteadyState", "TimeCourse", "Transporter",
    "UnknownNameError", "VrestError", "Water", "__version__", "cell_from_preset", "load_cell",
    "load_protocol", "simulate", "steady_state",
]
