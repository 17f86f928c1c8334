"""Membrane mechanisms: each a small immutable value with explicit stoichiometry.

Every mechanism returns, for a batch of cells, the outward flux (mol/s) of each species in
``SPECIES`` (Na, K, Cl, Ca, X) and optional extra outputs (current, ATP rate, water flux).
"""

from vrest.model.mechanisms.anions import AnionSource
from vrest.model.mechanisms.base import SPECIES, Mechanism, MembraneState
from vrest.model.mechanisms.channels import HHPotassium, HHSodium
from vrest.model.mechanisms.exchangers import NCXSaturating
from vrest.model.mechanisms.leak import GHKLeak, OhmicLeak
from vrest.model.mechanisms.pumps import PMCA, NaKPump
from vrest.model.mechanisms.stimulus import CurrentClamp
from vrest.model.mechanisms.transporters import KCC2, NCC, NCX, NKCC1, Transporter
from vrest.model.mechanisms.water import Water

__all__ = [
    "KCC2",
    "NCC",
    "NCX",
    "NKCC1",
    "PMCA",
    "SPECIES",
    "AnionSource",
    "CurrentClamp",
    "GHKLeak",
    "HHPotassium",
    "HHSodium",
    "Mechanism",
    "MembraneState",
    "NCXSaturating",
    "NaKPump",
    "OhmicLeak",
    "Transporter",
    "Water",
]
