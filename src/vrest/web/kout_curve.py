"""The explorer's V-against-K_o curve: acute (the default, as Hodgkin and Katz measured it) and
steady, with the Nernst E_K and the GHK potential for comparison (computed by vrest.solve.kout).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from vrest.model.cell import Cell
from vrest.physics import equations as eq
from vrest.physics.constants import ZERO_C
from vrest.solve.kout import kout_curve, turn_text
from vrest.web import course

IONS = course.IONS
K_CURVE = np.geomspace(1.0, 100.0, 15)  # mM, K_o values of the curve


def k_curve(cell: Cell, control: Any) -> dict[str, Any]:
    """V over K_o, acute (V read READ_AFTER_S after the change, the inside as it was: the
    default, as Hodgkin and Katz measured it) and steady (hours), with the Nernst E_K and the
    GHK potential at the control cell's inside concentrations (vrest.solve.kout)."""
    ks = K_CURVE
    t_k = cell.temperature + ZERO_C
    inside = dict(zip(IONS, control.c_in[0].tolist(), strict=True))
    outside = dict(zip(IONS, control.c_out[0].tolist(), strict=True))
    bath = {ion: np.full(ks.shape, float(getattr(cell.bath, ion))) for ion in IONS}
    bath["K"] = ks
    acute = kout_curve(cell, bath, "acute")
    steady = kout_curve(cell, bath, "steady")
    nernst = eq.nernst(1, inside["K"], ks, t_k)
    perm, _ = course.leaks(cell)
    perm = {k: v for k, v in perm.items() if v > 0}
    ghk = None
    if perm:
        ghk = eq.zero_current_potential(perm, {i: inside[i] for i in perm},
                                        {i: (ks if i == "K" else outside[i]) for i in perm}, t_k)

    def values(curve: Any) -> list[float | None]:
        return [float(x) if ok and math.isfinite(x) else None
                for x, ok in zip(curve.V, curve.ok, strict=True)]

    v_acute, v_steady = values(acute), values(steady)
    slope = (v_acute[-1] - v_acute[-2]) / math.log10(ks[-1] / ks[-2]) \
        if None not in v_acute[-2:] else None
    return {"K_o": ks.tolist(), "default": "acute", "V_acute": v_acute, "V_steady": v_steady,
            "labels": {"acute": acute.label, "steady": steady.label},
            "read_after_s": acute.read_after_s,
            "E_K_steady": [float(e) for e in eq.nernst(1, steady.K_i_mM, ks, t_k)],
            "turn": steady.turn, "turn_text": None if steady.turn is None else turn_text(steady.turn),
            "nernst": np.asarray(nernst).tolist(),
            "GHK": None if ghk is None else np.asarray(ghk).tolist(),
            "slope_top_mV_per_decade": slope, "nernst_slope_mV": float(eq.nernst_slope(t_k))}
