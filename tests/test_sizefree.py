"""Size-free verdicts (issue 13): the size bound, refute-before-expanding, scope, the three
fixes, LaTeX."""

from __future__ import annotations

import json
from itertools import permutations
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mfverify import AsymmetricMF, SymmetricMF
from mfverify.cli import main
from mfverify.derivation import Derivation, check_gradient, check_hessian, check_hvp, check_identity
from mfverify.derivation.sizebound import analyze, bound_from, input_profile, scalar_pairing
from mfverify.errors import ExpressionError, InputError
from mfverify.expr import parse_expression, to_text

SPEC = '{"problem": "symmetric", "M": [[1, 0], [0, 0]], "rank": 1}'
ASPEC = '{"problem": "asymmetric", "Sigma": [[1, 0], [0, 1]], "rank": 1}'
SYM = SymmetricMF([[1, 0], [0, 0]], rank=1)
ASYM = AsymmetricMF([[1, 0], [0, 1]], rank=1)
FOUR = {k: "d x d" for k in "ABCD"}


def standard_polynomial(names: str) -> str:
    """s_k(A_1, ..., A_k) = Σ_σ sgn(σ) A_σ(1) ⋯ A_σ(k) as text."""
    out = []
    for p in permutations(range(len(names))):
        inversions = sum(p[i] > p[j] for i in range(len(p)) for j in range(i + 1, len(p)))
        out.append(("- " if inversions % 2 else "+ ") + "*".join(names[i] for i in p))
    text = " ".join(out)
    return text[2:] if text.startswith("+ ") else "-" + text[2:]


S4 = standard_polynomial("ABCD")


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    rc = main(argv)
    return rc, capsys.readouterr().out


# ---------------------------------------------------------------------------------------------
# acceptance
# ---------------------------------------------------------------------------------------------


def test_symmetric_gradient_is_proved_for_every_size(capsys: pytest.CaptureFixture[str]) -> None:
    res = check_gradient(SYM, "(X*X.T - M)*X")
    assert res.verdict == "PROVED" and res.scope == "all_sizes"
    assert res.size_bound["n"]["sizes"] == [2] and res.size_bound["r"]["sizes"] == [2]
    assert "size-bound theorem" in res.scope_reason
    assert res.summary().startswith("scope all_sizes:")
    rc, out = run_cli(["derivation", SPEC, "--gradient", "(X*X.T - M)*X", "--json"], capsys)
    data = json.loads(out)
    assert rc == 0 and data["scope"] == "all_sizes"
    assert set(data["size_bound"]) == {"n", "r"}
    assert all("reason" in v and v["K"] == 2 and v["loops"] == 0
               for v in data["size_bound"].values())
    assert {"n": 2, "r": 2} in data["sizes_checked"]
    rc, out = run_cli(["derivation", SPEC, "--gradient", "(X*X.T - M)*X"], capsys)
    assert rc == 0 and out.startswith("scope all_sizes:")


@pytest.mark.parametrize("kind, claim, wrt, problem", [
    ("hessian", "1/2*norm(X*D.T + D*X.T)^2 + inner(X*X.T - M, D*D.T) in D", None, SYM),
    ("hvp", "(X*D.T + D*X.T)*X + (X*X.T - M)*D in D", None, SYM),
    ("gradient", "(U*V.T - Sigma)*V", "U", ASYM),
    ("gradient", "(U*V.T - Sigma).T*U", "V", ASYM),
    ("hvp", "(DU*V.T + U*DV.T)*V + (U*V.T - Sigma)*DV in DU, DV", "U", ASYM),
])
def test_derivatives_are_proved_for_every_size(kind: str, claim: str, wrt: str | None,
                                               problem: object) -> None:
    check = {"gradient": check_gradient, "hessian": check_hessian, "hvp": check_hvp}[kind]
    res = check(problem, claim, wrt=wrt)
    assert res.verdict == "PROVED" and res.scope == "all_sizes", res.summary()


