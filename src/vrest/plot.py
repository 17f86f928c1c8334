"""matplotlib figures of results (imported lazily: `import vrest` does not load matplotlib)."""

from __future__ import annotations

from typing import Any

IONS = ("Na", "K", "Cl", "Ca")
ION_COLOURS = {"Na": "tab:red", "K": "tab:blue", "Cl": "tab:green", "Ca": "tab:orange"}


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def time_axis(t_s: Any) -> tuple[Any, str]:
    """Times rescaled to a readable unit: (values, unit label)."""
    import numpy as np

    t = np.asarray(t_s, dtype=float)
    span = float(t.max()) if t.size else 0.0
    for factor, unit in ((3600.0, "h"), (60.0, "min"), (1.0, "s"), (1e-3, "ms")):
        if span >= 3 * factor or unit == "ms":
            return t / factor, unit
    return t, "s"


def plot_timecourse(tc: Any, path: str | None = None, cell: int = 0) -> Any:
    """V with the reversal potentials (top) and inside concentrations (bottom) against time.

    Returns the matplotlib Figure; saves it to ``path`` when given."""
    plt = _pyplot()
    fig, (ax_v, ax_c) = plt.subplots(2, 1, figsize=(8, 6), sharex=True, constrained_layout=True)
    t, unit = time_axis(tc.t)
    for i, ion in enumerate(IONS):
        if ion != "Ca":
            ax_v.plot(t, tc.E[:, cell, i], "--", color=ION_COLOURS[ion], lw=1, label=f"E_{ion}")
    ax_v.plot(t, tc.V[:, cell], color="black", lw=2, label="V")
    ax_v.set_ylabel("potential (mV)")
    ax_v.legend(loc="best", fontsize="small", ncol=4)
    scale = t[-1] / tc.t[-1] if tc.t[-1] else 1.0
    for t_ev, label in tc.events:
        ax_v.axvline(t_ev * scale, color="grey", lw=0.8, ls=":")
        ax_v.annotate(label, (t_ev * scale, ax_v.get_ylim()[1]), fontsize="x-small", rotation=90,
                      va="top", ha="right", color="grey")
    for i, ion in enumerate(IONS):
        ax_c.semilogy(t, tc.c_in[:, cell, i], color=ION_COLOURS[ion], label=f"{ion} inside")
    ax_c.set_ylabel("concentration inside (mM)")
    ax_c.set_xlabel(f"time ({unit})")
    ax_c.legend(loc="best", fontsize="small", ncol=4)
    if path:
        fig.savefig(path, dpi=110)
    return fig
