"""Figures without pyplot: a new :class:`matplotlib.figure.Figure`, or the caller's ``Axes``.

Every plot function of :mod:`mfverify.plot` draws on an ``ax`` it is given or on a fresh
``Figure`` that is *not* registered with pyplot, so drawing never switches the backend of the
user's (possibly interactive) Python process and never opens a window. matplotlib is imported
only when a plot is drawn (the ``[plot]`` extra).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import InputError, UnsupportedError

__all__ = ["new_axes", "new_figure", "save_figure"]


def _figure_class() -> Any:
    try:
        from matplotlib.figure import Figure
    except ImportError:  # pragma: no cover - depends on the install
        raise UnsupportedError("plotting needs matplotlib: pip install 'mfverify[plot]'") \
            from None
    return Figure


def new_figure(figsize: tuple[float, float] = (6.0, 4.0)) -> Any:
    """A new ``Figure`` detached from pyplot (no backend switch, no window)."""
    return _figure_class()(figsize=figsize, layout="constrained")


def new_axes(ax: Any = None, figsize: tuple[float, float] = (6.0, 4.0)) -> Any:
    """``ax`` itself, or the single ``Axes`` of a new detached figure."""
    if ax is not None:
        if not hasattr(ax, "plot") or not hasattr(ax, "figure"):
            raise InputError(f"ax must be a matplotlib Axes, got {type(ax).__name__}")
        return ax
    return new_figure(figsize).subplots()


def save_figure(fig: Any, path: str | Path, *, dpi: int = 120) -> Path:
    """Write ``fig`` to ``path`` (format from the suffix); a typed error if it cannot."""
    out = Path(path)
    try:
        fig.savefig(out, dpi=dpi)
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot write plot {str(out)!r}: {exc}") from exc
    return out
