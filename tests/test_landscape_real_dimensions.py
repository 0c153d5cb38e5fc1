"""The dimension the landscape reports for a set of the identity chart is its REAL dimension,
certified (Jacobian of rank n − d at a real representative, and the equations cut out that
manifold near it: :mod:`mfverify.symbolic.realdim`), or ``None`` with ``complex_dimension``
as the bound and an INCONCLUSIVE result; never the complex dimension printed as the real one.

Regression tests of the bug where f = (x₀² + (x₁ − x₂²)²)² on ℝ³ was reported complete with a
global-minimum set "dim 2": its real points form a parabola (dimension 1) inside a complex
surface."""

from __future__ import annotations

import pytest
import sympy as sp

from mfverify.problems.custom import CustomProblem
from mfverify.symbolic import landscape, realdim
from mfverify.symbolic.algebraic import RealField
from mfverify.symbolic.realdim import real_dimension_at
from mfverify.symbolic.result import Landscape
from mfverify.symbolic.stationary import AlgebraicPoint

PARABOLA = "(x[0]**2 + (x[1] - x[2]**2)**2)**2"
CONE = "(x[0]**2 + x[1]**2 - x[2]**2)**2*(1 + x[3]**2)"
RING_VECTORS = "(a[0]**2 + a[1]**2 - 1)*(b[0]**2 + b[1]**2)"
x, y, z = sp.symbols("x y z")
Q = RealField.rational(0)


def _pt(*coords: int) -> AlgebraicPoint:
    return AlgebraicPoint(Q, [Q.elem(sp.Integer(c)) for c in coords])


def _check_parabola(L: Landscape) -> None:
    """f = g², g = x₀² + (x₁ − x₂²)², f ≥ 0 = f on V(g): V(g) is the global-minimum set.

    By hand: g is a sum of two real squares, so g(x) = 0 at a real point iff x₀ = 0 and
    x₁ = x₂²: the real set is the parabola {(0, t², t)}, of real dimension 1. Over ℂ, g is
    irreducible over ℚ (it factors only over ℚ(i), as (x₀ + i(x₁ − x₂²))(x₀ − i(x₁ − x₂²))),
    so V(g) is a complex surface: complex dimension 2. ∇g = (2x₀, 2(x₁ − x₂²),
    −4x₂(x₁ − x₂²)) vanishes at every real point, so no real point is smooth of dimension 2 and
    the engine cannot certify any value: dimension None, complex_dimension 2, INCONCLUSIVE."""
    t = sp.Symbol("t", real=True)
    g = x ** 2 + (y - z ** 2) ** 2
    assert all(sp.expand(sp.diff(g, v).subs({x: 0, y: t ** 2, z: t})) == 0 for v in (x, y, z))
    (gm,) = L.components
    assert gm.type == "global_min"
    assert gm.complex_dimension == 2
    assert gm.dimension is None  # the real dimension 1 is not certified, and 2 is wrong
    assert not L.complete and "real dimension" in L.reason
    assert "not certified" in gm.evidence["real_dimension"]["certificate"]
    assert "dim ≤ 2 (real dimension not certified)" in str(L)
    js = L.to_json()["components"][0]
    assert js["dimension"] is None and js["complex_dimension"] == 2


def test_parabola_inside_a_complex_surface_is_not_given_dimension_2() -> None:
    _check_parabola(landscape(CustomProblem({"x": [3]}, PARABOLA), budget=60))


def test_planted_slip_skipping_the_smooth_point_check_is_caught(monkeypatch) -> None:
    """Mutation-style: a certificate that takes the first row and column of the Jacobian
    without checking its rank at the point (the smooth-real-point check skipped) certifies
    the parabola's complex dimension 2 as its real dimension; the regression check above
    catches it (the Rabinowitsch step alone cannot: g is prime and ∂g/∂x₀ = 2x₀ ∉ (g))."""
    monkeypatch.setattr(realdim, "smooth_rows",
                        lambda F, basis, gens, sub, k: (list(range(k)), list(range(k))))
    L = landscape(CustomProblem({"x": [3]}, PARABOLA), budget=60)
    assert L.components[0].dimension == 2  # the slip: the complex dimension, as if real
    with pytest.raises(AssertionError):
        _check_parabola(L)


