"""Tests of mfverify.certify: Krawczyk boxes, certified inertia, certificate files, re-check."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from flint import arb, arb_mat
from hypothesis import given
from hypothesis import strategies as st

from mfverify.certify import (
    CertificateFormatError,
    ball_inertia,
    check_certificate,
    derive,
    exact_inertia,
    krawczyk,
    least_root_check,
    point_box,
    point_exact,
    prove_stationary_box,
    write_certificate,
)
from mfverify.cli import main
from mfverify.problems import MatrixSensing, restricted_isometry, zsl_family

# ---------------------------------------------------------------------------------------------
# Krawczyk
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def zsl55():
    p = zsl_family("11/20")
    return p, derive(p)


def test_krawczyk_proves_the_zsl_spurious_minimum(zsl55):
    _, poly = zsl55
    res = prove_stationary_box(poly, [0.01, 0.74])
    assert res.proved, res.reason
    # the true stationary point is (0, sqrt(c)) with c = 11/20
    assert abs(float(res.center[1]) - float(sp.sqrt(sp.Rational(11, 20)))) < 1e-40
    assert res.contraction < 1e-10


def test_krawczyk_rejects_a_box_without_a_zero(zsl55):
    _, poly = zsl55
    res = krawczyk(poly, ["0", "0.74"], "1e-6")  # sqrt(0.55) = 0.7416..., not in the box
    assert not res.proved
    assert "Krawczyk test failed" in res.reason


def test_krawczyk_with_fixed_coordinates_needs_vanishing_fixed_components():
    p = MatrixSensing([[[1, 0], [0, 1]], [[1, 0], [0, 0]], [[0, 1], [1, 0]]], 2,
                      ground_truth=[[1, 0], [0, 0]])
    poly = derive(p)
    # the lift [x, 0] of the rank-1 stationary point x = (0, 1): column 2 fixed at 0
    ok = krawczyk(poly, ["0", "1"], "1e-20", fixed={1: "0", 3: "0"})
    assert ok.proved, ok.reason
    bad = krawczyk(poly, ["0", "1"], "1e-20", fixed={1: "1/2", 3: "0"})
    assert not bad.proved and "does not vanish identically" in bad.reason


# ---------------------------------------------------------------------------------------------
# inertia
# ---------------------------------------------------------------------------------------------


def test_ball_inertia_certifies_and_refuses():
    H = arb_mat([[arb(2, 0.1), arb(1)], [arb(1), arb(-3, 0.2)]])
    inert = ball_inertia(H)
    assert inert.certified and (inert.positive, inert.negative) == (1, 1)
    singular = ball_inertia(arb_mat([[arb(1), arb(1)], [arb(1), arb(1, 1e-10)]]))
    assert not singular.certified and "contains 0" in singular.reason


@given(st.lists(st.integers(-5, 5), min_size=6, max_size=6), st.integers(1, 4))
def test_exact_inertia_matches_numpy(entries, den):
    a, b, c, d, e, f = (sp.Rational(v, den) for v in entries)
    M = sp.Matrix([[a, b, c], [b, d, e], [c, e, f]])
    inert = exact_inertia(M)
    ev = np.linalg.eigvalsh(np.array(M.tolist(), dtype=float))
    zero = int(sum(1 for v in M.eigenvals(multiple=True) if v == 0))
    assert inert.certified
    assert inert.zero == zero
    assert inert.positive == int(np.sum(ev > 1e-9))
    assert inert.negative == int(np.sum(ev < -1e-9))


def test_least_root_check():
    M = sp.Matrix([[1, 2], [2, 1]])
    assert least_root_check(M, sp.Integer(-1)) == ""
    assert "root" in least_root_check(M, sp.Integer(3))
    assert "not an eigenvalue" in least_root_check(M, sp.Integer(0))


# ---------------------------------------------------------------------------------------------
# certificate files
# ---------------------------------------------------------------------------------------------


def _zsl_certificate(tmp_path: Path, c: str = "11/20") -> Path:
    p = zsl_family(c)
    poly = derive(p)
    box = prove_stationary_box(poly, [0.0, 0.74])
    assert box.proved
    claims = [
        {"type": "strict_spurious_local_min", "point": point_box(box.center, box.radius),
         "witness": ["1", "0"], "certified": {"hessian_inertia": [2, 0, 0],
                                              "witness_value": "0"}},
        {"type": "rip_constant", "order": 2,
         "certified": {"delta_greater_than": "1/2", "scaled_delta_greater_than": "1/2"}},
        {"type": "strict_saddle", "point": point_exact(["0", "0"]), "direction": ["1", "0"],
         "certified": {"curvature_upper_bound": "-1", "hessian_inertia": [0, 2, 0]}},
    ]
    path = tmp_path / "zsl.json"
    write_certificate(path, p.to_spec(), claims, {"found_by": "test"})
    return path


def test_certificate_round_trip_proved(tmp_path):
    path = _zsl_certificate(tmp_path)
    res = check_certificate(path)
    assert res.proved, res.reasons
    rip = res.details[1]
    assert rip["delta"].startswith("[0.55")  # δ = c: the ZSL family (Zhang, Sojoudi & Lavaei 2019)
    # cross-check with the problem library's own RIP computation
    ri = restricted_isometry(zsl_family("11/20"))
    assert abs(float(ri.upper) - 0.55) < 1e-12


def test_rip_below_half_is_rejected(tmp_path):
    p = zsl_family("9/20")
    doc = {"format": "mfverify-certificate", "version": 1, "problem": p.to_spec(),
           "claims": [{"type": "rip_constant", "order": 2,
                       "certified": {"delta_greater_than": "1/2"}}]}
    res = check_certificate(doc)
    assert not res.proved and "is not certainly > 1/2" in res.reasons[0]


def _tamper(path: Path, edit) -> dict:
    doc = json.loads(path.read_text())
    doc = copy.deepcopy(doc)
    edit(doc)
    return doc


def test_tampered_certificates_are_rejected_with_a_reason(tmp_path):
    path = _zsl_certificate(tmp_path)

    def center(doc):
        c = doc["claims"][0]["point"]["box"]["center"]
        c[1] = c[1][:10] + ("1" if c[1][10] != "1" else "2") + c[1][11:]
    res = check_certificate(_tamper(path, center))
    assert not res.proved and "stationarity not proved" in res.reasons[0]

    def operator(doc):
        doc["problem"]["operator"][0][1][1] = "3/5"
    res = check_certificate(_tamper(path, operator))
    assert not res.proved

    def inertia(doc):
        doc["claims"][2]["certified"]["hessian_inertia"] = [1, 1, 0]
    res = check_certificate(_tamper(path, inertia))
    assert not res.proved and "inertia" in res.reasons[0]

    def witness(doc):
        doc["claims"][0]["witness"] = ["0", "0"]  # f(0) = 1 > f(x): not a better point
    res = check_certificate(_tamper(path, witness))
    assert not res.proved and "witness value is 1, not the claimed 0" in res.reasons[0]

    def witness_only(doc):
        witness(doc)
        del doc["claims"][0]["certified"]["witness_value"]
    res = check_certificate(_tamper(path, witness_only))
    assert not res.proved and "not certainly above" in res.reasons[0]

    def bound(doc):
        doc["claims"][2]["certified"]["curvature_upper_bound"] = "-5"  # true value is -4
    res = check_certificate(_tamper(path, bound))
    assert not res.proved and "claimed bound" in res.reasons[0]


def test_malformed_certificates_raise(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(CertificateFormatError):
        check_certificate(bad)
    bad.write_text(json.dumps({"format": "something-else"}))
    with pytest.raises(CertificateFormatError, match="not an mfverify certificate"):
        check_certificate(bad)
    bad.write_text(json.dumps({"format": "mfverify-certificate", "version": 1,
                               "problem": {"problem": "symmetric", "M": [[1]], "rank": 1},
                               "claims": [{"type": "nonsense"}]}))
    with pytest.raises(CertificateFormatError, match="type"):
        check_certificate(bad)
    bad.write_text(json.dumps({"format": "mfverify-certificate", "version": 1,
                               "problem": {"problem": "symmetric", "M": [[1]], "rank": 1},
                               "claims": [{"type": "strict_saddle",
                                           "point": {"exact": ["__import__('os')"]},
                                           "direction": ["1"],
                                           "certified": {"curvature_upper_bound": "-1"}}]}))
    with pytest.raises(CertificateFormatError):
        check_certificate(bad)


def test_certify_cli_exit_codes(tmp_path, capsys):
    path = _zsl_certificate(tmp_path)
    assert main(["certify", str(path)]) == 0
    assert "PROVED" in capsys.readouterr().out
    doc = _tamper(path, lambda d: d["problem"]["ground_truth"].__setitem__(0, ["2", "0"]))
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(doc))
    assert main(["certify", str(tampered)]) == 1
    out = capsys.readouterr().out
    assert "REFUTED" in out  # the shared Verdict (mfverify < 0.2 printed "REJECTED")
    assert main(["certify", str(tmp_path / "missing.json")]) == 2
    assert "does not exist" in capsys.readouterr().err
    # regression: a directory was reported as "does not exist"
    assert main(["certify", str(tmp_path)]) == 2
    assert "is a directory" in capsys.readouterr().err
    assert main(["certify", "--json", str(path)]) == 0
    assert json.loads(capsys.readouterr().out)["verdict"] == "PROVED"


def _constrained_doc() -> dict:
    # min ½‖U‖² s.t. ⟨diag(1, 1, 2), UUᵀ⟩ = 2, U ∈ R^{3×2}: U = [e1 e2] is a full-rank KKT
    # point with λ = 1/2, S = diag(0, 0, -1); W = [e3, 0] is feasible with value 1/2 < 1.
    spec = {"problem": "constrained", "p": 2, "operator": [[[1, 0, 0], [0, 1, 0], [0, 0, 2]]],
            "b": ["2"], "merit": "augmented_lagrangian", "rho": "1"}
    U = ["1", "0", "0", "1", "0", "0"]
    W = ["0", "0", "0", "0", "1", "0"]
    return {"format": "mfverify-certificate", "version": 1, "problem": spec, "claims": [
        {"type": "spurious_kkt_point", "point": {"exact": U}, "multiplier": ["1/2"],
         "better_feasible_point": W,
         "certified": {"full_rank": True, "S_not_psd": True, "S_inertia": [0, 1, 2]}},
        {"type": "global_minimizer", "point": {"exact": W}, "multiplier": ["1/4"]},
        {"type": "flow_equilibrium", "rho": "1", "point": {"exact": U}, "multiplier": ["1/2"]},
    ]}


def test_constrained_certificate_exact():
    res = check_certificate(_constrained_doc())
    assert res.proved, res.reasons
    assert res.details[0]["S_inertia"] == {"positive": 0, "zero": 2, "negative": 1}
    assert res.details[1]["conclusion"].startswith("S(λ) ⪰ 0")


def test_constrained_certificate_rejections():
    doc = _constrained_doc()
    doc["claims"][0]["multiplier"] = ["1/3"]
    res = check_certificate(doc)
    assert not res.proved and "KKT stationarity" in res.reasons[0]
    doc = _constrained_doc()
    doc["claims"][1]["multiplier"] = ["1/2"]  # W is not KKT with this multiplier
    res = check_certificate(doc)
    assert not res.proved and "KKT" in res.reasons[0]
    doc = _constrained_doc()
    doc["problem"]["b"] = ["3"]
    res = check_certificate(doc)
    assert not res.proved and "not feasible" in res.reasons[0]


# ---------------------------------------------------------------------------------------------
# flow_equilibrium: the field of the certificate's merit (issue 17: a penalty-merit certificate
# was checked against the augmented-Lagrangian field and PROVED with a nonzero gradient)
# ---------------------------------------------------------------------------------------------


def _penalty_instance():
    """A seeded Gaussian penalty-merit instance, written with explicit exact matrices, and its
    planted feasible point U = [z, 0] (b = A(zzᵀ))."""
    from mfverify.problems import ConstrainedMF

    prob = ConstrainedMF.gaussian(3, 2, 2, seed=1, merit="penalty", rho="1/2")
    Mstar = sp.Matrix(prob.ground_truth.tolist())
    z = Mstar[:, 0] / sp.sqrt(Mstar[0, 0])  # M* = zzᵀ of rank 1 on a 1/1000 grid
    assert sp.simplify(z * z.T - Mstar) == sp.zeros(3, 3)
    U = sp.Matrix.hstack(z, sp.zeros(3, 1))
    ops = [[[str(v) for v in row] for row in sp.Matrix(a.tolist()).tolist()]
           for a in prob.data["A"]]
    spec = {"problem": "constrained", "p": 2, "operator": ops,
            "b": [str(v) for v in prob.data["b"]], "merit": "penalty", "rho": "1/2"}
    return prob, spec, U


def test_penalty_flow_equilibrium_with_nonzero_gradient_is_not_proved():
    from mfverify.arith import ExactArith

    prob, spec, U = _penalty_instance()
    # the problem library agrees that the penalty gradient at the feasible point is U ≠ 0
    A = ExactArith()
    g = prob.gradient(A, {"U": np.array(U.tolist(), dtype=object)}, prob.data_in(A))["U"]
    assert any(sp.simplify(v) != 0 for v in np.asarray(g).ravel())
    lam = prob.least_squares_multiplier(np.array(U.tolist(), dtype=object))
    doc = {"format": "mfverify-certificate", "version": 1, "problem": spec, "claims": [
        {"type": "flow_equilibrium", "point": {"exact": [str(v) for v in U]},
         "multiplier": [str(v) for v in np.asarray(lam).ravel()]}]}
    res = check_certificate(doc)
    assert not res.proved
    assert "penalty-merit gradient" in res.reasons[0] and "does not vanish" in res.reasons[0]
    # naming the merit in the claim changes nothing; naming another one is malformed
    doc["claims"][0]["merit"] = "penalty"
    assert not check_certificate(doc).proved
    doc["claims"][0]["merit"] = "augmented_lagrangian"
    with pytest.raises(CertificateFormatError, match="'augmented_lagrangian' merit"):
        check_certificate(doc)


def test_penalty_flow_equilibrium_positive_control():
    """φ(u) = u²/2 + (ρ/2)(u² − 2)² with ρ = 1/2: φ'(u) = u(1 + 2ρ(u² − 2)) = 0 at u = 1, an
    infeasible equilibrium (r = −1) with the multiplier λ = −ρr = 1/2."""
    from mfverify.arith import ExactArith
    from mfverify.spec import load_spec

    spec = {"problem": "constrained", "p": 1, "operator": [[["1"]]], "b": ["2"],
            "merit": "penalty", "rho": "1/2"}
    prob = load_spec(spec)
    A = ExactArith()
    assert prob.gradient(A, {"U": np.array([[1]], dtype=object)}, prob.data_in(A))["U"][0, 0] == 0
    claim = {"type": "flow_equilibrium", "point": {"exact": ["1"]}, "multiplier": ["1/2"],
             "certified": {"S_inertia": {"positive": 0, "zero": 1, "negative": 0}}}
    doc = {"format": "mfverify-certificate", "version": 1, "problem": spec, "claims": [claim]}
    res = check_certificate(doc)
    assert res.proved, res.reasons
    assert res.details[0]["merit"] == "penalty" and res.details[0]["residual"] == ["-1"]
    claim["multiplier"] = ["1/3"]  # not −ρ(A(UUᵀ) − b)
    res = check_certificate(doc)
    assert not res.proved and "multiplier of a penalty equilibrium" in res.reasons[0]
    claim["multiplier"] = ["1/2"]
    claim["point"] = {"exact": ["2"]}  # φ'(2) = 2·(1 + 2) ≠ 0
    assert not check_certificate(doc).proved


def test_augmented_lagrangian_flow_equilibrium_uses_the_problem_rho():
    doc = _constrained_doc()
    doc["claims"] = [doc["claims"][2]]
    assert check_certificate(doc).proved
    doc["claims"][0]["rho"] = "3"  # the problem's rho is 1
    with pytest.raises(CertificateFormatError, match="rho"):
        check_certificate(doc)
