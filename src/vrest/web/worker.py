"""What runs inside a compute worker process (see :mod:`vrest.web.budget`).

:func:`work` computes one request and sends ``(status, JSON body)`` back through a pipe. Every
failure becomes a 422 body naming the field or the cause, and a result holding NaN or inf
becomes a 422 naming where (JSON has no NaN). Warnings are silenced here: a refused or
non-finite result is reported in the answer, never as text on the server's terminal.
Imported by the forkserver at start, so each worker starts with vrest loaded.
"""

from __future__ import annotations

import json
import math
import sys
import warnings
from collections.abc import Mapping
from multiprocessing.connection import Connection
from typing import Any

from vrest.errors import VrestError
from vrest.web import cells, compute, guide, schemas


def compute_kind(kind: str, key: str) -> Any:
    """The JSON-ready result of computation ``kind`` for the request ``key``."""
    if kind == "simulate":
        return compute.simulate_request(schemas.SimulateRequest.model_validate_json(key))
    if kind == "steady":
        return compute.steady_request(schemas.CellRequest.model_validate_json(key))
    if kind == "explain":
        return compute.explain_request(schemas.ExplainRequest.model_validate_json(key))
    if kind == "guide":
        return guide.steps(key)
    if kind == "noop":
        return {}
    raise ValueError(f"unknown computation {kind!r}")


def error_body(exc: Exception) -> dict[str, Any]:
    """The 422 body of a failed computation."""
    if isinstance(exc, cells.FieldErrors):
        return {"error": str(exc), "errors": [{"field": f, "message": m} for f, m in exc.errors]}
    if isinstance(exc, VrestError):
        field = cells.field_of(str(exc))
        body: dict[str, Any] = {"error": str(exc)}
        if field:
            body["errors"] = [{"field": field, "message": str(exc)}]
        return body
    return {"error": f"cannot compute this request ({type(exc).__name__}); the request was not "
                     "processed"}


def nonfinite(value: Any, path: str = "") -> str | None:
    """The path of the first NaN or inf in a JSON-ready value, else None."""
    if isinstance(value, float):
        return None if math.isfinite(value) else path or "the result"
    if isinstance(value, Mapping):
        for k, v in value.items():
            found = nonfinite(v, f"{path}.{k}" if path else str(k))
            if found:
                return found
    elif isinstance(value, list | tuple):
        for i, v in enumerate(value):
            found = nonfinite(v, f"{path}[{i}]")
            if found:
                return found
    return None


def answer(kind: str, key: str) -> tuple[int, Any]:
    """(status, body) of one computation."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = compute_kind(kind, key)
    except Exception as exc:  # every failure is an answer, never a crash of the server
        return 422, error_body(exc)
    where = nonfinite(result)
    if where:
        return 422, {"error": f"the computation gave a non-finite value (NaN or inf) at {where}: "
                              "this cell has no finite solution for these inputs; change them"}
    json.dumps(result, allow_nan=False)
    return 200, result


def work(kind: str, key: str, conn: Connection) -> None:
    """Entry point of a worker process."""
    sys.unraisablehook = lambda _: None  # numba's "Exception ignored" lines
    try:
        conn.send(answer(kind, key))
    finally:
        conn.close()
