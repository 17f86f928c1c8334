"""Build mechanisms from plain data (preset files, protocol files, the web API)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from vrest.errors import ParameterError, unknown
from vrest.model.mechanisms.anions import AnionSource
from vrest.model.mechanisms.base import Mechanism
from vrest.model.mechanisms.channels import HHPotassium, HHSodium
from vrest.model.mechanisms.exchangers import NCXSaturating
from vrest.model.mechanisms.leak import GHKLeak, OhmicLeak
from vrest.model.mechanisms.pumps import PMCA, NaKPump
from vrest.model.mechanisms.stimulus import CurrentClamp
from vrest.model.mechanisms.transporters import KCC2, NCC, NCX, NKCC1, Transporter
from vrest.model.mechanisms.water import Water


def _leak(d: dict[str, Any]) -> Mechanism:
    if "P" in d and "g" in d:
        raise ParameterError(f"leak {d.get('ion')}: give P (cm/s) or g (mS/cm^2), not both")
    if "g" in d:
        return OhmicLeak(**d)
    return GHKLeak(**d)


def _transporter(d: dict[str, Any]) -> Mechanism:
    stoich = d.pop("stoich", None)
    if not isinstance(stoich, Mapping):
        raise ParameterError("transporter.stoich: give a table ion -> ions moved out per cycle")
    return Transporter(stoich=tuple((k, float(v)) for k, v in stoich.items()), **d)


def _named(factory: Callable[..., Mechanism]) -> Callable[[dict[str, Any]], Mechanism]:
    def build(d: dict[str, Any]) -> Mechanism:
        return factory(U=d.pop("U", math.nan), g=d.pop("g", math.nan), **d)
    return build


def _ncx(d: dict[str, Any]) -> Mechanism:
    if d.get("law") == "tp06":
        d.pop("law")
        return NCXSaturating(**d)
    return _named(NCX)(d)


BUILDERS: dict[str, Callable[[dict[str, Any]], Mechanism]] = {
    "leak": _leak,
    "pump": lambda d: NaKPump(**d),
    "pmca": lambda d: PMCA(**d),
    "kcc2": _named(KCC2),
    "nkcc1": _named(NKCC1),
    "ncc": _named(NCC),
    "ncx": _ncx,
    "hh_na": lambda d: HHSodium(**d),
    "hh_k": lambda d: HHPotassium(**d),
    "current_clamp": lambda d: CurrentClamp(**d),
    "transporter": _transporter,
    "water": lambda d: Water(**d),
    "anion_source": lambda d: AnionSource(**d),
}


def build(spec: Mapping[str, Any]) -> Mechanism:
    """Build one mechanism from ``{"type": KIND, ...fields}``; unknown kinds or fields raise."""
    data = {k: v for k, v in spec.items() if k not in ("source", "sources")}
    kind = data.pop("type", None)
    if kind not in BUILDERS:
        raise unknown("mechanism type", kind, list(BUILDERS))
    try:
        return BUILDERS[kind](data)
    except TypeError as exc:
        raise ParameterError(f"mechanism {kind}: {exc}".replace(".__init__() ", " ")) from None
