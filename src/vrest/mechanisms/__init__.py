"""Membrane mechanisms: each a small immutable value with explicit stoichiometry.

Every mechanism returns, for a batch of cells, the outward flux (mol/s) of each species in
``SPECIES`` (Na, K, Cl, Ca, X) and optional extra outputs (current, ATP rate, water flux).
"""

from vrest.mechanisms.anions import AnionSource
from vrest.mechanisms.base import SPECIES, Mechanism, MembraneState
from vrest.mechanisms.leak import GHKLeak, OhmicLeak
from vrest.mechanisms.pumps import PMCA, NaKPump
from vrest.mechanisms.transporters import KCC2, NCX, NKCC1, Transporter
from vrest.mechanisms.water import Water

__all__ = [
    "KCC2",
    "NCX",
    "NKCC1",
    "PMCA",
    "SPECIES",
    "AnionSource",
    "GHKLeak",
    "Mechanism",
    "MembraneState",
    "NaKPump",
    "OhmicLeak",
    "Transporter",
    "Water",
]
