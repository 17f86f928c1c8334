"""Secondary active transporters: a stoichiometry and a thermodynamic rate law.

One cycle moves ``stoich[ion]`` ions of each species OUT of the cell (negative = in). The
free energy of a cycle, over RT, is

    dG/RT = sum_i s_i [ ln(c_out,i / c_in,i) - z_i F V / (R T) ]

and the default linear-thermodynamic law is rate (cycles/s) = -U A dG/RT, which is zero
exactly at the transporter's equilibrium (KCC2: E_K = E_Cl; NCX: E_NCX = 3 E_Na - 2 E_Ca).
The same law can be given as a conductance g (S/m^2): U = g R T / F^2, so that KCC2's outward
K+ flux is g (E_Cl - E_K) / F (Duesterwald et al. 2018).
``law = "mass_action"`` (electroneutral cotransporters, as in the flux-balance models of
Vereninov et al. 2014 PLoS One 9:e85986 for NC, KC and NKCC) is instead

    rate = k A (prod_i c_in,i^s+ c_out,i^s- - prod_i c_out,i^s+ c_in,i^s-)

(s+ = max(s, 0), s- = max(-s, 0); k in mol m^-2 s^-1 mM^-n, n the ions one side gives per
cycle): zero at the same equilibrium when the transporter carries no net charge.
Every rate is multiplied by Q10^((T - T_ref)/10).
These transporters use no ATP: they spend other ions' gradients.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from vrest.errors import ParameterError
from vrest.model.mechanisms.base import (
    ION_INDEX,
    N_IONS,
    Q10_SPECS,
    SCALE_SPEC,
    Z_IONS,
    Mechanism,
    MembraneState,
    Output,
    Value,
    check_choice,
    check_ion,
    temperature_factor,
    zeros_flux,
)
from vrest.model.parameters import MS_PER_CM2, ParamSpec
from vrest.physics import kernels

TRANSPORT_LAWS: tuple[str, ...] = ("linear", "mass_action")


@dataclass(frozen=True)
class Transporter(Mechanism):
    """A secondary transporter. With the linear law give its strength either as ``U``
    (mol m^-2 s^-1) or as a conductance ``g`` (mS/cm^2), not both; with the mass-action law as
    ``k``. The strengths not given are NaN and not parameters."""

    SPECS: ClassVar[Mapping[str, ParamSpec]] = {
        "U": ParamSpec("U", "mol/(m^2 s)", "turnover per unit dG/RT", hi=1.0),
        "g": ParamSpec("g", "mS/cm^2", "equivalent conductance (U = g R T / F^2)",
                       factor=MS_PER_CM2, hi=1e4),
        "k": ParamSpec("k", "mol/(m^2 s mM^n)", "mass-action rate constant (n ions per side)",
                       hi=1.0),
        "scale": SCALE_SPEC,
        **Q10_SPECS,
    }
    CHOICES: ClassVar[Mapping[str, tuple[str, ...]]] = {"law": TRANSPORT_LAWS}
    KIND: ClassVar[str] = "transporter"
    stoich: tuple[tuple[str, float], ...] = field(default=())
    U: float = math.nan
    g: float = math.nan
    scale: float = 1.0
    law: str = "linear"
    k: float = math.nan
    q10: float = 1.0
    T_ref: float = 37.0

    def __post_init__(self) -> None:
        if not self.name:
            raise ParameterError("transporter: a name is required (e.g. 'kcc2')")
        stoich = tuple((check_ion(ion, self.name), float(n)) for ion, n in self.stoich)
        if not stoich or all(n == 0 for _, n in stoich):
            raise ParameterError(f"{self.name}.stoich: must move at least one ion")
        object.__setattr__(self, "stoich", stoich)
        check_choice(self.law, f"{self.name}.law", TRANSPORT_LAWS)
        if self.law == "mass_action":
            if math.isnan(self.k):
                raise ParameterError(f"{self.name}: the mass_action law needs k "
                                     "(mol/(m^2 s mM^n))")
            if self.charge_per_cycle != 0:
                raise ParameterError(f"{self.name}.law: mass_action is for electroneutral "
                                     "cotransporters; this one moves charge (use linear)")
            given = ["k"]
        else:
            given = [k for k in ("U", "g") if not math.isnan(getattr(self, k))]
            if len(given) != 1:
                raise ParameterError(f"{self.name}: give exactly one of U (mol/(m^2 s)) or g "
                                     f"(mS/cm^2); got {given or 'none'}")
        for key in (*given, "scale", "q10", "T_ref"):
            self.SPECS[key].check(getattr(self, key), f"{self.name}.{key}")

    @property
    def strength(self) -> str:
        """'U', 'g' or 'k': which strength parameter this transporter uses."""
        if self.law == "mass_action":
            return "k"
        return "U" if not math.isnan(self.U) else "g"

    def values(self) -> dict[str, float]:
        return {key: float(getattr(self, key)) for key in (self.strength, "scale", "q10", "T_ref")}

    def with_values(self, changes: Mapping[str, object]) -> Mechanism:
        if "law" not in changes:
            others = {"U", "g", "k"} - {self.strength}
            for other in sorted(others & set(changes)):
                raise ParameterError(
                    f"{self.name}.{other}: this transporter is parametrised by {self.strength}; "
                    f"set {self.name}.{self.strength}")
        return super().with_values(changes)

    def si(self, overrides: Mapping[str, object] | None = None) -> dict[str, Value]:
        keys = (self.strength, "scale", "q10", "T_ref")
        out: dict[str, Value] = {}
        for key in keys:
            spec = self.SPECS[key]
            value = spec.check(overrides[key], f"{self.name}.{key}") if overrides and key in overrides \
                else getattr(self, key)
            out[key] = spec.to_si(value)
        return out

    @property
    def vector(self) -> np.ndarray:
        """Stoichiometry as a length-4 array over Na, K, Cl, Ca (outward +)."""
        vec = np.zeros(N_IONS)
        for ion, n in self.stoich:
            vec[ION_INDEX[ion]] = n
        return vec

    @property
    def charge_per_cycle(self) -> float:
        """Elementary charges moved out per cycle (0 for an electroneutral transporter)."""
        return float(self.vector @ Z_IONS)

    def dg_rt(self, s: MembraneState) -> Value:
        """dG/RT of one outward cycle for each cell (dimensionless)."""
        vec = self.vector
        used = vec != 0
        logs = kernels.transport_log_term(Z_IONS[used], s.c_in[..., used], s.c_out[..., used],
                                          s.u[..., None])
        return logs @ vec[used]

    def cycles(self, p: Mapping[str, Value], s: MembraneState) -> Value:
        """Cycles per second (mol/s), outward direction positive."""
        factor = p["scale"] * temperature_factor(p, s) * s.area
        if self.law == "mass_action":
            vec = self.vector
            used = vec != 0
            fwd, bwd = kernels.mass_action_logs(vec[used], s.c_in[..., used], s.c_out[..., used])
            return factor * kernels.mass_action_cycles(p["k"], fwd.sum(-1), bwd.sum(-1))
        coef = p["U"] if "U" in p else kernels.conductance_to_coef(p["g"], s.temperature)
        return factor * kernels.transporter_cycles(coef, self.dg_rt(s))

    def evaluate(self, p: Mapping[str, Value], s: MembraneState) -> Output:
        rate = self.cycles(p, s)
        flux = zeros_flux(s)
        flux[..., :N_IONS] = rate[..., None] * self.vector
        return Output(flux)

    def describe(self) -> str:
        parts = []
        for ion, n in self.stoich:
            sign = "out" if n > 0 else "in"
            parts.append(f"{abs(n):g} {ion} {sign}")
        value = getattr(self, self.strength)
        unit = self.SPECS[self.strength].unit
        law = "; mass action" if self.law == "mass_action" else ""
        return f"{self.name.upper()} ({', '.join(parts)}; {self.strength} = {value:g} {unit}{law})"


def KCC2(U: float = math.nan, g: float = math.nan, scale: float = 1.0, name: str = "kcc2",
         **law: Any) -> Transporter:
    """K+-Cl- cotransporter: 1 K+ and 1 Cl- out per cycle (electroneutral). ``law``: law, k,
    q10, T_ref."""
    return Transporter(name=name, stoich=(("K", 1.0), ("Cl", 1.0)), U=U, g=g, scale=scale, **law)


def NKCC1(U: float = math.nan, g: float = math.nan, scale: float = 1.0, name: str = "nkcc1",
          **law: Any) -> Transporter:
    """Na+-K+-2Cl- cotransporter: 1 Na+, 1 K+ and 2 Cl- in per cycle (electroneutral)."""
    return Transporter(name=name, stoich=(("Na", -1.0), ("K", -1.0), ("Cl", -2.0)), U=U, g=g,
                       scale=scale, **law)


def NCC(U: float = math.nan, g: float = math.nan, scale: float = 1.0, name: str = "ncc",
        **law: Any) -> Transporter:
    """Na+-Cl- cotransporter (NC): 1 Na+ and 1 Cl- in per cycle (electroneutral)."""
    return Transporter(name=name, stoich=(("Na", -1.0), ("Cl", -1.0)), U=U, g=g, scale=scale,
                       **law)


def NCX(U: float = math.nan, g: float = math.nan, scale: float = 1.0, name: str = "ncx",
        **law: Any) -> Transporter:
    """Na+/Ca2+ exchanger: 3 Na+ in, 1 Ca2+ out per cycle (one charge in: electrogenic)."""
    return Transporter(name=name, stoich=(("Na", -3.0), ("Ca", 1.0)), U=U, g=g, scale=scale,
                       **law)


TRANSPORTER_FACTORIES = {"kcc2": KCC2, "nkcc1": NKCC1, "ncc": NCC, "ncx": NCX}
