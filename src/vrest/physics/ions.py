"""Ion species: names and valences."""

from __future__ import annotations

from dataclasses import dataclass

from vrest.errors import ParameterError, unknown


@dataclass(frozen=True)
class Ion:
    """An ion species. ``valence`` is the charge number z (non-zero)."""

    name: str
    valence: int

    def __post_init__(self) -> None:
        if self.valence == 0:
            raise ParameterError(f"ion {self.name}: valence 0 is not allowed; z must be non-zero")


NA = Ion("Na", 1)
K = Ion("K", 1)
CL = Ion("Cl", -1)
CA = Ion("Ca", 2)

#: The permeant ions vrest models, in state order.
STANDARD: tuple[Ion, ...] = (NA, K, CL, CA)
_BY_NAME = {ion.name.lower(): ion for ion in STANDARD}
_ALIASES = {"na+": NA, "k+": K, "cl-": CL, "ca2+": CA, "ca++": CA, "sodium": NA,
            "potassium": K, "chloride": CL, "calcium": CA}


def get(name: str | Ion) -> Ion:
    """Return the standard ion called ``name`` (case-insensitive; 'K', 'K+', 'potassium')."""
    if isinstance(name, Ion):
        return name
    key = str(name).strip().lower()
    ion = _BY_NAME.get(key) or _ALIASES.get(key)
    if ion is None:
        raise unknown("ion", name, [i.name for i in STANDARD])
    return ion


def valence(name: str | Ion) -> int:
    """Valence of a standard ion."""
    return get(name).valence
