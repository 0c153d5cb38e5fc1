"""The phase-transition heatmap of a study: the outcome fraction over two grid axes.

Draws a :class:`mfverify.study.plot.SuccessGrid` (computed by
:func:`mfverify.study.plot.success_grid` from the study's results table): one cell per
(y, x) value pair, annotated with the fraction and the number of runs behind it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._figure import new_axes

__all__ = ["plot_study_heatmap"]


def plot_study_heatmap(grid: Any, *, ax: Any = None, title: str = "") -> Any:
    """Draw ``grid`` (fractions in [0, 1], NaN where a cell has no run).

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = new_axes(ax, (1.6 + 0.9 * len(grid.xs), 1.4 + 0.6 * len(grid.ys)))
    im = ax.imshow(grid.fraction, vmin=0.0, vmax=1.0, cmap="viridis", aspect="auto",
                   origin="lower")
    for i in range(len(grid.ys)):
        for j in range(len(grid.xs)):
            v = grid.fraction[i, j]
            ax.text(j, i, "–" if np.isnan(v) else f"{v:.2f}\n({grid.runs[i, j]})",
                    ha="center", va="center", fontsize=7,
                    color="black" if np.isnan(v) or v > 0.6 else "white")
    ax.set_xticks(range(len(grid.xs)), [str(v) for v in grid.xs])
    ax.set_yticks(range(len(grid.ys)), [str(v) for v in grid.ys] if grid.y else [""])
    ax.set_xlabel(grid.x)
    ax.set_ylabel(grid.y)
    ax.set_title(title or f"P({grid.outcome})")
    ax.figure.colorbar(im, ax=ax, label=f"fraction {grid.outcome}")
    return ax