def test_standard_polynomial_s4_is_refuted_at_three_even_with_sizes_one_to_two(
        capsys: pytest.CaptureFixture[str]) -> None:
    res = check_identity(f"{S4} == 0*A", declare=FOUR, sizes="1..2")
    assert res.verdict == "REFUTED"
    ce = res.counterexample
    assert ce["size"] == {"d": 3} and ce["lhs"] != ce["rhs"]
    # the witness re-checks: evaluate s4 at the reported point with plain integers
    mats = {k: np.array([[int(x) for x in row] for row in ce["point"][k]]) for k in "ABCD"}
    total = np.zeros((3, 3), dtype=int)
    for p in permutations("ABCD"):
        inv = sum("ABCD".index(p[i]) > "ABCD".index(p[j]) for i in range(4)
                  for j in range(i + 1, 4))
        total += (-1) ** inv * (mats[p[0]] @ mats[p[1]] @ mats[p[2]] @ mats[p[3]])
    assert total.any()
    argv = ["derivation", "--identity", f"{S4} == 0*A"] + [
        x for k in "ABCD" for x in ("--declare", f"{k}: d x d")] + ["--sizes", "1..2"]
    rc, out = run_cli(argv, capsys)
    assert rc == 1 and "REFUTED at d=3" in out
    # --only-sizes: the user's range is a cap, and the verdict says it covers those sizes only
    only = check_identity(f"{S4} == 0*A", declare=FOUR, sizes="1..2", only_sizes=True)
    assert only.verdict == "PROVED" and only.scope == "sizes_checked"
    assert "only-sizes" in only.scope_reason and "d=5" in only.scope_reason


def test_inverse_claim_is_proved_for_the_sizes_checked_with_the_reason(
        capsys: pytest.CaptureFixture[str]) -> None:
    claim = "(X*X.T - M)*X*inv(X.T*X)*(X.T*X)"
    res = check_gradient(SYM, claim, sizes="n=1..2,r=1")
    assert res.verdict == "PROVED" and res.scope == "sizes_checked"
    assert "inv" in res.scope_reason
    rc, out = run_cli(["derivation", SPEC, "--gradient", claim, "--sizes", "n=1..2,r=1"], capsys)
    assert rc == 0
    lines = out.splitlines()
    assert lines[0].startswith("scope sizes_checked:") and "no all-sizes statement" in lines[0]
    assert lines[1].startswith("scope:") and "inv" in lines[1]


# ---------------------------------------------------------------------------------------------
# the bound: upper bounds, loops, and identities that hold below some size only
# ---------------------------------------------------------------------------------------------


def _bound(text: str, shapes: dict[str, tuple[str, ...]]) -> dict[str, tuple[int, int]]:
    env = {k: input_profile(v) for k, v in shapes.items()}
    prof = scalar_pairing(analyze(parse_expression(text, names=list(shapes)), env))
    dims = sorted({a for v in shapes.values() for d in v for a in d.split("+")})
    b = bound_from({"side": prof}, dims)
    return {d: (b.K[d], b.L[d]) for d in b.K}


def test_bound_counts_free_and_summed_indices_and_loops() -> None:
    sq = {"A": ("d", "d"), "B": ("d", "d")}
    assert _bound("A*B", sq) == {"d": (3, 0)}           # i, k, j
    assert _bound("trace(A*B)", sq) == {"d": (2, 0)}
    assert _bound("A*B*A*B", sq) == {"d": (5, 0)}
    assert _bound("trace(A + I)", {"A": ("d", "d")}) == {"d": (1, 1)}  # tr I = d: a loop
    assert _bound("norm(0*A + I)^4", {"A": ("d", "d")}) == {"d": (0, 2)}
    assert _bound("0*A*B*A", sq) == {"d": (0, 0)}       # the zero expression has no terms
    rect = {"X": ("n", "r"), "M": ("n", "n")}
    assert _bound("(X*X.T - M)*X", rect) == {"n": (2, 0), "r": (2, 0)}
    blocks = {"X": ("d+m", "r")}
    assert _bound("X.T*X", blocks) == {"d": (1, 0), "m": (1, 0), "r": (2, 0)}


@pytest.mark.parametrize("identity, fails_at", [
    # Cayley–Hamilton for 2x2 matrices, written with traces: true for d <= 2, false at 3
    ("A*A - trace(A)*A + 1/2*(trace(A)^2 - trace(A*A))*I == 0*A", 3),
    # Hall's identity: [A, B]^2 is scalar for 2x2 matrices, so it commutes with C
    ("(A*B - B*A)*(A*B - B*A)*C - C*(A*B - B*A)*(A*B - B*A) == 0*C", 3),
    # polynomials in the size from closed loops: n(n-1)(n-2) vanishes for n <= 2 only
    ("trace(0*A + I)*(trace(0*A + I) - 1)*(trace(0*A + I) - 2) == 0", 3),
    ("trace(0*A + I)^2 == trace(0*A + I)", 2),
])
def test_identities_true_below_some_size_are_refuted_there(identity: str, fails_at: int) -> None:
    declare = {"A": "d x d", "B": "d x d", "C": "d x d"}
    used = {k: v for k, v in declare.items() if k in identity}
    res = check_identity(identity, declare=used, sizes="1..1")
    assert res.verdict == "REFUTED", res.summary()
    assert res.counterexample["size"] == {"d": fails_at}


