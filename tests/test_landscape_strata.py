"""Acceptance tests of stratified landscapes (issue 12, items 4 and 6) with custom objectives:
real and complex phase retrieval (Gaussian population objectives, constants derived here by exact
Gaussian moments), scalar deep linear networks, and a mutation test of an independent checker.

The checker :func:`check_landscape` does not use the engine: it re-differentiates the objective,
checks every listed component exactly (stationary, value) and its inertia at the representative
(50-digit eigenvalues), the consistency of type and inertia, and that seeded numerical
Levenberg–Marquardt searches (tests/lm_search.py) land on listed strata.
"""

from __future__ import annotations

import copy
import itertools
from typing import Any

import mpmath
import numpy as np
import pytest
import sympy as sp
from lm_search import stationary_points

from mfverify.problems.custom import CustomProblem
from mfverify.symbolic import landscape
from mfverify.symbolic.result import Landscape

# ---------------------------------------------------------------------------------------------
# Gaussian moments (exact)
# ---------------------------------------------------------------------------------------------


def gaussian_expectation(expr: sp.Expr, normals: list[sp.Symbol]) -> sp.Expr:
    """E[expr] for independent standard normals: E[g^k] = (k − 1)!! for even k, 0 for odd."""
    P = sp.Poly(sp.expand(expr), *normals)
    out = sp.Integer(0)
    for mon, c in P.terms():
        m = sp.Integer(1)
        for k in mon:
            m *= 0 if k % 2 else sp.factorial2(k - 1)
        out += c * m
    return sp.expand(out)


def real_pr_population(n: int) -> tuple[sp.Expr, list[sp.Symbol]]:
    """(1/4)·E[(⟨a, z⟩² − ⟨a, x⟩²)²], a ~ N(0, I_n), x = e₁, by exact moments."""
    a = sp.symbols(f"g0:{n}")
    z = sp.symbols(f"z_0:{n}")
    x = [1] + [0] * (n - 1)
    az = sum(ai * zi for ai, zi in zip(a, z, strict=True))
    ax = sum(ai * xi for ai, xi in zip(a, x, strict=True))
    return gaussian_expectation((az ** 2 - ax ** 2) ** 2 / 4, list(a)), list(z)


def complex_pr_population(n: int) -> tuple[sp.Expr, list[sp.Symbol], list[sp.Symbol]]:
    """(1/4)·E[(|⟨a, z⟩|² − |⟨a, x⟩|²)²], a = (g + i h)/√2 with g, h ~ N(0, I_n) (so
    E|a_k|² = 1), ⟨a, z⟩ = Σ conj(a_k) z_k, z = x_re + i x_im, x = e₁, by exact moments."""
    g = sp.symbols(f"g0:{n}")
    h = sp.symbols(f"h0:{n}")
    xr = sp.symbols(f"x_0:{n}")
    xi = sp.symbols(f"y_0:{n}")

    def inner(zr: list[Any], zi: list[Any]) -> tuple[sp.Expr, sp.Expr]:
        # conj(a)·z with a = (g + i h)/√2: real and imaginary parts times √2
        re = sum(gk * a + hk * b for gk, hk, a, b in zip(g, h, zr, zi, strict=True))
        im = sum(gk * b - hk * a for gk, hk, a, b in zip(g, h, zr, zi, strict=True))
        return re, im

    re, im = inner(list(xr), list(xi))
    re0, im0 = inner([1] + [0] * (n - 1), [0] * n)
    az2 = (re ** 2 + im ** 2) / 2
    ax2 = (re0 ** 2 + im0 ** 2) / 2
    return gaussian_expectation((az2 - ax2) ** 2 / 4, list(g) + list(h)), list(xr), list(xi)


def test_real_population_normalization() -> None:
    f, z = real_pr_population(4)
    nz = sum(v ** 2 for v in z)
    closed = sp.Rational(1, 4) * (3 * nz ** 2 + 3 - 2 * nz - 4 * z[0] ** 2)
    assert sp.expand(f - closed) == 0


