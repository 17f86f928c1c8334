"""Cell -> state layout and right-hand side, vectorised over a batch of cells.

State of one cell (columns, in this order):

- ``Na, K, Cl, Ca``: amounts inside, as mol per m^3 of the STARTING cell volume (= mM while the
  volume is unchanged);
- ``X``: trapped anions inside (same unit);
- ``v``: membrane charge over (C_m A_0), in mV; equals V while the membrane area is unchanged
  (V = v A_0 / A). Kept as its own state because V is a tiny difference of large amounts of
  charge: with C_m dV/dt = -I the solver controls V's error directly. Charge conservation,
  v = 1e3 F V_0 (sum z n + z_X n_X) / (C_m A_0), is a linear invariant that the solvers keep
  (checked in TimeCourse.residuals);
- ``w`` (only when water moves): cell volume over the starting volume;
- ``<channel>.<gate>`` (only with voltage-gated channels, e.g. ``hh_na.m``, ``hh_na.h``,
  ``hh_k.n``): each gate's open probability, starting at its steady value at the starting V;
- ``out_Na ... out_Ca``: with a finite bath, the amounts outside (same unit); with an infinite
  bath, the cumulative amounts moved out. Either way ``ion + out_ion`` is conserved.

Arrays of state have shape (..., B, n): B cells, any leading axes (used for finite-difference
Jacobians and by solve_ivp's vectorised calls).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from vrest.errors import ParameterError, unknown
from vrest.model.cell import (
    ANION_KEYS,
    AREA_RULES,
    BATH_SPECS,
    CELL_SPECS,
    INSIDE_SPECS,
    IONS,
    Cell,
)
from vrest.model.mechanisms.anions import AnionSource
from vrest.model.mechanisms.base import SPECIES, Z_IONS, Mechanism, MembraneState
from vrest.model.mechanisms.channels import GatedChannel
from vrest.model.mechanisms.leak import OhmicLeak
from vrest.model.mechanisms.transporters import Transporter
from vrest.model.mechanisms.water import Water
from vrest.physics import kernels
from vrest.physics.constants import F, R

FloatArray = NDArray[np.float64]
N_ION = 4
I_X = 4
I_V = 5


@dataclass(frozen=True)
class Layout:
    """Column names and positions of one cell's state."""

    water: bool
    gates: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        base = (*IONS, "X", "v") + (("w",) if self.water else ()) + self.gates
        return base + tuple(f"out_{ion}" for ion in IONS)

    @property
    def gate_start(self) -> int:
        """Column of the first gate (gates, if any, follow v and w)."""
        return 7 if self.water else 6

    @property
    def size(self) -> int:
        return len(self.names)

    @property
    def i_w(self) -> int | None:
        return 6 if self.water else None

    @property
    def out(self) -> slice:
        start = self.gate_start + len(self.gates)
        return slice(start, start + N_ION)


@dataclass(frozen=True)
class Observables:
    """Derived quantities for states of shape (..., B, n) (SI unless named otherwise)."""

    state: MembraneState
    w: FloatArray
    fluxes: dict[str, FloatArray]  # mechanism -> (..., B, 5) mol/s outward
    atp: dict[str, FloatArray]  # mechanism -> (..., B) mol ATP/s
    water: FloatArray  # (..., B) m^3/s outward


