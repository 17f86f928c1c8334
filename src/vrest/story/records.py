"""The story's numbers as records: a Trace (a step's time course), a Step (one step of the
lecture, computed) and the Story (all steps, the real case and the answers), with the
lecture's own numbers (:data:`LECTURE`) they are compared with.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from vrest.errors import ParameterError
from vrest.model.presets.loader import DEFAULT_PRESET as DEFAULT_PRESET  # the story's default
from vrest.solve.buildup import ANION_TIME_S

FloatArray = NDArray[np.float64]
IONS = ("Na", "K", "Cl", "Ca")

V_TOL_MV = 0.1  # settled: V within this of its end value ...
C_TOL = 0.01  # ... and every inside concentration within 1 % of its end value
END_TOL_MV = 0.01  # a run has reached its steady state when V is this close to it
N_OUT = 400  # output times per step (geometric, plus t = 0)
N_JSON = 60  # trace points per step in to_dict()
BLOCK_TIME_S = 3600.0  # questions: how long the pump is blocked
BODY_BATH_RATIO = 0.5  # questions: extracellular / intracellular water (about 2/3 of body water is inside cells, a viewer's point; docs/tutorials/story.md)
DISH_ML = 2.0  # questions: medium in a culture dish, mL (an example)


#: The lecture's numbers (docs/tutorials/story.md), by name.
LECTURE: dict[str, float] = {
    "V_anions_mV": -5.0, "V_pump_total_mV": -10.0, "E_K_mV": -70.0, "K_fraction_max": 1e-4,
    "E_Na_mV": 50.0, "V_rest_mV": -60.0, "P_Na_rel": 0.04, "P_Cl_rel": 0.45,
    "E_Cl_no_kcc2_mV": -60.0, "E_Cl_mV": -70.0, "E_Ca_mV": 120.0, "pump_Na_out": 3.0,
    "pump_K_in": 2.0, "pump_ATP": 1.0, "comment_pump_share_lo_mV": 2.0,
    "comment_pump_share_hi_mV": 3.0, "pump_share_lo_mV": 5.0, "pump_share_hi_mV": 10.0,
    "comment_E_K_mV": -90.0, "comment_P_Na_rel": 1.0 / 40.0, "textbook_V_rest_mV": -70.0,
    "exam_E_K_mV": -90.0, "exam_E_Na_mV": 60.0, "body_water_inside": 2.0 / 3.0,
    "V_start_mV": 0.0, "one_percent": 0.01,
}


# ------------------------------------------------------------------------------- data classes


@dataclass(frozen=True)
class Trace:
    """A step's time course: t (T,) s; V (T,) mV; E, c_in (T, 4) mV, mM over Na, K, Cl, Ca;
    moved (T, 4) ions moved out since the step began (count, outward +); X (T,) mM."""

    t: FloatArray
    V: FloatArray
    E: FloatArray
    c_in: FloatArray
    moved: FloatArray
    X: FloatArray

    def window(self, t_max: float) -> Trace:
        """The part with t <= t_max."""
        keep = self.t <= t_max * (1 + 1e-12)
        return Trace(*(np.asarray(a)[keep] for a in (self.t, self.V, self.E, self.c_in,
                                                     self.moved, self.X)))


@dataclass(frozen=True)
class Step:
    """One step of the story: what changed, what happened and every number about it."""

    key: str
    title: str
    chain: bool
    active: tuple[str, ...]
    added: tuple[str, ...]
    paused: tuple[str, ...]
    skipped: str
    duration_s: float
    settle_s: float | None
    shown_s: float
    start: dict[str, Any]
    end: dict[str, Any]
    moved: dict[str, dict[str, float]]
    atp_per_s: float
    currents_pA: dict[str, float]
    fluxes_ions_s: dict[str, dict[str, float]]
    steady: dict[str, Any] | None
    analysis: dict[str, Any]
    lecture: list[dict[str, Any]]
    extra: dict[str, Any]
    trace: Trace
    y_end: FloatArray = field(repr=False)

    def to_dict(self, points: int = N_JSON) -> dict[str, Any]:
        """Plain JSON-ready numbers (with a thinned trace of at most ``points`` times)."""
        tr = self.trace.window(self.shown_s)
        idx = np.unique(np.linspace(0, tr.t.size - 1, min(points, tr.t.size)).round().astype(int))
        return {
            "key": self.key, "title": self.title, "chain": self.chain, "active": list(self.active),
            "added": list(self.added), "paused": list(self.paused), "skipped": self.skipped,
            "duration_s": self.duration_s, "settle_s": self.settle_s, "shown_s": self.shown_s,
            "start": self.start, "end": self.end, "moved": self.moved,
            "atp_per_s": self.atp_per_s, "currents_pA": self.currents_pA,
            "fluxes_ions_s": self.fluxes_ions_s, "steady": self.steady,
            "analysis": self.analysis, "lecture": self.lecture, "extra": self.extra,
            "trace": {"t_s": tr.t[idx], "V_mV": tr.V[idx],
                      "E_mV": {ion: tr.E[idx, i] for i, ion in enumerate(IONS)},
                      "inside_mM": {ion: tr.c_in[idx, i] for i, ion in enumerate(IONS)},
                      "moved_out_ions": {ion: tr.moved[idx, i] for i, ion in enumerate(IONS)}},
        }


@dataclass(frozen=True)
class Story:
    """The whole story: the cell, the steps, the real case and the viewers' questions."""

    preset: str
    title: str
    temperature_C: float
    cell: dict[str, Any]
    mechanisms: list[dict[str, str]]
    steps: list[Step]
    real: Step
    questions: list[dict[str, Any]]
    what_v: dict[str, Any] = field(default_factory=dict)  # what V is at the model's rest

    def step(self, key: str) -> Step:
        """The step called ``key`` ('0', '1a', '1b', '2', ... '8', 'real')."""
        if key == "real":
            return self.real
        for s in self.steps:
            if s.key == key:
                return s
        raise ParameterError(f"step: {key!r} is not a step of this story; valid: "
                             f"{', '.join(s.key for s in self.steps)}, real")

    def to_dict(self, points: int = N_JSON) -> dict[str, Any]:
        """Every number, JSON-ready (numpy arrays become lists when serialised)."""
        return {
            "preset": self.preset, "title": self.title, "temperature_C": self.temperature_C,
            "cell": self.cell, "mechanisms": self.mechanisms, "lecture_numbers": dict(LECTURE),
            "steps": [s.to_dict(points) for s in self.steps], "real": self.real.to_dict(points),
            "questions": self.questions, "what_v": self.what_v,
            "settings": {"anion_time_s": ANION_TIME_S, "settle_V_mV": V_TOL_MV,
                         "settle_c_rel": C_TOL, "block_time_s": BLOCK_TIME_S,
                         "body_bath_ratio": BODY_BATH_RATIO, "dish_mL": DISH_ML},
        }
