"""A fitted line with its uncertainty band: convergence rates and scaling laws.

Given points (x_i, y_i) (by default drawn on log-log axes, so the line is a power law
y = C·x^b), the ordinary least-squares line of :func:`mfverify.batch.rates.fit_line` is drawn
with the pointwise ``level`` confidence band of the fitted mean,

    ŷ(x₀) ± t_{n−2, (1+level)/2} · s · √(1/n + (x₀ − x̄)² / Σ(x_i − x̄)²),   s² = RSS/(n − 2),

computed in the fitted (possibly logarithmic) coordinates.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..batch.rates import fit_line
from ..errors import InputError
from ._figure import new_axes

__all__ = ["plot_rate_fit", "confidence_band"]


def confidence_band(x: np.ndarray, y: np.ndarray, x0: np.ndarray, level: float = 0.95
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(fit, lower, upper) of the OLS line of y on x at ``x0``, pointwise ``level`` band."""
    from scipy.stats import t as student_t

    if not 0 < level < 1:
        raise InputError(f"level must lie in (0, 1), got {level}")
    fit = fit_line(x, y)
    ok = np.isfinite(x) & np.isfinite(y)
    xa = x[ok]
    s = np.sqrt(fit.rss / (fit.n - 2)) if fit.n > 2 else 0.0
    sxx = float(np.sum((xa - xa.mean()) ** 2))
    q = float(student_t.ppf(0.5 + level / 2, fit.n - 2))
    yhat = fit.intercept + fit.slope * x0
    half = q * s * np.sqrt(1.0 / fit.n + (x0 - xa.mean()) ** 2 / sxx)
    return yhat, yhat - half, yhat + half


def plot_rate_fit(x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray, *,
                  loglog: bool = True, level: float = 0.95, ax: Any = None,
                  label: str = "data", xlabel: str = "x", ylabel: str = "y") -> Any:
    """Scatter ``(x, y)``, its least-squares line and the line's confidence band.

    Parameters
    ----------
    x, y
        At least 3 finite points with distinct x (positive when ``loglog``).
    loglog
        Fit log10 y on log10 x (a power law; the legend shows the exponent ± its standard
        error); else fit y on x.
    level
        Confidence level of the band (default 95%, Student t with n − 2 degrees of freedom).
    ax
        Axes to draw on; default a new detached figure.

    Returns
    -------
    matplotlib.axes.Axes
    """
    xa = np.asarray(x, dtype=float).ravel()
    ya = np.asarray(y, dtype=float).ravel()
    if xa.shape != ya.shape:
        raise InputError(f"x and y must have the same length, got {xa.size} and {ya.size}")
    if loglog and (np.any(xa <= 0) or np.any(ya <= 0)):
        raise InputError("a log-log rate fit needs positive x and y")
    fx, fy = (np.log10(xa), np.log10(ya)) if loglog else (xa, ya)
    fit = fit_line(fx, fy)
    grid = np.linspace(np.nanmin(fx), np.nanmax(fx), 100)
    yhat, lo, hi = confidence_band(fx, fy, grid, level)
    tr = (lambda v: 10.0 ** v) if loglog else (lambda v: v)
    ax = new_axes(ax)
    ax.plot(xa, ya, "o", ms=4, label=label)
    name = "exponent" if loglog else "slope"
    ax.plot(tr(grid), tr(yhat), "-", color="C1",
            label=f"fit: {name} {fit.slope:.3g} ± {fit.slope_stderr:.2g} (n={fit.n})")
    ax.fill_between(tr(grid), tr(lo), tr(hi), color="C1", alpha=0.25,
                    label=f"{100 * level:g}% band")
    if loglog:
        ax.set_xscale("log")
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
    return ax
