"""Regressions of the landscape engine (issue 12):

* an isolated stationary point whose type stays unresolved makes the landscape incomplete
  (before: ``complete: true`` with a ``degenerate_unresolved`` point listed);
* ``real_vanishing``: a sum of pure even powers in the ideal forces those variables to 0 at real
  points (a stratum whose only real points lie in a lower stratum is no longer "emptiness not
  proved");
* many excess directions (the zero Hessian at the origin of a depth-3 network): the descent test
  tries full-support combinations, so the cubic term is found.
"""

from __future__ import annotations

import sympy as sp

from mfverify.problems.custom import CustomProblem
from mfverify.problems.deeplinear import DeepLinearNetwork
from mfverify.symbolic import landscape
from mfverify.symbolic.stratify import real_vanishing


def test_unresolved_isolated_point_makes_the_landscape_incomplete() -> None:
    """f = x⁴ + y⁴ − (x² + y²)³: the origin has a zero Hessian and is a strict local minimum
    only at order 4 in two directions, which the higher-order test does not decide."""
    L = landscape(CustomProblem({"x": [], "y": []}, "x**4 + y**4 - (x**2 + y**2)**3"),
                  budget=60)
    unresolved = L.of_type("degenerate_unresolved")
    assert len(unresolved) == 1 and unresolved[0].dimension == 0
    assert not L.complete
    assert "unresolved" in L.reason and "(0, 0)" in L.reason
    assert L.evidence["completeness"] == L.reason


def test_real_vanishing() -> None:
    a, b, c, d = sp.symbols("a b c d")
    gens = [a, b, c, d]
    assert real_vanishing([a ** 2 + b ** 2 + 3 * c ** 4, a * d - 1], gens) == [a, b, c]
    assert real_vanishing([-(a ** 2) - b ** 2], gens) == [a, b]
    assert real_vanishing([a, a ** 2 + b ** 2], gens) == [b]        # a is already there
    assert real_vanishing([a ** 2 - b ** 2], gens) == []            # not one sign
    assert real_vanishing([a ** 2 + b * c], gens) == []             # a mixed monomial
    assert real_vanishing([a ** 3 + b ** 2], gens) == []            # an odd power


def test_small_network_with_a_complex_only_stratum_completes() -> None:
    """1-1-2-1 network (w₃·W₂·w₁ − 1)²/2: a stratum W₂ᵀW₂ + W₃W₃ᵀ = 0 has complex points only
    off the origin; before the real step the landscape was INCOMPLETE."""
    L = landscape(DeepLinearNetwork([[1]], [[1]], [1, 2]), budget=60)
    assert L.complete, L.reason
    assert sorted(c.type for c in L.components) == [
        "degenerate_saddle", "global_min", "strict_saddle", "strict_saddle"]


def test_univariate_leading_monomials() -> None:
    """Regression: SymPy's univariate Poly.monoms rejects the order given as a string, which
    crashed the stratification of a piece in a one-variable chart (seen in gauge charts)."""
    from mfverify.symbolic.stationary import independent_variables

    x = sp.Symbol("x")
    assert independent_variables([x ** 2 - 1], [x], 0) == ()
