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

from vrest.errors import ParameterError, PresetError, unknown
from vrest.fit.csv_text import parse_csv
from vrest.model.files import read_text

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
    if isinstance(source, str | Path):
        if not Path(source).exists():
            raise ParameterError(f"DATA: {str(source)[:200]!r} is not a file; give a CSV with "
                                 f"columns {', '.join(REQUIRED_COLUMNS)}")
        try:
            text = read_text(source, "data")
        except PresetError as exc:
            raise ParameterError(str(exc)) from None
        label = str(source)
    else:
        text, label = str(source.read()), "data"
    header, rows, lines = parse_csv(text, label)
    frame = pd.DataFrame(rows, columns=header, dtype=str)
    frame.attrs["lines"] = lines
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
            f" {SD_COLUMN}; found {', '.join(columns)[:200] or 'no columns'}")
    if len(frame) == 0:
        raise ParameterError(f"DATA {source}: no data rows")
    lines = frame.attrs.get("lines")
    bath = {ion: _column(frame, col, source, LIMITS["mM"], lines)
            for ion, col in BATH_COLUMNS.items() if col in columns}
    v = _column(frame, "V_mV", source, LIMITS["V"], lines)
    sd = _column(frame, SD_COLUMN, source, LIMITS["sd"], lines) if SD_COLUMN in columns else None
    return Recording(bath=bath, V=v, V_sd=sd, source=source)


#: Allowed ranges of the recorded values: (low, high, low is open, unit).
LIMITS = {"mM": (0.0, 10_000.0, True, "mM"), "V": (-1_000.0, 1_000.0, False, "mV"),
          "sd": (1e-6, 1_000.0, False, "mV")}


def _column(frame: Any, name: str, source: str, limits: tuple[float, float, bool, str],
            lines: list[int] | None = None) -> FloatArray:
    """Column ``name`` as floats: every entry a finite number within ``limits``."""
    lo, hi, lo_open, unit = limits
    out = np.empty(len(frame))
    for row, text in enumerate(frame[name].tolist(), start=1):
        place = f"line {lines[row - 1]}" if lines else f"data row {row}"
        where = f"DATA {source}, {place}, column {name}"
        try:
            value = float(str(text).strip())
        except ValueError:
            shown = "is empty" if not str(text).strip() else f"{str(text)[:40]!r} is not a number"
            raise ParameterError(f"{where}: {shown}") from None
        if not math.isfinite(value):
            raise ParameterError(f"{where}: {str(text)[:40]!r} is not allowed; give a finite number")
        if value < lo or value > hi or (lo_open and value == lo):
            low = f"more than {lo:g}" if lo_open else f"at least {lo:g}"
            raise ParameterError(f"{where}: {value:g} {unit} is not allowed; it must be {low} and "
                                 f"at most {hi:g} {unit}")
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
