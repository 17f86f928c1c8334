"""What the story knows about its cell (the context: cell, model, geometry, mechanism groups)
and the numbers it reads off a state: potentials, concentrations, fluxes, what moved.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from vrest.model.cell import Cell
from vrest.model.mechanisms import GHKLeak, Mechanism, NaKPump, OhmicLeak, Transporter, Water
from vrest.model.mechanisms.base import Z_IONS
from vrest.model.rhs import I_V, Model
from vrest.physics import equations as eq
from vrest.physics.constants import N_A
from vrest.physics.geometry import Geometry
from vrest.story.records import IONS, FloatArray

#: The chain after step 1: (key, title, mechanism groups added, groups paused).
CHAIN: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("2", "The Na+/K+ pump alone", ("pump",), ()),
    ("3", "K+ leak channels", ("leak.K",), ("pump",)),
    ("4", "Na+ leak, the pump running", ("leak.Na", "pump"), ()),
    ("5", "Cl- leak", ("leak.Cl",), ()),
    ("6", "K+-Cl- cotransporter (KCC2)", ("kcc2",), ()),
    ("7", "Na+/Ca2+ exchanger (NCX) and Ca2+ leak", ("ncx", "leak.Ca"), ()),
    ("8", "The preset's other mechanisms", ("other",), ()),
)
GROUP_NAMES = {"pump": "Na+/K+ pump", "leak.K": "K+ leak", "leak.Na": "Na+ leak",
               "leak.Cl": "Cl- leak", "leak.Ca": "Ca2+ leak", "kcc2": "KCC2", "ncx": "NCX",
               "other": "other mechanism"}


# ------------------------------------------------------------------------------- the context


@dataclass(frozen=True)
class Context:
    """The complete cell, its mechanisms sorted into the lecture's groups, and its size."""

    cell: Cell
    bare: Cell  # the cell with no mechanism except water
    groups: dict[str, tuple[Mechanism, ...]]
    volume_m3: float
    area_um2: float
    volume_um3: float
    mv_per_mM: float  # mV of V per mM of net charge inside
    temperature_K: float
    z_x: float

    def cell_with(self, groups: Sequence[str]) -> Cell:
        """The bare cell plus the mechanisms of ``groups``."""
        mechs = [m for g in groups for m in self.groups.get(g, ())]
        return self.bare.with_mechanisms(*mechs) if mechs else self.bare

    def names(self, groups: Sequence[str]) -> tuple[str, ...]:
        return tuple(m.name for g in groups for m in self.groups.get(g, ()))


def _group(mech: Mechanism) -> str:
    """The lecture group of a mechanism: water, pump, leak.<ion>, kcc2, ncx or other."""
    if isinstance(mech, Water):
        return "water"
    if isinstance(mech, NaKPump):
        return "pump"
    if isinstance(mech, GHKLeak | OhmicLeak):
        return f"leak.{mech.ion}"
    if isinstance(mech, Transporter) and mech.name in ("kcc2", "ncx"):
        return mech.name
    return "other"


def make_context(cell: Cell) -> Context:
    """Sort the complete cell's mechanisms into groups and record its size (SI and um)."""
    groups: dict[str, list[Mechanism]] = {}
    for mech in cell.mechanisms:
        groups.setdefault(_group(mech), []).append(mech)
    others = [m.name for m in cell.mechanisms if _group(m) != "water"]
    bare = cell.without(*others) if others else cell
    model = Model(cell)
    return Context(cell, bare, {k: tuple(v) for k, v in groups.items()},
                    float(model.volume0[0]), float(model.area0[0]) * 1e12,
                    float(model.volume0[0]) * 1e18, float(model.mv_per_charge[0]),
                    float(model.temperature[0]), float(model.z_x[0]))


def context_geometry(ctx: Context) -> Geometry:
    """The cell's area (um^2) and volume (um^3) for the closed forms."""
    return Geometry.explicit(ctx.area_um2, ctx.volume_um3)


# ------------------------------------------------------------------------------- numbers of a state


def state_numbers(model: Model, y: FloatArray) -> dict[str, Any]:
    """V, reversal potentials, concentrations, trapped anions and volume of one state."""
    s, w = model.membrane_state(y[None])
    c_in, c_out = s.c_in[0], np.asarray(s.c_out)[0]
    e = 1e3 * eq.nernst_si(Z_IONS, c_in, c_out, float(model.temperature[0]))
    return {"V_mV": float(1e3 * s.v[0]),
            "E_mV": {ion: float(e[i]) for i, ion in enumerate(IONS)},
            "inside_mM": {ion: float(c_in[i]) for i, ion in enumerate(IONS)},
            "outside_mM": {ion: float(c_out[i]) for i, ion in enumerate(IONS)},
            "X_mM": float(s.x_in[0]), "volume_rel": float(w[0])}


