"""Fitting a model to recorded resting potentials, sensitivities, and the K_o experiment.

``from vrest.fit import fit`` fits (:mod:`.fitting`; data in :mod:`.recording`, models in
:mod:`.models`, result in :mod:`.result`); :mod:`.sensitivity` and :mod:`.experiment` hold the
other two analyses and :mod:`.plot` their figures.
"""

from vrest.fit.fitting import fit
from vrest.fit.models import GHKModel, ParamInfo, SteadyModel, make_model
from vrest.fit.recording import Recording, bath_per_point, read_recording, recording_from_frame
from vrest.fit.result import FitParameter, FitResult

__all__ = ["FitParameter", "FitResult", "GHKModel", "ParamInfo", "Recording", "SteadyModel",
           "bath_per_point", "fit", "make_model", "read_recording", "recording_from_frame"]
