"""JSON certificates: the format, writing, and an independent re-check.

A certificate states one or more mathematical facts about one problem instance, with every
number written exactly (integers, rationals, decimals read exactly, surds), and enough data to
re-prove each fact from scratch. :func:`check_certificate` re-derives the objective's gradient and
Hessian with SymPy from the problem spec, and re-does every test with exact arithmetic or with
ball arithmetic (python-flint); it never looks at how the certificate was found (the
``provenance`` block is informational only).

Format (version 1)::

    {
      "format": "mfverify-certificate",
      "version": 1,
      "problem": {... a problem spec, numbers as exact strings ...},
      "claims": [ {"type": ..., ...}, ... ],
      "provenance": {... free-form, ignored by the re-check ...}
    }

Claim types (``point`` is either ``{"exact": [flat coordinates]}`` or
``{"box": {"center": [...], "radius": "1e-30", "fixed": {"index": "value"}}}``, coordinates in
the order of ``Problem.flatten``; ``fixed`` lists coordinates held exactly, see
:mod:`mfverify.certify.boxes`):

``strict_spurious_local_min``
    ∇f = 0 at the point (exactly, or Krawczyk: a unique zero of ∇f in the box), ∇²f positive
    definite there (exact Descartes inertia, or certified over the whole box), and
    f > f(witness) (exact, or a certified lower bound of f over the box): so the point is a strict
    local minimizer that is not global. Keys: ``point``, ``witness`` (exact point),
    ``certified`` (``hessian_inertia`` as ``{"positive": p, "zero": z, "negative": q}`` or the
    version-1 list [p, q, z], ``value_lower_bound``, ``witness_value``).
``strict_saddle``
    ∇f = 0 at the point and dᵀ∇²f d <= ``curvature_upper_bound`` < 0 for the exact direction
    ``direction`` (exact, or over the whole box). Optional exact-point extras:
    ``hessian_inertia`` and ``least_eigenvalue`` (an exact closed form, checked to be the
    least root of the characteristic polynomial of the exact Hessian).
``rip_constant``
    For a symmetric sensing problem with 2r >= n (the rank constraint of the restricted isometry
    property is vacuous), δ = max(λ_max − 1, 1 − λ_min) of the Gram form ‖A(Z)‖²/‖Z‖²_F and the
    best-scaled δ* = (λ_max − λ_min)/(λ_max + λ_min) exceed ``delta_greater_than`` /
    ``scaled_delta_greater_than`` (certified root isolation of the exact characteristic
    polynomial of the pencil).
``spurious_kkt_point`` / ``global_minimizer`` / ``flow_equilibrium``
    For the constrained problem min ½‖U‖²_F s.t. ⟨A_i, UUᵀ⟩ = b_i (the Burer–Monteiro certificate,
    (E4) of docs/paper-eftekhari2021.md): exact feasibility, exact KKT stationarity (I − 2Σλ_iA_i)U
    = 0, exact rank, exact inertia of S(λ) = I − 2Σλ_iA_i; a spurious point needs a feasible
    ``better_feasible_point`` with a smaller value; a global minimizer needs S(λ) ⪰ 0 (the
    Burer–Monteiro dual certificate); a flow equilibrium needs the field of the problem's ``merit``
    to vanish exactly: the augmented-Lagrangian primal–dual field (−∇_U L_ρ, ∇_λ L_ρ) (feasibility
    and KKT as above), or, for the penalty merit φ_ρ(U) = ½‖U‖²_F + (ρ/2)‖A(UUᵀ) − b‖², the gradient
    ∇φ_ρ = U + 2ρA*(A(UUᵀ) − b)U (no feasibility: λ = −ρ(A(UUᵀ) − b) is the multiplier).

Every claim may only use the keys of its type; integer fields are true integers (not booleans);
the re-check's output writes inertia as ``{"positive": p, "zero": z, "negative": q}``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sympy as sp
from flint import arb, fmpz_poly

from ..budget import Budget, as_budget
from ..errors import BudgetExceeded, InputError, MfverifyError, SpecError, UnsupportedError
from ..inputs import check_int, check_nesting, parse_json, read_user_file
from ..numbers import parse_number
from ..problems import Problem
from ..problems.constrained import MERITS
from ..results import ResultMixin, Verdict, json_reader
from ._poly import derive, exact_to_arb, working_precision
from .boxes import full_point, krawczyk
from .inertia import _sign, ball_inertia, exact_inertia, least_root_check, quadratic_form_arb

if TYPE_CHECKING:
    from ..typing import NumberLike

__all__ = ["FORMAT", "VERSION", "CertificateFormatError", "CheckResult", "check_certificate",
           "load_certificate", "write_certificate", "load_problem", "point_exact", "point_box",
           "MAX_CERT_BYTES", "claimed_inertia", "inertia_json", "inertia_text"]

FORMAT = "mfverify-certificate"
VERSION = 1
MAX_CERT_BYTES = 5_000_000
CLAIM_TYPES = ("strict_spurious_local_min", "strict_saddle", "rip_constant",
               "spurious_kkt_point", "global_minimizer", "flow_equilibrium")


class CertificateFormatError(SpecError):
    """A certificate file that is unreadable or malformed (CLI exit 2)."""


@dataclass
class CheckResult(ResultMixin):
    """The re-check of a certificate.

    ``proved`` is True only when every claim re-checked; ``reasons`` lists each failure in words.
    ``details`` has one entry per claim with the recomputed certified quantities.

    ``verdict`` is a :class:`~mfverify.results.Verdict`: PROVED, REFUTED (a claim did not
    re-check; mfverify < 0.2 said ``REJECTED``, still accepted as an alias) or INCONCLUSIVE (the
    budget ran out with no claim failed).
    """

    proved: bool
    reasons: list[str] = field(default_factory=list)
    details: list[dict[str, Any]] = field(default_factory=list)
    #: True when the time budget ran out before every claim was re-checked (and none failed)
    out_of_budget: bool = False

    @property
    def verdict(self) -> Verdict:
        if self.proved:
            return Verdict.PROVED
        if self.out_of_budget and all(d.get("ok") or d.get("budget") for d in self.details):
            return Verdict.INCONCLUSIVE
        return Verdict.REFUTED

    def to_json(self) -> dict[str, Any]:
        return {"verdict": str(self.verdict), "proved": self.proved, "reasons": self.reasons,
                "claims": self.details, "out_of_budget": self.out_of_budget}

    @classmethod
    @json_reader("CheckResult JSON")
    def from_json(cls, data: Mapping[str, Any]) -> CheckResult:
        """The result that :meth:`to_json` wrote."""
        return cls(bool(data["proved"]), list(data["reasons"]), list(data["claims"]),
                   bool(data.get("out_of_budget", False)))

    def _rows(self) -> list[tuple[str, Any]]:
        rows: list[tuple[str, Any]] = [("claims", len(self.details)),
                                       ("re-checked", sum(bool(d.get("ok")) for d in self.details))]
        rows += [("reason", r) for r in self.reasons]
        if self.out_of_budget:
            rows.append(("budget", "ran out before every claim was re-checked"))
        return rows


# ---------------------------------------------------------------------------------------------
# reading and writing
# ---------------------------------------------------------------------------------------------


def point_exact(values: Sequence[Any]) -> dict[str, Any]:
    """The ``point`` block of an exact point."""
    return {"exact": [str(sp.sympify(v)) for v in values]}


def point_box(center: Sequence[Any], radius: NumberLike, fixed: Mapping[int, Any] | None = None
              ) -> dict[str, Any]:
    """The ``point`` block of a Krawczyk box."""
    r = sp.sympify(radius)
    text = str(r)
    if r.is_Rational and r.p == 1 and r.q > 1 and str(r.q).rstrip("0") == "1":
        text = f"1e-{len(str(r.q)) - 1}"
    return {"box": {"center": [str(v) for v in center], "radius": text,
                    "fixed": {str(k): str(v) for k, v in (fixed or {}).items()}}}


def write_certificate(path: str | Path, problem_spec: Mapping[str, Any],
                      claims: Sequence[Mapping[str, Any]],
                      provenance: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Write a certificate file (JSON) and return its dictionary."""
    doc = {"format": FORMAT, "version": VERSION, "problem": dict(problem_spec),
           "claims": [dict(c) for c in claims], "provenance": dict(provenance or {})}
    Path(path).write_text(json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n",
                          encoding="utf-8")
    return doc


