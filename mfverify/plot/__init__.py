"""Plots of mfverify results (matplotlib, the ``[plot]`` extra, imported lazily).

Public namespace (docs/api.md, "Public and implementation modules"): import from
``mfverify.plot`` or ``mfverify``; its submodules are implementation.

Every function draws on an ``Axes`` it is given or on a new figure that is not registered with
pyplot, so it never switches the backend of the user's Python process nor opens a window; save
with ``fig.savefig(...)`` or :func:`save_figure`.

* :func:`plot_flow`: trajectories of a :class:`mfverify.flow.FlowResult` (state norms, f,
  invariants, error estimate; log time axis);
* :func:`plot_taylor`, :func:`plot_taylor_checks`: the Taylor-remainder tests of a numeric
  derivative check;
* :func:`plot_rate_fit`: a least-squares rate or scaling fit with its confidence band;
* :func:`plot_sweep`: outcome histogram and f-quantile curves of a batched sweep;
* :func:`plot_study_heatmap`: success probability over two axes of a study;
* :func:`plot_landscape`: f on a line or plane with the classified stationary set marked.
"""

from __future__ import annotations

from ._figure import new_figure, save_figure
from .flow import plot_flow
from .landscape import TYPE_STYLE, default_slice, plot_landscape
from .rates import confidence_band, plot_rate_fit
from .study import plot_study_heatmap
from .sweep import plot_sweep
from .taylor import plot_taylor, plot_taylor_checks

__all__ = ["plot_flow", "plot_taylor", "plot_taylor_checks", "plot_rate_fit", "confidence_band",
           "plot_sweep", "plot_study_heatmap", "plot_landscape", "default_slice", "TYPE_STYLE",
           "new_figure", "save_figure"]
