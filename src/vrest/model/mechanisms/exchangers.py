"""The saturating Na+/Ca2+ exchanger of ten Tusscher & Panfilov 2006 (cardiac models)."""

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


@dataclass(frozen=True)
class NCXSaturating(Mechanism):
    """Na+/Ca2+ exchanger with saturation and voltage dependence (ten Tusscher & Panfilov 2006
    Am J Physiol Heart Circ Physiol 291:H1088, after Luo & Rudy 1994), per cycle 3 Na+ and 1 Ca2+
    exchanged; the current density (outward +, the reverse mode: 3 Na+ out, 1 Ca2+ in) is

        I = k_NaCa [e^(gamma u) Na_i^3 Ca_o - e^((gamma - 1) u) Na_o^3 Ca_i alpha]
            / [(K_mNa^3 + Na_o^3) (K_mCa + Ca_o) (1 + k_sat e^((gamma - 1) u))]

    (u = F V / R T, concentrations in mM) and the cycles (forward mode: 3 Na+ in, 1 Ca2+ out)
    are -I A / F. TP06's values: k_NaCa 1000 pA/pF (= 1000 uA/cm^2 at 1 uF/cm^2), K_mNa 87.5 mM,
    K_mCa 1.38 mM, k_sat 0.1, gamma 0.35, alpha 2.5. With alpha != 1 the current is not zero
    exactly at E_NCX = 3 E_Na - 2 E_Ca (the published law's choice). Rate x Q10^((T - T_ref)/10).
    """

    SPECS: ClassVar[Mapping[str, ParamSpec]] = {
        "i_max": ParamSpec("i_max", "uA/cm^2", "k_NaCa, scale of the exchanger current",
                           factor=UA_PER_CM2, hi=1e6),
        "K_mNa": ParamSpec("K_mNa", "mM", "half-saturation by outside Na+", lo_open=True, hi=1e4),
        "K_mCa": ParamSpec("K_mCa", "mM", "half-saturation by outside Ca2+", lo_open=True, hi=1e4),
        "k_sat": ParamSpec("k_sat", "1", "saturation at negative potentials", hi=1e3),
        "gamma": ParamSpec("gamma", "1", "position of the energy barrier in the field", hi=1.0),
        "alpha": ParamSpec("alpha", "1", "enhancement of the forward (Ca-out) mode", lo_open=True,
                           hi=1e3),
        "scale": SCALE_SPEC,
        **Q10_SPECS,
    }
    KIND: ClassVar[str] = "Na/Ca exchanger"
    name: str = "ncx"
    i_max: float = 1000.0
    K_mNa: float = 87.5
    K_mCa: float = 1.38
    k_sat: float = 0.1
    gamma: float = 0.35
    alpha: float = 2.5
    scale: float = 1.0
    q10: float = 1.0
    T_ref: float = 37.0

    def current(self, p: Mapping[str, Value], s: MembraneState) -> Value:
        """Current density (A/m^2, outward +) for each cell of the batch."""
        na, ca = ION_INDEX["Na"], ION_INDEX["Ca"]
        return p["scale"] * temperature_factor(p, s) * kernels.ncx_tp06_current(
            p["i_max"], p["K_mNa"], p["K_mCa"], p["k_sat"], p["gamma"], p["alpha"],
            s.c_in[..., na], s.c_out[..., na], s.c_in[..., ca], s.c_out[..., ca], s.u)

    def evaluate(self, p: Mapping[str, Value], s: MembraneState) -> Output:
        cycles = -self.current(p, s) * s.area / kernels.F  # forward: 3 Na+ in, 1 Ca2+ out
        flux = zeros_flux(s)
        flux[..., ION_INDEX["Na"]] = -3.0 * cycles
        flux[..., ION_INDEX["Ca"]] = cycles
        return Output(flux)

    def describe(self) -> str:
        return (f"NCX (3 Na+ in, 1 Ca2+ out; saturating law of ten Tusscher & Panfilov 2006, "
                f"k_NaCa = {self.i_max:g} uA/cm^2)")
