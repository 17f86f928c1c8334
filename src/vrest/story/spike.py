"""The story's appendix "the spike": the action potential built by the same ions as the
resting potential, in one cell (the squid axon of Hodgkin & Huxley, preset ``squid_hh``).

It answers, with computed numbers, what learners ask once they have the resting potential:
does the pump make the spike? how many ions cross per spike? why do old papers write the
potential with the other sign?
"""

from __future__ import annotations

from typing import Any

from vrest.model.presets.cells import load_cell
from vrest.model.protocol import Protocol, pulse, train
from vrest.solve.simulate import simulate
from vrest.solve.spikes import analyse_spike

PRESET = "squid_hh"
T_STIM = 0.010  # s
N_TRAIN = 20  # spikes at 50 Hz


def appendix(preset: str = PRESET) -> dict[str, Any]:
    """Every number of the appendix: one spike with and without the pump, and a train of 20."""
    cell = load_cell(preset)
    one = Protocol(name="spike", events=pulse(T_STIM, 10.0, 0.001), t_end=0.040, dt=1e-5)
    spike = analyse_spike(simulate(cell, one, rtol=1e-8), T_STIM)
    blocked = analyse_spike(simulate(cell.with_parameters({"pump.scale": 0.0}), one, rtol=1e-8),
                            T_STIM)
    twenty = Protocol(name="train", events=train(T_STIM, 10.0, 0.001, N_TRAIN, 0.02),
                      t_end=T_STIM + 0.02 * N_TRAIN, dt=0.01)
    tc = simulate(cell, twenty, rtol=1e-6)
    rest = spike.rest_mV
    return {"preset": preset, "temperature_C": cell.temperature, "rest_mV": rest,
            "spike": spike.as_dict(), "pump_blocked": blocked.as_dict(),
            "train": {"spikes": N_TRAIN, "Na_i_before_mM": float(tc.c_in[0, 0, 0]),
                      "Na_i_after_mM": float(tc.c_in[-1, 0, 0]),
                      "E_Na_before_mV": float(tc.E[0, 0, 0]), "E_Na_after_mV": float(tc.E[-1, 0, 0])},
            "hh_sign": {"peak_1952_mV": -(spike.peak_mV - rest), "ahp_1952_mV": -(spike.ahp_mV - rest)}}


def text(d: dict[str, Any]) -> str:
    """The appendix in words, every number computed."""
    s, b, tr, hh = d["spike"], d["pump_blocked"], d["train"], d["hh_sign"]
    return "\n".join([
        f"Appendix: the spike (preset {d['preset']}, {d['temperature_C']:g} degC; a 10 uA/cm^2, "
        "1 ms pulse)",
        f"  V rests at {d['rest_mV']:.1f} mV, crosses threshold at {s['threshold_mV']:.1f} mV, peaks "
        f"at {s['peak_mV']:+.1f} mV, falls to {s['ahp_mV']:.1f} mV (after-hyperpolarisation); "
        f"half-height width {s['width_ms']:.2f} ms.",
        "Does the pump make the spike?",
        f"  No. With the pump blocked the spike peaks at {b['peak_mV']:+.1f} mV (with it: "
        f"{s['peak_mV']:+.1f} mV). The spike spends gradients; the pump rebuilds them, slowly.",
        "How many ions cross per spike?",
        f"  {s['na_in']:.3g} pmol/cm^2 of Na+ in and {s['k_out']:.3g} pmol/cm^2 of K+ out: "
        f"{s['na_fraction']:.1e} of the axon's Na+ and {s['k_fraction']:.1e} of its K+. The pump, "
        f"at its resting rate, needs {s['pump_restore_s']:.2g} s to move that Na+ back out.",
        f"  After {tr['spikes']} spikes (50 Hz) Na_i went from {tr['Na_i_before_mM']:.3f} to "
        f"{tr['Na_i_after_mM']:.3f} mM and E_Na from {tr['E_Na_before_mV']:+.2f} to "
        f"{tr['E_Na_after_mV']:+.2f} mV: the resting potential's gradients barely move.",
        "Why do old papers write the potential with the other sign?",
        "  Hodgkin & Huxley (1952) measured V as the displacement from rest, positive when the "
        f"membrane hyperpolarises: this peak is {hh['peak_1952_mV']:+.1f} mV and this "
        f"after-hyperpolarisation {hh['ahp_1952_mV']:+.1f} mV in their convention (E_Na was "
        "-115 mV, E_K +12 mV). vrest uses today's: V = inside minus outside.",
    ]) + "\n"
