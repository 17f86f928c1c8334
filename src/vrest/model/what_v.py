"""What V is: the four numbers every face of vrest shows for one state of a cell.

At one state (the concentrations inside and out, and V) of a :class:`vrest.Cell`:

1. ``ghk_mV``, the **GHK voltage of the leaks alone**: where the leak currents sum to zero
   (Goldman 1943; Hodgkin & Katz 1949). It is not a weighted average of the E's.
2. ``with_pump_mV``, the **zero-current potential with the pump's current**: Mullins & Noda
   (1963, J Gen Physiol 47:117), the GHK form with P_K multiplied by the pump's Na:K ratio
   r = 3/2, exact at a steady state where K+ crosses only through its leak and the pump; when the
   cell has other electrogenic transporters (NCX, PMCA, ...) or ohmic leaks, the potential
   where ALL its currents sum to zero at the given concentrations (``zero_current_mV``, always
   computed).
3. ``chord_mV``, the **chord (conductance-weighted) average** of the leaks' E's, with each
   leak's chord conductance g_i = I_i/(V - E_i) at the operating point V. The non-leak currents
   shift V from it: V = chord + ``nonleak_shift_mV`` (= -I_other / sum g_i).
4. ``V_mV``, the **model's V** at the state.

Plus the lecture's **permeability-weighted average** of the E's (``lecture_average_mV``), an
approximation whose error against V is ``lecture_error_mV``.

Units: mV, mM, K; currents positive outward. The wording shared by the command line, the story
and the explorer is in :data:`LABELS` and :func:`wording`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from vrest.model.cell import Cell
from vrest.model.mechanisms import GHKLeak, NaKPump, OhmicLeak, Transporter, Water
from vrest.model.mechanisms.base import Z_IONS
from vrest.model.rhs import I_V, Model
from vrest.physics import equations as eq
from vrest.physics.roots import grid_root

FloatArray = NDArray[np.float64]
IONS = ("Na", "K", "Cl", "Ca")
PUMP_RATIO = 1.5  # Na+ out per K+ in of the Na/K-ATPase (3:2)
V_BRACKET_MV = 400.0

#: One wording of each number, used by every face (CLI, story, explorer API).
LABELS: dict[str, str] = {
    "ghk_mV": "GHK voltage of the leaks alone",
    "mullins_noda_mV": "Mullins-Noda: zero current with the pump (r = 3/2)",
    "zero_current_mV": "zero current of all currents at these concentrations",
    "chord_mV": "chord average: E's weighted by leak conductances at V",
    "V_mV": "the model's V",
    "lecture_average_mV": "lecture's permeability-weighted average of the E's",
}


@dataclass(frozen=True)
class WhatV:
    """The four numbers of one state (see the module docstring), with what they rest on."""

    V_mV: float
    ghk_mV: float | None
    mullins_noda_mV: float | None
    zero_current_mV: float | None
    with_pump_mV: float | None
    with_pump_is: str  # "mullins_noda_mV", "zero_current_mV" or "" (no pump)
    chord_mV: float | None
    chord_weights: dict[str, float]
    nonleak_shift_mV: float | None
    lecture_average_mV: float | None
    lecture_weights: dict[str, float]
    lecture_weighted_by: str
    lecture_error_mV: float | None
    electrogenic: tuple[str, ...]
    E_mV: dict[str, float]
    inside_mM: dict[str, float]
    outside_mM: dict[str, float]
    temperature_K: float
    labels: dict[str, str] = field(default_factory=lambda: dict(LABELS))

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (with the labels and the sentence of :func:`wording`)."""
        out = asdict(self)
        out["electrogenic"] = list(self.electrogenic)
        out["with_pump_label"] = LABELS.get(self.with_pump_is, "")
        out["wording"] = wording(self)
        return out

    def lines(self) -> list[str]:
        """The numbers as labelled text lines (the command line's block)."""
        rows: list[tuple[str, float | None, str]] = [("ghk_mV", self.ghk_mV, "")]
        if self.mullins_noda_mV is not None:
            rows.append(("mullins_noda_mV", self.mullins_noda_mV, ""))
        if self.with_pump_is == "zero_current_mV" or self.mullins_noda_mV is None:
            extra = f" ({', '.join(self.electrogenic)})" if self.electrogenic else ""
            rows.append(("zero_current_mV", self.zero_current_mV, extra))
        shift = ("" if self.nonleak_shift_mV is None else
                 f"  (V - chord = {self.nonleak_shift_mV:+.2f} mV, from the non-leak currents)")
        rows += [("chord_mV", self.chord_mV, shift), ("V_mV", self.V_mV, "")]
        err = ("" if self.lecture_error_mV is None else
               f"  (approximation: {self.lecture_error_mV:+.2f} mV off V)")
        rows.append(("lecture_average_mV", self.lecture_average_mV, err))
        labels = {**LABELS, "lecture_average_mV": self.lecture_label}
        width = max(len(labels[k]) for k, _, _ in rows)
        return [f"{labels[k]:<{width}}  {_mv(v)}{tail}" for k, v, tail in rows]

    @property
    def lecture_label(self) -> str:
        """The lecture's average, named by its weights (g for ohmic leaks, = the chord)."""
        if self.lecture_weighted_by == "permeability":
            return LABELS["lecture_average_mV"]
        return "lecture's average of the E's, weighted by conductance"


