"""What a sweep computes for each cell ([task]): a steady state or a protocol run, and which
outputs (table columns) it reports.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from vrest.errors import ParameterError, PresetError, unknown
from vrest.model.cell import Cell
from vrest.model.protocol import Protocol
from vrest.sweep.spec_values import check_keys, choice_of, finite_number

FloatArray = NDArray[np.float64]

KINDS = ("steady", "protocol")
STARTS = ("initial", "steady")

#: output name -> (column stem, unit)
OUTPUTS: dict[str, tuple[str, str]] = {
    "V": ("V_mV", "mV"),
    **{f"E_{ion}": (f"E_{ion}_mV", "mV") for ion in ("Na", "K", "Cl", "Ca")},
    **{f"{ion}_i": (f"{ion}_i_mM", "mM") for ion in ("Na", "K", "Cl", "Ca")},
    "X_i": ("X_i_mM", "mM"),
    "volume": ("volume_rel", "1"),
    "atp": ("atp_per_s", "ATP molecules/s"),
    "I_total": ("I_total_pA", "pA (outward +)"),
}
STEADY_ONLY = {"stable": ("stable", "bool"), "tau_slowest": ("tau_slowest_s", "s")}
DEFAULT_OUTPUTS = {
    "steady": ("V", "E_Na", "E_K", "E_Cl", "E_Ca", "Na_i", "K_i", "Cl_i", "Ca_i", "volume",
               "atp", "stable"),
    "protocol": ("V", "E_K", "E_Cl", "Na_i", "K_i", "Cl_i"),
}


@dataclass(frozen=True)
class Task:
    """What is computed for each cell."""

    kind: str
    outputs: tuple[str, ...]
    protocol: Protocol | None = None
    protocol_ref: str = ""
    start: str = "initial"
    times: tuple[float, ...] = ()
    rtol: float = 1e-7

    def columns(self, mechanisms: tuple[str, ...]) -> dict[str, str]:
        """Output column -> unit, in table order."""
        stems = {**OUTPUTS, **STEADY_ONLY,
                 **{f"I_{m}": (f"I_{m}_pA", "pA (outward +)") for m in mechanisms}}
        cols = [stems[o] for o in self.outputs]
        if self.kind == "steady":
            return dict(cols)
        return {f"{stem}_at_{t:g}s": unit for t in self.times for stem, unit in cols}


def read_task(table: Mapping[str, Any], cell: Cell, base_dir: Path) -> Task:
    check_keys(table, ("kind", "outputs", "protocol", "start", "times", "rtol"), "[task]")
    kind = choice_of(table.get("kind", "steady"), "task.kind", KINDS)
    mechs = [m.name for m in cell.mechanisms]
    valid = [*OUTPUTS, *(STEADY_ONLY if kind == "steady" else ()), *(f"I_{m}" for m in mechs)]
    outputs = table.get("outputs", list(DEFAULT_OUTPUTS[kind]))
    if not isinstance(outputs, list) or not outputs:
        raise PresetError("task.outputs: must be a non-empty list of output names")
    for name in outputs:
        if name not in valid:
            raise unknown(f"output for task {kind!r}", name, valid)
    if len(set(outputs)) != len(outputs):
        raise PresetError("task.outputs: an output is listed twice")
    if kind == "steady":
        extra = sorted(set(table) - {"kind", "outputs"})
        if extra:
            raise PresetError(f"[task]: {extra} only apply to kind 'protocol'")
        return Task(kind, tuple(outputs))
    return _protocol_task(table, tuple(outputs), base_dir)


def _protocol_task(table: Mapping[str, Any], outputs: tuple[str, ...], base_dir: Path) -> Task:
    from vrest.model.protocol import builtin_names
    from vrest.model.protocol import load as load_protocol

    ref = table.get("protocol")
    if not isinstance(ref, str) or not ref:
        raise PresetError(f"task.protocol: give a built-in protocol ({', '.join(builtin_names())}) "
                          "or a protocol TOML path")
    local = base_dir / ref
    protocol = load_protocol(local if local.suffix == ".toml" and local.exists() else ref)
    start = choice_of(table.get("start", "initial"), "task.start", STARTS)
    raw = table.get("times", [protocol.t_end])
    if not isinstance(raw, list) or not raw:
        raise PresetError("task.times: must be a non-empty list of times (s)")
    times = tuple(finite_number(t, "task.times") for t in raw)
    if any(not 0 <= t <= protocol.t_end for t in times) or list(times) != sorted(set(times)):
        raise ParameterError(f"task.times: {list(raw)} is not allowed; times must increase and lie "
                             f"in [0, {protocol.t_end:g}] s (the protocol's duration)")
    rtol = finite_number(table.get("rtol", 1e-7), "task.rtol")
    if not 0 < rtol < 1:
        raise ParameterError(f"task.rtol: {rtol:g} is outside the allowed range (0, 1)")
    return Task("protocol", outputs, protocol, ref, start, times, rtol)
