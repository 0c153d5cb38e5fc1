"""Real connected components of pieces and strata of the stationary set, exactly.

* a linear space is connected; linear equations plus one quadric: the quadric rule of
  :mod:`mfverify.symbolic.quadric` in the parameters of the linear space; a binomial
  hypersurface c·m(x) = d (m a monomial, c, d ≠ 0): one component per orthant of the support
  where sign(c·m) = sign(d) (there the set is the graph of log|x_i| over the other coordinates);
* a stratum that is a linear space minus hyperplanes with linearly independent normals has 2^k
  regions (a sign cell fixes some of the k signs); removed subspaces of codimension >= 2 do not
  disconnect;
* pieces that meet are glued (:func:`unglue`): connected pieces that meet form one component.

Anything else gives ``None`` (unknown, never guessed).
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from .quadric import quadric_components
from .stationary import Budget, solve_polynomial_system
from .stratify import Stratum

__all__ = ["piece_components", "stratum_components", "unglue"]


# ---------------------------------------------------------------------------------------------


def _linear_parametrization(basis: list[sp.Expr], gens: list[sp.Symbol]
                            ) -> tuple[dict[sp.Symbol, sp.Expr], list[sp.Expr]] | None:
    lin = [b for b in basis if sp.Poly(b, *gens).total_degree() <= 1]
    rest = [b for b in basis if sp.Poly(b, *gens).total_degree() > 1]
    if not lin:
        return {}, rest
    sol = sp.solve(lin, gens, dict=True)
    if len(sol) != 1:
        return None
    param = sol[0]
    return param, [sp.expand(b.xreplace(param)) for b in rest]


def _binomial_components(g: sp.Expr, gens: list[sp.Symbol]) -> int | None:
    """Components of {c·m(x) = d} for a monomial m and rational c, d ≠ 0 (all other
    coordinates free): in each orthant of the support where sign(c·m) = sign(d) the set is the
    graph of log|x_i| over the others, a connected set; so 2^(s−1) components when some exponent
    of the support is odd (s = support size), 2^s or 0 when all are even."""
    P = sp.Poly(g, *gens)
    terms = P.terms()
    if len(terms) != 2:
        return None
    (m1, c1), (m2, c2) = terms
    if sum(m2) != 0:
        (m1, c1), (m2, c2) = (m2, c2), (m1, c1)
    if sum(m2) != 0 or sum(m1) == 0:
        return None
    supp = [e for e in m1 if e]
    s = len(supp)
    if any(e % 2 for e in supp):
        return 2 ** (s - 1)
    return 2 ** s if (-c2 / c1) > 0 else None


def piece_components(basis: list[sp.Expr], gens: list[sp.Symbol]) -> tuple[int | None, str]:
    """(number of real connected components or None, description) of V(basis)."""
    eqs = ", ".join(str(b) for b in basis) or "all"
    pr = _linear_parametrization(basis, gens)
    if pr is None:
        return None, f"the set {{{eqs} = 0}}"
    param, rest = pr
    free = [g for g in gens if g not in param]
    if not rest:
        return 1, f"the linear space {{{eqs} = 0}} (connected)"
    if len(rest) == 1:
        q = quadric_components(rest[0], free)
        if q is not None and q[0] == len(free) - 1:
            what = "connected" if q[1] == 1 else f"{q[1]} connected components"
            if not param:
                return q[1], (f"the real quadric {{{rest[0]} = 0}}: dimension {q[0]}, " + what)
            return q[1], f"the quadric {{{eqs} = 0}} in a linear space: dimension {q[0]}, " + what
        b = _binomial_components(rest[0], free)
        if b is not None:
            return b, (f"the binomial hypersurface {{{eqs} = 0}}: {b} connected component"
                       + ("s" if b != 1 else "") + " (one per admissible orthant)")
    return None, f"the set {{{eqs} = 0}}"


def stratum_components(st: Stratum, gens: list[sp.Symbol]) -> int | None:
    """Components of a stratum: a linear space minus hyperplanes with independent normals (2^k
    regions; removed subspaces of codimension >= 2 do not disconnect), or a piece with a known
    count and nothing removed."""
    pr = _linear_parametrization(st.basis, gens)
    if pr is None:
        return None
    param, rest = pr
    if rest:
        if st.splitters or st.excluded:
            return None
        return piece_components(st.basis, gens)[0]
    free = [g for g in gens if g not in param]
    normals = []
    for g in [h for h in st.splitters if h not in st.cell] + list(st.cell):
        e = sp.expand(g.xreplace(param))
        if not e.free_symbols:
            return None if e == 0 else 1
        if sp.Poly(e, *free).total_degree() != 1:
            return None
        normals.append([sp.Poly(e, *free).coeff_monomial(v) for v in free])
    for ex in st.excluded:
        sub = [sp.expand(e.xreplace(param)) for e in ex]
        if any(sp.Poly(e, *free).total_degree() > 1 for e in sub if e.free_symbols):
            return None
        rank = sp.Matrix([[sp.Poly(e, *free).coeff_monomial(v) for v in free]
                          for e in sub if e.free_symbols] or [[0] * len(free)]).rank()
        if rank == 1:
            return None
    if normals and sp.Matrix(normals).rank() != len(normals):
        return None
    # regions of independent hyperplanes: 2^k, of which a sign cell fixes len(cell) signs
    return 2 ** (len(normals) - len(st.cell))


def unglue(records: list[Any], gens: list[sp.Symbol], budget: Budget, seed: int) -> None:
    """Pieces counted separately must not share components: for every pair, solve both sets of
    equations exactly. Connected pieces that meet form ONE component: the first of each cluster
    keeps count 1, the others get count 0 ("part of the component counted there"). A piece
    with several components that meets another gets count None (which of its components is
    joined is not determined). ``records`` have ``equations``, ``count``, ``text``."""
    counted = [g for g in records if g.count is not None]
    parent = list(range(len(counted)))

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for i, a in enumerate(counted):
        for j in range(i + 1, len(counted)):
            b = counted[j]
            sol = solve_polynomial_system(a.equations + b.equations, gens, budget, seed=seed)
            if not (sol.points or sol.pieces):
                continue
            if a.count == 1 and b.count == 1:
                parent[root(j)] = root(i)
                continue
            for g in (a, b):
                if g.count is not None:
                    g.count = None
                    g.text += " (meets another piece: components not counted)"
    for i, g in enumerate(counted):
        if g.count == 1 and root(i) != i:
            g.count = 0
            g.text += (" (meets another connected piece: one component together, "
                       "counted there)")