def load_certificate(source: str | Path | Mapping[str, Any]) -> dict[str, Any]:
    """Read and structurally validate a certificate (raises :class:`CertificateFormatError`).

    A file must be a regular file of at most :data:`MAX_CERT_BYTES` bytes (a directory, FIFO or
    device is refused without reading it); JSON is nested at most
    :data:`mfverify.inputs.MAX_NESTING` levels. Every claim may only use the keys of its type
    (a misspelled ``certified`` key must not silently skip a check), and every integer field is a
    true integer (``"version": true`` is not version 1).
    """
    if isinstance(source, Mapping):
        doc: Any = dict(source)
        check_nesting(doc, "certificate", error=CertificateFormatError)
    else:
        text = read_user_file(source, "certificate file", MAX_CERT_BYTES,
                              error=CertificateFormatError)
        doc = parse_json(text, f"certificate {str(source)!r}", error=CertificateFormatError)
    if not isinstance(doc, dict):
        raise CertificateFormatError("a certificate must be a JSON object")
    if doc.get("format") != FORMAT:
        raise CertificateFormatError(f"not an mfverify certificate: 'format' must be {FORMAT!r}")
    version = doc.get("version")
    if isinstance(version, bool) or version != VERSION:
        raise CertificateFormatError(f"unsupported certificate version {version!r}; "
                                     f"this mfverify reads version {VERSION} (an integer)")
    unknown = sorted(set(doc) - _TOP_KEYS)
    if unknown:
        raise CertificateFormatError(f"unknown certificate key(s) {unknown}; allowed keys are "
                                     f"{sorted(_TOP_KEYS)}")
    if not isinstance(doc.get("problem"), dict):
        raise CertificateFormatError("the certificate has no 'problem' spec object")
    if not isinstance(doc.get("provenance", {}), dict):
        raise CertificateFormatError("'provenance' must be an object")
    claims = doc.get("claims")
    if not isinstance(claims, list) or not claims:
        raise CertificateFormatError("the certificate has no 'claims' list")
    for k, c in enumerate(claims):
        if not isinstance(c, dict) or c.get("type") not in CLAIM_TYPES:
            raise CertificateFormatError(f"claim {k}: 'type' must be one of {list(CLAIM_TYPES)}")
        _validate_claim(c, f"claim {k} ({c['type']})")
    return doc


