"""Sweep results on disk: chunk files written atomically, resumable, combined at the end.

Layout of an output directory::

    DIR/spec.toml                  the spec file as written
    DIR/meta.json                  vrest version, spec digest, columns and units, progress
    DIR/chunks/chunk-000012.parquet one file per finished chunk (written to a temporary name
                                   in the same directory, then renamed: a reader never sees a
                                   half-written chunk, and a killed run leaves none)
    DIR/results.parquet            the whole table (one row per cell), when every chunk is done
    DIR/results.csv                the same, on request

Starting a sweep again with the same spec and directory finishes the missing chunks only: every
chunk already on disk is verified first (cell range, row count, checksum: vrest.sweep.chunks)
and one that fails is deleted, reported in ``rejected`` and computed again. A directory holding
another spec's results, or results from another vrest version, is refused. Every write that
fails says "cannot write X: reason".
"""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from vrest.errors import ParameterError
from vrest.sweep import chunks
from vrest.sweep.spec import SweepSpec

CHUNK_DIR = "chunks"
RESULTS = "results.parquet"
RESULTS_CSV = "results.csv"


def _version() -> str:
    from vrest._version import __version__

    return __version__


class SweepStore:
    """The output directory of one sweep."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.chunks = self.root / CHUNK_DIR
        self.rejected: list[tuple[int, str]] = []  # (chunk, why) found unsound on opening

    # -- opening --------------------------------------------------------------------------------
    def open(self, spec: SweepSpec) -> set[int]:
        """Prepare the directory for ``spec``; return the chunks already done."""
        meta_path = self.root / "meta.json"
        with writing(self.root):
            if self.root.exists() and not self.root.is_dir():
                raise ParameterError(f"--out: cannot write {self.root}: not a directory; give a "
                                     "new or empty directory")
            if meta_path.exists():
                self._check_same(spec, meta_path)
            elif self.root.exists() and any(self.root.iterdir()):
                raise ParameterError(f"--out {self.root}: the directory exists and holds other "
                                     "files; give a new or empty directory")
            self.chunks.mkdir(parents=True, exist_ok=True)
            for stale in self.chunks.glob(".*.tmp*"):
                stale.unlink(missing_ok=True)  # left by a killed run
            if not meta_path.exists():
                _atomic_text(self.root / "spec.toml", spec.text or
                             "# spec built in Python: its description is in meta.json ('spec')\n")
                _atomic_text(meta_path, json.dumps(_meta(spec), indent=2, default=str))
            return self.verified(spec)

    def verified(self, spec: SweepSpec) -> set[int]:
        """The chunks on disk that pass verification; the others are deleted and recorded in
        ``rejected`` (they will be computed again)."""
        out = set()
        for i in sorted(self.done(spec.n_chunks)):
            path = self.chunks / f"chunk-{i:06d}.parquet"
            why = chunks.verify(path, i, *_cell_range(spec, i), spec.digest())
            if why is None:
                out.add(i)
            else:
                self.rejected.append((i, why))
                path.unlink(missing_ok=True)
        return out

    def _check_same(self, spec: SweepSpec, meta_path: Path) -> None:
        try:
            meta = json.loads(meta_path.read_text())
        except (OSError, ValueError) as exc:
            raise ParameterError(f"--out {self.root}: meta.json cannot be read ({exc}); give a new "
                                 "directory") from None
        if meta.get("spec_digest") != spec.digest():
            raise ParameterError(f"--out {self.root}: holds results of a different sweep spec "
                                 f"({meta.get('spec', {}).get('name', '?')!r}); give a new "
                                 "directory, or the same spec to resume")
        if meta.get("vrest_version") != _version():
            raise ParameterError(f"--out {self.root}: was written by vrest {meta.get('vrest_version')}"
                                 f", this is vrest {_version()}; results of two versions are not "
                                 "mixed: give a new directory")

    def done(self, n_chunks: int) -> set[int]:
        """Indices of the chunks whose files exist."""
        out = set()
        for path in self.chunks.glob("chunk-*.parquet"):
            try:
                i = int(path.stem.split("-")[1])
            except (IndexError, ValueError):
                continue
            if 0 <= i < n_chunks:
                out.add(i)
        return out

    # -- writing --------------------------------------------------------------------------------
    def write_chunk(self, i: int, table: Any, spec: SweepSpec) -> Path:
        """Write one chunk's table atomically, with its integrity record."""
        path = self.chunks / f"chunk-{i:06d}.parquet"
        with writing(path):
            chunks.write(path, table, i, *_cell_range(spec, i), spec.digest())
        return path

    def finish(self, spec: SweepSpec, csv: bool = False, seconds: float | None = None) -> Any:
        """Combine every chunk into the results table (and CSV); update meta.json."""
        import pandas as pd

        missing = sorted(set(range(spec.n_chunks)) - self.done(spec.n_chunks))
        if missing:
            raise ParameterError(f"--out {self.root}: chunks {missing[:5]} are missing; run the "
                                 "sweep again to finish them")
        parts = [pd.read_parquet(self.chunks / f"chunk-{i:06d}.parquet")
                 for i in range(spec.n_chunks)]
        table = pd.concat(parts, ignore_index=True)
        with writing(self.root / RESULTS):
            tmp = self.root / f".{RESULTS}.tmp{os.getpid()}"
            table.to_parquet(tmp, index=False)
            _fsync(tmp)
            os.replace(tmp, self.root / RESULTS)
        if csv:
            with writing(self.root / RESULTS_CSV):
                tmp = self.root / f".{RESULTS_CSV}.tmp{os.getpid()}"
                table.to_csv(tmp, index=False)
                _fsync(tmp)
                os.replace(tmp, self.root / RESULTS_CSV)
        meta_path = self.root / "meta.json"
        meta = json.loads(meta_path.read_text())
        meta.update(finished=time.strftime("%Y-%m-%dT%H:%M:%S%z"), seconds_last_run=seconds,
                    n_ok=int((table["status"] == "ok").sum()),
                    n_failed=int((table["status"] != "ok").sum()))
        with writing(meta_path):
            _atomic_text(meta_path, json.dumps(meta, indent=2, default=str))
        return table