def test_loops_need_extra_sizes() -> None:
    res = check_identity("trace(A + I)^2 == trace(A)^2 + 2*trace(A)*trace(0*A + I) "
                         "+ norm(0*A + I)^4", declare={"A": "n x n"})
    assert res.verdict == "PROVED" and res.scope == "all_sizes"
    assert res.size_bound["n"]["loops"] == 2 and res.size_bound["n"]["sizes"] == [2, 3, 4]


def test_ddt_bound_replaces_one_occurrence() -> None:
    res = check_identity("d/dt norm(B)^2 == -2*trace(B.T*P*B) - norm(Q)^2",
                         declare={"A": "d x d", "B": "d x d", "Sigma": "d x d symmetric"},
                         where=["P = Sigma - A*A.T + B*B.T", "Q = A*B.T - B*A.T"],
                         flow={"A": "P*A - Q*B", "B": "-P*B + Q*A"})
    assert res.verdict == "PROVED" and res.scope == "all_sizes"
    assert res.size_bound["d"]["K"] == 4


def test_outside_the_fragment_and_without_a_size_family_say_why() -> None:
    from mfverify.spec import load_spec

    custom = load_spec(str(Path(__file__).parent.parent / "docs/examples/"
                           "custom_symmetric_mf.json"))
    res = check_gradient(custom, "(X*X.T - M)*X", symmetric=["M"])
    assert res.verdict == "PROVED" and res.scope == "sizes_checked"
    assert "no size family" in res.scope_reason
    res = check_gradient(SYM, lambda X, M: (X @ X.T - M) @ X)
    assert res.verdict == "PROVED" and res.scope == "sizes_checked"
    assert "callable" in res.scope_reason
    res = check_gradient(SYM, "(X*X.T - M)*X*norm(X)^2/norm(X)^2", sizes="n=1..2,r=1")
    assert res.scope == "sizes_checked" and "division" in res.scope_reason


@settings(max_examples=12, deadline=None)
@given(st.lists(st.sampled_from(["A", "B", "A.T", "B.T", "I"]), min_size=1, max_size=4),
       st.integers(min_value=1, max_value=3))
def test_transpose_of_a_product_is_proved_for_every_size(word: list[str], k: int) -> None:
    """(W₁⋯W_k)ᵀ = W_kᵀ⋯W₁ᵀ for random words: PROVED with scope all_sizes, and the bound is
    the number of indices of the chain (k + 1 with the probe closing it)."""
    lhs = f"{k}*(" + "*".join(word) + ").T"
    rhs = f"{k}*" + "*".join(f"({w}).T" for w in reversed(word))
    res = check_identity(f"{lhs} == {rhs} + 0*A + 0*B",
                         declare={"A": "d x d", "B": "d x d"})
    assert res.verdict == "PROVED" and res.scope == "all_sizes"
    assert res.size_bound["d"]["K"] <= len(word) + 1


# ---------------------------------------------------------------------------------------------
# the three fixes of item 5
# ---------------------------------------------------------------------------------------------


def test_numeric_identity_with_zero_times_a_matrix_rechecks_exactly() -> None:
    """Regression: '0*A' in the exact line arithmetic broadcast the zero polynomial's (empty)
    coefficient list: "operands could not be broadcast together with shapes (0,) (4,4)"."""
    res = check_identity(f"{S4} == 0*A", declare=FOUR, numeric=True, size={"d": 4})
    assert res.verdict == "REFUTED", res.notes
    assert not any("broadcast" in n for n in res.notes)
    ok = check_identity("A*B - B*A == 0*A + A*B - B*A", declare=FOUR, numeric=True,
                        size={"d": 4})
    assert ok.verdict == "SUPPORTED"


def test_direction_is_inferred_when_the_claim_has_no_in_suffix(
        capsys: pytest.CaptureFixture[str]) -> None:
    res = check_hessian(SYM, "1/2*norm(X*E.T + E*X.T)^2 + inner(X*X.T - M, E*E.T)")
    assert res.verdict == "PROVED"
    assert any("direction E inferred" in n for n in res.notes)
    res = check_hvp(ASYM, "(DU*V.T + U*DV.T)*V + (U*V.T - Sigma)*DV", wrt="U")
    assert res.verdict == "PROVED" and any("DU, DV" in n for n in res.notes)
    rc, out = run_cli(["derivation", SPEC, "--hvp", "(X*D.T + D*X.T)*X + (X*X.T - M)*D"],
                      capsys)
    assert rc == 0 and "direction D inferred" in out
    with pytest.raises(InputError, match="found \\['E', 'F'\\]"):
        check_hessian(SYM, "inner(E, F)")
    with pytest.raises(InputError, match="found none"):
        check_hessian(SYM, "inner(X, X)")