def test_complex_population_normalization() -> None:
    """For circular a with E|a_k|² = 1: E|⟨a,z⟩|⁴ = 2‖z‖⁴ and E|⟨a,z⟩|²|⟨a,x⟩|² = ‖z‖²‖x‖² +
    |⟨x,z⟩|², so f = ½(‖z‖⁴ + ‖x‖⁴ − ‖z‖²‖x‖² − |⟨x, z⟩|²)."""
    f, xr, xi = complex_pr_population(2)
    nz = sum(v ** 2 for v in xr + xi)
    closed = sp.Rational(1, 2) * (nz ** 2 + 1 - nz - (xr[0] ** 2 + xi[0] ** 2))
    assert sp.expand(f - closed) == 0


# ---------------------------------------------------------------------------------------------
# the independent checker
# ---------------------------------------------------------------------------------------------


def _objective(problem: CustomProblem) -> tuple[sp.Expr, list[sp.Symbol]]:
    f = sp.expand(problem.scale * problem.sympy_objective)
    gens = list(problem.flatten(problem.symbolic_point()))
    return f, gens


def _plain(e: sp.Expr) -> sp.Expr:
    """The same polynomial in plain symbols (assumptions dropped), to compare by name."""
    return sp.expand(e.xreplace({v: sp.Symbol(v.name) for v in e.free_symbols}))


def _inertia(H: sp.Matrix) -> tuple[int, int, int]:
    with mpmath.workdps(50):
        ev = mpmath.eigsy(mpmath.matrix(H.evalf(60).tolist()))[0]
        vals = [ev[i] for i in range(H.rows)]
        tol = mpmath.mpf(10) ** -30
        return (sum(1 for v in vals if v > tol), sum(1 for v in vals if abs(v) <= tol),
                sum(1 for v in vals if v < -tol))


_EXACT: dict[tuple[str, str, str], tuple[bool, bool, tuple[int, int, int]]] = {}


def _exact_data(problem: CustomProblem, c: Any, f: sp.Expr, gens: list[sp.Symbol],
                grad: list[sp.Expr], Hs: sp.Matrix) -> tuple[bool, bool, tuple[int, int, int]]:
    """(∇f(rep) = 0, f(rep) = value, inertia at rep), cached by representative."""
    x = list(problem.flatten(c.representative))
    key = (str(f), str(x), str(c.value))
    if key not in _EXACT:
        sub = dict(zip(gens, x, strict=True))

        def zero(e: sp.Expr) -> bool:
            return sp.expand(e) == 0 or sp.simplify(e) == 0

        _EXACT[key] = (all(zero(g.xreplace(sub)) for g in grad),
                       zero(f.xreplace(sub) - c.value), _inertia(Hs.xreplace(sub)))
    return _EXACT[key]


def _type_errors(problem: CustomProblem, k: int, c: Any, inertia: tuple[int, int, int],
                 L: Landscape, f: sp.Expr, gens: list[sp.Symbol]) -> list[str]:
    errors = []
    pos, zero, neg = inertia
    t = c.type
    if t == "global_min" and (neg or (L.global_min_value is not None
                                     and sp.simplify(c.value - L.global_min_value) != 0)):
        errors.append(f"component {k}: global_min with inertia {inertia}, value {c.value}")
    if t in ("spurious_local_min", "local_min") and neg:
        errors.append(f"component {k}: a minimum with a negative eigenvalue")
    if t == "strict_saddle" and not neg:
        errors.append(f"component {k}: strict saddle without negative curvature")
    if t == "local_max" and pos:
        errors.append(f"component {k}: local max with a positive eigenvalue")
    if t == "degenerate_saddle" and (neg and pos):
        errors.append(f"component {k}: degenerate saddle that is strict")
    if t == "degenerate_saddle" and c.descent_curve is not None:
        tt = sp.Symbol("t")
        curve = list(problem.flatten(c.descent_curve.point))
        val = sp.expand(f.xreplace(dict(zip(gens, curve, strict=True))) - c.value)
        low = sp.Poly(val, tt).terms()[-1]
        if not (low[0][0] == c.descent_curve.order and low[1] < 0):
            errors.append(f"component {k}: the descent curve does not descend")
    return errors


_FOUND: dict[tuple[str, int, int], list[tuple[np.ndarray, np.ndarray]]] = {}


