"""Solvers: simulation over a protocol (SciPy or the compiled path), the Jacobian, steady
states of one cell or of many at once, and the time-course results.

The public entry points are :func:`vrest.simulate` and :func:`vrest.steady_state`.
"""
