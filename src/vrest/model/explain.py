"""Numbers -> per-ion driving forces, directions and plain-language reasons.

Everything here returns plain data (frozen dataclasses with ``to_dict()``); the CLI and the web
page only format it. Units: mV, mM, K, kJ/mol. Signs: V inside minus outside; fluxes and
currents positive outward; an energy is the work done on one mole moving outward (positive
pushes the ion out).

It lives in :mod:`vrest.model`, not :mod:`vrest.physics`, because :func:`explain_preset` takes a
:class:`vrest.model.presets.Preset`; the rest uses only the physics layer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from vrest.errors import ParameterError
from vrest.model.presets.loader import Preset
from vrest.physics import checks as _checks
from vrest.physics import equations as eq
from vrest.physics import ions as _ions

_LABELS = {"Na": "Na+", "K": "K+", "Cl": "Cl-", "Ca": "Ca2+"}


def ion_label(name: str) -> str:
    """Chemical label of an ion: 'K' -> 'K+', 'Ca' -> 'Ca2+'."""
    if name in _LABELS:
        return _LABELS[name]
    z = _ions.get(name).valence
    return f"{name}{abs(z) if abs(z) != 1 else ''}{'+' if z > 0 else '-'}"


def format_mV(value: float) -> str:
    """A potential for prose: signed, whole mV from 10 mV up, one decimal below."""
    text = f"{value:+.0f}" if abs(value) >= 9.95 else f"{value:+.1f}"
    return "0" if text.strip("+-") in ("0", "0.0") else text


@dataclass(frozen=True)
class IonReport:
    """One ion at one membrane potential: forces, directions and the reason in words."""

    ion: str
    label: str
    z: float
    c_in_mM: float
    c_out_mM: float
    E_mV: float
    V_mV: float
    driving_force_mV: float
    electrical_kJ_mol: float
    diffusional_kJ_mol: float
    total_kJ_mol: float
    flux: str
    current: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict."""
        return asdict(self)