def test_cone_times_a_line_is_certified_of_dimension_3() -> None:
    """f = (x₀² + x₁² − x₂²)²·(1 + x₃²) on ℝ⁴: f ≥ 0 = f on the cone C × ℝ, C = {x₀² + x₁² =
    x₂²}, the global-minimum set (the other factor never vanishes). By hand: complex dimension
    3 (one equation in ℂ⁴); the Jacobian (2x₀, 2x₁, −2x₂, 0) has rank 1 = 4 − 3 at every real
    point but the vertex line x₀ = x₁ = x₂ = 0, and the one equation generates the ideal, so
    the real dimension is 3 = the complex one: certified, and the output is the old one."""
    L = landscape(CustomProblem({"x": [4]}, CONE), budget=60)
    (gm,) = L.components
    assert L.complete and gm.type == "global_min"
    assert gm.dimension == 3 and gm.complex_dimension == 3
    cert = gm.evidence["real_dimension"]
    assert cert["dimension"] == 3 and "rank 1 = n − 3" in cert["certificate"]
    assert "dim 3, f = 0" in str(L)


def test_strata_of_the_identity_chart_are_certified_real() -> None:
    """f = (‖a‖² − 1)·‖b‖² on ℝ² × ℝ² (no O(2) proved: the identity chart). By hand the
    stationary set is the plane {b = 0} (f ≡ 0), split by the inertia into two strata, the
    open disc
    ‖a‖ < 1, the outside ‖a‖ > 1 (real dimension 2 = complex dimension 2: the two equations
    b₀ = b₁ = 0 have Jacobian of rank 2 everywhere) and the circle ‖a‖ = 1 (real dimension 1,
    cut into an arc set and two points by a splitter). Every dimension is certified and equals
    the complex one, the piece's too."""
    L = landscape(CustomProblem({"a": [2], "b": [2]}, RING_VECTORS), budget=120)
    assert L.complete
    for c in L.components:
        assert c.dimension is not None
        if c.complex_dimension is not None:  # strata (point strata have dimension 0)
            assert c.dimension == c.complex_dimension
            assert c.evidence["real_dimension"]["dimension"] == c.dimension
    assert sorted(c.dimension for c in L.components if c.inertia != (0, 4, 0)) == [2, 2]
    assert sorted(c.dimension for c in L.components if c.inertia == (0, 4, 0))[-1] == 1
    assert [(p["dimension"], p["complex_dimension"]) for p in L.pieces] == [(2, 2)]


# --- the certificate on its own ----------------------------------------------------------------


def test_certificate_at_smooth_and_singular_points() -> None:
    """Cone x² + y² = z² in ℝ³: at (3, 4, 5) the gradient (6, 8, −10) ≠ 0, rank 1 = 3 − 2:
    certified 2; at the vertex (0, 0, 0) the gradient vanishes: not certified (the vertex is
    not a smooth point, though the cone has real dimension 2 elsewhere). Twisted cubic
    (y − x², z − x³) at (2, 4, 8): Jacobian [[−4, 1, 0], [−12, 0, 1]] of rank 2 = 3 − 1:
    certified 1. Parabola-in-a-surface x² + (y − z²)² at (0, 1, 1): gradient 0, not certified."""
    cone = [x ** 2 + y ** 2 - z ** 2]
    assert real_dimension_at(cone, [x, y, z], _pt(3, 4, 5), 2).dimension == 2
    assert real_dimension_at(cone, [x, y, z], _pt(0, 0, 0), 2).dimension is None
    cubic = list(sp.groebner([y - x ** 2, z - x ** 3], x, y, z, order="grevlex").exprs)
    assert real_dimension_at(cubic, [x, y, z], _pt(2, 4, 8), 1).dimension == 1
    rd = real_dimension_at([x ** 2 + (y - z ** 2) ** 2], [x, y, z], _pt(0, 1, 1), 2)
    assert rd.dimension is None and rd.complex_dimension == 2


