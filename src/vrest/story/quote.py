"""Quoting the story's numbers in sentences: number formats (:data:`FORMATS`), JSON-path
look-up, and :class:`Quote`, which formats a number and records where it came from.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

ION_LABEL = {"Na": "Na+", "K": "K+", "Cl": "Cl-", "Ca": "Ca2+"}
NAMES = {"pump": "the Na+/K+ pump", "kcc2": "KCC2", "ncx": "NCX", "pmca": "the Ca2+ pump (PMCA)",
         "nkcc1": "NKCC1", "anion_source": "the anion source", "water": "water flow"}


# ------------------------------------------------------------------------------- formats


def _sig(x: float, n: int = 3) -> str:
    """x with n significant digits; exponents written compactly (1.5e-5, 3.4e11)."""
    if x == 0 or not math.isfinite(x):
        return "0" if x == 0 else str(x)
    if 1e-4 <= abs(x) < 1e6:
        text = _plain(x, n)
        return text.rstrip("0").rstrip(".") if "." in text else text
    text = f"{x:.{n}g}"
    if "e" in text:
        mant, exp = text.split("e")
        text = f"{mant}e{int(exp)}"
    return text


def _mv(x: float) -> str:
    """A potential: signed, one decimal ('-65.7', '+50.4', '0.0')."""
    text = f"{x:+.1f}"
    return "0.0" if text in ("+0.0", "-0.0") else text


def _plain(x: float, n: int = 2) -> str:
    """x rounded to n significant digits, written without an exponent ('270', '0.65')."""
    if x == 0:
        return "0"
    digits = n - 1 - math.floor(math.log10(abs(x)))
    return f"{round(x, digits):,.{max(0, digits)}f}"


def _count(x: float) -> str:
    """A number of ions or molecules, in words for large ones ('5.5 million', '390,000')."""
    a = abs(x)
    if a >= 1e15:
        return _sig(x, 2)
    for size, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if a >= size:
            return f"{_plain(x / size)} {word}"
    return _plain(x) if a >= 1 else _sig(x, 2)


def _time(seconds: float) -> str:
    """A duration in the unit that suits it (ms, s, min, h)."""
    for limit, factor, unit in ((1.0, 1e-3, "ms"), (120.0, 1.0, "s"), (7200.0, 60.0, "min")):
        if seconds < limit:
            return f"{_sig(seconds / factor, 2)} {unit}"
    return f"{_sig(seconds / 3600.0, 2)} h"


FORMATS: dict[str, Callable[[Any], str]] = {
    "mV": _mv,
    "sig2": lambda x: _sig(x, 2),
    "sig3": lambda x: _sig(x, 3),
    "abs2": lambda x: _sig(abs(x), 2),
    "abscount": lambda x: _count(abs(x)),
    "mV0": lambda x: "0" if round(x) == 0 else f"{x:+.0f}",
    "count": _count,
    "pct": lambda x: f"{_sig(100.0 * x, 2)}%",  # a fraction, shown in percent
    "time": _time,
    "text": str,
}


def lookup(data: Any, path: str) -> Any:
    """The value at ``path`` ('steps/3/end/V_mV') in nested dicts and lists."""
    node = data
    for part in path.strip("/").split("/"):
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


class Quote:
    """Formats numbers found at JSON paths and remembers them for the sentence being written."""

    def __init__(self, data: Mapping[str, Any], base: str = "") -> None:
        self.data = data
        self.base = base.strip("/")
        self.refs: list[dict[str, str]] = []

    def __call__(self, path: str, fmt: str = "mV") -> str:
        full = path.strip("/") if path.startswith("/") or not self.base else f"{self.base}/{path}"
        shown = FORMATS[fmt](lookup(self.data, full))
        self.refs.append({"path": full, "format": fmt, "shown": shown})
        return shown

    def get(self, path: str) -> Any:
        """The raw value (for choosing words, not for quoting)."""
        full = path.strip("/") if path.startswith("/") or not self.base else f"{self.base}/{path}"
        return lookup(self.data, full)

    def say(self, text: str) -> dict[str, Any]:
        """A finished sentence with the numbers it quotes."""
        out = {"text": text, "refs": self.refs}
        self.refs = []
        return out