def _mv(value: float | None) -> str:
    return "   n/a" if value is None else f"{value:+.2f} mV"


def wording(w: WhatV) -> str:
    """The one sentence, everywhere, of what V is (with this state's numbers)."""
    err = ("" if w.lecture_error_mV is None else
           f", here off by {w.lecture_error_mV:+.2f} mV")
    return ("The GHK voltage is not a weighted average of the E's; the chord formula is, with "
            "the conductances at the operating point; the lecture's permeability-weighted "
            f"average is an approximation{err}.")


def zero_current_mV(model: Model, y: FloatArray, names: Sequence[str]) -> float | None:
    """V (mV) at which the currents of mechanisms ``names`` sum to zero, at y's concentrations.

    None when no mechanism carries current or the currents do not change sign within
    +-400 mV. Root to 1e-10 mV by a vectorised grid search (``vrest.physics.roots``; a test
    holds it to SciPy's brentq), which spares a short command SciPy's optimize import.
    """
    names = [n for n in names if n != "anion_source"]
    if not names:
        return None
    s, _ = model.membrane_state(y[None])
    factor = float(s.area[0] / model.area0[0])

    def total(v_mv: FloatArray) -> FloatArray:
        yy = np.repeat(y[None, None], v_mv.size, axis=0)
        yy[:, 0, I_V] = v_mv * factor
        fluxes = model.observe(yy).fluxes
        return np.asarray(sum(fluxes[n][:, 0, :4] @ Z_IONS for n in names), dtype=float)

    lo, hi = total(np.array([-V_BRACKET_MV, V_BRACKET_MV]))
    if not (lo < 0.0 < hi):
        return None
    with np.errstate(all="ignore"):
        return grid_root(total, -V_BRACKET_MV, V_BRACKET_MV, xtol=1e-10)


def _state(model: Model, y: FloatArray) -> tuple[float, dict[str, float], dict[str, float],
                                                 dict[str, float]]:
    s, _ = model.membrane_state(y[None])
    c_in, c_out = s.c_in[0], np.asarray(s.c_out)[0]
    e = 1e3 * eq.nernst_si(Z_IONS, c_in, c_out, float(model.temperature[0]))
    return (float(1e3 * s.v[0]), {i: float(e[k]) for k, i in enumerate(IONS)},
            {i: float(c_in[k]) for k, i in enumerate(IONS)},
            {i: float(c_out[k]) for k, i in enumerate(IONS)})


def _electrogenic(cell: Cell) -> tuple[str, ...]:
    """Non-leak mechanisms other than the Na/K pump that carry current."""
    out = []
    for m in cell.mechanisms:
        if isinstance(m, GHKLeak | OhmicLeak | NaKPump | Water) or m.name == "anion_source":
            continue
        if isinstance(m, Transporter) and abs(m.charge_per_cycle) == 0:
            continue
        if float(getattr(m, "scale", 1.0)) != 0.0:
            out.append(m.name)
    return tuple(out)


