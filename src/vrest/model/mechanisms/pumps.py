"""Primary active transport: the Na+/K+-ATPase and the plasma-membrane Ca2+-ATPase."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from vrest.model.mechanisms.base import (
    ION_INDEX,
    Q10_SPECS,
    SCALE_SPEC,
    Mechanism,
    MembraneState,
    Output,
    Value,
    temperature_factor,
    zeros_flux,
)
from vrest.model.parameters import UA_PER_CM2, ParamSpec
from vrest.physics import kernels

PUMP_LAWS: tuple[str, ...] = ("saturating", "cubic", "constant", "voltage", "sigmoid", "linear")
PUMP_BOUNDS: tuple[str, ...] = ("none", "thermodynamic")
#: Parameters each law uses besides i_max, scale, q10 and T_ref (listed only for that law).
LAW_PARAMS: dict[str, tuple[str, ...]] = {
    "saturating": ("K_K", "K_Na"), "cubic": ("K_K", "K_Na", "Na_o_ref"), "constant": ("K_K", "K_Na"),
    "voltage": ("K_K", "K_Na"), "sigmoid": ("K_K", "K_Na", "s_Na", "s_K"), "linear": ("K_K", "K_Na"),
}


@dataclass(frozen=True)
class NaKPump(Mechanism):
    """Na+/K+-ATPase: per cycle 3 Na+ out, 2 K+ in, 1 ATP; net one charge out.

    Rate laws (cycles/s for membrane area A; I_max in A/m^2; u = F V / R T):
    - ``saturating`` (RPL-1, docs/explanation/benchmarks.md; Na_i and K_o sites, after Hernandez et al. 1989 /
      Luo & Rudy 1994 without voltage dependence):
      (I_max A / F) (1 + K_K/K_o)^-2 (1 + K_Na/Na_i)^-3
    - ``cubic`` (Duesterwald et al. 2018 eLife 7:e39575): (I_max A / F) (Na_i/Na_o,ref)^3, with
      a fixed reference ``Na_o_ref`` (default 145 mM, the bath of that paper) rather than the
      bath's Na now, so replacing bath Na+ does not speed the pump
    - ``constant`` (Kay 2017 Front Cell Dev Biol 5:41): I_max A / F
    - ``voltage`` (ten Tusscher & Panfilov 2006 Am J Physiol 291:H1088, the Luo & Rudy 1994
      Circ Res 74:1071 voltage factor): (I_max A / F) K_o/(K_o + K_K) Na_i/(Na_i + K_Na) /
      (1 + 0.1245 e^(-0.1 u) + 0.0353 e^(-u)); TP06 values I_max 2.724 pA/pF, K_K 1 mM, K_Na 40 mM
    - ``sigmoid`` (Wei, Ullah & Schiff 2014 J Neurosci 34:11733; used by Saetra et al. 2021
      PLoS Comput Biol 17:e1008143): (I_max A / F) / (1 + e^((K_Na - Na_i)/s_Na)) /
      (1 + e^((K_K - K_o)/s_K)); Wei's values K_Na 25 mM, s_Na 3 mM, K_K 5.5 mM, s_K 1 mM
    - ``linear`` (pump flux proportional to Na_i, as in the flux-balance models of Vereninov et
      al. 2014 PLoS One 9:e85986): (I_max A / F) Na_i / K_Na (I_max is reached at Na_i = K_Na)
    ``bound = "thermodynamic"`` multiplies any law by tanh(-dG/2RT), dG = dG_ATP + F (3 E_Na -
    2 E_K - V) the free energy of one cycle (vrest.physics.kernels.pump_bound): zero at
    V = 3 E_Na - 2 E_K + dG_ATP/F (about -200 mV with dG_ATP = -55 kJ/mol), reversed beyond.
    Every rate is multiplied by Q10^((T - T_ref)/10). The pump current is F x cycles (outward);
    ATP use is cycles (mol/s).
    """

    SPECS: ClassVar[Mapping[str, ParamSpec]] = {
        "i_max": ParamSpec("i_max", "uA/cm^2", "maximal pump current density",
                           factor=UA_PER_CM2, hi=1e5),
        "K_K": ParamSpec("K_K", "mM", "half-activation by outside K+", lo_open=True, hi=1e4),
        "K_Na": ParamSpec("K_Na", "mM", "half-activation by inside Na+", lo_open=True, hi=1e4),
        "scale": SCALE_SPEC,
        "Na_o_ref": ParamSpec("Na_o_ref", "mM", "reference outside Na+ of the cubic law",
                              lo_open=True, hi=1e4),
        "s_Na": ParamSpec("s_Na", "mM", "slope of the sigmoid in inside Na+", lo_open=True, hi=1e3),
        "s_K": ParamSpec("s_K", "mM", "slope of the sigmoid in outside K+", lo_open=True, hi=1e3),
        "dG_ATP": ParamSpec("dG_ATP", "kJ/mol", "free energy of ATP hydrolysis (thermodynamic bound)",
                            factor=1e3, lo=-200.0, hi=0.0),
        **Q10_SPECS,
    }
    CHOICES: ClassVar[Mapping[str, tuple[str, ...]]] = {"law": PUMP_LAWS, "bound": PUMP_BOUNDS}
    KIND: ClassVar[str] = "Na/K pump"
    name: str = "pump"
    law: str = "saturating"
    i_max: float = 10.0
    K_K: float = 2.0
    K_Na: float = 10.0
    scale: float = 1.0
    Na_o_ref: float = 145.0
    s_Na: float = 3.0
    s_K: float = 1.0
    bound: str = "none"
    dG_ATP: float = -55.0
    q10: float = 1.0
    T_ref: float = 37.0

    def values(self) -> dict[str, float]:
        keys = ("i_max", *LAW_PARAMS[self.law], "scale",
                *(("dG_ATP",) if self.bound == "thermodynamic" else ()), "q10", "T_ref")
        return {key: float(getattr(self, key)) for key in keys}

    def cycles(self, p: Mapping[str, Value], s: MembraneState) -> Value:
        """Pump cycles per second (mol/s) for each cell of the batch."""
        na, k = ION_INDEX["Na"], ION_INDEX["K"]
        rate = kernels.pump_cycles(
            self.law_code, p["i_max"], p["K_K"], p["K_Na"], s.c_in[..., na], s.c_out[..., k], s.u,
            p["Na_o_ref"], p["s_Na"], p["s_K"])
        if self.bound == "thermodynamic":
            rate = rate * kernels.pump_bound(1.0, p["dG_ATP"], s.c_in[..., na], s.c_out[..., na],
                                             s.c_in[..., k], s.c_out[..., k], s.u, s.temperature)
        return p["scale"] * temperature_factor(p, s) * s.area * rate

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
        bound = "" if self.bound == "none" else f", bounded by dG_ATP = {self.dG_ATP:g} kJ/mol"
        return (f"Na+/K+ pump (3 Na+ out, 2 K+ in, 1 ATP; {self.law} law, I_max = {self.i_max:g} "
                f"uA/cm^2{bound})")


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
        **Q10_SPECS,
    }
    KIND: ClassVar[str] = "Ca pump"
    name: str = "pmca"
    i_max: float = 0.01
    K_m: float = 2e-4
    scale: float = 1.0
    q10: float = 1.0
    T_ref: float = 37.0

    def evaluate(self, p: Mapping[str, Value], s: MembraneState) -> Output:
        rate = p["scale"] * temperature_factor(p, s) * s.area * kernels.pmca_cycles(p["i_max"], p["K_m"],
                                                         s.c_in[..., ION_INDEX["Ca"]])
        flux = zeros_flux(s)
        flux[..., ION_INDEX["Ca"]] = rate
        return Output(flux, atp=rate)

    def describe(self) -> str:
        return f"plasma-membrane Ca2+ pump (1 Ca2+ out per ATP, K_m = {self.K_m:g} mM)"
