"""Current clamp: a current injected into the cell through an electrode, carried by an ion.

The injected current I (uA/cm^2 of the cell's membrane, positive INTO the cell, so positive
depolarises, as in every current-clamp protocol) is carried by one ion species that the
electrode delivers (default K+, as from a KCl- or K-gluconate-filled pipette): I A / (z F) mol/s
of that ion enter the cell. The ion is counted as coming from outside (the bath's account), so
the model's bookkeeping needs no new term: each ion's inside + outside amount and the charge
(V from the ions inside) stay exact through a stimulus.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from vrest.model.mechanisms.base import (
    ION_INDEX,
    ION_LABELS,
    Z_IONS,
    Mechanism,
    MembraneState,
    Output,
    Value,
    check_ion,
    zeros_flux,
)
from vrest.model.parameters import UA_PER_CM2, ParamSpec
from vrest.physics import kernels


@dataclass(frozen=True)
class CurrentClamp(Mechanism):
    """Injected current I (uA/cm^2, into the cell) carried by ``ion``."""

    SPECS: ClassVar[Mapping[str, ParamSpec]] = {
        "I": ParamSpec("I", "uA/cm^2", "current injected into the cell (positive depolarises)",
                       factor=UA_PER_CM2, lo=-1e4, hi=1e4),
    }
    KIND: ClassVar[str] = "current clamp"
    name: str = "stim"
    ion: str = "K"
    I: float = 0.0  # noqa: E741 - the current's usual symbol

    def __post_init__(self) -> None:
        object.__setattr__(self, "ion", check_ion(self.ion, "a current clamp"))
        super().__post_init__()

    def evaluate(self, p: Mapping[str, Value], s: MembraneState) -> Output:
        i = ION_INDEX[self.ion]
        flux = zeros_flux(s)
        flux[..., i] = kernels.injected_flux(p["I"], Z_IONS[i], s.area)
        return Output(flux)

    def describe(self) -> str:
        return f"current clamp ({self.I:g} uA/cm^2 into the cell, carried by {ION_LABELS[self.ion]})"
