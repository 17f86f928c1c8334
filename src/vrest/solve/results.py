"""Results: time courses and steady states with names, units and solver status."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray

from vrest.model.mechanisms.base import Z_IONS
from vrest.model.rhs import Model
from vrest.physics.constants import N_A, F
from vrest.physics.nernst import nernst_si

FloatArray = NDArray[np.float64]
IONS = ("Na", "K", "Cl", "Ca")

UNITS: dict[str, str] = {
    "t": "s", "V": "mV", "c_in": "mM", "c_out": "mM", "E": "mV", "volume_rel": "1",
    "X": "mM", "flux": "mol/s (outward +)", "current": "pA (outward +)", "atp": "ATP/s",
    "water": "um^3/s (outward +)", "charge_residual": "mV", "ion_residual": "1 (relative)",
}


def observe_segment(model: Model, times: FloatArray, ys: FloatArray, seg: Any) -> dict[str, Any]:
    """Everything a TimeCourse reports, for states ys (T, B, n) of one protocol segment."""
    obs = model.observe(ys)
    s = obs.state
    currents = {name: 1e12 * F * (f[..., :4] @ Z_IONS) for name, f in obs.fluxes.items()
                if name != "anion_source"}
    totals = ys[..., :4] + ys[..., model.layout.out]
    start = model.y0 if seg.t0 == 0 else ys[:1]
    ref = (start[..., :4] + start[..., model.layout.out]) if ys.size else totals
    with np.errstate(divide="ignore", invalid="ignore"):
        ion_res = (totals - ref) / np.maximum(np.abs(ref), 1e-300)
    return {
        "t": times, "y": ys, "V": 1e3 * s.v, "c_in": s.c_in, "c_out": np.array(s.c_out),
        "E": 1e3 * nernst_si(Z_IONS, s.c_in, s.c_out, s.temperature[:, None]),
        "volume_rel": obs.w, "X": s.x_in,
        "flux": obs.fluxes, "current": currents,
        "atp": {k: v * N_A for k, v in obs.atp.items()},
        "water": obs.water * 1e18, "charge_residual": model.charge_residual_mV(ys),
        "ion_residual": ion_res,
    }


def _cat(parts: Sequence[dict[str, Any]], key: str) -> Any:
    """Concatenate one observed quantity over segments; a mechanism absent from a segment
    (added or removed by the protocol) contributes zeros there."""
    if not isinstance(parts[0][key], dict):
        return np.concatenate([p[key] for p in parts], axis=0)
    names = list(dict.fromkeys(k for p in parts for k in p[key]))
    out = {}
    for name in names:
        trailing = next(p[key][name].shape[2:] for p in parts if name in p[key])
        out[name] = np.concatenate(
            [p[key].get(name, np.zeros(p["V"].shape + trailing)) for p in parts], axis=0)
    return out


@dataclass(frozen=True)
class Part:
    """One protocol segment's raw result: its model, output times and states (T, B, n)."""

    model: Model
    times: FloatArray
    ys: FloatArray
    segment: Any


