"""JSON output shared by every `vrest` command."""

from __future__ import annotations

import json
import math
from typing import Any


def json_default(value: Any) -> Any:
    """Serialise numpy scalars and arrays (json.dumps ``default``)."""
    import numpy as np

    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def finite_json(value: Any) -> Any:
    """``value`` with every infinite float written as the string "+inf" or "-inf" (e.g. the
    Nernst potential of an ion absent from the bath) and NaN as null: strict JSON."""
    if isinstance(value, dict):
        return {k: finite_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite_json(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else ("+inf" if value > 0 else "-inf")
    return value


def print_json(data: Any, indent: int = 2) -> None:
    """Print ``data`` as strict JSON (numpy values allowed; infinities as "+inf"/"-inf")."""
    plain = json.loads(json.dumps(data, default=json_default))
    print(json.dumps(finite_json(plain), indent=indent, allow_nan=False))
