"""All closed-form membrane equations in one namespace: ``vrest.equations`` (and
``vrest.physics.equations``) re-exports the topic modules, so ``from vrest.equations import
nernst`` keeps working.

Public functions use the units physiologists use: potentials in mV, concentrations in mM
(= mol/m^3), temperatures in K, permeabilities in cm/s, current densities in uA/cm^2, flux
densities in pmol cm^-2 s^-1, conductances in mS/cm^2, lengths in um, capacitance in uF/cm^2.
Kernels whose names end in ``_si`` work in SI (V, mol/m^3, m/s) and are shared with the dynamic
model, so that each equation exists once. Sign convention: V is inside minus outside; fluxes and
currents are positive outward.

Topics: :mod:`.nernst`, :mod:`.ghk`, :mod:`.zero_current` (GHK voltage, zero-current, chord
and Mullins-Noda potentials), :mod:`.donnan`, :mod:`.charge` (the membrane capacitor),
:mod:`.driving_force`; :mod:`.units` holds the unit factors and input checks.
"""

from vrest.physics.charge import ChargeBudget, charge_budget, membrane_charge, voltage_from_charge
from vrest.physics.donnan import DonnanResult, donnan, donnan_closed
from vrest.physics.driving_force import (
    DrivingForce,
    current_direction,
    driving_force,
    flux_direction,
)
from vrest.physics.ghk import bernoulli, ghk_chord_conductance, ghk_current, ghk_flux, ghk_flux_si
from vrest.physics.nernst import nernst, nernst_si, nernst_slope, thermal_voltage_mV
from vrest.physics.units import (
    A_M2_TO_UA_CM2,
    CM_S_TO_M_S,
    EQUILIBRIUM_TOL_MV,
    MOL_M2_S_TO_PMOL_CM2_S,
    UF_CM2_TO_F_M2,
    FloatArray,
    IonKey,
)
from vrest.physics.zero_current import (
    chord_potential,
    ghk_chord_conductances,
    ghk_voltage,
    mullins_noda,
    reversal_potentials,
    zero_current_potential,
)

__all__ = ['A_M2_TO_UA_CM2', 'CM_S_TO_M_S', 'ChargeBudget', 'DonnanResult', 'DrivingForce', 'EQUILIBRIUM_TOL_MV', 'FloatArray', 'IonKey', 'MOL_M2_S_TO_PMOL_CM2_S', 'UF_CM2_TO_F_M2', 'bernoulli', 'charge_budget', 'chord_potential', 'current_direction', 'donnan', 'donnan_closed', 'driving_force', 'flux_direction', 'ghk_chord_conductance', 'ghk_chord_conductances', 'ghk_current', 'ghk_flux', 'ghk_flux_si', 'ghk_voltage', 'membrane_charge', 'mullins_noda', 'nernst', 'nernst_si', 'nernst_slope', 'reversal_potentials', 'thermal_voltage_mV', 'voltage_from_charge', 'zero_current_potential']
