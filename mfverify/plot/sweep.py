"""Outcomes of a batched sweep (:class:`mfverify.batch.BatchRun`).

Left: histogram of log10 of the final objective values (or of the excess f − f* when the
optimal value is given), stacked by outcome label when
:class:`mfverify.batch.outcomes.Outcomes` are given (global_min, a matched stationary class,
stationary_unmatched, stalled, diverged). Right: the 10%, 50% and 90% quantiles of f over the
iterations (or flow time) across all runs.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InputError
from ._figure import new_figure

__all__ = ["plot_sweep"]


def _histogram(ax: Any, run: Any, outcomes: Any, f_global: Any) -> None:
    f = np.asarray(run.f, dtype=float)
    floor = None
    if f_global is not None:
        fg = np.broadcast_to(np.asarray(f_global, dtype=float), f.shape)
        floor = 1e-16 * np.maximum(1.0, np.abs(fg))
        f = np.maximum(f - fg, floor)          # the excess, floored at the rounding level
    ok = np.isfinite(f) & (f > 0)
    if not ok.any():
        ax.text(0.5, 0.5, "no finite positive value", ha="center", transform=ax.transAxes)
        return
    logs = np.log10(f[ok])
    lo, hi = float(logs.min()), float(logs.max())
    if hi - lo < 1e-6:
        lo, hi = lo - 0.5, hi + 0.5
    bins = np.linspace(lo, hi, 41)
    if outcomes is None:
        ax.hist(logs, bins=bins)
    else:
        labels = np.asarray(outcomes.labels)
        if labels.shape != f.shape:
            raise InputError(f"outcome labels have shape {labels.shape}, the runs {f.shape}")
        names = sorted(set(labels[ok].tolist()))
        ax.hist([logs[labels[ok] == n] for n in names], bins=bins, stacked=True,
                label=[f"{n} ({int(np.sum(labels == n))})" for n in names])
        ax.legend(fontsize=7)
    zero = int(np.sum(np.isfinite(f) & (f <= 0)))
    what = "f − f*" if f_global is not None else "f"
    note = f" ({zero} runs with f ≤ 0 not shown)" if zero else ""
    if floor is not None:
        note = " (floored at 1e-16·max(1, |f*|))"
    ax.set_xlabel(f"log10 final {what}{note}")
    ax.set_ylabel("runs")


def _quantiles(ax: Any, run: Any) -> None:
    h = run.history.get("f")
    if h is None or h.shape[-1] < 2:
        ax.text(0.5, 0.5, "no recorded history", ha="center", transform=ax.transAxes)
        return
    flat = np.asarray(h, dtype=float).reshape(-1, h.shape[-1])
    with np.errstate(all="ignore"):
        q = np.nanpercentile(np.where(flat > 0, flat, np.nan), [10, 50, 90], axis=0)
    for row, lab in zip(q, ("10%", "median", "90%"), strict=True):
        ax.semilogy(run.times, row, label=lab)
    ax.legend(fontsize=8)
    ax.set_xlabel("t" if run.method == "gradient_flow" else "iteration")
    ax.set_ylabel("f (quantiles over runs)")


def plot_sweep(run: Any, outcomes: Any = None, *, f_global: Any = None, axes: Any = None
               ) -> Any:
    """Draw the outcome histogram and the f-quantile curves of a batched sweep.

    Parameters
    ----------
    run
        A :class:`mfverify.batch.BatchRun`.
    outcomes
        Optional :class:`mfverify.batch.outcomes.Outcomes` of ``run`` (stacks the histogram
        by label).
    f_global
        The optimal value f* (a number, or one per instance, shape ``(B, 1)``): the histogram
        then shows the excess f − f* (on log axes, where f* > 0 hides everything).
    axes
        Two axes to draw on; default a new detached figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if axes is None:
        fig = new_figure((10.0, 4.0))
        axes = fig.subplots(1, 2)
    elif len(axes) != 2:
        raise InputError(f"plot_sweep draws two panels; {len(axes)} axes given")
    _histogram(axes[0], run, outcomes, f_global)
    _quantiles(axes[1], run)
    fig = axes[0].figure
    fig.suptitle(f"{run.method}: {run.f.size} runs")
    return fig
