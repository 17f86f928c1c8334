"""The package version, in one place (the CLI, reports, sweep stores and the web API show it)."""

__version__ = "0.1.0"
