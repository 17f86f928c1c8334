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
"""

from __future__ import annotations

import hashlib
import json
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from vrest.errors import ParameterError, PresetError, VrestError, unknown
from vrest.model.cell import INSIDE_SPECS, Cell
from vrest.model.protocol import Protocol

FloatArray = NDArray[np.float64]

MODES = ("grid", "zip", "random", "latin")
LISTS = ("values", "linspace", "geomspace")
RANGES = ("uniform", "loguniform")
KINDS = ("steady", "protocol")
STARTS = ("initial", "steady")
MAX_CELLS = 10_000_000
DEFAULT_CHUNK = 2000
TOP_KEYS = ("name", "description", "cell", "chunk_size", "set", "sampling", "vary", "task")

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
class Vary:
    """One varied parameter: its dotted name and how its values are made."""

    name: str
    kind: str  # one of LISTS or RANGES
    args: tuple[float, ...]

    @property
    def log(self) -> bool:
        """Whether the values are spaced (or drawn) logarithmically."""
        return self.kind in ("geomspace", "loguniform")

    def values(self) -> FloatArray:
        """The list of values (list kinds only)."""
        if self.kind == "values":
            return np.asarray(self.args, dtype=float)
        start, stop, num = self.args
        make = np.linspace if self.kind == "linspace" else np.geomspace
        return make(start, stop, int(num))

    def scale(self, q: FloatArray) -> FloatArray:
        """Map uniform samples q in [0, 1) onto this range (range kinds only)."""
        lo, hi = self.args
        if self.kind == "loguniform":
            return np.exp(np.log(lo) + q * (np.log(hi) - np.log(lo)))
        return lo + q * (hi - lo)


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
        return _sample(self.vary, self.mode, self.n, self.seed)

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
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PresetError(f"sweep spec {path}: cannot be read ({exc.__class__.__name__})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PresetError(f"sweep spec {path}: not valid TOML ({exc})") from None
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
    _keys(data, TOP_KEYS, "the top level")
    if base is not None and not isinstance(base, Cell):
        raise ParameterError(f"cell: {base!r} is not a vrest.Cell")
    cell_ref, cell = (f"<Cell {base.name}>", base) if base is not None else \
        _cell(data.get("cell"), base_dir)
    settings = tuple((str(k), _number(v, f"set.{k}")) for k, v in _table(data, "set").items())
    if settings:
        cell = cell.with_parameters(dict(settings))
    vary = _vary(data.get("vary"), cell)
    sampling = _table(data, "sampling")
    _keys(sampling, ("mode", "n", "seed"), "[sampling]")
    mode = _choice(sampling.get("mode", "grid"), "sampling.mode", MODES)
    n, seed = _count(vary, mode, sampling)
    task = _task(_table(data, "task"), cell, base_dir)
    chunk = _integer(data.get("chunk_size", DEFAULT_CHUNK), "chunk_size", 1, MAX_CELLS)
    spec = SweepSpec(name=str(data.get("name", "sweep")), description=str(data.get("description", "")),
                     cell_ref=cell_ref, cell=cell, settings=settings, vary=vary, mode=mode, n=n,
                     seed=seed, task=task, chunk_size=chunk, text=text)
    _check_values(spec)
    return spec


def _keys(table: Mapping[str, Any], allowed: tuple[str, ...], where: str) -> None:
    extra = sorted(set(table) - set(allowed))
    if extra:
        raise PresetError(f"{where}: unknown keys {extra}; allowed: {list(allowed)}")


def _table(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, Mapping):
        raise PresetError(f"[{key}] must be a table")
    return value


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ParameterError(f"{name}: {value!r} is not a finite number")
    return float(value)


def _integer(value: Any, name: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ParameterError(f"{name}: {value!r} is not allowed; must be an integer in [{lo}, {hi}]")
    return int(value)


def _choice(value: Any, name: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ParameterError(f"{name}: {value!r} is not allowed; choose one of {', '.join(allowed)}")
    return str(value)


def _cell(ref: Any, base_dir: Path) -> tuple[str, Cell]:
    from vrest.model.presets import loader as presets
    from vrest.model.presets.cells import load_cell

    if not isinstance(ref, str) or not ref.strip():
        raise PresetError(f"cell: give a preset name ({', '.join(presets.names())}) or a preset "
                          "TOML path")
    local = base_dir / ref
    return ref, load_cell(local if local.suffix == ".toml" and local.exists() else ref)


def _vary(items: Any, cell: Cell) -> tuple[Vary, ...]:
    if not isinstance(items, list) or not items:
        raise PresetError("[[vary]]: give at least one varied parameter, e.g. [[vary]] name = "
                          "\"bath.K\" geomspace = [1, 20, 10]")
    specs = cell.specs() | INSIDE_SPECS
    out: list[Vary] = []
    for i, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise PresetError(f"[[vary]] {i + 1}: must be a table")
        _keys(item, ("name", *LISTS, *RANGES), f"[[vary]] {i + 1}")
        name = item.get("name")
        if name not in specs:
            raise unknown("parameter to vary", name, list(specs))
        if any(v.name == name for v in out):
            raise PresetError(f"[[vary]]: {name} is varied twice")
        kinds = [k for k in (*LISTS, *RANGES) if k in item]
        if len(kinds) != 1:
            raise PresetError(f"[[vary]] {name}: give exactly one of {', '.join(LISTS + RANGES)}; "
                              f"got {kinds or 'none'}")
        out.append(_one_vary(str(name), kinds[0], item[kinds[0]]))
    return tuple(out)


def _one_vary(name: str, kind: str, raw: Any) -> Vary:
    if not isinstance(raw, list) or not raw:
        raise PresetError(f"[[vary]] {name}.{kind}: must be a non-empty list of numbers")
    args = tuple(_number(x, f"{name}.{kind}") for x in raw)
    if kind in ("linspace", "geomspace"):
        if len(args) != 3:
            raise PresetError(f"[[vary]] {name}.{kind}: expected [start, stop, number]; got {raw}")
        _integer(raw[2], f"{name}.{kind} number", 1, MAX_CELLS)
        if kind == "geomspace" and (args[0] <= 0 or args[1] <= 0):
            raise ParameterError(f"{name}.geomspace: start and stop must be > 0; got {raw[:2]}")
    if kind in RANGES:
        if len(args) != 2 or not args[0] < args[1]:
            raise PresetError(f"[[vary]] {name}.{kind}: expected [low, high] with low < high; "
                              f"got {raw}")
        if kind == "loguniform" and args[0] <= 0:
            raise ParameterError(f"{name}.loguniform: low must be > 0; got {args[0]:g}")
    return Vary(name, kind, args)


def _count(vary: tuple[Vary, ...], mode: str, sampling: Mapping[str, Any]) -> tuple[int, int | None]:
    if mode in ("grid", "zip"):
        bad = [v.name for v in vary if v.kind in RANGES]
        if bad:
            raise PresetError(f"sampling.mode {mode!r} needs lists (values, linspace, geomspace); "
                              f"{', '.join(bad)} give ranges (use mode 'random' or 'latin')")
        for key in ("n", "seed"):
            if key in sampling:
                raise PresetError(f"sampling.{key}: only for mode 'random' or 'latin'")
        sizes = [v.values().size for v in vary]
        if mode == "zip" and len(set(sizes)) > 1:
            raise ParameterError(f"sampling.mode 'zip': the lists must have equal lengths; got "
                                 f"{dict(zip([v.name for v in vary], sizes, strict=True))}")
        n = int(np.prod(sizes, dtype=float)) if mode == "grid" else sizes[0]
        if n > MAX_CELLS:
            raise ParameterError(f"the sweep has {n} cells; at most {MAX_CELLS} are allowed")
        return n, None
    bad = [v.name for v in vary if v.kind not in RANGES]
    if bad:
        raise PresetError(f"sampling.mode {mode!r} needs ranges (uniform, loguniform); "
                          f"{', '.join(bad)} give lists")
    if "n" not in sampling or "seed" not in sampling:
        raise PresetError(f"sampling.mode {mode!r} needs n (number of cells) and seed")
    return (_integer(sampling["n"], "sampling.n", 1, MAX_CELLS),
            _integer(sampling["seed"], "sampling.seed", 0, 2**63 - 1))


def _task(table: Mapping[str, Any], cell: Cell, base_dir: Path) -> Task:
    _keys(table, ("kind", "outputs", "protocol", "start", "times", "rtol"), "[task]")
    kind = _choice(table.get("kind", "steady"), "task.kind", KINDS)
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
    start = _choice(table.get("start", "initial"), "task.start", STARTS)
    raw = table.get("times", [protocol.t_end])
    if not isinstance(raw, list) or not raw:
        raise PresetError("task.times: must be a non-empty list of times (s)")
    times = tuple(_number(t, "task.times") for t in raw)
    if any(not 0 <= t <= protocol.t_end for t in times) or list(times) != sorted(set(times)):
        raise ParameterError(f"task.times: {list(raw)} is not allowed; times must increase and lie "
                             f"in [0, {protocol.t_end:g}] s (the protocol's duration)")
    rtol = _number(table.get("rtol", 1e-7), "task.rtol")
    if not 0 < rtol < 1:
        raise ParameterError(f"task.rtol: {rtol:g} is outside the allowed range (0, 1)")
    return Task("protocol", outputs, protocol, ref, start, times, rtol)


def _check_values(spec: SweepSpec) -> None:
    """Every sampled value must be allowed for its parameter (checked on the whole table)."""
    specs = spec.cell.specs() | INSIDE_SPECS
    for vary in spec.vary:
        spec_ = specs[vary.name]
        if vary.kind in RANGES:
            spec_.check(np.array(vary.args), vary.name)
        else:
            spec_.check(vary.values(), vary.name)


def _sample(vary: tuple[Vary, ...], mode: str, n: int, seed: int | None) -> dict[str, FloatArray]:
    if mode == "grid":
        grids = np.meshgrid(*[v.values() for v in vary], indexing="ij")
        return {v.name: g.ravel() for v, g in zip(vary, grids, strict=True)}
    if mode == "zip":
        return {v.name: v.values() for v in vary}
    if mode == "random":
        q = np.random.default_rng(seed).random((n, len(vary)))
    else:
        from scipy.stats import qmc

        q = qmc.LatinHypercube(d=len(vary), seed=seed).random(n)
    return {v.name: v.scale(q[:, j]) for j, v in enumerate(vary)}
