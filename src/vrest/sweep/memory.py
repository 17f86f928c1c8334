"""The memory a sweep chunk needs, estimated before the run, and the check against the machine.

The peak memory of one chunk grows with its cells and with the square of the model's state
size (the batched Jacobians). Per cell of a 10-variable model (RPL-1), measured with
``tracemalloc`` on chunks of examples/s1.toml (steady: 2.1 kB) and examples/s1_p1.toml
(protocol: 8.4 kB), rounded up: :data:`BYTES_PER_CELL`. A chunk whose estimate, times the
chunks computed at a time, exceeds the memory available is refused before anything is
computed, with the figure and the largest chunk_size that fits.
"""

from __future__ import annotations

import os

#: Peak bytes per cell of a chunk for a 10-variable state (measured, rounded up; see above).
BYTES_PER_CELL = {"steady": 2_500, "protocol": 10_000}
REFERENCE_STATE = 10


def chunk_bytes(kind: str, n_state: int, cells: int) -> int:
    """Estimated peak memory (bytes) of computing one chunk of ``cells`` cells."""
    per_cell = BYTES_PER_CELL.get(kind, max(BYTES_PER_CELL.values()))
    scale = max(1.0, (n_state / REFERENCE_STATE) ** 2)
    return int(per_cell * scale * cells)


def available_bytes() -> int | None:
    """Memory available to new work (MemAvailable on Linux), None when unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as info:
            for line in info:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (OSError, ValueError, AttributeError):
        return None


def _gb(n: float) -> str:
    return f"{n / 1e9:.2f} GB" if n >= 1e8 else f"{n / 1e6:.0f} MB"


def check(kind: str, n_state: int, chunk_size: int, at_once: int = 1,
          available: int | None = None) -> str | None:
    """Why chunks of ``chunk_size`` cells, ``at_once`` at a time, would not fit, else None."""
    available = available_bytes() if available is None else available
    if available is None:
        return None
    need = chunk_bytes(kind, n_state, chunk_size) * at_once
    if need <= available:
        return None
    fits = max(1, int(available / at_once / chunk_bytes(kind, n_state, 1)))
    return (f"chunk_size {chunk_size:,} needs about {_gb(need)} of memory ({at_once} chunk(s) "
            f"at a time), and {_gb(available)} is available; give a chunk_size of at most "
            f"{fits:,}")
