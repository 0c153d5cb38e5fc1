"""Hostile and malformed inputs across every command: the regression inputs of issue 17.

Each case runs the CLI in-process and asserts the exit-code contract of ``docs/cli.md``:

* the expected exit code (2 for bad input, 1 for a rejected certificate or failed verdict), and
  **never 3** (an internal error is a bug, whatever the input);
* on exit 2, exactly one line on stderr, ``mfverify: error: <ErrorClass>: ...`` naming what
  was wrong;
* no traceback anywhere, and no warning text on stderr (no NumPy ``RuntimeWarning`` with its
  source line, no ``mfverify: note: numeric warning``).

Non-regular files (``/dev/zero``, FIFOs, directories) must be refused *without being read*: a
FIFO with no writer would block a reader forever, so a case that reads one would hang the test
(each FIFO case runs under a SIGALRM watchdog that turns a hang into a failure).

The systematic part enumerates the argparse options of every command: each integer option must
use a bounded type (:func:`mfverify.cli.common.int_option`) that refuses ``10**30``, ``2**63``
and values below its range before anything runs. Runaway inputs that need a time or memory
budget to stop are tested in ``tests/test_budgets.py``; only inputs that are refused at once
are here.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from mfverify.cli import build_parser, main

SYM = json.dumps({"problem": "symmetric", "M": [[3, 0], [0, 1]], "rank": 1})
X0 = json.dumps({"X": [["1e-20"], [1]]})
GRAD = "(X*X.T - M)*X"
CON = json.dumps({"problem": "constrained", "p": 2, "operator": [[[1, 0, 0], [0, 1, 0],
                                                                  [0, 0, 2]]], "b": ["2"]})
IDENT = ["derivation", "--identity", "A*B == B*A", "--declare", "A: d x d", "--declare",
         "B: d x d"]
DEEP900 = json.dumps({"problem": "symmetric", "M": "@", "rank": 1}).replace(
    '"@"', "[" * 900 + "]" * 900)
HUGE = str(10**30)
HUGE63 = str(2**63)


def _cert(claims: list[dict[str, Any]], problem: dict[str, Any] | None = None,
          **top: Any) -> dict[str, Any]:
    spec = problem or {"problem": "constrained", "p": 2, "operator": [[[1, 0, 0], [0, 1, 0],
                                                                       [0, 0, 2]]],
                       "b": ["2"], "merit": "augmented_lagrangian", "rho": "1"}
    return {"format": "mfverify-certificate", "version": 1, "problem": spec, "claims": claims,
            **top}


U_KKT = ["1", "0", "0", "1", "0", "0"]  # U = [e1 e2]: feasible, KKT with λ = 1/2
KKT = {"type": "spurious_kkt_point", "point": {"exact": U_KKT}, "multiplier": ["1/2"],
       "better_feasible_point": ["0", "0", "0", "0", "1", "0"]}
PENALTY = {"problem": "constrained", "p": 2, "operator": [[[1, 0, 0], [0, 1, 0], [0, 0, 2]]],
           "b": ["2"], "merit": "penalty", "rho": "1"}

#: Files the cases refer to as {name}: a builder gets the test's tmp_path and returns the path.
FILES: dict[str, Callable[[Path], str]] = {}


def _file(name: str) -> Callable[[Callable[[Path], str]], Callable[[Path], str]]:
    def deco(fn: Callable[[Path], str]) -> Callable[[Path], str]:
        FILES[name] = fn
        return fn
    return deco


def _json_file(name: str, doc: Any) -> None:
    def build(tmp: Path) -> str:
        p = tmp / f"{name}.json"
        p.write_text(json.dumps(doc) if not isinstance(doc, str) else doc, encoding="utf-8")
        return str(p)
    FILES[name] = build


def _fifo_file(name: str, suffix: str) -> None:
    def build(tmp: Path) -> str:
        p = tmp / f"pipe{suffix}"
        os.mkfifo(p)
        return str(p)
    FILES[name] = build


for _name, _suffix in (("fifo", ".json"), ("fifo_py", ".py"), ("fifo_md", ".md")):
    _fifo_file(_name, _suffix)


@_file("dir")
def _dir(tmp: Path) -> str:
    p = tmp / "folder.json"
    p.mkdir()
    return str(p)


@_file("dir_py")
def _dir_py(tmp: Path) -> str:
    p = tmp / "folder.py"
    p.mkdir()
    return str(p)


@_file("huge_sparse")
def _huge_sparse(tmp: Path) -> str:
    p = tmp / "huge.json"
    with open(p, "wb") as fh:  # a sparse 64 MB file: refused from its size, never read
        fh.truncate(64 * 2**20)
    return str(p)


@_file("latin1")
def _latin1(tmp: Path) -> str:
    p = tmp / "latin1.json"
    p.write_bytes('{"problem": "symmetric", "name": "é", "M": [[1]], "rank": 1}'.encode("latin-1"))
    return str(p)


@_file("syntax_py")
def _syntax_py(tmp: Path) -> str:
    p = tmp / "broken_claims.py"
    p.write_text("x = (\n", encoding="utf-8")
    return str(p)


@_file("raising_py")
def _raising_py(tmp: Path) -> str:
    p = tmp / "raising_claims.py"
    p.write_text("raise RuntimeError('the user module fails')\n", encoding="utf-8")
    return str(p)


FILES["zero"] = lambda tmp: "/dev/zero"
_json_file("deep900", DEEP900)
_json_file("deep_x0", '{"X": ' + "[" * 900 + "]" * 900 + "}")
_json_file("cert_certified_list", _cert([{**KKT, "certified": [1, 2]}]))
_json_file("cert_certified_int", _cert([{**KKT, "certified": 7}]))
_json_file("cert_version_true", {**_cert([KKT]), "version": True})
_json_file("cert_version_string", {**_cert([KKT]), "version": "1"})
_json_file("cert_rank_true", _cert([{**KKT, "certified": {"rank": True}}]))
_json_file("cert_inertia_bools", _cert([{**KKT, "certified": {"S_inertia": [False, True, 2]}}]))
_json_file("cert_inertia_none", _cert([{**KKT, "certified": {"S_inertia": None}}]))
_json_file("cert_full_rank_string", _cert([{**KKT, "certified": {"full_rank": "yes"}}]))
_json_file("cert_misspelled_key", _cert([{**KKT, "certified": {"S_not_pds": True}}]))
_json_file("cert_unknown_claim_key", _cert([{**KKT, "multiplyer": ["1/2"]}]))
_json_file("cert_unknown_top_key", _cert([KKT], extra=1))
_json_file("cert_provenance_list", _cert([KKT], provenance=[1]))
_json_file("cert_deep", _cert([{**KKT, "note": "@"}]))
FILES["cert_deep"] = (lambda build: lambda tmp: _rewrite(build(tmp), '"@"',
                                                         "[" * 500 + "]" * 500))(
    FILES["cert_deep"])
_json_file("cert_order_bool", _cert([{"type": "rip_constant", "order": True}],
                                    {"problem": "sensing", "operator": [[[1, 0], [0, 1]]],
                                     "b": ["1"], "rank": 1}))
_json_file("cert_order_huge", _cert([{"type": "rip_constant", "order": 10**30}],
                                    {"problem": "sensing", "operator": [[[1, 0], [0, 1]]],
                                     "b": ["1"], "rank": 1}))
_json_file("cert_merit_mismatch", _cert([{"type": "flow_equilibrium", "merit": "penalty",
                                          "point": {"exact": U_KKT}, "multiplier": ["1/2"]}]))
_json_file("cert_merit_unknown", _cert([{"type": "flow_equilibrium", "merit": "fletcher",
                                         "point": {"exact": U_KKT}, "multiplier": ["1/2"]}]))
_json_file("cert_rho_mismatch", _cert([{"type": "flow_equilibrium", "rho": "2",
                                        "point": {"exact": U_KKT}, "multiplier": ["1/2"]}]))
# the wrong verdict of issue 17: a penalty-merit problem, a point whose merit gradient is U ≠ 0
_json_file("cert_penalty_nonzero_gradient", _cert(
    [{"type": "flow_equilibrium", "rho": "1", "point": {"exact": U_KKT},
      "multiplier": ["1/2"]}], PENALTY))
_json_file("spec_5000_digits", '{"problem": "symmetric", "M": [[' + "9" * 5000 + ']], "rank": 1}')


def _rewrite(path: str, old: str, new: str) -> str:
    p = Path(path)
    p.write_text(p.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    return path


# (id, argv with {file} placeholders, expected exit code, fragment of the message)
Case = tuple[str, list[str], int, str]

CASES: list[Case] = [
    # -- two wrong verdicts --
    ("derivation-points-0", ["derivation", SYM, "--gradient", "5*(X*X.T - M)*X", "--numeric",
                             "--points", "0"], 2, "--points"),
    ("derivation-points-negative", ["derivation", SYM, "--gradient", "5*(X*X.T - M)*X",
                                    "--numeric", "--points", "-3"], 2, "--points"),
    ("identity-points-0", IDENT + ["--numeric", "--size", "d=2", "--points", "0"], 2,
     "--points"),
    ("identity-points-negative", IDENT + ["--numeric", "--size", "d=2", "--points=-1"], 2,
     "--points"),
    ("derivation-points-billion", ["derivation", SYM, "--gradient", GRAD, "--numeric",
                                   "--points", "1000000000"], 2, "[1, 10000]"),
    ("certify-penalty-flow-equilibrium", ["certify", "{cert_penalty_nonzero_gradient}"], 1,
     "penalty-merit gradient"),
    ("certify-merit-mismatch", ["certify", "{cert_merit_mismatch}"], 2, "'penalty' merit"),
    ("certify-merit-unknown", ["certify", "{cert_merit_unknown}"], 2, "merit must be one of"),
    ("certify-rho-mismatch", ["certify", "{cert_rho_mismatch}"], 2, "rho"),
    # -- internal errors on bad input --
    ("show-spec-900-nested-file", ["show", "{deep900}"], 2, "nested more than 64 levels"),
    ("show-spec-900-nested-inline", ["show", DEEP900], 2, "nested more than 64 levels"),
    ("landscape-spec-900-nested", ["landscape", DEEP900], 2, "nested"),
    ("derivation-spec-900-nested", ["derivation", DEEP900, "--gradient", GRAD], 2, "nested"),
    ("flow-spec-900-nested", ["flow", DEEP900, "--x0", X0], 2, "nested"),
    ("sweep-spec-900-nested", ["sweep", DEEP900], 2, "nested"),
    ("conditions-spec-900-nested", ["conditions", "eftekhari2021.theorem-conditions",
                                    DEEP900], 2, "nested"),
    ("show-spec-100000-nested", ["show", "[" * 100_000 + "]" * 100_000], 2, "SpecError"),
    ("counterexample-negative-seed", ["counterexample", "related.zsl-rip-threshold", "--drop",
                                      "rip-below-half", "--seed", "-1"], 2, "--seed"),
    ("derivation-numeric-negative-seed", ["derivation", SYM, "--gradient", GRAD, "--numeric",
                                          "--seed", "-1"], 2, "--seed"),
    ("derivation-numeric-huge-seed", ["derivation", SYM, "--gradient", GRAD, "--numeric",
                                      "--seed", HUGE], 2, "--seed"),
    ("certify-certified-list", ["certify", "{cert_certified_list}"], 2,
     "'certified' must be an object"),
    ("certify-certified-int", ["certify", "{cert_certified_int}"], 2, "'certified' must be"),
    # -- loose acceptance --
    ("conditions-ragged-U0", ["conditions", "eftekhari2021.theorem-conditions", CON, "--set",
                              "U0=[[1,0],[0]]", "--no-run"], 2, "ragged"),
    ("conditions-bool-in-U0", ["conditions", "eftekhari2021.theorem-conditions", CON, "--set",
                               "U0=[[1,0],[0,true]]", "--no-run"], 2, "not a number"),
    ("conditions-mixed-U0", ["conditions", "eftekhari2021.theorem-conditions", CON, "--set",
                             "U0=[[1,0],0]", "--no-run"], 2, "rectangular"),
    ("conditions-duplicate-set", ["conditions", "eftekhari2021.theorem-conditions", CON,
                                  "--set", "U0=[[1,0],[0,1],[0,0]]", "--set",
                                  "U0=[[1,0],[0,1],[0,1]]"], 2, "given twice"),
    ("conditions-deep-set", ["conditions", "eftekhari2021.theorem-conditions", CON, "--set",
                             "U0=" + "[" * 900 + "]" * 900], 2, "nested"),
    ("certify-version-true", ["certify", "{cert_version_true}"], 2, "version True"),
    ("certify-version-string", ["certify", "{cert_version_string}"], 2, "version '1'"),
    ("certify-rank-true", ["certify", "{cert_rank_true}"], 2, "must be an integer"),
    ("certify-inertia-bools", ["certify", "{cert_inertia_bools}"], 2, "must be an integer"),
    ("certify-inertia-none", ["certify", "{cert_inertia_none}"], 2, "S_inertia must be"),
    ("certify-full-rank-string", ["certify", "{cert_full_rank_string}"], 2, "true or false"),
    ("certify-misspelled-certified-key", ["certify", "{cert_misspelled_key}"], 2,
     "unknown certified key(s) ['S_not_pds']"),
    ("certify-unknown-claim-key", ["certify", "{cert_unknown_claim_key}"], 2,
     "unknown key(s) ['multiplyer']"),
    ("certify-unknown-top-key", ["certify", "{cert_unknown_top_key}"], 2,
     "unknown certificate key(s) ['extra']"),
    ("certify-provenance-list", ["certify", "{cert_provenance_list}"], 2, "'provenance'"),
    ("certify-order-bool", ["certify", "{cert_order_bool}"], 2, "order must be an integer"),
    ("certify-order-huge", ["certify", "{cert_order_huge}"], 2, "an integer of 31 digits"),
    ("certify-deep", ["certify", "{cert_deep}"], 2, "nested"),
    ("derivation-conflicting-declare", IDENT + ["--declare", "A: d x 2"], 2,
     "--declare A is given twice"),
    ("derivation-repeated-declare", IDENT + ["--declare", "A: d x d"], 2, "given twice"),
    ("derivation-conflicting-flow", ["derivation", "--identity", "d/dt trace(A) == trace(B)",
                                     "--declare", "A: d x d", "--declare", "B: d x d",
                                     "--flow", "A = B", "--flow", "A = -B"], 2,
     "--flow A is given twice"),
    ("derivation-conflicting-structure", IDENT + ["--symmetric", "A", "--skew", "A"], 2,
     "declared both"),
    ("derivation-conflicting-structure-problem", ["derivation", SYM, "--gradient", GRAD,
                                                  "--symmetric", "M", "--diagonal", "M"], 2,
     "declared both"),
    ("derivation-duplicate-sizes", ["derivation", SYM, "--gradient", GRAD,
                                    "--sizes=n=1..2,n=1..3"], 2, "given twice"),
    ("derivation-duplicate-size", ["derivation", SYM, "--gradient", GRAD, "--numeric",
                                   "--size", "n=2,n=3"], 2, "given twice"),
    ("sweep-duplicate-generator-key", ["sweep", "gen:symmetric?n=3&n=4"], 2, "given twice"),
    # -- leaked warnings --
    ("sweep-generator-overflow", ["sweep", "gen:symmetric?n=3&top=1e308&cond=1e308",
                                  "--inits", "2", "--max-iter", "5"], 2, "overflows float64"),
    ("sweep-generator-huge-top-asym", ["sweep", "gen:asymmetric?m=3&top=1e308", "--inits", "2",
                                       "--max-iter", "5"], 0, "diverged"),
    ("sweep-float32-init-overflow", ["sweep", "gen:symmetric?n=3", "--inits", "2",
                                     "--max-iter", "5", "--alpha", "1e300", "--float32"], 2,
     "float32"),
    ("sweep-float64-init-overflow-diverges", ["sweep", "gen:symmetric?n=3", "--inits", "2",
                                              "--max-iter", "5", "--alpha", "1e300"], 0,
     "diverged"),
    ("sweep-alpha-overflows-small", ["sweep", "gen:symmetric?n=2", "--alpha=1e308"], 2,
     "initialization of X overflows float64"),
    ("sweep-alpha-overflows-spectral", ["sweep", "gen:symmetric?n=2", "--alpha=1e308",
                                        "--init", "spectral"], 2, "overflows float64"),
    ("sweep-alpha-overflows-rank-deficient", ["sweep", "gen:symmetric?n=2", "--alpha=1e308",
                                              "--init", "rank_deficient"], 2,
     "overflows float64"),
    ("sweep-optimum-overflows", ["sweep", json.dumps({"problem": "symmetric",
                                                      "M": [["1e300", 0], [0, "1e300"]],
                                                      "rank": 1}),
                                 "--inits", "2", "--max-iter", "5"], 2, "f* overflows"),
    ("sweep-huge-data-diverges", ["sweep", json.dumps({"problem": "symmetric",
                                                       "M": [["1e300", 0], [0, 1]], "rank": 1}),
                                  "--inits", "2", "--max-iter", "5"], 0, "diverged"),
    ("derivation-numeric-huge-data", ["derivation", json.dumps(
        {"problem": "symmetric", "M": [["1e300", 0], [0, 1]], "rank": 1}), "--gradient", GRAD,
        "--numeric"], 1, "INCONCLUSIVE"),  # f overflows float64 on the sweep: honest, no crash
    ("derivation-numeric-huge-balance", ["derivation", json.dumps(
        {"problem": "asymmetric", "Sigma": [[1, 0, 0]], "rank": 1, "balance": "1e300"}),
        "--gradient", "0*U", "--wrt", "U", "--numeric"], 1, "0*U"),
    # -- edge objectives that used to crash an engine --
    ("derivation-constant-objective", ["derivation", json.dumps(
        {"problem": "custom", "variables": {"x": [1]}, "objective": "1"}), "--gradient", "0*x",
        "--numeric"], 0, "SUPPORTED"),
    ("derivation-hessian-huge-coefficient", ["derivation", json.dumps(
        {"problem": "custom", "variables": {"x": [1]}, "objective": "10**300*x[0]**2"}),
        "--hessian", "0 in D", "--numeric"], 1, "REFUTED"),
    # the exact line re-check multiplied a polynomial scalar into a matrix by broadcasting its
    # coefficients (a zero polynomial gave an empty array): REFUTED claims became INCONCLUSIVE
    ("derivation-line-polynomial-times-matrix", ["derivation", json.dumps(
        {"problem": "custom", "variables": {"X": [2, 2]},
         "objective": "norm(trace(X.T*X)*X)**2"}), "--hessian",
        "6*norm(X)**4*norm(D)**2 + 12*norm(X)**2*inner(X,D)**2 in D", "--numeric"], 1,
     "rechecked: both values computed exactly"),
    ("derivation-line-zero-times-matrix", ["derivation", json.dumps(
        {"problem": "asymmetric", "Sigma": [[1, 0, 0]], "rank": 1}), "--gradient", "0*U",
        "--wrt", "U", "--numeric"], 1, "rechecked: both values computed exactly"),
    ("derivation-line-zero-rho", ["derivation", json.dumps(
        {"problem": "constrained", "p": 1, "operator": [[[1, 0], [0, 2]]], "b": ["1"],
         "rho": "0"}), "--gradient", "0*U", "--numeric"], 1, "rechecked"),
    ("derivation-line-correct-claim", ["derivation", json.dumps(
        {"problem": "custom", "variables": {"X": [2, 2]},
         "objective": "norm(trace(X.T*X)*X)**2"}), "--hessian",
        "6*norm(X)**4*norm(D)**2 + 24*norm(X)**2*inner(X,D)**2 in D", "--numeric"], 0,
     "SUPPORTED"),
    ("sweep-constant-objective", ["sweep", json.dumps(
        {"problem": "custom", "variables": {"x": [1]}, "objective": "1"}), "--inits", "2"], 0,
     "stationary_unmatched"),
    ("sweep-flow-vector-variable", ["sweep", json.dumps(
        {"problem": "custom", "variables": {"x": [1]}, "objective": "x[0]**4 - x[0]**2"}),
        "--inits", "2", "--method", "gradient_flow", "--t-final", "1"], 0, "gradient_flow"),
    # -- non-regular files, refused without reading them --
    ("show-dev-zero", ["show", "{zero}"], 2, "is a character device"),
    ("show-fifo", ["show", "{fifo}"], 2, "is a FIFO"),
    ("show-directory", ["show", "{dir}"], 2, "is a directory"),
    ("show-huge-file", ["show", "{huge_sparse}"], 2, "larger than"),
    ("show-not-utf8", ["show", "{latin1}"], 2, "not UTF-8"),
    ("landscape-fifo", ["landscape", "{fifo}"], 2, "is a FIFO"),
    ("derivation-fifo", ["derivation", "{fifo}", "--gradient", GRAD], 2, "is a FIFO"),
    ("sweep-fifo", ["sweep", "{fifo}"], 2, "is a FIFO"),
    ("flow-spec-fifo", ["flow", "{fifo}", "--x0", X0], 2, "is a FIFO"),
    ("conditions-spec-fifo", ["conditions", "eftekhari2021.theorem-conditions", "{fifo}"], 2,
     "is a FIFO"),
    ("certify-dev-zero", ["certify", "{zero}"], 2, "is a character device"),
    ("certify-fifo", ["certify", "{fifo}"], 2, "is a FIFO"),
    ("certify-directory", ["certify", "{dir}"], 2, "is a directory"),
    ("certify-huge-file", ["certify", "{huge_sparse}"], 2, "larger than"),
    ("flow-x0-dev-zero", ["flow", SYM, "--x0", "{zero}"], 2, "is a character device"),
    ("flow-x0-fifo", ["flow", SYM, "--x0", "{fifo}"], 2, "is a FIFO"),
    ("flow-x0-directory", ["flow", SYM, "--x0", "{dir}"], 2, "is a directory"),
    ("flow-x0-deep", ["flow", SYM, "--x0", "{deep_x0}"], 2, "nested"),
    ("list-claims-fifo", ["list", "--claims", "{fifo_py}"], 2, "is a FIFO"),
    ("list-claims-directory", ["list", "--claims", "{dir_py}"], 2, "is a directory"),
    ("list-claims-syntax-error", ["list", "--claims", "{syntax_py}"], 2, "SyntaxError"),
    ("list-claims-raising", ["list", "--claims", "{raising_py}"], 2, "the user module fails"),
    ("check-claims-fifo", ["check", "--claims", "{fifo_py}"], 2, "is a FIFO"),
    ("conditions-claims-fifo", ["conditions", "--list", "--claims", "{fifo_py}"], 2,
     "is a FIFO"),
    ("check-report-fifo", ["check", "foundations.symmetric-gradient", "--report",
                           "{fifo_md}"], 2, "is a FIFO"),
    ("counterexample-out-fifo", ["counterexample", "related.zsl-rip-threshold", "--drop",
                                 "rip-below-half", "--out", "{fifo}"], 2, "is a FIFO"),
    ("counterexample-out-dev-zero", ["counterexample", "related.zsl-rip-threshold", "--drop",
                                     "rip-below-half", "--out", "{zero}"], 2,
     "character device"),
    ("counterexample-out-directory", ["counterexample", "related.zsl-rip-threshold", "--drop",
                                      "rip-below-half", "--out", "{dir}"], 2, "is a directory"),
    ("study-fifo", ["study", "{fifo}", "--status"], 2, "is a FIFO"),
    ("study-dev-zero", ["study", "{zero}", "--status"], 2, "is a character device"),
    ("study-directory", ["study", "{dir}", "--status"], 2, "is a directory"),
    ("sweep-plot-fifo", ["sweep", "gen:symmetric?n=2", "--plot", "{fifo}"], 2, "is a FIFO"),
    # -- nesting depth in expressions --
    ("derivation-gradient-900-parentheses", ["derivation", SYM, "--gradient",
                                             "(" * 900 + "X" + ")" * 900], 2, "nested"),
    ("derivation-where-900-parentheses", ["derivation", SYM, "--gradient", "R*X", "--where",
                                          "R = " + "(" * 900 + "X*X.T - M" + ")" * 900], 2,
     "nested"),
    ("show-custom-objective-900-parentheses",
     ["show", json.dumps({"problem": "custom", "variables": {"x": [2]},
                          "objective": "(" * 900 + "x[0]" + ")" * 900})], 2, "nested"),
    ("show-number-900-parentheses",
     ["show", json.dumps({"problem": "symmetric", "M": [["(" * 900 + "1" + ")" * 900]],
                          "rank": 1})], 2, "NumberError"),
    # -- huge or negative integers outside argparse --
    ("show-spec-5000-digit-integer", ["show", "{spec_5000_digits}"], 2, "SpecError"),
    ("show-rank-huge", ["show", json.dumps({"problem": "symmetric", "M": [[1]],
                                            "rank": 2**63})], 2, "RankError"),
    ("show-custom-shape-huge", ["show", json.dumps({"problem": "custom",
                                                    "variables": {"x": [10**30]},
                                                    "objective": "x[0]"})], 2, "ShapeError"),
    ("show-name-not-string", ["show", json.dumps({"problem": "symmetric", "M": [[1]],
                                                  "rank": 1, "name": 5})], 2,
     "'name' must be a string"),
    ("derivation-size-huge", ["derivation", SYM, "--gradient", GRAD, "--numeric", "--size",
                              f"n={HUGE}"], 2, "--size n must be an integer"),
    ("derivation-size-negative", ["derivation", SYM, "--gradient", GRAD, "--numeric",
                                  "--size", "n=-1"], 2, "--size n must be an integer"),
    ("derivation-sizes-huge-range", ["derivation", SYM, "--gradient", GRAD,
                                     f"--sizes=1..{HUGE}"], 2, "sizes must lie in 1..8"),
    ("derivation-sizes-huge-list", ["derivation", SYM, "--gradient", GRAD,
                                    f"--sizes=1|{HUGE63}"], 2, "sizes must lie in 1..8"),
    ("flow-iterations-huge", ["flow", SYM, "--x0", X0, "--method", "gd", "--step", "1/10",
                              "--iterations", f"10,{HUGE}"], 2, "--iterations"),
    ("flow-iterations-negative", ["flow", SYM, "--x0", X0, "--method", "gd", "--step", "1/10",
                                  "--iterations=-5"], 2, "--iterations"),
    ("sweep-generator-n-huge", ["sweep", f"gen:symmetric?n={HUGE}"], 2,
     "n must be an integer in"),
    ("sweep-generator-B-huge", ["sweep", f"gen:symmetric?n=2&B={HUGE63}"], 2, "B must be in"),
    ("sweep-generator-seed-huge", ["sweep", f"gen:symmetric?n=2&seed={HUGE}"], 2, "seed"),
    ("sweep-generator-seed-negative", ["sweep", "gen:symmetric?n=2&seed=-1"], 2, "seed"),
    ("sweep-generator-rank-huge", ["sweep", f"gen:symmetric?n=2&rank={HUGE}"], 2,
     "RankError"),
    ("sweep-generator-m-negative", ["sweep", "gen:asymmetric?m=-1"], 2,
     "m must be an integer in"),
]


@contextmanager
def _watchdog(seconds: int) -> Iterator[None]:
    """Fail (instead of hanging) when a case blocks, e.g. by opening a FIFO for reading."""
    def on_alarm(signum: int, frame: Any) -> None:
        raise TimeoutError(f"the case blocked for {seconds} s (a non-regular file was read?)")
    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _argv(argv: list[str], tmp_path: Path) -> list[str]:
    out = []
    for a in argv:
        for name, build in FILES.items():
            token = "{" + name + "}"
            if token in a:
                a = a.replace(token, build(tmp_path))
        out.append(a)
    return out


def run_cli(argv: list[str]) -> tuple[int, str, str, list[warnings.WarningMessage]]:
    """Run ``mfverify ARGV`` in-process: (exit code, stdout, stderr, warnings that escaped)."""
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                rc = main(argv)
            except SystemExit as exc:  # argparse errors
                rc = int(exc.code or 0)
    return rc, out.getvalue(), err.getvalue(), list(caught)


def assert_clean(rc: int, out: str, err: str, caught: list[Any], expected: int,
                 fragment: str) -> None:
    """The exit-code contract of docs/cli.md for one run."""
    assert rc != 3, f"internal error (exit 3) on hostile input: {err}"
    assert "Traceback" not in out + err
    assert "internal error" not in err
    assert "Warning" not in err and "note: numeric warning" not in err, err
    numeric = [w for w in caught if not issubclass(w.category, DeprecationWarning)]
    assert not numeric, [str(w.message) for w in numeric]
    assert rc == expected, f"exit {rc}, expected {expected}: {err or out[-500:]}"
    if rc == 2:
        lines = err.strip().splitlines()
        assert len(lines) == 1, err
        assert lines[0].startswith("mfverify: error: "), lines[0]
    assert fragment in out + err, f"{fragment!r} not in: {err or out[-800:]}"


def test_case_ids_are_unique() -> None:
    ids = [c[0] for c in CASES]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("case_id, argv, expected, fragment", CASES, ids=[c[0] for c in CASES])
def test_hostile_input(case_id: str, argv: list[str], expected: int, fragment: str,
                       tmp_path: Path) -> None:
    args = _argv(argv, tmp_path)
    with _watchdog(60):
        rc, out, err, caught = run_cli(args)
    assert_clean(rc, out, err, caught, expected, fragment)


# ---------------------------------------------------------------------------------------------
# every integer option of every command is bounded
# ---------------------------------------------------------------------------------------------

#: A valid command line per command: an option under test is appended to it.
BASE: dict[str, list[str]] = {
    "certify": ["certify", "x.json"],
    "check": ["check", "foundations"],
    "cite": ["cite", "yedu2021.lemma-3.2"],
    "conditions": ["conditions", "eftekhari2021.theorem-conditions", CON],
    "counterexample": ["counterexample", "related.zsl-rip-threshold", "--drop",
                       "rip-below-half"],
    "derivation": ["derivation", SYM, "--gradient", GRAD, "--numeric"],
    "flow": ["flow", SYM, "--x0", X0],
    "landscape": ["landscape", SYM],
    "list": ["list"],
    "show": ["show", SYM],
    "study": ["study", "study.toml", "--status"],
    "sweep": ["sweep", "gen:symmetric?n=2"],
}


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def _integer_options() -> list[tuple[str, str, Any]]:
    out = []
    for name, p in sorted(_subcommands().items()):
        for action in p._actions:
            if action.type is int or hasattr(action.type, "bounds"):
                out.append((name, action.option_strings[-1] if action.option_strings
                            else action.dest, action))
    return out


INT_OPTIONS = _integer_options()


def test_every_command_has_a_base_command_line() -> None:
    assert set(BASE) == set(_subcommands())


def test_integer_options_are_found() -> None:
    found = {(c, o) for c, o, _ in INT_OPTIONS}
    for expected in [("derivation", "--points"), ("derivation", "--seed"), ("sweep", "--inits"),
                     ("flow", "--dps"), ("check", "--jobs"), ("counterexample", "--seed")]:
        assert expected in found


@pytest.mark.parametrize("command, option, action", INT_OPTIONS,
                         ids=[f"{c}{o}" for c, o, _ in INT_OPTIONS])
def test_integer_option_is_bounded(command: str, option: str, action: Any) -> None:
    """No plain ``type=int``: 10**30, 2**63 and values below the range are refused (exit 2,
    one line naming the option) before the command runs; text that is not an integer is an
    argparse error (also exit 2)."""
    from mfverify.cli.common import OutOfRange

    assert action.type is not int, f"{command} {option} uses type=int: use int_option(lo, hi)"
    lo, hi = action.type.bounds
    assert hi < 2**63, f"{command} {option}: upper bound {hi} is not a real limit"
    out_of_range = [str(10**30), str(2**63), str(hi + 1), str(lo - 1), "9" * 5000]
    for text in out_of_range:
        assert isinstance(action.type(text), OutOfRange)
    for text in ("1.5", "1e3", "x", ""):
        with pytest.raises(argparse.ArgumentTypeError):
            action.type(text)
    for text in out_of_range + ["1.5", "x"]:
        rc, out, err, caught = run_cli(BASE[command] + [f"{option}={text}"])
        assert_clean(rc, out, err, caught, 2, f"argument {option}")
    assert action.type(str(lo)) == lo and action.type(str(hi)) == hi
    if lo >= 0:
        rc, out, err, caught = run_cli(BASE[command] + [f"{option}=-1"])
        assert_clean(rc, out, err, caught, 2, f"argument {option}")


# ---------------------------------------------------------------------------------------------
# a real process: stderr of an overflowing run has no warning text
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("argv", [
    ["sweep", "gen:symmetric?n=3&top=1e308&cond=1e308", "--inits", "2", "--max-iter", "5"],
    ["sweep", "gen:symmetric?n=3", "--inits", "2", "--max-iter", "5", "--alpha", "1e300",
     "--float32"],
    ["sweep", "gen:symmetric?n=3", "--inits", "2", "--max-iter", "20", "--step", "1e10"],
], ids=["generator-overflow", "float32-init-overflow", "diverging-step"])
def test_process_stderr_has_no_warning_text(argv: list[str]) -> None:
    """``-W error::RuntimeWarning`` turns any escaped NumPy warning into an exit 3."""
    proc = subprocess.run([sys.executable, "-W", "error::RuntimeWarning", "-m", "mfverify.cli",
                           *argv], capture_output=True, text=True, timeout=120)
    assert proc.returncode in (0, 1, 2), proc.stderr
    assert "Warning" not in proc.stderr and "note:" not in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr


def test_escaped_warning_becomes_one_note_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """The safety net: a warning that escapes an engine is one ``note`` line, not source text."""
    import numpy as np

    from mfverify.cli import cmd_show

    real = cmd_show.run

    def noisy(args: Any) -> int:
        np.float64(1e308) * np.float64(10)  # overflow: a RuntimeWarning
        return real(args)

    monkeypatch.setattr(cmd_show, "run", noisy)
    rc, out, err, _ = run_cli(["show", SYM])
    assert rc == 0
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mfverify: note: numeric warning"), err
    assert "overflow" in lines[0] and "np.float64" not in err


# ---------------------------------------------------------------------------------------------
# certificates: every field, every wrong type -> a typed error or a rejection, never a crash
# ---------------------------------------------------------------------------------------------

BAD_VALUES: list[Any] = [None, True, -1, 10**30, 1.5, "abc", "1/0", [], {}, [1, 2], [[1]]]


def _paths(obj: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if prefix:
        yield prefix
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _paths(v, prefix + (i,))


def _fuzz_docs() -> list[dict[str, Any]]:
    box = {"type": "strict_spurious_local_min", "witness": ["1", "0"],
           "point": {"box": {"center": ["0", "3/4"], "radius": "1e-3", "fixed": {}}},
           "certified": {"hessian_inertia": [2, 0, 0], "witness_value": "0"}}
    saddle = {"type": "strict_saddle", "point": {"exact": ["0", "0"]}, "direction": ["1", "0"],
              "certified": {"curvature_upper_bound": "-1",
                            "hessian_inertia": {"positive": 0, "zero": 0, "negative": 2}}}
    sensing = {"problem": "sensing", "operator": [[[1, 0], [0, 1]], [[1, 0], [0, 0]]],
               "b": ["1", "0"], "rank": 1}
    flow = {"type": "flow_equilibrium", "point": {"exact": U_KKT}, "multiplier": ["1/2"],
            "certified": {"rank": 2, "S_inertia": [0, 1, 2]}}
    kkt = {**KKT, "certified": {"full_rank": True, "S_not_psd": True, "value": "1"}}
    return [_cert([box, saddle, {"type": "rip_constant", "order": 2}], sensing),
            _cert([kkt, flow])]


def test_certificate_fields_with_wrong_types_never_crash() -> None:
    import copy

    from mfverify.certify import CertificateFormatError, check_certificate
    from mfverify.errors import MfverifyError

    crashes = []
    tried = 0
    for doc in _fuzz_docs():
        for path in list(_paths(doc)):
            if path[0] in ("problem", "provenance", "format"):
                continue
            for value in BAD_VALUES:
                bad = copy.deepcopy(doc)
                node = bad
                for key in path[:-1]:
                    node = node[key]
                node[path[-1]] = value
                tried += 1
                try:
                    res = check_certificate(bad)
                except (CertificateFormatError, MfverifyError):
                    continue
                except Exception as exc:  # noqa: BLE001 - the point of the test
                    crashes.append((path, value, f"{type(exc).__name__}: {exc}"))
                    continue
                assert isinstance(res.proved, bool)
    assert tried > 300
    assert not crashes, crashes[:5]


def test_certify_prints_inertia_in_the_landscape_convention(tmp_path: Path) -> None:
    """One labelled convention (+,0,-) in both commands (was an unlabelled [p, n, z] list)."""
    doc = _fuzz_docs()[0]
    doc["claims"] = [doc["claims"][1]]  # the exact strict saddle at 0: inertia (0, 0, 2)
    doc["problem"] = {"problem": "sensing", "operator": [[[1, 0], [0, 1]], [[1, 0], [0, 0]]],
                      "b": ["1", "0"], "rank": 1}
    path = tmp_path / "saddle.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    rc, out, err, _ = run_cli(["certify", str(path)])
    assert rc == 0, out + err
    assert "hessian_inertia (+,0,-) = (0,0,2)" in out
    rc, out, err, _ = run_cli(["certify", "--json", str(path)])
    det = json.loads(out)["claims"][0]
    assert det["hessian_inertia"] == {"positive": 0, "zero": 0, "negative": 2}
    rc, out, err, _ = run_cli(["landscape", SYM])
    assert "inertia(+,0,-)" in out


# ---------------------------------------------------------------------------------------------
# the Python API raises the same typed errors
# ---------------------------------------------------------------------------------------------


def _deep(levels: int) -> Any:
    d: Any = []
    for _ in range(levels):
        d = [d]
    return d


@pytest.mark.parametrize("case_id, thunk, error, fragment", [
    ("gradient-points-0", lambda: _gradient(points=0), "InputError", "points"),
    ("gradient-points-negative", lambda: _gradient(points=-2), "InputError", "points"),
    ("gradient-points-bool", lambda: _gradient(points=True), "InputError", "integer"),
    ("gradient-seed-negative", lambda: _gradient(seed=-1), "InputError", "seed"),
    ("gradient-exact-seed-huge", lambda: _gradient(numeric=False, seed=2**63), "InputError",
     "seed"),
    ("identity-points-0", lambda: _identity(points=0), "InputError", "points"),
    ("identity-seed-negative", lambda: _identity(seed=-5), "InputError", "seed"),
    ("matrix-900-nested", lambda: _sym(_deep(900)), "ShapeError", "nested"),
    ("spec-dict-900-nested", lambda: _load({"problem": "symmetric", "M": _deep(900),
                                            "rank": 1}), "SpecError", "nested"),
    ("counterexample-seed-negative", lambda: _target(seed=-1), "InputError", "seed"),
    ("inits-seed-negative", lambda: _inits(seed=-1), "InputError", "seed"),
    ("certificate-certified-list", lambda: _check(_cert([{**KKT, "certified": [1, 2]}])),
     "CertificateFormatError", "'certified' must be an object"),
    ("certificate-version-true", lambda: _check({**_cert([KKT]), "version": True}),
     "CertificateFormatError", "version"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_api_typed_errors(case_id: str, thunk: Callable[[], Any], error: str,
                          fragment: str) -> None:
    from mfverify import errors
    from mfverify.certify import CertificateFormatError

    cls = CertificateFormatError if error == "CertificateFormatError" else getattr(errors, error)
    with pytest.raises(cls, match=fragment):
        thunk()


def _gradient(numeric: bool = True, **kw: Any) -> Any:
    from mfverify import SymmetricMF
    from mfverify.derivation import check_gradient

    return check_gradient(SymmetricMF([[3, 0], [0, 1]], rank=1), "5*(X*X.T - M)*X",
                          numeric=numeric, **kw)


def _identity(**kw: Any) -> Any:
    from mfverify.derivation import check_identity

    return check_identity("A*B == B*A", declare={"A": "d x d", "B": "d x d"}, numeric=True,
                          size={"d": 2}, **kw)


def _sym(M: Any) -> Any:
    from mfverify import SymmetricMF

    return SymmetricMF(M, 1)


def _load(spec: Any) -> Any:
    from mfverify.spec import load_spec

    return load_spec(spec)


def _target(**kw: Any) -> Any:
    from mfverify.counterexample import CLAIM_TARGETS, run_target

    return run_target(CLAIM_TARGETS[("related.zsl-rip-threshold", "rip-below-half")],
                      budget=5.0, **kw)


def _inits(**kw: Any) -> Any:
    from mfverify import SymmetricMF
    from mfverify.batch import inits

    return inits.small_random(SymmetricMF([[3, 0], [0, 1]], rank=1), 1, 2, 0.1, **kw)


def _check(doc: Any) -> Any:
    from mfverify.certify import check_certificate

    return check_certificate(doc)
