"""matplotlib figures for ``vrest story``: one figure per step, an overview of the build-up and
one figure per computed answer to the viewers' questions.

Every axis is labelled with its unit. Legends sit outside the axes (right), so they never cover
a line; a panel with nothing to show (no ion moved) is left out. Time axes are physically scaled per step (ms for charging
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
#: Lecture rows (quantity names in Step.lecture) drawn in the overview, with the ion they mark;
#: every other row in mV whose name starts with "V" marks V.
LECTURE_MARKS = {"V": None, "V_rest": None, "E_K": "K", "E_Na": "Na", "E_Cl": "Cl", "E_Ca": "Ca"}
OUTSIDE = {"loc": "upper left", "bbox_to_anchor": (1.01, 1.0), "fontsize": "small"}


def _mark_of(row: dict[str, Any]) -> tuple[bool, str | None]:
    """Whether a lecture row is drawn in the overview, and the ion it marks (None: V)."""
    if row["unit"] != "mV":
        return False, None
    if row["quantity"] in LECTURE_MARKS:
        return True, LECTURE_MARKS[row["quantity"]]
    return row["quantity"].startswith("V"), None


def _created(step: Any) -> bool:
    """Whether ions are created inside in this step (the anion source with counter-ions)."""
    return "anion_source" in step.active


def _potentials(ax: Any, t: Any, step: Any, unit: str) -> None:
    tr = step.trace.window(step.shown_s)
    for i, ion in enumerate(IONS):
        ax.plot(t, tr.E[:, i], "--", color=ION_COLOURS[ion], lw=1.2, label=f"E_{ion}")
    ax.plot(t, tr.V, color="black", lw=2.2, label="V")
    ax.set_ylabel("potential (mV)")
    ax.legend(**OUTSIDE)


def _concentrations(ax: Any, t: Any, step: Any) -> None:
    tr = step.trace.window(step.shown_s)
    for i, ion in enumerate(IONS):
        ax.semilogy(t, tr.c_in[:, i], color=ION_COLOURS[ion], lw=1.6, label=f"{LABEL[ion]} inside")
    ax.set_ylabel("inside (mM)")
    ax.legend(**OUTSIDE)


def _counts(ax: Any, t: Any, step: Any) -> None:
    tr = step.trace.window(step.shown_s)
    made = _created(step)
    for i, ion in enumerate(IONS):
        if np.any(tr.moved[:, i] != 0):
            ax.plot(t, -tr.moved[:, i] if made else tr.moved[:, i], color=ION_COLOURS[ion], lw=1.6,
                    label=f"{LABEL[ion]} created inside" if made else LABEL[ion])
    ax.axhline(0.0, color="grey", lw=0.6)
    ax.ticklabel_format(axis="y", style="sci", scilimits=(-3, 4))
    ax.set_ylabel("ions created inside (count)" if made else "ions moved out (count; + out, - in)")
    ax.legend(**OUTSIDE)


def step_figure(step: Any, path: str | None = None) -> Any:
    """V and the E's, inside concentrations and ion counts against time, for one Step."""
    plt = _pyplot()
    tr = step.trace.window(step.shown_s)
    moved = bool(np.any(tr.moved != 0))
    fig, axes = plt.subplots(3 if moved else 2, 1, figsize=(9, 8.2 if moved else 5.8), sharex=True,
                             constrained_layout=True)
    t, unit = time_axis(tr.t)
    _potentials(axes[0], t, step, unit)
    _concentrations(axes[1], t, step)
    if moved:
        _counts(axes[2], t, step)
    axes[-1].set_xlabel(f"time ({unit})")
    fig.suptitle(f"Step {step.key}: {step.title}", fontsize="large")
    if path:
        fig.savefig(path, dpi=100)
    return fig


