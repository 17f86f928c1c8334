"""Primary active transport: the Na+/K+-ATPase and the plasma-membrane Ca2+-ATPase."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from vrest.model.mechanisms.base import (
    ION_INDEX,
    SCALE_SPEC,
    Mechanism,
    MembraneState,
    Output,
    Value,
    check_choice,
    zeros_flux,
)
from vrest.model.parameters import UA_PER_CM2, ParamSpec
from vrest.physics import kernels

PUMP_LAWS: tuple[str, ...] = ("saturating", "cubic", "constant")


@dataclass(frozen=True)
class NaKPump(Mechanism):
    """Na+/K+-ATPase: per cycle 3 Na+ out, 2 K+ in, 1 ATP; net one charge out.

    Rate laws (cycles/s for membrane area A; I_max in A/m^2):
    - ``saturating`` (DESIGN.md RPL-1; Na_i and K_o sites, after Hernandez et al. 1989 /
      Luo & Rudy 1994 without voltage dependence):
      (I_max A / F) (1 + K_K/K_o)^-2 (1 + K_Na/Na_i)^-3
    - ``cubic`` (Duesterwald et al. 2018 eLife 7:e39575): (I_max A / F) (Na_i/Na_o)^3
    - ``constant`` (Kay 2017 Front Cell Dev Biol 5:41): I_max A / F
    The pump current is F x cycles (outward); ATP use is cycles (mol/s).
    """

    SPECS: ClassVar[Mapping[str, ParamSpec]] = {
        "i_max": ParamSpec("i_max", "uA/cm^2", "maximal pump current density",
                           factor=UA_PER_CM2, hi=1e5),
        "K_K": ParamSpec("K_K", "mM", "half-activation by outside K+", lo_open=True, hi=1e4),
        "K_Na": ParamSpec("K_Na", "mM", "half-activation by inside Na+", lo_open=True, hi=1e4),
        "scale": SCALE_SPEC,
    }
    KIND: ClassVar[str] = "Na/K pump"
    name: str = "pump"
    law: str = "saturating"
    i_max: float = 10.0
    K_K: float = 2.0
    K_Na: float = 10.0
    scale: float = 1.0

    def __post_init__(self) -> None:
        check_choice(self.law, f"{self.name}.law", PUMP_LAWS)
        super().__post_init__()

    def cycles(self, p: Mapping[str, Value], s: MembraneState) -> Value:
        """Pump cycles per second (mol/s) for each cell of the batch."""
        return p["scale"] * s.area * kernels.pump_cycles(
            self.law_code, p["i_max"], p["K_K"], p["K_Na"], s.c_in[..., ION_INDEX["Na"]],
            s.c_out[..., ION_INDEX["Na"]], s.c_out[..., ION_INDEX["K"]])

    @property
    def law_code(self) -> int:
        """The rate law as the integer code used by vrest.physics.kernels."""
        return PUMP_LAWS.index(self.law)

    def evaluate(self, p: Mapping[str, Value], s: MembraneState) -> Output:
        rate = self.cycles(p, s)
        flux = zeros_flux(s)
        flux[..., ION_INDEX["Na"]] = 3.0 * rate
        flux[..., ION_INDEX["K"]] = -2.0 * rate
        return Output(flux, atp=rate)

    def describe(self) -> str:
        return f"Na+/K+ pump (3 Na+ out, 2 K+ in, 1 ATP; {self.law} law, I_max = {self.i_max:g} uA/cm^2)"


@dataclass(frozen=True)
class PMCA(Mechanism):
    """Plasma-membrane Ca2+-ATPase: 1 Ca2+ out per ATP, Michaelis-Menten in Ca_i.

    cycles/s = (I_max A / 2F) Ca_i / (Ca_i + K_m). The H+ it takes in exchange are not
    modelled, so its current is 2 F x cycles (outward).
    """

    SPECS: ClassVar[Mapping[str, ParamSpec]] = {
        "i_max": ParamSpec("i_max", "uA/cm^2", "maximal current density", factor=UA_PER_CM2,
                           hi=1e5),
        "K_m": ParamSpec("K_m", "mM", "half-activation by inside Ca2+", lo_open=True, hi=1e3),
        "scale": SCALE_SPEC,
    }
    KIND: ClassVar[str] = "Ca pump"
    name: str = "pmca"
    i_max: float = 0.01
    K_m: float = 2e-4
    scale: float = 1.0

    def evaluate(self, p: Mapping[str, Value], s: MembraneState) -> Output:
        rate = p["scale"] * s.area * kernels.pmca_cycles(p["i_max"], p["K_m"],
                                                         s.c_in[..., ION_INDEX["Ca"]])
        flux = zeros_flux(s)
        flux[..., ION_INDEX["Ca"]] = rate
        return Output(flux, atp=rate)

    def describe(self) -> str:
        return f"plasma-membrane Ca2+ pump (1 Ca2+ out per ATP, K_m = {self.K_m:g} mM)"
