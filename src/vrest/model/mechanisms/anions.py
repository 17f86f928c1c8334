"""Creation of trapped organic anions inside the cell (the lecture's step 1)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from vrest.model.mechanisms.base import (
    ION_INDEX,
    Mechanism,
    MembraneState,
    Output,
    Value,
    check_choice,
    zeros_flux,
)
from vrest.model.parameters import ParamSpec

COUNTER_IONS: tuple[str, ...] = ("none", "K", "Na")


@dataclass(frozen=True)
class AnionSource(Mechanism):
    """Makes impermeant anions inside at ``rate`` (mM/s of the starting cell volume).

    ``counter = "none"`` creates bare negative charge, as the lecture's step 1 says; ``"K"``
    or ``"Na"`` creates, with each anion of charge z_X, |z_X| cations of that ion, so that
    charge is conserved (cells make proteins from neutral precursors). The anion's charge is
    the cell's ``inside.z_X``. Not a membrane flux, so it carries no membrane current.
    """

    SPECS: ClassVar[Mapping[str, ParamSpec]] = {
        "rate": ParamSpec("rate", "mM/s", "creation rate per starting cell volume", hi=1e6),
    }
    KIND: ClassVar[str] = "anion source"
    name: str = "anion_source"
    rate: float = 1.0
    counter: str = "none"

    def __post_init__(self) -> None:
        check_choice(self.counter, f"{self.name}.counter", COUNTER_IONS)
        super().__post_init__()

    def source(self, p: Mapping[str, Value], s: MembraneState, volume0: Value, z_x: Value) -> Output:
        """'Outward flux' (mol/s) of X and counter-ions: negative, as they appear inside."""
        made = p["rate"] * volume0  # mol/s of anions
        flux = zeros_flux(s)
        flux[..., ION_INDEX["X"]] = -made
        if self.counter != "none":
            flux[..., ION_INDEX[self.counter]] = made * z_x
        return Output(flux)

    def evaluate(self, p: Mapping[str, Value], s: MembraneState) -> Output:
        raise NotImplementedError("AnionSource is evaluated by the model through source()")

    def describe(self) -> str:
        with_ = "with no counter-ions (charge not conserved)" if self.counter == "none" else \
            f"with {self.counter}+ counter-ions (charge conserved)"
        return f"anion source ({self.rate:g} mM/s, {with_})"
