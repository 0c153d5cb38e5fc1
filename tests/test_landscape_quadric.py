"""Real components of quadric pieces (mfverify/symbolic/quadric.py) and their use in the
landscape of problems without a continuous symmetry."""

from __future__ import annotations

import pytest
import sympy as sp

from mfverify.problems.custom import CustomProblem
from mfverify.symbolic import landscape
from mfverify.symbolic.quadric import quadric_components

u, v, w = sp.symbols("u v w")


@pytest.mark.parametrize("g,gens,want", [
    (u * v - 1, [u, v], (1, 2)),                      # hyperbola: two branches
    (u ** 2 + v ** 2 - 1, [u, v], (1, 1)),            # circle
    ((u + 1) ** 2 + (v - 2) ** 2 - 4, [u, v], (1, 1)),
    (u ** 2 - v ** 2 - 1, [u, v], (1, 2)),
    (v - u ** 2, [u, v], (1, 1)),                     # parabola (a graph)
    (u ** 2 - v ** 2, [u, v], (1, 1)),                # two crossing lines
    (u ** 2 - 1, [u, v], (1, 2)),                     # two parallel lines
    (u ** 2 + v ** 2, [u, v], (0, 1)),                # one point
    (u ** 2 + v ** 2 + 1, [u, v], None),              # empty
    (u ** 2 + v ** 2 - w ** 2 - 1, [u, v, w], (2, 1)),  # one-sheeted hyperboloid
    (u ** 2 - v ** 2 - w ** 2 - 1, [u, v, w], (2, 2)),  # two-sheeted hyperboloid
    (u * v - w, [u, v, w], (2, 1)),                   # saddle surface (a graph)
    (u ** 3 - v, [u, v], None),                       # not a quadric
])
def test_quadric_components(g: sp.Expr, gens: list, want: tuple | None) -> None:
    assert quadric_components(g, gens) == want


def test_custom_curves_are_counted() -> None:
    L = landscape(CustomProblem({"u": [], "v": []}, "(u*v - 1)**2/2"))
    assert L.complete and L.real_component_count == 3
    gm = L.of_type("global_min")
    assert len(gm) == 1 and gm[0].dimension == 1 and gm[0].count == 2
    L = landscape(CustomProblem({"u": [], "v": []}, "(u**2 + v**2 - 1)**2"))
    assert L.complete and L.real_component_count == 2
    assert [(c.type, c.dimension, c.count) for c in L.components] == [
        ("global_min", 1, 1), ("local_max", 0, 1)]


def test_disjoint_touching_and_crossing_pieces() -> None:
    """Disjoint pieces are counted separately; connected pieces that meet are one component
    (counts 1 and 0); a piece with two components that meets another one leaves the count
    unknown (None), never wrong."""
    far = landscape(CustomProblem({"u": [], "v": []},
                                  "(u**2 + v**2 - 1)**2*((u - 3)**2 + v**2 - 1)**2"))
    assert far.complete and far.real_component_count == 5
    touch = landscape(CustomProblem({"u": [], "v": []},
                                    "(u**2 + v**2 - 1)**2*((u - 2)**2 + v**2 - 1)**2"))
    assert touch.complete and touch.real_component_count == 3  # two local maxima + 8-figure
    assert sorted(c.count for c in touch.components if c.dimension == 1) == [0, 1]
    cross = landscape(CustomProblem({"u": [], "v": []}, "(u*v)**2"))
    assert cross.complete and cross.real_component_count == 1
    assert {c.type for c in cross.components} == {"global_min"}
    branches = landscape(CustomProblem({"u": [], "v": []}, "(u*v - 1)**2*(u - v)**2"))
    assert branches.complete and branches.real_component_count is None
