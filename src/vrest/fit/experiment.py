"""Simulated recordings for a class practical: V against the bath K+ concentration.

The classic experiment (Hodgkin & Katz 1949, J Physiol 108:37): change K_o, record V within
minutes, and infer the relative permeabilities from how far V bends away from the Nernst line
at low K_o. :func:`kout_experiment` computes the recordings a class would make: at each K_o
(log-spaced from ``k_from`` to ``k_to``), by default the ACUTE response (``model="acute"``: V
read ``read_after_s`` after the bath change, the inside as it was; :mod:`vrest.solve.kout`),
with ``model="steady"`` the steady state of the whole cell model (hours: the inside
re-equilibrates; where that curve turns at low K_o the header says so and why), or, with
``model="ghk"``, the closed-form GHK potential; optionally with Gaussian measurement noise (sd ``noise_mV``, reproducible with
``seed``). Points where no stable steady state exists (stability from the eigenvalues of the
linearised dynamics) are left out and listed in ``failures`` (never silently). ``write_csv`` writes a file that ``vrest fit`` reads back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from vrest.errors import NoSteadyStateError, ParameterError, unknown
from vrest.fit.models import GHKModel
from vrest.fit.recording import BATH_COLUMNS, IONS, SD_COLUMN, bath_per_point
from vrest.model.cell import Cell
from vrest.solve.kout import READ_AFTER_S, kout_curve, turn_text

FloatArray = NDArray[np.float64]
MAX_POINTS = 10_000
EXPERIMENT_MODELS = ("acute", "steady", "ghk")
SMALL_CHANGE = 0.05  # acute: above this relative change of K_i or Na_i the header warns


@dataclass(frozen=True)
class KoutExperiment:
    """Simulated V-versus-K_o recordings. Arrays (N,) over the points kept; ``V_true`` is the
    noise-free model value, ``V`` the recorded one (mV); ``failures`` lists (K_o mM, reason)
    for points left out."""

    cell_name: str
    model: str
    bath: dict[str, FloatArray]
    V_true: FloatArray
    V: FloatArray
    noise_mV: float
    seed: int | None
    replace: str | None
    failures: tuple[tuple[float, str], ...]
    temperature_C: float
    k_from: float
    k_to: float
    points: int
    read_after_s: float | None = None
    turn_text: str | None = None
    inside_change: float | None = None  # acute: largest relative change of K_i or Na_i

    @property
    def K_o(self) -> FloatArray:
        return self.bath["K"]

    def to_frame(self) -> Any:
        """The recordings as a pandas DataFrame with the columns `vrest fit` reads."""
        import pandas as pd

        cols: dict[str, Any] = {"K_o_mM": self.K_o}
        if self.replace:
            cols[BATH_COLUMNS[self.replace]] = self.bath[self.replace]
        cols["V_mV"] = self.V
        if self.noise_mV > 0:
            cols[SD_COLUMN] = np.full(self.V.size, self.noise_mV)
        return pd.DataFrame(cols)

    def header(self) -> list[str]:
        """Comment lines saying how the recordings were made."""
        if self.model == "acute":
            how = (f"ACUTE response: V read {self.read_after_s:g} s after the bath change, from"
                   " the control steady state (the inside starts as it was; Hodgkin and Katz"
                   " read V within minutes)")
        elif self.model == "steady":
            how = ("STEADY response: the cell model's steady state in each bath (hours; the"
                   " inside re-equilibrates)")
        else:
            how = "closed-form GHK potential"
        lines = [f"vrest experiment kout: preset {self.cell_name}, {how}, "
                 f"{self.temperature_C:g} degC",
                 f"{self.points} K_o values log-spaced from {self.k_from:g} to {self.k_to:g} mM"]
        if self.replace:
            lines.append(f"isosmotic bath: {self.replace}_o lowered as much as K_o is raised "
                         f"(--replace {self.replace})")
        else:
            lines.append("other bath ions at the preset's values (no replacement)")
        lines.append(f"measurement noise: Gaussian, sd {self.noise_mV:g} mV, seed {self.seed}"
                     if self.noise_mV > 0 else "no measurement noise")
        if self.inside_change is not None and self.inside_change > SMALL_CHANGE:
            lines.append(f"this cell is small: by the reading its inside had moved by "
                         f"{100 * self.inside_change:.2g}% (a squid giant axon's would not); "
                         "read earlier (--read-after) for the inside unchanged")
        lines += [f"left out: K_o = {k:.6g} mM: {why}" for k, why in self.failures]
        if self.turn_text:
            lines.append(self.turn_text)
        return lines

    def to_csv(self) -> str:
        """CSV text: ``#`` comment lines (the header), then the table."""
        head = "".join(f"# {line}\n" for line in self.header())
        return head + self.to_frame().to_csv(index=False, float_format="%.10g")

    def write_csv(self, path: str | Path) -> None:
        """Write :meth:`to_csv` to ``path``."""
        try:
            Path(path).write_text(self.to_csv(), encoding="utf-8")
        except OSError as exc:
            raise ParameterError(f"--out: cannot write {str(path)!r} ({exc.strerror})") from None