#: Top-level keys of a certificate.
_TOP_KEYS = frozenset({"format", "version", "problem", "claims", "provenance"})
#: Keys any claim may carry for the reader's information (never used by the re-check).
_INFO_KEYS = frozenset({"type", "member", "note", "description"})
#: Per claim type: (keys of the claim, keys of its ``certified`` block).
_CLAIM_KEYS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "strict_spurious_local_min": (frozenset({"point", "witness", "certified"}),
                                  frozenset({"hessian_inertia", "value_lower_bound",
                                             "witness_value"})),
    "strict_saddle": (frozenset({"point", "direction", "certified"}),
                      frozenset({"curvature_upper_bound", "hessian_inertia",
                                 "least_eigenvalue"})),
    "rip_constant": (frozenset({"order", "certified"}),
                     frozenset({"delta_greater_than", "scaled_delta_greater_than"})),
    "spurious_kkt_point": (frozenset({"point", "multiplier", "better_feasible_point",
                                      "certified"}),
                           frozenset({"value", "rank", "S_inertia", "full_rank", "S_not_psd"})),
    "global_minimizer": (frozenset({"point", "multiplier", "certified"}),
                         frozenset({"value", "rank", "S_inertia"})),
    "flow_equilibrium": (frozenset({"point", "multiplier", "rho", "merit", "certified"}),
                         frozenset({"value", "rank", "S_inertia"})),
}
#: Largest RIP order a certificate may name (the check needs order >= n, and n is small).
MAX_ORDER = 10_000


def _validate_claim(claim: Mapping[str, Any], label: str) -> None:
    """Keys and the types of the non-numeric fields of one claim (numbers are read later)."""
    keys, cert_keys = _CLAIM_KEYS[claim["type"]]
    unknown = sorted(set(claim) - keys - _INFO_KEYS)
    if unknown:
        raise CertificateFormatError(f"{label}: unknown key(s) {unknown}; a {claim['type']} "
                                     f"claim has {sorted(keys)}")
    cert = claim.get("certified", {})
    if cert is None:
        cert = {}
    if not isinstance(cert, dict):
        raise CertificateFormatError(f"{label}: 'certified' must be an object of certified "
                                     f"quantities, got {type(cert).__name__}")
    unknown = sorted(set(cert) - cert_keys)
    if unknown:
        raise CertificateFormatError(f"{label}: unknown certified key(s) {unknown}; allowed "
                                     f"are {sorted(cert_keys)}")
    for key in ("hessian_inertia", "S_inertia"):
        if key in cert:
            claimed_inertia(cert[key], f"{label}: certified.{key}")
    if "rank" in cert:
        check_int(cert["rank"], f"{label}: certified.rank", lo=0,
                  error=CertificateFormatError)
    for key in ("full_rank", "S_not_psd"):
        if key in cert and not isinstance(cert[key], bool):
            raise CertificateFormatError(f"{label}: certified.{key} must be true or false")
    if "order" in claim:
        check_int(claim["order"], f"{label}: order", lo=1, hi=MAX_ORDER,
                  error=CertificateFormatError)
    if "merit" in claim and claim["merit"] not in MERITS:
        raise CertificateFormatError(f"{label}: merit must be one of {list(MERITS)}, got "
                                     f"{claim['merit']!r}")


def claimed_inertia(value: Any, what: str) -> tuple[int, int, int]:
    """A claimed inertia as (positive, negative, zero).

    Accepted forms: the labelled object ``{"positive": p, "zero": z, "negative": q}`` (the
    convention of ``mfverify landscape`` and of the re-check's output) or, as in version-1 files,
    the list ``[positive, negative, zero]``. Counts are non-negative integers (not booleans).
    """
    if isinstance(value, dict):
        if set(value) != {"positive", "zero", "negative"}:
            raise CertificateFormatError(f"{what} must have the keys positive, zero, negative")
        counts = [value["positive"], value["negative"], value["zero"]]
    elif isinstance(value, list) and len(value) == 3:
        counts = list(value)
    else:
        raise CertificateFormatError(f"{what} must be {{\"positive\": p, \"zero\": z, "
                                     "\"negative\": q} or the list [positive, negative, zero]")
    p, q, z = (check_int(c, what, lo=0, error=CertificateFormatError) for c in counts)
    return (p, q, z)


def inertia_json(positive: int, negative: int, zero: int) -> dict[str, int]:
    """The labelled inertia of the re-check's output (the convention of ``landscape``)."""
    return {"positive": positive, "zero": zero, "negative": negative}