def read(root: str | Path) -> Any:
    """The results table of a finished sweep directory (pandas DataFrame)."""
    import pandas as pd

    path = Path(root) / RESULTS
    if not path.exists():
        raise ParameterError(f"{root}: no {RESULTS}; is this a finished sweep directory? (run "
                             "`vrest sweep SPEC.toml --out DIR` to finish it)")
    return pd.read_parquet(path)


def read_meta(root: str | Path) -> dict[str, Any]:
    """meta.json of a sweep directory."""
    path = Path(root) / "meta.json"
    try:
        return dict(json.loads(path.read_text()))
    except (OSError, ValueError) as exc:
        raise ParameterError(f"{root}: meta.json cannot be read ({exc.__class__.__name__}); is "
                             "this a sweep directory?") from None


def _meta(spec: SweepSpec) -> dict[str, Any]:
    import scipy

    return {
        "vrest_version": _version(), "spec_digest": spec.digest(), "spec": spec.canonical(),
        "n_cells": spec.n_cells, "n_chunks": spec.n_chunks, "chunk_size": spec.chunk_size,
        "columns": spec.columns(), "log_inputs": [v.name for v in spec.vary if v.log],
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "python": platform.python_version(),
        "numpy": np.__version__, "scipy": scipy.__version__, "finished": None,
    }


def _cell_range(spec: SweepSpec, i: int) -> tuple[int, int]:
    """[first, stop) cell numbers of chunk ``i`` (as SweepSpec.chunk numbers them)."""
    first = i * spec.chunk_size
    return first, min(spec.n_cells, first + spec.chunk_size)


@contextmanager
def writing(path: Path) -> Iterator[None]:
    """Turn an OSError while writing under ``path`` into "cannot write X: reason"."""
    try:
        yield
    except OSError as exc:
        where = exc.filename or path
        raise ParameterError(f"--out: cannot write {where}: {exc.strerror or exc}") from None


def _atomic_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    _fsync(tmp)
    os.replace(tmp, path)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
