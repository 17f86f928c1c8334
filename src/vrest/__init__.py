"""vrest: compute, simulate and explain a neuron's resting membrane potential."""

from vrest.errors import (
    NoSteadyStateError,
    ParameterError,
    PresetError,
    SolverError,
    UnknownNameError,
    VrestError,
)

__version__ = "0.1.0"

__all__ = [
    "NoSteadyStateError",
    "ParameterError",
    "PresetError",
    "SolverError",
    "UnknownNameError",
    "VrestError",
    "__version__",
]