class Model:
    """The dynamic model of a cell, for a batch of parameter values.

    ``batch`` maps dotted parameter names to arrays (public units) of one common length B;
    every other parameter takes the cell's value.
    """

    def __init__(self, cell: Cell, batch: Mapping[str, ArrayLike] | None = None) -> None:
        self.cell = cell
        self.batch_size, values = _resolve(cell, batch or {})
        b = self.batch_size
        gates = tuple(g for m in cell.mechanisms if isinstance(m, GatedChannel) for g in m.gate_names)
        self.layout = Layout(water=any(isinstance(m, Water) for m in cell.mechanisms), gates=gates)
        self.temperature = _vec(values["cell.temperature"], b) + 273.15
        area0, vol0, f_side = cell.geometry.si(values)
        self.area0, self.volume0, self.f_side = _vec(area0, b), _vec(vol0, b), _vec(f_side, b)
        self.cm = _vec(values["cell.capacitance"], b) * 1e-2
        self.c_out0 = np.stack([_vec(values[f"bath.{ion}"], b) for ion in IONS], axis=-1)
        self.x_out0 = _vec(values["bath.X"], b)
        self.ratio = _vec(values["bath.volume_ratio"], b)
        self.finite_bath = bool(np.all(np.isfinite(self.ratio)))
        if not self.finite_bath and not np.all(np.isinf(self.ratio)):
            raise ParameterError("bath.volume_ratio: a batch must be all finite or all infinite")
        self.z_x = _vec(values["inside.z_X"], b)
        # mV of v per mol/m^3 (of starting volume) of net charge inside
        self.mv_per_charge = 1e3 * F * self.volume0 / (self.cm * self.area0)
        self._mechs, self._source, self._water = _split_mechanisms(cell, values)
        _check_empty_bath(cell, self.c_out0)
        self.y0 = self._initial_state(values)

    def take(self, idx: ArrayLike) -> Model:
        """The same model for the cells ``idx`` of its batch (their parameters sliced, not
        resolved again: the batched steady-state solver takes many sub-batches)."""
        rows = np.asarray(idx, dtype=np.int64)
        b = self.batch_size
        sub = object.__new__(Model)
        for key, value in vars(self).items():
            per_cell = isinstance(value, np.ndarray) and value.shape[:1] == (b,)
            setattr(sub, key, value[rows] if per_cell else value)
        sub.batch_size = int(rows.size)
        sub._mechs = [(mech, _take_params(p, rows, b)) for mech, p in self._mechs]
        for key in ("_source", "_water"):
            entry = getattr(self, key)
            if entry is not None:
                setattr(sub, key, (entry[0], _take_params(entry[1], rows, b)))
        return sub

    # -- initial state ------------------------------------------------------------------------
    def _initial_state(self, values: Mapping[str, Any]) -> FloatArray:
        b, lay = self.batch_size, self.layout
        y = np.zeros((b, lay.size))
        for i, ion in enumerate(IONS):
            y[:, i] = _vec(values[f"inside.{ion}"], b)
        ionic = y[:, :N_ION] @ Z_IONS
        if "inside.X" in values or "inside.X_amount" in values:
            y[:, I_X] = _vec(values["inside.X"], b) if "inside.X" in values else \
                _vec(values["inside.X_amount"], b) * 1e-15 / self.volume0
            y[:, I_V] = self.mv_per_charge * (ionic + self.z_x * y[:, I_X])
        else:
            v0 = _vec(values["inside.V0"], b)
            x = (v0 / self.mv_per_charge - ionic) / self.z_x
            if np.any(x < 0):
                bad = float(v0[x < 0][0])
                raise ParameterError(
                    f"inside.V0: {bad:g} mV cannot be reached with these inside concentrations: "
                    f"it needs a negative amount of trapped anions (net inside charge "
                    f"{float(ionic[x < 0][0]):g} mM is negative); give inside.X instead")
            y[:, I_X] = x
            y[:, I_V] = v0
        if lay.i_w is not None:
            y[:, lay.i_w] = 1.0
        for mech, _ in self._gated():
            for name, x in mech.steady_gates(y[:, I_V]).items():
                y[:, lay.gate_start + lay.gates.index(name)] = x
        if self.finite_bath:
            y[:, lay.out] = self.c_out0 * self.ratio[:, None]
        return y

    # -- evaluation ---------------------------------------------------------------------------
    def membrane_state(self, y: FloatArray) -> tuple[MembraneState, FloatArray]:
        """The membrane state seen by mechanisms, and the relative volume w, for states y."""
        lay = self.layout
        w = y[..., lay.i_w] if lay.i_w is not None else np.ones(y.shape[:-1])
        area = self.area0 * self._area_factor(w)
        c_in = y[..., :N_ION] / w[..., None]
        v = 1e-3 * y[..., I_V] * self.area0 / area
        if self.finite_bath:
            bath_vol = self.ratio - (w - 1.0)
            c_out = y[..., lay.out] / bath_vol[..., None]
            x_out = self.x_out0 * self.ratio / bath_vol
        else:
            c_out = np.broadcast_to(self.c_out0, c_in.shape)
            x_out = np.broadcast_to(self.x_out0, w.shape)
        g0 = lay.gate_start
        state = MembraneState(
            c_in=c_in, c_out=c_out, v=v, u=v * (F / R) / self.temperature,
            temperature=self.temperature, area=area, volume=self.volume0 * w,
            x_in=y[..., I_X] / w, x_out=x_out,
            gates={name: y[..., g0 + k] for k, name in enumerate(lay.gates)})
        return state, w

    def _gated(self) -> list[tuple[GatedChannel, dict[str, Any]]]:
        return [(m, p) for m, p in self._mechs if isinstance(m, GatedChannel)]

    @property
    def area_rule_code(self) -> int:
        """How area follows volume, as the code used by vrest.physics.kernels.area_factor."""
        if self.layout.i_w is None:
            return 0
        return AREA_RULES.index(self.cell.geometry.area_rule)

    def _area_factor(self, w: FloatArray) -> FloatArray:
        return kernels.area_factor(self.area_rule_code, w, self.f_side)

    def observe(self, y: FloatArray) -> Observables:
        """Every mechanism's fluxes, ATP use and the water flux for states y (..., B, n)."""
        s, w = self.membrane_state(y)
        fluxes, atp = {}, {}
        water = np.zeros(w.shape)
        for mech, p in self._mechs:
            out = mech.evaluate(p, s)
            fluxes[mech.name] = out.flux
            if out.atp is not None:
                atp[mech.name] = out.atp
        if self._source is not None:
            mech, p = self._source
            fluxes[mech.name] = mech.source(p, s, self.volume0, self.z_x).flux
        if self._water is not None:
            mech, p = self._water
            water = mech.evaluate(p, s).water
        return Observables(s, w, fluxes, atp, water)

    def rhs(self, t: float, y: FloatArray) -> FloatArray:
        """dy/dt for states y of shape (..., B, n)."""
        obs = self.observe(y)
        total = sum(obs.fluxes.values()) if obs.fluxes else np.zeros(y.shape[:-1] + (len(SPECIES),))
        per_vol = total / self.volume0[..., None]  # mol/m^3 of starting volume per s, outward
        dy = np.empty_like(y)
        dy[..., :N_ION] = -per_vol[..., :N_ION]
        dy[..., I_X] = -per_vol[..., I_X]
        dy[..., I_V] = self.mv_per_charge * (dy[..., :N_ION] @ Z_IONS + self.z_x * dy[..., I_X])
        if self.layout.i_w is not None:
            dy[..., self.layout.i_w] = -obs.water / self.volume0
        for mech, p in self._gated():
            for name, rate in mech.gate_derivatives(p, obs.state).items():
                dy[..., self.layout.gate_start + self.layout.gates.index(name)] = rate
        dy[..., self.layout.out] = per_vol[..., :N_ION]
        return dy

    def rhs_flat(self, t: float, y: FloatArray) -> FloatArray:
        """rhs for solve_ivp: y of shape (B*n,) or, vectorised, (B*n, k)."""
        n, b = self.layout.size, self.batch_size
        if y.ndim == 1:
            return self.rhs(t, y.reshape(b, n)).reshape(-1)
        k = y.shape[1]
        yy = y.reshape(b, n, k).transpose(2, 0, 1)
        return self.rhs(t, yy).transpose(1, 2, 0).reshape(b * n, k)

    # -- derived quantities -------------------------------------------------------------------
    def voltage_mV(self, y: FloatArray) -> FloatArray:
        """Membrane potential (mV) for states y."""
        return 1e3 * self.membrane_state(y)[0].v

    def charge_residual_mV(self, y: FloatArray) -> FloatArray:
        """v minus the charge-difference value of v (mV); zero when charge is conserved."""
        ionic = y[..., :N_ION] @ Z_IONS + self.z_x * y[..., I_X]
        return y[..., I_V] - self.mv_per_charge * ionic

    def mechanism_names(self) -> list[str]:
        """Names of the mechanisms that contribute fluxes."""
        names = [m.name for m, _ in self._mechs]
        if self._source is not None:
            names.append(self._source[0].name)
        return names