def inertia_text(inert: Any) -> str:
    """``(+,0,-) = (p,z,q)``: the labelled text convention shared with ``mfverify landscape``.

    ``inert`` is an inertia object (``positive``, ``negative``, ``zero`` attributes), a labelled
    dict, or a (positive, negative, zero) tuple as returned by :func:`claimed_inertia`.
    """
    if isinstance(inert, dict):
        p, q, z = inert["positive"], inert["negative"], inert["zero"]
    elif isinstance(inert, tuple):
        p, q, z = inert
    else:
        p, q, z = inert.positive, inert.negative, inert.zero
    return f"(+,0,-) = ({p},{z},{q})"


def load_problem(spec: Mapping[str, Any]) -> Problem:
    """The problem of a spec (the spec loader; sensing via the problems package)."""
    from ..spec import problem_from_spec

    return problem_from_spec(dict(spec))


# ---------------------------------------------------------------------------------------------
# the re-check
# ---------------------------------------------------------------------------------------------


class _Reject(Exception):
    """A claim that does not re-check (the message is the reason)."""


def _num(v: Any, what: str) -> sp.Expr:
    try:
        return parse_number(v)
    except MfverifyError as exc:
        raise CertificateFormatError(f"{what}: {exc}") from exc


def _nums(vs: Any, what: str, length: int | None = None) -> list[sp.Expr]:
    if not isinstance(vs, list):
        raise CertificateFormatError(f"{what} must be a list of numbers")
    if length is not None and len(vs) != length:
        raise CertificateFormatError(f"{what} must have {length} entries, got {len(vs)}")
    return [_num(v, f"{what}[{k}]") for k, v in enumerate(vs)]


def _less(a: sp.Expr, b: sp.Expr) -> bool:
    """a < b, decided exactly (algebraic numbers: certified sign of b − a)."""
    d = sp.radsimp(sp.expand(b - a))
    return _sign(d) > 0


class _PointData:
    def __init__(self, block: Any, n: int, what: str) -> None:
        if not isinstance(block, dict) or not ({"exact", "box"} & set(block)):
            raise CertificateFormatError(f"{what}: 'point' must have an 'exact' or a 'box' key")
        self.exact: list[sp.Expr] | None = None
        self.box: dict[str, Any] | None = None
        if "exact" in block:
            self.exact = _nums(block["exact"], f"{what}: point", n)
        else:
            b = block["box"]
            if not isinstance(b, dict):
                raise CertificateFormatError(f"{what}: 'box' must be an object")
            fixed_raw = b.get("fixed", {}) or {}
            if not isinstance(fixed_raw, dict):
                raise CertificateFormatError(f"{what}: box 'fixed' must be an object")
            try:
                fixed = {int(k): _num(v, f"{what}: fixed[{k}]") for k, v in fixed_raw.items()}
            except ValueError as exc:
                raise CertificateFormatError(f"{what}: fixed keys must be integers") from exc
            if any(k < 0 or k >= n for k in fixed):
                raise CertificateFormatError(f"{what}: fixed index out of range 0..{n - 1}")
            center = _nums(b.get("center"), f"{what}: box center", n - len(fixed))
            radius = _num(b.get("radius"), f"{what}: box radius")
            self.box = {"center": center, "radius": radius, "fixed": fixed}


def _stationary(poly: Any, pt: _PointData, label: str, detail: dict[str, Any]) -> Any:
    """Prove ∇f = 0 at the point (exact) or in the box; return the ball box or exact point."""
    if pt.exact is not None:
        g = poly.grad_exact(pt.exact)
        bad = [k for k, v in enumerate(g) if v != 0 and sp.simplify(v) != 0]
        if bad:
            raise _Reject(f"{label}: the gradient is not zero at the point: component {bad[0]} "
                          f"({poly.symbols[bad[0]]}) equals {g[bad[0]]}")
        detail["stationarity"] = "exact: every gradient component is exactly 0"
        return None
    assert pt.box is not None
    res = krawczyk(poly, pt.box["center"], pt.box["radius"], fixed=pt.box["fixed"])
    if not res.proved:
        raise _Reject(f"{label}: stationarity not proved: {res.reason}")
    detail["stationarity"] = (f"Krawczyk: K(X) ⊂ interior(X), unique zero of ∇f in the box of "
                              f"radius {pt.box['radius']} (contraction {res.contraction:.3g})")
    detail["enclosure"] = res.enclosure
    return res


def _box_balls(poly: Any, pt: _PointData) -> list[arb]:
    from ._poly import ball_box

    assert pt.box is not None
    n = len(poly.symbols)
    free = [i for i in range(n) if i not in pt.box["fixed"]]
    X = ball_box(pt.box["center"], pt.box["radius"])
    fixed_b = {i: exact_to_arb(v) for i, v in pt.box["fixed"].items()}
    return full_point(n, free, X, fixed_b)


def _claimed_inertia(claim: Mapping[str, Any], label: str) -> tuple[int, int, int] | None:
    cert = claim.get("certified", {}) or {}
    v = cert.get("hessian_inertia")
    if v is None:
        return None
    return claimed_inertia(v, f"{label}: certified.hessian_inertia")


