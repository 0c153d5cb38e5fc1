"""Exact sum-of-squares certificates modulo an ideal (mfverify.symbolic.positivity) and the
2-1-1-2 deep linear network whose sign cell {h < 0} on {abc = 1} they prove empty.

Every certificate is re-checked here independently of the module: the weights are positive
rationals and h − Σ d_k q_k² reduces to 0 modulo a Gröbner basis computed in the test.
"""

from __future__ import annotations

import re
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mfverify.problems import DeepLinearNetwork
from mfverify.symbolic import landscape
from mfverify.symbolic import positivity as pos
from mfverify.symbolic.positivity import (
    PositivityCertificate,
    empty_cell_certificate,
    ldl_pivots,
    nonnegative_certificate,
    sos_real_vanishing,
    verify_certificate,
)

a, b, c = sp.symbols("a b c")
ABC = [a * b * c - 1]
#: the factor of the 2-1-1-2 network (a, b, c = W1_0_1, W2_0_0, W3_1_0): on abc = 1 it is
#: a² + b² + c² + b⁴(a² − c²)² because 2b² ≡ 2a²b⁴c²
H = a**4 * b**4 + a**2 + b**4 * c**4 - b**2 + c**2


def _recheck(cert: PositivityCertificate, h: sp.Expr, basis: list[sp.Expr],
             gens: list[sp.Symbol]) -> None:
    """Independent exact re-check of h ≡ Σ d_k q_k² (mod basis), d_k > 0 rational."""
    assert sp.expand(cert.target - h) == 0
    assert all(isinstance(d, sp.Rational) and d > 0 for d, _ in cert.squares)
    rest = sp.expand(h - sum(d * q**2 for d, q in cert.squares))
    if basis:
        G = sp.groebner(basis, *gens, order="grevlex", domain="QQ")
        rest = G.reduce(rest)[1]
    assert sp.expand(rest) == 0


def test_factor_of_the_network_is_nonnegative_on_the_set() -> None:
    cert = nonnegative_certificate(H, ABC, [a, b, c])
    assert cert is not None and verify_certificate(cert)
    _recheck(cert, H, ABC, [a, b, c])
    assert "≡" in cert.text() and "a*b*c - 1" in cert.text()
    hit = empty_cell_certificate(ABC, {H: -1}, [a, b, c])
    assert hit is not None and hit[:2] == (H, -1)


def test_no_certificate_where_the_polynomial_is_negative_on_the_set() -> None:
    # a − b takes the value −1 at the real point (1, 2, 1/2) of abc = 1 (and +1 at (2, 1, 1/2))
    pt = {a: 1, b: 2, c: sp.Rational(1, 2)}
    assert (a * b * c - 1).subs(pt) == 0 and (a - b).subs(pt) == -1
    for h in (a - b, b - a, a * b - 2, a**2 - b**2):
        assert nonnegative_certificate(h, ABC, [a, b, c]) is None
    assert empty_cell_certificate(ABC, {a - b: 1}, [a, b, c]) is None
    assert empty_cell_certificate(ABC, {a - b: -1}, [a, b, c]) is None


def test_global_sums_of_squares_and_rejections() -> None:
    x, y = sp.symbols("x y")
    cert = nonnegative_certificate(x**2 - 2 * x * y + 2 * y**2, [], [x, y])
    assert cert is not None
    _recheck(cert, x**2 - 2 * x * y + 2 * y**2, [], [x, y])
    assert nonnegative_certificate(x**2 - y**2, [], [x, y]) is None
    assert nonnegative_certificate(x * y, [], [x, y]) is None
    # Motzkin's polynomial is nonnegative but not a sum of squares: nothing may be claimed
    motzkin = x**4 * y**2 + x**2 * y**4 - 3 * x**2 * y**2 + 1
    assert nonnegative_certificate(motzkin, [], [x, y]) is None


def test_real_vanishing_from_sums_of_squares() -> None:
    q, texts = sos_real_vanishing([a**2 * b**2 + a**2 * c**2 / 2 + b**2 * c**2, a * b * c - 1],
                                  [a, b, c])
    assert {str(e) for e in q} == {"a*b", "a*c", "b*c"} and texts
    # a generator that is a sum of squares only modulo the others
    q, _ = sos_real_vanishing(sp.groebner([a * b * c - 1, H], a, b, c, order="grevlex").exprs,
                              [a, b, c], generators=[a * b * c - 1, H])
    G = sp.groebner([a * b * c - 1, H, *q], a, b, c, order="grevlex")
    assert list(G.exprs) == [1]  # the set {abc = 1, H = 0} has no real point
    assert sos_real_vanishing([a**2 - b**2], [a, b]) == ([], [])


