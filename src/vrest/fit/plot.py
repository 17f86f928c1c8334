"""matplotlib figures for fits and sensitivities (imported lazily; the computations they draw
do not import this module at load time, only ``FitResult.plot`` and ``Sensitivity.plot`` do).

:func:`plot_fit`: the recorded V (with error bars when V_sd was given), the fitted curve, the
Nernst line of K+ and a GHK curve, against K_o on a log axis, with the residuals below.
:func:`plot_sensitivity`: the normalised sensitivities of steady V, E_Cl, Na_i and ATP use as
bar charts, parameters ranked.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from vrest.plot import _pyplot

CURVE_POINTS = 60


def _grid_bath(result: Any) -> dict[str, np.ndarray]:
    """Bath at CURVE_POINTS log-spaced K_o over the data range: other ions interpolated
    linearly against K_o (exact for the isosmotic rule, which is linear in K_o)."""
    k = result.bath["K"]
    grid = np.geomspace(k.min(), k.max(), CURVE_POINTS)
    order = np.argsort(k)
    out = {}
    for ion, c in result.bath.items():
        out[ion] = grid if ion == "K" else np.interp(grid, k[order], c[order])
    return out


def _nernst_k(result: Any, grid_bath: dict[str, np.ndarray]) -> tuple[np.ndarray, str]:
    from vrest.physics.nernst import nernst

    values = {**result.cell.values(), **result.fixed, **result.best()}
    k_in = float(values["inside.K"])
    t_k = float(values["cell.temperature"]) + 273.15
    return nernst(1, k_in, grid_bath["K"], t_k), f"Nernst E_K (K_i = {k_in:.4g} mM)"


def _ghk_curve(result: Any, grid_bath: dict[str, np.ndarray]) -> tuple[np.ndarray, str] | None:
    """GHK curve: for a GHK fit the preset's ratios (the starting point); for a steady-state
    fit the fitted cell's ratios and starting inside concentrations."""
    curve = result.ghk_curve(grid_bath)
    if curve is None:
        return None
    v, ratios = curve
    text = ", ".join(f"P_{ion}/P_K {r:.3g}" for ion, r in ratios.items() if r > 0)
    which = "preset" if result.model == "ghk" else "fitted cell's"
    return v, f"GHK, {which} ratios ({text})"


def plot_fit(result: Any, path: str | None = None) -> Any:
    """Data, fit, Nernst line and GHK curve against log K_o, residuals below; returns the
    matplotlib Figure and saves it to ``path`` when given."""
    plt = _pyplot()
    fig, (ax, ax_r) = plt.subplots(2, 1, figsize=(7, 6), sharex=True, constrained_layout=True,
                                   gridspec_kw={"height_ratios": [3, 1]})
    bath = _grid_bath(result)
    k = result.bath["K"]
    e_k, e_label = _nernst_k(result, bath)
    ax.plot(bath["K"], e_k, ":", color="tab:blue", lw=1.5, label=e_label)
    ghk = _ghk_curve(result, bath)
    if ghk is not None:
        ax.plot(bath["K"], ghk[0], "--", color="tab:green", lw=1.5, label=ghk[1])
    fit_v = result.curve(bath)
    ljp = f" + ljp {result.ljp_mV:.3g} mV" if result.ljp_mV else ""
    ax.plot(bath["K"], fit_v, "-", color="black", lw=2,
            label=f"fit ({'GHK' if result.model == 'ghk' else 'steady-state model'}{ljp})")
    ax.errorbar(k, result.V, yerr=result.V_sd, fmt="o", color="tab:red", ms=4, capsize=2,
                label=f"data ({result.V.size} points)")
    ax.set_xscale("log")
    ax.set_ylabel("V (mV)")
    ax.set_title(_title(result), fontsize="medium")
    ax.legend(loc="upper left", fontsize="small")
    if np.isnan(fit_v).any():
        ax.annotate(f"no steady state at {int(np.isnan(fit_v).sum())} curve points",
                    (0.98, 0.02), xycoords="axes fraction", ha="right", fontsize="small")
    ax_r.axhline(0, color="grey", lw=0.8)
    ax_r.errorbar(k, result.residuals, yerr=result.V_sd, fmt="o", color="tab:red", ms=3,
                  capsize=2)
    ax_r.set_ylabel("data - fit (mV)")
    ax_r.set_xlabel("K_o (mM, log scale)")
    if path:
        fig.savefig(path, dpi=100)
    return fig


def _title(result: Any) -> str:
    how = "GHK equation" if result.model == "ghk" else "steady-state model"
    parts = [f"{p.name} = {p.value:.4g} {'' if p.unit == '1' else p.unit} "
             f"[{p.ci_low:.3g}, {p.ci_high:.3g}]" for p in result.parameters]
    return (f"{result.cell.name}, {how}: RMSE {result.rmse:.3g} mV; "
            f"{result.level:.0%} intervals in brackets\n" + "\n".join(parts))


def plot_sensitivity(sens: Any, path: str | None = None, top: int = 12, by: str = "V") -> Any:
    """Bar charts of the normalised sensitivities, the ``top`` parameters ranked by ``by``."""
    plt = _pyplot()
    outputs = tuple(sens.coefficients)
    order = sens.ranked(by)[:top]
    names = [sens.names[i] for i in order][::-1]
    fig, axes = plt.subplots(1, len(outputs), figsize=(13, 0.35 * len(names) + 1.8),
                             sharey=True, constrained_layout=True)
    colours = {"V": "black", "E_Cl": "tab:green", "Na_i": "tab:red", "ATP": "tab:purple"}
    for ax, out in zip(axes, outputs, strict=True):
        values = np.array([sens.coefficients[out][i] for i in order][::-1])
        ax.barh(names, np.nan_to_num(values), color=colours[out])
        ax.axvline(0, color="grey", lw=0.8)
        ax.set_xlabel(sens.labels[out], fontsize="small")
        ax.set_title(out)
    fig.suptitle(f"{sens.cell_name}: steady-state sensitivities, ranked by |{by}|",
                 fontsize="medium")
    if path:
        fig.savefig(path, dpi=100)
    return fig