def moved_amounts(ctx: Context, model: Model, y0: FloatArray, y1: FloatArray) -> dict[str, dict[str, float]]:
    """Per ion: amount moved out (mol), ion count (outward +), fraction of the starting content."""
    out = model.layout.out
    delta = y1[out] - y0[out]
    return {ion: {"mol": float(delta[i] * ctx.volume_m3), "ions": float(delta[i] * ctx.volume_m3 * N_A),
                  "fraction": float(abs(delta[i]) / y0[i])} for i, ion in enumerate(IONS)}


def zero_current_mV(model: Model, y: FloatArray, names: Sequence[str]) -> float | None:
    """V (mV) at which the currents of mechanisms ``names`` sum to zero, at y's concentrations."""
    names = [n for n in names if n != "anion_source"]
    if not names:
        return None
    s, _ = model.membrane_state(y[None])
    factor = float(s.area[0] / model.area0[0])

    def total(v_mv: float) -> float:
        yy = y.copy()
        yy[I_V] = v_mv * factor
        fluxes = model.observe(yy[None]).fluxes
        return float(sum(fluxes[n][0, :4] @ Z_IONS for n in names))

    lo, hi = total(-400.0), total(400.0)
    if not (lo < 0.0 < hi):
        return None
    from scipy.optimize import brentq  # lazy: `vrest --help` should not load scipy

    return float(brentq(total, -400.0, 400.0, xtol=1e-10))


def _leak_weights(cell: Cell, state: dict[str, Any]) -> tuple[dict[str, float], dict[str, float], str]:
    """Per leaking ion: the lecture's weights (permeability, or g for ohmic leaks) and the
    chord conductances at V (mS/cm^2)."""
    perm, chord = {}, {}
    kinds = set()
    for m in cell.mechanisms:
        if isinstance(m, GHKLeak):
            kinds.add("permeability")
            p = m.P * m.scale
            perm[m.ion] = p
            ion_z = Z_IONS[IONS.index(m.ion)]
            chord[m.ion] = float(eq.ghk_chord_conductance(
                p, ion_z, state["inside_mM"][m.ion], state["outside_mM"][m.ion], state["V_mV"],
                state["temperature_K"]))
        elif isinstance(m, OhmicLeak):
            kinds.add("conductance")
            perm[m.ion] = chord[m.ion] = m.g * m.scale
    return perm, chord, "permeability" if kinds == {"permeability"} else "conductance"


def _average(weights: Mapping[str, float], e: Mapping[str, float]) -> float | None:
    """sum w_i E_i / sum w_i (mV), None without weights."""
    total = sum(weights.values())
    return float(sum(w * e[i] for i, w in weights.items()) / total) if total > 0 else None


def analysis(ctx: Context, cell: Cell, y: FloatArray) -> dict[str, Any]:
    """The numbers that settle the disputed claims, for one state of ``cell``."""
    model = Model(cell)
    state = {**state_numbers(model, y), "temperature_K": ctx.temperature_K}
    leaks = [m.name for m in cell.mechanisms if isinstance(m, GHKLeak | OhmicLeak)]
    if not leaks:
        return {}
    out: dict[str, Any] = {"V_mV": state["V_mV"], "V_leaks_mV": zero_current_mV(model, y, leaks)}
    pumps = [m.name for m in cell.mechanisms if isinstance(m, NaKPump)]
    if pumps:
        rest = [n for n in model.mechanism_names() if n not in pumps]
        v_np = zero_current_mV(model, y, rest)
        out["V_no_pump_mV"] = v_np
        out["pump_share_mV"] = None if v_np is None else state["V_mV"] - v_np
    perm, chord, kind = _leak_weights(cell, state)
    e = state["E_mV"]
    out["weighted_by"] = kind
    out["weights"] = {i: w / sum(perm.values()) for i, w in perm.items()}
    out["weighted_average_mV"] = _average(perm, e)
    out["chord_weights"] = {i: g / sum(chord.values()) for i, g in chord.items()}
    out["chord_mV"] = _average(chord, e)
    if kind == "permeability" and set(perm) == {"K", "Na"} and pumps and \
            {m.name for m in cell.mechanisms} == set(leaks) | set(pumps):
        out["mullins_noda_mV"] = float(eq.mullins_noda(
            perm, state["inside_mM"], state["outside_mM"], ctx.temperature_K, 1.5))
    return out
