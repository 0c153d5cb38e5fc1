"""Shared helpers of the CLI commands: JSON output, plain tables and bounded integer options."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

from ..inputs import MAX_SEED

__all__ = ["print_json", "table", "to_jsonable", "int_option", "seed_option", "OutOfRange"]


class OutOfRange:
    """An integer option's value outside its range, as parsed by :func:`int_option`.

    The parser keeps it instead of exiting, and :func:`mfverify.cli.main` refuses it before the
    command runs: one line, exit 2 *returned* (as for every other bad value), while text that is
    not an integer at all stays an argparse error.
    """

    def __init__(self, text: str, lo: int, hi: int) -> None:
        self.text, self.lo, self.hi = text, lo, hi

    def message(self, option: str) -> str:
        return f"argument {option}: must be an integer in [{self.lo}, {self.hi}], got " \
            f"{_clip(self.text)}"


def int_option(lo: int, hi: int) -> Callable[[str], Any]:
    """An argparse ``type=`` for an integer option in [lo, hi].

    Every integer option of every command uses one (``tests/test_hostile_inputs.py`` checks it),
    so a huge (``10**30``, ``2**63``) or negative value is refused with exit 2 and a one-line
    message naming the range, before the command runs or allocates anything.
    """
    def parse(text: str) -> Any:
        t = text.strip()
        if len(t) > 100 and t.lstrip("+-").isdigit():  # beyond int()'s digit limit: huge
            return OutOfRange(text, lo, hi)
        try:
            value = int(t, 10)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {_clip(text)}") from None
        if not lo <= value <= hi:
            return OutOfRange(text, lo, hi)
        return value

    parse.__name__ = "integer"
    parse.bounds = (lo, hi)  # type: ignore[attr-defined]
    return parse


def seed_option() -> Callable[[str], Any]:
    """An argparse ``type=`` for a random seed: an integer in [0, 2³² − 1]."""
    return int_option(0, MAX_SEED)


def _clip(text: str) -> str:
    t = text.strip()
    return repr(t) if len(t) <= 40 else f"{t[:20]!r}... ({len(t)} characters)"


def to_jsonable(obj: Any) -> Any:
    """Convert results (NumPy / SymPy / mpmath values) to JSON-compatible data.

    Exact values become strings that ``sympy.sympify`` reads back; mpmath numbers become decimal
    strings at full working precision.
    """
    import mpmath
    import numpy as np
    import sympy as sp

    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, int):
        return obj
    if isinstance(obj, float):
        return obj if np.isfinite(obj) else str(obj)
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [to_jsonable(v) for v in obj.tolist()] if obj.ndim else to_jsonable(obj.item())
    if isinstance(obj, np.generic):
        return to_jsonable(obj.item())
    if isinstance(obj, sp.Basic):
        return str(obj)
    if hasattr(obj, "_mpf_"):
        ctx = getattr(obj, "context", mpmath.mp)
        return ctx.nstr(obj, ctx.dps, min_fixed=-ctx.inf, max_fixed=ctx.inf) if False else \
            mpmath.nstr(obj, int(ctx.dps), strip_zeros=False)
    if hasattr(obj, "to_json"):
        return to_jsonable(obj.to_json())
    if hasattr(obj, "value") and hasattr(obj, "name"):  # enums
        return obj.value
    return str(obj)


def print_json(obj: Any) -> None:
    json.dump(to_jsonable(obj), sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def table(rows: Sequence[Sequence[Any]], header: Sequence[str]) -> str:
    """A plain fixed-width text table."""
    cells = [[str(h) for h in header]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
             for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
