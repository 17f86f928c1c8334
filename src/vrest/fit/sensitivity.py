"""How the steady state responds to each parameter: normalised derivatives, ranked.

For each parameter p of the cell, at its steady state:

- ``V`` and ``E_Cl``: dV/d ln p and dE_Cl/d ln p, in **mV per unit ln p** (mV per e-fold change
  of p; multiply by ln 2 = 0.693 for a doubling, by ln 10 = 2.303 for a tenfold change);
- ``Na_i`` and ``ATP`` (ATP molecules hydrolysed per second): d ln y / d ln p, dimensionless
  (0.5 means 1 % more p gives 0.5 % more y). With no ATP use the ATP column is undefined (NaN,
  ``None`` in summaries).

Derivatives are central differences in ln p (p e^(+-h), h = 1e-3 by default); every perturbed
cell and the unperturbed one are solved together in one batched :func:`vrest.steady_state`.
Temperature is differentiated in ln T with T in kelvin. The trapped anions are the parameter
``inside.X`` (mM; when the cell gives a starting potential ``inside.V0`` instead, the amount it
implies); they are added or removed together with K+ counter-ions in the starting state (as
``AnionSource(counter="K")`` makes them), so the starting state stays uncharged.

Left out of the default list: rate multipliers (``*.scale``, which duplicate the rate constants
P, i_max, U, g), the mean anion charge ``inside.z_X``, and the starting concentrations
``inside.Na`` ... ``inside.Ca``: these are a starting state, not a property of the cell; the
steady state does not depend on them for ions the mechanisms move across the membrane
(infinite bath). Name any of them to include them; the trapped anions are then held fixed, so
a zero there confirms that the steady state does not depend on where it starts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from vrest.errors import NoSteadyStateError, ParameterError, SolverError, unknown
from vrest.model.cell import Cell

FloatArray = NDArray[np.float64]
OUTPUTS = ("V", "E_Cl", "Na_i", "ATP")
LABELS = {"V": "dV/d ln p (mV)", "E_Cl": "dE_Cl/d ln p (mV)", "Na_i": "d ln Na_i / d ln p",
          "ATP": "d ln ATP / d ln p"}
BASE_UNITS = {"V": "mV", "E_Cl": "mV", "Na_i": "mM", "ATP": "ATP/s"}
ZERO_C = 273.15
TEMPERATURE = "cell.temperature"
STARTING = ("inside.Na", "inside.K", "inside.Cl", "inside.Ca")


@dataclass(frozen=True)
class Sensitivity:
    """Normalised sensitivities of the steady state (see the module docstring).

    ``coefficients[out]`` (P,) over ``names``; ``values`` (P,) the parameter values in
    ``units``; ``base`` the unperturbed steady V (mV), E_Cl (mV), Na_i (mM), ATP (1/s).
    """

    cell_name: str
    names: tuple[str, ...]
    values: FloatArray
    units: tuple[str, ...]
    coefficients: dict[str, FloatArray]
    base: dict[str, float]
    step: float

    @property
    def labels(self) -> dict[str, str]:
        """Axis label (with unit) of each output's coefficient."""
        return {out: LABELS[out] for out in self.coefficients}

    def ranked(self, by: str = "V") -> list[int]:
        """Parameter indices, largest |coefficient of ``by``| first (undefined ones last)."""
        if by not in OUTPUTS:
            raise unknown("output to rank by", by, list(OUTPUTS))
        size = np.nan_to_num(np.abs(self.coefficients[by]), nan=-1.0)
        return [int(i) for i in np.argsort(-size, kind="stable")]

    def rows(self, by: str = "V") -> list[dict[str, Any]]:
        """One JSON-ready row per parameter, ranked by ``by``."""
        return [{"rank": r + 1, "parameter": self.names[i], "value": float(self.values[i]),
                 "unit": self.units[i],
                 **{out: _clean(self.coefficients[out][i]) for out in OUTPUTS},
                 "scaling_identity": self.scaling_identity(i)}
                for r, i in enumerate(self.ranked(by))]

    def scaling_identity(self, i: int) -> bool:
        """Whether parameter ``i`` only rescales every potential: dV/d ln p = V and
        dE_Cl/d ln p = E_Cl (within 2%) with the concentrations unchanged, as for the
        temperature in kelvin (RT/F). Its large dV is an identity, not a sign that it matters."""
        c, b = self.coefficients, self.base
        close = [abs(c[k][i] - b[k]) <= 0.02 * abs(b[k]) for k in ("V", "E_Cl")]
        return bool(all(close) and abs(c["Na_i"][i]) < 1e-3)

    def summary(self, by: str = "V") -> dict[str, Any]:
        """JSON-ready table with units and the unperturbed steady state."""
        return {"preset": self.cell_name, "ranked_by": by, "step_ln_p": self.step,
                "units": dict(LABELS), "steady_state": {k: _clean(v) for k, v in self.base.items()},
                "steady_state_units": dict(BASE_UNITS), "sensitivities": self.rows(by)}

    def table(self, by: str = "V", top: int | None = None) -> str:
        """The ranked table as text."""
        header = ["rank", "parameter", "value", "unit", "dV", "dE_Cl", "dlnNa_i", "dlnATP"]
        shown = self.rows(by)[:top]
        rows = [[str(r["rank"]), r["parameter"] + (" *" if r["scaling_identity"] else ""),
                 f"{r['value']:.4g}", r["unit"], *(_fmt(r[out]) for out in OUTPUTS)]
                for r in shown]
        widths = [max(len(x[i]) for x in [header, *rows]) for i in range(len(header))]
        lines = ["  ".join(c.ljust(w) if i in (1, 3) else c.rjust(w)
                           for i, (c, w) in enumerate(zip(x, widths, strict=True))).rstrip()
                 for x in [header, *rows]]
        b = self.base
        atp = f"{b['ATP']:.4g} ATP/s" if math.isfinite(b["ATP"]) else "no ATP use"
        return "\n".join([
            f"{self.cell_name}: steady state V = {b['V']:.2f} mV, E_Cl = {b['E_Cl']:.2f} mV, "
            f"Na_i = {b['Na_i']:.4g} mM, {atp}",
            f"ranked by |{by}|; dV, dE_Cl in mV per unit ln p (x 0.693 for a doubling of p); "
            f"dlnNa_i, dlnATP = d ln y / d ln p", *lines,
            *([IDENTITY_NOTE] if any(r["scaling_identity"] for r in shown) else [])])

    def plot(self, path: str | None = None, top: int = 12, by: str = "V") -> Any:
        """Bar charts (:func:`vrest.fit.plot.plot_sensitivity`)."""
        from vrest.fit.plot import plot_sensitivity

        return plot_sensitivity(self, path, top=top, by=by)


