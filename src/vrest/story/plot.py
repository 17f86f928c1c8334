"""matplotlib figures for ``vrest story``: one figure per step and an overview of the build-up.

Every axis is labelled with its unit. Time axes are physically scaled per step (ms for charging
the membrane, minutes to hours for building gradients) with :func:`vrest.plot.time_axis`.
matplotlib is imported lazily (Agg backend), so ``import vrest.story.plot`` stays cheap.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from vrest.plot import ION_COLOURS, _pyplot, time_axis

IONS = ("Na", "K", "Cl", "Ca")
LABEL = {"Na": "Na+", "K": "K+", "Cl": "Cl-", "Ca": "Ca2+"}
SHORT = {"0": "no gradients", "1a": "bare anions", "1b": "anions + K+", "2": "pump alone",
         "3": "K+ leak", "4": "Na+ leak + pump", "5": "Cl- leak", "6": "KCC2", "7": "NCX + Ca2+ leak",
         "8": "other mechanisms", "real": "all at once"}
#: Lecture rows (quantity names in Step.lecture) drawn in the overview, with the ion they mark.
LECTURE_MARKS = {"V": None, "V_rest": None, "E_K": "K", "E_Na": "Na", "E_Cl": "Cl", "E_Ca": "Ca"}


def _potentials(ax: Any, t: Any, step: Any, unit: str) -> None:
    tr = step.trace.window(step.shown_s)
    for i, ion in enumerate(IONS):
        ax.plot(t, tr.E[:, i], "--", color=ION_COLOURS[ion], lw=1.2, label=f"E_{ion}")
    ax.plot(t, tr.V, color="black", lw=2.2, label="V")
    ax.set_ylabel("potential (mV)")
    ax.legend(loc="center right", fontsize="small", ncol=5)


def _concentrations(ax: Any, t: Any, step: Any) -> None:
    tr = step.trace.window(step.shown_s)
    for i, ion in enumerate(IONS):
        ax.semilogy(t, tr.c_in[:, i], color=ION_COLOURS[ion], lw=1.6, label=f"{LABEL[ion]} inside")
    ax.set_ylabel("inside (mM)")
    ax.legend(loc="center right", fontsize="small", ncol=4)


def _counts(ax: Any, t: Any, step: Any) -> None:
    tr = step.trace.window(step.shown_s)
    for i, ion in enumerate(IONS):
        ax.plot(t, tr.moved[:, i], color=ION_COLOURS[ion], lw=1.6, label=LABEL[ion])
    ax.axhline(0.0, color="grey", lw=0.6)
    ax.ticklabel_format(axis="y", style="sci", scilimits=(-3, 4))
    ax.set_ylabel("ions moved out (count; + out, - in)")
    ax.legend(loc="center right", fontsize="small", ncol=4)


def step_figure(step: Any, path: str | None = None) -> Any:
    """V and the E's, inside concentrations and ion counts against time, for one Step."""
    plt = _pyplot()
    fig, axes = plt.subplots(3, 1, figsize=(8, 8.2), sharex=True, constrained_layout=True)
    tr = step.trace.window(step.shown_s)
    t, unit = time_axis(tr.t)
    _potentials(axes[0], t, step, unit)
    _concentrations(axes[1], t, step)
    _counts(axes[2], t, step)
    axes[2].set_xlabel(f"time ({unit})")
    fig.suptitle(f"Step {step.key}: {step.title}", fontsize="large")
    if path:
        fig.savefig(path, dpi=100)
    return fig


def _staircase(ax: Any, story: Any) -> None:
    steps = [s for s in story.steps if s.chain and not s.skipped] + [story.real]
    x = np.arange(len(steps))
    for ion in IONS:
        ax.plot(x, [s.end["E_mV"][ion] for s in steps], "o--", color=ION_COLOURS[ion], lw=1,
                label=f"E_{ion}")
    ax.plot(x, [s.end["V_mV"] for s in steps], "s-", color="black", lw=2.2, label="V")
    first = True
    for j, s in enumerate(steps):
        for row in s.lecture:
            if row["quantity"] in LECTURE_MARKS and row["unit"] == "mV":
                ion = LECTURE_MARKS[row["quantity"]]
                ax.plot(j + 0.12, row["lecture"], marker="D", mfc="none", ms=8, ls="none",
                        color=ION_COLOURS[ion] if ion else "black",
                        label="the lecture's figure" if first else None)
                first = False
    ax.set_xticks(x, [f"{s.key}: {SHORT.get(s.key, s.key)}" for s in steps], rotation=20,
                  ha="right", fontsize="small")
    ax.set_xlabel("step of the story (each from the previous state; last: all at once)")
    ax.set_ylabel("potential at the end of the step (mV)")
    ax.axhline(0.0, color="grey", lw=0.6)
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize="small")
    ax.set_title("The resting potential, built step by step", fontsize="medium")


def _small(ax: Any, step: Any, first: bool) -> None:
    tr = step.trace.window(step.shown_s)
    t, unit = time_axis(tr.t)
    for i, ion in enumerate(IONS[:3]):
        ax.plot(t, tr.E[:, i], "--", color=ION_COLOURS[ion], lw=0.9)
    ax.plot(t, tr.V, color="black", lw=1.8)
    ax.set_title(f"{step.key}: {SHORT.get(step.key, step.key)}", fontsize="small")
    ax.set_xlabel(f"time ({unit})", fontsize="small")
    ax.set_ylabel("V, E (mV)" if first else "(mV)", fontsize="small")
    ax.tick_params(labelsize="x-small")


def overview_figure(story: Any, path: str | None = None) -> Any:
    """End-of-step V and E's with the lecture's figures (top), each step's V(t) (below)."""
    plt = _pyplot()
    steps = [s for s in story.steps if s.chain and not s.skipped and s.key != "0"] + [story.real]
    cols = 5
    rows = int(np.ceil(len(steps) / cols))
    fig = plt.figure(figsize=(15, 6 + 2.6 * rows), constrained_layout=True)
    grid = fig.add_gridspec(1 + rows, cols, height_ratios=[2.4] + [1] * rows)
    _staircase(fig.add_subplot(grid[0, :]), story)
    for k, step in enumerate(steps):
        _small(fig.add_subplot(grid[1 + k // cols, k % cols]), step, k % cols == 0)
    fig.suptitle(f"vrest story: {story.title} ({story.preset}, {story.temperature_C:g} degC)",
                 fontsize="large")
    if path:
        fig.savefig(path, dpi=100)
    return fig


def axis_labels(fig: Any) -> list[tuple[str, str]]:
    """(x label, y label) of every axes of a figure (for captions and checks)."""
    return [(ax.get_xlabel(), ax.get_ylabel()) for ax in fig.get_axes()]
