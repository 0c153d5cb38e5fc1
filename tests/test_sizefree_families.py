"""All-sizes verdicts for the completion and phase-retrieval families (issue 13, item 4):
the Hadamard product in the grammar and in the size bound."""

from __future__ import annotations

import numpy as np
import pytest

from mfverify.derivation import check_gradient, check_hessian, check_hvp, check_identity
from mfverify.derivation.matrixcalc import Derivation
from mfverify.expr import evaluate, parse_expression, to_text
from mfverify.problems.completion import MatrixCompletion
from mfverify.problems.phase import PhaseRetrieval

SYM = MatrixCompletion([[1, 0], [0, 1]], [[1, 1], [1, 0]], 1)
ASYM = MatrixCompletion([[1, 0, 2], [0, 1, 1]], [[1, 1, 0], [1, 0, 1]], 1, symmetric=False)
GRAD = "4*scale*hadamard(mask, X*X.T - M)*X"


def test_hadamard_in_the_grammar() -> None:
    node = parse_expression("hadamard(A, B.T)", names=["A", "B"])
    assert to_text(node) == "hadamard(A, B.T)"
    A, B = np.arange(4.0).reshape(2, 2), np.arange(4.0, 8.0).reshape(2, 2)
    assert np.array_equal(evaluate(node, {"A": A, "B": B}), A * B.T)
    from mfverify.errors import ShapeError

    with pytest.raises(ShapeError):
        evaluate(parse_expression("hadamard(A, C)", names=["A", "C"]),
                 {"A": A, "C": np.ones((2, 3))})


@pytest.mark.parametrize("identity", [
    "hadamard(A, B) == hadamard(B, A)",
    "hadamard(A, B).T == hadamard(A.T, B.T)",
    "inner(hadamard(A, B), C) == inner(A, hadamard(B, C))",
    "hadamard(A + B, C) == hadamard(A, C) + hadamard(B, C)",
    "trace(hadamard(A, B)*C.T) == inner(hadamard(A, B), C)",
])
def test_hadamard_identities_are_proved_for_every_size(identity: str) -> None:
    res = check_identity(identity, declare={k: "n x m" for k in "ABC"})
    assert res.verdict == "PROVED" and res.scope == "all_sizes", res.summary()
    assert res.prover == "size_bound"  # the free algebra has no entrywise product
    assert any("hadamard" in n for n in res.notes)


def test_hadamard_identity_true_at_n_1_only_is_refuted_at_2() -> None:
    res = check_identity("hadamard(A, B) == A*B", declare={"A": "n x n", "B": "n x n"},
                         sizes="1..1")
    assert res.verdict == "REFUTED" and res.counterexample["size"] == {"n": 2}


def test_hadamard_size_bound_identifies_the_index_pairs() -> None:
    res = check_identity("inner(hadamard(A, B), C) == inner(A, hadamard(B, C))",
                         declare={k: "n x m" for k in "ABC"})
    # each term is A_ij B_ij C_ij: one index of n, one of m
    assert res.size_bound["n"]["K"] == 1 and res.size_bound["m"]["K"] == 1


@pytest.mark.parametrize("problem, claim, kind, wrt", [
    (SYM, GRAD, "gradient", None),
    (SYM, "2*(hadamard(mask, X*D.T + D*X.T)*X + hadamard(mask, X*X.T - M)*D) in D", "hvp",
     None),
    (SYM, "inner(hadamard(mask, X*D.T + D*X.T), X*D.T + D*X.T) "
          "+ 2*inner(hadamard(mask, X*X.T - M), D*D.T) in D", "hessian", None),
    (ASYM, "hadamard(mask, U*V.T - M)*V", "gradient", "U"),
    (ASYM, "hadamard(mask, U*V.T - M).T*U", "gradient", "V"),
    (ASYM, "hadamard(mask, DU*V.T + U*DV.T)*V + hadamard(mask, U*V.T - M)*DV in DU, DV",
     "hvp", "U"),
])
def test_completion_claims_are_proved_for_every_size(problem: MatrixCompletion, claim: str,
                                                     kind: str, wrt: str | None) -> None:
    check = {"gradient": check_gradient, "hvp": check_hvp, "hessian": check_hessian}[kind]
    res = check(problem, claim, wrt=wrt)
    assert res.verdict == "PROVED" and res.scope == "all_sizes", res.summary()
    assert "size-bound theorem" in res.scope_reason and res.prover == "size_bound"
    # the mask is a symbolic matrix (any W), which implies the 0/1 mask case
    assert "mask" in problem.objective_expression


