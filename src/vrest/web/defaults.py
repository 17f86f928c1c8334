"""Defaults of ``vrest serve`` (here, with no imports, so that building the command line's
parser does not load the server's machinery)."""

#: Seconds of wall time per request, computations at a time, waiting requests.
DEFAULT_SECONDS = 10.0
DEFAULT_WORKERS = 2
DEFAULT_QUEUE = 16
