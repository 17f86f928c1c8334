"""Ungated leak channels, one per ion: GHK permeability (default) or ohmic conductance."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from vrest.model.mechanisms.base import (
    ION_INDEX,
    ION_LABELS,
    SCALE_SPEC,
    Z_IONS,
    Mechanism,
    MembraneState,
    Output,
    Value,
    check_ion,
    zeros_flux,
)
from vrest.model.parameters import CM_PER_S, MS_PER_CM2, ParamSpec
from vrest.physics import kernels


@dataclass(frozen=True)
class _Leak(Mechanism):
    """A leak of one ion; named ``leak.<Ion>`` unless given a name."""

    ion: str = "K"

    def __post_init__(self) -> None:
        object.__setattr__(self, "ion", check_ion(self.ion, "a leak"))
        if not self.name:
            object.__setattr__(self, "name", f"leak.{self.ion}")
        super().__post_init__()


@dataclass(frozen=True)
class GHKLeak(_Leak):
    """Leak of one ion through always-open channels; flux by the GHK flux equation.

    J (mol/s, outward) = A P (c_in B(-zu) - c_out B(zu)), u = F V / R T.
    """

    SPECS: ClassVar[Mapping[str, ParamSpec]] = {
        "P": ParamSpec("P", "cm/s", "permeability", factor=CM_PER_S, hi=1.0),
        "scale": SCALE_SPEC,
    }
    KIND: ClassVar[str] = "GHK leak"
    P: float = 1e-6
    scale: float = 1.0

    def evaluate(self, p: Mapping[str, Value], s: MembraneState) -> Output:
        i = ION_INDEX[self.ion]
        flux = zeros_flux(s)
        x = Z_IONS[i] * s.u
        with np.errstate(over="ignore"):
            b_minus, b_plus = kernels.bernoulli_pair(x)
        flux[..., i] = s.area * p["scale"] * kernels.ghk_flux(
            p["P"], s.c_in[..., i], s.c_out[..., i], b_minus, b_plus)
        return Output(flux)

    def describe(self) -> str:
        return f"{ION_LABELS[self.ion]} leak (GHK), P = {self.P:g} cm/s"


@dataclass(frozen=True)
class OhmicLeak(_Leak):
    """Leak of one ion with a fixed conductance: I = g (V - E_ion), flux = I / (z F)."""

    SPECS: ClassVar[Mapping[str, ParamSpec]] = {
        "g": ParamSpec("g", "mS/cm^2", "conductance", factor=MS_PER_CM2, hi=1e4),
        "scale": SCALE_SPEC,
    }
    KIND: ClassVar[str] = "ohmic leak"
    g: float = 0.1
    scale: float = 1.0

    def evaluate(self, p: Mapping[str, Value], s: MembraneState) -> Output:
        i = ION_INDEX[self.ion]
        z = Z_IONS[i]
        e_rev = kernels.nernst(z, s.c_in[..., i], s.c_out[..., i], s.temperature)
        flux = zeros_flux(s)
        flux[..., i] = p["scale"] * s.area * kernels.ohmic_flux(p["g"], z, s.v, e_rev)
        return Output(flux)

    def describe(self) -> str:
        return f"{ION_LABELS[self.ion]} leak (ohmic), g = {self.g:g} mS/cm^2"
