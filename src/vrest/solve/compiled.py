"""Fast time courses: the packed right-hand side of ``vrest.solve.packed`` compiled by numba,
integrated by LSODA in compiled code (CyRK's C++ LSODA, reached through ``vrest.solve.lsoda``),
one cell at a time.

The physics is not written twice: every equation is a function in ``vrest.physics.kernels``;
``vrest.solve.packed`` holds, in plain Python, the bookkeeping of ``Model.rhs`` for one cell
over a packed parameter vector. This module compiles those same functions: each is cloned with
its names bound to compiled (inlined) kernels and helpers, so the code numba compiles is the
code the interpreted tier (``vrest.solve.interpreted``) runs. ``tests/solve/test_fast.py`` checks
that the right-hand sides agree with ``Model.rhs`` for every preset.

The right-hand side is a numba ``cfunc`` whose address the solver calls directly, so no Python runs
during a solve; a batch is solved cell by cell on a few threads (the C call releases the GIL).
Compiled code is cached on disk (numba ``cache=True``); the first compilation takes a few
seconds once per installation (this module ~4 s; the steady-state kernels of
``vrest.solve.steady_fast`` ~12 s more, on their first use). Importing this module imports
numba (about 0.3 s) and loads the cached code; ``vrest`` imports it only when a solve needs it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from vrest.model.rhs import Model
from vrest.solve import lsoda as lsoda_backend
from vrest.solve import packed, threads
from vrest.solve.packed import (  # noqa: F401  (the layout, for the steady-state residual)
    GATE_ROW,
    LEAK_ROW,
    P_IW,
    P_MVPC,
    P_NGATE,
    P_NLEAK,
    P_NTRANS,
    P_OUT,
    P_ROWS,
    P_ZX,
    TRANS_ROW,
    pack,
)

FloatArray = NDArray[np.float64]

try:  # numba is a dependency; without it (or CyRK), simulate() uses SciPy's BDF
    import numba
except ImportError:  # pragma: no cover
    numba = None

AVAILABLE = numba is not None


def _compile() -> tuple[Any, dict[str, Any]]:
    """The compiled rhs: packed's functions with every kernel and helper they call bound to
    its compiled form, inlined (numba IR inlining), so that loading the cached rhs does not
    load each kernel separately. error_model="numpy": a division by zero gives inf or nan, as
    in the vectorised model, instead of a check and a Python exception on every division."""
    inline = numba.njit(inline="always")
    names = packed.rebind(kernel=inline, helper=inline)
    jit = numba.njit(cache=True, error_model="numpy")
    names["rhs_into"] = jit(packed.clone(packed.rhs_into, names))
    return jit(packed.clone(packed.rhs, names)), names


if AVAILABLE:
    rhs, _NAMES = _compile()
    rhs_into = _NAMES["rhs_into"]
    _bern = _NAMES["_bern"]


AVAILABLE = AVAILABLE and lsoda_backend.available()


def _rhs_c(du, t, u, p):  # type: ignore[no-untyped-def]
    """rhs with the C calling convention of CyRK's solver, du = f(t, u), for the packed
    parameters p, over the state without its out_* columns (ion + out_ion is conserved, so
    they follow afterwards); writes into du directly. The WORK entries after the parameters
    are its scratch (each solve has its own row, which the solver copies; ``solver_args``
    builds the rows): nothing is allocated per call."""
    head = numba.carray(p, (P_ROWS,))
    n_p = P_ROWS + LEAK_ROW * int(head[P_NLEAK]) + TRANS_ROW * int(head[P_NTRANS]) + \
        GATE_ROW * int(head[P_NGATE])
    n = int(head[P_OUT])  # LSODA integrates the state without the out_* columns
    row = numba.carray(p, (n_p + packed.WORK,))
    rhs_into(numba.carray(u, (n,)), t, row[:n_p], numba.carray(du, (n,)), row[n_p:])


if AVAILABLE:
    _SIG = numba.types.void(numba.types.CPointer(numba.types.double), numba.types.double,
                            numba.types.CPointer(numba.types.double),
                            numba.types.CPointer(numba.types.double))
    rhs_cfunc = numba.cfunc(_SIG, cache=True, error_model="numpy")(_rhs_c)


def solver_args(model: Model, y: FloatArray | None = None) -> FloatArray:
    """The rows (B, L + WORK) to hand the solver as ``rhs_cfunc``'s parameters: each cell's
    packed parameters and WORK entries of scratch, which the callback writes into (the
    solver copies each row for its solve). Any other buffer given to ``rhs_cfunc`` must be
    as long: it is written past its parameters."""
    params = pack(model, y).reshape(model.batch_size, -1)
    return np.concatenate([params, np.zeros((len(params), packed.WORK))], axis=1)


def solve_segment(model: Model, y: FloatArray, times: FloatArray, rtol: float,
                  atol: float, max_steps: int = 500_000) -> tuple[
                      FloatArray, NDArray[np.bool_], list[str]]:
    """Integrate every cell of ``model`` from states ``y`` (B, n) over ``times``:
    states (T, B, n), which cells succeeded, and each cell's solver message ("" when it
    succeeded). Cells run in parallel threads, one interleaved share of the cells each."""
    params = solver_args(model, y)
    core = model.layout.out.start
    b = y.shape[0]
    out = np.empty((times.size, *y.shape))
    inner = out[:, :, :core]  # a view: the solver fills the integrated columns in place
    start = np.ascontiguousarray(y[:, :core])
    chunks = threads.interleaved(b, 1)  # interleaved: neighbouring cells cost alike

    def run(cells: NDArray[np.int_]) -> tuple[NDArray[np.bool_], list[str]]:
        return lsoda_backend.solve_many(rhs_cfunc.address, start, times, params, rtol, atol,
                                        max_steps, cells=cells.tolist(), out=inner)[1:]

    results = threads.run(run, chunks)
    ok = np.zeros(b, bool)
    messages = [""] * b
    for cells, (done, said) in zip(chunks, results, strict=True):
        for i in cells:
            ok[i], messages[i] = done[i], said[i]
    packed.fill_outside(out, y, core)
    return out, ok, messages