def test_planted_slip_in_a_completion_gradient_is_refuted_at_the_smallest_size() -> None:
    # ignoring the mask on M: wrong already for 1×1 (w·x³ − m·x vs w·(x² − m)·x)
    slip = check_gradient(SYM, "2*hadamard(mask, X*X.T)*X - 2*M*X")
    assert slip.verdict == "REFUTED" and slip.counterexample["size"] == {"n": 1, "r": 1}
    # W∘R replaced by WR − RW + W∘R: equal for 1×1, wrong at n = 2
    late = check_gradient(SYM, "2*hadamard(mask, X*X.T - M)*X + (X*X.T*mask - mask*X*X.T)*X")
    assert late.verdict == "REFUTED" and late.counterexample["size"] == {"n": 2, "r": 1}
    assert {"n": 1, "r": 1} in late.sizes_checked  # the smaller size was decided equal


def test_the_family_expression_is_the_objective() -> None:
    """The exact mode compares the declared objective expression with the problem's
    objective at every size it expands; a wrong expression is never used for a bound."""
    res = check_gradient(SYM, GRAD, sizes="n=1..3,r=1..2")
    assert res.scope == "all_sizes"
    bad = MatrixCompletion([[1, 0], [0, 1]], [[1, 1], [1, 0]], 1)
    bad.objective_expression = "scale*inner(hadamard(mask, mask), X*X.T - M)"
    other = check_gradient(bad, GRAD, sizes="n=1..2,r=1")
    assert other.scope == "sizes_checked"


def test_completion_derivation_in_matrix_form_is_checked() -> None:
    for problem in (SYM, ASYM):
        d = Derivation(problem)
        assert r"\circ" in d.latex()
        for v, g in d.gradients.items():
            res = check_gradient(problem, to_text(g), wrt=v)
            assert res.verdict == "PROVED" and res.scope == "all_sizes"
        hform = d.text().splitlines()[-1].split(": ", 1)[1]
        assert check_hessian(problem, hform).scope == "all_sizes"


def test_regularized_completion_keeps_sizes_checked() -> None:
    reg = MatrixCompletion([[1, 0], [0, 1]], [[1, 1], [1, 0]], 1, reg_weight=1)
    assert reg.objective_expression is None
    from mfverify.derivation._claimed import as_claimed, parse_definitions
    from mfverify.derivation._instances import family_of
    from mfverify.derivation._problem_sides import claim_bound

    bound = claim_bound(family_of(reg), as_claimed("X", ["X"]), "gradient", {},
                        parse_definitions(None, ["X"]))
    assert "not polynomial" in bound.reason  # type: ignore[union-attr]


def test_phase_population_real_is_proved_for_every_size() -> None:
    p = PhaseRetrieval(signal=[1, 2], model="population")
    res = check_gradient(p, "3*norm(z)^2*z - norm(x)^2*z - 2*inner(x, z)*x")
    assert res.verdict == "PROVED" and res.scope == "all_sizes"
    h = check_hvp(p, "3*(2*inner(z, D)*z + norm(z)^2*D) - norm(x)^2*D - 2*inner(x, D)*x in D")
    assert h.verdict == "PROVED" and h.scope == "all_sizes"
    slip = check_gradient(p, "3*norm(z)^2*z - norm(x)^2*z - 2*inner(x, z)*x "
                             "+ (z*x.T - x*z.T)*x")
    assert slip.verdict == "REFUTED" and slip.counterexample["size"] == {"n": 2}


FINITE = PhaseRetrieval(a=[[1, 0], [0, 1], [1, 1]], signal=[1, 2])
CFINITE = PhaseRetrieval(a=[[1, 0], [0, 1], [1, 1]], a_imag=[[0, 1], [1, 0], [0, 0]],
                         signal=[1, 2], signal_imag=[0, 1], field="complex")