def _check_local_min(problem: Problem, claim: Mapping[str, Any], label: str,
                     detail: dict[str, Any]) -> None:
    poly = derive(problem)
    n = len(poly.symbols)
    pt = _PointData(claim.get("point"), n, label)
    witness = _nums(claim.get("witness"), f"{label}: witness", n)
    cert = claim.get("certified", {}) or {}
    _stationary(poly, pt, label, detail)
    w_val = poly.value_exact(witness)
    detail["witness_value"] = str(w_val)
    if "witness_value" in cert and sp.simplify(_num(cert["witness_value"], label) - w_val) != 0:
        raise _Reject(f"{label}: the witness value is {w_val}, not the claimed "
                      f"{cert['witness_value']}")
    claimed = _claimed_inertia(claim, label)
    if pt.exact is not None:
        H = poly.hess_exact(pt.exact)
        inert = exact_inertia(H)
        val = poly.value_exact(pt.exact)
        detail["value"] = str(val)
        if not _less(w_val, val):
            raise _Reject(f"{label}: f(point) = {val} is not larger than f(witness) = {w_val}: "
                          "the point is not shown to be spurious")
    else:
        with working_precision(200):
            X = _box_balls(poly, pt)
            inert = ball_inertia(poly.hess_arb(X))
            fX = poly.value_arb(X)
            lower = fX.lower()
            detail["value_enclosure"] = fX.str(25, radius=True)
            if not bool(fX > exact_to_arb(w_val)):
                raise _Reject(f"{label}: f over the box, {fX.str(15, radius=True)}, is not "
                              f"certainly above f(witness) = {w_val}")
            if "value_lower_bound" in cert:
                lb = exact_to_arb(_num(cert["value_lower_bound"], label))
                if not bool(fX > lb):
                    raise _Reject(f"{label}: claimed value_lower_bound {cert['value_lower_bound']}"
                                  f" is not below f over the box ({fX.str(15, radius=True)})")
            detail["value_lower_bound"] = lower.str(20, radius=False)
    detail["hessian_inertia"] = inertia_json(inert.positive, inert.negative, inert.zero)
    detail["inertia_method"] = inert.method
    if not inert.certified:
        raise _Reject(f"{label}: Hessian definiteness not certified: {inert.reason}")
    if inert.negative or inert.zero:
        raise _Reject(f"{label}: the Hessian is not positive definite (inertia "
                      f"{inertia_text(inert)})")
    if claimed is not None and claimed != (inert.positive, inert.negative, inert.zero):
        raise _Reject(f"{label}: claimed Hessian inertia {inertia_text(claimed)} differs from "
                      f"the certified {inertia_text(inert)}")


def _check_saddle(problem: Problem, claim: Mapping[str, Any], label: str,
                  detail: dict[str, Any]) -> None:
    poly = derive(problem)
    n = len(poly.symbols)
    pt = _PointData(claim.get("point"), n, label)
    d = _nums(claim.get("direction"), f"{label}: direction", n)
    cert = claim.get("certified", {}) or {}
    if "curvature_upper_bound" not in cert:
        raise CertificateFormatError(f"{label}: certified.curvature_upper_bound is required")
    bound = _num(cert["curvature_upper_bound"], f"{label}: curvature_upper_bound")
    if not _less(bound, sp.Integer(0)):
        raise _Reject(f"{label}: curvature_upper_bound {bound} is not negative")
    _stationary(poly, pt, label, detail)
    if pt.exact is not None:
        H = poly.hess_exact(pt.exact)
        dv = sp.Matrix(d)
        curv = sp.radsimp(sp.expand((dv.T * H * dv)[0, 0]))
        detail["curvature"] = str(curv)
        if _less(bound, curv):
            raise _Reject(f"{label}: dᵀ∇²f d = {curv} is not <= the claimed bound {bound}")
        inert = exact_inertia(H)
        detail["hessian_inertia"] = inertia_json(inert.positive, inert.negative, inert.zero)
        claimed = _claimed_inertia(claim, label)
        if claimed is not None and claimed != (inert.positive, inert.negative, inert.zero):
            raise _Reject(f"{label}: claimed Hessian inertia {inertia_text(claimed)} differs "
                          f"from the exact {inertia_text(inert)}")
        if "least_eigenvalue" in cert:
            lam = _num(cert["least_eigenvalue"], f"{label}: least_eigenvalue")
            if not all(v.is_Rational for v in H):
                raise UnsupportedError("least_eigenvalue needs a rational Hessian")
            why = least_root_check(H, lam)
            if why:
                raise _Reject(f"{label}: least_eigenvalue {lam} does not re-check: {why}")
            detail["least_eigenvalue"] = str(lam)
            detail["least_eigenvalue_float"] = float(sp.N(lam, 30))
    else:
        with working_precision(200):
            X = _box_balls(poly, pt)
            H = poly.hess_arb(X)
            curv = quadratic_form_arb(H, [exact_to_arb(v) for v in d])
            detail["curvature_enclosure"] = curv.str(20, radius=True)
            if not bool(curv < exact_to_arb(bound)):
                raise _Reject(f"{label}: dᵀ∇²f d over the box, {curv.str(15, radius=True)}, is "
                              f"not certainly below the claimed bound {bound}")


def _sensing_matrices(spec: Mapping[str, Any], label: str) -> list[sp.Matrix]:
    from ..problems.base import exact_matrix

    ops = spec.get("operator")
    if not isinstance(ops, list) or not ops:
        raise CertificateFormatError(f"{label}: the problem spec needs an explicit 'operator' "
                                     "(list of sensing matrices)")
    return [sp.Matrix(exact_matrix(a, f"operator[{k}]", square=True).tolist())
            for k, a in enumerate(ops)]


