"""Parsers for command-line values shared by every `vrest` command.

Temperatures are degC by default ("37") and kelvin with a K suffix ("310.15K");
concentrations are mM; ion lists are ``ION=VALUE`` items, repeatable and comma-separated
("K=140,Na=12" or "--in K=140 --in Na=12"). Every parser raises a VrestError subclass whose
message names the option, the offending text and what is allowed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

from vrest.errors import ParameterError, UnknownNameError
from vrest.physics import ions
from vrest.physics.constants import T_MAX_K, T_MIN_K, ZERO_C

_TEMPERATURE = re.compile(
    r"^\s*(?P<num>[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?)\s*(?P<unit>K|k|C|c|degC|°C)?\s*$"
)


def parse_number(text: str, option: str, unit: str = "") -> float:
    """A finite number, or ParameterError naming ``option``."""
    try:
        value = float(str(text).strip())
    except ValueError:
        raise ParameterError(
            f"{option}: {text!r} is not a number{f' (in {unit})' if unit else ''}"
        ) from None
    if not math.isfinite(value):
        raise ParameterError(f"{option}: {text!r} is not allowed; give a finite number")
    return value


def parse_temperature(text: str | float, option: str = "--temp") -> float:
    """Temperature text -> K. '37', '37C', '37 degC' are degC; '310.15K' is kelvin.

    Allowed range (0 K, 400 K] (= -273.15 .. 126.85 degC).
    """
    match = _TEMPERATURE.match(str(text))
    if not match:
        raise ParameterError(
            f"{option}: {text!r} is not a temperature; give degC (e.g. 37) or kelvin with a"
            f" K suffix (e.g. 310.15K)"
        )
    value = float(match["num"])
    if not math.isfinite(value):
        raise ParameterError(f"{option}: {str(text)[:40]!r} is not allowed; give a finite number")
    kelvin = (match["unit"] or "").lower() == "k"
    t_k = value if kelvin else value + ZERO_C
    if not (math.isfinite(t_k) and T_MIN_K < t_k <= T_MAX_K):
        shown = f"{value:g} K" if kelvin else f"{value:g} degC ({t_k:g} K)"
        raise ParameterError(
            f"{option}: {shown} is outside the allowed range (0 K, 400 K]"
            f" (= -273.15 .. 126.85 degC)"
        )
    return t_k


def _items(values: str | Iterable[str] | None) -> list[str]:
    if values is None:
        return []
    chunks = [values] if isinstance(values, str) else list(values)
    return [item.strip() for chunk in chunks for item in str(chunk).split(",") if item.strip()]


def _ion_name(text: str, option: str) -> str:
    try:
        return ions.get(text).name
    except UnknownNameError as exc:
        raise UnknownNameError(f"{option}: {exc}") from None


def parse_assignments(values: str | Iterable[str] | None, option: str) -> dict[str, float]:
    """``ION=VALUE`` items (repeatable, comma-separated) -> {canonical ion name: value}."""
    out: dict[str, float] = {}
    for item in _items(values):
        name, sep, number = item.partition("=")
        if not sep or not name.strip() or not number.strip():
            raise ParameterError(
                f"{option}: {item!r} is malformed; expected ION=VALUE[,ION=VALUE...],"
                f" e.g. K=140,Na=12"
            )
        out[_ion_name(name.strip(), option)] = parse_number(number, f"{option} {name.strip()}")
    return out


def parse_concentrations(values: str | Iterable[str] | None, option: str,
                         allow_zero: bool = False) -> dict[str, float]:
    """``ION=C`` items in mM; every C finite and in [MIN_MM, MAX_MM] (or 0 with
    ``allow_zero``: a bath without that ion)."""
    out = parse_assignments(values, option)
    for ion, c in out.items():
        _check_concentration(c, f"{option} {ion}", allow_zero)
    return out


#: Concentrations the calculators accept (mM): beyond them a ratio over- or underflows.
MIN_MM, MAX_MM = 1e-100, 1e6


def _check_concentration(value: float, where: str, allow_zero: bool = False) -> None:
    if value == 0 and allow_zero:
        return
    if value <= 0:
        raise ParameterError(f"{where}: {value:g} mM is not allowed; concentrations must be "
                             f"{'>= 0' if allow_zero else '> 0'} mM")
    if not MIN_MM <= value <= MAX_MM:
        raise ParameterError(f"{where}: {value:g} mM is outside the allowed range "
                             f"[{MIN_MM:g}, {MAX_MM:g}] mM")


def parse_concentration(text: str, option: str, allow_zero: bool = False) -> float:
    """One concentration in mM, finite and in [MIN_MM, MAX_MM] (or 0 with ``allow_zero``)."""
    value = parse_number(text, option, "mM")
    _check_concentration(value, option, allow_zero)
    return value


#: Largest permeability relative to P_K accepted (beyond it GHK's sums overflow).
MAX_PERM = 1e6


def parse_permeabilities(
    values: str | Iterable[str] | None, option: str = "--perm"
) -> dict[str, float]:
    """``ION=P`` items (e.g. 'K=1,Na=0.04,Cl=0.45'); every P finite, >= 0 and <= MAX_PERM."""
    out = parse_assignments(values, option)
    for ion, p in out.items():
        if not 0 <= p <= MAX_PERM:
            raise ParameterError(
                f"{option} {ion}: {p:g} is not allowed; permeabilities relative to P_K must be in"
                f" [0, {MAX_PERM:g}]"
            )
    return out


def parse_named(items: list[str] | None, option: str) -> dict[str, Any]:
    """``NAME=VALUE`` items (repeatable, comma-separated) -> {dotted name: float}; a word
    (letters and _) is kept as a string, for options such as ``pump.law=voltage``."""
    out: dict[str, Any] = {}
    for item in items or []:
        for part in (p.strip() for p in item.split(",")):
            if not part:
                continue
            name, sep, text = part.partition("=")
            if not sep or not name.strip() or not text.strip():
                raise ParameterError(f"{option}: {part!r} is malformed; expected NAME=VALUE, "
                                     f"e.g. {option} bath.K=10 (see `vrest params`)")
            word = text.strip()
            if word.replace("_", "").isalpha() and word.lower() not in ("inf", "nan", "infinity"):
                out[name.strip()] = word
                continue
            out[name.strip()] = parse_number(text, f"{option} {name.strip()}")
    return out


def load_cell_with_settings(args: Any) -> Any:
    """The cell of ``args.preset`` with every ``--set NAME=VALUE`` (``args.set``) applied."""
    from vrest.model.presets.cells import load_cell

    cell = load_cell(args.preset)
    settings = parse_named(args.set, "--set")
    return cell.with_parameters(settings) if settings else cell
