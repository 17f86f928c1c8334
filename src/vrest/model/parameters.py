"""Parameter metadata: stable dotted names, units, conversion to SI, allowed ranges."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from vrest.errors import ParameterError


@dataclass(frozen=True)
class ParamSpec:
    """What a parameter is: its unit at the public edge and how that maps to SI.

    ``si = value * factor + offset``. ``lo``/``hi`` bound the public value; ``lo_open``
    makes the lower bound exclusive (e.g. a concentration must be > 0).
    """

    name: str
    unit: str
    description: str
    factor: float = 1.0
    offset: float = 0.0
    lo: float = 0.0
    hi: float = math.inf
    lo_open: bool = False

    def allowed(self) -> str:
        """Human-readable allowed range."""
        left = "(" if self.lo_open else "["
        hi = "inf" if math.isinf(self.hi) else f"{self.hi:g}"
        return f"{left}{self.lo:g}, {hi}] {self.unit}".rstrip()

    def check(self, value: ArrayLike, name: str | None = None) -> NDArray[np.float64] | float:
        """Return ``value`` as float (or float array) if finite-or-inf-allowed and in range."""
        label = name or self.name
        try:
            arr = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            raise ParameterError(
                f"{label}: {value!r} is not a number; allowed {self.allowed()}"
            ) from None
        bad_nan = np.isnan(arr)
        bad_inf = np.isinf(arr) & ~(math.isinf(self.hi) & (arr > 0))
        below = (arr <= self.lo) if self.lo_open else (arr < self.lo)
        bad = bad_nan | bad_inf | below | (arr > self.hi)
        if np.any(bad):
            first = arr[bad].flat[0] if arr.ndim else float(arr)
            raise ParameterError(f"{label}: {first:g} is outside the allowed range {self.allowed()}")
        return float(arr) if arr.ndim == 0 else arr

    def to_si(self, value: ArrayLike) -> NDArray[np.float64] | float:
        """Convert a public value (or array) to SI."""
        return np.asarray(value, dtype=float) * self.factor + self.offset if np.ndim(value) else (
            float(value) * self.factor + self.offset
        )


@dataclass(frozen=True)
class Parameter:
    """A parameter of a concrete cell: name, value (public units), spec."""

    name: str
    value: float
    spec: ParamSpec

    @property
    def unit(self) -> str:
        return self.spec.unit

    @property
    def description(self) -> str:
        return self.spec.description


# Conversion factors from public units to SI.
UA_PER_CM2 = 1e-2  # uA/cm^2 -> A/m^2
MS_PER_CM2 = 10.0  # mS/cm^2 -> S/m^2
UF_PER_CM2 = 1e-2  # uF/cm^2 -> F/m^2
CM_PER_S = 1e-2  # cm/s -> m/s
UM = 1e-6  # um -> m
MV = 1e-3  # mV -> V
L_PER_MOL = 1e-3  # L/mol -> m^3/mol


def check_all(specs: Mapping[str, ParamSpec], values: Mapping[str, ArrayLike], where: str) -> None:
    """Check every value against its spec; names are reported as ``where.name``."""
    for key, value in values.items():
        spec = specs[key]
        spec.check(value, f"{where}.{key}" if where else key)
