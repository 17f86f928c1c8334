"""Sweep specifications: which cells to solve, and what to report for each.

A spec is a TOML file (see ``examples/s1.toml``)::

    name = "S1-ss"
    description = "..."
    cell = "rpl1"               # preset name, or a preset TOML path (relative to this file)
    chunk_size = 2000           # cells per chunk (each chunk is written atomically)

    [set]                       # fixed changes to the base cell (dotted names, public units)
    "pump.i_max" = 10.0

    [sampling]
    mode = "grid"               # grid | zip | random | latin
    # n = 1000                  # random and latin: number of cells
    # seed = 1                  # random and latin: seed of the generator

    [[vary]]                    # in a grid, the LAST parameter varies fastest
    name = "leak.Na.P"
    linspace = [1e-8, 2e-7, 100]    # or values = [...], geomspace = [start, stop, n]
                                    # random/latin: uniform = [lo, hi] or loguniform = [lo, hi]
    [task]
    kind = "steady"             # steady | protocol
    outputs = ["V", "E_K", "Na_i", "stable"]
    # protocol = "p1"           # protocol: built-in name or TOML path
    # start = "initial"         # protocol: "initial" (the cell's start) or "steady"
    # times = [1799, 2399, 7200] # protocol: output times (s); default: the end
    # rtol = 1e-7               # protocol: solver tolerance

File problems raise PresetError naming the file and the key; parameter values out of range
raise ParameterError (name, value, allowed range); unknown names raise UnknownNameError
listing the valid ones.

The [[vary]] tables are read in :mod:`.vary`, the [task] table in :mod:`.task`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from vrest.errors import ParameterError, PresetError, VrestError
from vrest.model.cell import INSIDE_SPECS, Cell
from vrest.model.files import parse_toml, read_text
from vrest.sweep.spec_values import check_keys, choice_of, finite_number, integer_in, sub_table
from vrest.sweep.task import Task, read_task
from vrest.sweep.vary import MAX_CELLS, MODES, RANGES, Vary, count_cells, read_vary, sample_values

FloatArray = NDArray[np.float64]

DEFAULT_CHUNK = 2000
TOP_KEYS = ("name", "description", "cell", "chunk_size", "set", "sampling", "vary", "task")


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep: base cell, varied parameters, sampling, task, chunking."""

    name: str
    description: str
    cell_ref: str
    cell: Cell
    settings: tuple[tuple[str, float], ...]
    vary: tuple[Vary, ...]
    mode: str
    n: int
    seed: int | None
    task: Task
    chunk_size: int
    text: str = ""  # the spec file as written (stored with the results)

    @property
    def n_cells(self) -> int:
        return self.n

    @property
    def n_chunks(self) -> int:
        return -(-self.n // self.chunk_size)

    @cached_property
    def inputs(self) -> dict[str, FloatArray]:
        """The varied parameters of every cell: dotted name -> (n_cells,) array."""
        return sample_values(self.vary, self.mode, self.n, self.seed)

    def chunk(self, i: int) -> tuple[NDArray[np.int64], dict[str, FloatArray]]:
        """Cell numbers and parameter values of chunk ``i``."""
        if not 0 <= i < self.n_chunks:
            raise ParameterError(f"chunk: {i} is outside the allowed range [0, {self.n_chunks - 1}]")
        lo, hi = i * self.chunk_size, min(self.n, (i + 1) * self.chunk_size)
        return np.arange(lo, hi, dtype=np.int64), {k: v[lo:hi] for k, v in self.inputs.items()}

    def columns(self) -> dict[str, str]:
        """Every column of the result table -> unit: cell, inputs, outputs, status, message."""
        specs = self.cell.specs() | INSIDE_SPECS
        cols = {"cell": "1"}
        cols.update({v.name: specs[v.name].unit for v in self.vary})
        cols.update(self.task.columns(tuple(m.name for m in self.cell.mechanisms)))
        cols.update({"status": "ok | failed", "message": "text"})
        return cols

    def canonical(self) -> dict[str, Any]:
        """A JSON-ready description that identifies the sweep (what the hash covers)."""
        return {
            "name": self.name, "cell": self.cell_ref, "cell_repr": repr(self.cell),
            "set": [list(s) for s in self.settings],
            "vary": [{"name": v.name, v.kind: list(v.args)} for v in self.vary],
            "sampling": {"mode": self.mode, "n": self.n, "seed": self.seed},
            "task": {"kind": self.task.kind, "outputs": list(self.task.outputs),
                     "protocol": repr(self.task.protocol) if self.task.protocol else None,
                     "start": self.task.start, "times": list(self.task.times),
                     "rtol": self.task.rtol},
            "chunk_size": self.chunk_size,
        }

    def digest(self) -> str:
        """SHA-256 of the canonical description: equal digests mean the same cells and task."""
        text = json.dumps(self.canonical(), sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()


# -- loading ------------------------------------------------------------------------------------

def load(path: str | Path) -> SweepSpec:
    """Read and validate a sweep spec file."""
    path = Path(path)
    text = read_text(path, "sweep spec")
    data = parse_toml(text, f"sweep spec {path}")
    return from_dict(data, where=f"sweep spec {path}", base_dir=path.parent, text=text)


def from_dict(data: Mapping[str, Any], where: str = "sweep spec", base_dir: Path | None = None,
              text: str = "", cell: Cell | None = None) -> SweepSpec:
    """Validate a parsed spec (see the module docstring). ``cell`` (Python only) is a base
    cell to use instead of the spec's ``cell`` key (which may then be left out)."""
    try:
        return _build(data, where, base_dir or Path.cwd(), text, cell)
    except (PresetError, ParameterError) as exc:
        msg = str(exc)
        raise type(exc)(msg if msg.startswith(where) else f"{where}: {msg}") from None
    except VrestError as exc:  # UnknownNameError: keep its class and list of valid names
        raise type(exc)(f"{where}: {exc}") from None


def _build(data: Mapping[str, Any], where: str, base_dir: Path, text: str,
           base: Cell | None) -> SweepSpec:
    check_keys(data, TOP_KEYS, "the top level")
    if base is not None and not isinstance(base, Cell):
        raise ParameterError(f"cell: {base!r} is not a vrest.Cell")
    cell_ref, cell = (f"<Cell {base.name}>", base) if base is not None else \
        _cell(data.get("cell"), base_dir)
    settings = tuple((str(k), finite_number(v, f"set.{k}")) for k, v in sub_table(data, "set").items())
    if settings:
        cell = cell.with_parameters(dict(settings))
    vary = read_vary(data.get("vary"), cell)
    sampling = sub_table(data, "sampling")
    check_keys(sampling, ("mode", "n", "seed"), "[sampling]")
    mode = choice_of(sampling.get("mode", "grid"), "sampling.mode", MODES)
    n, seed = count_cells(vary, mode, sampling)
    task = read_task(sub_table(data, "task"), cell, base_dir)
    chunk = integer_in(data.get("chunk_size", DEFAULT_CHUNK), "chunk_size", 1, MAX_CELLS)
    spec = SweepSpec(name=str(data.get("name", "sweep")), description=str(data.get("description", "")),
                     cell_ref=cell_ref, cell=cell, settings=settings, vary=vary, mode=mode, n=n,
                     seed=seed, task=task, chunk_size=chunk, text=text)
    _check_values(spec)
    return spec


def _cell(ref: Any, base_dir: Path) -> tuple[str, Cell]:
    from vrest.model.presets import loader as presets
    from vrest.model.presets.cells import load_cell

    if not isinstance(ref, str) or not ref.strip():
        raise PresetError(f"cell: give a preset name ({', '.join(presets.names())}) or a preset "
                          "TOML path")
    local = base_dir / ref
    return ref, load_cell(local if local.suffix == ".toml" and local.exists() else ref)


def _check_values(spec: SweepSpec) -> None:
    """Every sampled value must be allowed for its parameter (checked on the whole table)."""
    specs = spec.cell.specs() | INSIDE_SPECS
    for vary in spec.vary:
        spec_ = specs[vary.name]
        if vary.kind in RANGES:
            spec_.check(np.array(vary.args), vary.name)
        else:
            spec_.check(vary.values(), vary.name)
