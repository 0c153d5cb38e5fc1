"""The Taylor-remainder test of a numeric derivative check, on log-log axes.

For a correct gradient, the model error |f(x + h·d) − f(x) − h·⟨∇f, d⟩| decays like h² (slope 2
on log-log axes) until rounding noise takes over; for a correct Hessian, like h³. The plot shows
the measured error, the rounding-noise estimate, the fitted window with its slope, and a
reference line of the expected slope.
"""

from __future__ import annotations

from typing import Any

from ._figure import new_axes

__all__ = ["plot_taylor", "plot_taylor_checks"]


def plot_taylor(check: Any, ax: Any = None) -> Any:
    """Log-log plot of a :class:`mfverify.derivation.taylor.TaylorCheck`.

    Parameters
    ----------
    check
        The result of a Taylor test (``taylor_gradient`` / ``taylor_hessian`` or one entry of a
        numeric derivation check's ``checks``).
    ax
        Axes to draw on; default a new detached figure.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = new_axes(ax)
    ax.loglog(check.h, check.error, ".-", label="model error")
    ax.loglog(check.h, check.noise, ":", label="rounding-noise estimate")
    if check.window is not None and check.slope is not None:
        i, j = check.window
        hh = check.h[i:j]
        c = check.error[i] / check.h[i] ** check.slope
        ax.loglog(hh, c * hh**check.slope, "-", lw=3, alpha=0.5,
                  label=f"fit, slope {check.slope:.2f}")
        ref = check.error[i] * (hh / hh[0]) ** check.expected
        ax.loglog(hh, ref, "--", label=f"slope {check.expected}")
    ax.set_xlabel("step h")
    ax.set_ylabel("error")
    ax.set_title(f"Taylor test ({check.what}): {check.status.name}")
    ax.legend(fontsize=8)
    return ax


def plot_taylor_checks(checks: Any, *, max_panels: int = 6) -> Any:
    """All Taylor tests of a numeric derivation check (its ``checks``), one panel each (at most
    ``max_panels``), on a new detached figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from ._figure import new_figure

    items = list(checks)[:max_panels]
    if not items:
        from ..errors import InputError

        raise InputError("no Taylor test to draw (the check recorded none)")
    cols = min(3, len(items))
    rows = -(-len(items) // cols)
    fig = new_figure((4.2 * cols, 3.4 * rows))
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, check in zip(axes, items, strict=False):
        plot_taylor(check, ax=ax)
    for ax in axes[len(items):]:
        ax.set_axis_off()
    return fig
