"""Tests that kill planted mutants (mutation/mutants.py) in the derivation engine."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from mfverify.derivation import check_identity, structured_matrix
from mfverify.derivation.exact import first_mismatch


@pytest.mark.parametrize("rows,cols", [(1, 1), (1, 3), (2, 2), (3, 2)])
def test_a_change_in_any_single_entry_is_found_at_that_entry(rows: int, cols: int) -> None:
    # A and A + c·E_ij differ in exactly one entry: the comparison must find it there, with
    # the re-checked difference c (whatever the position of the entry, the last one included)
    A = structured_matrix("A", rows, cols)
    for i in range(rows):
        for j in range(cols):
            B = A.copy()
            B[i, j] = B[i, j] + sp.Rational(3, 2)
            syms = [e for e in A.reshape(-1) if isinstance(e, sp.Symbol)]
            mm, decided = first_mismatch(B, A, symbols=syms)
            assert decided and mm is not None
            assert mm.index == (i, j)
            assert mm.difference == sp.Rational(3, 2)
            same, decided = first_mismatch(A, A.copy(), symbols=syms)
            assert same is None and decided


def test_a_plus_e22_is_not_a_2x2_identity() -> None:
    # D − D₀₀·I = diag(0, D₁₁ − D₀₀): the two sides differ only in the last entry
    res = check_identity("A == A + D - D[0, 0]*eye(2)",
                         declare={"A": "2 x 2", "D": "2 x 2 diagonal"})
    assert res.verdict == "REFUTED"
    ce = res.counterexample
    assert ce["entry"].endswith("[1, 1]")
    D = np.array(ce["point"]["D"], dtype=object)
    assert sp.Rational(ce["lhs"]) - sp.Rational(ce["rhs"]) == -(sp.Rational(D[1, 1])
                                                                 - sp.Rational(D[0, 0]))
    # the same statement over a range of sizes: only the last diagonal entry differs
    res = check_identity("X*X.T == X*X.T + (X.T*X)[0, 0]*eye(2) - (X.T*X)[0, 0]*eye(2) "
                         "+ D - D[0, 0]*eye(2)", declare={"X": "2 x r", "D": "2 x 2 diagonal"},
                         sizes="r=1..2")
    assert res.verdict == "REFUTED"
    assert res.counterexample["entry"].endswith("[1, 1]")


def test_skew_structure_is_antisymmetric() -> None:
    # S = −Sᵀ with a zero diagonal: S + Sᵀ = 0 and xᵀSx = 0 hold, S = Sᵀ does not (n >= 2)
    decl = {"S": "n x n skew", "x": "n x 1"}
    assert check_identity("S + S.T == 0*S", declare=decl, sizes="1..3").verdict == "PROVED"
    assert check_identity("x.T*S*x == 0*x.T*x", declare=decl, sizes="1..3").verdict == "PROVED"
    res = check_identity("S == S.T", declare=decl, sizes="1..3")
    assert res.verdict == "REFUTED" and res.counterexample["size"] == {"n": 2}
    S = structured_matrix("S", 3, 3, "skew")
    assert all(sp.expand(S[i, j] + S[j, i]) == 0 for i in range(3) for j in range(3))
    assert len({e for e in S.reshape(-1) if isinstance(e, sp.Symbol)}) == 3
