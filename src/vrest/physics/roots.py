"""A root of a vectorised function of one variable in a bracket, without SciPy.

``scipy.optimize.brentq`` is the reference, but importing ``scipy.optimize`` costs about
0.3 s, most of a short command's run (``vrest simulate`` prints the zero-current potential of
its last state). The functions here take arrays, so a bracket is searched on a grid of points
at once: each round keeps the first interval of the grid where the sign changes, which narrows
the bracket by the number of intervals (64 by default: 800 mV to 1e-10 mV in 8 rounds); the
root is then interpolated linearly inside the last bracket. ``tests/physics/test_roots.py``
holds it to brentq.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


def grid_root(f: Callable[[FloatArray], FloatArray], lo: float, hi: float, xtol: float,
              intervals: int = 64, max_rounds: int = 60) -> float | None:
    """x in [lo, hi] with f(x) = 0 (to ``xtol``, in x's units), for f(lo) < 0 < f(hi) (or the
    reverse); None when f has the same sign at both ends or is not finite there.

    ``f`` maps an array of x to an array of values. Where f changes sign more than once, the
    root found is in the first sign change from ``lo``. Points where f is not finite are
    skipped.
    """
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi and xtol > 0 and intervals >= 2):
        raise ValueError(f"grid_root: need finite lo < hi, xtol > 0, intervals >= 2; got lo="
                         f"{lo!r}, hi={hi!r}, xtol={xtol!r}, intervals={intervals!r}")
    ends = f(np.array([lo, hi], dtype=float))
    if not np.all(np.isfinite(ends)) or ends[0] * ends[1] > 0:
        return None
    if ends[0] == 0.0 or ends[1] == 0.0:
        return float(lo if ends[0] == 0.0 else hi)
    rising = ends[1] > 0
    f_lo, f_hi = float(ends[0]), float(ends[1])
    for _ in range(max_rounds):
        if hi - lo <= xtol:
            break
        x = np.linspace(lo, hi, intervals + 1)
        y = f(x)
        y[0], y[-1] = f_lo, f_hi
        g = y if rising else -y  # rising through zero from here
        above = np.isfinite(g) & (g >= 0)  # an exact zero ends the interval below it
        below = np.isfinite(g) & (g < 0)
        at = np.flatnonzero(below[:-1] & above[1:])
        if at.size == 0:  # the sign changes across a gap of non-finite values: stop here
            break
        i = int(at[0])
        lo, hi, f_lo, f_hi = float(x[i]), float(x[i + 1]), float(y[i]), float(y[i + 1])
    if f_hi == f_lo:
        return 0.5 * (lo + hi)
    return float(lo - f_lo * (hi - lo) / (f_hi - f_lo))
