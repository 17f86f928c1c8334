"""Steady states Newton cannot find from any start: a long stiff (Radau) time course, then
Newton from its end. The case of issue 12: kay2017 with its constant pump at 2.58 uA/cm^2 in a
437/20/457 mM bath drives Na_i to ~1e-10 mM, where the amount of Na+ cannot be computed from the
charge (a small difference of large numbers); Newton restarts with K+ following the charge."""

from __future__ import annotations

import numpy as np
import pytest

import vrest
from vrest.solve import steady_fallback

SETTINGS = {"pump.i_max": 2.58, "bath.Na": 437.0, "bath.K": 20.0, "bath.Cl": 457.0,
            "cell.temperature": 26.2466, "leak.K.g": 0.0909091}


@pytest.fixture(scope="module")
def cell() -> vrest.Cell:
    return vrest.load_cell("kay2017").with_parameters(SETTINGS)


@pytest.fixture(scope="module")
def long_run(cell: vrest.Cell) -> vrest.TimeCourse:
    """A long tight time course (Radau, rtol 1e-10): where the cell settles."""
    return vrest.simulate(cell, t_end=2e6, t_eval=np.array([1e6, 2e6]), method="Radau", rtol=1e-10)


def test_the_time_course_settles(long_run: vrest.TimeCourse) -> None:
    assert abs(long_run.V[1, 0] - long_run.V[0, 0]) < 1e-6
    assert long_run.c_in[-1, 0, 0] < 1e-6  # Na_i driven almost to zero by the constant pump


def test_failing_case_returns_the_state_of_a_long_tight_time_course(
        cell: vrest.Cell, long_run: vrest.TimeCourse) -> None:
    ss = vrest.steady_state(cell)
    assert ss.converged[0] and ss.stable[0]
    assert ss.V[0] == pytest.approx(long_run.V[-1, 0], abs=0.01)
    assert ss.c_in[0, 1:] == pytest.approx(long_run.c_in[-1, 0, 1:], abs=0.01)  # K, Cl, Ca (mM)
    assert ss.c_in[0, 0] == pytest.approx(long_run.c_in[-1, 0, 0], rel=1e-3)  # Na, ~1e-10 mM
    assert ss.volume_rel[0] == pytest.approx(long_run.y[-1, 0, 6], rel=1e-6)


def test_in_a_batch_only_the_failing_cell_takes_the_fallback(
        long_run: vrest.TimeCourse, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = steady_fallback.time_course_end

    def counting(red, cells):  # type: ignore[no-untyped-def]
        calls.append(int(cells.size))
        return real(red, cells)

    monkeypatch.setattr(steady_fallback, "time_course_end", counting)
    published = vrest.load_cell("kay2017")
    values = published.values()
    batch = vrest.steady_state(published, batch={k: [values[k], v] for k, v in SETTINGS.items()})
    assert batch.converged.all()
    assert calls == [1]
    assert batch.V[1] == pytest.approx(long_run.V[-1, 0], abs=0.01)
    assert batch.V[0] == pytest.approx(vrest.steady_state(published).V[0], abs=1e-9)


def test_the_command_line_finds_it(capsys: pytest.CaptureFixture[str]) -> None:
    from vrest.cli import main

    args = [item for k, v in SETTINGS.items() for item in ("--set", f"{k}={v}")]
    assert main(["steady", "--preset", "kay2017", "--json", *args]) == 0
    out = capsys.readouterr().out
    assert '"converged": true' in out