CPOP = PhaseRetrieval(signal=[1, 2], signal_imag=[0, 1], field="complex", model="population")
PR_GRAD = "1/m*a.T*hadamard(hadamard(a*z, a*z) - y, a*z)"
PR_HVP = ("1/m*a.T*(2*hadamard(hadamard(a*z, a*D), a*z) + hadamard(hadamard(a*z, a*z) - y, a*D))"
          " in D")
#: complex coordinates C = L(Z) = aZ + a_imag·ZJ, q = |aᵢᴴz|² − yᵢ, G = q∘C (row i scaled by qᵢ)
C_DEFS = ["C = a*z + a_imag*z*J", "q = hadamard(C, C)*ones - y", "G = hadamard(q*ones.T, C)"]
C_HDEFS = C_DEFS + ["dC = a*D + a_imag*D*J", "dq = 2*hadamard(C, dC)*ones",
                    "H = hadamard(dq*ones.T, C) + hadamard(q*ones.T, dC)"]
C_GRAD = "1/m*(a.T*G + a_imag.T*G*J.T)"
C_HVP = "1/m*(a.T*H + a_imag.T*H*J.T) in D"


@pytest.mark.parametrize("problem, claim, kind, where", [
    (FINITE, PR_GRAD, "gradient", None),
    (FINITE, PR_HVP, "hvp", None),
    (CFINITE, C_GRAD, "gradient", C_DEFS),
    (CFINITE, C_HVP, "hvp", C_HDEFS),
    (CPOP, "2*norm(z)^2*z - norm(x)^2*z - (inner(x, z)*x + inner(x*J, z)*x*J)", "gradient",
     None),
    (CPOP, "2*(2*inner(z, D)*z + norm(z)^2*D) - norm(x)^2*D "
           "- (inner(x, D)*x + inner(x*J, D)*x*J) in D", "hvp", None),
])
def test_phase_finite_and_complex_are_proved_for_every_size(problem: PhaseRetrieval,
                                                             claim: str, kind: str,
                                                             where: list[str] | None) -> None:
    check = check_gradient if kind == "gradient" else check_hvp
    res = check(problem, claim, where=where)
    assert res.verdict == "PROVED" and res.scope == "all_sizes", res.summary()
    assert "size-bound theorem" in res.scope_reason
    if problem.model == "finite":
        # the factor 1/m is cleared: m ranges over 1..2 (degree 1), n over {K_n} = {4}
        assert res.size_bound["m"]["negative_powers"] == 1
        assert res.size_bound["m"]["sizes"] == [1, 2] and res.size_bound["n"]["sizes"] == [4]
        assert "cleared by multiplying both sides by m^1" in res.scope_reason
    else:
        assert set(res.size_bound) == {"n"}  # J has the fixed dimension 2: not ranged


@pytest.mark.parametrize("problem, claim, where, size", [
    # a wrong normalization 1/(2m): wrong already for m = n = 1
    (FINITE, PR_GRAD.replace("1/m", "1/(2*m)"), None, {"m": 1, "n": 1}),
    # 1/m² instead of 1/m: equal at m = 1, wrong from m = 2 (the bound then ranges m in 1..3)
    (FINITE, PR_GRAD.replace("1/m", "1/m^2"), None, {"m": 2, "n": 1}),
    # the conjugate term a_imag.T*G*J.T dropped from L*(G)
    (CFINITE, "1/m*a.T*G", C_DEFS, {"m": 1, "n": 1}),
    # J instead of Jᵀ in the adjoint (a missing conjugate)
    (CFINITE, "1/m*(a.T*G + a_imag.T*G*J)", C_DEFS, {"m": 1, "n": 1}),
    # the term |<x, z>|² without its imaginary part <XJ, Z>²
    (CPOP, "2*norm(z)^2*z - norm(x)^2*z - inner(x, z)*x", None, {"n": 1}),
])
def test_phase_planted_slips_are_refuted_at_the_smallest_size(
        problem: PhaseRetrieval, claim: str, where: list[str] | None, size: dict) -> None:
    res = check_gradient(problem, claim, where=where)
    assert res.verdict == "REFUTED" and res.counterexample["size"] == size, res.summary()


