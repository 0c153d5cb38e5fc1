"""Ge, Lee & Ma (2016): a certified strict spurious local minimum of symmetric rank-1 matrix
completion on a fixed mask (target ``completion-spurious-min``), its certificate re-checked by
``mfverify certify``, tampering rejected, and the claim ``gelema2016.sampling-necessary``."""

from __future__ import annotations

import json

import numpy as np
import pytest
import sympy as sp

from mfverify.certify import check_certificate
from mfverify.claims import RunContext, Verdict, get_claim, run_claim
from mfverify.cli import main
from mfverify.counterexample import CLAIM_TARGETS, TARGETS, find_completion_spurious_min
from mfverify.counterexample.completion import (
    _encode,
    completion_fgh,
    completion_spurious_margin,
)


@pytest.fixture(scope="module")
def found():
    return find_completion_spurious_min(budget=60, seed=0)


def test_the_path_mask_by_hand() -> None:
    """Independent of the engines: Ω = {(1,1), (3,3), (1,2), (2,1), (2,3), (3,2)}, M = 11ᵀ,
    f = ½[(x₁² − 1)² + 2(x₁x₂ − 1)² + 2(x₂x₃ − 1)² + (x₃² − 1)²]. At x = (1, 0, −1) the gradient
    is 0, the Hessian [[4, −2, 0], [−2, 4, −2], [0, −2, 4]] has eigenvalues 4, 4 ± 2√2 > 0, and
    f = 2 > 0 = f(1, 1, 1): the ends want opposite signs through the unobserved middle."""
    x = sp.symbols("x1:4", real=True)
    f = sp.Rational(1, 2) * ((x[0] ** 2 - 1) ** 2 + 2 * (x[0] * x[1] - 1) ** 2
                             + 2 * (x[1] * x[2] - 1) ** 2 + (x[2] ** 2 - 1) ** 2)
    at = dict(zip(x, (1, 0, -1), strict=True))
    assert all(sp.diff(f, v).subs(at) == 0 for v in x)
    H = sp.hessian(f, x).subs(at)
    assert H == sp.Matrix([[4, -2, 0], [-2, 4, -2], [0, -2, 4]])
    assert sorted(H.eigenvals()) == sorted([4, 4 - 2 * sp.sqrt(2), 4 + 2 * sp.sqrt(2)])
    assert f.subs(at) == 2 and f.subs(dict.fromkeys(x, 1)) == 0
    # the float closed forms agree
    W = np.array([[1, 1, 0], [1, 0, 1], [0, 1, 1]], dtype=float)
    fv, g, Hn = completion_fgh(W, np.ones((3, 3)), np.array([1.0, 0.0, -1.0]))
    assert fv == 2 and not g.any() and np.allclose(Hn, np.array(H, dtype=float))


def test_margin_controls() -> None:
    """Positive control: the path mask has a positive margin; negative controls: the full mask
    (f = ½‖xxᵀ − zzᵀ‖², no spurious local minimum) and a zero ground-truth entry do not."""
    path = np.array([[1, 1, 0], [1, 0, 1], [0, 1, 1]], dtype=float)
    assert completion_spurious_margin(_encode(path, np.ones(3)))[0] > 0
    assert completion_spurious_margin(_encode(np.ones((3, 3)), np.array([1.0, 2, -1])))[0] <= 0
    assert completion_spurious_margin(_encode(path, np.array([1.0, 0, 1])))[0] <= 0


def test_target_certified_from_cold_start(found, tmp_path, capsys) -> None:
    assert found.certified, found.reason
    doc = found.certificate
    spec = doc["problem"]
    assert spec["problem"] == "completion" and spec["rank"] == 1 and spec["symmetric"]
    n = len(spec["M"])
    assert 3 <= n <= 5
    # M = zzᵀ with the witness z, and the mask leaves entries out
    z = sp.Matrix([sp.Rational(v) for v in doc["claims"][0]["witness"]])
    assert sp.Matrix([[sp.Rational(v) for v in row] for row in spec["M"]]) == z * z.T
    assert sum(int(v) for row in spec["mask"] for v in row) < n * n
    assert check_certificate(doc).proved
    path = tmp_path / "completion.json"
    found.write(path)
    assert main(["certify", str(path)]) == 0
    assert "PROVED" in capsys.readouterr().out
    # tampering: observe every entry (full mask: no spurious minimum) -> rejected
    bad = json.loads(path.read_text())
    bad["problem"]["mask"] = [["1"] * n for _ in range(n)]
    path.write_text(json.dumps(bad))
    assert main(["certify", str(path)]) == 1
    assert "REFUTED" in capsys.readouterr().out


def test_regularizer_note_and_registry(found) -> None:
    assert "α >= max|xᵢ|" in found.evidence["regularizer"]
    assert TARGETS["completion-spurious-min"] is find_completion_spurious_min
    assert CLAIM_TARGETS[("gelema2016.sampling-necessary", "random-mask")] == \
        "completion-spurious-min"


def test_claim_normal_and_dropped() -> None:
    c = get_claim("gelema2016.sampling-necessary")
    assert [h.name for h in c.hypotheses] == ["random-mask"]
    res = run_claim(c)
    assert res.verdict is Verdict.SUPPORTED, res.summary
    assert res.evidence["recovered"] == res.evidence["runs"] > 0
    res = run_claim(c, RunContext(dropped=frozenset({"random-mask"}), seed=1))
    assert res.verdict is Verdict.REFUTED, res.summary
    assert check_certificate(res.evidence["certificate"]).proved


def test_krawczyk_box_path() -> None:
    """An irrational spurious minimum (tridiagonal mask with the whole diagonal observed,
    z = (−3, 1, 2), x ≈ (3.040, −0.470, 1.805)) is certified by a Krawczyk box, and the
    certificate re-checks; a box around the float point of another minimum is rejected."""
    from mfverify.counterexample.completion import certify_spurious_min, completion_local_minima

    W = np.array([[1, 1, 0], [1, 1, 1], [0, 1, 1]], dtype=float)
    z = np.array([-3.0, 1.0, 2.0])
    mins = [(x, f, lm) for x, f, gn, lm in completion_local_minima(
        W, np.outer(z, z), np.array([[3.0, -0.5, 1.8], [-3.0, 0.5, -1.8]]))
        if gn < 1e-9 and f > 1e-6 and lm > 0]
    assert mins
    x = mins[0][0]
    cert = certify_spurious_min(W, [sp.Integer(v) for v in z.astype(int)], x)
    assert not isinstance(cert, str), cert
    spec, point, exact, bound = cert
    assert exact is None and "box" in point and bound > 3
    doc = {"format": "mfverify-certificate", "version": 1, "problem": spec, "claims": [
        {"type": "strict_spurious_local_min", "point": point, "witness": ["-3", "1", "2"],
         "certified": {"hessian_inertia": [3, 0, 0], "witness_value": "0"}}]}
    res = check_certificate(doc)
    assert res.proved, res.reasons
    assert "Krawczyk" in res.details[0]["stationarity"]
    moved = json.loads(json.dumps(doc))
    moved["claims"][0]["point"]["box"]["center"] = ["3", "0", "-3"]   # not a zero of ∇f
    assert not check_certificate(moved).proved