def _staircase(ax: Any, story: Any) -> None:
    steps = [s for s in story.steps if not s.skipped] + [story.real]
    x = np.arange(len(steps))
    main = np.array([s.chain or s is story.real for s in steps])  # 1a is a side branch: no line
    for ion in IONS:
        e = np.array([s.end["E_mV"][ion] for s in steps])
        ax.plot(x[main], e[main], "o--", color=ION_COLOURS[ion], lw=1, label=f"E_{ion}")
        ax.plot(x[~main], e[~main], "o", color=ION_COLOURS[ion])
    v = np.array([s.end["V_mV"] for s in steps])
    ax.plot(x[main], v[main], "s-", color="black", lw=2.2, label="V")
    ax.plot(x[~main], v[~main], "s", color="black")
    first = True
    for j, s in enumerate(steps):
        for row in s.lecture:
            drawn, ion = _mark_of(row)
            if drawn:
                colour = ION_COLOURS[ion] if ion else "black"
                ax.plot(j + 0.12, row["lecture"], marker="D", mfc="none", ms=8, ls="none",
                        color=colour, label="the lecture's figure" if first else None)
                if ion is None:
                    ax.annotate(f"{row['lecture']:g}", (j + 0.12, row["lecture"]),
                                xytext=(7, -3), textcoords="offset points", fontsize="small",
                                color=colour)
                first = False
    ax.set_xticks(x, [f"{s.key}: {SHORT.get(s.key, s.key)}" for s in steps], rotation=20,
                  ha="right", fontsize="small")
    ax.set_xlabel("step of the story (each from the previous state; 1a: the lecture's bare "
                  "anions, a side branch; last: all at once)")
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
    steps = [s for s in story.steps if not s.skipped and s.key != "0"] + [story.real]
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


def _plain(key: str) -> str:
    """A number's key in words: 'V_no_pump_mV' -> 'V no pump', 'K_in_mM' -> 'K in (mM)'."""
    for suffix, unit in (("_mV", ""), ("_mM", " (mM)"), ("_ions_s", " (ions per s)"),
                         ("_per_s", " (per s)"), ("_pA", " (pA)"), ("_ions", " (ions)"),
                         ("_s", " (s)"), ("_mL", " (mL)")):
        if key.endswith(suffix):
            return key.removesuffix(suffix).replace("_", " ") + unit
    return key.replace("_", " ")


def question_figure(question: dict[str, Any], path: str | None = None) -> Any:
    """The computed answer to one viewers' question as bars: its potentials (mV) or, when it
    has none, its counts and concentrations (log axis)."""
    plt = _pyplot()
    numbers = {k: float(v) for k, v in question.get("numbers", {}).items()
               if isinstance(v, (int, float)) and np.isfinite(v)}
    mv = {k: v for k, v in numbers.items() if k.endswith("_mV") and abs(v) < 1e4}
    positive = {k: v for k, v in numbers.items() if v > 0 and not k.endswith("_mV")}
    if len(mv) < 2 and positive:
        mv = {}
    shown = mv or positive
    fig, ax = plt.subplots(figsize=(8, 0.8 + 0.36 * max(1, len(shown))), constrained_layout=True)
    names = [_plain(k) for k in shown]
    values = list(shown.values())
    ax.barh(names, values, color=["tab:blue" if v < 0 else "tab:red" for v in values])
    ax.invert_yaxis()
    if mv:
        ax.axvline(0.0, color="grey", lw=0.6)
        ax.set_xlabel("potential (mV)")
        for y, v in enumerate(values):
            ax.annotate(f"{v:+.1f}", (v, y), xytext=(4 if v >= 0 else -4, 0),
                        textcoords="offset points", va="center", ha="left" if v >= 0 else "right",
                        fontsize="small")
        lo, hi = min(0.0, *values), max(0.0, *values)
        ax.set_xlim(lo - 0.18 * (hi - lo + 1), hi + 0.18 * (hi - lo + 1))
    else:
        ax.set_xscale("log")
        ax.set_xlabel("value (log scale; the unit is in the name: ions, per s, mM, pA)")
    ax.set_ylabel("computed number")
    ax.set_title(question["question"], fontsize="medium", wrap=True)
    if path:
        fig.savefig(path, dpi=100)
    return fig
