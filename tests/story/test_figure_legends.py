"""No legend covers data: for every axes of every story figure (overview, each step, each
question) and of `vrest simulate --plot`, the legend's window extent holds none of the display
points of any line drawn in that axes (segments sampled finely, points outside the axes ignored,
as they are clipped)."""

from __future__ import annotations

import numpy as np
import pytest

from vrest.plot import plot_timecourse

SAMPLES = 25  # points per segment, so a line crossing a legend between two data points counts


def _display_points(line) -> np.ndarray:
    xy = np.asarray(line.get_xydata(), dtype=float)
    xy = xy[np.isfinite(xy).all(axis=1)]
    if len(xy) == 0:
        return np.empty((0, 2))
    pts = line.get_transform().transform(xy)
    if len(pts) == 1:
        return pts
    f = np.linspace(0.0, 1.0, SAMPLES)[:, None, None]
    return (pts[:-1] + f * (pts[1:] - pts[:-1])).reshape(-1, 2)


def legend_overlaps(fig) -> list[str]:
    """'axes title: line label' for every line with a point inside a legend of its axes."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    found = []
    for ax in fig.get_axes():
        legend = ax.get_legend()
        if legend is None:
            continue
        box = legend.get_window_extent(renderer)
        inside_axes = ax.get_window_extent(renderer)
        for line in ax.get_lines():
            pts = _display_points(line)
            shown = pts[(pts[:, 0] >= inside_axes.x0) & (pts[:, 0] <= inside_axes.x1)
                        & (pts[:, 1] >= inside_axes.y0) & (pts[:, 1] <= inside_axes.y1)]
            hit = ((shown[:, 0] >= box.x0) & (shown[:, 0] <= box.x1)
                   & (shown[:, 1] >= box.y0) & (shown[:, 1] <= box.y1))
            if hit.any():
                found.append(f"{ax.get_title() or fig.get_suptitle()}: {line.get_label()}")
    return found


@pytest.fixture(scope="module")
def story():
    from vrest.story import steps
    from vrest.story import text as story_text

    result = steps.run_story()
    return result, story_text.narrate(result.to_dict())


def _close(fig) -> None:
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_the_check_finds_a_legend_over_a_line():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1], label="diagonal")
    ax.legend(loc="center")
    assert legend_overlaps(fig) == [": diagonal"]
    _close(fig)


def test_story_figures_keep_legends_off_the_data(story):
    from vrest.story.plot import overview_figure, question_figure, step_figure

    result, data = story
    makers = [lambda: overview_figure(result)]
    makers += [lambda k=s["key"]: step_figure(result.step(k)) for s in [*data["steps"], data["real"]]
               if not s["skipped"]]
    makers += [lambda q=q: question_figure(q) for q in data["questions"] if q.get("numbers")]
    assert len(makers) > 12
    for make in makers:  # one figure open at a time
        fig = make()
        assert legend_overlaps(fig) == []
        _close(fig)


def test_story_step_figures_drop_empty_panels(story):
    from vrest.story.plot import step_figure

    result, _ = story
    bare = step_figure(result.step("1a"))  # bare anions: no ion moves
    assert len(bare.get_axes()) == 2
    made = step_figure(result.step("1b"))  # K+ made with the anions: created, not moved
    assert len(made.get_axes()) == 3
    assert made.get_axes()[2].get_ylabel() == "ions created inside (count)"
    for fig in (bare, made):
        _close(fig)


def test_overview_has_every_step_and_the_lectures_numbers(story):
    from vrest.story.plot import overview_figure

    result, data = story
    fig = overview_figure(result)
    top = fig.get_axes()[0]
    ticks = [t.get_text().split(":")[0] for t in top.get_xticklabels()]
    assert ticks == [s["key"] for s in [*data["steps"], data["real"]] if not s["skipped"]]
    marked = {t.get_text() for t in top.texts}
    assert {"-5", "-10", "-60"} <= marked
    _close(fig)


@pytest.mark.parametrize("scale", ["auto", "log", "linear"])
def test_simulate_plot_keeps_legends_off_the_data(scale):
    from vrest import simulate
    from vrest.model.presets.cells import load_cell
    from vrest.model.protocol import load as load_protocol

    tc = simulate(load_cell("lecture"), load_protocol("p1"))
    fig = plot_timecourse(tc, title="lecture through protocol p1", time_scale=scale)
    assert legend_overlaps(fig) == []
    ax_v, ax_c = fig.get_axes()
    assert fig.get_suptitle() == "lecture through protocol p1"
    assert [line.get_label() for line in ax_v.get_lines()][:4] == ["E_Na", "E_K", "E_Cl", "E_Ca"]
    assert ax_c.get_xscale() == ("log" if scale == "log" else "linear")
    events = [t.get_text() for t in fig.texts if t.get_text().startswith("events:")]
    assert len(events) == 1 and "pump blocked" in events[0]
    _close(fig)


def test_simulate_plot_goes_log_when_a_change_comes_early_in_a_long_run():
    from vrest.plot import wants_log_time

    assert wants_log_time([0.0, 7200.0], [(1e-3, "change")])
    assert not wants_log_time([0.0, 7200.0], [(1800.0, "change")])
    assert not wants_log_time([0.0, 7200.0], [])
