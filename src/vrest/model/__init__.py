"""The cell model: a Cell, its parameters and mechanisms, presets, protocols, and the state
layout with the right-hand side (:class:`vrest.model.rhs.Model`).

``from vrest.model import Model, I_V, I_X`` keeps working (the names of the former module).
"""

from vrest.model.rhs import I_V, I_X, Model

__all__ = ["I_V", "I_X", "Model"]