def _check_rip(problem: Problem, spec: Mapping[str, Any], claim: Mapping[str, Any], label: str,
               detail: dict[str, Any]) -> None:
    mats = _sensing_matrices(spec, label)
    n = mats[0].shape[0]
    r = int(spec.get("rank", 0))
    order = claim.get("order", 2 * r)
    if not isinstance(order, int) or order < n:
        raise UnsupportedError(f"{label}: the certified RIP check needs order >= n (the rank "
                               f"constraint vacuous); got order {order} with n = {n}")
    pairs = [(i, j) for i in range(n) for j in range(i, n)]
    # coordinates u = (Z_ij, i <= j); ‖Z‖² = uᵀ D u, ‖A(Z)‖² = uᵀ Q u
    rows = [[(a[i, j] if i == j else a[i, j] + a[j, i]) for i, j in pairs] for a in mats]
    Wm = sp.Matrix(rows)
    Q = (Wm.T * Wm).applyfunc(lambda v: sp.radsimp(sp.expand(v)))
    D = sp.diag(*[1 if i == j else 2 for i, j in pairs])
    if not all(v.is_Rational for v in Q):
        raise UnsupportedError(f"{label}: the Gram form of the operator is not rational")
    lam = sp.Symbol("lam")
    cp = sp.Poly((Q - lam * D).det(), lam)
    den = sp.ilcm(*[sp.Rational(c).q for c in cp.all_coeffs()])
    zp = fmpz_poly([int(c * den) for c in reversed(cp.all_coeffs())])
    detail["pencil_charpoly"] = str(cp.as_expr())
    with working_precision(200):
        roots = [rt.real for rt, _ in zp.complex_roots()]  # type: ignore[misc, has-type]
        lo = min(roots, key=lambda v: float(v.mid()))
        hi = max(roots, key=lambda v: float(v.mid()))
        delta = (hi - 1).max(1 - lo)
        scaled = (hi - lo) / (hi + lo)
        detail["eig_min"] = lo.str(20, radius=True)
        detail["eig_max"] = hi.str(20, radius=True)
        detail["delta"] = delta.str(20, radius=True)
        detail["scaled_delta"] = scaled.str(20, radius=True)
        cert = claim.get("certified", {}) or {}
        for key, val in (("delta_greater_than", delta), ("scaled_delta_greater_than", scaled)):
            if key in cert:
                t = exact_to_arb(_num(cert[key], f"{label}: {key}"))
                if not bool(val > t):
                    raise _Reject(f"{label}: {key.replace('_greater_than', '')} = "
                                  f"{val.str(15, radius=True)} is not certainly > {cert[key]}")


def _constrained_data(spec: Mapping[str, Any], label: str) -> tuple[list[sp.Matrix], list[
        sp.Expr], int]:
    mats = _sensing_matrices(spec, label)
    for k, a in enumerate(mats):
        if a != a.T:
            raise CertificateFormatError(f"{label}: constraint matrix {k} is not symmetric")
    b = _nums(spec.get("b"), f"{label}: b", len(mats))
    p = spec.get("p")
    if not isinstance(p, int) or p < 1:
        raise CertificateFormatError(f"{label}: the constrained spec needs an integer 'p'")
    return mats, b, p


def _check_constrained(spec: Mapping[str, Any], claim: Mapping[str, Any], label: str,
                       detail: dict[str, Any]) -> None:
    mats, b, p = _constrained_data(spec, label)
    n = mats[0].shape[0]
    m = len(mats)
    typ = claim["type"]
    pt = claim.get("point", {})
    if not isinstance(pt, dict) or "exact" not in pt:
        raise CertificateFormatError(f"{label}: constrained claims need an exact point")
    U = sp.Matrix(n, p, _nums(pt["exact"], f"{label}: point", n * p))
    cert = claim.get("certified", {}) or {}
    if typ == "flow_equilibrium":
        merit, rho = _flow_merit(spec, claim, label)
        detail["merit"] = merit
        if merit == "penalty":
            _check_penalty_equilibrium(mats, b, U, rho, claim, cert, label, detail)
            return
    lam = _nums(claim.get("multiplier"), f"{label}: multiplier", m)
    res = _residual(mats, b, U)
    if any(v != 0 for v in res):
        raise _Reject(f"{label}: the point is not feasible: A(UUᵀ) − b = {res}")
    S = _kkt_operator(mats, lam)
    stat = (S * U).applyfunc(lambda v: sp.radsimp(sp.expand(v)))
    if any(v != 0 for v in stat):
        raise _Reject(f"{label}: KKT stationarity (I − 2A*(λ))U = 0 fails: {stat.tolist()}")
    inert = _value_rank_inertia(U, S, cert, label, detail)
    if typ == "spurious_kkt_point":
        W = sp.Matrix(n, p, _nums(claim.get("better_feasible_point"),
                                  f"{label}: better_feasible_point", n * p))
        rw = _residual(mats, b, W)
        if any(v != 0 for v in rw):
            raise _Reject(f"{label}: better_feasible_point is not feasible: A(WWᵀ) − b = {rw}")
        wval = sp.radsimp(sp.expand(sum(v * v for v in W) / 2))
        detail["better_value"] = str(wval)
        value = sp.sympify(detail["value"])
        if not _less(wval, value):
            raise _Reject(f"{label}: the feasible point has value {wval}, not below {value}")
        rank = detail["rank"]
        if cert.get("full_rank") and rank != min(n, p):
            raise _Reject(f"{label}: the point has rank {rank}, not full rank {min(n, p)}")
        if cert.get("S_not_psd") and inert.negative == 0:
            raise _Reject(f"{label}: S(λ) is PSD (inertia {inertia_text(inert)})")
    elif typ == "global_minimizer":
        if inert.negative != 0:
            raise _Reject(f"{label}: S(λ) = I − 2A*(λ) is not PSD (inertia "
                          f"{inertia_text(inert)}): no dual certificate of global optimality")
        detail["conclusion"] = ("S(λ) ⪰ 0 with S(λ)U = 0 and U feasible: UUᵀ solves the SDP "
                                "min ½tr X s.t. A(X) = b, X ⪰ 0 (weak duality), so U is global")
    else:  # flow_equilibrium of the augmented Lagrangian: U feasible, so r = 0
        detail["vector_field"] = ("exactly 0: ∇_U L_ρ = (I − 2A*(λ) + 2ρA*(A(UUᵀ) − b))U = "
                                  "(I − 2A*(λ))U = 0 (U is feasible) and ∇_λ L_ρ = "
                                  "−(A(UUᵀ) − b) = 0")


