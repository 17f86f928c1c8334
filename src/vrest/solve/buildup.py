"""The build-up from no gradients to the cell's rest, shared by the story and the explorer.

Start (the lecture's step 0): the inside holds the bath's concentrations, V = 0, every E = 0.
The bath's listed ions need not be neutral (a bath's HCO3-, phosphate, ... are not modelled), so
as much charge of impermeant 'other anions' sits inside too (at most the cell's own amount of
trapped anions). Then the cell makes the rest of ITS trapped anions (the amount and charge of
the preset's cell) over ``ANION_TIME_S``, each charge made with a K+ counter-ion (a cell makes
anions from neutral molecules), while every mechanism runs. With the same amount of trapped
anions, an infinite bath and the same mechanisms, the cell ends at the same steady state as the
preset's cell: its rest.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from vrest.errors import ParameterError, SolverError
from vrest.model.cell import Cell
from vrest.model.mechanisms import AnionSource
from vrest.model.protocol import Event, Protocol
from vrest.model.rhs import I_X, Model
from vrest.solve.results import TimeCourse
from vrest.solve.simulate import simulate
from vrest.solve.steady import SteadyState, steady_state

FloatArray = NDArray[np.float64]
ANION_TIME_S = 3600.0  # s over which the cell makes its anions (only the amount matters)


@dataclass(frozen=True)
class NoGradients:
    """The no-gradient start of ``cell`` and what the cell still has to make (mM of its
    starting volume)."""

    cell: Cell
    start_values: dict[str, float]  # the inside.* parameters of the start
    y0: FloatArray
    other_anions_mM: float  # impermeant anions at the start, for the bath's unlisted anions
    bath_charge_gap_mM: float  # charge of the bath's listed cations minus its listed anions
    Cl_inside_mM: float
    anions_final_mM: float  # the cell's own trapped anions
    anions_made_mM: float  # made during the build-up (with K+ counter-ions)
    z_x: float

    @property
    def counter_K_mM(self) -> float:
        """K+ brought in with the anions made (one per charge)."""
        return self.anions_made_mM * abs(self.z_x)

    def building_cell(self) -> Cell:
        """The complete cell plus the anion source (K+ counter-ions)."""
        return self.cell.with_mechanisms(
            AnionSource(rate=self.anions_made_mM / ANION_TIME_S, counter="K"))

    def protocol(self, t_end: float) -> Protocol:
        """The anion source runs for ANION_TIME_S, then stops."""
        return Protocol(name="build-up", events=(
            Event(t=ANION_TIME_S, remove=("anion_source",), label="anions made"),),
            t_end=max(float(t_end), ANION_TIME_S))


def no_gradients(cell: Cell) -> NoGradients:
    """The no-gradient start of ``cell`` (module docstring). ParameterError if the bath's
    listed anions exceed its cations (no neutral start)."""
    model = Model(cell)
    bath = cell.bath
    x_final = float(model.y0[0, I_X])
    z_x = float(model.z_x[0])
    zx = abs(z_x)
    cations = bath.Na + bath.K + 2.0 * bath.Ca
    gap = cations - bath.Cl
    x0 = min(max(gap / zx, 0.0), x_final)
    cl0 = cations - zx * x0
    if cl0 <= 0:
        raise ParameterError(f"preset {cell.name}: cannot make a neutral start without gradients; "
                             f"the bath's anions exceed its cations by {-gap:g} mM")
    values = {"inside.Na": bath.Na, "inside.K": bath.K, "inside.Ca": bath.Ca,
              "inside.Cl": cl0, "inside.X": x0}
    y0 = Model(cell.with_parameters(values)).y0[0]
    return NoGradients(cell, values, y0, x0, gap, cl0, x_final, x_final - x0, z_x)


def build_up(cell: Cell, t_end: float, t_eval: FloatArray | None = None,
             rtol: float | None = None) -> tuple[NoGradients, TimeCourse]:
    """Everything at once from no gradients (module docstring) for ``t_end`` s (at least
    ANION_TIME_S)."""
    start = no_gradients(cell)
    kwargs = {} if rtol is None else {"rtol": rtol}
    protocol = start.protocol(t_end)
    tc = simulate(start.building_cell(), protocol, t_end=protocol.t_end, t_eval=t_eval,
                  y0=start.y0, **kwargs)
    return start, tc


def build_up_to_rest(cell: Cell, tol_mV: float = 0.01, rtol: float | None = None,
                     points: int = 200) -> tuple[NoGradients, TimeCourse, SteadyState]:
    """:func:`build_up` until V is within ``tol_mV`` of the cell's steady state and every
    inside concentration within 1e-4 (relative) of it: t_end starts at ten slowest time
    constants (at least 2 ANION_TIME_S) and grows tenfold, up to six times. Returns the start,
    the last time course (``points`` log-spaced output times) and the steady state; SolverError
    when the rest is not reached."""
    ss = steady_state(cell)
    tau = ss.summary()["slowest_time_constant_s"] or 0.0
    t_end = max(2.0 * ANION_TIME_S, 10.0 * tau)
    for _ in range(6):
        times = np.concatenate([[0.0], np.geomspace(1e-4, t_end, points - 1)])
        start, tc = build_up(cell, t_end, t_eval=times, rtol=rtol)
        close_c = np.all(np.abs(np.log(tc.c_in[-1, 0] / ss.c_in[0])) < 1e-4)
        if abs(float(tc.V[-1, 0]) - float(ss.V[0])) < tol_mV and close_c:
            return start, tc, ss
        t_end *= 10.0
    raise SolverError(f"the build-up of {cell.name} did not reach its rest "
                      f"(V = {float(ss.V[0]):.3f} mV) within {t_end / 10:g} s: it ended at "
                      f"{float(tc.V[-1, 0]):.3f} mV")