def kout_experiment(cell: Cell | str, k_from: float = 1.0, k_to: float = 100.0,
                    points: int = 20, noise_mV: float = 0.0, seed: int | None = None,
                    replace: str | None = None, model: str = "acute",
                    read_after_s: float = READ_AFTER_S) -> KoutExperiment:
    """Simulated recordings of V (mV) at ``points`` K_o values (mM, log-spaced).

    ``cell``: a Cell or preset name; ``noise_mV``: sd of Gaussian measurement noise (>= 0);
    ``seed``: random seed (one is drawn and recorded when noise is asked for without one);
    ``replace``: 'Na' for an isosmotic bath; ``model``: 'acute' (the cell model, V read
    ``read_after_s`` s after the change; default), 'steady' (its steady states) or 'ghk'.
    """
    from vrest.model.presets.cells import load_cell

    cell = load_cell(cell) if isinstance(cell, str | Path) else cell
    k_o = _k_values(k_from, k_to, points)
    if not math.isfinite(noise_mV) or noise_mV < 0:
        raise ParameterError(f"--noise: {noise_mV:g} mV is not allowed; it must be finite and >= 0")
    if model not in EXPERIMENT_MODELS:
        raise unknown("model", model, list(EXPERIMENT_MODELS))
    reference = {ion: cell.values()[f"bath.{ion}"] for ion in IONS}
    bath = bath_per_point(k_o, reference, replace=replace)
    v, keep, failures, turn, change = _recordings(cell, bath, model, read_after_s)
    if not keep.any():
        raise NoSteadyStateError("no K_o value gave a stable steady state: " +
                                 "; ".join(f"K_o = {k:.6g} mM: {why}" for k, why in failures))
    if noise_mV > 0 and seed is None:
        seed = int(np.random.SeedSequence().entropy % 2**31)
    rng = np.random.default_rng(seed)
    noisy = v + (rng.normal(0.0, noise_mV, v.size) if noise_mV > 0 else 0.0)
    return KoutExperiment(
        cell_name=cell.name, model=model, bath={k: c[keep] for k, c in bath.items()},
        V_true=v[keep], V=noisy[keep], noise_mV=float(noise_mV), seed=seed, replace=replace,
        failures=tuple(failures), temperature_C=float(cell.temperature), k_from=float(k_from),
        k_to=float(k_to), points=int(points),
        read_after_s=float(read_after_s) if model == "acute" else None, turn_text=turn,
        inside_change=change)


def _k_values(k_from: float, k_to: float, points: int) -> FloatArray:
    for name, value in (("--from", k_from), ("--to", k_to)):
        if not math.isfinite(value) or value <= 0:
            raise ParameterError(f"{name}: {value:g} mM is not allowed; K_o must be > 0 mM")
    if k_to <= k_from:
        raise ParameterError(f"--to: {k_to:g} mM is not allowed; it must be above --from "
                             f"({k_from:g} mM)")
    if int(points) != points or not 2 <= points <= MAX_POINTS:
        raise ParameterError(f"--points: {points!r} is not allowed; give a whole number in "
                             f"[2, {MAX_POINTS}]")
    return np.geomspace(k_from, k_to, int(points))


def _recordings(cell: Cell, bath: dict[str, FloatArray], model: str, read_after_s: float
                ) -> tuple[FloatArray, NDArray[np.bool_], list[tuple[float, str]], str | None,
                           float | None]:
    """(V at every point, which points to keep, (K_o, reason) for the others, the turn of the
    steady curve in words or None, the acute curve's largest relative change of K_i/Na_i)."""
    if model == "ghk":
        v = GHKModel(cell, bath).predict({})[0]
        return v, np.ones(v.size, bool), [], None, None
    curve = kout_curve(cell, bath, model, read_after_s)
    failures = [(float(k), why) for k, ok, why in zip(bath["K"], curve.ok, curve.messages,
                                                      strict=True) if not ok]
    change = None
    if model == "acute":
        change = float(max(np.max(np.abs(curve.K_i_mM / curve.control["K_i_mM"] - 1)),
                           np.max(np.abs(curve.Na_i_mM / curve.control["Na_i_mM"] - 1))))
    return (curve.V, curve.ok, failures, None if curve.turn is None else turn_text(curve.turn),
            change)
