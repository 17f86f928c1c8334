"""Checked, atomic output files for every command that writes one (tables, figures, reports).

:func:`write_file` checks the target first (not a directory, not a device or FIFO, its folder
exists; a figure's format comes from a known suffix), lets a writer fill a temporary file in
the same folder, flushes it to disk and renames it over the target: a failed or interrupted
write never leaves a half-written file, and a full disk is reported, never taken for success.
Every failure is one ``ParameterError``: "cannot write X: reason".
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

from vrest.errors import ParameterError

FIGURE_SUFFIXES = (".png", ".svg", ".pdf")


def check_target(path: str | Path, option: str, figure: bool = False) -> Path:
    """``path`` if a file can be written there, else a ParameterError naming ``option``."""
    text = str(path)
    target = Path(text)
    if not text.strip():
        raise ParameterError(f"{option}: give a file name")
    try:
        info = os.stat(target)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise ParameterError(f"{option}: cannot write {text}: {exc.strerror}") from None
    if info is not None and stat.S_ISDIR(info.st_mode) or text.endswith(("/", os.sep)):
        raise ParameterError(f"{option}: cannot write {text}: it is a directory; give a file name"
                             + (" such as v.png" if figure else ""))
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise ParameterError(f"{option}: cannot write {text}: not a regular file (a device or "
                             "FIFO); give a file name")
    folder = target.parent
    if not folder.is_dir():
        raise ParameterError(f"{option}: cannot write {text}: the folder {str(folder)!r} does "
                             "not exist")
    if not os.access(folder, os.W_OK):
        raise ParameterError(f"{option}: cannot write {text}: the folder {str(folder)!r} is not "
                             "writable")
    if figure and target.suffix.lower() not in FIGURE_SUFFIXES:
        raise ParameterError(f"{option}: cannot write {text}: the figure format comes from the "
                             "suffix: it must be a .png, .svg or .pdf file")
    return target


def write_file(path: str | Path, option: str, writer: Callable[[str], Any],
               figure: bool = False) -> Path:
    """Check ``path``, run ``writer(temporary path)``, then move the file into place."""
    target = check_target(path, option, figure)
    tmp = target.with_name(f".{target.stem}.tmp{os.getpid()}{target.suffix}")
    try:
        writer(str(tmp))
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except OSError as exc:
        raise ParameterError(f"{option}: cannot write {target}: {exc.strerror or exc}") from None
    finally:
        tmp.unlink(missing_ok=True)
    return target


def write_text(path: str | Path, option: str, text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` (checked, atomic)."""
    return write_file(path, option, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


def save_figure(fig: Any, path: str | Path, option: str, dpi: int = 100) -> Path:
    """Save a matplotlib figure (checked, atomic; format from the suffix) and close it."""
    import matplotlib.pyplot as plt

    try:
        return write_file(path, option, lambda tmp: fig.savefig(tmp, dpi=dpi), figure=True)
    finally:
        plt.close(fig)
