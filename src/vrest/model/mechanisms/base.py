"""The mechanism interface and the membrane state every mechanism sees."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from vrest.errors import ParameterError, unknown
from vrest.model.parameters import ParamSpec
from vrest.physics import kernels

FloatArray = NDArray[np.float64]
Value = float | FloatArray

#: Species a mechanism can move, in column order of every flux array.
SPECIES: tuple[str, ...] = ("Na", "K", "Cl", "Ca", "X")
ION_INDEX: dict[str, int] = {name: i for i, name in enumerate(SPECIES)}
#: Valences of the four permeant ions (X's charge is a cell parameter).
Z_IONS = np.array([1.0, 1.0, -1.0, 2.0])
N_IONS = 4
#: How ions are written in sentences.
ION_LABELS: dict[str, str] = {"Na": "Na+", "K": "K+", "Cl": "Cl-", "Ca": "Ca2+"}
#: The rate multiplier every mechanism with a rate has (0 blocks it, as ouabain blocks the pump).
SCALE_SPEC = ParamSpec("scale", "1", "multiplier of the rate (0 blocks)", hi=1e6)
#: Temperature dependence every rate mechanism has: rate x Q10^((T - T_ref)/10 K).
Q10_SPECS: dict[str, ParamSpec] = {
    "q10": ParamSpec("q10", "1", "rate factor per 10 degC warmer (1: no temperature dependence)",
                     lo_open=True, hi=100.0),
    "T_ref": ParamSpec("T_ref", "degC", "temperature at which the rate parameters apply",
                       offset=273.15, lo=-273.15, lo_open=True, hi=126.85),
}


@dataclass(frozen=True)
class MembraneState:
    """What a mechanism may read, for a batch of B cells (SI units).

    c_in, c_out: (..., 4) mol/m^3 for Na, K, Cl, Ca (leading axes: batch); v: (...) volts (inside - outside);
    u: (B,) F V / (R T); temperature: (B,) K; area: (B,) m^2; volume: (B,) m^3;
    x_in: (B,) trapped-anion concentration mol/m^3; x_out: (B,) bath impermeant mol/m^3;
    gates: voltage-gated channels' gates by state-column name (``hh_na.m``), each (...).
    """

    c_in: FloatArray
    c_out: FloatArray
    v: FloatArray
    u: FloatArray
    temperature: FloatArray
    area: FloatArray
    volume: FloatArray
    x_in: FloatArray
    x_out: FloatArray
    gates: Mapping[str, FloatArray] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class Output:
    """A mechanism's result for a batch: outward flux (B, 5) mol/s over SPECIES, outward
    water volume flux (B,) m^3/s, ATP hydrolysed (B,) mol/s."""

    flux: FloatArray
    water: FloatArray | None = None
    atp: FloatArray | None = None


@dataclass(frozen=True)
class Mechanism:
    """Base of all mechanisms. Subclasses are frozen dataclasses whose numeric fields are
    parameters described in ``SPECS`` (public units); ``scale`` multiplies the whole rate
    (0 blocks the mechanism, as ouabain blocks the pump)."""

    SPECS: ClassVar[Mapping[str, ParamSpec]] = {}
    #: Options given as words (e.g. a rate law), by field name -> allowed words.
    CHOICES: ClassVar[Mapping[str, tuple[str, ...]]] = {}
    #: Whether the mechanism has gating variables (state columns of their own).
    GATED: ClassVar[bool] = False
    KIND: ClassVar[str] = "mechanism"

    name: str = ""

    def __post_init__(self) -> None:
        for key, allowed in self.CHOICES.items():
            check_choice(getattr(self, key), f"{self.name}.{key}", allowed)
        for key, spec in self.SPECS.items():
            spec.check(getattr(self, key), f"{self.name}.{key}")

    def accepts(self, key: str) -> bool:
        """Whether ``key`` (a local name) is a parameter or option of this kind of mechanism,
        listed or not (a law's parameters are listed only while that law is chosen)."""
        return key in self.SPECS or key in self.CHOICES

    def values(self) -> dict[str, float]:
        """Public values of this mechanism's parameters, by local name."""
        return {key: float(getattr(self, key)) for key in self.SPECS}

    def with_values(self, changes: Mapping[str, Any]) -> Mechanism:
        """A copy with some parameters (local names, public units) changed."""
        for key in changes:
            if not self.accepts(key):
                raise unknown(f"parameter of {self.name}", f"{self.name}.{key}",
                              [f"{self.name}.{k}" for k in (*self.values(), *self.CHOICES)])
        words = {k: str(v) for k, v in changes.items() if k in self.CHOICES}
        numbers = {k: v for k, v in changes.items() if k not in self.CHOICES}
        for key, value in numbers.items():
            if isinstance(value, str):
                self.SPECS[key].check(value, f"{self.name}.{key}")
        return dataclasses.replace(self, **words, **{k: float(v) for k, v in numbers.items()})

    def si(self, overrides: Mapping[str, ArrayLike] | None = None) -> dict[str, Value]:
        """SI values of the parameters; ``overrides`` (local names, public units) may be
        arrays over the batch axis."""
        out: dict[str, Value] = {}
        for key, spec in self.SPECS.items():
            if overrides and key in overrides:
                value = spec.check(overrides[key], f"{self.name}.{key}")
            else:
                value = getattr(self, key)
            out[key] = spec.to_si(value)
        return out

    def evaluate(self, p: Mapping[str, Value], s: MembraneState) -> Output:
        """Fluxes for the batch; ``p`` from :meth:`si`."""
        raise NotImplementedError

    def describe(self) -> str:
        """One line saying what this mechanism is."""
        return self.KIND


def temperature_factor(p: Mapping[str, Value], s: MembraneState) -> Value:
    """Q10^((T - T_ref)/10 K) from a mechanism's SI parameters ``q10`` and ``T_ref``."""
    return kernels.q10_factor(p["q10"], p["T_ref"], s.temperature)


def zeros_flux(s: MembraneState) -> FloatArray:
    """An all-zero (B, 5) flux array for the batch in ``s``."""
    return np.zeros(s.v.shape + (len(SPECIES),))


def check_ion(ion: str, where: str, allowed: tuple[str, ...] = SPECIES[:N_IONS]) -> str:
    """Return the canonical ion name or raise UnknownNameError."""
    for name in allowed:
        if name.lower() == str(ion).lower():
            return name
    raise unknown(f"ion for {where}", ion, list(allowed))


def check_choice(value: str, where: str, allowed: tuple[str, ...]) -> str:
    """Check a string option against its allowed values."""
    if value not in allowed:
        raise ParameterError(f"{where}: {value!r} is not allowed; choose one of {', '.join(allowed)}")
    return value
