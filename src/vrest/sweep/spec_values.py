"""Checked reading of a sweep spec's TOML values: allowed keys, tables, finite numbers,
integers in a range, choices. Each error names the key and says what is allowed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from vrest.errors import ParameterError, PresetError

FloatArray = NDArray[np.float64]



def check_keys(table: Mapping[str, Any], allowed: tuple[str, ...], where: str) -> None:
    extra = sorted(set(table) - set(allowed))
    if extra:
        raise PresetError(f"{where}: unknown keys {extra}; allowed: {list(allowed)}")


def sub_table(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, Mapping):
        raise PresetError(f"[{key}] must be a table")
    return value


def finite_number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ParameterError(f"{name}: {value!r} is not a finite number")
    return float(value)


def integer_in(value: Any, name: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ParameterError(f"{name}: {value!r} is not allowed; must be an integer in [{lo}, {hi}]")
    return int(value)


def choice_of(value: Any, name: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ParameterError(f"{name}: {value!r} is not allowed; choose one of {', '.join(allowed)}")
    return str(value)