IDENTITY_NOTE = ("* scaling identity: dV/d ln p = V and dE_Cl/d ln p = E_Cl because every "
                 "potential is proportional to it (RT/F with T in kelvin) while the "
                 "concentrations stay; its rank says nothing about which mechanism matters.")


def _clean(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:+.4g}"


def parameter_values(cell: Cell) -> dict[str, tuple[float, str, float]]:
    """name -> (value, unit, lower bound) of every parameter; inside.V0 becomes inside.X."""
    from vrest.model.rhs import I_X, Model

    params = cell.parameters()
    out = {k: (p.value, p.unit, p.spec.lo) for k, p in params.items()}
    if "inside.V0" in out:
        del out["inside.V0"]
        out["inside.X"] = (float(Model(cell).y0[0, I_X]), "mM", 0.0)
    return out


def default_names(cell: Cell) -> list[str]:
    """Parameters with a finite positive value (and temperature), without ``*.scale``,
    ``inside.z_X`` and the starting concentrations (see the module docstring)."""
    names = []
    for key, (value, _, lo) in parameter_values(cell).items():
        if key.endswith(".scale") or key == "inside.z_X" or key in STARTING:
            continue
        if key == TEMPERATURE or (lo >= 0 and math.isfinite(value) and value > 0):
            names.append(key)
    return names


