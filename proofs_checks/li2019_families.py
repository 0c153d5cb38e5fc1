"""Li, Lu, Arora, Haupt, Liu, Wang & Zhao (2019, "Symmetry, saddle points, and global
optimization landscape of nonconvex matrix factorization", IEEE Trans. Inf. Theory 65(6)): the
invariant-group facts (stationary points map to stationary points; the orbit tangent lies in
the Hessian null space) on two of the examples their abstract names,
phase retrieval and deep linear networks.

For f invariant under a linear action x ↦ L_g x with Lie-algebra tangents ξ_Ω(x) = L_Ω x:

* **G1, stationary points map to stationary points**: f(L_g x) = f(x) gives
  L_gᵀ∇f(L_g x) = ∇f(x), so ∇f(x) = 0 ⇒ ∇f(g·x) = 0;
* **G2, the orbit tangent lies in the Hessian null space at stationary points**: differentiating
  ⟨∇f(x), L_Ω x⟩ ≡ 0 gives the identity ∇²f(x)·L_Ω x + L_Ωᵀ∇f(x) ≡ 0, so ∇²f(x)ξ_Ω(x) = 0
  wherever ∇f(x) = 0.

``li2019.families-orbit-hessian`` proves the G2 identity exactly, as a polynomial identity in
ℚ[x, data], for every Lie-algebra basis element, on complex phase retrieval (finite measurements
and the population objective, U(1)) and on deep linear networks (the GL(dᵢ) chain; O(dᵢ) with
the balancing term). ``li2019.families-stationary-orbits`` checks G1 and G2 at exact stationary
points of listed instances, for rational group elements, and compares dim null ∇²f(x) with the
orbit dimension: equal at the generic points listed (global minima with full-rank products,
the complex global-minimum circle), larger (the excess is reported) at degenerate ones (the
origin of a deep network, rank-deficient saddles).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import sympy as sp

from mfverify.claims import Hypothesis, Outcome, RunContext, Verdict, claim
from mfverify.claims.citations import cite
from mfverify.problems import DeepLinearNetwork, PhaseRetrieval
from mfverify.problems.base import Problem
from mfverify.problems.groups import elementary_basis, skew_basis
from mfverify.problems.verify import symbolic_matrix

__all__ = ["g2_identity", "stationary_orbit_report"]

_U1 = [[0, 1], [-1, 0]]  # Z ↦ ZJᵀ: the U(1) generator on [Re z, Im z]


def _tangent_maps(p: Problem) -> list[Callable[[Any, dict[str, np.ndarray]], dict]]:
    """The linear maps x ↦ ξ_Ω(x) for a basis of the Lie algebra of p's group."""
    if isinstance(p, PhaseRetrieval):
        return [lambda A, x: {"z": x["z"] @ A.asarray(_U1)}] if p.complex else []
    assert isinstance(p, DeepLinearNetwork)
    maps = []
    for i, w in enumerate(p.hidden):
        lo, hi = f"W{i + 1}", f"W{i + 2}"
        for om in (skew_basis(w) if p.balanced else elementary_basis(w)):
            maps.append(lambda A, x, om=om, lo=lo, hi=hi: {
                **{k: A.zeros(v.shape) for k, v in x.items()},
                lo: A.asarray(om) @ x[lo], hi: -(x[hi] @ A.asarray(om))})
    return maps


def g2_identity(problem: Problem, data: dict[str, Any]) -> bool:
    """∇²f(x)ξ_Ω(x) + (∂ξ_Ω/∂x)ᵀ∇f(x) ≡ 0 for every basis tangent (exact, ring identities);
    ∇f and ∇²f are derivatives of the objective (not the closed forms)."""
    from .foundations_sensing import _RingSetup  # at run time: no re-registration

    s = _RingSetup(problem, data)
    f = s.objective()
    grad = [f.diff(xk) for xk in s.X]
    for tmap in _tangent_maps(problem):
        xi = list(problem.flatten(tmap(s.A, s.x)))
        for i, xi_k in enumerate(s.X):
            h_xi = sum((grad[i].diff(xj) * t for xj, t in zip(s.X, xi, strict=True)), s.R(0))
            jt_g = sum((s.R(t).diff(xi_k) * g for t, g in zip(xi, grad, strict=True)), s.R(0))
            if h_xi + jt_g != 0:
                return False
    return True


def _g2_instances(ctx: RunContext) -> list[tuple[str, Problem, dict[str, Any]]]:
    out: list[tuple[str, Problem, dict[str, Any]]] = []
    for n in (1, 2) if ctx.quick else (1, 2, 3):
        out.append((f"complex phase retrieval, population, n={n}",
                    PhaseRetrieval(signal=[0] * n, field="complex", model="population"),
                    {"x": symbolic_matrix("x", n, 2)}))
        out.append((f"complex phase retrieval, finite, n={n}, m=2",
                    PhaseRetrieval(a=[[0] * n] * 2, y=[0, 0], field="complex"),
                    {"a": symbolic_matrix("a", 2, n), "a_imag": symbolic_matrix("b", 2, n),
                     "y": np.array(sp.symbols("y0 y1", real=True), dtype=object)}))
    shapes = [(1, 1, 1), (1, 1, 1, 1), (2, 2, 2), (1, 2, 1), (2, 1, 2, 1)]
    if not ctx.quick:
        shapes += [(2, 2, 2, 2), (1, 2, 2, 1)]
    for dims in shapes:
        for lam in (0, 1):
            p = DeepLinearNetwork([[0]] * dims[0], [[0]] * dims[-1], list(dims[1:-1]),
                                  balance=lam)
            data = {"X": symbolic_matrix("X", dims[0], 1), "Y": symbolic_matrix("Y", dims[-1], 1)}
            out.append((f"deep linear dims={list(dims)}, balance={lam}", p, data))
    return out


