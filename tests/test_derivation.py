"""Exact mode of mfverify.derivation: acceptance tests of issue 4, diagnosis, structure, sizes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from mfverify import AsymmetricMF, SymmetricMF
from mfverify.derivation import (
    Structure,
    check_gradient,
    check_hessian,
    check_hvp,
    check_identity,
    structured_matrix,
)
from mfverify.derivation.exact import (
    find_nonzero_point,
    is_zero,
    parse_sizes,
    size_grid,
)
from mfverify.errors import ExpressionError, InputError, ShapeError

SYM = SymmetricMF([[1, 0], [0, 0]], rank=1)
TRUE_GRAD = "(X*X.T - M)*X"


# ---------------------------------------------------------------------------------------------
# acceptance (issue 4)
# ---------------------------------------------------------------------------------------------


def test_true_gradient_is_proved_for_every_size_in_range() -> None:
    res = check_gradient(SYM, TRUE_GRAD)
    assert res.verdict == "PROVED"
    assert res.counterexample is None and res.diagnosis is None
    assert {(s["n"], s["r"]) for s in res.sizes_checked} == {
        (1, 1), (2, 1), (2, 2), (3, 1), (3, 2), (3, 3)}
    out = res.to_json()
    assert out["verdict"] == "PROVED" and out["sizes_checked"]


def test_twice_the_gradient_is_refuted_with_diagnosis() -> None:
    res = check_gradient(SYM, "2*(X*X.T - M)*X")
    assert res.verdict == "REFUTED"
    assert res.diagnosis == "claimed = 2 × true gradient"
    ce = res.counterexample
    assert ce["size"] == {"n": 1, "r": 1}
    assert sp.Rational(ce["claimed"]) == 2 * sp.Rational(ce["true"]) != 0


def test_counterexample_rechecks_against_the_objective() -> None:
    """The reported values are exact: recompute the true gradient at the reported point from
    the objective's derivative (finite-free: via SymPy) and the claimed one by hand."""
    res = check_gradient(SYM, "(X*X.T + M)*X")
    ce = res.counterexample
    X = np.array(ce["point"]["X"], dtype=object)
    M = sp.Matrix(ce["point"]["M"]).applyfunc(sp.Rational)
    Xm = sp.Matrix(X.tolist()).applyfunc(sp.Rational)
    syms = sp.Matrix(Xm.rows, Xm.cols, lambda i, j: sp.Symbol(f"x{i}{j}"))
    f = sp.Rational(1, 4) * sum(v**2 for v in (syms * syms.T - M))
    grad = sp.Matrix(Xm.rows, Xm.cols, lambda i, j: sp.diff(f, syms[i, j]))
    grad = grad.subs(dict(zip(syms, Xm, strict=True)))
    claimed = (Xm * Xm.T + M) * Xm
    i, j = (int(t) for t in ce["entry"].split("[")[1].rstrip("]").split(","))
    assert sp.Rational(ce["true"]) == grad[i, j]
    assert sp.Rational(ce["claimed"]) == claimed[i, j]
    assert grad[i, j] != claimed[i, j]


def test_transposed_data_with_symmetric_M_declared_is_proved() -> None:
    assert check_gradient(SYM, "(X*X.T - M.T)*X").verdict == "PROVED"
    assert check_gradient(SYM, "(X*X.T - M.T)*X", symmetric=["M"]).verdict == "PROVED"


def test_transposed_data_without_the_declaration_is_refuted() -> None:
    res = check_gradient(SYM, "(X*X.T - M.T)*X", general=["M"])
    assert res.verdict == "REFUTED"
    ce = res.counterexample
    assert ce["size"]["n"] == 2  # at n = 1 every matrix is symmetric
    M = ce["point"]["M"]
    assert M[0][1] != M[1][0]
    assert sp.Rational(ce["claimed"]) != sp.Rational(ce["true"])
    assert "symmetrization" in res.diagnosis


def test_transpose_identity_needs_the_symmetry_declaration() -> None:
    decl = {"X": "n x r", "M": "n x n"}
    ident = "(X*X.T - M.T)*X == (X*X.T - M)*X"
    bad = check_identity(ident, declare=decl)
    assert bad.verdict == "REFUTED"
    assert bad.diagnosis == "LHS = RHS with M replaced by Mᵀ"
    assert check_identity(ident, declare=decl, symmetric=["M"]).verdict == "PROVED"


