"""Requests -> the public API -> JSON-ready results. No physics here beyond calling vrest.

Time courses for the page are solved with SciPy's BDF at ``PAGE_RTOL`` (1e-4; V then agrees with
a tight-tolerance solve to well under 0.1 mV, measured in benchmarks/web_latency.py) on
log-spaced output times from 0.1 ms to t_end, so a log time axis shows the membrane charging
(ms) and the gradients moving (minutes to hours) on one plot (see :mod:`.course`, shared with
the experiments). Results are cached by request.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from vrest.model.cell import Cell
from vrest.model.explain import explain_ion
from vrest.model.rhs import Model
from vrest.physics.constants import ZERO_C
from vrest.solve.rest import what_v_at_rest
from vrest.web import schemas
from vrest.web.cells import build_cell
from vrest.web.course import IONS, PAGE_RTOL, course_report, run_course, time_grid

# PAGE_RTOL is re-exported: benchmarks/web_latency.py reads compute.PAGE_RTOL.
__all__ = ["PAGE_RTOL", "explain_request", "simulate_request", "steady_request"]

CACHE_SIZE = 256


def cell_of(req: schemas.CellRequest) -> Cell:
    """The Cell a request describes."""
    return build_cell(req.preset, req.params, req.mechanisms)


def _key(req: Any) -> str:
    return json.dumps(req.model_dump(mode="json"), sort_keys=True)


def request_key(req: Any) -> str:
    """A request as canonical JSON: the cache key, and what a compute worker is given."""
    return _key(req)


def simulate_request(req: schemas.SimulateRequest) -> dict[str, Any]:
    """POST /api/simulate (cached by request)."""
    return _simulate_cached(_key(req))


@lru_cache(maxsize=CACHE_SIZE)
def _simulate_cached(key: str) -> dict[str, Any]:
    from vrest.web.experiments import run_experiment

    req = schemas.SimulateRequest.model_validate_json(key)
    start = time.perf_counter()
    cell = cell_of(req)
    times = time_grid(req.t_end, req.points)
    if req.experiment is not None:
        out = run_experiment(cell, req.experiment.name, req.experiment.value, times)
    else:
        y_start = Model(cell).y0[0]
        tc = run_course(cell, times)
        out = course_report(tc, cell, y_start)
        out["experiment"] = None
    out["compute_ms"] = 1e3 * (time.perf_counter() - start)
    return _json_safe(out)  # e.g. the E of an ion absent from the bath: null


# -- steady states and explanations ---------------------------------------------------------

def steady_report(cell: Cell) -> dict[str, Any]:
    """The cell's steady state (raises NoSteadyStateError when it has none)."""
    what, ss = what_v_at_rest(cell)
    out = ss.summary(0)
    out["what_v"] = what.to_dict()
    out["GHK_mV"] = what.ghk_mV
    out["chord_weights"] = what.chord_weights or None
    return _json_safe(out)


@lru_cache(maxsize=CACHE_SIZE)
def _steady_cached(key: str) -> dict[str, Any]:
    req = schemas.CellRequest.model_validate_json(key)
    return steady_report(cell_of(req))


def steady_request(req: schemas.CellRequest) -> dict[str, Any]:
    """POST /api/steady (cached by request)."""
    return _steady_cached(_key(schemas.CellRequest(**req.model_dump())))


def explain_request(req: schemas.ExplainRequest) -> dict[str, Any]:
    """POST /api/explain: every ion at the steady state (or at ``v_mV``)."""
    cell = cell_of(req)
    what, ss = what_v_at_rest(cell)
    v = float(ss.V[0]) if req.v_mV is None else float(req.v_mV)
    t_k = cell.temperature + ZERO_C
    rows = [explain_ion(ion, float(ss.c_in[0, i]), float(ss.c_out[0, i]), v, t_k).to_dict()
            for i, ion in enumerate(IONS)]
    return _json_safe({"V_mV": v, "V_origin": "steady state" if req.v_mV is None else "given",
                       "temperature_C": cell.temperature, "ions": rows,
                       "what_v": what.to_dict()})


def _json_safe(value: Any) -> Any:
    """Replace non-finite floats (e.g. an infinite time constant) by None, recursively."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value