def _take_params(params: Mapping[str, Any], rows: NDArray[np.int64], b: int) -> dict[str, Any]:
    """A mechanism's parameters for some cells: per-cell (B,) arrays sliced, scalars kept."""
    return {k: v[rows] if isinstance(v, np.ndarray) and v.shape[:1] == (b,) else v
            for k, v in params.items()}


def _vec(value: ArrayLike, b: int) -> FloatArray:
    if np.isscalar(value):
        return np.full(b, float(value))  # type: ignore[arg-type]
    return np.broadcast_to(np.asarray(value, dtype=float), (b,)).copy()


def _resolve(cell: Cell, batch: Mapping[str, ArrayLike]) -> tuple[int, dict[str, Any]]:
    """Batch size and the merged parameter values (batch arrays checked against their specs)."""
    values: dict[str, Any] = dict(cell.values())
    if not batch:
        return 1, values
    specs = cell.specs()
    sizes = set()
    for key, arr in batch.items():
        if key not in specs:
            if key in ANION_KEYS:
                for other in ANION_KEYS:
                    if other != key:
                        values.pop(other, None)
                spec = INSIDE_SPECS[key]
            else:
                raise unknown("parameter", key, list(specs))
        else:
            spec = specs[key]
        a = np.atleast_1d(np.asarray(arr, dtype=float))
        if a.ndim != 1:
            raise ParameterError(f"batch {key}: expected a 1-d array of values, got shape {a.shape}")
        spec.check(a, key)
        sizes.add(a.size)
        values[key] = a
    if len(sizes) > 1:
        raise ParameterError(f"batch: arrays have different lengths {sorted(sizes)}; all must match")
    return (sizes.pop() if sizes else 1), values


