"""Dimensions reported by the exact landscape engine are those of the sets in the ORIGINAL
coordinates, also for strata found in a chart of a quotient (O(r) gauge, GL(1) charts).

Regression tests of the bug where a point stratum of a quotient chart, which stands for a
whole orbit, was reported with dimension 0, and a stratum of the GL(1) balanced slice with its
dimension inside the slice."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sympy as sp

from mfverify.problems import SymmetricMF
from mfverify.problems.custom import CustomProblem
from mfverify.symbolic import landscape
from mfverify.symbolic.result import Landscape

RING = "(X[0,0]**2 + X[0,1]**2 - 1)*(X[1,0]**2 + X[1,1]**2)"
RING_VECTORS = "(a[0]**2 + a[1]**2 - 1)*(b[0]**2 + b[1]**2)"
GL_HYPERBOLA = "(U[0,0]*V[0,0] - 1)*(U[0,0]*V[1,0])**2"
GL_DECL = {"group": "GL", "variables": ["U"], "inverse_transpose": ["V"]}


@pytest.fixture(scope="module")
def ring() -> Landscape:
    return landscape(CustomProblem({"X": [2, 2]}, RING), budget=120)


@pytest.fixture(scope="module")
def hyperbola() -> Landscape:
    return landscape(CustomProblem({"U": [1, 1], "V": [2, 1]}, GL_HYPERBOLA,
                                   symmetry=GL_DECL), budget=120)


def _max_dim_by_inertia(L: Landscape) -> dict[tuple[int, int, int], int]:
    out: dict[tuple[int, int, int], int] = {}
    for c in L.components:
        out[c.inertia] = max(out.get(c.inertia, -1), c.dimension)
    return out


def test_point_stratum_of_the_o2_gauge_is_a_circle(ring: Landscape) -> None:
    """f = (‖x₀‖² − 1)·‖x₁‖², x₀, x₁ the rows of X ∈ ℝ^{2×2}, O(2) on the right.

    By hand: ∇_{x₀} f = 2‖x₁‖²x₀, ∇_{x₁} f = 2(‖x₀‖² − 1)x₁. If x₁ ≠ 0 then ‖x₀‖ = 1 and
    ‖x₁‖²x₀ = 0, impossible; so the stationary set is the plane {x₁ = 0} (f ≡ 0 on it). At
    (x₀, 0) the Hessian is 0 on the x₀ block, 0 off the diagonal blocks (4x₀x₁ᵀ = 0) and
    2(‖x₀‖² − 1)·I₂ on the x₁ block: inertia (2, 2, 0) for ‖x₀‖ > 1, (0, 2, 2) for
    ‖x₀‖ < 1, (0, 4, 0) on the circle ‖x₀‖ = 1. In the gauge X = L = [[a, 0], [b, c]] the
    plane is the line b = c = 0 (dimension 1 in the chart) and the circle is the chart point
    a = ±1 (dimension 0 in the chart). Its O(2)-orbit has tangent X·[[0, −1], [1, 0]] =
    [[0, ±1], [0, 0]] ≠ 0: rank 1, so the circle has dimension 1 in ℝ⁴ (it was reported 0);
    the disc ‖x₀‖ < 1 and the exterior ‖x₀‖ > 1 of the plane have dimension 2 (1 in the
    chart); the piece (the plane) has dimension 2."""
    L = ring
    assert L.evidence["quotient"] == "gauge"
    (circle,) = [c for c in L.components if c.inertia == (0, 4, 0)]
    assert circle.dimension == 1 and circle.orbit_dimension == 1
    assert circle.evidence["chart"]["dimension_in_chart"] == 0
    assert circle.evidence["chart"]["dimension"] == 1
    rep = circle.representative["X"]
    assert sp.simplify(rep[0, 0] ** 2 + rep[0, 1] ** 2) == 1 and rep[1, 0] == rep[1, 1] == 0
    strata = [c for c in L.components if c.inertia != (0, 4, 0)]
    assert sorted(c.inertia for c in strata) == [(0, 2, 2), (2, 2, 0), (2, 2, 0)]
    assert all(c.dimension == 2 and c.evidence["chart"]["dimension_in_chart"] == 1
               for c in strata)
    assert [p["dimension"] for p in L.pieces] == [2]


def test_the_same_set_in_the_identity_chart_has_the_same_dimensions(ring: Landscape) -> None:
    """The same f written in two vector variables a = x₀, b = x₁: no O(2) is proved (only
    sign flips), the engine stratifies the plane {b = 0} in the identity chart, literally. By
    hand the sets are the same as in the gauge: the circle (dimension 1, here split by a
    splitter a₀ into an arc set and two points, dimension 0), the disc and the exterior
    (dimension 2). The identity path is unchanged (point strata have dimension 0, no chart
    note), and for every inertia the largest dimension agrees with the gauge path."""
    L = landscape(CustomProblem({"a": [2], "b": [2]}, RING_VECTORS), budget=120)
    assert L.complete and L.evidence["quotient"] == "none"
    got = sorted((c.inertia, c.dimension) for c in L.components)
    assert got == [((0, 2, 2), 2), ((0, 4, 0), 0), ((0, 4, 0), 0), ((0, 4, 0), 1),
                   ((2, 2, 0), 2)]
    assert all("chart" not in c.evidence for c in L.components)
    assert _max_dim_by_inertia(L) == _max_dim_by_inertia(ring) == {
        (0, 4, 0): 1, (2, 2, 0): 2, (0, 2, 2): 2}


def test_gl1_charts_report_orbit_and_saturation_dimensions(hyperbola: Landscape) -> None:
    """f = (u·v₀ − 1)·(u·v₁)², u ∈ ℝ, v ∈ ℝ², GL(1): (u, v) ↦ (a·u, v/a).

    By hand: ∂_{v₀} f = u³v₁²; if u·v₁ ≠ 0 it is ≠ 0, so u·v₁ = 0, and then ∂_u f, ∂_{v₀} f,
    ∂_{v₁} f = 2(uv₀ − 1)u²v₁ all vanish: the stationary set is {u = 0} ∪ {v₁ = 0} (f ≡ 0).
    On {v₁ = 0} every second derivative carries a factor v₁ except ∂²_{v₁} f = 2(uv₀ − 1)u²:
    inertia (1, 2, 0) where uv₀ > 1, (0, 2, 1) where uv₀ < 1 and u ≠ 0, (0, 3, 0) on the
    hyperbola {uv₀ = 1, v₁ = 0}. The balanced slice u² = v₀² + v₁² meets it in the chart point
    (1, 1, 0) (and (−1, −1, 0), the same orbit), whose orbit {(a, 1/a, 0) : a ≠ 0} is the
    hyperbola: tangent (1, −1, 0) ≠ 0, dimension 1, two components (it was reported with
    dimension 0). The slice strata {u = v₀, v₁ = 0, v₀ > 1} (dimension 1 in the slice)
    saturate to {v₁ = 0, uv₀ > 1}: dimension 2 (it was reported 1); {u = −v₀, v₁ = 0}
    saturates to {v₁ = 0, uv₀ < 0}: dimension 2."""
    L = hyperbola
    assert L.evidence["quotient"] == "charts"
    (hyp,) = [c for c in L.components if c.inertia == (0, 3, 0) and "GL(1)-orbit"
              in c.description]
    assert hyp.dimension == 1 and hyp.orbit_dimension == 1 and hyp.count == 2
    assert hyp.evidence["chart"]["dimension_in_chart"] == 0
    u, v = hyp.representative["U"], hyp.representative["V"]
    assert u[0, 0] * v[0, 0] == 1 and v[1, 0] == 0
    slice_strata = [c for c in L.components if "balanced slice" in c.evidence.get(
        "chart", {}).get("name", "") and c.evidence["chart"]["dimension_in_chart"] == 1]
    assert len(slice_strata) == 4
    assert all(c.dimension == 2 for c in slice_strata)
    assert sorted(c.inertia for c in slice_strata) == [(0, 2, 1), (0, 2, 1), (1, 2, 0),
                                                       (1, 2, 0)]
    (origin,) = [c for c in L.components if c.description.endswith("the origin")]
    assert origin.dimension == 0 and origin.orbit_dimension == 0


@pytest.mark.parametrize("which", ["ring", "hyperbola"])
def test_dimension_between_orbit_dimension_and_nullity(which: str,
                                                       request: pytest.FixtureRequest) -> None:
    """At a point of a stationary set of dimension d (near a smooth point) the d tangent
    directions lie in the Hessian kernel, and the orbit lies in the set: orbit dimension
    <= dimension <= nullity for every entry."""
    L = request.getfixturevalue(which)
    for c in L.components:
        assert c.orbit_dimension <= c.dimension <= c.inertia[1], c.description


def test_planted_saturation_slip_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """A planted slip in the saturation rank (a dimension above the Hessian nullity) is not
    reported silently: the landscape says why it is INCONCLUSIVE."""
    from mfverify.symbolic import landscape_group

    monkeypatch.setattr(landscape_group, "saturated_dimension", lambda *a, **k: 7)
    L = landscape(CustomProblem({"X": [2, 2]}, RING), budget=120)
    assert not L.complete
    assert "its dimension is not determined" in L.reason


def test_cli_json_reports_original_dimensions(capsys: pytest.CaptureFixture[str]) -> None:
    from mfverify.cli import main

    spec = json.dumps({"problem": "custom", "variables": {"X": [2, 2]}, "objective": RING})
    main(["landscape", spec, "--json"])
    out: dict[str, Any] = json.loads(capsys.readouterr().out)
    dims = sorted(c["dimension"] for c in out["components"])
    assert dims == [1, 2, 2, 2]
    circle = [c for c in out["components"] if c["inertia"]["zero"] == 4][0]
    assert circle["evidence"]["chart"]["dimension_in_chart"] == 0
    assert [p["dimension"] for p in out["pieces"]] == [2]


@pytest.mark.parametrize("strategy,name", [("auto", "orbit construction"),
                                           ("groebner", "gauge")])
def test_evidence_names_the_quotient_actually_used(strategy: str, name: str) -> None:
    """Symmetric MF n = 3, r = 2, M = diag(3, 2, 1): strategy="auto" solves by the orbit
    construction (no gauge chart is solved; the evidence said "gauge"), "groebner" in the
    O(2) gauge."""
    L = landscape(SymmetricMF([[3, 0, 0], [0, 2, 0], [0, 0, 1]], rank=2), strategy=strategy)
    assert L.complete and L.evidence["quotient"] == name
    assert L.evidence.get("orbit_construction", "").startswith("applied") == (
        strategy == "auto")


def test_evidence_quotient_of_the_zero_dimensional_path() -> None:
    """r = 1: O(1) is finite. With msolve the full system is solved (no gauge: "none"),
    without it the O(1) gauge charts are ("gauge")."""
    L = landscape(SymmetricMF([[3, 0], [0, 1]], rank=1))
    assert L.complete
    by_msolve = isinstance(L.evidence.get("zero_dimensional"), dict)
    assert L.evidence["quotient"] == ("none" if by_msolve else "gauge")
    assert (L.evidence["charts"] == "none (finite group: the full system)") == by_msolve
