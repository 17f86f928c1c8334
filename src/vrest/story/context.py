"""What the story knows about its cell (the context: cell, model, geometry, mechanism groups)
and the numbers it reads off a state: potentials, concentrations, fluxes, what moved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from vrest.model.cell import Cell
from vrest.model.mechanisms import GHKLeak, Mechanism, NaKPump, OhmicLeak, Transporter, Water
from vrest.model.mechanisms.base import Z_IONS
from vrest.model.rhs import Model
from vrest.model.what_v import what_v_is, zero_current_mV
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


def analysis(ctx: Context, cell: Cell, y: FloatArray) -> dict[str, Any]:
    """The numbers that settle the disputed claims, for one state of ``cell``: what V is
    (:func:`vrest.model.what_v.what_v_is`, the same numbers every face shows) and the pump's
    direct share."""
    leaks = [m.name for m in cell.mechanisms if isinstance(m, GHKLeak | OhmicLeak)]
    if not leaks:
        return {}
    model = Model(cell)
    what = what_v_is(cell, y)
    out: dict[str, Any] = {"V_mV": what.V_mV, "V_leaks_mV": what.ghk_mV,
                           "what_v": what.to_dict()}
    pumps = [m.name for m in cell.mechanisms if isinstance(m, NaKPump)]
    if pumps:
        rest = [n for n in model.mechanism_names() if n not in pumps]
        v_np = zero_current_mV(model, y, rest)
        out["V_no_pump_mV"] = v_np
        out["pump_share_mV"] = None if v_np is None else what.V_mV - v_np
    out["weighted_by"] = what.lecture_weighted_by
    out["weights"] = what.lecture_weights
    out["weighted_average_mV"] = what.lecture_average_mV
    out["chord_weights"] = what.chord_weights
    out["chord_mV"] = what.chord_mV
    if what.mullins_noda_mV is not None:
        out["mullins_noda_mV"] = what.mullins_noda_mV
    return out
