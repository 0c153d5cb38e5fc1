"""The tables behind a study's views (NumPy only), read from its results table.

* :func:`success_grid`: the fraction of runs with a given outcome over two grid axes, the other
  axes marginalized (pooled: every row of every cell counts once);
* :func:`scaling_table`, :func:`delta_table`: median T(δ) per value of an axis, resp. per δ.

Drawing is :mod:`mfverify.plot` (:func:`heatmap` delegates to
:func:`mfverify.plot.plot_study_heatmap`); the figures and the report of ``mfverify study
--plot DIR`` are :mod:`mfverify.plot.study_report`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError

__all__ = ["SuccessGrid", "success_grid", "heatmap", "ScalingTable", "scaling_table",
           "delta_table", "threshold_deltas"]


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


#: ``outcome="recovered"``: the runs whose relative recovery error is at most this.
RECOVERED = 1e-3


def _column(table: Any, axis: str) -> list[Any]:
    name = f"axis_{axis}"
    if name not in table.column_names:
        axes = [c[5:] for c in table.column_names if c.startswith("axis_")]
        raise InputError(f"{axis!r} is not a grid axis of this study; axes: {axes}")
    return table.column(name).to_pylist()


def success_grid(table: Any, x: str, y: str | None = None, *,
                 outcome: str = "global_min") -> SuccessGrid:
    """The outcome fraction over axes ``x`` (columns) and ``y`` (rows; None: one row).

    ``outcome`` is an outcome label (``global_min``, a class name, ...) or ``"recovered"``:
    the runs with ``recovery_error`` <= :data:`RECOVERED` (1e-3), e.g. recovery of the planted
    M* in sensing, where a global minimum of f need not be M* when m is small."""
    xv = _column(table, x)
    yv = _column(table, y) if y is not None else [None] * len(xv)
    if outcome == "recovered":
        if "recovery_error" not in table.column_names:
            raise InputError("outcome 'recovered' needs the recovery_error column")
        err = np.asarray(table.column("recovery_error").to_numpy(), dtype=float)
        labels = np.where(err <= RECOVERED, "recovered", "").tolist()
    else:
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
    """Draw ``grid`` with :func:`mfverify.plot.plot_study_heatmap` and write it to ``path``."""
    from ..plot import plot_study_heatmap, save_figure

    ax = plot_study_heatmap(grid, title=title)
    return save_figure(ax.figure, path)


@dataclass
class ScalingTable:
    """Median T(δ) per value of ``x`` (the other axes pooled) over the runs that reached δ:
    ``median[j]`` over ``reached[j]`` of ``runs[j]`` runs at ``x = xs[j]``."""

    x: str
    delta: float
    xs: list[Any]
    median: np.ndarray
    reached: np.ndarray
    runs: np.ndarray


def threshold_deltas(table: Any) -> list[float]:
    """The δ of the table's T(δ) columns (``T_<δ>``), increasing."""
    return sorted(float(c[2:]) for c in table.column_names if c.startswith("T_"))


def scaling_table(table: Any, x: str, delta: float) -> ScalingTable:
    """Median T(δ) over the runs that reached δ, per value of axis ``x`` (others pooled)."""
    from .cell import threshold_column

    col = threshold_column(float(delta))
    if col not in table.column_names:
        raise InputError(f"the study recorded no T({delta!r}); deltas: "
                         f"{threshold_deltas(table)}")
    xv = _column(table, x)
    t = np.asarray(table.column(col).to_numpy(), dtype=np.float64)
    xs = sorted(set(xv))
    arr = np.array(xv, dtype=object)
    med, reached, runs = [], [], []
    for v in xs:
        sel = t[arr == v]
        hit = sel[sel >= 0]
        runs.append(sel.size)
        reached.append(hit.size)
        med.append(float(np.median(hit)) if hit.size else np.nan)
    return ScalingTable(x, float(delta), xs, np.array(med), np.array(reached),
                        np.array(runs))


def delta_table(table: Any) -> tuple[list[float], np.ndarray, np.ndarray]:
    """(δs, median T(δ) over the runs that reached δ, how many reached), all rows pooled."""
    deltas = threshold_deltas(table)
    from .cell import threshold_column

    med, reached = [], []
    for d in deltas:
        t = np.asarray(table.column(threshold_column(d)).to_numpy(), dtype=np.float64)
        hit = t[t >= 0]
        reached.append(hit.size)
        med.append(float(np.median(hit)) if hit.size else np.nan)
    return deltas, np.array(med), np.array(reached)
