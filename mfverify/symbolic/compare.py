"""Two landscapes of one problem compared entry by entry (a cross-check of two solve paths).

Used to check the orbit construction (:mod:`mfverify.symbolic.orbit_construction`) against the
independent chart/Gröbner path, ``landscape(p, strategy="auto")`` against
``landscape(p, strategy="groebner")``; any planted slip (an orbit dropped, a type flipped, a
wrong dimension, count, inertia or eigenvalue) shows up as a difference.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from .realdim import dimension_text
from .result import Component, Landscape

__all__ = ["landscape_differences"]


def _same_number(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    d = sp.nsimplify(sp.sympify(a)) - sp.nsimplify(sp.sympify(b))
    if d == 0:
        return True
    return bool(sp.simplify(sp.radsimp(d)) == 0)


def _signature(c: Component) -> tuple[Any, ...]:
    return (c.dimension, c.count, c.type, c.strict, tuple(c.inertia), c.orbit_dimension,
            c.excess_zero_directions)


def _same_component(a: Component, b: Component) -> bool:
    if _signature(a) != _signature(b) or not _same_number(a.value, b.value):
        return False
    ea, eb = a.hessian_eigenvalues, b.hessian_eigenvalues
    if ea is None or eb is None:  # not expressible on one side: the inertia decides
        return True
    return len(ea) == len(eb) and all(_same_number(x, y) for x, y in zip(ea, eb, strict=True))


def _text(c: Component) -> str:
    return (f"{c.type} value {c.value}, dimension "
            f"{dimension_text(c.dimension, c.complex_dimension)}, count {c.count}, inertia "
            f"{tuple(c.inertia)}, orbit dimension {c.orbit_dimension}")


def landscape_differences(a: Landscape, b: Landscape) -> list[str]:
    """The differences between two landscapes of the same problem, in words (empty: they
    agree).

    Compared: completeness, the global minimum value, the real component count, and the
    components as a multiset of (value, dimension, count, type, strictness, inertia, orbit
    dimension, excess, Hessian eigenvalues where both sides give them); values and eigenvalues
    exactly.
    """
    out: list[str] = []
    if a.complete != b.complete:
        out.append(f"complete: {a.complete} vs {b.complete}")
    if not _same_number(a.global_min_value, b.global_min_value):
        out.append(f"global minimum value: {a.global_min_value} vs {b.global_min_value}")
    if a.real_component_count != b.real_component_count:
        out.append(f"real component count: {a.real_component_count} vs "
                   f"{b.real_component_count}")
    unmatched = list(b.components)
    for c in a.components:
        hit = next((i for i, d in enumerate(unmatched) if _same_component(c, d)), None)
        if hit is None:
            out.append(f"only in the first: {_text(c)}")
        else:
            unmatched.pop(hit)
    out += [f"only in the second: {_text(d)}" for d in unmatched]
    return out
