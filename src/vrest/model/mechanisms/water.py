"""Osmotic water flow: the cell's volume follows the osmolarity difference."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from vrest.model.mechanisms.base import Mechanism, MembraneState, Output, Value, zeros_flux
from vrest.model.parameters import CM_PER_S, L_PER_MOL, ParamSpec
from vrest.physics import kernels


@dataclass(frozen=True)
class Water(Mechanism):
    """Water flux (m^3/s, outward +) = -P_f A v_w (Osm_in - Osm_out): water enters a cell whose
    inside is more concentrated. Osmolarities count every modelled solute (ideal, coefficient 1):
    Na, K, Cl, Ca and trapped anions inside; the same ions plus bath impermeants outside.
    Defaults: v_w = 0.018 L/mol (molar volume of water)."""

    SPECS: ClassVar[Mapping[str, ParamSpec]] = {
        "P_f": ParamSpec("P_f", "cm/s", "osmotic water permeability (0 freezes the volume)",
                         factor=CM_PER_S, hi=1e3),
        "v_w": ParamSpec("v_w", "L/mol", "partial molar volume of water", factor=L_PER_MOL,
                         lo_open=True, hi=1.0),
    }
    KIND: ClassVar[str] = "water"
    name: str = "water"
    P_f: float = 0.015
    v_w: float = 0.018

    def evaluate(self, p: Mapping[str, Value], s: MembraneState) -> Output:
        osm_in = np.sum(s.c_in, axis=-1) + s.x_in
        osm_out = np.sum(s.c_out, axis=-1) + s.x_out
        water = s.area * kernels.water_flux(p["P_f"], p["v_w"], osm_in, osm_out)
        return Output(zeros_flux(s), water=water)

    def describe(self) -> str:
        return f"osmotic water flow (P_f = {self.P_f:g} cm/s)"
