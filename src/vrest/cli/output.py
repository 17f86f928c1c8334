"""JSON output shared by every `vrest` command."""

from __future__ import annotations

import json
from typing import Any


def json_default(value: Any) -> Any:
    """Serialise numpy scalars and arrays (json.dumps ``default``)."""
    import numpy as np

    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def print_json(data: Any, indent: int = 2) -> None:
    """Print ``data`` as JSON (numpy values allowed)."""
    print(json.dumps(data, indent=indent, default=json_default))