class TimeCourse:
    """A simulated time course. Arrays have a leading time axis and a batch axis
    (``t``: (T,), ``V``: (T, B), ``c_in``: (T, B, 4) over Na, K, Cl, Ca, ...). Units in
    ``UNITS``. ``t``, ``y`` and ``V`` are computed with the run; the other quantities
    (concentrations, reversal potentials, every mechanism's flux, current and ATP use,
    conservation residuals) are computed from the states when first read, then kept."""

    def __init__(self, parts: Sequence[Part], protocol: Any, stats: dict[str, int], method: str,
                 rtol: float, solver_note: str = "") -> None:
        self._parts = list(parts)
        self.t: FloatArray = np.concatenate([p.times for p in parts])
        self.y: FloatArray = np.concatenate([p.ys for p in parts], axis=0)
        self.names: tuple[str, ...] = parts[0].model.layout.names
        self.V: FloatArray = np.concatenate(
            [p.model.voltage_mV(p.ys) for p in parts], axis=0)
        self.events: list[tuple[float, str]] = [
            (p.segment.t0, p.segment.label) for p in parts if p.segment.label]
        self.stats, self.method, self.rtol, self.protocol = stats, method, rtol, protocol
        self.success, self.message = True, "ok"
        self.solver_note = solver_note  # e.g. why "auto" fell back from the compiled path
        self.units: dict[str, str] = dict(UNITS)

    @classmethod
    def from_parts(cls, parts: Sequence[Part], protocol: Any, stats: dict[str, int],
                   method: str, rtol: float, solver_note: str = "") -> TimeCourse:
        return cls(parts, protocol, stats, method, rtol, solver_note)

    @cached_property
    def _observed(self) -> dict[str, Any]:
        pieces = [observe_segment(p.model, p.times, p.ys, p.segment) for p in self._parts]
        keys = ("c_in", "c_out", "E", "volume_rel", "X", "flux", "current", "atp", "water",
                "charge_residual", "ion_residual")
        return {k: _cat(pieces, k) for k in keys}

    @property
    def c_in(self) -> FloatArray:
        """Inside concentrations (T, B, 4), mM."""
        return self._observed["c_in"]

    @property
    def c_out(self) -> FloatArray:
        """Bath concentrations (T, B, 4), mM."""
        return self._observed["c_out"]

    @property
    def E(self) -> FloatArray:  # noqa: N802 (the physics symbol)
        """Reversal potentials (T, B, 4), mV."""
        return self._observed["E"]

    @property
    def volume_rel(self) -> FloatArray:
        """Cell volume over its starting volume (T, B)."""
        return self._observed["volume_rel"]

    @property
    def X(self) -> FloatArray:  # noqa: N802
        """Trapped-anion concentration inside (T, B), mM."""
        return self._observed["X"]

    @property
    def flux(self) -> dict[str, FloatArray]:
        """Outward flux of each mechanism (T, B, 5) over Na, K, Cl, Ca, X, mol/s."""
        return self._observed["flux"]

    @property
    def current(self) -> dict[str, FloatArray]:
        """Outward membrane current of each mechanism (T, B), pA."""
        return self._observed["current"]

    @property
    def atp(self) -> dict[str, FloatArray]:
        """ATP use of each pump (T, B), molecules/s."""
        return self._observed["atp"]

    @property
    def water(self) -> FloatArray:
        """Outward water flux (T, B), um^3/s."""
        return self._observed["water"]

    @property
    def charge_residual(self) -> FloatArray:
        """v minus its charge-difference value (T, B), mV: zero when charge is conserved."""
        return self._observed["charge_residual"]

    @property
    def ion_residual(self) -> FloatArray:
        """Relative change of each ion's inside + outside amount within a segment (T, B, 4)."""
        return self._observed["ion_residual"]

    @property
    def batch_size(self) -> int:
        return int(self.V.shape[1])

    @property
    def atp_total(self) -> FloatArray:
        """ATP hydrolysed per second by all pumps (T, B), molecules/s."""
        return sum(self.atp.values(), np.zeros_like(self.V))

    @property
    def current_total(self) -> FloatArray:
        """Net membrane current (T, B), pA, outward +."""
        return sum(self.current.values(), np.zeros_like(self.V))

    def ion(self, name: str) -> int:
        """Column of ion ``name`` in c_in, c_out, E."""
        return IONS.index(name)

    def columns(self, cell: int = 0) -> dict[str, FloatArray]:
        """One cell's time course as named columns (name -> (T,) array), units in the names:
        the table that ``to_dataframe`` and ``vrest simulate --csv`` write."""
        b = cell
        cols: dict[str, FloatArray] = {"t_s": self.t, "V_mV": self.V[:, b]}
        for part, arr in (("i_mM", self.c_in), ("o_mM", self.c_out)):
            for i, ion in enumerate(IONS):
                cols[f"{ion}_{part}"] = arr[:, b, i]
        for i, ion in enumerate(IONS):
            cols[f"E_{ion}_mV"] = self.E[:, b, i]
        cols["X_i_mM"] = self.X[:, b]
        cols["volume_rel"] = self.volume_rel[:, b]
        for name, cur in self.current.items():
            cols[f"I_{name}_pA"] = cur[:, b]
        cols["I_total_pA"] = self.current_total[:, b]
        cols["atp_per_s"] = self.atp_total[:, b]
        cols["charge_residual_mV"] = self.charge_residual[:, b]
        return cols

    def to_dataframe(self, cell: int | None = None) -> Any:
        """A tidy pandas table: one row per output time (and per cell for a batch)."""
        import pandas as pd

        cells = range(self.batch_size) if cell is None else [cell]
        frames = []
        for b in cells:
            frame = pd.DataFrame(self.columns(b))
            if cell is None and self.batch_size > 1:
                frame.insert(0, "cell", b)
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)

    def plot(self, path: str | None = None, cell: int = 0, **options: Any) -> Any:
        """V with the reversal potentials, and inside concentrations, against time (matplotlib);
        ``options`` (title, time_scale) go to :func:`vrest.plot.plot_timecourse`."""
        from vrest.plot import plot_timecourse

        return plot_timecourse(self, path=path, cell=cell, **options)

    def summary(self, cell: int = 0) -> dict[str, Any]:
        """Numbers at the end of the run, for one cell."""
        return {
            "t_end_s": float(self.t[-1]), "V_mV": float(self.V[-1, cell]),
            "inside_mM": {ion: float(self.c_in[-1, cell, i]) for i, ion in enumerate(IONS)},
            "E_mV": {ion: float(self.E[-1, cell, i]) for i, ion in enumerate(IONS)},
            "volume_rel": float(self.volume_rel[-1, cell]),
            "atp_per_s": float(self.atp_total[-1, cell]),
            "max_charge_residual_mV": float(np.max(np.abs(self.charge_residual[:, cell]))),
            "solver": {"method": self.method, "rtol": self.rtol, **self.stats,
                       **({"note": self.solver_note} if self.solver_note else {})},
        }

    def _repr_html_(self) -> str:
        s = self.summary()
        rows = "".join(f"<tr><td>E_{k}</td><td>{v:.2f} mV</td></tr>" for k, v in s["E_mV"].items())
        rows += "".join(f"<tr><td>{k}<sub>i</sub></td><td>{v:.4g} mM</td></tr>"
                        for k, v in s["inside_mM"].items())
        title = html.escape(f"TimeCourse: {len(self.t)} points to {s['t_end_s']:g} s, "
                            f"{self.batch_size} cell(s), {self.method}")
        return (f"<b>{title}</b><table><tr><td>V (end)</td><td>{s['V_mV']:.3f} mV</td></tr>{rows}"
                f"<tr><td>ATP</td><td>{s['atp_per_s']:.4g} /s</td></tr></table>")
