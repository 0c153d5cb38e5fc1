"""``--plot FILE`` for the CLI commands: the option, its early path check, and the write.

The figure is drawn by :mod:`mfverify.plot` (a detached figure: no backend switch) and written
in the format of the file's suffix (``.png``, ``.pdf``, ``.svg``, ...).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from ..errors import InputError
from ..inputs import check_output_path

__all__ = ["add_plot_option", "check_plot_path", "write_plot"]

_FORMATS = (".png", ".pdf", ".svg", ".jpg", ".jpeg", ".eps", ".ps", ".tif", ".tiff", ".webp")


def add_plot_option(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("--plot", metavar="FILE", default=None,
                   help=f"write a plot of {what} to FILE (.png, .pdf, .svg; needs matplotlib)")


def check_plot_path(path: str | None) -> None:
    """Refuse a bad ``--plot`` path before any work is done."""
    if path is None:
        return
    check_output_path(path, "--plot")
    if not path.lower().endswith(_FORMATS):
        raise InputError(f"--plot {path!r}: the file name must end in one of "
                         f"{', '.join(_FORMATS)}")


def write_plot(path: str | None, draw: Callable[[], Any]) -> str | None:
    """Draw (``draw()`` returns a Figure or an Axes) and write the figure to ``path``."""
    if path is None:
        return None
    from ..plot import save_figure

    obj = draw()
    fig = getattr(obj, "figure", obj) if not hasattr(obj, "savefig") else obj
    save_figure(fig, path)
    return path
