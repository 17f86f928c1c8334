"""The result of a fit: fitted parameters with intervals, goodness of fit, the fitted curve and
cell, and a JSON-ready summary.
"""


from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from vrest.errors import ParameterError, VrestError, unknown
from vrest.fit.models import LJP, GHKModel, make_model
from vrest.fit.recording import FloatArray
from vrest.model.cell import Cell

# ------------------------------------------------------------------------------------ result


@dataclass(frozen=True)
class FitParameter:
    """A fitted parameter (public units): value, standard error, interval at ``level``."""

    name: str
    value: float
    unit: str
    stderr: float
    ci_low: float
    ci_high: float
    start: float
    log: bool

    def summary(self) -> dict[str, Any]:
        return {"value": self.value, "unit": self.unit, "stderr": self.stderr,
                "ci": [self.ci_low, self.ci_high], "start": self.start,
                "fitted_as": "ln p" if self.log else "p"}


@dataclass(frozen=True)
class FitResult:
    """Result of :func:`fit`. Arrays are over the N data points; ``residuals`` = data - fit."""

    model: str
    cell: Cell
    parameters: tuple[FitParameter, ...]
    fixed: dict[str, float]
    ljp_mV: float
    ljp_free: bool
    level: float
    correlation: FloatArray
    bath: dict[str, FloatArray]
    bath_origin: dict[str, str]
    V: FloatArray
    V_sd: FloatArray | None
    V_fit: FloatArray
    residuals: FloatArray
    dof: int
    rmse: float
    r2: float
    chi2: float | None
    reduced_chi2: float | None
    chi2_p: float | None
    nfev: int
    message: str
    source: str
    replace: str | None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parameters)

    def value(self, name: str) -> float:
        """Best value of the free parameter ``name`` (public units)."""
        for p in self.parameters:
            if p.name == name:
                return p.value
        raise unknown("free parameter", name, list(self.names))

    def best(self) -> dict[str, float]:
        """Best values of the free parameters (ljp included when free)."""
        return {p.name: p.value for p in self.parameters}

    def curve(self, bath: Mapping[str, FloatArray]) -> FloatArray:
        """Fitted V (mV, ljp included) at other bath points (ion -> (N,) mM); NaN where the
        steady state is not found."""
        model = make_model(self.model, self.cell, bath)
        core = {k: np.array([v]) for k, v in {**self.fixed, **self.best()}.items() if k != LJP}
        return model.predict(core, strict=False)[0] + self.ljp_mV

    def fitted_cell(self) -> Cell:
        """The cell with the fixed and best values applied (steady model only: the GHK
        model's ratios are not parameters of a cell)."""
        if self.model != "steady":
            raise ParameterError("fitted_cell: only a fit with model 'steady' changes a cell")
        return self.cell.with_parameters(
            {k: v for k, v in {**self.fixed, **self.best()}.items() if k != LJP})

    def summary(self) -> dict[str, Any]:
        """JSON-ready description of the fit."""
        return {
            "model": self.model, "preset": self.cell.name, "data": self.source,
            "points": int(self.V.size), "level": self.level,
            "parameters": {p.name: p.summary() for p in self.parameters},
            "fixed": dict(self.fixed),
            "ljp": {"value_mV": self.ljp_mV, "free": self.ljp_free,
                    "convention": "V_recorded = V_model + ljp"},
            "bath": self.bath_origin,
            "correlation": {a: {b: float(self.correlation[i, j]) for j, b in enumerate(self.names)}
                            for i, a in enumerate(self.names)},
            "goodness": {"rmse_mV": self.rmse, "r2": self.r2, "dof": self.dof, "chi2": self.chi2,
                         "reduced_chi2": self.reduced_chi2, "chi2_p": self.chi2_p},
            "points_table": [
                {**{f"{ion}_o_mM": float(self.bath[ion][i]) for ion in ("K", "Na", "Cl", "Ca")},
                 "V_mV": float(self.V[i]), "V_sd_mV": None if self.V_sd is None
                 else float(self.V_sd[i]), "V_fit_mV": float(self.V_fit[i]),
                 "residual_mV": float(self.residuals[i])}
                for i in range(self.V.size)],
            "solver": {"method": "scipy.optimize.least_squares (trf)", "nfev": self.nfev,
                       "message": self.message},
        }

    def ghk_curve(self, bath: Mapping[str, FloatArray]) -> tuple[FloatArray, dict[str, float]] | None:
        """V (mV) of the GHK zero-current potential at the ``bath`` points, with the permeability
        ratios P_Na/P_K and P_Cl/P_K it uses: the preset's ratios for a GHK fit, the fitted
        cell's for a steady-state fit. None when the cell has no K+ GHK leak."""
        cell = self.cell if self.model == "ghk" else self.fitted_cell()
        try:
            model = GHKModel(cell, bath)
        except VrestError:
            return None
        ratios = {ion: model.params[f"perm.{ion}"].value for ion in ("Na", "Cl")}
        return model.predict({})[0], ratios

    def plot(self, path: str | None = None) -> Any:
        """Data, fit, Nernst line and GHK curve against log K_o (:func:`vrest.fit.plot.plot_fit`;
        the plot module does not import this one)."""
        from vrest.fit.plot import plot_fit

        return plot_fit(self, path)
