"""Fitting parameters to recordings of V against the bath composition (the V-versus-K_o experiment).

**Data.** A table (CSV, ``#`` lines are comments) with one row per recording: ``K_o_mM``
(required), optionally ``Na_o_mM``, ``Cl_o_mM``, ``Ca_o_mM`` (other bath ions; absent ones take
the preset's bath value), ``V_mV`` (required) and optionally ``V_sd_mV`` (the standard deviation
of each V, used as weights and for chi^2). With ``replace="Na"`` the bath is isosmotic: Na_o is
lowered by as much as K_o is raised above the preset's K_o (as in Hodgkin & Katz's solutions).

**Models.** ``"ghk"``: the closed-form GHK zero-current potential
(:func:`vrest.equations.zero_current_potential`) with the cell's inside concentrations and
temperature held fixed; parameters ``perm.<ion>`` (P_ion / P_K, taken from the cell's GHK
leaks), ``inside.<ion>`` (mM), ``cell.temperature`` (degC). ``"steady"``: the verified steady
state of the full cell model (:func:`vrest.steady_state`) at each bath; parameters: every dotted
parameter of the cell except the bath ions set by the data. Both models take ``ljp`` (mV), a
liquid-junction-potential offset: V_recorded = V_model + ljp (Neher 1992, Methods Enzymol
207:123: V_m = V_recorded - V_LJ), fixed at 0 mV unless fixed otherwise or fitted.

**Method.** :func:`scipy.optimize.least_squares` (trust-region reflective) on the residuals
(V_model + ljp - V) / V_sd (V_sd = 1 mV when not given). Parameters that must be positive
(permeabilities, rates, concentrations) are fitted as ln p. The Jacobian is a central
difference in those coordinates; all perturbed parameter sets of one Jacobian are solved in a
single batched call. Covariance in fit coordinates: s^2 (J^T J)^-1 with
s^2 = sum r^2 / (N - k); intervals x +- t_{N-k} se, mapped back (exp for ln p, so those
intervals are asymmetric). Standard errors in public units by the delta method (p se_ln p).

The data are read in :mod:`.recording`, the models are in :mod:`.models`, the result in
:mod:`.result`; this module holds :func:`fit` and the least-squares problem.
"""


from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from vrest.errors import ParameterError, SolverError, UnknownNameError, VrestError, unknown
from vrest.fit.models import LJP, GHKModel, ParamInfo, SteadyModel, make_model
from vrest.fit.recording import (
    IONS,
    FloatArray,
    Recording,
    bath_per_point,
    describe_bath,
    read_recording,
)
from vrest.fit.result import FitParameter, FitResult
from vrest.model.cell import Cell

FLAT_MV = 1e-6  # a free parameter moving V by less than this per unit (ln) change is undetermined


# ------------------------------------------------------------------------------------ fitting


@dataclass(frozen=True)
class _Space:
    """Free parameters and their fit coordinates (ln p for positive ones)."""

    names: tuple[str, ...]
    log: NDArray[np.bool_]
    units: tuple[str, ...]
    lo: FloatArray  # allowed range, public units
    hi: FloatArray

    def bounds(self, margin: float) -> tuple[FloatArray, FloatArray]:
        """Bounds in fit coordinates, ``margin`` inside the allowed range (room for the
        Jacobian's differences)."""
        with np.errstate(divide="ignore"):
            lo = np.where(self.log, np.log(np.maximum(self.lo, 0.0)), self.lo)
            hi = np.where(self.log, np.log(np.where(self.hi > 0, self.hi, 1.0)), self.hi)
        pad = margin * np.where(self.log, 1.0, np.maximum(1.0, np.abs(np.where(
            np.isfinite(lo), lo, 0.0))))
        return lo + 2 * pad, hi - 2 * pad

    def to_x(self, values: Sequence[float]) -> FloatArray:
        v = np.asarray(values, dtype=float)
        return np.where(self.log, np.log(np.where(self.log, v, 1.0)), v)

    def from_x(self, x: FloatArray) -> FloatArray:
        with np.errstate(over="ignore"):
            return np.where(self.log, np.exp(np.where(self.log, x, 0.0)), x)


