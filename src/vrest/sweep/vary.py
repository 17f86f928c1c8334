"""The varied parameters of a sweep ([[vary]]) and how their values are sampled
(grid, zip, random, latin).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from vrest.errors import ParameterError, PresetError, unknown
from vrest.model.cell import INSIDE_SPECS, Cell
from vrest.sweep.spec_values import check_keys, finite_number, integer_in

FloatArray = NDArray[np.float64]

MODES = ("grid", "zip", "random", "latin")
LISTS = ("values", "linspace", "geomspace")
RANGES = ("uniform", "loguniform")
MAX_CELLS = 10_000_000


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


def read_vary(items: Any, cell: Cell) -> tuple[Vary, ...]:
    if not isinstance(items, list) or not items:
        raise PresetError("[[vary]]: give at least one varied parameter, e.g. [[vary]] name = "
                          "\"bath.K\" geomspace = [1, 20, 10]")
    specs = cell.specs() | INSIDE_SPECS
    out: list[Vary] = []
    for i, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise PresetError(f"[[vary]] {i + 1}: must be a table")
        check_keys(item, ("name", *LISTS, *RANGES), f"[[vary]] {i + 1}")
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
    args = tuple(finite_number(x, f"{name}.{kind}") for x in raw)
    if kind in ("linspace", "geomspace"):
        if len(args) != 3:
            raise PresetError(f"[[vary]] {name}.{kind}: expected [start, stop, number]; got {raw}")
        integer_in(raw[2], f"{name}.{kind} number", 1, MAX_CELLS)
        if kind == "geomspace" and (args[0] <= 0 or args[1] <= 0):
            raise ParameterError(f"{name}.geomspace: start and stop must be > 0; got {raw[:2]}")
    if kind in RANGES:
        if len(args) != 2 or not args[0] < args[1]:
            raise PresetError(f"[[vary]] {name}.{kind}: expected [low, high] with low < high; "
                              f"got {raw}")
        if kind == "loguniform" and args[0] <= 0:
            raise ParameterError(f"{name}.loguniform: low must be > 0; got {args[0]:g}")
    return Vary(name, kind, args)


def count_cells(vary: tuple[Vary, ...], mode: str, sampling: Mapping[str, Any]) -> tuple[int, int | None]:
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
    return (integer_in(sampling["n"], "sampling.n", 1, MAX_CELLS),
            integer_in(sampling["seed"], "sampling.seed", 0, 2**63 - 1))


def sample_values(vary: tuple[Vary, ...], mode: str, n: int, seed: int | None) -> dict[str, FloatArray]:
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
