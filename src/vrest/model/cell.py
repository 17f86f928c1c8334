"""The cell: geometry, membrane, temperature, inside and bath composition, mechanisms.

A Cell is an immutable value. Every parameter has a stable dotted name with a unit
(``cell.parameters()``); ``cell.with_parameters({...})`` returns a changed copy.

Names: ``cell.temperature`` (degC), ``cell.capacitance`` (uF/cm^2), ``cell.radius``/``cell.length``
(um), ``cell.area`` (um^2), ``cell.volume`` (um^3); ``inside.Na`` ... ``inside.Ca`` (mM),
``inside.X`` (mM, trapped anions), ``inside.X_amount`` (fmol of trapped anions) or ``inside.V0``
(mV, the starting potential from which the
trapped-anion amount follows), ``inside.z_X`` (mean charge of trapped anions); ``bath.Na`` ...
``bath.Ca``, ``bath.X`` (mM, bath impermeant solute), ``bath.volume_ratio`` (bath volume over
cell volume; inf = infinite bath); and ``<mechanism>.<parameter>`` for each mechanism.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from vrest.errors import ParameterError, unknown
from vrest.model.mechanisms.base import Mechanism, check_choice
from vrest.model.parameters import UF_PER_CM2, UM, Parameter, ParamSpec
from vrest.physics.constants import ZERO_C

SHAPES = ("sphere", "cylinder", "explicit")
AREA_RULES = ("fixed", "isometric", "radial")
IONS = ("Na", "K", "Cl", "Ca")
#: The three ways of giving the trapped anions (exactly one is a parameter of a cell).
ANION_KEYS = ("inside.X", "inside.X_amount", "inside.V0")

_CONC = {ion: ParamSpec(ion, "mM", f"{ion} concentration", lo_open=True, hi=1e4) for ion in IONS}
_LEN = ParamSpec("length", "um", "", factor=UM, lo_open=True, hi=1e5)

CELL_SPECS: dict[str, ParamSpec] = {
    "cell.temperature": ParamSpec("cell.temperature", "degC", "temperature", offset=ZERO_C,
                                  lo=-ZERO_C, hi=400 - ZERO_C, lo_open=True),
    "cell.capacitance": ParamSpec("cell.capacitance", "uF/cm^2", "specific membrane capacitance",
                                  factor=UF_PER_CM2, lo_open=True, hi=100.0),
    "cell.radius": ParamSpec("cell.radius", "um", "radius (sphere or cylinder)", factor=UM,
                             lo_open=True, hi=1e5),
    "cell.length": ParamSpec("cell.length", "um", "cylinder length", factor=UM, lo_open=True,
                             hi=1e7),
    "cell.area": ParamSpec("cell.area", "um^2", "membrane area", factor=1e-12, lo_open=True,
                           hi=1e12),
    "cell.volume": ParamSpec("cell.volume", "um^3", "cell volume", factor=1e-18, lo_open=True,
                             hi=1e15),
}
INSIDE_SPECS: dict[str, ParamSpec] = {
    **{f"inside.{ion}": dataclasses.replace(s, name=f"inside.{ion}",
                                            description=f"{ion} inside at t = 0")
       for ion, s in _CONC.items()},
    "inside.X": ParamSpec("inside.X", "mM", "trapped (impermeant) anions inside at t = 0", hi=1e4),
    "inside.X_amount": ParamSpec("inside.X_amount", "fmol", "trapped anions inside (amount)",
                                 hi=1e12),
    "inside.V0": ParamSpec("inside.V0", "mV", "membrane potential at t = 0 (sets inside.X)",
                           factor=1e-3, lo=-1000.0, hi=1000.0),
    "inside.z_X": ParamSpec("inside.z_X", "1", "mean charge of a trapped anion", lo=-1000.0,
                            hi=-1e-6),
}
BATH_SPECS: dict[str, ParamSpec] = {  # 0 mM allowed: a bath without that ion (Na-free, ...)
    **{f"bath.{ion}": dataclasses.replace(s, name=f"bath.{ion}", description=f"{ion} in the bath",
                                          lo_open=False)
       for ion, s in _CONC.items()},
    "bath.X": ParamSpec("bath.X", "mM", "impermeant solute in the bath", hi=1e4),
    "bath.volume_ratio": ParamSpec("bath.volume_ratio", "1",
                                   "bath volume / cell volume (inf: infinite bath)", lo_open=True),
}


@dataclass(frozen=True)
class Geometry:
    """Cell shape. ``area_rule`` says how membrane area follows volume when water moves:
    ``fixed`` (membrane reserve), ``isometric`` (A ~ V^(2/3), the shape kept), ``radial``
    (cylinder whose length is fixed and radius follows volume)."""

    shape: str = "sphere"
    radius: float = 10.0  # um
    length: float = math.nan  # um, cylinder only
    end_caps: bool = True
    area: float = math.nan  # um^2, explicit only
    volume: float = math.nan  # um^3, explicit only
    area_rule: str = ""

    def __post_init__(self) -> None:
        check_choice(self.shape, "cell.shape", SHAPES)
        default_rule = {"sphere": "isometric", "cylinder": "radial", "explicit": "fixed"}[self.shape]
        rule = self.area_rule or default_rule
        check_choice(rule, "cell.area_rule", AREA_RULES)
        if rule == "radial" and self.shape != "cylinder":
            raise ParameterError("cell.area_rule: 'radial' needs shape 'cylinder'")
        object.__setattr__(self, "area_rule", rule)
        for key in self.names():
            CELL_SPECS[key].check(getattr(self, key.split(".")[1]), key)
        if self.shape == "explicit":
            self._check_explicit()

    def _check_explicit(self) -> None:
        # A sphere has the least area for its volume: anything smaller is impossible.
        min_area = (36.0 * math.pi * self.volume**2) ** (1.0 / 3.0)
        if self.area < min_area * (1 - 1e-9):
            raise ParameterError(
                f"cell.area: {self.area:g} um^2 is impossible for cell.volume {self.volume:g} um^3;"
                f" no closed surface holding that volume has less than {min_area:.4g} um^2 (a sphere)"
            )

    def names(self) -> tuple[str, ...]:
        """Dotted names of the geometric parameters this shape uses."""
        return {"sphere": ("cell.radius",), "cylinder": ("cell.radius", "cell.length"),
                "explicit": ("cell.area", "cell.volume")}[self.shape]

    def si(self, values: Mapping[str, Any]) -> tuple[Any, Any, Any]:
        """(area m^2, volume m^3, side-area fraction) for public ``values`` (maybe arrays)."""
        if self.shape == "sphere":
            r = np.asarray(values["cell.radius"], dtype=float) * UM
            return 4 * np.pi * r**2, 4 / 3 * np.pi * r**3, np.zeros_like(r)
        if self.shape == "cylinder":
            r = np.asarray(values["cell.radius"], dtype=float) * UM
            length = np.asarray(values["cell.length"], dtype=float) * UM
            side = 2 * np.pi * r * length
            caps = 2 * np.pi * r**2 if self.end_caps else 0.0 * r
            return side + caps, np.pi * r**2 * length, side / (side + caps)
        area = np.asarray(values["cell.area"], dtype=float) * 1e-12
        return area, np.asarray(values["cell.volume"], dtype=float) * 1e-18, np.zeros_like(area)


@dataclass(frozen=True)
class Inside:
    """Inside composition at t = 0 (mM) and the trapped anions: give exactly one of ``X`` (mM),
    ``X_amount`` (fmol) or ``V0`` (mV, from which the amount of trapped anions follows)."""

    Na: float = 12.0
    K: float = 140.0
    Cl: float = 7.0
    Ca: float = 1e-4
    X: float | None = None
    V0: float | None = -65.0
    z_X: float = -1.0
    X_amount: float | None = None

    def __post_init__(self) -> None:
        given = [k for k in ("X", "X_amount", "V0") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ParameterError(
                "inside: give exactly one of inside.X (mM of trapped anions), inside.X_amount "
                f"(fmol) or inside.V0 (mV); got {', '.join(given) or 'none'}"
            )
        for key, value in self.values().items():
            INSIDE_SPECS[key].check(value, key)

    def values(self) -> dict[str, float]:
        out = {f"inside.{ion}": float(getattr(self, ion)) for ion in IONS}
        key = next(k for k in ("X", "X_amount", "V0") if getattr(self, k) is not None)
        out[f"inside.{key}"] = float(getattr(self, key))
        out["inside.z_X"] = float(self.z_X)
        return out


@dataclass(frozen=True)
class Bath:
    """Bath composition (mM) and size."""

    Na: float = 145.0
    K: float = 3.5
    Cl: float = 119.0
    Ca: float = 1.2
    X: float = 0.0
    volume_ratio: float = math.inf

    def __post_init__(self) -> None:
        for key, value in self.values().items():
            BATH_SPECS[key].check(value, key)

    @property
    def infinite(self) -> bool:
        return math.isinf(self.volume_ratio)

    def values(self) -> dict[str, float]:
        out = {f"bath.{ion}": float(getattr(self, ion)) for ion in IONS}
        out["bath.X"] = float(self.X)
        out["bath.volume_ratio"] = float(self.volume_ratio)
        return out


@dataclass(frozen=True)
class Cell:
    """A single isopotential cell. Immutable; see the module docstring for parameter names."""

    geometry: Geometry = field(default_factory=Geometry)
    capacitance: float = 1.0  # uF/cm^2
    temperature: float = 37.0  # degC
    inside: Inside = field(default_factory=Inside)
    bath: Bath = field(default_factory=Bath)
    mechanisms: tuple[Mechanism, ...] = ()
    name: str = "cell"

    def __post_init__(self) -> None:
        CELL_SPECS["cell.capacitance"].check(self.capacitance, "cell.capacitance")
        CELL_SPECS["cell.temperature"].check(self.temperature, "cell.temperature")
        object.__setattr__(self, "mechanisms", tuple(self.mechanisms))
        seen: set[str] = set()
        for mech in self.mechanisms:
            if not isinstance(mech, Mechanism):
                raise ParameterError(f"mechanisms: {mech!r} is not a vrest mechanism")
            if mech.name in seen:
                raise ParameterError(f"mechanisms: two mechanisms are called {mech.name!r}")
            seen.add(mech.name)

    # -- parameters ---------------------------------------------------------------------------
    def specs(self) -> dict[str, ParamSpec]:
        """Spec of every parameter of this cell, by dotted name."""
        out = {"cell.temperature": CELL_SPECS["cell.temperature"],
               "cell.capacitance": CELL_SPECS["cell.capacitance"]}
        out.update({k: CELL_SPECS[k] for k in self.geometry.names()})
        out.update({k: INSIDE_SPECS[k] for k in self.inside.values()})
        out.update({k: BATH_SPECS[k] for k in self.bath.values()})
        for mech in self.mechanisms:
            for key in mech.values():
                spec = mech.SPECS[key]
                out[f"{mech.name}.{key}"] = dataclasses.replace(spec, name=f"{mech.name}.{key}")
        return out

    def values(self) -> dict[str, float]:
        """Value (public units) of every parameter, by dotted name."""
        out = {"cell.temperature": float(self.temperature),
               "cell.capacitance": float(self.capacitance)}
        out.update({k: float(getattr(self.geometry, k.split(".")[1])) for k in self.geometry.names()})
        out.update(self.inside.values())
        out.update(self.bath.values())
        for mech in self.mechanisms:
            out.update({f"{mech.name}.{k}": v for k, v in mech.values().items()})
        return out

    def parameters(self) -> dict[str, Parameter]:
        """Every parameter: dotted name -> Parameter(name, value, spec with unit)."""
        specs = self.specs()
        return {k: Parameter(k, v, specs[k]) for k, v in self.values().items()}

    def with_parameters(self, changes: Mapping[str, Any]) -> Cell:
        """A copy with parameters changed (dotted names, public units). ``inside.X`` and
        ``inside.X_amount`` and ``inside.V0`` replace each other. Options given as words
        (``pump.law``, ``pump.bound``, ``kcc2.law``, ``hh_na.kinetics``) take a string."""
        cell = self
        valid = self.specs()
        grouped: dict[str, dict[str, Any]] = {}
        for key, value in changes.items():
            if key not in valid and key not in ANION_KEYS and not self._accepts(key):
                raise unknown("parameter", key, list(valid))
            if isinstance(value, str) and key in valid:  # a word where a number belongs
                valid[key].check(value, key)
            grouped.setdefault(self._owner(key), {})[key] = value
        for owner, group in grouped.items():
            cell = cell._apply(owner, group)
        return cell

    def _accepts(self, key: str) -> bool:
        """Whether ``key`` names a mechanism's option (``pump.law``) or a parameter of a law
        not chosen now (``pump.s_Na``); listed parameters are checked by specs()."""
        return any(key.startswith(m.name + ".") and m.accepts(key[len(m.name) + 1:])
                   for m in self.mechanisms)

    def _owner(self, key: str) -> str:
        head = key.split(".")[0]
        if head in ("cell", "inside", "bath"):
            return head
        for mech in self.mechanisms:
            if key.startswith(mech.name + "."):
                return mech.name
        raise unknown("parameter", key, list(self.specs()))

    def _apply(self, owner: str, group: dict[str, Any]) -> Cell:
        local = {k.split(".", 1)[1] if owner in ("cell", "inside", "bath") else k[len(owner) + 1:]: v
                 for k, v in group.items()}
        if owner == "cell":
            geo = {k: float(v) for k, v in local.items() if k in ("radius", "length", "area", "volume")}
            rest = {k: float(v) for k, v in local.items() if k not in geo}
            return dataclasses.replace(self, geometry=dataclasses.replace(self.geometry, **geo), **rest)
        if owner == "inside":
            local = {k: float(v) for k, v in local.items()}
            given = [k for k in ("X", "X_amount", "V0") if k in local]
            if given:
                for other in ("X", "X_amount", "V0"):
                    local.setdefault(other, None)  # type: ignore[arg-type]
            return dataclasses.replace(self, inside=dataclasses.replace(self.inside, **local))
        if owner == "bath":
            return dataclasses.replace(
                self, bath=dataclasses.replace(self.bath, **{k: float(v) for k, v in local.items()}))
        mechs = tuple(m.with_values(local) if m.name == owner else m for m in self.mechanisms)
        return dataclasses.replace(self, mechanisms=mechs)

    # -- mechanisms ---------------------------------------------------------------------------
    def mechanism(self, name: str) -> Mechanism:
        """The mechanism called ``name``."""
        for mech in self.mechanisms:
            if mech.name == name:
                return mech
        raise unknown("mechanism", name, [m.name for m in self.mechanisms])

    def has(self, name: str) -> bool:
        """Whether a mechanism called ``name`` is present."""
        return any(m.name == name for m in self.mechanisms)

    def with_mechanisms(self, *mechs: Mechanism) -> Cell:
        """A copy with mechanisms added (or replaced, when one of the same name exists)."""
        names = {m.name for m in mechs}
        kept = tuple(m for m in self.mechanisms if m.name not in names)
        return dataclasses.replace(self, mechanisms=kept + tuple(mechs))

    def without(self, *names: str) -> Cell:
        """A copy without the named mechanisms (each must exist)."""
        for name in names:
            self.mechanism(name)
        return dataclasses.replace(
            self, mechanisms=tuple(m for m in self.mechanisms if m.name not in names))

    def scaled(self, name: str, factor: float) -> Cell:
        """A copy with mechanism ``name``'s rate multiplied by ``factor`` (0 blocks it)."""
        mech = self.mechanism(name)
        if "scale" not in mech.SPECS:
            raise ParameterError(f"{name}: this mechanism has no scale to change")
        return self.with_parameters({f"{name}.scale": float(mech.scale) * factor})  # type: ignore[attr-defined]

    def with_bath(self, **conc: float) -> Cell:
        """A copy with bath concentrations changed (mM), e.g. ``with_bath(K=10)``."""
        return self.with_parameters({f"bath.{k}": v for k, v in conc.items()})

    def describe(self) -> str:
        """A few lines describing the cell."""
        lines = [f"{self.name}: {self.geometry.shape}, {self.temperature:g} degC, "
                 f"C_m {self.capacitance:g} uF/cm^2"]
        lines += [f"  - {m.describe()}" for m in self.mechanisms]
        return "\n".join(lines)


def mechanism_names(mechs: Iterable[Mechanism]) -> list[str]:
    """Names of the given mechanisms."""
    return [m.name for m in mechs]