def _residual(mats: Sequence[sp.Matrix], b: Sequence[sp.Expr], W: sp.Matrix) -> list[sp.Expr]:
    """r = A(WWᵀ) − b, exactly."""
    G = W * W.T
    return [sp.radsimp(sp.expand(sum(a.multiply_elementwise(G)) - bi))
            for a, bi in zip(mats, b, strict=True)]


def _kkt_operator(mats: Sequence[sp.Matrix], lam: Sequence[sp.Expr]) -> sp.Matrix:
    """S(λ) = I − 2A*(λ) = I − 2Σλ_iA_i (symmetric A_i)."""
    n = mats[0].shape[0]
    Astar = sp.zeros(n, n)
    for li, a in zip(lam, mats, strict=True):
        Astar += li * a
    return sp.eye(n) - 2 * Astar


def _value_rank_inertia(U: sp.Matrix, S: sp.Matrix, cert: Mapping[str, Any], label: str,
                        detail: dict[str, Any]) -> Any:
    """½‖U‖², rank U and the inertia of S, recorded in ``detail`` and compared with the
    certificate's claims; returns the inertia."""
    value = sp.radsimp(sp.expand(sum(v * v for v in U) / 2))
    detail["value"] = str(value)
    rank = U.rank(simplify=True)
    detail["rank"] = rank
    inert = exact_inertia(S)
    detail["S_inertia"] = inertia_json(inert.positive, inert.negative, inert.zero)
    if "value" in cert and sp.simplify(_num(cert["value"], label) - value) != 0:
        raise _Reject(f"{label}: the value ½‖U‖² is {value}, not the claimed {cert['value']}")
    if "rank" in cert and cert["rank"] != rank:
        raise _Reject(f"{label}: rank U is {rank}, not the claimed {cert['rank']}")
    if "S_inertia" in cert:
        claimed = claimed_inertia(cert["S_inertia"], f"{label}: certified.S_inertia")
        if claimed != (inert.positive, inert.negative, inert.zero):
            raise _Reject(f"{label}: claimed S(λ) inertia {inertia_text(claimed)} differs from "
                          f"the exact {inertia_text(inert)}")
    return inert


def _flow_merit(spec: Mapping[str, Any], claim: Mapping[str, Any], label: str
                ) -> tuple[str, sp.Expr]:
    """The merit and ρ whose flow a ``flow_equilibrium`` claim is about.

    Both come from the problem spec (``merit`` defaults to ``"penalty"``, ``rho`` to 1, as in
    :class:`~mfverify.problems.ConstrainedMF`); a claim may repeat them, and a claim that names
    a different merit or ρ than its problem is malformed.
    """
    merit = spec.get("merit", "penalty")
    if merit not in MERITS:
        raise CertificateFormatError(f"{label}: the problem's merit must be one of "
                                     f"{list(MERITS)}, got {merit!r}")
    if "merit" in claim and claim["merit"] != merit:
        raise CertificateFormatError(f"{label}: the claim is about the {claim['merit']!r} merit "
                                     f"but its problem uses {merit!r}")
    rho = _num(spec.get("rho", 1), f"{label}: the problem's rho")
    if "rho" in claim:
        claim_rho = _num(claim["rho"], f"{label}: rho")
        if sp.simplify(claim_rho - rho) != 0:
            raise CertificateFormatError(f"{label}: the claim's rho = {claim_rho} differs from "
                                         f"the problem's rho = {rho}")
    return merit, rho


