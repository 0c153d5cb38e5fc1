"""Acceptance (issue 12, item 6): exact landscapes of depth-3 deep linear networks with a hidden
layer of width 2, through the ``DeepLinearNetwork`` family (chain action GL(d₁) × GL(d₂)).

The networks are f(W₁, W₂, W₃) = ½‖W₃W₂W₁X − Y‖²_F with X = I₂ and Y = (2, 0): the product
P = W₃W₂W₁ is the end-to-end map itself, Kawaguchi's rank hypotheses hold (XXᵀ = I and XYᵀ = Yᵀ
of full rank, YXᵀ(XXᵀ)⁻¹XYᵀ = 4 a single eigenvalue), and any nonzero 1×2 target is (‖Y‖, 0)·Q
for a rotation Q, which W₁ ↦ W₁Q absorbs, so Y = (2, 0) loses no generality (the scale 2 only
keeps the values apart from 1). Widths: d = (2, 2, 1, 1) (7 unknowns) and d = (2, 1, 2, 1)
(6 unknowns). The all-2 network d = (2, 2, 2, 2) (12 unknowns) does not complete within the
budget with the identity chart (see the report of the branch); it is not tested here.

Every listed component is re-checked here independently of the engine: the representative is
stationary (exact gradient from SymPy), its value and Hessian inertia are recomputed (exact
eigenvalues), a degenerate saddle's descent curve descends, the origin has a zero Hessian; the
minimum value agrees with reduced-rank regression (``optimal_values``). A slow test compares the
family result with the same objective written as a custom problem and runs the independent
checker of tests/test_landscape_strata.py on it (numerical coverage by Levenberg–Marquardt).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import sympy as sp

from mfverify.problems.deeplinear import DeepLinearNetwork
from mfverify.symbolic import landscape
from mfverify.symbolic.result import Landscape

X = [[1, 0], [0, 1]]
Y = [[2, 0]]
BAD = ("spurious_local_min", "local_min", "local_max", "degenerate_unresolved")


def _run(widths: list[int]) -> tuple[DeepLinearNetwork, Landscape]:
    p = DeepLinearNetwork(X, Y, widths)
    return p, landscape(p, budget=60)


@pytest.fixture(scope="module")
def net221() -> tuple[DeepLinearNetwork, Landscape]:
    return _run([2, 1])


@pytest.fixture(scope="module")
def net212() -> tuple[DeepLinearNetwork, Landscape]:
    return _run([1, 2])


def _size(p: DeepLinearNetwork) -> int:
    return sum(p.dims[i] * p.dims[i - 1] for i in range(1, p.depth + 1))


def _symbolic(p: DeepLinearNetwork) -> tuple[sp.Expr, list[sp.Symbol]]:
    syms = p.symbolic_point()
    W = [sp.Matrix(syms[f"W{i}"].tolist()) for i in range(1, p.depth + 1)]
    P = W[0]
    for Wi in W[1:]:
        P = Wi * P
    R = P * sp.Matrix(X) - sp.Matrix(Y)
    f = sp.expand(sum(e ** 2 for e in R) / 2)
    return f, [s for i in range(1, p.depth + 1) for s in syms[f"W{i}"].reshape(-1)]


def _independent_errors(p: DeepLinearNetwork, L: Landscape) -> list[str]:
    f, gens = _symbolic(p)
    grad = [sp.diff(f, g) for g in gens]
    H = sp.hessian(f, gens)
    errors = []
    for k, c in enumerate(L.components):
        x = [sp.nsimplify(v) if isinstance(v, float) else v
             for i in range(1, p.depth + 1) for v in c.representative[f"W{i}"].reshape(-1)]
        sub = dict(zip(gens, x, strict=True))
        if any(sp.simplify(g.xreplace(sub)) != 0 for g in grad):
            errors.append(f"component {k}: not stationary")
        if sp.simplify(f.xreplace(sub) - c.value) != 0:
            errors.append(f"component {k}: value {c.value} is not f(rep)")
        ev = H.xreplace(sub).eigenvals()
        pos = sum(m for e, m in ev.items() if sp.N(e, 40) > 1e-30)
        neg = sum(m for e, m in ev.items() if sp.N(e, 40) < -1e-30)
        inertia = (pos, len(gens) - pos - neg, neg)
        if inertia != tuple(c.inertia):
            errors.append(f"component {k}: inertia {c.inertia}, recomputed {inertia}")
        if c.type == "strict_saddle" and not neg:
            errors.append(f"component {k}: strict saddle without a negative eigenvalue")
        if c.type == "global_min" and (neg or c.value != L.global_min_value):
            errors.append(f"component {k}: global_min with inertia {inertia}, value {c.value}")
        if c.type == "degenerate_saddle":
            if neg and pos:
                errors.append(f"component {k}: degenerate saddle that is strict")
            if c.dimension == 0:
                curve = c.descent_curve
                if curve is None:
                    errors.append(f"component {k}: a degenerate point saddle without a curve")
                    continue
                t = sp.Symbol("t")
                pts = [e for i in range(1, p.depth + 1)
                       for e in sp.Array(curve.point[f"W{i}"]).reshape(
                           p.dims[i] * p.dims[i - 1])]
                diff = sp.Poly(sp.expand(f.xreplace(dict(zip(gens, pts, strict=True)))
                                         - c.value), t)
                (order,), coeff = diff.terms()[-1]
                if not (order == curve.order and coeff < 0):
                    errors.append(f"component {k}: the descent curve does not descend")
    return errors


def _check(p: DeepLinearNetwork, L: Landscape, group: str) -> None:
    assert L.complete, L.reason
    assert L.evidence["symmetry"]["group"] == group
    assert L.global_min_value == 0
    assert float(p.optimal_values()[0]) == 0.0
    assert not [c for c in L.components if c.type in BAD]
    (gm,) = L.of_type("global_min")
    # P = W₃W₂W₁ = Y: 2 equations on the product, so dimension (#unknowns − 2)
    assert gm.dimension == _size(p) - 2
    origins = [c for c in L.components if c.dimension == 0
               and all(v == 0 for W in c.representative.values() for v in W.reshape(-1))]
    assert len(origins) == 1
    (o,) = origins
    assert o.type == "degenerate_saddle" and o.value == 2
    assert o.inertia == (0, _size(p), 0) and o.hessian_eigenvalues == [0] * _size(p)
    # the cubic term −⟨Y, D₃D₂D₁⟩ decides: odd order 3
    assert o.descent_curve is not None and o.descent_curve.order == 3
    assert not _independent_errors(p, L)


def test_depth3_widths_2_2_1_1(net221: tuple[DeepLinearNetwork, Landscape]) -> None:
    p, L = net221
    assert p.dims == [2, 2, 1, 1]
    _check(p, L, "GL(2) × GL(1)")
    assert sorted((c.type, c.dimension) for c in L.components) == [
        ("degenerate_saddle", 0), ("degenerate_saddle", 2), ("global_min", 5),
        ("strict_saddle", 1), ("strict_saddle", 3), ("strict_saddle", 4),
        ("strict_saddle", 5)]


def test_depth3_widths_2_1_2_1(net212: tuple[DeepLinearNetwork, Landscape]) -> None:
    p, L = net212
    assert p.dims == [2, 1, 2, 1]
    _check(p, L, "GL(1) × GL(2)")


def test_a_wrong_inertia_or_value_is_caught(net221: tuple[DeepLinearNetwork, Landscape]
                                                ) -> None:
    """Mutation: the independent re-check notices a wrong inertia or a flipped type."""
    import copy

    p, L = net221
    for k, c in enumerate(L.components):
        m = copy.copy(L)
        m.components = list(L.components)
        m.components[k] = copy.copy(c)
        if c.type == "strict_saddle":
            m.components[k].inertia = (c.inertia[0] + c.inertia[2], c.inertia[1], 0)
        else:
            m.components[k].value = c.value + 1
        assert _independent_errors(p, m), f"mutant {k} ({c.type}) not caught"


@pytest.mark.slow
def test_family_agrees_with_the_custom_objective(net221: tuple[DeepLinearNetwork, Landscape]
                                                 ) -> None:
    """The same objective as a custom problem (torus and sign groups only), ~25 s: the same
    types, dimensions, inertias and values, and the independent checker (with numerical
    coverage) passes on it."""
    from test_landscape_strata import (
        _membership,
        _numerical_points,
        _objective,
        check_landscape,
    )

    from mfverify.problems.custom import CustomProblem

    p, L = net221
    prod = "c*(b[0]*a[{j}] + b[1]*a[{k}])"
    custom = CustomProblem({"a": [4], "b": [2], "c": []},
                           f"(({prod.format(j=0, k=2)} - 2)**2 + ({prod.format(j=1, k=3)})**2)"
                           "/2")
    Lc = landscape(custom, budget=120)

    def summary(M: Landscape) -> list[tuple[Any, ...]]:
        return sorted((c.type, c.dimension, c.inertia, str(c.value)) for c in M.components)

    assert Lc.complete and summary(Lc) == summary(L)
    # the exact part of the independent checker (stationarity, values, inertia, types, descent
    # curves) ...
    assert not check_landscape(custom, Lc, trials=0)
    # ... and numerical coverage: Levenberg–Marquardt stationary points land on listed strata.
    # The stationary set {b = c = 0} is unbounded and LM drifts along it to |a| ~ 1e6, where the
    # checker's absolute tolerance 1e-6 is meaningless; each point is first balanced along the
    # torus orbit ((a₂ₖ, a₂ₖ₊₁), bₖ) ↦ ((a₂ₖ, a₂ₖ₊₁)/s, s·bₖ) (f is invariant, the listed strata
    # are unions of orbits), with s the norm of the row when it exceeds 10, and likewise along
    # (b, c) ↦ (b/s, s·c)
    f, gens = _objective(custom)
    grad = [sp.diff(f, g) for g in gens]
    found = _numerical_points(f, gens, grad, sp.hessian(f, gens), 60, 0)
    fnum = sp.lambdify([gens], f, "numpy")
    # membership at the checker's tolerance 1e-6, or at 1e-3 (a point within 1e-3 of a lower
    # stratum, e.g. b ≈ 2e-4 after balancing, is numerically on its boundary)
    member = {k: [_membership(custom, c, gens, fnum, tol) for tol in (1e-6, 1e-3)]
              for k, c in enumerate(Lc.components)}
    members = [m for ms in member.values() for m in ms]

    def balanced(z: np.ndarray) -> np.ndarray:
        z = z.copy()
        for k in (0, 1):
            s = float(np.linalg.norm(z[2 * k:2 * k + 2]))
            if s > 10:
                z[2 * k:2 * k + 2] /= s
                z[4 + k] *= s
        for idx, other in ((slice(4, 6), slice(6, 7)), (slice(6, 7), slice(4, 6))):
            s = float(np.linalg.norm(z[idx]))      # (b, c) ↦ (b/s, s·c) and back
            if s > 10:
                z[idx] /= s
                z[other] *= s
        return z

    near = [balanced(z) for z, _ev in found]
    assert len(near) >= 40 and all(np.abs(z).max() <= 1e3 for z in near)
    missed = [z.round(6).tolist() for z in near if not any(m(z) for m in members)]
    assert not missed
    # the coverage test can fail: without the global-minimum stratum, runs are missed
    gm = next(k for k, c in enumerate(Lc.components) if c.type == "global_min")
    others = [m for k, ms in member.items() if k != gm for m in ms]
    assert any(not any(m(z) for m in others) for z in near)


def test_kawaguchi_exact_landscape_claim() -> None:
    from mfverify.claims import Verdict, get_claim, run_claim

    res = run_claim(get_claim("kawaguchi2016.exact-landscape"))
    assert res.verdict is Verdict.PROVED, res.summary
    assert all(r["complete"] and not r["bad"] and r["origin"]["descent_order"] == 3
               for r in res.evidence["networks"])
    assert res.evidence["data_hypotheses"]["XY^T_full_rank"]
