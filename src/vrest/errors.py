"""Exceptions. Every message names the input, its value and what is allowed."""

from __future__ import annotations


class VrestError(Exception):
    """Base class for every error vrest raises on purpose."""


class ParameterError(VrestError, ValueError):
    """A value is missing, malformed, non-physical or out of range."""


class UnknownNameError(VrestError, KeyError):
    """A name (ion, preset, parameter, mechanism, protocol) is not known.

    The message lists the valid names.
    """

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class PresetError(VrestError):
    """A preset or protocol file cannot be read or is invalid."""


class SolverError(VrestError):
    """A solver failed; the message gives the time, the state and the likely cause."""


class NoSteadyStateError(VrestError):
    """The model has no finite steady state (e.g. the cell swells without bound)."""


def unknown(kind: str, name: object, valid: list[str] | tuple[str, ...]) -> UnknownNameError:
    """Build an UnknownNameError listing the valid names (a long name is shown shortened)."""
    shown = repr(name) if len(repr(name)) <= 62 else repr(str(name)[:57] + "...")
    return UnknownNameError(f"unknown {kind} {shown}; valid: {', '.join(sorted(valid))}")