def test_long_flat_sums_and_products_are_accepted() -> None:
    """Regression: more than 200 chained binary operators were 'nested too deeply'."""
    node = parse_expression(" + ".join(f"{k}*a" for k in range(1, 501)), names=["a"])
    from mfverify.expr import evaluate

    assert evaluate(node, {"a": 1}, "exact") == 500 * 501 // 2
    prod = parse_expression("*".join(["A"] * 250), names=["A"])  # degree limit 256
    assert evaluate(prod, {"A": 1}, "exact") == 1
    assert parse_expression(to_text(node), names=["a"]) == node
    # a short sum of long products stays a sum (s4 has 24 terms of 4 factors)
    assert to_text(parse_expression(S4, names=list("ABCD"))) == S4
    with pytest.raises(ExpressionError, match="nested too deeply"):
        parse_expression("-" * 300 + "x")
    with pytest.raises(ExpressionError, match="characters long"):
        parse_expression("+".join(["a"] * 6000))


# ---------------------------------------------------------------------------------------------
# LaTeX (item 6)
# ---------------------------------------------------------------------------------------------


def test_latex_is_in_matrix_notation_and_its_formulas_are_proved(
        capsys: pytest.CaptureFixture[str]) -> None:
    d = Derivation.of(SYM)
    tex = d.latex()
    assert r"\nabla_{X} f = \left(X X^\top - M\right) X" in tex
    assert r"\frac{1}{2} \left\| D X^\top + X D^\top \right\|_F^{2}" in tex
    assert "X_0" not in tex
    assert check_gradient(SYM, to_text(d.gradients["X"])).scope == "all_sizes"
    assert check_hessian(SYM, to_text(d.hessian_form) + " in D").verdict == "PROVED"
    a = Derivation.of(AsymmetricMF([[1, 0], [0, 1]], rank=1, balance=1), symbolic=["scale"])
    for v, g in a.gradients.items():
        assert check_gradient(AsymmetricMF([[1, 0], [0, 1]], rank=1, balance=1), to_text(g),
                              wrt=v, symbolic=["scale"]).verdict == "PROVED"
    rc, out = run_cli(["show", SPEC, "--latex"], capsys)
    assert rc == 0 and r"X X^\top" in out and "X_0_0" not in out


# ---------------------------------------------------------------------------------------------
# the lemma behind the bound, checked on random expressions
# ---------------------------------------------------------------------------------------------

_LEAVES = ["A", "B", "A.T", "B.T", "(0*A + I)", "(A + I)", "(0*A)"]


@st.composite
def _matrix_expr(draw: st.DrawFn, depth: int = 2) -> str:
    if depth == 0 or draw(st.booleans()):
        return draw(st.sampled_from(_LEAVES))
    op = draw(st.sampled_from(["*", "+", "-", "T", "s"]))
    a = draw(_matrix_expr(depth - 1))
    if op == "T":
        return f"({a}).T"
    if op == "s":
        return f"trace({a})*{draw(_matrix_expr(depth - 1))}"
    return f"({a} {op} {draw(_matrix_expr(depth - 1))})"


@settings(max_examples=25, deadline=None)
@given(_matrix_expr(3))
def test_every_monomial_uses_at_most_K_index_values(text: str) -> None:
    """Expand ⟨E, W⟩ at a size above the bound: every monomial uses at most K index values
    (the lemma of the size-bound theorem)."""
    from mfverify.derivation import ExactBackend, structured_matrix
    from mfverify.expr import evaluate

    shapes = {"A": ("d", "d"), "B": ("d", "d"), "W": ("d", "d")}
    env = {k: input_profile(v) for k, v in shapes.items()}
    node = parse_expression(f"inner({text}, W)", names=list(shapes))
    prof = analyze(node, env).prof
    b = bound_from({"side": prof}, ["d"])
    n = min(b.K["d"] + 1, 4)
    mats = {k: structured_matrix(k, n, n) for k in shapes}
    syms = [s for m in mats.values() for s in m.reshape(-1)]
    B = ExactBackend(syms)
    value = evaluate(node, B.convert_env(mats), B.A)
    poly = value[()] if isinstance(value, np.ndarray) else value
    for monom, _ in poly.p.terms():
        used: set[int] = set()
        for s, e in zip(B.A.symbols, monom, strict=False):
            if e:
                _, i, j = s.name.split("_")
                used |= {int(i), int(j)}
        assert len(used) <= b.K["d"], (text, monom)
