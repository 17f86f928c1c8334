"""Request models of the explorer's JSON API, with their limits.

Every request is validated here before any computation: types, sizes and ranges. Parameter
values are checked again against each parameter's own allowed range (``ParamSpec``) when the
cell is built (vrest.web.compute), so a message always names the parameter, the value and the
allowed range. Nothing in a request is ever used as code or as a file path: presets and
experiments are chosen by name from fixed lists.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints

from vrest.model.presets.loader import DEFAULT_PRESET

#: Longest simulated time a request may ask for (s): one day.
MAX_T_END_S = 86_400.0
#: Default simulated time (s): two hours, the course the page recomputes while you drag.
DEFAULT_T_END_S = 7_200.0
#: Output points of a time course (log-spaced from FIRST_TIME_S to t_end).
DEFAULT_POINTS = 160
MAX_POINTS = 1_000
MIN_POINTS = 20
#: First output time of a time course (s); the log time axis starts here.
FIRST_TIME_S = 1e-4
#: Largest request body accepted (bytes).
MAX_BODY_BYTES = 32_768
#: Most parameter overrides in one request.
MAX_OVERRIDES = 80

#: Mechanisms the page can switch on and off.
SWITCHES = ("pump", "kcc2", "nkcc1", "ncx", "pmca", "water")
#: One-click experiments.
EXPERIMENTS = ("control", "raise_k", "block_pump", "block_kcc2", "remove_cl", "remove_na",
               "temperature", "no_gradients", "fire_spike")

ParamName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,30}(\.[A-Za-z0-9_]{1,30}){1,2}$")]
PresetName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{1,40}$")]
#: A parameter value: a finite number, or "inf" (only bath.volume_ratio accepts it).
ParamValue = Annotated[float, Field(allow_inf_nan=False, strict=True)] | Literal["inf"]
#: Numbers are strict everywhere: JSON true/false or "10" is never taken as a number.
Number = Annotated[float, Field(allow_inf_nan=False, strict=True)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CellRequest(_Strict):
    """A cell: a preset, parameter overrides by dotted name (public units, e.g.
    ``{"bath.K": 10, "leak.Na.P": 4e-8}``) and mechanism switches (``{"nkcc1": true}`` adds
    NKCC1 with default strength, ``{"pump": false}`` removes the pump)."""

    preset: PresetName = DEFAULT_PRESET
    params: dict[ParamName, ParamValue] = Field(default_factory=dict, max_length=MAX_OVERRIDES)
    mechanisms: dict[Literal[SWITCHES], StrictBool] = Field(default_factory=dict)  # type: ignore[valid-type]


class ExperimentRequest(_Strict):
    """A one-click experiment: its name and, where it has one, its value (K_o in mM for
    ``raise_k``, temperature in degC for ``temperature``, bath Cl- in mM for ``remove_cl``)."""

    name: Literal[EXPERIMENTS]  # type: ignore[valid-type]
    value: Number | None = None


class SimulateRequest(CellRequest):
    """A time course of ``t_end`` seconds (at most MAX_T_END_S), on ``points`` log-spaced
    output times from FIRST_TIME_S; with an experiment, the change happens at t = 0 to a cell
    that starts at its steady state."""

    t_end: float = Field(DEFAULT_T_END_S, gt=0.0, le=MAX_T_END_S, allow_inf_nan=False, strict=True)
    points: int = Field(DEFAULT_POINTS, ge=MIN_POINTS, le=MAX_POINTS, strict=True)
    experiment: ExperimentRequest | None = None


class ExplainRequest(CellRequest):
    """Explain every ion at the cell's steady state, or at ``v_mV`` with the steady-state
    concentrations."""

    v_mV: float | None = Field(None, ge=-500.0, le=500.0, allow_inf_nan=False, strict=True)