def _check_empty_bath(cell: Cell, c_out: FloatArray) -> None:
    """A bath ion may be 0 mM for GHK leaks and pumps (their fluxes stay finite), not for a
    mechanism whose law uses that ion's E or log(c_out): an ohmic leak or a transporter."""
    for i in np.flatnonzero(np.any(c_out == 0, axis=0)):
        ion = IONS[i]
        for mech in cell.mechanisms:
            uses = (isinstance(mech, OhmicLeak) and mech.ion == ion) or (
                isinstance(mech, Transporter) and mech.vector[i] != 0)
            if uses:
                raise ParameterError(
                    f"bath.{ion}: 0 mM is allowed only with mechanisms that do not use E_{ion}; "
                    f"{mech.name} ({mech.KIND}) would move {ion} at an infinite rate (E_{ion} is "
                    f"infinite); give bath.{ion} > 0 or remove {mech.name}")


def _split_mechanisms(cell: Cell, values: Mapping[str, Any]) -> tuple[
        list[tuple[Mechanism, dict[str, Any]]], tuple[Any, Any] | None, tuple[Any, Any] | None]:
    """(flux mechanisms with SI params, anion source or None, water or None)."""
    mechs, source, water = [], None, None
    arrays = {k: v for k, v in values.items() if not np.isscalar(v)}
    for mech in cell.mechanisms:
        local = {k[len(mech.name) + 1:]: v for k, v in arrays.items()
                 if k.startswith(mech.name + ".")}
        entry = (mech, mech.si(local))
        if isinstance(mech, AnionSource):
            source = entry
        elif isinstance(mech, Water):
            water = entry
        else:
            mechs.append(entry)
    return mechs, source, water


__all__ = ["BATH_SPECS", "CELL_SPECS", "Layout", "Model", "Observables"]