@claim(
    "li2019.families-orbit-hessian",
    paper="li2019",
    source=("Li et al. 2019, abstract: the orbit tangent lies in the Hessian null space, on "
            "phase retrieval and deep linear networks"),
    cites=[cite("li2019", "abstract")],
    provenance="derived",
    statement="For complex phase retrieval (U(1)) and deep linear networks (GL(dᵢ) chain; "
              "O(dᵢ) with balancing): ∇²f(x)ξ_Ω(x) + (∂ξ_Ω)ᵀ∇f(x) ≡ 0 for every Lie-algebra "
              "basis tangent, so at every stationary point the orbit tangent lies in "
              "null ∇²f(x); exact, symbolic point and data, listed sizes.",
    latex=r"\nabla^2 f(x)\,\xi_\Omega(x) = -(\partial\xi_\Omega)^\top\nabla f(x)",
    conclusion="T_x(G·x) ⊆ null ∇²f(x) at every stationary point",
    tags=("phase_retrieval", "deep_linear"),
)
def families_orbit_hessian(ctx: RunContext) -> Outcome:
    checked, failures = [], []
    for label, p, data in _g2_instances(ctx):
        checked.append(label)
        if not g2_identity(p, data):
            failures.append(label)
    evidence = {"method": "exact in ℚ[x, data]: the derivative of the invariance identity "
                          "⟨∇f(x), ξ_Ω(x)⟩ ≡ 0, with ∇f, ∇²f the derivatives of the objective",
                "instances": checked, "failures": failures}
    if failures:
        return Outcome(Verdict.REFUTED, evidence, f"identity fails: {failures[0]}")
    return Outcome(Verdict.PROVED, evidence,
                   f"G2 identity proved on {len(checked)} instances")


# ---------------------------------------------------------------------------------------------
# exact stationary points
# ---------------------------------------------------------------------------------------------


def _point_cases() -> list[tuple[str, Problem, dict[str, Any], list[Any], bool]]:
    """(label, problem, stationary point, group elements, generic?)."""
    rot = [[sp.Rational(3, 5), sp.Rational(4, 5)], [-sp.Rational(4, 5), sp.Rational(3, 5)]]
    cpr = PhaseRetrieval(signal=[1, 0], field="complex", model="population")
    fin = PhaseRetrieval(a=[[1, 0], [0, 1], [1, 1], [1, -1]], a_imag=[[0, 1], [1, 0], [0, 1],
                         [1, 0]], signal=[1, 0], signal_imag=[0, "1/2"], field="complex")
    scalar3 = DeepLinearNetwork([[1]], [[1]], [1, 1])
    sq = DeepLinearNetwork([[1, 0], [0, 1]], [[2, 1], [0, 1]], [2])
    deep = DeepLinearNetwork([[1, 0], [0, 1]], [[2, 0], [0, 1]], [2, 2])
    bal = DeepLinearNetwork([[1, 0], [0, 1]], [[4, 0], [0, 1]], [2], balance=1)
    A2 = [[2, 1], [1, 1]]
    B2 = [[1, 1], [0, 2]]
    w = lambda *vals: {f"W{i + 1}": [[v]] for i, v in enumerate(vals)}  # noqa: E731
    return [
        ("complex PR population: global-minimum circle", cpr, {"z": [[1, 0], [0, 0]]}, [rot],
         True),
        ("complex PR population: saddle circle", cpr, {"z": [[0, 0], ["1/2", "1/2"]]}, [rot],
         True),
        ("complex PR population: local max 0", cpr, {"z": [[0, 0], [0, 0]]}, [rot], False),
        ("complex PR finite: global minimum at x", fin, {"z": [[1, 0], [0, "1/2"]]}, [rot],
         True),
        ("scalar depth 3: global min (1, 1, 1)", scalar3, w(1, 1, 1), [[[[2]], [[3]]]], True),
        ("scalar depth 3: saddle (0, 0, 1)", scalar3, w(0, 0, 1), [[[[2]], [[3]]]], False),
        ("scalar depth 3: origin", scalar3, w(0, 0, 0), [[[[2]], [[3]]]], False),
        ("depth 2, widths 2-2-2: global min W1 = I", sq,
         {"W1": [[1, 0], [0, 1]], "W2": [[2, 1], [0, 1]]}, [[A2], [B2]], True),
        ("depth 2, widths 2-2-2: saddle W = 0", sq,
         {"W1": [[0, 0], [0, 0]], "W2": [[0, 0], [0, 0]]}, [[A2]], False),
        ("depth 3, widths 2-2-2-2: global min", deep,
         {"W1": [[1, 0], [0, 1]], "W2": [[1, 0], [0, 1]], "W3": [[2, 0], [0, 1]]},
         [[A2, B2]], True),
        ("depth 3, widths 2-2-2-2: origin", deep,
         {"W1": [[0, 0], [0, 0]], "W2": [[0, 0], [0, 0]], "W3": [[0, 0], [0, 0]]},
         [[A2, B2]], False),
        ("balanced depth 2: balanced global min", bal,
         {"W1": [[2, 0], [0, 1]], "W2": [[2, 0], [0, 1]]}, [[rot]], True),
    ]


