"""Tests that kill planted mutants (mutation/mutants.py) in the symbolic engine.

Independent exact checks of the orbit-strata landscapes (symmetric MF with repeated eigenvalues,
balanced and unbalanced asymmetric MF with repeated singular values): every listed component's
representative is re-evaluated with the problem's own exact objective and gradient (stationary,
with the stated value), and the global minimum is compared with the Eckart–Young value
c·Σ_{i>r} σ_i² (Eckart & Young 1936), computed here from the spectrum alone.
"""

from __future__ import annotations

import re

import pytest
import sympy as sp

from mfverify.problems import AsymmetricMF, SymmetricMF
from mfverify.symbolic import landscape


def _exact(value: object) -> sp.Expr:
    return sp.nsimplify(sp.radsimp(sp.expand(sp.sympify(value))))


def _check_components(problem, L) -> None:
    """Each component: stationary with its value at its representative; the value printed in
    its description and the value of its closed piece (when listed) agree with it."""
    assert L.complete
    for piece in L.pieces or []:
        for i in piece["strata"]:
            assert sp.sympify(piece["value"]) == L.components[i].value, piece
    for c in L.components:
        printed = re.search(r"; value ([^;]+);", c.description)
        if printed:
            assert sp.sympify(printed.group(1)) == c.value, c.description
        rep = {k: v for k, v in c.representative.items()}
        val = _exact(problem.value(rep, "exact"))
        assert sp.simplify(val - c.value) == 0, (c.type, val, c.value)
        grad = problem.grad(rep, "exact")
        for g in grad.values():
            assert all(sp.simplify(sp.radsimp(sp.expand(e))) == 0 for e in g.reshape(-1))


def _eckart_young(values: list[int], r: int, c: sp.Rational) -> sp.Rational:
    tail = sorted(values, reverse=True)[r:]
    return c * sum(sp.Integer(v) ** 2 for v in tail)


@pytest.mark.parametrize("diag,r", [((2, 2, 1), 2), ((2, 2, 1), 1), ((3, 1, 1), 2),
                                    ((1, 1, 1), 2)])
def test_symmetric_repeated_eigenvalues_values_and_global_minimum(diag: tuple, r: int) -> None:
    p = SymmetricMF(sp.diag(*diag).tolist(), rank=r)
    L = landscape(p)
    _check_components(p, L)
    gmin = min(c.value for c in L.components)
    assert gmin == _eckart_young(list(diag), r, sp.Rational(1, 4))
    assert [c.value for c in L.of_type("global_min")] == [gmin]


def test_issue_case_diag_2_2_1_rank_2() -> None:
    # ¼‖XXᵀ − diag(2, 2, 1)‖², r = 2: the global minimum keeps the repeated eigenvalue 2 (twice)
    # and leaves ¼·1² = 1/4; the rank-2 orbit through (2, 1) has ¼·2² = 1
    L = landscape(SymmetricMF([[2, 0, 0], [0, 2, 0], [0, 0, 1]], rank=2))
    assert L.complete
    values = sorted({c.value for c in L.components})
    assert values[:2] == [sp.Rational(1, 4), 1]


@pytest.mark.parametrize("Sigma,r", [([[2, 0], [0, 2]], 1), ([[2, 0, 0], [0, 2, 0]], 2),
                                     ([[2, 0, 0], [0, 2, 0], [0, 0, 1]], 2)])
def test_balanced_repeated_singular_values_values(Sigma: list, r: int) -> None:
    p = AsymmetricMF(Sigma, rank=r, balance=1)
    L = landscape(p)
    _check_components(p, L)
    sv = [abs(Sigma[i][i]) for i in range(min(len(Sigma), len(Sigma[0])))]
    assert min(c.value for c in L.components) == _eckart_young(sv, r, sp.Rational(1, 2))


@pytest.mark.parametrize("Sigma,r", [([[2, 0], [0, 2]], 2), ([[2, 0, 0], [0, 2, 0]], 2)])
def test_unbalanced_repeated_singular_values_values(Sigma: list, r: int) -> None:
    p = AsymmetricMF(Sigma, rank=r)
    L = landscape(p)
    _check_components(p, L)
    sv = [abs(Sigma[i][i]) for i in range(min(len(Sigma), len(Sigma[0])))]
    assert min(c.value for c in L.components) == _eckart_young(sv, r, sp.Rational(1, 2))