def test_phase_objective_expressions_are_the_objective() -> None:
    """A wrong declared normalization (1/(2m) for 1/(4m)) is caught by the exact mode's
    comparison with the objective code, so no all-sizes verdict rests on it."""
    bad = PhaseRetrieval(a=[[1, 0], [0, 1], [1, 1]], signal=[1, 2])
    bad.objective_expression = bad.objective_expression.replace("4*m", "2*m")
    res = check_gradient(bad, PR_GRAD)
    assert res.verdict == "PROVED" and res.scope == "sizes_checked"
    assert "differs from the problem's objective" in res.scope_reason


def test_phase_callable_claims_keep_the_vector_data() -> None:
    """Regression: text claims see y as the m×1 column of the index structure; a callable
    still receives the problem's 1-D y (a column would broadcast q to m×m)."""
    from fractions import Fraction

    def grad(z: np.ndarray, a: np.ndarray, y: np.ndarray) -> np.ndarray:
        c = a @ z
        q = c[:, 0] * c[:, 0] - y
        return (a.T @ (q.reshape(-1, 1) * c)) * Fraction(1, a.shape[0])

    res = check_gradient(FINITE, grad, sizes="m=1..2,n=1..2")
    assert res.verdict == "PROVED" and res.scope == "sizes_checked"
    assert "callable" in res.scope_reason


def test_phase_dimension_names_are_scalars_only_where_free() -> None:
    from mfverify.derivation._instances import expression_env, expression_names

    assert expression_names(CFINITE)[-4:] == ["m", "n", "J", "ones"]
    env = expression_env(FINITE, {"y": np.array([1, 2, 3], dtype=object)})
    assert env["y"].shape == (3, 1) and env["m"] == 3 and env["n"] == 2
    assert "J" not in env  # real field: no constants


def test_regression_scan_evaluates_scalar_powers() -> None:
    """Regression: a scalar power (eta^2) came back from the rational arithmetic as a SymPy
    integer, which the evaluation scan refused ("is not an exact rational"), so eq. (12) was
    never evaluated at points before expanding."""
    decl = {"A": "n x n", "B": "n x n", "eta": "scalar"}
    res = check_identity("eta^2*A*B == eta*(eta*A)*B", declare=decl)
    assert res.verdict == "PROVED" and res.sizes_evaluated
    bad = check_identity("eta^2*A*B == eta*A*B", declare=decl)  # evaluated exactly: a witness
    assert bad.verdict == "REFUTED"
    assert not any("not possible" in n for n in res.notes + bad.notes)


def test_a_claim_that_needs_a_0_1_mask_is_refuted_at_a_weight_that_is_not_a_mask() -> None:
    """Documented limit: the mask is a general (symmetric) weight matrix W, so a claim that
    holds only because W∘W = W is refuted, and its witness shows a W that is not 0/1."""
    res = check_gradient(SYM, "2*hadamard(hadamard(mask, mask), X*X.T - M)*X")
    assert res.verdict == "REFUTED"
    w = res.counterexample["point"]["mask"]
    assert any(v not in ("0", "1") for row in w for v in row)


@pytest.mark.parametrize("problem", [FINITE, CFINITE, CPOP])
def test_phase_derivation_in_matrix_form_is_checked_for_every_size(
        problem: PhaseRetrieval) -> None:
    """``Derivation`` keeps the dimension m as a letter (1/(4*m)) and J as a matrix; what it
    derives is PROVED for every size."""
    d = Derivation(problem)
    assert d.latex()
    res = check_gradient(problem, to_text(d.gradients["z"]))
    assert res.verdict == "PROVED" and res.scope == "all_sizes", res.summary()
    hform = d.text().splitlines()[-1].split(": ", 1)[1]
    h = check_hessian(problem, hform)
    assert h.verdict == "PROVED" and h.scope == "all_sizes", h.summary()


