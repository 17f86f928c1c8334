"""Recordings of V against the bath composition: the table (CSV or DataFrame) read and
checked, and the bath at each recorded point (isosmotic replacement of Na by K when asked).
"""


from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from vrest.errors import ParameterError, unknown

FloatArray = NDArray[np.float64]
IONS = ("Na", "K", "Cl", "Ca")
BATH_COLUMNS = {"K": "K_o_mM", "Na": "Na_o_mM", "Cl": "Cl_o_mM", "Ca": "Ca_o_mM"}
REQUIRED_COLUMNS = ("K_o_mM", "V_mV")
SD_COLUMN = "V_sd_mV"


REPLACE_CHOICES = ("Na",)


# ------------------------------------------------------------------------------------ data


@dataclass(frozen=True)
class Recording:
    """Recorded V (mV) at N bath compositions; ``bath`` holds the ions given in the data
    (K always), each (N,) in mM; ``V_sd`` (N,) mV or None."""

    bath: dict[str, FloatArray]
    V: FloatArray
    V_sd: FloatArray | None = None
    source: str = "data"

    @property
    def n(self) -> int:
        return int(self.V.size)

    @property
    def K_o(self) -> FloatArray:
        return self.bath["K"]


def read_recording(source: str | Path | Any) -> Recording:
    """Read and check a recording: a CSV path, a file object or a pandas DataFrame."""
    import pandas as pd

    if isinstance(source, pd.DataFrame):
        return recording_from_frame(source, "data")
    label = str(source) if isinstance(source, str | Path) else "data"
    if isinstance(source, str | Path) and not Path(source).is_file():
        raise ParameterError(f"DATA: {label!r} is not a file; give a CSV with columns "
                             f"{', '.join(REQUIRED_COLUMNS)}")
    try:
        frame = pd.read_csv(source, comment="#", skipinitialspace=True, dtype=str,
                            keep_default_na=False)
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ParameterError(f"DATA {label}: cannot be read as CSV ({exc})") from None
    return recording_from_frame(frame, label)


def recording_from_frame(frame: Any, source: str = "data") -> Recording:
    """Check a table of recordings (see the module docstring for the columns)."""
    columns = [str(c).strip() for c in frame.columns]
    frame = frame.set_axis(columns, axis=1)
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise ParameterError(
            f"DATA {source}: missing column(s) {', '.join(missing)}; required "
            f"{', '.join(REQUIRED_COLUMNS)}, optional {', '.join(list(BATH_COLUMNS.values())[1:])},"
            f" {SD_COLUMN}; found {', '.join(columns) or 'no columns'}")
    if len(frame) == 0:
        raise ParameterError(f"DATA {source}: no data rows")
    bath = {ion: _column(frame, col, source, lo_open=0.0)
            for ion, col in BATH_COLUMNS.items() if col in columns}
    v = _column(frame, "V_mV", source)
    sd = _column(frame, SD_COLUMN, source, lo_open=0.0) if SD_COLUMN in columns else None
    return Recording(bath=bath, V=v, V_sd=sd, source=source)


def _column(frame: Any, name: str, source: str, lo_open: float | None = None) -> FloatArray:
    """Column ``name`` as floats: every entry a finite number (> lo_open when given)."""
    out = np.empty(len(frame))
    for row, text in enumerate(frame[name].tolist(), start=1):
        where = f"DATA {source}, data row {row}, column {name}"
        try:
            value = float(str(text).strip())
        except ValueError:
            shown = "is empty" if not str(text).strip() else f"{text!r} is not a number"
            raise ParameterError(f"{where}: {shown}") from None
        if not math.isfinite(value):
            raise ParameterError(f"{where}: {text!r} is not allowed; give a finite number")
        if lo_open is not None and value <= lo_open:
            unit = "mV" if name == SD_COLUMN else "mM"
            raise ParameterError(f"{where}: {value:g} {unit} is not allowed; it must be > 0 {unit}")
        out[row - 1] = value
    return out


def bath_per_point(k_o: FloatArray, reference: Mapping[str, float],
                   given: Mapping[str, FloatArray] | None = None,
                   replace: str | None = None) -> dict[str, FloatArray]:
    """Bath (mM, each ion (N,)) at each K_o: ions in ``given`` as given, others the
    ``reference`` (preset) value; with ``replace="Na"`` Na_o = Na_o,ref + K_o,ref - K_o."""
    given = dict(given or {})
    bath = {ion: np.full(k_o.shape, float(reference[ion])) for ion in IONS}
    bath.update({ion: np.asarray(v, dtype=float) for ion, v in given.items()})
    bath["K"] = np.asarray(k_o, dtype=float)
    if replace is None:
        return bath
    if replace not in REPLACE_CHOICES:
        raise unknown("ion for --replace", replace, list(REPLACE_CHOICES))
    if replace in given:
        raise ParameterError(f"--replace {replace}: the data already give {BATH_COLUMNS[replace]};"
                             f" use either the column or --replace, not both")
    bath[replace] = reference[replace] + reference["K"] - bath["K"]
    if np.any(bath[replace] <= 0):
        k_max = reference[replace] + reference["K"]
        bad = float(bath["K"][bath[replace] <= 0][0])
        raise ParameterError(
            f"--replace {replace}: K_o = {bad:g} mM cannot replace {replace}: {replace}_o would be "
            f"{reference[replace] + reference['K'] - bad:g} mM; allowed K_o < {k_max:g} mM")
    return bath


def describe_bath(given: Sequence[str], replace: str | None,
                  reference: Mapping[str, float]) -> dict[str, str]:
    """Where each bath ion's concentration comes from, in words."""
    out = {}
    for ion in ("K", "Na", "Cl", "Ca"):
        if ion == "K" or ion in given:
            out[ion] = f"from the data ({BATH_COLUMNS[ion]})"
        elif ion == replace:
            total = reference[ion] + reference["K"]
            out[ion] = (f"isosmotic replacement: {ion}_o = {total:g} mM - K_o "
                        f"(lowered as much as K_o is raised)")
        else:
            out[ion] = f"the preset's {reference[ion]:g} mM"
    return out
