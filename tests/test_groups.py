"""Group actions as objects (mfverify/problems/groups.py): the actions the symmetry theory of
Li et al. (2019) needs, their Lie algebras and finite parts, and invariance proved from f."""

from __future__ import annotations

import numpy as np
import sympy as sp

from mfverify.problems import AsymmetricMF, SymmetricMF
from mfverify.problems.custom import CustomProblem
from mfverify.problems.groups import (
    DiagonalTorus,
    GLChain,
    GLPair,
    RightOrthogonal,
    SignGroup,
    UnitaryPhase,
    flat_layout,
)
from mfverify.symbolic import landscape, objective_polynomial
from mfverify.symbolic.symmetry import prove_invariance, verify_invariance

NET = ("(W2[0,0]*W1[0,0] + W2[0,1]*W1[1,0] - 1)**2"
       " + (W2[0,0]*W1[0,1] + W2[0,1]*W1[1,1])**2")


def _exp(xi: sp.Matrix, t: sp.Rational) -> sp.Matrix:
    """exp(t·ξ) to many terms (rational, for a numeric group-element check)."""
    out, term = sp.eye(xi.rows), sp.eye(xi.rows)
    for k in range(1, 25):
        term = term * xi * t / k
        out += term
    return out


def test_default_actions_from_the_records() -> None:
    sym = SymmetricMF([[3, 0], [0, 1]], 2).group_action()
    assert isinstance(sym, RightOrthogonal) and sym.dimension == 1
    (xi,) = sym.lie_algebra()
    assert xi.T == -xi  # skew on the flat vector: O(r) acts orthogonally
    (g,) = sym.finite_part()
    assert g * g == sp.eye(4) and g.det() == 1  # diag(-1, 1) on each row of X
    asym = AsymmetricMF([[2, 0], [0, 1]], 2).group_action()
    assert isinstance(asym, GLPair) and asym.dimension == 4
    assert len(asym.lie_algebra()) == 4


def test_chain_action_of_a_deep_linear_network() -> None:
    """(W₂A⁻¹, AW₁) for A ∈ GL(2): the Lie algebra gives δW₁ = EW₁, δW₂ = −W₂E, and
    f(g·x) = f(x) for a group element built from it."""
    p = CustomProblem({"W1": [2, 2], "W2": [1, 2]}, NET)
    f, gens = objective_polynomial(p)
    chain = GLChain(flat_layout(p.variables), ["W1", "W2"])
    assert chain.widths == [2] and chain.dimension == 4 and len(chain.finite_part()) == 1
    ids = prove_invariance(chain, f, gens)
    assert ids is not None and len(ids) == 5
    # a group element exp(ξ/3) of the identity component leaves f invariant (numerically)
    x = np.array([0.3, -1.2, 0.7, 2.0, 1.1, -0.4])
    fnum = sp.lambdify([gens], f)
    for xi in chain.lie_algebra():
        gx = np.array(_exp(xi, sp.Rational(1, 3)).evalf(30) * sp.Matrix(x), dtype=float).ravel()
        assert abs(fnum(list(gx)) - fnum(list(x))) < 1e-9
    # the engine finds it for a custom objective without a declaration
    proof = verify_invariance(p, f, gens)
    assert proof.group.startswith("GL(2)")


def test_false_invariance_is_refuted() -> None:
    p = CustomProblem({"W1": [2, 2], "W2": [1, 2]}, NET + " + W1[0,0]**2")
    f, gens = objective_polynomial(p)
    assert prove_invariance(GLChain(flat_layout(p.variables), ["W1", "W2"]), f, gens) is None


def test_u1_on_real_pairs_and_not_o2() -> None:
    """|z₀ − i z₁|² is invariant under z ↦ e^{iφ}z but not under conjugation."""
    amp = "((x[0] + y[1])**2 + (y[0] - x[1])**2)"
    p = CustomProblem({"x": [2], "y": [2]}, f"({amp} - 1)**2")
    f, gens = objective_polynomial(p)
    layout = flat_layout(p.variables)
    u1 = UnitaryPhase(layout, [(0, 2), (1, 3)])
    assert prove_invariance(u1, f, gens) is not None
    conj = SignGroup(layout, [[1, 1, -1, -1]])
    assert prove_invariance(conj, f, gens) is None
    assert verify_invariance(p, f, gens).group.startswith("U(1)")


def test_torus_and_sign_group_of_a_scalar_network() -> None:
    p = CustomProblem({"w": [4]}, "(w[0]*w[1]*w[2]*w[3] - 1)**2")
    f, gens = objective_polynomial(p)
    proof = verify_invariance(p, f, gens)
    tori = [a for a in proof.action.factors() if isinstance(a, DiagonalTorus)]
    signs = [a for a in proof.action.factors() if isinstance(a, SignGroup)]
    assert len(tori) == 1 and tori[0].dimension == 3
    assert all(sum(w) == 0 for w in tori[0].weights)  # every monomial has weight 0
    assert len(signs) == 1 and all(np.prod(g) == 1 for g in signs[0].generators)


def test_declared_group_action_hook_is_used_and_proved() -> None:
    """A family declares its group through Problem.group_action(); the engine proves it."""

    class Net(CustomProblem):
        def group_action(self) -> GLChain:
            return GLChain(flat_layout(self.variables), ["W1", "W2"])

    p = Net({"W1": [2, 2], "W2": [1, 2]}, NET)
    f, gens = objective_polynomial(p)
    proof = verify_invariance(p, f, gens)
    assert isinstance(proof.action, GLChain) and len(proof.identities) == 5


def test_orbit_dimension_of_the_chain_action_at_the_minimum() -> None:
    """At a global minimum of the 1-2-2 network the GL(2) chain orbit has dimension 4 and the
    null space of the Hessian contains its tangent (Li et al. 2019)."""
    L = landscape(CustomProblem({"W1": [2, 2], "W2": [1, 2]}, NET), budget=60)
    gm = L.of_type("global_min")
    assert gm and all(c.evidence["orbit_tangent_in_null_space"] for c in L.components)
