"""Chunk files that prove their own integrity: cell range, row count and checksum inside.

Each chunk's Parquet file carries, in its key-value metadata under ``vrest.chunk``, the chunk
index, its cell range [first, stop), its row count, the spec digest and a SHA-256 of its
values. :func:`verify` reads a chunk back and returns why it cannot be used (unreadable,
truncated, no metadata, another chunk's cells, another spec, altered values), or None when it
is sound; a resumed sweep recomputes every chunk that fails (vrest.sweep.store).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

META_KEY = b"vrest.chunk"


def checksum(frame: Any) -> str:
    """SHA-256 of a chunk table's column names, types and values (row order included)."""
    import pandas as pd

    digest = hashlib.sha256()
    digest.update(json.dumps([[str(c), str(t)] for c, t in frame.dtypes.items()]).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def write(path: Path, frame: Any, index: int, first: int, stop: int, spec_digest: str) -> None:
    """Write chunk ``index`` (cells [first, stop)) to ``path`` atomically, with its record."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    record = {"index": index, "first_cell": first, "stop_cell": stop, "rows": len(frame),
              "sha256": checksum(frame), "spec_digest": spec_digest}
    table = pa.Table.from_pandas(frame, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[META_KEY] = json.dumps(record).encode()
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    pq.write_table(table.replace_schema_metadata(meta), tmp)
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def verify(path: Path, index: int, first: int, stop: int, spec_digest: str) -> str | None:
    """Why the chunk file at ``path`` cannot be used as chunk ``index``, or None if it can."""
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
        frame = table.to_pandas()
    except Exception as exc:  # pyarrow raises several kinds for a damaged file
        return f"unreadable ({type(exc).__name__})"
    raw = (table.schema.metadata or {}).get(META_KEY)
    if raw is None:
        return "no integrity record"
    try:
        record = json.loads(raw)
    except ValueError:
        return "damaged integrity record"
    expected = {"index": index, "first_cell": first, "stop_cell": stop, "rows": stop - first,
                "spec_digest": spec_digest}
    for key, value in expected.items():
        if record.get(key) != value:
            return f"{key} is {record.get(key)!r}, expected {value!r}"
    if len(frame) != stop - first:
        return f"{len(frame)} rows, expected {stop - first}"
    if checksum(frame) != record.get("sha256"):
        return "checksum mismatch (values altered)"
    return None