def sensitivity(cell: Cell | str, names: Sequence[str] | None = None,
                step: float = 1e-3) -> Sensitivity:
    """Normalised sensitivities of the steady state to ``names`` (default: default_names)."""
    from vrest.model.presets.cells import load_cell

    cell = load_cell(cell) if isinstance(cell, str) else cell
    if not (math.isfinite(step) and 0 < step <= 0.1):
        raise ParameterError(f"step: {step:g} is outside the allowed range (0, 0.1] (in ln p)")
    table = parameter_values(cell)
    names = list(dict.fromkeys(names if names is not None else default_names(cell)))
    _check_names(names, table)
    values = np.array([table[k][0] for k in names])
    batch = _batch(names, values, step)
    if "inside.X" in batch:
        _with_counter_ions(batch, table)
    elif "inside.X" in table:  # hold the trapped anions when starting amounts change
        batch["inside.X"] = np.full(len(next(iter(batch.values()))), table["inside.X"][0])
    outputs = _solve(cell, batch, names)
    coeffs = {out: _central(outputs[out], step, log=out in ("Na_i", "ATP")) for out in OUTPUTS}
    return Sensitivity(
        cell_name=cell.name, names=tuple(names), values=values,
        units=tuple(table[k][1] for k in names), coefficients=coeffs,
        base={out: float(outputs[out][0]) if outputs[out][0] > 0 or out in ("V", "E_Cl")
              else math.nan for out in OUTPUTS}, step=step)


def _check_names(names: Sequence[str], table: dict[str, tuple[float, str, float]]) -> None:
    if not names:
        raise ParameterError("--params: give at least one parameter")
    for key in names:
        if key == "inside.V0":
            raise ParameterError("inside.V0 cannot be varied here: it stands for the trapped "
                                 "anions it implies; use inside.X (mM)")
        if key not in table:
            raise unknown("parameter", key, list(table))
        value = table[key][0]
        if key != TEMPERATURE and not (math.isfinite(value) and value > 0):
            raise ParameterError(f"{key}: a normalised sensitivity needs a finite value > 0 "
                                 f"(d ln p); {key} is {value:g} {table[key][1]}")


def _batch(names: Sequence[str], values: FloatArray, h: float) -> dict[str, FloatArray]:
    """Batch of 1 + 2P cells: unperturbed, then p e^(+h), p e^(-h) for each parameter."""
    size = 1 + 2 * len(names)
    batch = {}
    for j, (key, value) in enumerate(zip(names, values, strict=True)):
        col = np.full(size, value)
        if key == TEMPERATURE:
            t_k = value + ZERO_C
            col[2 * j + 1], col[2 * j + 2] = t_k * math.exp(h) - ZERO_C, t_k * math.exp(-h) - ZERO_C
        else:
            col[2 * j + 1], col[2 * j + 2] = value * math.exp(h), value * math.exp(-h)
        batch[key] = col
    return batch


def _with_counter_ions(batch: dict[str, FloatArray], table: dict[str, tuple[float, str, float]]
                       ) -> None:
    """Change the starting K+ with inside.X so that the starting charge stays the same."""
    z_x = table["inside.z_X"][0]
    k0 = batch["inside.K"] if "inside.K" in batch else np.full(batch["inside.X"].size,
                                                                  table["inside.K"][0])
    batch["inside.K"] = k0 - z_x * (batch["inside.X"] - table["inside.X"][0])


def _solve(cell: Cell, batch: dict[str, FloatArray], names: Sequence[str]) -> dict[str, FloatArray]:
    from vrest.solve.steady import steady_state

    ss = steady_state(cell, batch=batch, raise_on_failure=False)
    if not ss.converged[0]:
        raise NoSteadyStateError(f"cell {cell.name}: no steady state: {ss.message[0]}")
    if not ss.converged.all():
        bad = int(np.argmin(ss.converged))
        key, sign = names[(bad - 1) // 2], "+" if bad % 2 else "-"
        raise SolverError(f"no steady state with {key} = {batch[key][bad]:.6g} (ln p {sign} step):"
                          f" {ss.message[bad]}; try a smaller step")
    return {"V": ss.V, "E_Cl": ss.E[:, 2], "Na_i": ss.c_in[:, 0], "ATP": ss.atp_per_s}


def _central(y: FloatArray, h: float, log: bool) -> FloatArray:
    """Central differences over the (1 + 2P) batch; NaN where ln y is undefined."""
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(y > 0, np.log(np.where(y > 0, y, 1.0)), np.nan) if log else y
    return (z[1::2] - z[2::2]) / (2 * h)
