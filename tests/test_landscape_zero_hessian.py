"""A zero Hessian with a descent curve of even order is not a saddle by itself: the point can
be a local maximum. Regression tests of the bug where the global maxima of −x⁴ − y⁴ (a point)
and of −(x₀² + x₁²)² on ℝ³ (the line x₀ = x₁ = 0) were listed as ``degenerate_saddle`` in a
*complete* landscape."""

from __future__ import annotations

from mfverify.problems.custom import CustomProblem
from mfverify.symbolic import landscape


def test_maximum_of_minus_x4_minus_y4_is_not_called_a_saddle() -> None:
    """f = −x⁴ − y⁴: the only stationary point is 0, ∇²f(0) = 0, and f < 0 = f(0) elsewhere,
    so 0 is the strict global maximum. Every line descends (f(td) = −(d₁⁴ + d₂⁴)t⁴, order 4,
    even) and none ascends: the engine must not say saddle; it says unresolved."""
    L = landscape(CustomProblem({"x": [2]}, "-x[0]**4 - x[1]**4"), budget=60)
    (c,) = L.components
    assert c.inertia == (0, 2, 0)
    assert c.type != "degenerate_saddle" and not L.complete
    assert "local maximum is not excluded" in c.evidence["note"]


def test_line_of_maxima_is_not_called_a_saddle() -> None:
    """f = −(x₀² + x₁²)² on ℝ³: ∇f = 0 exactly on the line x₀ = x₁ = 0 (f = 0 there, f < 0
    off it): every point of it is a global maximum, the Hessian is 0 there, and the descent
    curves (order 4) do not make it a saddle."""
    L = landscape(CustomProblem({"x": [3]}, "-(x[0]**2 + x[1]**2)**2 + 0*x[2]"), budget=60)
    (c,) = L.components
    assert c.inertia == (0, 3, 0) and c.dimension == 1
    assert c.type != "degenerate_saddle" and not L.complete


def test_odd_order_and_two_sided_saddles_are_still_saddles() -> None:
    """f = x⁴ − y⁴: 0 is a saddle (f > 0 on the x-axis, < 0 on the y-axis): descent along y
    and ascent along x, both of order 4. (w₀w₁w₂w₃ − 1)²: at a point with three coordinates
    zero, moving them along d changes f by −2·(w·d-product)·t³ + O(t⁴), order 3 (odd), so
    both signs occur: saddles with zero Hessian, as before."""
    L = landscape(CustomProblem({"x": [2]}, "x[0]**4 - x[1]**4"), budget=60)
    assert L.complete and [c.type for c in L.components] == ["degenerate_saddle"]
    assert "ascent_curve" in L.components[0].evidence
    L = landscape(CustomProblem({"w": [4]}, "(w[0]*w[1]*w[2]*w[3] - 1)**2"), budget=120)
    assert L.complete
    assert all(c.type == "degenerate_saddle" for c in L.components if c.inertia == (0, 4, 0))
