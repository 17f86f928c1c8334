"""V against the bath K+ concentration, as done in a lab: acute (minutes) or steady (hours).

Hodgkin & Katz (1949, J Physiol 108:37-77) changed the bath K+ of a squid axon and read V within
minutes, while the inside was still what it had been: the ACUTE response. Here the cell starts
at its control steady state, the bath changes at t = 0, and V is read after ``read_after_s``
(default READ_AFTER_S = 2 min; the time course is integrated, so in a small cell the inside may
already have moved a little, which ``K_i_mM`` shows). The STEADY response is the cell's steady
state in each bath (hours: the inside re-equilibrates, one batched steady_state call).

Where the steady curve turns (V depolarises again as K_o falls), :func:`turn` finds it and the
numbers that explain it: the pump's rate depends on K_o (its outside K+ sites), so at low K_o it
slows, the inside loses K+ and gains Na+, and E_K and V follow.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from vrest.errors import ParameterError
from vrest.model.cell import Cell
from vrest.model.rhs import Model
from vrest.solve.simulate import simulate
from vrest.solve.steady import SteadyState

FloatArray = NDArray[np.float64]
# the module, not its function (vrest.solve re-exports a function of the same name): steady
# states are looked up at call time, so tests can replace them
_steady = importlib.import_module("vrest.solve.steady")
READ_AFTER_S = 120.0  # s: the acute reading, "within minutes" as in Hodgkin & Katz 1949
MODES = ("acute", "steady")
LABELS = {"acute": "acute: V read {t} after the bath change, from the control steady state",
          "steady": "steady: the cell's steady state in each bath (hours; the inside "
                    "re-equilibrates)"}


@dataclass(frozen=True)
class KoutCurve:
    """V (mV) at each bath (arrays (N,)); NaN where no value (``messages`` says why)."""

    mode: str
    bath: dict[str, FloatArray]
    V: FloatArray
    ok: NDArray[np.bool_]
    messages: list[str]
    K_i_mM: FloatArray
    Na_i_mM: FloatArray
    pump_pA: FloatArray | None
    control: dict[str, float]
    read_after_s: float | None
    turn: dict[str, float] | None = None
    label: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def K_o(self) -> FloatArray:
        return self.bath["K"]


def _label(mode: str, read_after_s: float) -> str:
    t = f"{read_after_s / 60:g} min" if read_after_s >= 60 else f"{read_after_s:g} s"
    return LABELS[mode].format(t=t)


def _control(cell: Cell, required: bool) -> tuple[SteadyState, dict[str, float]]:
    """The control steady state (NoSteadyStateError when ``required`` and there is none;
    otherwise NaN numbers)."""
    ss = _steady.steady_state(cell, raise_on_failure=required)
    if not bool(ss.converged[0]):
        nan = float("nan")
        return ss, {"V_mV": nan, "K_i_mM": nan, "Na_i_mM": nan, "K_o_mM": nan, "pump_pA": nan}
    pump = ss.current.get("pump")
    return ss, {"V_mV": float(ss.V[0]), "K_i_mM": float(ss.c_in[0, 1]),
                "Na_i_mM": float(ss.c_in[0, 0]), "K_o_mM": float(ss.c_out[0, 1]),
                "pump_pA": float(pump[0]) if pump is not None else float("nan")}


def kout_curve(cell: Cell, bath: dict[str, FloatArray], mode: str = "acute",
               read_after_s: float = READ_AFTER_S) -> KoutCurve:
    """V at each bath (``bath``: ion -> (N,) mM, K among them) in ``mode`` 'acute' or
    'steady' (module docstring)."""
    if mode not in MODES:
        raise ParameterError(f"mode: {mode!r} is not allowed; choose one of {', '.join(MODES)}")
    if not np.isfinite(read_after_s) or read_after_s <= 0:
        raise ParameterError(f"read after: {read_after_s:g} s is not allowed; it must be > 0 s")
    control_ss, control = _control(cell, required=mode == "acute")
    batch = {f"bath.{ion}": np.asarray(c, float) for ion, c in bath.items()}
    if mode == "steady":
        return _steady_curve(cell, bath, batch, control, read_after_s)
    model = Model(cell, batch)
    y0 = model.y0.copy()
    inner = model.layout.out.start
    y0[:, :inner] = control_ss.y[0, :inner]  # the inside as it was; the new bath outside
    tc = simulate(cell, t_end=read_after_s, t_eval=np.array([0.0, read_after_s]), batch=batch,
                  y0=y0)
    v = np.asarray(tc.V[-1], float)
    pump = tc.current.get("pump")
    ok = np.isfinite(v)
    return KoutCurve("acute", bath, v, ok, ["" if k else "not finite" for k in ok],
                     np.asarray(tc.c_in[-1, :, 1]), np.asarray(tc.c_in[-1, :, 0]),
                     None if pump is None else np.asarray(pump[-1]), control, read_after_s,
                     None, _label("acute", read_after_s))


def _steady_curve(cell: Cell, bath: dict[str, FloatArray], batch: dict[str, FloatArray],
            control: dict[str, float], read_after_s: float) -> KoutCurve:
    ss = _steady.steady_state(cell, batch=batch, raise_on_failure=False)
    eigs = ss.eigenvalues
    stable = np.array([np.all(np.real(e[np.isfinite(e)]) < 0) for e in eigs]) & ss.converged
    messages = []
    for i in range(stable.size):
        if not ss.converged[i]:
            messages.append(ss.message[i])
        elif not stable[i]:
            messages.append(f"the steady state found (V = {ss.V[i]:.2f} mV) is unstable, not a "
                            "resting state a recording would show")
        else:
            messages.append("")
    v = np.where(stable, ss.V, np.nan)
    pump = ss.current.get("pump")
    curve = KoutCurve("steady", bath, v, stable, messages, np.asarray(ss.c_in[:, 1]),
                      np.asarray(ss.c_in[:, 0]), None if pump is None else np.asarray(pump),
                      control, None, None, _label("steady", read_after_s))
    return KoutCurve(**{**curve.__dict__, "turn": turn(curve)})


def turn(curve: KoutCurve) -> dict[str, float] | None:
    """Where V stops falling as K_o falls (the lowest V is not at the lowest K_o): the K_o of
    the turn and the numbers at the lowest K_o against the control. None without a turn."""
    idx = np.flatnonzero(curve.ok)
    if idx.size < 3:
        return None
    k, v = curve.K_o[idx], curve.V[idx]
    order = np.argsort(k)
    k, v, idx = k[order], v[order], idx[order]
    i_min = int(np.argmin(v))
    if i_min == 0 or v[0] - v[i_min] < 0.01:
        return None
    low = int(idx[0])
    out = {"K_o_turn_mM": float(k[i_min]), "V_turn_mV": float(v[i_min]),
           "K_o_low_mM": float(k[0]), "V_low_mV": float(v[0]),
           "K_i_low_mM": float(curve.K_i_mM[low]), "Na_i_low_mM": float(curve.Na_i_mM[low]),
           **{f"{key}_control": val for key, val in curve.control.items()}}
    if curve.pump_pA is not None:
        out["pump_low_pA"] = float(curve.pump_pA[low])
        out["pump_low_rel"] = float(curve.pump_pA[low] / curve.control["pump_pA"])
    return out


def turn_text(t: dict[str, float]) -> str:
    """The turn of the steady curve, and why, in words (from :func:`turn`'s numbers)."""
    rel = t.get("pump_low_rel")
    if rel is not None and rel < 1.0:
        why = (f"so at low K_o the pump slows (it runs at {100 * rel:.0f}% of its control "
               "current); over hours the inside loses K+")
    else:
        pct = "" if rel is None else f" (it runs at {100 * rel:.0f}% of its control current)"
        why = ("so at low K_o each pump holds less K+ and keeps up only because Na+ inside has "
               f"risen{pct}; over hours the inside loses K+")
    return (f"The steady curve turns: below K_o = {t['K_o_turn_mM']:.3g} mM, V depolarises again "
            f"as K_o falls ({t['V_low_mV']:+.1f} mV at {t['K_o_low_mM']:.3g} mM against "
            f"{t['V_turn_mV']:+.1f} mV at {t['K_o_turn_mM']:.3g} mM). Why: the pump's K+ sites "
            f"face the bath, {why} ({t['K_i_low_mM']:.3g} mM against {t['K_i_mM_control']:.3g} mM "
            f"in the control) and gains Na+ ({t['Na_i_low_mM']:.3g} against "
            f"{t['Na_i_mM_control']:.3g} mM), and E_K and V follow. The acute curve (minutes) has "
            "no such turn: the inside has not changed yet.")
