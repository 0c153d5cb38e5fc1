"""The free-algebra prover (issue 13): normal forms of noncommutative polynomials with
transposes and cyclic traces, used before the size bound by identity checks."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mfverify.derivation import check_identity
from mfverify.derivation.freealgebra import (
    FreeInput,
    OutsideFreeAlgebra,
    normal_form,
    prove_identity,
)
from mfverify.expr import parse_expression

SQ = {k: FreeInput(k, ("n", "n")) for k in "ABCD"}


def _prove(lhs: str, rhs: str, inputs: dict[str, FreeInput] = SQ) -> bool:
    names = list(inputs)
    return prove_identity(inputs, [], (parse_expression(lhs, names=names), False),
                          (parse_expression(rhs, names=names), False)).equal


@pytest.mark.parametrize("lhs, rhs", [
    ("(A*B*C).T", "C.T*B.T*A.T"),
    ("trace(A*B*C)", "trace(C*A*B)"),
    ("trace(A*B.T)", "trace(B*A.T)"),
    ("trace(A.T)", "trace(A)"),
    ("inner(A*B, C)", "trace(B.T*A.T*C)"),
    ("norm(A + B)^2", "norm(A)^2 + 2*inner(A, B) + norm(B)^2"),
    ("(A + B)^2", "A^2 + A*B + B*A + B^2"),
    ("trace(I + 0*A)", "trace(A - A + I)"),
])
def test_transpose_and_trace_identities_are_proved(lhs: str, rhs: str) -> None:
    assert _prove(lhs, rhs)


@pytest.mark.parametrize("lhs, rhs", [
    ("A*B", "B*A"),                      # commutativity fails
    ("trace(A*B*C)", "trace(A*C*B)"),    # only cyclic rotations, not every permutation
    ("(A*B).T", "A.T*B.T"),              # the order reverses
    ("trace(A*A*B*B)", "trace(A*B*A*B)"),
])
def test_planted_slips_are_not_proved(lhs: str, rhs: str) -> None:
    assert not _prove(lhs, rhs)


def test_structures_symmetric_and_skew() -> None:
    inputs = {"S": FreeInput("S", ("n", "n"), "symmetric"),
              "K": FreeInput("K", ("n", "n"), "skew"), "A": FreeInput("A", ("n", "n"))}
    assert _prove("(S*A).T", "A.T*S", inputs)
    assert _prove("K.T", "-K", inputs)
    assert _prove("trace(K)", "0*trace(A)", inputs)       # tr K = -tr K
    assert _prove("trace(S*K)", "0*trace(A)", inputs)     # tr(SK) = tr((SK)ᵀ) = -tr(SK)
    assert not _prove("(S*A).T", "S*A.T", inputs)


def test_dimensions_come_from_closed_loops() -> None:
    inputs = {"A": FreeInput("A", ("n", "n")), "B": FreeInput("B", ("d+m", "d+m"))}
    nf = normal_form(parse_expression("trace(0*A + I)^2 + trace(0*B + I)", names=["A", "B"]),
                     inputs)
    atoms = sorted(m for (_, m) in nf.terms)
    assert atoms == [(("d", "d"),), (("d", "m"),), (("d", "n"), ("d", "n"))]


def test_one_it_cannot_decide_s4_on_2x2_is_left_to_the_size_bound() -> None:
    """s₄ vanishes on 2×2 matrices (Amitsur–Levitzki) but not in the free algebra: the normal
    form is nonzero (not a refutation); the check refutes it at d = 3 (the evaluation scan
    runs before the free algebra is tried)."""
    names = "ABCD"
    terms = []
    for perm in itertools.permutations(names):
        inv = sum(1 for i in range(4) for j in range(i + 1, 4) if perm[i] > perm[j])
        terms.append(("-" if inv % 2 else "+") + "*".join(perm))
    s4 = " ".join(terms).lstrip("+")
    assert not _prove(s4, "0*A")
    res = check_identity(f"{s4} == 0*A", declare={k: "d x d" for k in names}, sizes="1..2")
    assert res.verdict == "REFUTED" and res.counterexample["size"] == {"d": 3}
    assert res.prover == ""
    # true on 2×2 only: the free algebra does not prove it, the sizes 1..2 do (sizes_checked)
    only = check_identity(f"{s4} == 0*A", declare={k: "d x d" for k in names}, sizes="1..2",
                          only_sizes=True)
    assert only.verdict == "PROVED" and only.scope == "sizes_checked"


def test_an_identity_true_at_every_size_but_not_free_falls_back() -> None:
    """Diagonal matrices commute: true for every size, not an identity of the free algebra
    (diagonal inputs are symmetric letters there); the size bound proves it."""
    res = check_identity("A*B == B*A", declare={"A": "n x n diagonal", "B": "n x n diagonal"})
    assert res.verdict == "PROVED" and res.scope == "all_sizes" and res.prover == "size_bound"
    assert any("free algebra" in n for n in res.notes)


def test_outside_the_algebra() -> None:
    for text in ("inv(A)", "hadamard(A, B)", "A[0, 0]*A", "norm(A)*A"):
        with pytest.raises(OutsideFreeAlgebra):
            normal_form(parse_expression(text, names=list(SQ)), SQ)


def test_check_identity_uses_it_first() -> None:
    res = check_identity("(A*B*C).T == C.T*B.T*A.T",
                         declare={"A": "n x m", "B": "m x k", "C": "k x n"})
    assert res.verdict == "PROVED" and res.scope == "all_sizes"
    assert res.prover == "free_algebra" and res.sizes_checked == []
    assert res.to_json()["prover"] == "free_algebra"
    assert "free-algebra" in res.summary() and res.summary().startswith("scope all_sizes:")
    assert res.sizes_evaluated  # the cross-check at points ran
    only = check_identity("(A*B).T == B.T*A.T", declare={"A": "n x n", "B": "n x n"},
                          sizes="1..2", only_sizes=True)
    assert only.prover != "free_algebra" and only.scope == "sizes_checked"


def test_flows_d_dt() -> None:
    declare = {"A": "d x d", "B": "d x d", "Sigma": "d x d symmetric"}
    where = ["P = Sigma - A*A.T + B*B.T", "Q = A*B.T - B*A.T"]
    flow = {"A": "P*A - Q*B", "B": "-P*B + Q*A"}
    good = check_identity("d/dt norm(B)^2 == -2*trace(B.T*P*B) - norm(Q)^2", declare=declare,
                          where=where, flow=flow)
    assert good.verdict == "PROVED" and good.prover == "free_algebra"
    bad = check_identity("d/dt norm(B)^2 == trace(B.T*P*B) - 1/2*norm(Q)^2", declare=declare,
                         where=where, flow=flow)
    assert bad.verdict == "REFUTED"


def test_eq12_corrected_is_proved_for_every_size() -> None:
    from proofs_checks.yedu2021_identities import EQ12_DECL, EQ12_DEFS, eq12_rhs

    res = check_identity(f"Pnext == {eq12_rhs('-')}", declare=EQ12_DECL, where=EQ12_DEFS,
                         sizes="1..2")
    assert res.verdict == "PROVED" and res.scope == "all_sizes"
    assert res.prover == "free_algebra" and res.size_bound["d"]["K"] == 7
    printed = check_identity(f"Pnext == {eq12_rhs('+')}", declare=EQ12_DECL, where=EQ12_DEFS,
                             sizes="1..2")
    assert printed.verdict == "REFUTED"


_LETTERS = st.lists(st.sampled_from(["A", "B", "C", "A.T", "B.T", "C.T"]), min_size=1,
                    max_size=6)


@settings(max_examples=40, deadline=None)
@given(_LETTERS, st.integers(0, 5))
def test_property_rotations_and_transposes_of_traces(word: list[str], k: int) -> None:
    """tr(w) = tr(rotation of w) = tr(wᵀ) for every word."""
    k %= len(word)
    rot = word[k:] + word[:k]
    assert _prove(f"trace({'*'.join(word)})", f"trace({'*'.join(rot)})")
    assert _prove(f"trace({'*'.join(word)})", f"trace(({'*'.join(word)}).T)")


# ---------------------------------------------------------------------------------------------
# soundness: a normal form has the value of the expression (every rewriting rule is an identity)
# ---------------------------------------------------------------------------------------------

MIXED = {"A": FreeInput("A", ("n", "m")), "B": FreeInput("B", ("m", "n")),
         "S": FreeInput("S", ("n", "n"), "symmetric"), "K": FreeInput("K", ("n", "n"), "skew"),
         "c": FreeInput("c", ())}


def _value_of(nf: object, values: dict[str, object], sizes: dict[str, int]) -> object:
    """Evaluate a normal form at matrices: words are products, trace atoms traces."""
    import numpy as np

    def word(w: tuple, rows: int) -> object:
        out = np.eye(rows, dtype=object)
        for name, t in w:
            out = out @ (values[name].T if t else values[name])
        return out

    total: object = 0
    for (w, mono), coef in nf.terms.items():  # type: ignore[attr-defined]
        scal: object = coef
        for kind, what in mono:
            if kind == "s":
                scal = scal * values[what]
            elif kind == "d":
                scal = scal * sizes[what]
            else:
                first = what[0][0]
                rows = values[first].shape[1 if what[0][1] else 0]
                scal = scal * np.trace(word(what, rows))
        if nf.shape == ():  # type: ignore[attr-defined]
            total = total + scal
        else:
            rows = sizes[nf.shape[0][0]]  # type: ignore[attr-defined]
            total = total + scal * word(w, rows)
    return total


_SQUARE = st.recursive(
    st.sampled_from(["S", "K", "A*B", "S*A*B", "(A*B).T", "K*S", "(0*S + I)"]),
    lambda inner: st.one_of(
        st.tuples(inner, inner).map(lambda p: f"({p[0]})*({p[1]})"),
        st.tuples(inner, inner).map(lambda p: f"({p[0]}) + ({p[1]})"),
        st.tuples(inner, inner).map(lambda p: f"({p[0]}) - 2*({p[1]})"),
        inner.map(lambda a: f"({a}).T"),
        inner.map(lambda a: f"trace({a})*c*({a})"),
        st.tuples(inner, inner).map(lambda p: f"inner({p[0]}, {p[1]})*(0*S + I)"),
    ), max_leaves=5)


@settings(max_examples=40, deadline=None)
@given(_SQUARE, st.integers(0, 2**31 - 1))
def test_property_normal_form_has_the_value_of_the_expression(text: str, seed: int) -> None:
    import numpy as np

    from mfverify.derivation._rational import RationalArith
    from mfverify.derivation.refute import frac
    from mfverify.expr import evaluate

    rng = np.random.default_rng(seed)
    n, m = 3, 2

    def mat(r: int, c: int) -> np.ndarray:
        return rng.integers(-3, 4, size=(r, c)).astype(object)

    S = mat(n, n)
    K = mat(n, n)
    values = {"A": mat(n, m), "B": mat(m, n), "S": S + S.T, "K": K - K.T,
              "c": int(rng.integers(-3, 4))}
    node = parse_expression(text, names=list(MIXED))
    nf = normal_form(node, MIXED)
    Q = RationalArith()
    env = {k: Q.asarray(v) if isinstance(v, np.ndarray) else Q.const(v)
           for k, v in values.items()}
    direct = np.vectorize(frac, otypes=[object])(np.asarray(evaluate(node, env, Q),
                                                            dtype=object))
    via = np.asarray(_value_of(nf, values, {"n": n, "m": m}), dtype=object)
    assert np.array_equal(np.broadcast_to(via, direct.shape), direct), text


def test_large_expansions_stop_and_fall_back(monkeypatch: pytest.MonkeyPatch) -> None:
    import mfverify.derivation.freealgebra as fa

    monkeypatch.setattr(fa, "MAX_TERMS", 100)
    with pytest.raises(OutsideFreeAlgebra, match="term products|terms"):
        _prove("(A + B)^8", "(A + B)^4*(A + B)^4")
    monkeypatch.setattr(fa, "MAX_TERMS", 200_000)
    monkeypatch.setattr(fa, "MAX_WORK", 50)
    with pytest.raises(OutsideFreeAlgebra, match="term products"):
        _prove("(A + B)^6", "(A + B)^3*(A + B)^3")
    res = check_identity("(A + B)^6 == (A + B)^3*(A + B)^3", declare={"A": "n x n", "B": "n x n"},
                         sizes="1..2")
    assert res.verdict == "PROVED" and res.prover != "free_algebra"
    assert any("free algebra: not applicable" in n for n in res.notes)
