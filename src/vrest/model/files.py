"""Reading the user's input files safely: one place for the checks every loader shares.

Every file kind (preset TOML, protocol TOML, sweep spec TOML, fit CSV) is read through
:func:`read_text`, which refuses devices, FIFOs and directories before opening them, refuses a
file larger than the kind's size limit before reading it, decodes UTF-8 with a message that
says so, and turns every failure into one ``PresetError`` naming the file. :func:`parse_toml`
adds TOML's own errors and a nesting limit; :func:`number` takes a number from parsed data
and never accepts a boolean (TOML ``true`` is not 1).
"""

from __future__ import annotations

import math
import os
import stat
import tomllib
from pathlib import Path
from typing import Any

from vrest.errors import PresetError

#: Largest file of each kind that is read (bytes). The built-in files are a few kB.
SIZE_LIMITS = {"preset": 1_000_000, "protocol": 1_000_000, "sweep spec": 1_000_000,
               "data": 50_000_000}
#: Deepest nesting of arrays/tables accepted in a TOML file.
MAX_DEPTH = 20


def read_text(path: str | Path, kind: str) -> str:
    """The UTF-8 text of a regular file of at most ``SIZE_LIMITS[kind]`` bytes."""
    path = Path(path)
    limit = SIZE_LIMITS.get(kind, 1_000_000)
    try:
        info = os.stat(path)
    except OSError as exc:
        raise PresetError(f"{kind} file {path}: cannot be read ({exc.strerror or exc})") from None
    if stat.S_ISDIR(info.st_mode):
        raise PresetError(f"{kind} file {path}: is a directory; give a file")
    if not stat.S_ISREG(info.st_mode):
        raise PresetError(f"{kind} file {path}: is not a regular file (a device, FIFO or socket "
                          "is not read); give a file")
    if info.st_size > limit:
        raise PresetError(f"{kind} file {path}: {info.st_size:,} bytes is too large; at most "
                          f"{limit:,} bytes are read")
    try:
        with open(path, "rb") as handle:
            raw = handle.read(limit + 1)
    except OSError as exc:
        raise PresetError(f"{kind} file {path}: cannot be read ({exc.strerror or exc})") from None
    if len(raw) > limit:
        raise PresetError(f"{kind} file {path}: too large; at most {limit:,} bytes are read")
    return decode(raw, f"{kind} file {path}")


def decode(raw: bytes, where: str) -> str:
    """``raw`` as UTF-8 text (a UTF-8 byte-order mark is allowed), else a clear PresetError."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        hint = " (it looks like UTF-16)" if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else ""
        raise PresetError(f"{where}: is not UTF-8 text{hint}: byte {exc.start} cannot be decoded;"
                          " save the file as UTF-8") from None


def parse_toml(text: str, where: str) -> dict[str, Any]:
    """Parse TOML text; errors (syntax, nesting deeper than MAX_DEPTH) name ``where``."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PresetError(f"{where}: not valid TOML ({exc})") from None
    except RecursionError:
        raise PresetError(f"{where}: nested too deeply; at most {MAX_DEPTH} levels") from None
    if _depth(data) > MAX_DEPTH:
        raise PresetError(f"{where}: nested too deeply; at most {MAX_DEPTH} levels")
    return data


def _depth(value: Any, level: int = 0) -> int:
    if level > MAX_DEPTH:
        return level
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for v in value.values()), default=level + 1)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value), default=level + 1)
    return level


def number(value: Any, where: str) -> float:
    """A finite number from parsed data: an int or float, never a boolean or a string."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PresetError(f"{where}: {value!r} is not a number ({type(value).__name__}); give a "
                          "number such as 10 or 2.5")
    if not math.isfinite(value):
        raise PresetError(f"{where}: {value!r} is not allowed; give a finite number")
    return float(value)


def names(value: Any, where: str) -> tuple[str, ...]:
    """A list of strings from parsed data (a single string is not taken letter by letter)."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PresetError(f"{where}: {value!r} is not allowed; give a list of names such as "
                          '["bath.K"]')
    return tuple(value)
