"""A quick start for short solves: one cell's time course with the packed right-hand side of
``vrest.solve.packed`` run by Python, through the same compiled LSODA (CyRK's), in a process
that has not loaded numba.

Loading numba and the cached compiled right-hand side costs about 0.45 s in a new process,
while one cell through P1 needs about 2,700 right-hand-side evaluations: about 45 ms when
Python runs them on floats (about 16 us each, with ``math``'s exp and log). So a process that
has not loaded numba solves single cells here, and once it has spent ``BUDGET`` evaluations
this way (about as long as loading numba takes), or when a solve would need more, it loads the
compiled tier for good (the rule of renting skis until their price is spent: never much more
than twice the better choice).

Same equations (the functions numba compiles), same solver, same tolerances: the two tiers
agree far below the solver's tolerance (their right-hand sides differ in the last bits, math's
and LLVM's exp and log, which can steer LSODA's steps apart a little: V within 1e-9 mV over
600 s, about 2e-7 mV at the end of P1; ``tests/solve/test_interpreted.py``). Batches, and every
solve once numba is loaded, take the compiled tier directly.
"""

from __future__ import annotations

import ctypes
import functools
import math
import os
import sys
import types
from typing import Any

import numpy as np
from numpy.typing import NDArray

from vrest.model.rhs import Model
from vrest.physics import kernels
from vrest.solve import lsoda, packed

FloatArray = NDArray[np.float64]

BUDGET = 25_000  # right-hand-side evaluations per process (~0.4 s), then the compiled tier
_CALLBACK = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_double, ctypes.c_void_p,
                             ctypes.c_void_p)
_spent = 0  # evaluations run so far in this process


def active(batch_size: int) -> bool:
    """Whether a solve of ``batch_size`` cells takes this tier: one cell, numba not loaded,
    budget left (and VREST_NO_INTERPRETED not set). The caller has already found the compiled
    path available (``simulate.compiled_unavailable``), which this tier's fallback needs."""
    return (batch_size == 1 and _spent < BUDGET and "numba" not in sys.modules
            and not os.environ.get("VREST_NO_INTERPRETED"))


def spent() -> int:
    """Right-hand-side evaluations this tier has run in this process."""
    return _spent


@functools.cache
def _python_rhs_into() -> Any:
    """packed.rhs_into for Python floats: the same functions, with the numpy functions the
    kernels call (exp, log, ...) bound to ``math``'s, which are several times faster on one
    number. Where numpy would give inf or nan (an overflow, a log of zero), math raises: the
    solve then goes to the compiled tier."""
    shim = types.SimpleNamespace(abs=abs, exp=math.exp, expm1=math.expm1, log=math.log,
                                 sqrt=math.sqrt, tanh=math.tanh)
    on_floats = {**vars(kernels), "np": shim}
    names = packed.rebind(kernel=lambda fn: packed.clone(fn, on_floats), helper=lambda fn: fn)
    names["rhs_into"] = packed.clone(packed.rhs_into, names)
    return names["rhs_into"]


class _Rhs:
    """The C callback LSODA calls: du = rhs(u) for one cell's packed parameters. Views of the
    solver's arrays are kept by address (LSODA works in a few fixed buffers)."""

    def __init__(self, params: FloatArray, n: int) -> None:
        self.params, self.n, self.calls, self.failed = params, n, 0, False
        self.floats = params.tolist()  # Python floats: faster to index and combine
        self.dy, self.work = [0.0] * n, [0.0] * packed.WORK
        self.rhs_into = _python_rhs_into()
        self.views: dict[int, FloatArray] = {}
        self.callback = _CALLBACK(self)
        self.address = ctypes.cast(self.callback, ctypes.c_void_p).value

    def view(self, address: int) -> FloatArray:
        arr = self.views.get(address)
        if arr is None:
            if len(self.views) > 64:
                self.views.clear()
            arr = np.frombuffer((ctypes.c_double * self.n).from_address(address))
            self.views[address] = arr
        return arr

    def __call__(self, du: int, t: float, u: int, args: Any) -> None:
        self.calls += 1
        try:
            self.rhs_into(self.view(u).tolist(), t, self.floats, self.dy, self.work)
            self.view(du)[:] = self.dy
        except Exception:  # noqa: BLE001 - LSODA then fails and the compiled tier reruns it
            self.failed = True
            self.view(du)[:] = np.nan


def solve_segment(model: Model, y: FloatArray, times: FloatArray, rtol: float, atol: float,
                  max_steps: int) -> tuple[FloatArray, NDArray[np.bool_], list[str]] | None:
    """Integrate the one cell of ``model`` from ``y`` (1, n) over ``times``, as
    ``vrest.solve.compiled.solve_segment`` does: states (T, 1, n), success, messages. None when
    this tier stopped without an answer (its budget ran out, or Python raised): the caller then
    solves the segment compiled, from the same start."""
    global _spent
    core = model.layout.out.start
    fn = _Rhs(np.ascontiguousarray(packed.pack(model, y), dtype=float), core)
    left = BUDGET - _spent
    out = np.empty((times.size, *y.shape))
    with np.errstate(all="ignore"):
        _, ok, messages = lsoda.solve_many(fn.address, np.ascontiguousarray(y[:, :core]),
                                           times, fn.params[None], rtol, atol,
                                           min(max_steps, left), out=out[:, :, :core])
    _spent += fn.calls
    capped = left < max_steps
    if fn.failed or (not ok[0] and (capped or _spent >= BUDGET)):
        _spent = BUDGET  # this process has enough work to be worth the compiled tier
        return None
    packed.fill_outside(out, y, core)
    return out, ok, messages
