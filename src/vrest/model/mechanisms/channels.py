"""Voltage-gated channels (Hodgkin-Huxley type): Na+ (m^3 h) and K+ (n^4), ohmic in V - E_ion.

Each gate x has its own state column and obeys dx/dt = phi [alpha(V) (1 - x) - beta(V) x],
phi = Q10^((T - T_ref)/10) (rates in vrest.physics.kernels.gate_rates). The current is
g m^3 h (V - E_Na) or g n^4 (V - E_K), with E from the cell's concentrations now, and it
carries its ion: every spike moves real Na+ and K+ (the model's charge and ion bookkeeping
holds through spikes).

Kinetics: ``hh1952`` (squid giant axon; Hodgkin & Huxley 1952 J Physiol 117:500-544, 6.3 degC,
Q10 3, g_Na 120, g_K 36 mS/cm^2) or ``traub_miles`` (the mammalian pair of Traub & Miles 1991
as used for cortical neurons by Pospischil et al. 2008 Biol Cybern 99:427, threshold shift V_T).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from vrest.model.mechanisms.base import (
    ION_INDEX,
    ION_LABELS,
    Q10_SPECS,
    SCALE_SPEC,
    Z_IONS,
    FloatArray,
    Mechanism,
    MembraneState,
    Output,
    Value,
    zeros_flux,
)
from vrest.model.parameters import MS_PER_CM2, ParamSpec
from vrest.physics import kernels

KINETICS: tuple[str, ...] = ("hh1952", "traub_miles")
GATE_CODES = {"m": 0, "h": 1, "n": 2}


@dataclass(frozen=True)
class GatedChannel(Mechanism):
    """A voltage-gated channel of one ion with gates ``GATES`` and open fraction
    prod gate^power (``POWERS``)."""

    SPECS: ClassVar[Mapping[str, ParamSpec]] = {
        "g": ParamSpec("g", "mS/cm^2", "maximal conductance", factor=MS_PER_CM2, hi=1e4),
        "V_T": ParamSpec("V_T", "mV", "threshold shift of the traub_miles kinetics", lo=-200.0,
                         hi=200.0),
        "scale": SCALE_SPEC,
        **Q10_SPECS,
    }
    CHOICES: ClassVar[Mapping[str, tuple[str, ...]]] = {"kinetics": KINETICS}
    GATED: ClassVar[bool] = True
    GATES: ClassVar[tuple[str, ...]] = ()
    POWERS: ClassVar[tuple[int, ...]] = ()
    ION: ClassVar[str] = "Na"
    kinetics: str = "hh1952"
    g: float = 0.0
    V_T: float = -63.0
    scale: float = 1.0
    q10: float = 3.0
    T_ref: float = 6.3

    def values(self) -> dict[str, float]:
        keys = ("g", *(("V_T",) if self.kinetics == "traub_miles" else ()), "scale", "q10", "T_ref")
        return {key: float(getattr(self, key)) for key in keys}

    @property
    def gate_names(self) -> tuple[str, ...]:
        """State column names of this channel's gates (``<name>.<gate>``)."""
        return tuple(f"{self.name}.{g}" for g in self.GATES)

    def _rates(self, v_mv: Value) -> list[tuple[Value, Value]]:
        code = KINETICS.index(self.kinetics)
        return [kernels.gate_rates(code, GATE_CODES[g], v_mv, self.V_T) for g in self.GATES]

    def steady_gates(self, v_mv: Value) -> dict[str, Value]:
        """Each gate's steady value alpha / (alpha + beta) at V (mV)."""
        return {name: a / (a + b) for name, (a, b) in zip(self.gate_names, self._rates(v_mv),
                                                           strict=True)}

    def gate_derivatives(self, p: Mapping[str, Value], s: MembraneState) -> dict[str, Value]:
        """d gate / dt (1/s) of each gate for the batch."""
        phi = 1e3 * kernels.q10_factor(p["q10"], p["T_ref"], s.temperature)  # 1/ms -> 1/s
        out = {}
        for name, (a, b) in zip(self.gate_names, self._rates(1e3 * s.v), strict=True):
            x = s.gates[name]
            out[name] = phi * (a * (1.0 - x) - b * x)
        return out

    def open_fraction(self, s: MembraneState) -> FloatArray:
        """prod gate^power for the batch."""
        frac = np.ones(s.v.shape)
        for name, power in zip(self.gate_names, self.POWERS, strict=True):
            frac = frac * s.gates[name] ** power
        return frac

    def evaluate(self, p: Mapping[str, Value], s: MembraneState) -> Output:
        i = ION_INDEX[self.ION]
        z = Z_IONS[i]
        e_rev = kernels.nernst(z, s.c_in[..., i], s.c_out[..., i], s.temperature)
        flux = zeros_flux(s)
        flux[..., i] = p["scale"] * s.area * kernels.ohmic_flux(
            p["g"] * self.open_fraction(s), z, s.v, e_rev)
        return Output(flux)

    def describe(self) -> str:
        gates = " ".join(f"{g}^{n}" if n > 1 else g for g, n in zip(self.GATES, self.POWERS,
                                                                     strict=True))
        return (f"voltage-gated {ION_LABELS[self.ION]} channel ({self.kinetics}, g = {self.g:g} "
                f"mS/cm^2 x {gates})")


@dataclass(frozen=True)
class HHSodium(GatedChannel):
    """Hodgkin-Huxley Na+ channel: g m^3 h (V - E_Na); HH 1952's g_Na = 120 mS/cm^2."""

    GATES: ClassVar[tuple[str, ...]] = ("m", "h")
    POWERS: ClassVar[tuple[int, ...]] = (3, 1)
    ION: ClassVar[str] = "Na"
    KIND: ClassVar[str] = "gated Na channel"
    name: str = "hh_na"
    g: float = 120.0


@dataclass(frozen=True)
class HHPotassium(GatedChannel):
    """Hodgkin-Huxley delayed-rectifier K+ channel: g n^4 (V - E_K); HH 1952's g_K = 36."""

    GATES: ClassVar[tuple[str, ...]] = ("n",)
    POWERS: ClassVar[tuple[int, ...]] = (4,)
    ION: ClassVar[str] = "K"
    KIND: ClassVar[str] = "gated K channel"
    name: str = "hh_k"
    g: float = 36.0
