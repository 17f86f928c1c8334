"""Fitting a model to recorded resting potentials, sensitivities, and the K_o experiment.

``from vrest.fit import fit`` fits (see :mod:`.fitting`); :mod:`.sensitivity` and
:mod:`.experiment` hold the other two analyses and :mod:`.plot` their figures.
"""

from vrest.fit.fitting import (
    FitParameter,
    FitResult,
    GHKModel,
    Recording,
    SteadyModel,
    bath_per_point,
    fit,
    read_recording,
    recording_from_frame,
)

__all__ = ["FitParameter", "FitResult", "GHKModel", "Recording", "SteadyModel", "bath_per_point",
           "fit", "read_recording", "recording_from_frame"]