def fit(data: Recording | str | Path | Any, cell: Cell | str, free: Sequence[str],
        model: str = "ghk", fixed: Mapping[str, float] | None = None,
        start: Mapping[str, float] | None = None, replace: str | None = None,
        level: float = 0.95) -> FitResult:
    """Fit the ``free`` parameters of ``model`` ('ghk' or 'steady') to recorded V.

    ``data``: a Recording, CSV path or DataFrame; ``cell``: a Cell or preset name; ``fixed``:
    parameters set to a value and not fitted (e.g. ``{"ljp": 5.0}``, mV); ``start``: starting
    values of free parameters (default: the cell's values, 0 mV for ljp); ``replace``: 'Na' for
    an isosmotic bath; ``level``: confidence level of the intervals, in (0, 1).
    """
    from vrest.model.presets.cells import load_cell

    rec = data if isinstance(data, Recording) else read_recording(data)
    if rec.n > 1 and float(np.ptp(rec.V)) == 0.0:
        raise ParameterError(f"DATA {rec.source}: every V_mV is {rec.V[0]:g} mV (zero variance): "
                             "the fit is undetermined; give recordings in which V changes")
    cell = load_cell(cell) if isinstance(cell, str | Path) else cell
    if not 0 < level < 1:
        raise ParameterError(f"level: {level:g} is outside the allowed range (0, 1)")
    reference = {ion: cell.values()[f"bath.{ion}"] for ion in IONS}
    given = {ion: v for ion, v in rec.bath.items() if ion != "K"}
    bath = bath_per_point(rec.K_o, reference, given, replace)
    evaluator = make_model(model, cell, bath)
    fixed = dict(fixed or {})
    space = _free_space(evaluator, free, fixed, rec.n)
    base = _apply_fixed(evaluator, fixed)
    starts = _start_values(evaluator, space, start or {}, base)
    problem = _Problem(evaluator, space, fixed, rec, starts)
    x, nfev, message = problem.solve(space.to_x(starts))
    return _result(problem, x, nfev, message, level, given, replace, reference)


def _free_space(evaluator: GHKModel | SteadyModel, free: Sequence[str],
                fixed: Mapping[str, float], n: int) -> _Space:
    valid = [*evaluator.params, LJP]
    names = tuple(dict.fromkeys(str(f).strip() for f in free if str(f).strip()))
    if not names:
        raise ParameterError(f"--free: give at least one parameter to fit; valid: "
                             f"{', '.join(_suggest(valid))}")
    for name in [*names, *fixed]:
        if name not in valid:
            err = unknown(f"parameter of model {evaluator.kind}", name, valid)
            if evaluator.kind == "ghk" and name in evaluator.cell.values():
                raise UnknownNameError(f"{err}; {name} is a parameter of the cell model: "
                                       f"use --model steady")
            raise err
    both = [k for k in names if k in fixed]
    if both:
        raise ParameterError(f"--fix: {', '.join(both)} cannot be both free and fixed")
    if "perm.K" in names:
        raise ParameterError("--free perm.K: permeabilities are relative to P_K, so perm.K is 1 "
                             "by definition; free the other ratios (perm.Na, perm.Cl, perm.Ca)")
    if n <= len(names):
        raise ParameterError(
            f"DATA: {n} point(s) are too few to fit {len(names)} free parameter(s) with "
            f"confidence intervals; need at least {len(names) + 1}")
    log = np.array([name != LJP and evaluator.params[name].log for name in names])
    units = tuple("mV" if k == LJP else evaluator.params[k].unit for k in names)
    info = [evaluator.params.get(k, ParamInfo(LJP, 0.0, "mV", False)) for k in names]
    return _Space(names, log, units, np.array([i.lo for i in info]), np.array([i.hi for i in info]))


def _suggest(valid: Sequence[str]) -> list[str]:
    return [v for v in valid if v.startswith(("perm.", "leak.", "pump.", "ljp"))] or list(valid)


def _apply_fixed(evaluator: GHKModel | SteadyModel, fixed: Mapping[str, float]) -> dict[str, float]:
    """Base values of the model's parameters with ``fixed`` applied (checked)."""
    base = {k: p.value for k, p in evaluator.params.items()}
    for key, value in fixed.items():
        if key == LJP:
            _finite(key, value, "mV")
            continue
        _check_value(evaluator, key, value)
        base[key] = float(value)
    return base


def _check_value(evaluator: GHKModel | SteadyModel, key: str, value: float) -> None:
    info = evaluator.params[key]
    _finite(key, value, info.unit)
    if isinstance(evaluator, SteadyModel):
        evaluator.cell.parameters()[key].spec.check(value, key)
    elif info.log and value < 0:
        raise ParameterError(f"{key}: {value:g} {info.unit} is not allowed; it must be >= 0")


def _finite(key: str, value: float, unit: str) -> None:
    if not isinstance(value, int | float | np.floating) or not math.isfinite(value):
        raise ParameterError(f"{key}: {value!r} is not allowed; give a finite number ({unit})")


