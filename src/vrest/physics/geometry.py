"""Cell geometry: membrane area and cell volume of simple shapes.

Lengths go in as micrometres (um). Functions whose names end in ``_um2``/``_um3`` return
um^2/um^3; :class:`Geometry` also gives the SI values (m^2, m^3) and the volume in litres.
All functions are pure and numpy-vectorised.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from vrest.physics import checks as _checks

FloatArray = NDArray[np.float64]

UM2_TO_M2 = 1e-12  # 1 um^2 = 1e-12 m^2
UM3_TO_M3 = 1e-18  # 1 um^3 = 1e-18 m^3
UM2_TO_CM2 = 1e-8  # 1 um^2 = 1e-8 cm^2
UM3_TO_L = 1e-15  # 1 um^3 = 1 fL = 1e-15 L


def _length(name: str, value: ArrayLike) -> FloatArray:
    return _checks.positive(name, value, unit=" um")


def sphere_area_um2(radius_um: ArrayLike) -> FloatArray:
    """Surface area 4 pi r^2 of a sphere, um^2 (radius in um)."""
    r = _length("radius", radius_um)
    return 4.0 * np.pi * r**2


def sphere_volume_um3(radius_um: ArrayLike) -> FloatArray:
    """Volume 4/3 pi r^3 of a sphere, um^3 (radius in um)."""
    r = _length("radius", radius_um)
    return 4.0 / 3.0 * np.pi * r**3


def cylinder_area_um2(radius_um: ArrayLike, length_um: ArrayLike, caps: bool = True) -> FloatArray:
    """Membrane area of a cylinder, um^2: 2 pi r L, plus 2 pi r^2 for the end caps if ``caps``.

    Without caps the cylinder is a piece of a longer process (e.g. an axon segment).
    """
    r = _length("radius", radius_um)
    length = _length("length", length_um)
    side = 2.0 * np.pi * r * length
    return side + 2.0 * np.pi * r**2 if caps else side


def cylinder_volume_um3(radius_um: ArrayLike, length_um: ArrayLike) -> FloatArray:
    """Volume pi r^2 L of a cylinder, um^3 (radius and length in um)."""
    r = _length("radius", radius_um)
    length = _length("length", length_um)
    return np.pi * r**2 * length


def um2_to_m2(area_um2: ArrayLike) -> FloatArray:
    """Convert um^2 to m^2."""
    return np.asarray(area_um2, dtype=float) * UM2_TO_M2


def um3_to_m3(volume_um3: ArrayLike) -> FloatArray:
    """Convert um^3 to m^3."""
    return np.asarray(volume_um3, dtype=float) * UM3_TO_M3


@dataclass(frozen=True)
class Geometry:
    """Membrane area (um^2) and cell volume (um^3) of an isopotential cell.

    Build it with :meth:`sphere`, :meth:`cylinder` or :meth:`explicit`; ``kind`` records which.
    """

    area_um2: float
    volume_um3: float
    kind: str = "explicit"

    def __post_init__(self) -> None:
        _checks.positive("area", self.area_um2, unit=" um^2")
        _checks.positive("volume", self.volume_um3, unit=" um^3")

    @classmethod
    def sphere(cls, radius_um: float) -> Geometry:
        """A sphere of radius ``radius_um`` (um)."""
        return cls(float(sphere_area_um2(radius_um)), float(sphere_volume_um3(radius_um)), "sphere")

    @classmethod
    def cylinder(cls, radius_um: float, length_um: float, caps: bool = True) -> Geometry:
        """A cylinder of radius and length in um, with or without its two end caps."""
        area = float(cylinder_area_um2(radius_um, length_um, caps))
        kind = "cylinder" if caps else "cylinder (no caps)"
        return cls(area, float(cylinder_volume_um3(radius_um, length_um)), kind)

    @classmethod
    def explicit(cls, area_um2: float, volume_um3: float) -> Geometry:
        """Any shape, given its membrane area (um^2) and volume (um^3)."""
        return cls(float(area_um2), float(volume_um3), "explicit")

    @property
    def area_m2(self) -> float:
        """Membrane area, m^2."""
        return self.area_um2 * UM2_TO_M2

    @property
    def area_cm2(self) -> float:
        """Membrane area, cm^2."""
        return self.area_um2 * UM2_TO_CM2

    @property
    def volume_m3(self) -> float:
        """Cell volume, m^3 (1 m^3 holds 1 mol per mM)."""
        return self.volume_um3 * UM3_TO_M3

    @property
    def volume_L(self) -> float:
        """Cell volume, litres."""
        return self.volume_um3 * UM3_TO_L

    @property
    def surface_to_volume_per_um(self) -> float:
        """Area / volume, 1/um (3/r for a sphere)."""
        return self.area_um2 / self.volume_um3