def test_phase_catalog_claim_scope_is_what_its_report_says() -> None:
    from mfverify.claims import RunContext, Verdict, get_claim, run_claim

    c = get_claim("foundations.phase-closed-forms")
    assert "every n and m" in c.statement
    res = run_claim(c, RunContext())
    assert res.verdict is Verdict.PROVED and res.evidence["scope"] == "all_sizes"
    assert res.summary.startswith("scope all_sizes")
    every = res.evidence["all_sizes"]
    assert len(every) == 8 and all(v["scope"] == "all_sizes" for v in every.values())
    assert every["finite complex gradient"]["size_bound"] == {"m": [1, 2], "n": [4]}


def test_phase_catalog_claim_catches_a_planted_slip(monkeypatch: pytest.MonkeyPatch) -> None:
    """Mutation: a closed form with the conjugate term dropped makes the claim REFUTED."""
    from mfverify.claims import RunContext, Verdict, get_claim, run_claim

    real = PhaseRetrieval.closed_form_texts

    def slipped(self: PhaseRetrieval) -> dict[str, tuple[str, list[str]]]:
        out = real(self)
        if self.complex and self.model == "finite":
            text, where = out["gradient"]
            out["gradient"] = (text.replace(" + a_imag.T*G*J.T", ""), where)
        return out

    monkeypatch.setattr(PhaseRetrieval, "closed_form_texts", slipped)
    res = run_claim(get_claim("foundations.phase-closed-forms"), RunContext())
    assert res.verdict is Verdict.REFUTED and "finite complex gradient" in res.summary


def _bound(text: str, shapes: dict, dims: tuple[str, ...]) -> object:
    from mfverify.derivation.sizebound import (
        OutsideFragment,
        analyze,
        bound_from,
        input_profile,
        scalar_pairing,
    )

    env = {k: input_profile(v) for k, v in shapes.items()}
    try:
        v = analyze(parse_expression(text, names=list(shapes) + list(dims)), env, dims)
    except OutsideFragment as exc:
        return exc.reason
    return bound_from({"side": scalar_pairing(v)}, dims)


@pytest.mark.parametrize("text, m_sizes, q", [
    ("1/(4*m)*A", [1, 2], 1),            # a monomial factor: Q_m = 1, one extra size
    ("m^-2*A", [1, 2, 3], 2),
    ("m/m^2*A", [1, 2], 1),              # one monomial: the exponents add (m^-1)
    ("m*A + 1/m*A", [1, 2, 3], 1),       # terms m^1 and m^-1: degree 2 after clearing m^1
    ("(m - 1 + 1)/m^2*A", [1, 2, 3, 4], 2),  # a sum of sizes counts its loops apart
])
def test_negative_powers_of_a_dimension_are_counted(text: str, m_sizes: list[int],
                                                    q: int) -> None:
    b = _bound(text, {"A": ("m", "n")}, ("m", "n"))
    assert b.values("m") == m_sizes and b.Q.get("m", 0) == q  # type: ignore[attr-defined]
    assert b.values("n") == [1]  # type: ignore[attr-defined]


@pytest.mark.parametrize("text, why", [
    ("1/(m + n)*A", "monomial in the sizes"),
    ("m^(1/2)*A", "not polynomial"),
])
def test_other_uses_of_sizes_are_outside_the_fragment(text: str, why: str) -> None:
    assert why in _bound(text, {"A": ("m", "n")}, ("m", "n"))  # type: ignore[operator]


def test_a_laurent_polynomial_in_the_size_needs_every_size_of_its_spread() -> None:
    """(m + 1/m − 1)·∇f equals ∇f at m = 1 only: powers m¹ and m⁻¹ of one dimension need the
    sizes of their whole spread (counted apart), so the slip is refuted at m = 2."""
    slip = check_gradient(FINITE, "(m + 1/m - 1)*" + PR_GRAD)
    assert slip.verdict == "REFUTED" and slip.counterexample["size"]["m"] == 2
    assert slip.size_bound["m"]["sizes"] == [1, 2, 3, 4]  # L_m = 1, Q_m = 2
    slip2 = check_gradient(FINITE, "m^2*" + PR_GRAD)  # m² too much: equal at m = 1 only
    assert slip2.verdict == "REFUTED" and slip2.counterexample["size"]["m"] == 2