def _weights(cell: Cell, v: float, c_in: Mapping[str, float], c_out: Mapping[str, float],
             t_k: float) -> tuple[dict[str, float], dict[str, float], str]:
    """Per leaking ion: the lecture's weights (P, or g of an ohmic leak) and the chord
    conductances at V (mS/cm^2, per cm/s of P for GHK leaks)."""
    perm: dict[str, float] = {}
    chord: dict[str, float] = {}
    kinds = set()
    for m in cell.mechanisms:
        if isinstance(m, GHKLeak):
            kinds.add("permeability")
            p = m.P * m.scale
            z = Z_IONS[IONS.index(m.ion)]
            g = float(eq.ghk_chord_conductance(p, z, c_in[m.ion], c_out[m.ion], v, t_k)) if p else 0
            perm[m.ion] = perm.get(m.ion, 0.0) + p
            chord[m.ion] = chord.get(m.ion, 0.0) + g
        elif isinstance(m, OhmicLeak):
            kinds.add("conductance")
            perm[m.ion] = perm.get(m.ion, 0.0) + m.g * m.scale
            chord[m.ion] = chord.get(m.ion, 0.0) + m.g * m.scale
    kind = "permeability" if kinds == {"permeability"} else "conductance"
    return ({k: x for k, x in perm.items() if x > 0}, {k: x for k, x in chord.items() if x > 0},
            kind)


def _average(weights: Mapping[str, float], e: Mapping[str, float]) -> float | None:
    total = sum(weights.values())
    return float(sum(w * e[i] for i, w in weights.items()) / total) if total > 0 else None


def _mullins_noda(cell: Cell, c_in: Mapping[str, float], c_out: Mapping[str, float],
                  t_k: float) -> float | None:
    """Mullins-Noda with every GHK leak (P_K x 3/2); None without a pump, a K+ leak or with
    ohmic leaks."""
    pumps = [m for m in cell.mechanisms if isinstance(m, NaKPump) and m.scale > 0]
    leaks = [m for m in cell.mechanisms if isinstance(m, GHKLeak | OhmicLeak)]
    if not pumps or any(isinstance(m, OhmicLeak) for m in leaks):
        return None
    perm: dict[str, float] = {}
    for m in leaks:
        perm[m.ion] = perm.get(m.ion, 0.0) + m.P * m.scale
    if perm.get("K", 0.0) <= 0:
        return None
    perm["K"] *= PUMP_RATIO
    perm = {k: p for k, p in perm.items() if p > 0}
    return float(eq.zero_current_potential(perm, {k: c_in[k] for k in perm},
                                           {k: c_out[k] for k in perm}, t_k))


def what_v_is(cell: Cell, y: FloatArray) -> WhatV:
    """The four numbers (module docstring) of ``cell`` at state ``y`` (one cell's state vector)."""
    model = Model(cell)
    y = np.asarray(y, dtype=float)
    t_k = float(model.temperature[0])
    v, e, c_in, c_out = _state(model, y)
    names = model.mechanism_names()
    leaks = [m.name for m in cell.mechanisms if isinstance(m, GHKLeak | OhmicLeak)]
    ghk = zero_current_mV(model, y, leaks)
    every = zero_current_mV(model, y, names)
    mn = _mullins_noda(cell, c_in, c_out, t_k)
    electrogenic = _electrogenic(cell)
    has_pump = any(isinstance(m, NaKPump) for m in cell.mechanisms)
    which = ("" if not has_pump else
             "mullins_noda_mV" if mn is not None and not electrogenic else "zero_current_mV")
    with_pump = {"mullins_noda_mV": mn, "zero_current_mV": every}.get(which)
    perm, chord, kind = _weights(cell, v, c_in, c_out, t_k)
    chord_v = _average(chord, e)
    lecture = _average(perm, e)
    return WhatV(
        V_mV=v, ghk_mV=ghk, mullins_noda_mV=mn, zero_current_mV=every, with_pump_mV=with_pump,
        with_pump_is=which, chord_mV=chord_v,
        chord_weights={i: g / sum(chord.values()) for i, g in chord.items()},
        nonleak_shift_mV=None if chord_v is None else v - chord_v,
        lecture_average_mV=lecture,
        lecture_weights={i: p / sum(perm.values()) for i, p in perm.items()},
        lecture_weighted_by=kind, lecture_error_mV=None if lecture is None else lecture - v,
        electrogenic=electrogenic, E_mV=e, inside_mM=c_in, outside_mM=c_out, temperature_K=t_k)
