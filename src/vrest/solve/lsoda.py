"""A compiled LSODA for one cell: CyRK's C++ solver, called through its C entry point.

CyRK (Apache-2.0; wheels for CPython 3.11-3.13 on Linux x86-64, Windows x86-64 and Apple-silicon
macOS, installed only there: see ``pyproject.toml``) ships LSODA in C++
behind ``numba_cysolve_ivp``, the function its numba bridge calls. Importing the CyRK package
itself costs ~0.25 s (it builds numba wrappers vrest does not use), so this module loads the
compiled extension that holds the entry point with ctypes and calls it once per segment: the
right-hand side is a C function pointer (a numba ``cfunc``), no Python runs during a solve, and
the ctypes call releases the GIL, so cells solve in parallel threads.

The entry point is CyRK's internal API (a C++ symbol, not a documented Python function); the
version is pinned in ``pyproject.toml`` (``CyRK>=0.20,<0.21``) and the P1 reference test
(``tests/solve/test_solver_fallback.py``) holds the result to a tight SciPy solve. The symbols
are looked up by their Itanium C++ names (gcc and clang: Linux, macOS); where a compiler names
them otherwise (MSVC on Windows) the library does not load and the fallback is taken. ``available()`` says whether
the solver can load here, and ``unavailable_reason()`` why not (no CyRK installed, an x86-64 CPU
without the AVX2 + FMA instructions CyRK's wheels are compiled for, an unknown CyRK layout);
vrest then falls back to SciPy and names the method it used.
"""

from __future__ import annotations

import ctypes
import functools
import glob
import importlib.util
import os
import platform
from collections.abc import Iterable

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

LSODA_METHOD = 7  # CyRK's ODEMethod enum: ..., BDF = 6, LSODA = 7, RADAU = 8
MAX_RAM_MB = 2000
_SOLVE = "_Z17numba_cysolve_ivpPFvPddS_PcPFvS0_dS_S0_EEddS_m9ODEMethodmmS0_mmmbS_mS2_P5EventmS_mS_mddb"
_GETTERS = {  # C++ symbol -> (restype, argtypes)
    "success": ("_Z20cysolver_get_successPv", ctypes.c_bool),
    "size": ("_Z17cysolver_get_sizePv", ctypes.c_size_t),
    "num_dy": ("_Z19cysolver_get_num_dyPv", ctypes.c_size_t),
    "status": ("_Z19cysolver_get_statusPv", ctypes.c_int),
    "steps": ("_Z24cysolver_get_steps_takenPv", ctypes.c_size_t),
    "y_ptr": ("_Z18cysolver_get_y_ptrPv", ctypes.c_size_t),  # an address
}
_FREE = "_Z13cysolver_freePv"
_MESSAGE = "_Z27cysolver_get_message_bufferPvPcm"


class _Api:
    """The C functions of CyRK's solver, typed for ctypes."""

    def __init__(self, lib: ctypes.CDLL) -> None:
        # no argtypes: it is called with ready-made ctypes values (``_arguments``), so a batch
        # converts its constant arguments once, not once per cell (~3 us a call)
        self.solve = lib[_SOLVE]
        self.solve.restype = ctypes.c_void_p
        for key, (symbol, restype) in _GETTERS.items():
            fn = getattr(lib, symbol)
            fn.restype, fn.argtypes = restype, [ctypes.c_void_p]
            setattr(self, key, fn)
        self.free = getattr(lib, _FREE)
        self.free.restype, self.free.argtypes = None, [ctypes.c_void_p]
        self.message = getattr(lib, _MESSAGE)
        self.message.restype = None
        self.message.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]


def _cpu_lacks_avx2() -> bool:
    """True on an x86-64 Linux CPU without AVX2 + FMA (CyRK's wheels need both); False where
    it cannot tell (CyRK's own check is fail-open too)."""
    if platform.machine() not in ("x86_64", "AMD64", "amd64") or os.environ.get("CYRK_NO_AVX2"):
        return False
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return not ({"avx2", "fma"} <= flags)
    except OSError:
        return False
    return False


@functools.cache
def _load() -> tuple[_Api | None, str]:
    """CyRK's solver API, or None and the reason it cannot be used here."""
    if os.environ.get("VREST_NO_COMPILED"):
        return None, "switched off: VREST_NO_COMPILED is set"
    spec = importlib.util.find_spec("CyRK")
    if spec is None or not spec.submodule_search_locations:
        return None, "CyRK is not installed"
    if _cpu_lacks_avx2():
        return None, "this CPU lacks AVX2/FMA, which CyRK's compiled wheels need"
    folder = os.path.join(next(iter(spec.submodule_search_locations)), "nb")
    found = sorted(glob.glob(os.path.join(folder, "numba_c_api*")))
    found = [f for f in found if f.endswith((".so", ".pyd", ".dylib"))]
    if not found:
        return None, f"CyRK's compiled solver library was not found in {folder}"
    try:
        return _Api(ctypes.CDLL(found[0])), ""
    except (OSError, AttributeError) as exc:
        return None, f"CyRK's solver library could not be loaded ({exc}); a CyRK 0.20.x is needed"


