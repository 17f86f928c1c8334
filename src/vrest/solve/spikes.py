"""Action potentials in a time course: peak, threshold, after-hyperpolarisation, width, and
the Na+ and K+ that crossed the voltage-gated channels, against the cell's content and the
pump's time to move them back."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from vrest.errors import ParameterError

FloatArray = NDArray[np.float64]
#: dV/dt (mV/ms) whose first crossing on the upstroke defines the threshold.
THRESHOLD_SLOPE = 20.0


@dataclass(frozen=True)
class Spike:
    """One action potential (mV, ms, pmol/cm^2, s). ``rest_mV``: V at the stimulus;
    ``threshold_mV``: V where dV/dt first
    reaches THRESHOLD_SLOPE mV/ms; ``width_ms``: duration at half height (between the V before
    the stimulus and the peak); ``ahp_mV``: the lowest V after the peak;
    ``na_in``/``k_out``: Na+ in through the gated Na+ channels and K+ out through the gated K+
    channels (pmol per cm^2 of membrane, over the window); ``na_fraction``/``k_fraction``:
    those amounts over the cell's Na+ and K+ content; ``pump_restore_s``: the time the pump,
    at its rate before the stimulus, needs to move that Na+ back out (inf without a pump)."""

    rest_mV: float
    peak_mV: float
    threshold_mV: float
    ahp_mV: float
    width_ms: float
    t_peak_ms: float
    na_in: float
    k_out: float
    na_fraction: float
    k_fraction: float
    pump_restore_s: float

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def _integral(t: FloatArray, f: FloatArray) -> float:
    return float(np.sum(0.5 * (f[1:] + f[:-1]) * np.diff(t)))


def analyse_spike(tc: Any, t_stim: float, t_end: float | None = None, cell: int = 0,
                  na_channel: str = "hh_na", k_channel: str = "hh_k",
                  pump: str = "pump") -> Spike:
    """The first action potential after ``t_stim`` (s) in ``tc`` (a TimeCourse), up to
    ``t_end`` (s; default the end). Raises ParameterError when V never rises above 0 mV."""
    t_end = float(tc.t[-1]) if t_end is None else t_end
    w = (tc.t >= t_stim) & (tc.t <= t_end)
    t, v = tc.t[w] * 1e3, tc.V[w, cell]
    if v.size < 3 or v.max() <= 0.0:
        raise ParameterError(f"no action potential after {t_stim * 1e3:g} ms: V stays below 0 mV "
                             f"(highest {float(v.max()) if v.size else float('nan'):.1f} mV)")
    ip = int(np.argmax(v))
    slope = np.gradient(v, t)
    up = np.nonzero(slope[: ip + 1] >= THRESHOLD_SLOPE)[0]
    k = int(up[0]) if up.size else ip
    v_thr = float(v[k] if k == 0 else np.interp(THRESHOLD_SLOPE, slope[k - 1: k + 1], v[k - 1: k + 1]))
    rest = float(v[0])
    half = 0.5 * (rest + v[ip])
    above = np.nonzero(v >= half)[0]
    width = float(t[above[-1]] - t[above[0]]) if above.size else 0.0
    model = tc._parts[0].model
    area = float(model.area0[cell]) * 1e4  # cm^2
    fl = tc.flux
    na = -_integral(tc.t[w], fl[na_channel][w, cell, 0]) if na_channel in fl else 0.0
    kk = _integral(tc.t[w], fl[k_channel][w, cell, 1]) if k_channel in fl else 0.0
    vol = float(model.volume0[cell])
    content = tc.c_in[np.argmax(w), cell, :2] * vol  # mol
    atp = tc.atp.get(pump)
    rate = float(atp[np.argmax(w), cell]) / 6.02214076e23 if atp is not None else 0.0  # cycles, mol/s
    restore = na / (3.0 * rate) if rate > 0 else float("inf")
    return Spike(rest_mV=rest, peak_mV=float(v[ip]), threshold_mV=v_thr, ahp_mV=float(v[ip:].min()),
                 width_ms=width, t_peak_ms=float(t[ip]), na_in=na / area * 1e12,
                 k_out=kk / area * 1e12, na_fraction=na / float(content[0]),
                 k_fraction=kk / float(content[1]), pump_restore_s=restore)
