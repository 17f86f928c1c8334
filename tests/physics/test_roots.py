"""vrest.physics.roots.grid_root against SciPy's brentq, and its edge cases."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import brentq

from vrest.physics.roots import grid_root


@given(st.floats(-350.0, 350.0), st.floats(0.01, 50.0))
@settings(max_examples=60, deadline=None)
def test_grid_root_equals_brentq_on_a_ghk_like_curve(root: float, scale: float) -> None:
    def f(v: np.ndarray) -> np.ndarray:
        return np.sinh(np.clip((v - root) / scale, -300, 300)) + 0.1 * (v - root)

    ours = grid_root(f, -400.0, 400.0, xtol=1e-10)
    ref = brentq(lambda x: float(f(np.array([x]))[0]), -400.0, 400.0, xtol=1e-12)
    assert ours is not None and abs(ours - ref) < 1e-9


def test_exact_zero_on_the_grid() -> None:
    assert grid_root(lambda x: x - 175.0, -400.0, 400.0, 1e-10) == pytest.approx(175.0, abs=1e-10)
    assert grid_root(lambda x: 175.0 - x, -400.0, 400.0, 1e-10) == pytest.approx(175.0, abs=1e-10)


def test_falling_function_and_exact_ends() -> None:
    assert grid_root(lambda x: 3.0 - x, 0.0, 10.0, 1e-12) == pytest.approx(3.0, abs=1e-11)
    assert grid_root(lambda x: x, 0.0, 10.0, 1e-12) == 0.0


def test_no_sign_change_or_non_finite_ends_give_none() -> None:
    assert grid_root(lambda x: x * x + 1.0, -1.0, 1.0, 1e-9) is None
    with np.errstate(invalid="ignore"):
        assert grid_root(lambda x: np.log(x), -1.0, 2.0, 1e-9) is None


def test_first_root_and_skipped_nan_points() -> None:
    def f(x: np.ndarray) -> np.ndarray:
        y = np.cos(x)  # roots at pi/2, 3 pi/2, ...; f(0) > 0 > f(3)
        return np.where(np.abs(x - 1.0) < 0.05, np.nan, y)

    assert grid_root(f, 0.0, 3.0, 1e-12) == pytest.approx(np.pi / 2, abs=1e-10)


def test_bad_bracket_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="lo < hi"):
        grid_root(lambda x: x, 1.0, 0.0, 1e-9)