@dataclass(frozen=True)
class Explanation:
    """Per-ion reports at one potential; ``V_origin`` says where V came from."""

    V_mV: float
    V_origin: str
    temperature_K: float
    preset: str | None
    ions: tuple[IonReport, ...]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict."""
        out = asdict(self)
        out["ions"] = [r.to_dict() for r in self.ions]
        return out


@dataclass(frozen=True)
class RestingSummary:
    """Reversal potentials, the GHK voltage of the leaks and two averages of the E's.

    ``V_mV`` is the GHK zero-current potential (not a weighted average of the E's).
    ``chord_weights`` are g_i / sum g with g_i = I_i / (V_op - E_i) the GHK chord conductance of
    each permeant ion at the operating point ``V_op_mV`` (the model's V when given, else the GHK
    voltage); ``chord_mV`` = sum w_i E_i (at V_op = GHK it equals the GHK voltage, since
    sum g_i (V - E_i) = sum I_i = 0). ``lecture_mV`` is the lecture's permeability-weighted
    average sum P_i E_i / sum P_i, an approximation.
    """

    temperature_K: float
    inside_mM: dict[str, float]
    outside_mM: dict[str, float]
    permeability: dict[str, float]
    E_mV: dict[str, float]
    V_mV: float
    chord_mV: float | None  # None when a permeant ion's E is infinite (none of it on one side)
    chord_weights: dict[str, float]
    V_op_mV: float
    lecture_mV: float

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict."""
        return asdict(self)


def _sign(x: float, tol: float) -> int:
    return 0 if abs(x) <= tol else (1 if x > 0 else -1)


def _direction_word(sign: int) -> str:
    return "outward" if sign > 0 else "inward"


def reason(
    ion: str,
    z: float,
    c_in_mM: float,
    c_out_mM: float,
    v_mV: float,
    e_mV: float,
    tol_mV: float = eq.EQUILIBRIUM_TOL_MV,
) -> str:
    """One sentence, from the numbers, saying which way the ion moves and why."""
    label, e_txt, v_txt = ion_label(ion), f"E_{ion} = {format_mV(e_mV)} mV", f"{format_mV(v_mV)} mV"
    chem = 0 if c_in_mM == c_out_mM else (1 if c_in_mM > c_out_mM else -1)
    elec = _sign(z * v_mV, tol_mV)
    flux = _sign(z * (v_mV - e_mV), tol_mV * abs(z))
    elec_word = "push outward" if elec > 0 else "pull inward"
    if flux == 0:
        if chem == 0 and elec == 0:
            return f"{label} is at equilibrium: equal concentrations on both sides and no voltage"
        return (
            f"{label} is at equilibrium: the concentration push {_direction_word(chem)}"
            f" ({e_txt}) exactly balances the electrical {elec_word} at {v_txt}"
        )
    verb = f"{'leaves' if flux > 0 else 'enters'} (V - E_{ion} = {format_mV(v_mV - e_mV)} mV)"
    if chem == 0:
        text = (
            f"{label} {verb}: its concentration is the same on both sides, so only the"
            f" electrical {elec_word} at {v_txt} acts"
        )
    elif elec == 0:
        text = (
            f"{label} {verb}: at 0 mV there is no electrical force, only the concentration"
            f" push {_direction_word(chem)} ({e_txt})"
        )
    elif chem == elec:
        text = (
            f"{label} {verb}: the concentration push ({e_txt}) and the electrical"
            f" {elec_word.split()[0]} at {v_txt} both point {_direction_word(chem)}"
        )
    elif flux == chem:
        text = (
            f"{label} {verb}: the concentration push {_direction_word(chem)} ({e_txt}) is"
            f" stronger than the electrical {elec_word} at {v_txt}"
        )
    else:
        text = (
            f"{label} {verb}: the electrical {elec_word} at {v_txt} is stronger than the"
            f" concentration push {_direction_word(chem)} ({e_txt})"
        )
    if z < 0:
        text += (
            f"; a negative ion, so its {'outward' if flux > 0 else 'inward'} flux is an"
            f" {'inward' if flux > 0 else 'outward'} current"
        )
    return text


def explain_ion(
    ion: str, c_in_mM: float, c_out_mM: float, v_mV: float, temperature_K: float
) -> IonReport:
    """Driving force on one ion at ``v_mV``, split and explained."""
    z = float(_ions.get(ion).valence)
    name = _ions.get(ion).name
    df = eq.driving_force(z, c_in_mM, c_out_mM, v_mV, temperature_K)
    e, v = float(df.E_mV), float(df.v_mV)
    return IonReport(
        name,
        ion_label(name),
        z,
        float(c_in_mM),
        float(c_out_mM),
        e,
        v,
        float(df.driving_force_mV),
        float(df.electrical_J_mol) / 1e3,
        float(df.diffusional_J_mol) / 1e3,
        float(df.total_J_mol) / 1e3,
        str(df.flux),
        str(df.current),
        reason(name, z, float(c_in_mM), float(c_out_mM), v, e),
    )


def _common_ions(inside: Mapping[str, float], outside: Mapping[str, float]) -> list[str]:
    names = {_ions.get(k).name: k for k in inside}
    out_names = {_ions.get(k).name for k in outside}
    return [i.name for i in _ions.STANDARD if i.name in names and i.name in out_names]


def _canonical(values: Mapping[str, float]) -> dict[str, float]:
    return {_ions.get(k).name: float(v) for k, v in values.items()}


def explain(
    inside_mM: Mapping[str, float],
    outside_mM: Mapping[str, float],
    temperature_K: float,
    v_mV: float | None = None,
    permeability: Mapping[str, float] | None = None,
    preset: str | None = None,
) -> Explanation:
    """Explain every ion given on both sides at ``v_mV``.

    Without ``v_mV`` the GHK zero-current potential of ``permeability`` is used.
    """
    inside, outside = _canonical(inside_mM), _canonical(outside_mM)
    if v_mV is None:
        if not permeability:
            raise ParameterError(
                "membrane potential: none given and no permeabilities to compute"
                " the GHK potential from; give a potential in mV (--vm)"
            )
        v = float(eq.zero_current_potential(permeability, inside, outside, temperature_K))
        origin = "GHK zero-current potential" + (f" of preset {preset}" if preset else "")
    else:
        v = float(_checks.finite("membrane potential", v_mV, unit=" mV"))
        origin = "given"
    reports = tuple(
        explain_ion(n, inside[n], outside[n], v, temperature_K)
        for n in _common_ions(inside, outside)
    )
    return Explanation(v, origin, float(temperature_K), preset, reports)


def explain_preset(preset: Preset, v_mV: float | None = None) -> Explanation:
    """Explain a preset's ions at ``v_mV`` (default: the preset's GHK potential)."""
    return explain(
        preset.inside, preset.outside, preset.temperature_K, v_mV, preset.permeability, preset.name
    )


def resting_summary(
    permeability: Mapping[str, float],
    inside_mM: Mapping[str, float],
    outside_mM: Mapping[str, float],
    temperature_K: float,
    v_op_mV: float | None = None,
) -> RestingSummary:
    """Reversal potentials, GHK voltage, chord weights at ``v_op_mV`` (default: the GHK
    voltage) and the lecture's permeability-weighted average (see RestingSummary)."""
    inside, outside = _canonical(inside_mM), _canonical(outside_mM)
    perm = _canonical(permeability)
    v = float(eq.zero_current_potential(perm, inside, outside, temperature_K))
    v_op = v if v_op_mV is None else float(v_op_mV)
    e_all = eq.reversal_potentials(inside, outside, temperature_K)
    g = eq.ghk_chord_conductances(perm, inside, outside, v_op, temperature_K)
    total = float(sum(np.asarray(x) for x in g.values()))
    weights = {k: float(x) / total for k, x in g.items()}
    # an ion absent from one side has an infinite E and zero chord conductance while it still
    # carries current: the chord form cannot represent it (None)
    infinite = [k for k in g if not np.isfinite(e_all[k])]
    chord = None if infinite else float(eq.chord_potential(g, {k: e_all[k] for k in g}))
    permeant = {k: p for k, p in perm.items() if p > 0}
    lecture = float(sum(p * e_all[k] for k, p in permeant.items()) / sum(permeant.values()))
    order = [i.name for i in _ions.STANDARD]
    return RestingSummary(
        float(temperature_K),
        inside,
        outside,
        perm,
        {k: float(e_all[k]) for k in order if k in e_all},
        v,
        chord,
        {k: weights[k] for k in order if k in weights},
        v_op,
        lecture,
    )
