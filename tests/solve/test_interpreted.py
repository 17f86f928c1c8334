"""The interpreted tier (vrest.solve.interpreted): the packed right-hand side run by Python
through the same compiled LSODA agrees with the compiled tier; its budget hands over to the
compiled tier; a new process's single-cell simulate does not load numba (nor SciPy)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import vrest
from vrest.model.rhs import Model
from vrest.solve import compiled as fast
from vrest.solve import interpreted, packed

pytestmark = pytest.mark.compiled  # skipped where the compiled path cannot load (conftest)

PRESETS = ("rpl1", "lecture", "squid", "mammalian", "dusterwald2018", "kay2017")


def _both(cell: vrest.Cell, t_end: float) -> tuple[np.ndarray, np.ndarray]:
    model = Model(cell)
    times = np.linspace(0.0, t_end, 51)
    a = interpreted.solve_segment(model, model.y0, times, 1e-6, 1e-10, 500_000)
    b = fast.solve_segment(model, model.y0, times, 1e-6, 1e-10, 500_000)
    assert a is not None and a[1].all() and b[1].all()
    return a[0], b[0]


@pytest.mark.parametrize("name", PRESETS)
def test_interpreted_tier_equals_compiled_tier(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(interpreted, "_spent", 0)
    a, b = _both(vrest.load_cell(name), 600.0)
    assert np.max(np.abs(a[:, 0, 5] - b[:, 0, 5])) < 1e-9  # V, mV
    assert np.allclose(a, b, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", [*PRESETS, "squid_hh"])
def test_packed_rhs_runs_on_floats_as_compiled(name: str) -> None:
    """The interpreted tier's right-hand side (Python floats, math's exp and log) equals the
    compiled one, with a finite bath and water too."""
    cell = vrest.load_cell(name)
    for model in (Model(cell), Model(cell.with_parameters({"bath.volume_ratio": 3.0}))):
        p = packed.pack(model)
        y = model.y0[0] * 1.03
        dy, work = [0.0] * y.size, [0.0] * packed.WORK
        interpreted._python_rhs_into()(y.tolist(), 0.0, p.tolist(), dy, work)
        ref = fast.rhs(y, 0.0, p)
        assert np.allclose(dy, ref, rtol=1e-12, atol=1e-13 * np.max(np.abs(ref)))


def test_budget_spent_hands_over_to_the_compiled_tier(monkeypatch: pytest.MonkeyPatch) -> None:
    """A solve that outruns the budget is handed back (None), and the tier is off for good."""
    monkeypatch.setattr(interpreted, "_spent", interpreted.BUDGET - 50)
    model = Model(vrest.load_cell("rpl1"))
    assert interpreted.solve_segment(model, model.y0, np.linspace(0, 3600.0, 5), 1e-6, 1e-10,
                                     500_000) is None
    assert interpreted.spent() == interpreted.BUDGET
    assert not interpreted.active(1)


def test_python_error_in_the_rhs_hands_over(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(interpreted, "_spent", 0)

    def broken(*args: object) -> None:
        raise ZeroDivisionError("x")

    monkeypatch.setattr(interpreted, "_python_rhs_into", lambda: broken)
    model = Model(vrest.load_cell("rpl1"))
    assert interpreted.solve_segment(model, model.y0, np.linspace(0, 10.0, 3), 1e-6, 1e-10,
                                     500_000) is None


def test_only_single_cells_without_numba_take_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(interpreted, "_spent", 0)
    assert not interpreted.active(2)
    assert not interpreted.active(1)  # numba is loaded in this process (this module imports it)
    monkeypatch.delitem(sys.modules, "numba")
    assert interpreted.active(1)
    monkeypatch.setenv("VREST_NO_INTERPRETED", "1")
    assert not interpreted.active(1)


PROBE = """
import sys
import vrest
tc = vrest.simulate(vrest.load_cell("rpl1"), vrest.load_protocol("p1"))
print(tc.stats["interpreted"], "numba" in sys.modules, "scipy" in sys.modules, repr(float(tc.V[-1, 0])))
"""


def test_new_process_single_cell_is_interpreted_and_equal() -> None:
    """In a new process a single cell's P1 loads neither numba nor SciPy, and its V agrees with
    the compiled tier's (this process) far below the solver's tolerance: the two tiers' last-bit
    differences (numpy's and LLVM's exp and log) steer LSODA's step sizes apart a little over
    7200 s, by about 2e-7 mV; P1's accuracy criterion is 0.01 mV."""
    run = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                         timeout=300, check=True)
    segs, numba_loaded, scipy_loaded, v_end = run.stdout.split()
    assert (segs, numba_loaded, scipy_loaded) == ("5", "False", "False")
    here = vrest.simulate(vrest.load_cell("rpl1"), vrest.load_protocol("p1"))
    assert here.stats["interpreted"] == 0  # numba is loaded here: the compiled tier
    assert abs(float(v_end) - here.V[-1, 0]) < 1e-5