@pytest.mark.parametrize("text", [
    "__import__('os').system('touch PWNED')",
    "open('PWNED', 'w')",
    "X.__class__.__mro__",
    "(lambda: X)()",
    "[X for X in (1,)]",
    "eval('1')",
    "X if M else X",
    "X[0:1]",
    "globals()",
    "'abc'",
])
def test_hostile_expressions_are_rejected_and_nothing_runs(text: str, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises((ExpressionError, InputError)):
        check_gradient(SYM, text)
    with pytest.raises((ExpressionError, InputError)):
        check_identity(f"{text} == X", declare={"X": "n x n", "M": "n x n"})
    assert not (tmp_path / "PWNED").exists()


# ---------------------------------------------------------------------------------------------
# claims as SymPy expressions and callables
# ---------------------------------------------------------------------------------------------


def test_sympy_matrix_expression_claim() -> None:
    n, r = sp.symbols("n r", integer=True, positive=True)
    X = sp.MatrixSymbol("X", n, r)
    M = sp.MatrixSymbol("M", n, n)
    assert check_gradient(SYM, (X * X.T - M) * X, sizes="1..2").verdict == "PROVED"
    res = check_gradient(SYM, 2 * (X * X.T - M) * X, sizes="1..2")
    assert res.verdict == "REFUTED" and res.diagnosis == "claimed = 2 × true gradient"


def test_callable_claim() -> None:
    assert check_gradient(SYM, lambda X, M: (X @ X.T - M) @ X).verdict == "PROVED"
    res = check_gradient(SYM, lambda X, M: 0.5 * ((X @ X.T - M) @ X) if False else
                         ((X @ X.T - M) @ X) * sp.Rational(1, 2))
    assert res.verdict == "REFUTED" and res.diagnosis == "claimed = ½ × true gradient"


# ---------------------------------------------------------------------------------------------
# Hessians and HVPs
# ---------------------------------------------------------------------------------------------

HESS = "1/2*norm(X*D.T + D*X.T)^2 + inner(X*X.T - M, D*D.T) in D"
HVP = "(X*D.T + D*X.T)*X + (X*X.T - M)*D in D"


def test_hessian_quadratic_form_and_hvp_proved() -> None:
    assert check_hessian(SYM, HESS).verdict == "PROVED"
    assert check_hvp(SYM, HVP).verdict == "PROVED"


def test_hessian_and_hvp_slips_refuted() -> None:
    res = check_hessian(SYM, "norm(X*D.T + D*X.T)^2 + inner(X*X.T - M, D*D.T) in D")
    assert res.verdict == "REFUTED"
    res = check_hvp(SYM, "(D*X.T)*X + (X*X.T - M)*D in D")
    assert res.verdict == "REFUTED"
    assert res.counterexample["size"] == {"n": 1, "r": 1}


def test_direction_name_is_required_and_must_be_fresh() -> None:
    with pytest.raises(InputError):
        check_hessian(SYM, "inner(X, X)")
    with pytest.raises(InputError):
        check_hessian(SYM, "inner(X, M*X) in M")


def test_every_scale_symbolic() -> None:
    res = check_hessian(SYM, "4*scale*(1/2*norm(X*D.T + D*X.T)^2 + inner(X*X.T - M, D*D.T)) "
                             "in D", symbolic=["scale"], sizes="1..2")
    assert res.verdict == "PROVED"
    res = check_gradient(SYM, "2*scale*(X*X.T - M)*X", symbolic=["scale"], sizes="1..2")
    assert res.verdict == "REFUTED" and res.diagnosis == "claimed = ½ × true gradient"


def test_asymmetric_problem_needs_wrt() -> None:
    p = AsymmetricMF([[1, 0], [0, 1]], rank=1)
    with pytest.raises(InputError, match="wrt"):
        check_gradient(p, "(U*V.T - Sigma)*V")
    assert check_gradient(p, "(U*V.T - Sigma)*V", wrt="U", sizes="1..2").verdict == "PROVED"
    assert check_gradient(p, "(U*V.T - Sigma).T*U", wrt="V", sizes="1..2").verdict == "PROVED"
    res = check_gradient(p, "(U*V.T - Sigma.T)*V", wrt="U", sizes="m=2,n=2,r=1..2")
    assert res.verdict == "REFUTED"
    assert res.diagnosis == "claimed = true gradient with Sigma replaced by Sigmaᵀ"
    full = check_hessian(p, "norm(DU*V.T + U*DV.T)^2 + 2*inner(U*V.T - Sigma, DU*DV.T) "
                            "in DU, DV", sizes="1..2")
    assert full.verdict == "PROVED"


def test_claim_undefined_at_some_sizes_is_refuted() -> None:
    p = AsymmetricMF([[1, 0], [0, 1]], rank=1)
    res = check_gradient(p, "(U*V.T - Sigma.T)*V", wrt="U", sizes="1..2")
    assert res.verdict == "REFUTED"
    assert "not defined" in res.counterexample["difference"]


def test_inverses_are_rational_functions() -> None:
    res = check_gradient(SYM, "(X*X.T - M)*X*inv(X.T*X)*(X.T*X)", sizes="1..2")
    assert res.verdict == "PROVED"
    assert res.method.endswith("exact arithmetic: python-flint fmpq_mpoly")
    bad = check_gradient(SYM, "(X*X.T - M)*X*inv(X.T*X + eye(1))", sizes="n=1..2,r=1")
    assert bad.verdict == "REFUTED"
    ce = bad.counterexample
    x, m = sp.Rational(ce["point"]["X"][0][0]), sp.Rational(ce["point"]["M"][0][0])
    if ce["size"] == {"n": 1, "r": 1}:
        assert sp.Rational(ce["claimed"]) == (x**2 - m) * x / (x**2 + 1)


def test_radicals_fall_back_to_sympy() -> None:
    res = check_gradient(SYM, "norm(X)*(X*X.T - M)*X/norm(X)", sizes="1..2")
    assert res.verdict == "PROVED"
    assert res.method.endswith("exact arithmetic: SymPy")


# ---------------------------------------------------------------------------------------------
# property tests: diagnosis of constant factors
# ---------------------------------------------------------------------------------------------


@settings(max_examples=12)
@given(st.fractions(min_value=-4, max_value=4, max_denominator=6).filter(lambda q: q not in (0, 1)))
def test_factor_diagnosis(q) -> None:
    k = sp.Rational(q.numerator, q.denominator)
    res = check_gradient(SYM, f"({k})*(X*X.T - M)*X", sizes="1..2")
    assert res.verdict == "REFUTED"
    assert res.diagnosis is not None and "× true gradient" in res.diagnosis
    assert sp.Rational(res.counterexample["claimed"]) == k * sp.Rational(res.counterexample["true"])


@settings(max_examples=10)
@given(st.integers(1, 3), st.integers(1, 3), st.sampled_from(list(Structure)))
def test_structured_matrix_structure(n: int, m: int, structure: Structure) -> None:
    if structure is not Structure.GENERAL and n != m:
        with pytest.raises(ShapeError):
            structured_matrix("A", n, m, structure)
        return
    A = sp.Matrix(structured_matrix("A", n, m, structure).tolist())
    if structure is Structure.SYMMETRIC:
        assert A == A.T
    elif structure is Structure.SKEW:
        assert A == -A.T
    elif structure is Structure.DIAGONAL:
        assert A == sp.diag(*[A[i, i] for i in range(n)])
    nsyms = len(A.free_symbols)
    expected = {Structure.GENERAL: n * m, Structure.SYMMETRIC: n * (n + 1) // 2,
                Structure.SKEW: n * (n - 1) // 2, Structure.DIAGONAL: n}[structure]
    assert nsyms == expected


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


def test_sizes_parsing_and_order() -> None:
    assert parse_sizes("1..2", ("n", "r")) == {"n": (1, 2), "r": (1, 2)}
    assert parse_sizes("n=2..3,r=1", ("n", "r")) == {"n": (2, 3), "r": (1,)}
    assert parse_sizes(None, ("n",)) == {"n": (1, 2, 3)}
    grid = size_grid({"n": (1, 2, 3), "r": (1, 2)})
    assert grid[0] == {"n": 1, "r": 1}
    assert [sum(s.values()) for s in grid] == sorted(sum(s.values()) for s in grid)
    for bad in ("0..2", "1..99", "n=1..2,z=1", "a..b", "3..1"):
        with pytest.raises(InputError):
            parse_sizes(bad, ("n", "r"))


def test_is_zero_and_nonzero_point() -> None:
    x, y = sp.symbols("x y", real=True)
    assert is_zero((x + y) ** 2 - x**2 - 2 * x * y - y**2) is True
    assert is_zero(x / (x + 1) - 1 + 1 / (x + 1)) is True
    assert is_zero(x * y - y * x + x) is False
    p = find_nonzero_point(x * y - 2, [x, y])
    assert p is not None and (x * y - 2).subs(p) != 0
    q = find_nonzero_point(x * (x - 1) * (x + 1) * y, [x, y])
    assert q is not None and (x * (x - 1) * (x + 1) * y).subs(q) != 0


def test_where_definitions() -> None:
    res = check_gradient(SYM, "R*X", where=["R = X*X.T - M"])
    assert res.verdict == "PROVED"
    with pytest.raises(ExpressionError):
        check_gradient(SYM, "R*X", where=["M = X*X.T"])


def test_declaring_unknown_or_variable_structure_is_an_error() -> None:
    with pytest.raises(InputError):
        check_gradient(SYM, TRUE_GRAD, symmetric=["Q"])
    with pytest.raises(InputError):
        check_gradient(SYM, TRUE_GRAD, symmetric=["X"])
    with pytest.raises(InputError):
        check_gradient(SYM, TRUE_GRAD, symmetric=["M"], general=["M"])


# ---------------------------------------------------------------------------------------------
# regressions
# ---------------------------------------------------------------------------------------------


def test_regression_polynomial_backend_scalars_are_not_sequences() -> None:
    """python-flint polynomials have a length; NumPy once broadcast a scalar polynomial as a
    sequence of its terms (scalar * matrix gave the wrong shape)."""
    res = check_hessian(SYM, "1/2*norm(X*D.T + D*X.T)^2 + inner(X*X.T - M, D*D.T) in D",
                        sizes="1..2")
    assert res.verdict == "PROVED"
    assert "python-flint" in res.method


def test_regression_diagnosis_survives_replacements_that_do_not_type_check() -> None:
    """Transposing a square-at-this-size block (K) in a diagnosis candidate used to raise a
    ShapeError out of the whole check."""
    decl = {"U": "d x d", "K": "q x d", "Sigma": "d x d"}
    res = check_identity("U*K.T*K == K.T*K*U", declare=decl, sizes="d=1..2,q=1..2")
    assert res.verdict == "REFUTED"


def test_flow_must_preserve_declared_structure() -> None:
    with pytest.raises(InputError, match="structure"):
        check_identity("d/dt trace(P) == trace(P*A)",
                       declare={"P": "n x n symmetric", "A": "n x n"}, flow={"P": "P*A"},
                       sizes="2")
    with pytest.raises(InputError, match="flow"):
        check_identity("d/dt trace(P) == 0", declare={"P": "n x n"})


def test_plot_taylor_draws_the_check() -> None:
    pytest.importorskip("matplotlib")
    from mfverify.plot import plot_taylor

    res = check_gradient(SYM, TRUE_GRAD, numeric=True, size={"n": 10, "r": 2}, points=1)
    ax = plot_taylor(res.checks[0])
    assert ax.get_xscale() == "log"


def test_custom_problem_declares_nothing_so_the_declaration_decides() -> None:
    """Acceptance, read literally: for ¼‖XXᵀ − M‖² written by hand (no structure required of
    M), (XXᵀ − Mᵀ)X is PROVED with M declared symmetric and REFUTED without."""
    from mfverify.spec import load_spec

    p = load_spec({"problem": "custom", "variables": {"X": [2, 2]},
                   "data": {"M": [[3, 1], [1, "1/2"]]}, "objective": "norm(X*X.T - M)^2",
                   "scale": "1/4"})
    assert check_gradient(p, "(X*X.T - M.T)*X", symmetric=["M"]).verdict == "PROVED"
    res = check_gradient(p, "(X*X.T - M.T)*X")
    assert res.verdict == "REFUTED"
    M = res.counterexample["point"]["M"]
    assert M[0][1] != M[1][0]
    assert res.counterexample["claimed"] != res.counterexample["true"]


def test_regression_floats_in_a_callable_never_prove() -> None:
    """A callable computing with floats (1.0 * ...) used to be PROVED through SymPy's Float
    arithmetic; floats are now taken at their exact binary values and never give PROVED."""
    res = check_gradient(SYM, lambda X, M: 1.0 * ((X @ X.T - M) @ X), sizes="1..2")
    assert res.verdict == "INCONCLUSIVE"
    assert any("floating-point" in n for n in res.notes)
    n, r = sp.symbols("n r", integer=True, positive=True)
    X, M = sp.MatrixSymbol("X", n, r), sp.MatrixSymbol("M", n, n)
    assert check_gradient(SYM, sp.Float(1.0) * (X * X.T - M) * X,
                          sizes="1..2").verdict == "INCONCLUSIVE"
    # a float that differs from the truth is still refuted, with exact values
    bad = check_gradient(SYM, lambda X, M: 1.0000000000000002 * ((X @ X.T - M) @ X),
                         sizes="1..2")
    assert bad.verdict == "REFUTED"
    assert sp.Rational(bad.counterexample["claimed"]) == \
        sp.Rational(1.0000000000000002) * sp.Rational(bad.counterexample["true"])
    ident = check_identity(("X*1", lambda X: X * 1.0), declare={"X": "n x n"}, sizes="1..2")
    assert ident.verdict == "INCONCLUSIVE"
