"""The phase-transition heatmap of a study: the fraction of runs with a given outcome over two
grid axes, the other axes marginalized (pooled: every row of every cell counts once).

:func:`success_grid` computes the table (NumPy only); :func:`heatmap` draws it (matplotlib,
the ``[plot]`` extra).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError, UnsupportedError

__all__ = ["SuccessGrid", "success_grid", "heatmap"]


@dataclass
class SuccessGrid:
    """``fraction[i, j]`` = share of the ``runs[i, j]`` rows with ``y = ys[i]``, ``x = xs[j]``
    whose outcome is ``outcome`` (NaN where no row)."""

    x: str
    y: str
    xs: list[Any]
    ys: list[Any]
    fraction: np.ndarray
    runs: np.ndarray
    outcome: str


def _column(table: Any, axis: str) -> list[Any]:
    name = f"axis_{axis}"
    if name not in table.column_names:
        axes = [c[5:] for c in table.column_names if c.startswith("axis_")]
        raise InputError(f"{axis!r} is not a grid axis of this study; axes: {axes}")
    return table.column(name).to_pylist()


def success_grid(table: Any, x: str, y: str | None = None, *,
                 outcome: str = "global_min") -> SuccessGrid:
    """The outcome fraction over axes ``x`` (columns) and ``y`` (rows; None: one row)."""
    xv = _column(table, x)
    yv = _column(table, y) if y is not None else [None] * len(xv)
    labels = table.column("outcome").to_pylist()
    xs, ys = sorted(set(xv)), sorted(set(yv), key=lambda v: (v is None, v))
    hits = np.zeros((len(ys), len(xs)))
    runs = np.zeros((len(ys), len(xs)), dtype=np.int64)
    xi = {v: j for j, v in enumerate(xs)}
    yi = {v: i for i, v in enumerate(ys)}
    for a, b, lab in zip(xv, yv, labels, strict=True):
        runs[yi[b], xi[a]] += 1
        hits[yi[b], xi[a]] += lab == outcome
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(runs > 0, hits / np.maximum(runs, 1), np.nan)
    return SuccessGrid(x, y or "", xs, ys, frac, runs, outcome)


def heatmap(grid: SuccessGrid, path: str | Path, *, title: str = "") -> Path:
    """Draw ``grid`` (one cell per (y, x), annotated with the fraction and the run count)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:  # pragma: no cover - depends on the install
        raise UnsupportedError("--plot needs matplotlib: pip install 'mfverify[plot]'") from None
    fig, ax = plt.subplots(figsize=(1.2 + 0.9 * len(grid.xs), 1.2 + 0.6 * len(grid.ys)))
    im = ax.imshow(grid.fraction, vmin=0.0, vmax=1.0, cmap="viridis", aspect="auto",
                   origin="lower")
    for i in range(len(grid.ys)):
        for j in range(len(grid.xs)):
            v = grid.fraction[i, j]
            ax.text(j, i, "–" if np.isnan(v) else f"{v:.2f}\n({grid.runs[i, j]})",
                    ha="center", va="center", fontsize=7,
                    color="black" if not np.isnan(v) and v > 0.6 else "white")
    ax.set_xticks(range(len(grid.xs)), [str(v) for v in grid.xs])
    ax.set_yticks(range(len(grid.ys)), [str(v) for v in grid.ys] if grid.y else [""])
    ax.set_xlabel(grid.x)
    ax.set_ylabel(grid.y)
    ax.set_title(title or f"P({grid.outcome})")
    fig.colorbar(im, ax=ax, label=f"fraction {grid.outcome}")
    fig.tight_layout()
    out = Path(path)
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out
