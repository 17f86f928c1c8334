"""Physical constants (SI) and temperature helpers.

Values are the exact SI-defining constants of the 2019 SI redefinition as listed in
CODATA 2018 (Tiesinga et al., Rev. Mod. Phys. 93, 025010, 2021): e, N_A and k are exact,
so F = e N_A and R = k N_A are exact too.
"""

from __future__ import annotations

import numpy as np

from vrest.errors import ParameterError

E_CHARGE = 1.602176634e-19  # C, elementary charge (exact, SI 2019)
N_A = 6.02214076e23  # 1/mol, Avogadro constant (exact, SI 2019)
K_B = 1.380649e-23  # J/K, Boltzmann constant (exact, SI 2019)
F = E_CHARGE * N_A  # C/mol, Faraday constant = 96485.33212...
R = K_B * N_A  # J/(mol K), gas constant = 8.314462618...
ZERO_C = 273.15  # K, 0 degC

T_MIN_K = 0.0  # exclusive lower bound for temperatures, K
T_MAX_K = 400.0  # inclusive upper bound accepted for temperatures, K


def celsius_to_kelvin(t_c: float) -> float:
    """Convert degC to K."""
    return float(t_c) + ZERO_C


def kelvin_to_celsius(t_k: float) -> float:
    """Convert K to degC."""
    return float(t_k) - ZERO_C


def check_temperature(t_k: float, name: str = "temperature") -> float:
    """Return ``t_k`` (K) as float, or raise if it is not finite and within (0, 400] K."""
    try:
        value = float(t_k)
    except (TypeError, ValueError):
        raise ParameterError(f"{name}: {t_k!r} is not a number; give a temperature in K") from None
    if not np.isfinite(value) or value <= T_MIN_K or value > T_MAX_K:
        raise ParameterError(
            f"{name}: {value:g} K is outside the allowed range (0 K, 400 K]"
            f" (= -273.15 .. 126.85 degC)"
        )
    return value


def thermal_voltage(t_k: float) -> float:
    """RT/F in volts at temperature ``t_k`` (K)."""
    return R * check_temperature(t_k) / F
