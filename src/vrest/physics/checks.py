"""Input checks shared by the closed forms, presets and CLI.

Every check raises :class:`vrest.errors.ParameterError` with a message that names the input,
shows the offending value and says what is allowed. Nothing here uses ``assert``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike, NDArray

from vrest.errors import ParameterError
from vrest.physics.constants import T_MAX_K, T_MIN_K

FloatArray = NDArray[np.float64]


def _show(arr: FloatArray, bad: NDArray[np.bool_]) -> str:
    """The first offending element of ``arr`` as text."""
    return f"{arr[bad].flat[0]:g}" if arr.ndim else f"{float(arr):g}"


def as_float_array(name: str, value: ArrayLike) -> FloatArray:
    """``value`` as a float array, or ParameterError if it is not numeric."""
    if isinstance(value, str | bytes):
        raise ParameterError(f"{name}: {value!r} is not a number")
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ParameterError(f"{name}: {value!r} is not a number") from None


def finite(name: str, value: ArrayLike, unit: str = "") -> FloatArray:
    """``value`` as an array; every element must be finite."""
    arr = as_float_array(name, value)
    bad = ~np.isfinite(arr)
    if np.any(bad):
        raise ParameterError(f"{name}: {_show(arr, bad)}{unit} is not allowed; it must be finite")
    return arr


def positive(name: str, value: ArrayLike, unit: str = " mM") -> FloatArray:
    """``value`` as an array; every element must be finite and > 0 (concentrations, sizes)."""
    arr = as_float_array(name, value)
    bad = ~np.isfinite(arr) | (arr <= 0)
    if np.any(bad):
        raise ParameterError(
            f"{name}: {_show(arr, bad)}{unit} is not allowed; it must be finite and > 0{unit}"
        )
    return arr


def non_negative(name: str, value: ArrayLike, unit: str = "") -> FloatArray:
    """``value`` as an array; every element must be finite and >= 0 (permeabilities)."""
    arr = as_float_array(name, value)
    bad = ~np.isfinite(arr) | (arr < 0)
    if np.any(bad):
        raise ParameterError(
            f"{name}: {_show(arr, bad)}{unit} is not allowed; it must be finite and >= 0"
        )
    return arr


def valence(value: ArrayLike, name: str = "valence") -> FloatArray:
    """A charge number: finite and non-zero (need not be an integer)."""
    arr = as_float_array(name, value)
    bad = ~np.isfinite(arr) | (arr == 0)
    if np.any(bad):
        raise ParameterError(
            f"{name}: {_show(arr, bad)} is not allowed; z must be a finite non-zero number"
        )
    return arr


def temperature(value: ArrayLike, name: str = "temperature") -> FloatArray:
    """A temperature in K (scalar or array), each within (0, 400] K."""
    arr = as_float_array(name, value)
    bad = ~np.isfinite(arr) | (arr <= T_MIN_K) | (arr > T_MAX_K)
    if np.any(bad):
        raise ParameterError(
            f"{name}: {_show(arr, bad)} K is outside the allowed range (0 K, 400 K]"
            f" (= -273.15 .. 126.85 degC)"
        )
    return arr


def broadcast(**arrays: FloatArray) -> list[FloatArray]:
    """Broadcast named arrays together, or ParameterError naming the shapes."""
    try:
        return list(np.broadcast_arrays(*arrays.values()))
    except ValueError:
        shapes = ", ".join(f"{k} {np.shape(v)}" for k, v in arrays.items())
        raise ParameterError(f"array shapes do not broadcast together: {shapes}") from None


def mapping(name: str, value: object) -> Mapping[object, object]:
    """``value`` must be a mapping (ion name -> number)."""
    if not isinstance(value, Mapping):
        raise ParameterError(
            f"{name}: {value!r} is not allowed; give a mapping of ion name -> value,"
            f" e.g. {{'K': 140, 'Na': 12}}"
        )
    return value
