"""matplotlib figures of results (imported lazily: `import vrest` does not load matplotlib).

Legends sit outside the axes (right), so they never cover a line. The potential axis follows V
and the E's of Na+, K+ and Cl-; E_Ca, usually far above, is drawn too and, when off the axis,
named at the edge with its value. Timed events are numbered on the plot and listed in full
under the title, so long labels never overlap.
"""

from __future__ import annotations

from typing import Any

IONS = ("Na", "K", "Cl", "Ca")
ION_COLOURS = {"Na": "tab:red", "K": "tab:blue", "Cl": "tab:green", "Ca": "tab:orange"}
LOG_SPAN = 1000.0  # a run whose end is this many times its first change gets a log time axis


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


def duration_text(t: float) -> str:
    """A time in seconds as a reader says it: 10 ms, 2 s, 5 min, 3 h."""
    for factor, unit in ((3600.0, "h"), (60.0, "min"), (1.0, "s"), (1e-3, "ms"), (1e-6, "us")):
        if t >= factor or unit == "us":
            return f"{t / factor:g} {unit}"
    return f"{t:g} s"  # pragma: no cover


def wants_log_time(t_s: Any, events: Any, choice: str = "auto") -> bool:
    """Log time axis: when asked, or (auto) when a change happens early in a long run."""
    if choice != "auto":
        return choice == "log"
    t_end = float(t_s[-1]) if len(t_s) else 0.0
    first = min((t for t, _ in events if t > 0), default=None)
    return first is not None and t_end / first >= LOG_SPAN


def _y_limits(ax: Any, lines: list[Any]) -> tuple[float, float]:
    import numpy as np

    values = np.concatenate([np.asarray(x, dtype=float).ravel() for x in lines])
    values = values[np.isfinite(values)]
    lo, hi = (float(values.min()), float(values.max())) if values.size else (-100.0, 50.0)
    pad = max(2.0, 0.08 * (hi - lo))
    ax.set_ylim(lo - pad, hi + pad)
    return lo - pad, hi + pad


def _mark_off_axis(ax: Any, name: str, value: float, colour: str, limits: tuple[float, float]) -> None:
    if limits[0] <= value <= limits[1]:
        return
    above = value > limits[1]
    ax.annotate(f"{name} ends at\n{value:+.0f} mV,\n{'above' if above else 'below'} the axis",
                xy=(1.02, 0.02), xycoords="axes fraction", color=colour, fontsize="small",
                va="bottom", ha="left")


def _events(fig: Any, ax: Any, x_of: Any, events: Any) -> None:
    from matplotlib.transforms import blended_transform_factory

    if not events:
        return
    marks = blended_transform_factory(ax.transData, ax.transAxes)
    for k, (t_ev, _) in enumerate(events, start=1):
        ax.axvline(x_of(t_ev), color="grey", lw=0.8, ls=":")
        ax.text(x_of(t_ev), 1.01, str(k), transform=marks, ha="center", va="bottom",
                fontsize="small", color="dimgrey", fontweight="bold")
    listed = "; ".join(f"{k}: {label or 'change'} at {duration_text(t)}"
                       for k, (t, label) in enumerate(events, start=1))
    fig.text(0.5, 0.955, f"events: {listed}", ha="center", va="top", fontsize="small",
             color="dimgrey", wrap=True)


def plot_timecourse(tc: Any, path: str | None = None, cell: int = 0, title: str | None = None,
                    time_scale: str = "auto") -> Any:
    """V with every reversal potential (top) and inside concentrations (bottom) against time.

    ``title`` heads the figure; ``time_scale`` is "auto" (log when a change comes early in a
    long run, see :func:`wants_log_time`), "log" or "linear". Returns the matplotlib Figure;
    saves it to ``path`` when given."""
    import numpy as np

    plt = _pyplot()
    log = wants_log_time(tc.t, tc.events, time_scale)
    fig, (ax_v, ax_c) = plt.subplots(2, 1, figsize=(9.5, 7), sharex=True)
    fig.subplots_adjust(left=0.09, right=0.78, top=0.86 if tc.events else 0.9, bottom=0.08,
                        hspace=0.12)
    keep = tc.t > 0 if log else np.ones(tc.t.size, bool)
    if log:
        t, unit = tc.t[keep], "s, log scale"
        x_of = float
    else:
        t, unit = time_axis(tc.t)
        scale = t[-1] / tc.t[-1] if tc.t[-1] else 1.0
        x_of = lambda t_ev: t_ev * scale  # noqa: E731
    for i, ion in enumerate(IONS):
        ax_v.plot(t, tc.E[keep, cell, i], "--", color=ION_COLOURS[ion], lw=1.2, label=f"E_{ion}")
    ax_v.plot(t, tc.V[keep, cell], color="black", lw=2, label="V")
    limits = _y_limits(ax_v, [tc.V[keep, cell], tc.E[keep, cell, :3]])
    _mark_off_axis(ax_v, "E_Ca", float(tc.E[-1, cell, 3]), ION_COLOURS["Ca"], limits)
    ax_v.set_ylabel("potential (mV)")
    ax_v.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small")
    for i, ion in enumerate(IONS):
        ax_c.plot(t, tc.c_in[keep, cell, i], color=ION_COLOURS[ion], label=f"{ion} inside")
    ax_c.set_yscale("log")
    ax_c.set_ylabel("concentration inside (mM)")
    ax_c.set_xlabel(f"time ({unit})")
    ax_c.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small")
    if log:
        ax_c.set_xscale("log")
    _events(fig, ax_v, x_of, [(t_ev, lab) for t_ev, lab in tc.events if t_ev > 0 or not log])
    fig.suptitle(title or "Membrane potential and inside concentrations", fontsize="large",
                 y=0.995)
    if path:
        fig.savefig(path, dpi=110)
    return fig
