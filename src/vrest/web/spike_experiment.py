"""The explorer's experiment "fire a spike": the action potential and the resting potential
built by the same ions in one cell (issue 17).

It runs on the page's cell when that cell has voltage-gated channels, otherwise on the squid
axon of Hodgkin & Huxley (preset ``squid_hh``): a current pulse (default 10 uA/cm^2 for 1 ms at
t = 10 ms), V(t) and the gates m, h, n, the Na+ and K+ that crossed in the spike against the
cell's content, the pump's time to move them back, and the same spike with the pump blocked.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import numpy as np
from numpy.typing import NDArray

from vrest.model.cell import Cell
from vrest.model.presets.cells import load_cell
from vrest.model.protocol import Protocol, pulse
from vrest.solve.simulate import simulate
from vrest.solve.spikes import analyse_spike
from vrest.web import course
from vrest.web.end_state import end_state

T_STIM, WIDTH, T_END = 0.010, 0.001, 0.040  # s


def spike_cell(cell: Cell) -> Cell:
    """The page's cell if it has voltage-gated channels, else the squid_hh preset."""
    return cell if any(m.GATED for m in cell.mechanisms) else load_cell("squid_hh")


def run(cell: Cell, exp: Any, amplitude: float, times: NDArray[np.float64]) -> dict[str, Any]:
    """The course report of the spike and the experiment's numbers and explanation."""
    cell = spike_cell(cell)
    grid = np.unique(np.concatenate([times[(times > 0) & (times <= T_END)],
                                     np.linspace(T_STIM - 5e-4, T_END, 1200)]))
    protocol = Protocol(name="fire_spike", events=pulse(T_STIM, amplitude, WIDTH), t_end=T_END)
    tc = simulate(cell, protocol, t_end=T_END, t_eval=grid, rtol=1e-8)
    out = course.course_report(tc, cell, tc.y[0, 0])
    numbers: dict[str, Any] = {"amplitude_uA_cm2": amplitude, "preset": cell.name}
    try:
        spike = analyse_spike(tc, T_STIM)
    except ValueError as exc:  # no spike: say so with the highest V reached
        numbers["fired"] = False
        text = f"No action potential: {exc}. A stronger or longer pulse is needed."
        gates = {}
    else:
        blocked = analyse_spike(simulate(cell.with_parameters({"pump.scale": 0.0})
                                         if cell.has("pump") else cell, protocol, t_end=T_END,
                                         t_eval=grid, rtol=1e-8), T_STIM)
        numbers.update(fired=True, **spike.as_dict(), peak_pump_blocked_mV=blocked.peak_mV)
        text = _explain(numbers)
        gates = {name: tc.y[:, 0, tc.names.index(name)].tolist()
                 for name in tc.names if name.endswith((".m", ".h", ".n"))}
    state, more = end_state(cell, out, tc)
    numbers.update(more)
    out["experiment"] = {**asdict(exp), "value": amplitude, "before": None, "numbers": numbers,
                         "explanation": f"{text} {state}", "curve": None, "gates": gates}
    return out


def _explain(n: dict[str, Any]) -> str:
    restore = n["pump_restore_s"]
    pump = (f"The pump, at its resting rate, needs {restore:.2g} s to move that Na+ back out."
            if np.isfinite(restore) else "This cell has no pump to move it back.")
    return (f"A {n['amplitude_uA_cm2']:g} uA/cm^2 pulse for 1 ms lifted V past threshold "
            f"({n['threshold_mV']:.1f} mV): Na+ channels opened (m), V shot to "
            f"{n['peak_mV']:+.1f} mV, then Na+ channels inactivated (h) and K+ channels opened (n), "
            f"bringing V down to {n['ahp_mV']:.1f} mV, below rest, before it recovered. In this "
            f"spike {n['na_in']:.3g} pmol/cm^2 of Na+ came in and {n['k_out']:.3g} pmol/cm^2 of K+ "
            f"went out: {n['na_fraction']:.1e} of the cell's Na+ and {n['k_fraction']:.1e} of its "
            f"K+, so the gradients, and the resting potential, hardly change. {pump} With the pump "
            f"blocked the spike is the same (peak {n['peak_pump_blocked_mV']:+.1f} mV): the pump "
            "is not the spike; it keeps the gradients the spikes spend.")