def _numerical_points(f: sp.Expr, gens: list[sp.Symbol], grad: list[sp.Expr], Hs: sp.Matrix,
                      trials: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Seeded LM stationary points with their Hessian eigenvalues (cached per objective)."""
    key = (str(f), trials, seed)
    if key not in _FOUND:
        gnum = sp.lambdify([gens], grad, "numpy")
        hnum = sp.lambdify([gens], Hs, "numpy")

        def gradient(z: np.ndarray) -> np.ndarray:
            return np.array(gnum(list(z)), dtype=float)

        _FOUND[key] = [(z, np.linalg.eigvalsh(np.array(hnum(list(z)), dtype=float)))
                       for z in stationary_points(gradient, len(gens), trials, seed,
                                                  sparse_every=2)]
    return _FOUND[key]


def check_landscape(problem: CustomProblem, L: Landscape, *, trials: int = 60,
                    seed: int = 0) -> list[str]:
    """Problems found (empty: the landscape passed). Independent of the engine."""
    f, gens = _objective(problem)
    grad = [sp.diff(f, g) for g in gens]
    Hs = sp.hessian(f, gens)
    errors: list[str] = []
    if not L.complete:
        errors.append(f"not complete: {L.reason}")
    for k, c in enumerate(L.components):
        stationary, value_ok, inertia = _exact_data(problem, c, f, gens, grad, Hs)
        if not stationary:
            errors.append(f"component {k}: representative not stationary")
        if not value_ok:
            errors.append(f"component {k}: stated value {c.value} is not f(rep)")
        if inertia != tuple(c.inertia):
            errors.append(f"component {k}: stated inertia {c.inertia}, actual {inertia}")
        errors += _type_errors(problem, k, c, inertia, L, f, gens)
    if L.global_min_value is not None and not any(
            c.type == "global_min" for c in L.components):
        errors.append("no global minimum listed")
    if errors:
        return errors
    # coverage: numerical stationary points land on listed strata of the right inertia
    found = _numerical_points(f, gens, grad, Hs, trials, seed)
    fnum = sp.lambdify([gens], f, "numpy")
    members = [_membership(problem, c, gens, fnum) for c in L.components]
    for z, ev in found:
        on = [k for k, m in enumerate(members) if m(z)]
        if not on:
            errors.append(f"numerical stationary point {np.round(z, 6).tolist()} is on no listed "
                          "component")
            break
        numeric = (int((ev > 1e-6).sum()), int((ev < -1e-6).sum()))
        matches = [k for k in on if (L.components[k].inertia[0],
                                     L.components[k].inertia[2]) == numeric]
        if not matches and all(abs(e) > 1e-4 or abs(e) < 1e-9 for e in ev):
            errors.append(f"numerical stationary point {np.round(z, 6).tolist()} has inertia "
                          f"{numeric}, unlike the listed component it lies on")
            break
    return errors


def _membership(problem: CustomProblem, c: Any, gens: list[sp.Symbol], fnum: Any,
                tol: float = 1e-6) -> Any:
    """z ↦ does z lie on the listed component c (numerically)?"""
    rep = np.array([float(sp.N(v)) for v in problem.flatten(c.representative)])
    plain = [sp.Symbol(g.name) for g in gens]
    eqs = c.evidence.get("equations")
    if eqs is not None:
        on = sp.lambdify([plain], [sp.sympify(e) for e in eqs] or [0], "numpy")
        off = sp.lambdify([plain], [sp.sympify(e) for e in c.evidence.get("nonzero", [])]
                          or [1], "numpy")
        return lambda z: (max(abs(float(v)) for v in on(list(z))) <= tol
                          and min(abs(float(v)) for v in off(list(z))) > tol)
    value = float(sp.N(c.value))
    if c.dimension == 0:
        return lambda z: bool(np.linalg.norm(z - rep) < 1e-5)
    if c.dimension > c.orbit_dimension:  # a piece given in a gauge chart: only its value
        return lambda z: abs(value - float(fnum(list(z)))) < 1e-8
    return lambda z: (abs(np.linalg.norm(z) - np.linalg.norm(rep)) < 1e-5
                      and abs(value - float(fnum(list(z)))) < 1e-8
                      and _same_orbit(problem, c, z))


def _same_orbit(problem: CustomProblem, c: Any, z: np.ndarray) -> bool:
    """U(1) on (x_k, y_k) pairs: z ~ rep iff the Hermitian Gram matrices agree."""
    rep = np.array([float(sp.N(v)) for v in problem.flatten(c.representative)])
    n = len(z) // 2

    def herm(v: np.ndarray) -> np.ndarray:
        w = v[:n] + 1j * v[n:]
        return np.outer(w, w.conj())

    return bool(np.abs(herm(z) - herm(rep)).max() < 1e-5)


# ---------------------------------------------------------------------------------------------
# acceptance landscapes
# ---------------------------------------------------------------------------------------------

NZ4 = "(z[0]**2 + z[1]**2 + z[2]**2 + z[3]**2)"
REAL_PR4 = f"(3*{NZ4}**2 + 3 - 2*{NZ4} - 4*z[0]**2)/4"
DLN4 = "(w[0]*w[1]*w[2]*w[3] - 1)**2"
NZC = "(x[0]**2 + x[1]**2 + y[0]**2 + y[1]**2)"
COMPLEX_PR2 = f"({NZC}**2 + 1 - {NZC} - (x[0]**2 + y[0]**2))/2"


@pytest.fixture(scope="module")
def real_pr() -> tuple[CustomProblem, Landscape]:
    p = CustomProblem({"z": [4]}, REAL_PR4)
    return p, landscape(p, budget=120)


@pytest.fixture(scope="module")
def dln4() -> tuple[CustomProblem, Landscape]:
    p = CustomProblem({"w": [4]}, DLN4)
    return p, landscape(p, budget=120)


@pytest.fixture(scope="module")
def complex_pr() -> tuple[CustomProblem, Landscape]:
    p = CustomProblem({"x": [2], "y": [2]}, COMPLEX_PR2)
    return p, landscape(p, budget=120)


def test_real_phase_retrieval_population_n4(real_pr: tuple[CustomProblem, Landscape]) -> None:
    p, L = real_pr
    f, z = real_pr_population(4)
    assert _plain(_objective(p)[0]) == _plain(f)
    assert L.complete and L.global_min_value == 0
    mins = L.of_type("global_min")
    assert sorted(tuple(c.representative["z"].tolist()) for c in mins) == [
        (-1, 0, 0, 0), (1, 0, 0, 0)]
    assert all(c.dimension == 0 and c.strict for c in mins)
    (mx,) = L.of_type("local_max")
    assert mx.representative["z"].tolist() == [0, 0, 0, 0] and mx.value == sp.Rational(3, 4)
    (sad,) = L.of_type("strict_saddle")
    assert sad.dimension == 2 and sad.inertia == (1, 2, 1) and sad.count == 1
    zs = sad.representative["z"]
    assert zs[0] == 0 and sp.simplify(sum(v ** 2 for v in zs) - sp.Rational(1, 3)) == 0
    assert set(sad.evidence["equations"]) == {"z_0", "z_1**2 + z_2**2 + z_3**2 - 1/3"}
    assert len(L.components) == 4 and L.real_component_count == 4
    assert not check_landscape(p, L)


def test_scalar_deep_network_depth4(dln4: tuple[CustomProblem, Landscape]) -> None:
    p, L = dln4
    assert L.complete and L.global_min_value == 0
    assert "GL(1)^3" in L.evidence["symmetry"]["group"]
    (gm,) = L.of_type("global_min")
    assert gm.dimension == 3 and gm.count == 8 and gm.orbit_dimension == 3
    assert not [c for c in L.components if c.type in ("spurious_local_min", "local_min",
                                                         "degenerate_unresolved", "local_max")]

    def zeros(c: Any) -> int:
        return sum(1 for v in c.representative["w"] if v == 0)

    strict = L.of_type("strict_saddle")
    assert len(strict) == 6 and all(zeros(c) == 2 and c.dimension == 2 and c.count == 4
                                    and c.inertia == (1, 2, 1) for c in strict)
    pairs = {frozenset(c.evidence["equations"]) for c in strict}
    assert pairs == {frozenset({f"w_{i}", f"w_{j}"}) for i, j in itertools.combinations(range(4),
                                                                                        2)}
    degen = L.of_type("degenerate_saddle")
    assert sorted((zeros(c), c.dimension) for c in degen) == [(3, 1)] * 4 + [(4, 0)]
    assert all(c.inertia == (0, 4, 0) and c.hessian_eigenvalues == [0] * 4 for c in degen)
    origin = [c for c in degen if c.dimension == 0][0]
    assert origin.descent_curve is not None and origin.descent_curve.order == 4
    # the saddles form one connected set (all six planes contain the origin); the minima 8
    assert L.real_component_count == 9
    assert not check_landscape(p, L)


def test_scalar_deep_network_depth3_every_point_resolved() -> None:
    """The issue's report: a line of strict saddles with a degenerate saddle at one point
    (the origin) is no longer one unresolved piece."""
    p = CustomProblem({"a": [], "b": [], "c": []}, "(a*b*c - 1)**2")
    L = landscape(p, budget=120)
    assert L.complete
    assert sorted(c.type for c in L.components) == [
        "degenerate_saddle", "global_min", "strict_saddle", "strict_saddle", "strict_saddle"]
    assert not check_landscape(p, L)


def test_complex_phase_retrieval_n2_real_pairs(complex_pr: tuple[CustomProblem, Landscape]
                                               ) -> None:
    p, L = complex_pr
    f, xr, xi = complex_pr_population(2)
    assert _plain(_objective(p)[0]) == _plain(f)
    assert L.complete and L.global_min_value == 0
    assert L.evidence["symmetry"]["group"].startswith("U(1)")
    (gm,) = L.of_type("global_min")
    assert gm.dimension == 1 and gm.orbit_dimension == 1 and gm.count == 1
    assert gm.inertia == (3, 1, 0) and gm.excess_zero_directions == 0
    (sad,) = L.of_type("strict_saddle")
    assert sad.dimension == 1 and sad.value == sp.Rational(3, 8) and sad.inertia == (1, 1, 2)
    (mx,) = L.of_type("local_max")
    assert mx.dimension == 0 and mx.value == sp.Rational(1, 2)
    assert len(L.components) == 3 and L.real_component_count == 3
    assert not check_landscape(p, L)


def test_finite_sample_complex_objective_uses_only_u1() -> None:
    """An objective invariant under z ↦ e^{iφ}z but not under conjugation: the group is U(1)
    (O(2) on the right of the pair matrix is refuted by the reflection identity)."""
    # |<a, z>|^2 for a = (1, i): |z_0 - i z_1|^2 with z_k = x_k + i y_k
    amp = "((x[0] + y[1])**2 + (y[0] - x[1])**2)"
    p = CustomProblem({"x": [2], "y": [2]}, f"({amp} - 1)**2 + ({NZC} - 1)**2")
    L = landscape(p, budget=120)
    assert L.evidence["symmetry"]["group"].startswith("U(1)")
    assert L.complete
    assert not check_landscape(p, L)


# ---------------------------------------------------------------------------------------------
# mutation test: a landscape with a stratum dropped or a type flipped is caught
# ---------------------------------------------------------------------------------------------


def _mutants(L: Landscape) -> list[tuple[str, Landscape]]:
    out = []
    for k in range(len(L.components)):
        m = copy.copy(L)
        m.components = [c for i, c in enumerate(L.components) if i != k]
        out.append((f"drop {k} ({L.components[k].type})", m))
    flips = {"global_min": "strict_saddle", "strict_saddle": "spurious_local_min",
             "degenerate_saddle": "strict_saddle", "local_max": "global_min"}
    for k, c in enumerate(L.components):
        m = copy.copy(L)
        m.components = list(L.components)
        m.components[k] = copy.copy(c)
        m.components[k].type = flips[c.type]
        out.append((f"flip {k} {c.type} -> {flips[c.type]}", m))
    return out


@pytest.mark.parametrize("which", ["real_pr", pytest.param("dln4", marks=pytest.mark.slow),
                                   "complex_pr"])
def test_mutants_are_caught(which: str, request: pytest.FixtureRequest) -> None:
    p, L = request.getfixturevalue(which)
    assert not check_landscape(p, L)
    for name, m in _mutants(L):
        assert check_landscape(p, m, trials=300), f"mutant not caught: {name}"


def test_cli_shows_strata_and_pieces(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from mfverify.cli import main

    spec = '{"problem":"custom","variables":{"a":[],"b":[],"c":[]},"objective":"(a*b*c - 1)**2"}'
    assert main(["landscape", spec]) == 0
    assert "closed pieces" in capsys.readouterr().out
    assert main(["landscape", spec, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["complete"] and out["real_component_count"] == 5
    assert sum(len(p["strata"]) for p in out["pieces"]) == len(out["components"])
    saddles = [c for c in out["components"] if c["type"] == "strict_saddle"]
    assert all(c["evidence"]["strata_certificate"] for c in saddles)


def test_unproved_coefficient_sign_stays_unresolved() -> None:
    """A stratum whose characteristic-polynomial coefficient has a factor of unproved sign is
    never given a type: the landscape is INCONCLUSIVE with the reason."""
    from mfverify.symbolic.stratify import definite_sign, sign_pattern

    a, b = sp.symbols("a b")
    assert definite_sign(a ** 2 + b ** 4 + 1, [a, b]) == 1
    assert definite_sign(-(a - b) ** 2 - 3, [a, b]) == -1
    assert definite_sign(a * b, [a, b]) is None
    sign, facs, why = sign_pattern(-4 * a ** 2 * b ** 2, [a, b])
    assert sign == -1 and set(facs) == {a, b}
    sign, _facs, why = sign_pattern(a * b, [a, b])
    assert sign is None and "not proved" in why


def test_sign_cells_of_a_line() -> None:
    """f = x·y²: on the line y = 0 the Hessian is diag(0, 2x); the factor x of c₁ = −2x has no
    definite sign, so the line splits into the cells x > 0 (Morse–Bott local minima, spurious:
    f is unbounded below), x < 0 (local maxima) and the point 0 (a degenerate saddle)."""
    p = CustomProblem({"x": [], "y": []}, "x*y**2")
    L = landscape(p, budget=120)
    assert L.complete and L.real_component_count == 1
    got = sorted((c.type, c.dimension, c.inertia) for c in L.components)
    assert got == [("degenerate_saddle", 0, (0, 2, 0)), ("local_max", 1, (0, 1, 1)),
                   ("spurious_local_min", 1, (1, 1, 0))]
    assert not check_landscape(p, L)


def test_infeasible_sign_cell_is_proved_empty() -> None:
    """(x² − 1)·y²: the cell {x − 1 > 0, x + 1 < 0} is infeasible (Fourier–Motzkin), the three
    others are local minima, local maxima, local minima."""
    L = landscape(CustomProblem({"x": [], "y": []}, "(x**2 - 1)*y**2"), budget=120)
    assert L.complete
    assert sorted(c.type for c in L.components if c.dimension == 1) == [
        "local_max", "local_min", "local_min"]
    assert L.real_component_count == 1


def test_families_agree_with_the_custom_objectives(dln4: tuple[CustomProblem, Landscape],
                                                   complex_pr: tuple[CustomProblem, Landscape]
                                                   ) -> None:
    """The same landscapes through the families (groups declared by Problem.group_action):
    the scalar depth-4 DeepLinearNetwork (chain action GL(1)³) and complex population phase
    retrieval n = 2 (U(1) on the rows of Z = [Re z, Im z])."""
    from mfverify.problems.deeplinear import DeepLinearNetwork
    from mfverify.problems.phase import PhaseRetrieval

    def summary(L: Landscape) -> list[tuple[str, int, tuple[int, int, int], Any]]:
        return sorted((c.type, c.dimension, c.inertia, c.count) for c in L.components)

    net = landscape(DeepLinearNetwork([[1]], [[1]], [1, 1, 1]), budget=120)
    assert net.complete and net.evidence["symmetry"]["group"] == "GL(1) × GL(1) × GL(1)"
    assert summary(net) == summary(dln4[1]) and net.real_component_count == 9
    cpr = landscape(PhaseRetrieval(signal=[1, 0], signal_imag=[0, 0], field="complex",
                                   model="population"), budget=120)
    assert cpr.complete and cpr.evidence["symmetry"]["group"] == "U(1)"
    assert [(c.type, c.dimension, c.value) for c in cpr.components] == [
        (c.type, c.dimension, c.value) for c in complex_pr[1].components]
