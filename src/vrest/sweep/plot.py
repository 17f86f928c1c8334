"""Figures of a finished sweep (matplotlib, imported lazily).

``plot_sweep(DIR, x, y, color, out)`` picks the figure that fits the columns:

- a **heatmap** when ``x`` and ``y`` are two varied inputs on a full grid and ``color`` is an
  output (e.g. V over K_o and P_Na);
- **lines** of ``y`` against ``x`` when ``x`` is a varied input: one line per value of
  ``color`` (or of the other varied inputs), coloured by that value;
- a **scatter** otherwise (e.g. random or Latin-hypercube samples).

Failed cells are never drawn as values: they are left blank (heatmap) or marked with grey
crosses at the bottom of the axes, and counted in the title. Varied inputs spaced
logarithmically get logarithmic axes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from vrest.errors import ParameterError, unknown
from vrest.sweep.store import read, read_meta


def plot_sweep(directory: str | Path, x: str, y: str, color: str | None,
               out: str | Path) -> str:
    """Write a figure of sweep ``directory`` to ``out``; return its kind."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table, meta = read(directory), read_meta(directory)
    for name in (x, y, color):
        if name is not None and name not in table.columns:
            raise unknown("column", name, [c for c in table.columns if c not in ("status", "message")])
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    for name in (x, y, color):
        if name is not None and not (is_numeric_dtype(table[name]) or is_bool_dtype(table[name])):
            raise ParameterError(f"{name}: the column holds text, not numbers; choose a numeric one")
    inputs = [v["name"] for v in meta["spec"]["vary"]]
    ctx = _Context(table, meta, inputs)
    fig, ax = plt.subplots(figsize=(7.0, 5.0), layout="constrained")
    if color and x in inputs and y in inputs and color not in inputs and ctx.is_grid(x, y):
        kind = _heatmap(fig, ax, ctx, x, y, color)
    elif x in inputs and (color is None or color in inputs):
        kind = _lines(fig, ax, ctx, x, y, color)
    else:
        kind = _scatter(fig, ax, ctx, x, y, color)
    ax.set_xlabel(ctx.label(x))
    ax.set_ylabel(ctx.label(y))
    for name, setter in ((x, ax.set_xscale), (y, ax.set_yscale)):
        if name in meta.get("log_inputs", []):
            setter("log")
    failed = int((table["status"] != "ok").sum())
    title = f"{meta['spec'].get('name', 'sweep')}: {len(table):,} cells"
    ax.set_title(title + (f", {failed:,} failed (not drawn)" if failed else ""))
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return kind


class _Context:
    """The table with its units and which cells succeeded."""

    def __init__(self, table: Any, meta: dict[str, Any], inputs: list[str]) -> None:
        self.table, self.meta, self.inputs = table, meta, inputs
        self.ok = (table["status"] == "ok").to_numpy()

    def label(self, name: str) -> str:
        unit = self.meta.get("columns", {}).get(name, "")
        shown = unit and unit not in ("1", "bool") and f"_{unit}" not in name
        return f"{name} ({unit})" if shown else name

    def values(self, name: str) -> Any:
        return self.table[name].to_numpy(dtype=float)

    def is_grid(self, x: str, y: str) -> bool:
        """Every (x, y) pair present exactly once."""
        pairs = self.table[[x, y]].drop_duplicates()
        nx, ny = self.table[x].nunique(), self.table[y].nunique()
        return len(pairs) == len(self.table) == nx * ny and nx > 1 and ny > 1


def _heatmap(fig: Any, ax: Any, ctx: _Context, x: str, y: str, color: str) -> str:
    grid = ctx.table.pivot(index=y, columns=x, values=color).astype(float)
    failed = ctx.table.pivot(index=y, columns=x, values="status") != "ok"
    z = np.ma.masked_where(failed.to_numpy() | ~np.isfinite(grid.to_numpy()), grid.to_numpy())
    mesh = ax.pcolormesh(_edges(grid.columns.to_numpy(float), x in ctx.meta.get("log_inputs", [])),
                         _edges(grid.index.to_numpy(float), y in ctx.meta.get("log_inputs", [])),
                         z, shading="flat", cmap="viridis")
    fig.colorbar(mesh, ax=ax, label=ctx.label(color))
    return "heatmap"


def _edges(centres: Any, log: bool) -> Any:
    """Cell edges around sorted centres (geometric means on a log axis)."""
    c = np.log(centres) if log else centres
    if c.size == 1:
        mid = np.array([c[0] - 0.5, c[0] + 0.5])
    else:
        inner = 0.5 * (c[1:] + c[:-1])
        mid = np.concatenate([[2 * c[0] - inner[0]], inner, [2 * c[-1] - inner[-1]]])
    return np.exp(mid) if log else mid


def _lines(fig: Any, ax: Any, ctx: _Context, x: str, y: str, color: str | None) -> str:
    import matplotlib as mpl

    others = [c for c in ctx.inputs if c != x] if color is None else [color]
    groups = ctx.table.groupby(others, sort=True) if others else [((), ctx.table)]
    keys = [k for k, _ in groups]
    shade = np.arange(len(keys), dtype=float) if not others else \
        np.array([k[0] if isinstance(k, tuple) else k for k in keys], dtype=float)
    log = bool(others) and others[0] in ctx.meta.get("log_inputs", []) and np.all(shade > 0)
    norm = (mpl.colors.LogNorm if log else mpl.colors.Normalize)(shade.min(), max(shade.max(),
                                                                                 shade.min() + 1e-300))
    cmap = mpl.colormaps["viridis"]
    for (_, part), s in zip(groups, shade, strict=True):
        part = part.sort_values(x)
        good = part["status"] == "ok"
        ax.plot(part[x][good], part[y][good], color=cmap(norm(s)), lw=1.2)
        _mark_failed(ax, part[x][~good])
    if others and len(keys) > 1:
        fig.colorbar(mpl.cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax, label=ctx.label(others[0]))
    return "lines"


def _scatter(fig: Any, ax: Any, ctx: _Context, x: str, y: str, color: str | None) -> str:
    ok = ctx.ok
    c = ctx.values(color)[ok] if color else None
    sc = ax.scatter(ctx.values(x)[ok], ctx.values(y)[ok], c=c, s=8,
                    cmap="viridis" if color else None)
    if color:
        fig.colorbar(sc, ax=ax, label=ctx.label(color))
    _mark_failed(ax, ctx.values(x)[~ok])
    return "scatter"


def _mark_failed(ax: Any, xs: Any) -> None:
    if len(xs):
        ax.plot(xs, np.zeros(len(xs)), "x", color="0.5", transform=ax.get_xaxis_transform(),
                clip_on=False)
