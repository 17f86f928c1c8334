"""The two models a fit can use: the GHK zero-current potential (inside and temperature fixed)
and the verified steady state of the whole cell, each predicting V at the bath points.
"""


from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from vrest.errors import ParameterError, SolverError, VrestError, unknown
from vrest.fit.recording import IONS, FloatArray
from vrest.model.cell import Cell

MODELS = ("ghk", "steady")


LJP = "ljp"
ZERO_C = 273.15


# ------------------------------------------------------------------------------------ models


@dataclass(frozen=True)
class ParamInfo:
    """A model parameter: value (public units), unit, whether it is fitted as ln p, and its
    allowed range [lo, hi] (public units)."""

    name: str
    value: float
    unit: str
    log: bool
    lo: float = -math.inf
    hi: float = math.inf


class GHKModel:
    """V (mV) from the GHK zero-current potential at each bath point (inside and T fixed)."""

    kind = "ghk"
    step = 1e-6  # central-difference step in fit coordinates
    tol = 1e-10  # least_squares ftol, xtol, gtol
    singular = 1e-7  # smallest / largest singular value of J below which J is singular

    def __init__(self, cell: Cell, bath: Mapping[str, FloatArray]) -> None:
        self.cell = cell
        self.bath = {ion: np.asarray(v, dtype=float) for ion, v in bath.items()}
        self.params = _ghk_params(cell)

    def predict(self, values: Mapping[str, FloatArray], strict: bool = True) -> FloatArray:
        """V (M, N) mV for M parameter sets (``values``: name -> (M,), others at base)."""
        from vrest.physics.zero_current import zero_current_potential

        p = {k: np.asarray(values.get(k, info.value), dtype=float).reshape(-1, 1)
             for k, info in self.params.items()}
        perm = {ion: p[f"perm.{ion}"] for ion in IONS}
        inside = {ion: p[f"inside.{ion}"] for ion in IONS}
        outside = {ion: self.bath[ion][None, :] for ion in IONS}
        t_k = p["cell.temperature"] + ZERO_C
        try:
            v = zero_current_potential(perm, inside, outside, t_k)
        except ParameterError:
            if strict:
                raise
            return np.full((len(next(iter(p.values()))), self.bath["K"].size), np.nan)
        return np.broadcast_to(v, (max(x.shape[0] for x in p.values()), v.shape[-1])).copy()


def _ghk_params(cell: Cell) -> dict[str, ParamInfo]:
    """perm.<ion> (P/P_K from the cell's GHK leaks), inside.<ion>, cell.temperature."""
    from vrest.model.mechanisms.leak import GHKLeak

    leaks = {m.ion: m.P * m.scale for m in cell.mechanisms if isinstance(m, GHKLeak)}
    if leaks.get("K", 0.0) <= 0:
        kinds = ", ".join(sorted({type(m).__name__ for m in cell.mechanisms})) or "none"
        raise ParameterError(
            f"model ghk: cell {cell.name} has no K+ GHK leak with P > 0 (mechanisms: {kinds}), so "
            f"there are no permeability ratios P/P_K; use --model steady")
    params = {f"perm.{ion}": ParamInfo(f"perm.{ion}", leaks.get(ion, 0.0) / leaks["K"], "1",
                                       True, 0.0)
              for ion in IONS}
    specs = cell.parameters()
    params.update({f"inside.{ion}": ParamInfo(f"inside.{ion}", specs[f"inside.{ion}"].value, "mM",
                                              True, 0.0, specs[f"inside.{ion}"].spec.hi)
                   for ion in IONS})
    t = specs["cell.temperature"]
    params["cell.temperature"] = ParamInfo(t.name, t.value, "degC", False, t.spec.lo, t.spec.hi)
    return params


class SteadyModel:
    """V (mV) from the verified steady state of the whole cell at each bath point."""

    kind = "steady"
    step = 1e-3
    tol = 1e-10
    singular = 1e-4

    def __init__(self, cell: Cell, bath: Mapping[str, FloatArray]) -> None:
        self.cell = cell
        self.bath = {ion: np.asarray(v, dtype=float) for ion, v in bath.items()}
        specs = cell.parameters()
        per_point = {f"bath.{ion}" for ion in IONS}
        self.params = {k: ParamInfo(k, p.value, p.unit, p.spec.lo >= 0, p.spec.lo, p.spec.hi)
                       for k, p in specs.items() if k not in per_point}

    def predict(self, values: Mapping[str, FloatArray], strict: bool = True) -> FloatArray:
        """V (M, N) mV for M parameter sets; a failed steady state raises (strict) or is NaN."""
        from vrest.solve.steady import steady_state

        m = max((np.size(v) for v in values.values()), default=1)
        n = self.bath["K"].size
        batch = {f"bath.{ion}": np.tile(c, m) for ion, c in self.bath.items()}
        batch.update({k: np.repeat(np.broadcast_to(np.asarray(v, float), (m,)), n)
                      for k, v in values.items()})
        try:
            ss = steady_state(self.cell, batch=batch, raise_on_failure=False)
        except VrestError:
            if strict:
                raise
            return np.full((m, n), np.nan)
        if strict and not ss.converged.all():
            bad = int(np.argmin(ss.converged))
            where = ", ".join(f"{k} = {batch[k][bad]:.6g}" for k in batch)
            raise SolverError(f"model steady: no steady state at {where}: {ss.message[bad]}")
        return ss.V.reshape(m, n)


def make_model(kind: str, cell: Cell, bath: Mapping[str, FloatArray]) -> GHKModel | SteadyModel:
    """The model called ``kind`` ('ghk' or 'steady') for ``cell`` at the given bath points."""
    if kind not in MODELS:
        raise unknown("model", kind, list(MODELS))
    return GHKModel(cell, bath) if kind == "ghk" else SteadyModel(cell, bath)