def stationary_orbit_report(label: str, p: Problem, x: dict[str, Any], elements: list[Any],
                            generic: bool) -> dict[str, Any]:
    """G1 and G2 at one exact stationary point: ∇f(g·x) = 0, f(g·x) = f(x), Hξ = 0, and
    dim null ∇²f − dim T_x(G·x)."""
    grad = p.flatten(p.grad(x, "exact"))
    stationary = all(sp.simplify(v) == 0 for v in grad)
    f0 = p.value(x, "exact")
    g1 = []
    for g in elements:
        y = p.act(x, g, "exact")
        gy = p.flatten(p.grad(y, "exact"))
        g1.append(all(sp.simplify(v) == 0 for v in gy) and
                  sp.simplify(p.value(y, "exact") - f0) == 0)
    H = sp.Matrix(p.hessian_matrix(x, "exact").tolist())
    T = [sp.Matrix(list(p.flatten(xi))) for xi in p.orbit_tangent(x)]
    in_null = all((H * t).applyfunc(sp.simplify).is_zero_matrix for t in T)
    orbit_dim = sp.Matrix.hstack(*T).rank() if T else 0
    null_dim = H.shape[0] - H.rank(simplify=True)
    return {"point": label, "stationary": stationary, "value": str(f0),
            "G1_maps_to_stationary": all(g1), "G2_tangent_in_null": in_null,
            "orbit_dimension": orbit_dim, "null_dimension": null_dim,
            "excess": null_dim - orbit_dim, "generic": generic}


@claim(
    "li2019.families-stationary-orbits",
    paper="li2019",
    source=("Li et al. 2019, abstract: invariance of stationarity and orbit tangents, on "
            "phase retrieval and deep linear networks"),
    cites=[cite("li2019", "abstract")],
    provenance="derived",
    statement="At exact stationary points of complex phase retrieval (population and finite) "
              "and of deep linear networks (scalar depth 3; widths 2-2-2, 2-2-2-2; balanced): "
              "rational group elements map them to stationary points of the same value, the "
              "orbit tangent lies in null ∇²f, with equality at the generic points listed "
              "(global minima with full-rank products, the complex minimum and saddle circles) "
              "and the excess reported at the others.",
    hypotheses=[Hypothesis("stationary", "the point is stationary",
                           "away from stationary points the orbit tangent is not in the null "
                           "space (∇²f ξ = −(∂ξ)ᵀ∇f ≠ 0)")],
    tags=("phase_retrieval", "deep_linear"),
)
def families_stationary_orbits(ctx: RunContext) -> Outcome:
    cases = _point_cases()
    if ctx.dropping("stationary"):
        p = cases[0][1]
        rep = stationary_orbit_report("complex PR population at z = (2, 0; 0, 0) (not "
                                      "stationary)", p, {"z": [[2, 0], [0, 0]]},
                                      cases[0][3], True)
        ev = {"report": rep}
        if not rep["G2_tangent_in_null"]:
            return Outcome(Verdict.REFUTED, ev, "at a non-stationary point the orbit tangent "
                           "is not in the Hessian null space")
        return Outcome(Verdict.INCONCLUSIVE, ev, "tangent in the null space anyway")
    rows = [stationary_orbit_report(*c) for c in cases]
    bad = [r["point"] for r in rows if not (r["stationary"] and r["G1_maps_to_stationary"] and
                                            r["G2_tangent_in_null"] and r["excess"] >= 0)]
    generic_bad = [r["point"] for r in rows if r["generic"] and r["excess"] != 0]
    evidence = {"method": "exact (SymPy): gradient at x and at g·x for rational g (the "
                          "rotation (3/5, 4/5) for U(1) and O(2), integer GL(2) matrices of the "
                          "chain), Hessian rank and the rank of the orbit tangent span",
                "points": rows}
    if bad or generic_bad:
        return Outcome(Verdict.REFUTED, evidence, f"G1/G2 fails at {(bad or generic_bad)[0]}")
    excess = {r["point"]: r["excess"] for r in rows if r["excess"]}
    return Outcome(Verdict.PROVED, evidence,
                   f"G1 and G2 at {len(rows)} stationary points; null = orbit tangent at the "
                   f"{sum(r['generic'] for r in rows)} generic ones; excess elsewhere: {excess}")
