"""Calibrated presets: the rates no table gives, solved so that a preset IS its own steady state.

A teaching preset states an inside composition (from a textbook table) and a bath. For the
model to keep that composition, every net ion flux must vanish there:

    J_Na = J_K = J_Cl = J_Ca = 0   at the stated c_in, c_out and V,

four equations. Their unknowns are the numbers of the preset marked ``source = "solved"``
(usually V, through ``inside.V0``, and the strengths of the Na/K pump, of the Cl- transporter
and of the Ca2+ extruder; for ``neuron37`` the inside Cl- instead of the Cl- transporter).
Every flux is proportional to its mechanism's strength, so with V fixed the strengths follow;
V is then the one value at which the pump's fixed 3 Na+ : 2 K+ matches what the leaks need.
The solution is found with :func:`scipy.optimize.root` and stored in the preset file with its
source; a test re-solves it (:func:`solve`) and checks the stored numbers.

Which transporter a preset needs is physics, not a choice: where V lies below E_Cl, the Cl-
leak drains Cl- from the cell and only an importer (NKCC1) keeps Cl_i; where V lies above
E_Cl, the leak loads Cl- and an extruder (KCC2) is needed. The same holds for Ca2+: NCX
extrudes Ca2+ only while V < E_NCX = 3 E_Na - 2 E_Ca; otherwise a Ca2+ pump (PMCA) must.
A solved strength that comes out negative means the preset has the wrong one; :func:`solve`
says so.

To regenerate the stored numbers after changing a preset::

    python -m vrest.model.presets.calibrate lecture exam   # or no names: every teaching preset

It prints each preset's :meth:`Calibration.summary`, the sentence its description must hold
(tests/model/test_calibrate.py checks it).
"""

from __future__ import annotations

import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import root

from vrest.errors import PresetError
from vrest.model.cell import Cell
from vrest.model.mechanisms.leak import GHKLeak
from vrest.model.presets import loader
from vrest.model.presets.cells import cell_from_preset
from vrest.model.rhs import I_V, N_ION, Model
from vrest.physics.zero_current import zero_current_potential

#: The teaching presets: each is its own steady state (its rates are calibrated here).
TEACHING_PRESETS: tuple[str, ...] = ("lecture", "exam", "squid", "mammalian", "muscle", "neuron37")
#: The source key that marks a solved number in a preset file.
SOLVED = "solved"
_MECH_NAMES = {"pump": "pump", "kcc2": "kcc2", "nkcc1": "nkcc1", "ncx": "ncx", "pmca": "pmca"}


@dataclass(frozen=True)
class Calibration:
    """The solved numbers of one preset and the steady state they give."""

    preset: str
    values: dict[str, float]  # dotted name -> solved value (public units)
    V: float  # mV, the steady V at the stated composition
    V_leaks: float  # mV, the GHK voltage of the leaks alone at the same composition
    residual: float  # largest net ion flux relative to that ion's gross flux

    @property
    def pump_share(self) -> float:
        """mV by which the electrogenic pumps' current moves V from the leaks' GHK voltage."""
        return self.V - self.V_leaks

    def summary(self) -> str:
        """One sentence for the preset's description."""
        side = "below" if self.pump_share < 0 else "above"
        return (f"V = {self.V:.2f} mV, {abs(self.pump_share):.2f} mV {side} the GHK voltage of "
                f"the leaks alone ({self.V_leaks:.2f} mV): that is the pumps' electrogenic share")


def solved_names(preset: loader.Preset) -> list[str]:
    """Dotted parameter names of the numbers the preset file marks as solved."""
    out = [f"inside.{ion}" for ion in preset.inside
           if preset.value_sources.get(f"inside.{ion}") == SOLVED]
    for dotted, key in preset.value_sources.items():
        if key == SOLVED and dotted.startswith("model."):
            out.append(_parameter_name(preset, dotted))
    return out


def _parameter_name(preset: loader.Preset, dotted: str) -> str:
    """'model.mechanism[3].i_max' -> 'pump.i_max'; 'model.inside.V0' -> 'inside.V0'."""
    if dotted.startswith("model.inside."):
        return "inside." + dotted.split(".")[2]
    match = re.fullmatch(r"model\.mechanism\[(\d+)\]\.(\w+)", dotted)
    if not match:
        raise PresetError(f"preset {preset.name}: {dotted} cannot be solved (only inside.* and "
                          "mechanism strengths can)")
    spec = preset.raw["model"]["mechanism"][int(match.group(1))]
    kind = spec["type"]
    name = f"leak.{spec['ion']}" if kind == "leak" else _MECH_NAMES.get(kind, kind)
    return f"{name}.{match.group(2)}"