def test_ldl_pivots_is_exact_and_rejects_indefinite_matrices() -> None:
    F = Fraction
    out = ldl_pivots([[F(4), F(2)], [F(2), F(3)]])
    assert out == [(F(4), [F(1), F(1, 2)]), (F(2), [F(0), F(1)])]
    assert ldl_pivots([[F(1), F(2)], [F(2), F(1)]]) is None  # negative second pivot
    assert ldl_pivots([[F(0), F(1)], [F(1), F(1)]]) is None  # zero pivot, nonzero column
    assert ldl_pivots([[F(0), F(0)], [F(0), F(1)]]) == [(F(1), [F(0), F(1)])]


def test_forged_certificates_fail_the_exact_check() -> None:
    x, y = sp.symbols("x y")
    bad_weight = PositivityCertificate(x**2 - y**2, (), (x, y),
                                       ((sp.Integer(1), x), (sp.Integer(-1), y)))
    assert not verify_certificate(bad_weight)
    wrong_sum = PositivityCertificate(x**2 - y**2, (), (x, y), ((sp.Integer(1), x),))
    assert not verify_certificate(wrong_sum)
    float_weight = PositivityCertificate(x**2, (), (x, y), ((sp.Float(1.0), x),))
    assert not verify_certificate(float_weight)
    # modulo an ideal: correct only because x² − 1 ∈ I
    good = PositivityCertificate(x**2 + y**2 - 1, (x**2 - 1,), (x, y), ((sp.Integer(1), y),))
    assert verify_certificate(good)
    assert not verify_certificate(PositivityCertificate(x**2 + y**2 - 1, (x**2 - 2,), (x, y),
                                                        ((sp.Integer(1), y),)))


def test_planted_slip_negative_pivot_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """Plant two slips at once: the LDLᵀ accepts negative pivots and the float search proposes
    an indefinite Gram matrix. The independent exact re-check must still refuse a − b."""

    negative: list[Fraction] = []

    def sloppy_ldl(Q: list[list[Fraction]]) -> list[tuple[Fraction, list[Fraction]]]:
        n = len(Q)
        A = [list(map(Fraction, row)) for row in Q]
        out = []
        for k in range(n):
            p = A[k][k]
            if p == 0:
                continue
            col = [Fraction(0)] * k + [A[i][k] / p for i in range(k, n)]
            out.append((p, col))
            negative.extend([p] if p < 0 else [])
            for i in range(k + 1, n):
                for j in range(k + 1, n):
                    A[i][j] -= A[i][k] * col[j]
        return out

    def any_point(n: int, pairs: list, piv: list, free: list, *rest: object
                  ) -> tuple[np.ndarray, np.ndarray]:
        return np.zeros(len(free)), np.ones(n)

    monkeypatch.setattr(pos, "ldl_pivots", sloppy_ldl)
    monkeypatch.setattr(pos, "_float_search", any_point)
    indefinite = a**2 - 3 * a * b + b**2  # −1 at (1, 1, 1), a point of abc = 1
    for h in (a - b, indefinite):
        assert nonnegative_certificate(h, ABC, [a, b, c]) is None
    assert negative  # the slip was reached: an indefinite Gram matrix was "factored"
    # without the final exact re-check the slip would have produced a false certificate
    monkeypatch.setattr(pos, "verify_certificate", lambda cert: True)
    forged = nonnegative_certificate(indefinite, ABC, [a, b, c])
    assert forged is not None and any(d < 0 for d, _ in forged.squares)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(coeffs=st.lists(st.integers(-3, 3), min_size=6, max_size=6),
       shift=st.integers(-2, 2))