def available() -> bool:
    """Whether the compiled LSODA can run on this machine."""
    return _load()[0] is not None


def unavailable_reason() -> str:
    """Why the compiled LSODA cannot run here ("" when it can)."""
    return _load()[1]


def solve(address: int, y0: FloatArray, times: FloatArray, args: FloatArray, rtol: float,
          atol: float, max_steps: int = 500_000) -> tuple[FloatArray, bool, str]:
    """Integrate dy/dt = f(t, y) from ``times[0]`` with the C function at ``address``
    (``void f(double* dy, double t, double* y, double* args)``): the states at ``times``
    (T, n), whether the solve succeeded, and the solver's message when it did not.

    Rows the solver did not reach are NaN.
    """
    y = np.ascontiguousarray(y0, dtype=float)[None]
    out, ok, messages = solve_many(address, y, times, np.asarray(args, dtype=float)[None],
                                   rtol, atol, max_steps)
    return out[:, 0], bool(ok[0]), messages[0]


def solve_many(address: int, y0: FloatArray, times: FloatArray, args: FloatArray, rtol: float,
               atol: float, max_steps: int = 500_000, cells: Iterable[int] | None = None,
               out: FloatArray | None = None) -> tuple[FloatArray, NDArray[np.bool_], list[str]]:
    """``solve`` for each cell (row) of ``y0`` (B, n) with its own ``args`` (B, L), one after
    the other in this thread (the solver releases the GIL): states (T, B, n), which cells
    succeeded, and their messages. ``cells`` limits the work to some rows (then ``out``, the
    (T, B, n) array to fill, is shared with other threads)."""
    api, reason = _load()
    if api is None:
        raise RuntimeError(f"the compiled LSODA is not available: {reason}")
    y = np.ascontiguousarray(y0, dtype=float)
    p = np.ascontiguousarray(args, dtype=float)
    t = np.ascontiguousarray(times, dtype=float)
    n_t, n_y = t.size, y.shape[1]
    out = np.full((n_t, *y.shape), np.nan) if out is None else out
    ok = np.zeros(y.shape[0], bool)
    messages = [""] * y.shape[0]
    rt, at = np.array([float(rtol)]), np.array([float(atol)])
    call = _arguments(address, t, n_y, p.shape[1] * p.itemsize, int(max_steps), rt, at)
    for b in cells if cells is not None else range(y.shape[0]):
        call[3], call[8] = ctypes.c_void_p(y[b].ctypes.data), ctypes.c_void_p(p[b].ctypes.data)
        ptr = api.solve(*call)
        if not ptr:
            out[:, b] = np.nan
            ok[b], messages[b] = False, "the solver could not start"
            continue
        try:
            ok[b], messages[b] = _read(api, ptr, out[:, b])
        finally:
            api.free(ptr)
    return out, ok, messages


def _arguments(address: int, t: FloatArray, n_y: int, row_bytes: int, max_steps: int,
               rt: FloatArray, at: FloatArray) -> list[object]:
    """The entry point's arguments as ctypes values; slots 3 (y0) and 8 (the parameter row)
    are filled per cell. ``t``, ``rt``, ``at`` must outlive the calls."""
    size, dbl, ptr = ctypes.c_size_t, ctypes.c_double, ctypes.c_void_p
    return [ptr(address), dbl(t[0]), dbl(t[-1]),  # diffeq, t_start, t_end
            None, size(n_y), ctypes.c_int(LSODA_METHOD),  # y0, its length, method
            size(t.size), size(0),  # expected size, extra outputs
            None, size(row_bytes),  # args (bytes), their length
            size(max_steps), size(MAX_RAM_MB), ctypes.c_bool(False),  # max steps, RAM, dense
            ptr(t.ctypes.data), size(t.size),  # t_eval, its length
            None, None, size(0),  # pre-eval, events, their count
            ptr(rt.ctypes.data), size(1), ptr(at.ctypes.data), size(1),  # rtols, atols
            dbl(np.inf), dbl(0.0), ctypes.c_bool(False)]  # max step, first step, retain


def _read(api: _Api, ptr: int, dest: FloatArray) -> tuple[bool, str]:
    """Copy a finished solve's output into ``dest`` (T, n) (rows not reached become NaN);
    whether it succeeded, and its message. The caller frees the result."""
    n_t, n_y = dest.shape
    size, width = api.size(ptr), api.num_dy(ptr)
    rows = min(size, n_t)
    if rows and width >= n_y:
        data = (ctypes.c_double * (rows * width)).from_address(api.y_ptr(ptr))
        dest[:rows] = np.frombuffer(data).reshape(rows, width)[:, :n_y]
        if rows < n_t:
            dest[rows:] = np.nan
    else:
        dest[:] = np.nan
    if api.success(ptr) and size == n_t and np.isfinite(dest).all():
        return True, ""
    buf = ctypes.create_string_buffer(512)
    api.message(ptr, buf, len(buf))
    text = buf.value.decode("utf-8", "replace").strip()
    return False, f"{text or 'LSODA stopped'} (status {int(api.status(ptr))}, " \
        f"{int(api.steps(ptr))} steps)"
