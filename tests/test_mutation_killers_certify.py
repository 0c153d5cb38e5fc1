"""Tests that kill planted mutants (mutation/mutants.py) in the certify engine."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import sympy as sp
from flint import arb, arb_mat
from hypothesis import given, settings
from hypothesis import strategies as st

from mfverify.certify import ball_inertia, check_certificate, derive, exact_inertia, krawczyk
from mfverify.certify.files import FORMAT, VERSION, load_problem

# ---------------------------------------------------------------------------------------------
# ball inertia is sound: a certified inertia holds for every symmetric matrix in the balls
# ---------------------------------------------------------------------------------------------


def _members(mid: np.ndarray, rad: np.ndarray) -> list[np.ndarray]:
    """Every vertex of the box of symmetric matrices (each upper entry at mid ± rad)."""
    n = mid.shape[0]
    upper = [(i, j) for i in range(n) for j in range(i, n)]
    out = []
    for signs in itertools.product((-1.0, 1.0), repeat=len(upper)):
        H = mid.copy()
        for (i, j), s in zip(upper, signs, strict=True):
            H[i, j] = H[j, i] = mid[i, j] + s * rad[i, j]
        out.append(H)
    return out


def _ball(mid: np.ndarray, rad: np.ndarray) -> arb_mat:
    n = mid.shape[0]
    return arb_mat([[arb(float(mid[i, j]), float(rad[i, j])) for j in range(n)]
                    for i in range(n)])


def _counts(H: np.ndarray) -> tuple[int, int] | None:
    ev = np.linalg.eigvalsh(H)
    if np.min(np.abs(ev)) < 1e-9:
        return None  # too close to singular to count in floating point
    return int(np.sum(ev > 0)), int(np.sum(ev < 0))


@pytest.mark.parametrize("diag", [1.0, -1.0])
def test_gershgorin_balls_with_indefinite_members_are_not_certified(diag: float) -> None:
    # the ball [[d, ±2], [±2, d]] (d = ±1, off-diagonal entries anywhere in [−2, 2]) holds d·I
    # (definite) and [[d, 2], [2, d]] (eigenvalues d + 2, d − 2: indefinite): no inertia is
    # common to all its members, so none may be certified
    H = arb_mat([[arb(diag), arb(0, 2)], [arb(0, 2), arb(diag)]])
    assert not ball_inertia(H).certified
    # the same members with the off-diagonal ball centred at 1: [[d, −1 .. 3], [.., d]]
    H = arb_mat([[arb(diag), arb(1, 2)], [arb(1, 2), arb(diag)]])
    assert not ball_inertia(H).certified
    # [[3, ±2], [±2, 1]]: det = 3 − t² changes sign on the ball; the second row's disc [−1, 3]
    # contains 0
    H = arb_mat([[arb(3 * diag), arb(0, 2)], [arb(0, 2), arb(diag)]])
    assert not ball_inertia(H).certified
    # a ball around 0 on the diagonal holds matrices of both signs there
    assert not ball_inertia(arb_mat([[arb(0, 1), arb(0)], [arb(0), arb(-3)]])).certified
    # positive control: tight balls around a definite matrix are certified
    H = arb_mat([[arb(diag * 3, 0.1), arb(1, 0.1)], [arb(1, 0.1), arb(diag * 3, 0.1)]])
    inert = ball_inertia(H)
    assert inert.certified and (inert.positive, inert.negative) == ((2, 0) if diag > 0 else
                                                                     (0, 2))


def test_congruence_certifies_beyond_the_plain_gershgorin_discs() -> None:
    # [[1, 2], [2, 5]] is positive definite (trace 6, det 1) although its own Gershgorin discs
    # [−1, 3] and [3, 7] do not show it: the congruence VᵀHV with the eigenvectors of mid(H)
    # must certify it (tight balls around it too)
    for rad in (0.0, 1e-6):
        H = arb_mat([[arb(1, rad), arb(2, rad)], [arb(2, rad), arb(5, rad)]])
        inert = ball_inertia(H)
        assert inert.certified and (inert.positive, inert.negative, inert.zero) == (2, 0, 0)
    inert = ball_inertia(arb_mat([[arb(-1), arb(2)], [arb(2), arb(-5)]]))
    assert inert.certified and (inert.positive, inert.negative) == (0, 2)


def test_non_finite_balls_are_not_certified() -> None:
    inf = arb("inf")
    for bad in (inf, -inf, arb("nan"), arb(0, inf)):
        assert not ball_inertia(arb_mat([[arb(1), arb(0)], [arb(0), bad]])).certified


@pytest.mark.parametrize("entries", [[[0, 0], [0, 1]], [[1, 0], [0, 0]], [[0, 0], [0, -2]],
                                     [[0, 0, 0], [0, 2, 0], [0, 0, -1]]])
def test_exactly_singular_matrices_are_never_certified(entries: list) -> None:
    # an exact (radius 0) matrix with a zero eigenvalue: its Gershgorin interval touches 0
    # exactly, and a zero eigenvalue can never be certified by the ball method
    n = len(entries)
    H = arb_mat([[arb(entries[i][j]) for j in range(n)] for i in range(n)])
    assert not ball_inertia(H).certified


@pytest.mark.parametrize("entries", [
    [["sqrt(2)", 0], [0, 1]], [["sqrt(2)", 1], [1, "sqrt(3)"]], [["-sqrt(2)", 1], [1, "sqrt(3)"]],
    [["sqrt(2)", "sqrt(2)"], ["sqrt(2)", "sqrt(2)"]], [[1, "sqrt(5)"], ["sqrt(5)", 4]],
    [["sqrt(2)", 0, 1], [0, "-sqrt(3)", 0], [1, 0, "1/2"]],
])
def test_exact_inertia_with_algebraic_entries(entries: list) -> None:
    # Descartes' rule on a characteristic polynomial with irrational coefficients: the counts
    # must match the eigenvalues, computed independently in floating point (well separated
    # from 0 here) and exactly for the zero eigenvalues
    M = sp.Matrix([[sp.sympify(v) for v in row] for row in entries])
    inert = exact_inertia(M)
    ev = np.linalg.eigvalsh(np.array(M.evalf(30).tolist(), dtype=float))
    zero = sum(1 for v in M.eigenvals(multiple=True) if sp.simplify(v) == 0)
    assert inert.certified
    assert (inert.positive, inert.negative, inert.zero) == (
        int(np.sum(ev > 1e-9)), int(np.sum(ev < -1e-9)), zero)


@settings(max_examples=60)
@given(st.integers(2, 3), st.lists(st.integers(-6, 6), min_size=9, max_size=9),
       st.lists(st.integers(0, 16), min_size=9, max_size=9))
def test_certified_ball_inertia_holds_for_every_vertex(n: int, centre: list[int],
                                                        radius: list[int]) -> None:
    mid = np.array(centre[: n * n], dtype=float).reshape(n, n) / 2
    mid = np.triu(mid) + np.triu(mid, 1).T
    rad = np.array(radius[: n * n], dtype=float).reshape(n, n) / 8
    rad = np.triu(rad) + np.triu(rad, 1).T
    inert = ball_inertia(_ball(mid, rad))
    if not inert.certified:
        return
    assert inert.zero == 0
    for H in [mid, *_members(mid, rad)]:
        counts = _counts(H)
        assert counts is None or counts == (inert.positive, inert.negative), (mid, rad)


# ---------------------------------------------------------------------------------------------
# Krawczyk proves uniqueness only where it holds
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cubic_gradient():
    # f(x) = x⁴/4 − x²/2: ∇f = x³ − x has exactly the zeros −1, 0, 1
    p = load_problem({"problem": "custom", "variables": {"x": []},
                      "objective": "x**4/4 - x**2/2"})
    return derive(p)


@pytest.mark.parametrize("centre,radius", [("0", "3/2"), ("1/2", "1"), ("0", "11/10"),
                                           ("-1/2", "3/4")])
def test_krawczyk_never_proves_a_box_with_several_zeros(cubic_gradient, centre: str,
                                                        radius: str) -> None:
    c, r = sp.Rational(centre), sp.Rational(radius)
    assert sum(1 for z in (-1, 0, 1) if c - r < z < c + r) >= 2
    assert not krawczyk(cubic_gradient, [centre], radius).proved


@settings(max_examples=40)
@given(st.integers(-12, 12), st.integers(1, 12))
def test_a_proved_krawczyk_box_holds_exactly_one_zero(cubic_gradient, c8: int, r8: int) -> None:
    c, r = sp.Rational(c8, 8), sp.Rational(r8, 8)
    res = krawczyk(cubic_gradient, [str(c)], str(r))
    inside = [z for z in (-1, 0, 1) if c - r <= z <= c + r]
    if res.proved:
        assert len(inside) == 1


def test_krawczyk_proves_the_isolated_zeros(cubic_gradient) -> None:
    # positive control: small boxes around each zero are proved
    for z in ("-1", "0", "1"):
        assert krawczyk(cubic_gradient, [z], "1/8").proved


# ---------------------------------------------------------------------------------------------
# certificates of strict spurious local minima
# ---------------------------------------------------------------------------------------------


def _local_min_doc(problem: dict, point: list[str], witness: list[str]) -> dict:
    return {"format": FORMAT, "version": VERSION, "problem": problem,
            "claims": [{"type": "strict_spurious_local_min", "point": {"exact": point},
                        "witness": witness}]}


def test_a_global_minimum_is_not_a_spurious_one() -> None:
    # X = (√3, 0) and its mirror image both attain the global minimum 1/4 of ¼‖XXᵀ − diag(3, 1)‖²
    doc = _local_min_doc({"problem": "symmetric", "M": [[3, 0], [0, 1]], "rank": 1},
                         ["sqrt(3)", "0"], ["-sqrt(3)", "0"])
    res = check_certificate(doc)
    assert not res.proved
    assert "not larger" in res.reasons[0]


def test_an_inflection_point_is_not_a_strict_local_minimum() -> None:
    # f(x) = x³: ∇f(0) = 0, ∇²f(0) = 0 (PSD but singular) and f(−1) = −1 < f(0)
    doc = _local_min_doc({"problem": "custom", "variables": {"x": []}, "objective": "x**3"},
                         ["0"], ["-1"])
    res = check_certificate(doc)
    assert not res.proved
    assert "not positive definite" in res.reasons[0]


def test_a_true_strict_spurious_minimum_is_certified() -> None:
    # positive control: the tilted double well f = (x² − 1)² + (x − 1)³/8 keeps the exact
    # stationary point x = 1 (f'' = 8 > 0, f = 0) while f(−1) = −1 is lower: a strict spurious
    # local minimum
    doc = _local_min_doc({"problem": "custom", "variables": {"x": []},
                          "objective": "(x**2 - 1)**2 + (x - 1)**3/8"}, ["1"], ["-1"])
    p = load_problem(doc["problem"])
    x = sp.Symbol("x")
    f = (x**2 - 1) ** 2 + (x - 1) ** 3 / 8
    assert sp.diff(f, x).subs(x, 1) == 0 and sp.diff(f, x, 2).subs(x, 1) > 0
    assert f.subs(x, -1) < f.subs(x, 1)
    assert p.value({"x": 1}, "exact") == f.subs(x, 1)
    res = check_certificate(doc)
    assert res.proved, res.reasons