def test_any_certificate_returned_rechecks_exactly(coeffs: list[int], shift: int) -> None:
    """Quadratics in (a, b) modulo a² − b − shift (a parabola): whatever is returned
    re-checks exactly; a certificate is never returned where the quadratic is negative at a
    real point of the parabola (sampled exactly)."""
    basis = [a**2 - b - shift]
    mons = [sp.Integer(1), a, b, a * b, b**2, a**2]
    h = sp.expand(sum(k * m for k, m in zip(coeffs, mons, strict=True)))
    cert = nonnegative_certificate(h, basis, [a, b])
    if cert is None:
        return
    _recheck(cert, h, basis, [a, b])
    for t in range(-6, 7):
        pt = {a: sp.Rational(t, 2), b: sp.Rational(t, 2) ** 2 - shift}
        assert h.subs(pt) >= 0


def test_deep_linear_2_1_1_2_is_complete() -> None:
    """Regression: the 2-1-1-2 network ½‖W₃W₂W₁ − Y‖², Y = diag(2, 1), was incomplete (a cell
    {h < 0} on {abc = 1} not proved empty; before that, a Descartes count error on a cell of a
    set without real points). Now complete, no spurious local minimum, and the sign-cell
    certificate is recorded in the evidence and re-checks exactly."""
    p = DeepLinearNetwork([[1, 0], [0, 1]], [[2, 0], [0, 1]], [1, 1])
    L = landscape(p, budget=120)
    assert L.complete, L.reason
    types = sorted(comp.type for comp in L.components)
    assert "spurious_local_min" not in types and "global_min" in types
    notes = [t for comp in L.components for t in comp.evidence.get("strata_certificate", [])
             if "sign cell" in t and "is empty" in t]
    assert notes
    # parse the recorded certificate "h ≡ Σ d·(q)² (mod ⟨G⟩)" and re-check it here exactly
    body = notes[0].split("is empty: ", 1)[1]
    target, rest = body.split(" ≡ ", 1)
    sos, rest = rest.split(" (mod ⟨", 1)
    ideal = rest.split("⟩)", 1)[0].split(", ")
    h = sp.sympify(target)
    sigma = sp.sympify(sos.replace("·", "*").replace(")²", ")**2"))
    eqs = [sp.sympify(e) for e in ideal]
    gens = sorted(set().union(h.free_symbols, sigma.free_symbols,
                              *(e.free_symbols for e in eqs)), key=str)
    G = sp.groebner(eqs, *gens, order="grevlex", domain="QQ")
    assert sp.expand(G.reduce(sp.expand(h - sigma))[1]) == 0
    weights = re.findall(r"(?:^| \+ )(-?[0-9/]+)·\(", sos)
    assert len(weights) == sos.count("·") and all(sp.Rational(w) > 0 for w in weights)
    assert "W1_0_1*W2_0_0*W3_1_0 - 1" in ideal and "<" in notes[0].split("is empty")[0]


def test_descartes_contradiction_is_an_empty_cell_not_a_crash(monkeypatch: pytest.MonkeyPatch
                                                              ) -> None:
    """Regression: without the sum-of-squares real vanishing (the engine before it), the
    2-1-1-2 network reached a sign cell c₂ > 0 with c₁ ≡ 0 (trace 0, so c₂ = −½Σλ² <= 0 at
    every real point): Descartes' counts did not add up and an ArithmeticError escaped. Such a
    cell has no real point and is now dropped as empty; the landscape stays incomplete with a
    reason (the set {abc = 1, a²b⁴ + b⁴c² + 1 = 0} without real points is then not proved
    empty), never a traceback."""
    from mfverify.symbolic import stratify

    monkeypatch.setattr(stratify, "sos_real_vanishing", lambda *args, **kw: ([], []))
    p = DeepLinearNetwork([[1, 0], [0, 1]], [[2, 0], [0, 1]], [1, 1])
    L = landscape(p, budget=120)
    assert not L.complete and "emptiness not proved" in L.reason
    assert "6*W2_0_0**2 + W3_1_0**2 < 0" in L.reason  # the cell c₂ < 0: no point found
    assert "6*W2_0_0**2 + W3_1_0**2 > 0" not in L.reason  # the contradictory cell is gone


def test_search_honours_the_budget() -> None:
    import time

    from mfverify.budget import Budget
    from mfverify.errors import BudgetExceeded

    spent = Budget(0.001)
    time.sleep(0.01)
    with pytest.raises(BudgetExceeded):
        nonnegative_certificate(H, ABC, [a, b, c], spent)