def _check_penalty_equilibrium(mats: Sequence[sp.Matrix], b: Sequence[sp.Expr], U: sp.Matrix,
                               rho: sp.Expr, claim: Mapping[str, Any], cert: Mapping[str, Any],
                               label: str, detail: dict[str, Any]) -> None:
    """An equilibrium of the gradient flow U̇ = −∇φ_ρ(U) of the penalty merit
    φ_ρ(U) = ½‖U‖²_F + (ρ/2)‖A(UUᵀ) − b‖².

    With r = A(UUᵀ) − b and symmetric A_i, ∇φ_ρ(U) = U + 2ρA*(r)U = S(−ρr)U: the point need not
    be feasible (an equilibrium with U ≠ 0 has r ≠ 0), and it is a KKT point of the constrained
    problem with the multiplier λ = −ρr exactly when ∇φ_ρ(U) = 0. A claimed ``multiplier``
    must be that one.
    """
    r = _residual(mats, b, U)
    lam = [sp.radsimp(-rho * ri) for ri in r]
    S = _kkt_operator(mats, lam)
    grad = (S * U).applyfunc(lambda v: sp.radsimp(sp.expand(v)))
    detail["residual"] = [str(v) for v in r]
    detail["multiplier"] = [str(v) for v in lam]
    merit_value = sp.radsimp(sp.expand(sum(v * v for v in U) / 2
                                       + rho * sum(v * v for v in r) / 2))
    detail["merit_value"] = str(merit_value)
    bad = [k for k, v in enumerate(grad) if v != 0]
    if bad:
        i, j = divmod(bad[0], U.shape[1])
        raise _Reject(f"{label}: the penalty-merit gradient ∇φ_ρ = U + 2ρA*(A(UUᵀ) − b)U does "
                      f"not vanish: entry ({i}, {j}) equals {grad[bad[0]]}")
    if "multiplier" in claim:
        claimed = _nums(claim["multiplier"], f"{label}: multiplier", len(mats))
        if any(sp.simplify(c - v) != 0 for c, v in zip(claimed, lam, strict=True)):
            raise _Reject(f"{label}: the multiplier of a penalty equilibrium is λ = −ρ(A(UUᵀ) − "
                          f"b) = {detail['multiplier']}, not the claimed {claim['multiplier']}")
    _value_rank_inertia(U, S, cert, label, detail)
    detail["vector_field"] = ("exactly 0: ∇φ_ρ = (I + 2ρA*(A(UUᵀ) − b))U = 0 (penalty merit; "
                              "a KKT point with λ = −ρ(A(UUᵀ) − b))")


def check_certificate(source: str | Path | Mapping[str, Any], *,
                      budget: float | Budget | None = None) -> CheckResult:
    """Re-check a certificate from scratch; never raises for a false claim (it is REJECTED).

    Raises :class:`CertificateFormatError` (an :class:`InputError`) when the file is unreadable
    or malformed. ``budget`` (seconds or a :class:`~mfverify.budget.Budget`; ``None``: no
    limit) bounds the whole re-check: when it runs out, the claim in progress and the claims
    after it are "not checked" and the verdict is INCONCLUSIVE (unless a claim was rejected).
    """
    B = as_budget(budget, "certify")
    doc = load_certificate(source)
    spec = doc["problem"]
    kind = spec.get("problem")
    constrained = kind == "constrained"
    try:
        problem = load_problem(spec)
    except InputError as exc:
        raise CertificateFormatError(f"the certificate's problem spec is invalid: "
                                     f"{exc}") from exc
    out = CheckResult(True)
    for k, claim in enumerate(doc["claims"]):
        label = f"claim {k} ({claim['type']})"
        detail: dict[str, Any] = {"type": claim["type"], "ok": False}
        try:
            with B.alarm(f"re-checking {label}"):
                _check_claim(problem, spec, kind, constrained, claim, label, detail)
        except BudgetExceeded as exc:
            out.proved = False
            out.out_of_budget = True
            out.reasons.append(f"{label}: not checked: {exc}")
            detail.update(budget=True, reason=str(exc))
        except _Reject as exc:
            out.proved = False
            out.reasons.append(str(exc))
            detail["reason"] = str(exc)
        except UnsupportedError as exc:
            out.proved = False
            out.reasons.append(f"{label}: cannot be checked: {exc}")
            detail["reason"] = str(exc)
        out.details.append(detail)
    return out


def _check_claim(problem: Problem, spec: Mapping[str, Any], kind: Any, constrained: bool,
                 claim: Mapping[str, Any], label: str, detail: dict[str, Any]) -> None:
    """Re-check one claim (``detail`` is filled in; a false claim raises ``_Reject``)."""
    typ = claim["type"]
    if typ in ("spurious_kkt_point", "global_minimizer", "flow_equilibrium"):
        if not constrained:
            raise _Reject(f"{label}: needs a 'constrained' problem, got {kind!r}")
        _check_constrained(spec, claim, label, detail)
    elif constrained:
        raise _Reject(f"{label}: not applicable to a constrained problem")
    elif typ == "strict_spurious_local_min":
        _check_local_min(problem, claim, label, detail)
    elif typ == "strict_saddle":
        _check_saddle(problem, claim, label, detail)
    elif typ == "rip_constant":
        if kind != "sensing":
            raise _Reject(f"{label}: needs a sensing problem, got {kind!r}")
        _check_rip(problem, spec, claim, label, detail)
    detail["ok"] = True