def _start_values(evaluator: GHKModel | SteadyModel, space: _Space, start: Mapping[str, float],
                  base: Mapping[str, float]) -> list[float]:
    extra = [k for k in start if k not in space.names]
    if extra:
        raise ParameterError(f"--start: {', '.join(extra)} is not a free parameter; free: "
                             f"{', '.join(space.names)}")
    out = []
    for name, log in zip(space.names, space.log, strict=True):
        value = float(start.get(name, 0.0 if name == LJP else base[name]))
        if name != LJP:
            _check_value(evaluator, name, value)
        if log and value <= 0:
            raise ParameterError(
                f"--start {name}: {value:g} cannot start a fit in ln {name} (it must be > 0); "
                f"give a positive start, e.g. --start {name}=1e-3")
        out.append(value)
    return out


class _Problem:
    """Residuals and batched Jacobian of one fit."""

    def __init__(self, evaluator: GHKModel | SteadyModel, space: _Space,
                 fixed: Mapping[str, float], rec: Recording, start: Sequence[float]) -> None:
        self.ev, self.space, self.rec = evaluator, space, rec
        self.fixed = {k: float(v) for k, v in fixed.items() if k != LJP}
        self.ljp_fixed = float(fixed.get(LJP, 0.0))
        self.start = list(start)
        self.i_ljp = space.names.index(LJP) if LJP in space.names else None
        self.core = [i for i, k in enumerate(space.names) if k != LJP]
        self.sd = rec.V_sd if rec.V_sd is not None else np.ones(rec.n)

    def values(self, xs: FloatArray) -> dict[str, FloatArray]:
        """Core parameter values (name -> (M,)) for fit coordinates xs (M, k); fixed ones
        at their base value."""
        p = self.space.from_x(xs)
        out = {k: np.full(xs.shape[0], v) for k, v in self.fixed.items()}
        out.update({self.space.names[i]: p[:, i] for i in self.core})
        return out

    def ljp(self, xs: FloatArray) -> FloatArray:
        return xs[:, self.i_ljp] if self.i_ljp is not None else np.full(xs.shape[0], self.ljp_fixed)

    def model_v(self, xs: FloatArray, strict: bool) -> FloatArray:
        """V_model + ljp (M, N) for fit coordinates xs (M, k)."""
        return self.ev.predict(self.values(xs), strict=strict) + self.ljp(xs)[:, None]

    def residual(self, x: FloatArray) -> FloatArray:
        with np.errstate(all="ignore"):
            return (self.model_v(x[None], strict=False)[0] - self.rec.V) / self.sd

    def jacobian(self, x: FloatArray) -> FloatArray:
        k = x.size
        jac = np.zeros((self.rec.n, k))
        if self.core:
            h = self.ev.step * np.where(self.space.log, 1.0, np.maximum(1.0, np.abs(x)))
            xs = np.repeat(x[None], 2 * len(self.core), axis=0)
            for j, i in enumerate(self.core):
                xs[2 * j, i] += h[i]
                xs[2 * j + 1, i] -= h[i]
            v = self.model_v(xs, strict=True)
            for j, i in enumerate(self.core):
                jac[:, i] = (v[2 * j] - v[2 * j + 1]) / (2 * h[i])
        if self.i_ljp is not None:
            jac[:, self.i_ljp] = 1.0
        return jac / self.sd[:, None]

    def solve(self, x0: FloatArray) -> tuple[FloatArray, int, str]:
        from scipy.optimize import least_squares

        r0 = self.model_v(x0[None], strict=True)[0]
        if not np.all(np.isfinite(r0)):
            raise SolverError(f"model {self.ev.kind}: V is not finite at the starting values")
        tol = self.ev.tol
        lo, hi = self.space.bounds(self.ev.step)
        res = least_squares(self.residual, np.clip(x0, lo, hi), jac=self.jacobian, method="trf",
                            bounds=(lo, hi), ftol=tol, xtol=tol, gtol=tol,
                            max_nfev=100 * x0.size)
        if res.status <= 0 or not np.all(np.isfinite(res.x)):
            if np.all(np.isfinite(res.x)):
                self.check_identifiable(res.x)
            raise SolverError(
                f"the fit did not converge ({res.message}; {res.nfev} evaluations); try other "
                f"--start values or fewer --free parameters")
        self.check_edges(res.x, res.active_mask)
        return res.x, int(res.nfev), str(res.message)

    def check_edges(self, x: FloatArray, active: NDArray[np.int_]) -> None:
        """SolverError when the best fit sits on the edge of a parameter's allowed range."""
        for j in np.flatnonzero(active):
            name, value = self.space.names[j], float(self.space.from_x(x)[j])
            edge = self.space.lo[j] if active[j] < 0 else self.space.hi[j]
            raise SolverError(
                f"the fit ran into the edge of {name}'s allowed range ({name} = {value:.4g}"
                f"{_unit(self.space.units[j])}, limit {edge:g}): no best value inside the range; "
                f"check the data and the preset, or fix {name} with --fix")


    def check_identifiable(self, x: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Singular values and right singular vectors of the Jacobian at x; SolverError when
        V does not respond to a free parameter or to a combination of them."""
        try:
            jac = self.jacobian(x)
            _, s, vt = np.linalg.svd(jac, full_matrices=False)
        except (VrestError, np.linalg.LinAlgError):
            return np.ones(x.size), np.eye(x.size)
        rms = np.sqrt(np.mean((jac * self.sd[:, None]) ** 2, axis=0))  # mV per unit x
        if np.any(rms < FLAT_MV):
            j = int(np.argmin(rms))
            name, value = self.space.names[j], float(self.space.from_x(x)[j])
            coord = f"ln {name}" if self.space.log[j] else name
            raise SolverError(
                f"V does not depend on {name} at {name} = {value:.3g}{_unit(self.space.units[j])} "
                f"(less than {FLAT_MV:g} mV per unit change of {coord}): the fit ran to where the"
                f" data cannot pin {name}, so the model may not be able to produce these data; "
                f"fix it with --fix or check the data and the preset")
        if s[-1] <= self.ev.singular * s[0]:
            weights = np.abs(vt[-1])
            involved = [n for n, w in zip(self.space.names, weights, strict=True) if w > 0.01]
            raise SolverError(
                f"the data cannot determine {', '.join(involved)} separately: one combination "
                f"of them leaves every fitted V unchanged (the Jacobian is singular); fix one of "
                f"them with --fix or add data that vary another ion")
        return s, vt


def _unit(unit: str) -> str:
    return "" if unit == "1" else f" {unit}"


def _covariance(problem: _Problem, x: FloatArray, r: FloatArray, dof: int) -> FloatArray:
    """s^2 (J^T J)^-1 in fit coordinates (from the SVD of J)."""
    s, vt = problem.check_identifiable(x)
    s2 = float(r @ r) / dof
    return s2 * (vt.T / s**2) @ vt


def _result(problem: _Problem, x: FloatArray, nfev: int, message: str, level: float,
            given: Mapping[str, FloatArray], replace: str | None,
            reference: Mapping[str, float]) -> FitResult:
    from scipy import stats

    rec, space = problem.rec, problem.space
    v_fit = problem.model_v(x[None], strict=True)[0]
    r_w = (v_fit - rec.V) / problem.sd
    dof = rec.n - x.size
    cov = _covariance(problem, x, r_w, dof)
    se = np.sqrt(np.diag(cov))
    t = float(stats.t.ppf(0.5 + level / 2, dof))
    lo, hi = space.from_x(x - t * se), space.from_x(x + t * se)
    best = space.from_x(x)
    se_public = np.where(space.log, best * se, se)
    params = tuple(FitParameter(n, float(b), u, float(e), float(a), float(c), float(s0), bool(lg))
                   for n, b, u, e, a, c, s0, lg in zip(space.names, best, space.units, se_public,
                                                       lo, hi, problem.start, space.log, strict=True))
    if not (np.all(np.isfinite(se)) and np.all(np.isfinite(lo)) and np.all(np.isfinite(hi))):
        raise ParameterError(f"DATA {rec.source}: the fit is undetermined: the standard errors are "
                             "not finite (are V_sd_mV absurdly large or small?)")
    corr = np.clip(cov / np.outer(se, se), -1.0, 1.0)
    np.fill_diagonal(corr, 1.0)
    raw = rec.V - v_fit
    ss_tot = float(np.sum((rec.V - rec.V.mean()) ** 2))
    chi2 = float(r_w @ r_w) if rec.V_sd is not None else None
    return FitResult(
        model=problem.ev.kind, cell=problem.ev.cell, parameters=params, fixed=problem.fixed,
        ljp_mV=float(problem.ljp(x[None])[0]), ljp_free=problem.i_ljp is not None, level=level,
        correlation=corr, bath=problem.ev.bath,
        bath_origin=describe_bath(list(given), replace, reference),
        V=rec.V, V_sd=rec.V_sd, V_fit=v_fit, residuals=raw, dof=dof,
        rmse=float(np.sqrt(np.mean(raw**2))),
        r2=1.0 - float(raw @ raw) / ss_tot if ss_tot > 0 else math.nan,
        chi2=chi2, reduced_chi2=chi2 / dof if chi2 is not None else None,
        chi2_p=float(stats.chi2.sf(chi2, dof)) if chi2 is not None else None,
        nfev=nfev, message=message, source=rec.source, replace=replace)
