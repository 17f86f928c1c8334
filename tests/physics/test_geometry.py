"""Geometry helpers: areas and volumes of simple shapes."""

from __future__ import annotations

import math

import numpy as np
import pytest

from vrest.errors import ParameterError
from vrest.physics import geometry as geo


def test_sphere():
    assert float(geo.sphere_area_um2(10)) == pytest.approx(4 * math.pi * 100)
    assert float(geo.sphere_volume_um3(10)) == pytest.approx(4 / 3 * math.pi * 1000)


def test_cylinder_with_and_without_caps():
    side = 2 * math.pi * 2 * 50
    assert float(geo.cylinder_area_um2(2, 50, caps=False)) == pytest.approx(side)
    assert float(geo.cylinder_area_um2(2, 50)) == pytest.approx(side + 2 * math.pi * 4)
    assert float(geo.cylinder_volume_um3(2, 50)) == pytest.approx(math.pi * 4 * 50)


def test_vectorised():
    r = np.array([1.0, 2.0, 3.0])
    assert np.allclose(geo.sphere_area_um2(r), 4 * np.pi * r**2)
    assert np.allclose(geo.cylinder_volume_um3(r, 10.0), np.pi * r**2 * 10)


def test_unit_conversions():
    assert float(geo.um2_to_m2(1e12)) == pytest.approx(1.0)
    assert float(geo.um3_to_m3(1e18)) == pytest.approx(1.0)


def test_geometry_constructors_and_si_properties():
    s = geo.Geometry.sphere(10)
    assert s.kind == "sphere"
    assert s.area_m2 == pytest.approx(4 * math.pi * 100e-12)
    assert s.volume_m3 == pytest.approx(4 / 3 * math.pi * 1000e-18)
    assert s.volume_L == pytest.approx(4 / 3 * math.pi * 1000e-15)
    assert s.area_cm2 == pytest.approx(4 * math.pi * 100e-8)
    assert s.surface_to_volume_per_um == pytest.approx(3 / 10)
    c = geo.Geometry.cylinder(1, 10, caps=False)
    assert c.kind == "cylinder (no caps)"
    assert c.area_um2 == pytest.approx(2 * math.pi * 10)
    e = geo.Geometry.explicit(500, 1000)
    assert (e.area_um2, e.volume_um3, e.kind) == (500.0, 1000.0, "explicit")


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: geo.sphere_area_um2(-1), "radius: -1 um"),
        (lambda: geo.sphere_volume_um3(0), "radius: 0 um"),
        (lambda: geo.cylinder_area_um2(1, float("nan")), "length"),
        (lambda: geo.Geometry.explicit(0, 10), "area"),
        (lambda: geo.Geometry.explicit(10, -1), "volume"),
        (lambda: geo.Geometry.sphere("big"), "not a number"),  # type: ignore[arg-type]
    ],
)
def test_bad_input(call, match):
    with pytest.raises(ParameterError, match=match):
        call()
