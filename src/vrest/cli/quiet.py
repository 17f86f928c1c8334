"""No numpy or numba warning reaches the terminal: they are collected while a command runs.

A command whose result is valid prints no warning (the warnings were about intermediate
values, e.g. an overflow in a trial step the solver then rejected); a command that fails
adds the first warning to its one-line error (vrest.cli.main).
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def quiet() -> Iterator[list[str]]:
    """Collect warnings and "Exception ignored" reports into the yielded list of lines."""
    caught: list[str] = []
    hook = sys.unraisablehook

    def unraisable(report: Any) -> None:
        caught.append(f"{type(report.exc_value).__name__}: {report.exc_value}")

    def show(message: Any, category: type[Warning], *_: Any, **__: Any) -> None:
        caught.append(f"{category.__name__}: {message}")

    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = show
        sys.unraisablehook = unraisable
        try:
            yield caught
        finally:
            sys.unraisablehook = hook
