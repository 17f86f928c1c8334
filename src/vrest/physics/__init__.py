"""Physics: constants, ions, the closed-form equations, the shared kernels and cell geometry.

The ground layer of the science: nothing here knows about cells, mechanisms or solvers.
"""