def test_saturation_accepts_a_line_with_a_point_off_it() -> None:
    """I = (xy, x(x − 1)) = (x) ∩ (x − 1, y): the line x = 0 and the point (1, 0); complex
    dimension 1. At (0, 3) the row ∇(xy) = (3, 0) has rank 1 = 2 − 1 and the minor
    h = ∂(xy)/∂x = y ≠ 0; (xy) : y^∞ = (x) contains x(x − 1): certified 1. At (1, 0) the
    Jacobian [[0, 1], [1, 0]] has rank 2 ≠ 1 (an isolated point): not certified."""
    ideal = [x * y, x * (x - 1)]
    assert real_dimension_at(ideal, [x, y], _pt(0, 3), 1).dimension == 1
    assert real_dimension_at(ideal, [x, y], _pt(1, 0), 1).dimension is None


def test_saturation_rejects_a_fat_real_point_on_complex_lines() -> None:
    """I = (y² + 1) ∩ (x − 1, y²) = ((y² + 1)(x − 1), (y² + 1)y²): two complex lines y = ±i
    without real points and a double point at (1, 0); complex dimension 1, real points: only
    (1, 0) (x = 1 from the first generator as y² + 1 > 0, then y = 0), real dimension 0. At
    (1, 0) the Jacobian [[1, 0], [0, 0]] has rank 1 = 2 − 1, so the rank test alone would
    certify 1; the saturation ((y² + 1)(x − 1)) : (y² + 1)^∞ = (x − 1) does not contain
    (y² + 1)y², and nothing is certified."""
    ideal = [(y ** 2 + 1) * (x - 1), (y ** 2 + 1) * y ** 2]
    rd = real_dimension_at(ideal, [x, y], _pt(1, 0), 1)
    assert rd.dimension is None and "saturation" in rd.certificate


def test_quotient_chart_strata_are_certified_smooth_at_their_representatives() -> None:
    """The same f in one 2×2 variable X (rows x₀ = a, x₁ = b), with O(2) proved: the gauge
    chart L = [[a, 0], [b, c]] has the stationary line b = c = 0 (two linear equations, Jacobian
    of rank 2 = 3 − 1 everywhere), so at every representative ker Jac is the real tangent of the
    chart stratum and the saturation rank is a dimension: disc and outside 2, the circle 1
    (as in tests/test_landscape_dimensions.py); the smoothness certificate is recorded."""
    L = landscape(CustomProblem({"X": [2, 2]}, RING_VECTORS.replace("a[", "X[0,").replace(
        "b[", "X[1,")), budget=120)
    assert L.evidence["quotient"] == "gauge"  # incomplete for another reason: no Morse–Bott
    assert "real dimension" not in L.reason  # every dimension certified
    strata = [c for c in L.components if "smooth_representative" in c.evidence.get("chart", {})]
    assert strata and all("rank 2 = n − 1" in c.evidence["chart"]["smooth_representative"]
                          for c in strata)
    assert sorted(c.dimension for c in L.components) == [1, 2, 2, 2]


def test_an_uncertified_dimension_round_trips_through_json() -> None:
    """``dimension: null`` with ``complex_dimension: 2`` is read back as it was written."""
    L = landscape(CustomProblem({"x": [3]}, PARABOLA), budget=60)
    back = Landscape.from_json(L.to_json())
    assert back.to_json() == L.to_json()
    assert back.components[0].dimension is None and back.components[0].complex_dimension == 2