def net_fluxes(cell: Cell, factors: dict[str, float] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Net and gross outward flux (mol/s) of Na, K, Cl, Ca at the cell's starting state, with
    the fluxes of the mechanisms named in ``factors`` multiplied by their factor."""
    model = Model(cell)
    obs = model.observe(model.y0)
    factors = factors or {}
    fluxes = [f[0, :N_ION] * factors.get(k, 1.0) for k, f in obs.fluxes.items()]
    return np.sum(fluxes, axis=0), np.sum(np.abs(fluxes), axis=0)


def _fluxes(base: Cell, names: list[str], scale: np.ndarray,
            x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Net and gross fluxes for unknowns x (in units of ``scale``). Every flux is proportional
    to its mechanism's strength, so a strength scales its mechanism's flux (and may go
    negative while the solver searches); inside.* numbers change the cell."""
    values = dict(zip(names, x * scale, strict=True))
    stored = base.values()
    rates = {n.rsplit(".", 1)[0]: v / stored[n] for n, v in values.items()
             if not n.startswith("inside.")}
    cell = base.with_parameters({n: v for n, v in values.items() if n.startswith("inside.")})
    return net_fluxes(cell, rates)


def _residual(base: Cell, names: list[str], scale: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Net fluxes relative to the gross fluxes, for unknowns x."""
    net, gross = _fluxes(base, names, scale, x)
    return net / gross


def _linear_start(base: Cell, names: list[str], scale: np.ndarray, x0: np.ndarray) -> np.ndarray:
    """The first guess with its strengths re-solved by least squares at the guessed V (fluxes
    are linear in strengths), so that a transporter running the wrong way shows up as a
    negative strength rather than as a failed search."""
    rate = np.array([not n.startswith("inside.") for n in names])
    zero = np.where(rate, 0.0, x0)
    f0, gross = _fluxes(base, names, scale, zero)[0], _fluxes(base, names, scale, x0)[1]
    columns = [_fluxes(base, names, scale, np.where(np.arange(len(names)) == i, 1.0, zero))[0] - f0
               for i in np.flatnonzero(rate)]
    r = np.linalg.lstsq(np.array(columns).T / gross[:, None], -f0 / gross, rcond=None)[0]
    out = x0.copy()
    out[rate] = r
    return out


def solve(name: str) -> Calibration:
    """Solve the preset's ``solved`` numbers from its steady-state conditions (from the stored
    values as the first guess). Raises PresetError when there is no physical solution."""
    preset = loader.load(name)
    names = solved_names(preset)
    if len(names) != N_ION:
        raise PresetError(f"preset {preset.name}: {len(names)} numbers are marked solved "
                          f"({', '.join(names) or 'none'}); the four net fluxes fix exactly four")
    base = cell_from_preset(preset)
    guess = np.array([base.values()[n] for n in names])
    scale = np.where(guess != 0, np.abs(guess), 1.0)
    start = _linear_start(base, names, scale, guess / scale)
    sol = root(lambda x: _residual(base, names, scale, x), start, method="lm",
               options={"xtol": 1e-15, "ftol": 1e-15})
    values = dict(zip(names, (float(v) for v in sol.x * scale), strict=True))
    residual = float(np.max(np.abs(_residual(base, names, scale, sol.x))))
    if residual > 1e-10:
        raise PresetError(f"preset {preset.name}: the steady-state conditions have no solution "
                          f"near the stored numbers ({sol.message})")
    _check_physical(preset.name, values)
    cell = base.with_parameters(values)
    return Calibration(preset.name, values, float(Model(cell).y0[0, I_V]), leak_voltage(cell),
                       residual)


def _check_physical(name: str, values: dict[str, float]) -> None:
    hints = {"kcc2": "V lies below E_Cl, so the Cl- leak drains Cl-: use NKCC1",
             "nkcc1": "V lies above E_Cl, so the Cl- leak loads Cl-: use KCC2",
             "ncx": "V lies above E_NCX = 3 E_Na - 2 E_Ca, so NCX imports Ca2+: add a PMCA"}
    for key, value in values.items():
        if key.startswith("inside.") or value > 0:
            continue
        mech = key.split(".")[0]
        raise PresetError(f"preset {name}: solving gives {key} = {value:g} (< 0): "
                          f"{hints.get(mech, 'this mechanism would have to run backwards')}")


def leak_voltage(cell: Cell) -> float:
    """GHK voltage (mV) of the cell's GHK leaks alone at its starting composition."""
    perm = {m.ion: m.P for m in cell.mechanisms if isinstance(m, GHKLeak)}
    if not perm:
        return math.nan
    inside = {ion: getattr(cell.inside, ion) for ion in perm}
    outside = {ion: getattr(cell.bath, ion) for ion in perm}
    return float(zero_current_potential(perm, inside, outside, cell.temperature + 273.15))


_VALUE = re.compile(r"^(\s*)(\w+)(\s*=\s*\{\s*value\s*=\s*)([-+0-9.eE]+)(\s*,\s*source\s*=\s*\""
                    + SOLVED + r"\".*)$")


def regenerate(name: str) -> Calibration:
    """Solve the preset and write the solved numbers back into its file (other lines kept)."""
    cal = solve(name)
    path = Path(str(loader.load(name).path))
    lines, section, mech = path.read_text(encoding="utf-8").split("\n"), "", ""
    for i, line in enumerate(lines):
        header = re.match(r"^\s*\[\[?([\w.]+)\]\]?\s*$", line)
        if header:
            section, mech = header.group(1), ""
            continue
        kind = re.match(r'^\s*(type|ion)\s*=\s*"(\w+)"', line)
        if kind:
            mech = (f"leak.{kind.group(2)}" if mech == "leak" else
                    _MECH_NAMES.get(kind.group(2), kind.group(2)))
            continue
        match = _VALUE.match(line)
        if match:
            owner = {"inside": "inside", "model.inside": "inside"}.get(section, mech)
            value = cal.values[f"{owner}.{match.group(2)}"]
            lines[i] = f"{match.group(1)}{match.group(2)}{match.group(3)}{value!r}{match.group(5)}"
    path.write_text("\n".join(lines), encoding="utf-8")
    return cal


def main(argv: list[str]) -> None:
    """Regenerate the named presets (default: every teaching preset) and print each summary."""
    for name in argv or TEACHING_PRESETS:
        cal = regenerate(name)
        print(f"{name}: {cal.summary()}; solved "
              + ", ".join(f"{k} = {v:.6g}" for k, v in cal.values.items()))


if __name__ == "__main__":
    main(sys.argv[1:])
