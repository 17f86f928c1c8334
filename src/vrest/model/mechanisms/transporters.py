"""Secondary active transporters: a stoichiometry and a thermodynamic rate law.

One cycle moves ``stoich[ion]`` ions of each species OUT of the cell (negative = in). The
free energy of a cycle, over RT, is

    dG/RT = sum_i s_i [ ln(c_out,i / c_in,i) - z_i F V / (R T) ]

and the default linear-thermodynamic law is rate (cycles/s) = -U A dG/RT, which is zero
exactly at the transporter's equilibrium (KCC2: E_K = E_Cl; NCX: E_NCX = 3 E_Na - 2 E_Ca).
The same law can be given as a conductance g (S/m^2): U = g R T / F^2, so that KCC2's outward
K+ flux is g (E_Cl - E_K) / F (Duesterwald et al. 2018).
These transporters use no ATP: they spend other ions' gradients.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from vrest.errors import ParameterError
from vrest.model.mechanisms.base import (
    ION_INDEX,
    N_IONS,
    SCALE_SPEC,
    Z_IONS,
    Mechanism,
    MembraneState,
    Output,
    Value,
    check_ion,
    zeros_flux,
)
from vrest.model.parameters import MS_PER_CM2, ParamSpec
from vrest.physics import kernels


@dataclass(frozen=True)
class Transporter(Mechanism):
    """A secondary transporter. Give its strength either as ``U`` (mol m^-2 s^-1) or as a
    conductance ``g`` (mS/cm^2), not both; the other is NaN and not a parameter."""

    SPECS: ClassVar[Mapping[str, ParamSpec]] = {
        "U": ParamSpec("U", "mol/(m^2 s)", "turnover per unit dG/RT", hi=1.0),
        "g": ParamSpec("g", "mS/cm^2", "equivalent conductance (U = g R T / F^2)",
                       factor=MS_PER_CM2, hi=1e4),
        "scale": SCALE_SPEC,
    }
    KIND: ClassVar[str] = "transporter"
    stoich: tuple[tuple[str, float], ...] = field(default=())
    U: float = math.nan
    g: float = math.nan
    scale: float = 1.0

    def __post_init__(self) -> None:
        if not self.name:
            raise ParameterError("transporter: a name is required (e.g. 'kcc2')")
        stoich = tuple((check_ion(ion, self.name), float(n)) for ion, n in self.stoich)
        if not stoich or all(n == 0 for _, n in stoich):
            raise ParameterError(f"{self.name}.stoich: must move at least one ion")
        object.__setattr__(self, "stoich", stoich)
        given = [k for k in ("U", "g") if not math.isnan(getattr(self, k))]
        if len(given) != 1:
            raise ParameterError(
                f"{self.name}: give exactly one of U (mol/(m^2 s)) or g (mS/cm^2); got {given or 'none'}"
            )
        for key in (*given, "scale"):
            self.SPECS[key].check(getattr(self, key), f"{self.name}.{key}")

    @property
    def strength(self) -> str:
        """'U' or 'g': which strength parameter this transporter uses."""
        return "U" if not math.isnan(self.U) else "g"

    def values(self) -> dict[str, float]:
        return {self.strength: float(getattr(self, self.strength)), "scale": float(self.scale)}

    def with_values(self, changes: Mapping[str, object]) -> Mechanism:
        other = "g" if self.strength == "U" else "U"
        if other in changes:
            raise ParameterError(
                f"{self.name}.{other}: this transporter is parametrised by {self.strength}; "
                f"set {self.name}.{self.strength}"
            )
        return super().with_values(changes)

    def si(self, overrides: Mapping[str, object] | None = None) -> dict[str, Value]:
        keys = (self.strength, "scale")
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
        coef = p["U"] if "U" in p else kernels.conductance_to_coef(p["g"], s.temperature)
        return p["scale"] * s.area * kernels.transporter_cycles(coef, self.dg_rt(s))

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
        unit = "mol/(m^2 s)" if self.strength == "U" else "mS/cm^2"
        return f"{self.name.upper()} ({', '.join(parts)}; {self.strength} = {value:g} {unit})"


def KCC2(U: float = math.nan, g: float = math.nan, scale: float = 1.0, name: str = "kcc2") -> Transporter:
    """K+-Cl- cotransporter: 1 K+ and 1 Cl- out per cycle (electroneutral)."""
    return Transporter(name=name, stoich=(("K", 1.0), ("Cl", 1.0)), U=U, g=g, scale=scale)


def NKCC1(U: float = math.nan, g: float = math.nan, scale: float = 1.0, name: str = "nkcc1") -> Transporter:
    """Na+-K+-2Cl- cotransporter: 1 Na+, 1 K+ and 2 Cl- in per cycle (electroneutral)."""
    return Transporter(name=name, stoich=(("Na", -1.0), ("K", -1.0), ("Cl", -2.0)), U=U, g=g,
                       scale=scale)


def NCX(U: float = math.nan, g: float = math.nan, scale: float = 1.0, name: str = "ncx") -> Transporter:
    """Na+/Ca2+ exchanger: 3 Na+ in, 1 Ca2+ out per cycle (one charge in: electrogenic)."""
    return Transporter(name=name, stoich=(("Na", -3.0), ("Ca", 1.0)), U=U, g=g, scale=scale)


TRANSPORTER_FACTORIES = {"kcc2": KCC2, "nkcc1": NKCC1, "ncx": NCX}
