"""Shared helpers of the CLI commands: JSON output and plain tables."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

__all__ = ["print_json", "table", "to_jsonable"]


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
