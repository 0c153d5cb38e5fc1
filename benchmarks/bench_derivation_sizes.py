"""Benchmark: size-free verdicts (issue 13) against the exact checker as it was before.

Measured side by side in one run, on the same claims:

* **new**: ``check_gradient`` / ``check_hessian`` / ``check_hvp`` / ``check_identity`` as
  shipped: the size bound of :mod:`mfverify.derivation.sizebound`, the evaluation scan of
  :mod:`mfverify.derivation.refute` (refute before expanding), then the symbolic check at the
  user's sizes (default 1..3) and the bound's. A true claim comes back PROVED for **every
  size**; a false one REFUTED at the smallest size where the evaluation finds a difference.
* **before**: the same functions under ``legacy_checker()``: symbolic expansion at every size
  of the range, smallest first (PROVED only *for those sizes*). For the false identities the
  range is 1..d (the checker then has to expand up to the failing size d); runs that do not
  finish within ``--limit`` seconds (or 3 GB of memory) are reported as such, in a
  subprocess.

Targets (issue 13): each all-sizes proof (symmetric gradient, Hessian form, HVP; asymmetric U
and V gradients; the phase-retrieval gradients and HVP are reported too) under 2 s; a false
identity of total degree <= 8 in <= 8 matrix inputs that holds below some size d <= 8 REFUTED
at d in under 5 s. The degree-8 example is the
Amitsur–Levitzki standard polynomial s₈(A, …, H) = Σ_σ sgn(σ) A_σ(1)⋯A_σ(8): zero on every
d×d matrix for d <= 4, non-zero at d = 5. It is written with 255 ``where`` definitions
(s of each subset, by expansion along the first factor), since its 40320 terms would not fit
the 10,000-character expression limit.

Times are wall-clock seconds (``time.perf_counter``) of single runs; ratios are before/new.
Usage: ``python benchmarks/bench_derivation_sizes.py [--limit 60] [--skip-before]``.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import time
from itertools import combinations
from typing import Any

from mfverify import AsymmetricMF, SymmetricMF
from mfverify.derivation import check_gradient, check_hessian, check_hvp, check_identity
from mfverify.derivation.allsizes import legacy_checker
from mfverify.problems.phase import PhaseRetrieval

SYM = {"M": [[1, 0], [0, 0]], "rank": 1}
ASYM = {"Sigma": [[1, 0], [0, 1]], "rank": 1}


def standard_polynomial(letters: str) -> tuple[str, list[str]]:
    """s_k of the letters as (name of the top definition, definitions)."""
    defs: list[str] = []
    for k in range(2, len(letters) + 1):
        for sub in combinations(letters, k):
            terms = []
            for i, a in enumerate(sub):
                rest = "".join(sub[:i] + sub[i + 1:])
                rname = rest if len(rest) == 1 else f"S{rest}"
                terms.append(("- " if i % 2 else "+ ") + f"{a}*{rname}")
            defs.append(f"S{''.join(sub)} = " + " ".join(terms)[2:])
    return f"S{letters}", defs


def true_claims() -> list[tuple[str, Any]]:
    sym = SymmetricMF(SYM["M"], rank=SYM["rank"])
    asym = AsymmetricMF(ASYM["Sigma"], rank=ASYM["rank"])
    return [
        ("symmetric gradient", lambda: check_gradient(sym, "(X*X.T - M)*X")),
        ("symmetric Hessian form", lambda: check_hessian(
            sym, "1/2*norm(X*D.T + D*X.T)^2 + inner(X*X.T - M, D*D.T) in D")),
        ("symmetric HVP", lambda: check_hvp(sym, "(X*D.T + D*X.T)*X + (X*X.T - M)*D in D")),
        ("asymmetric gradient U", lambda: check_gradient(asym, "(U*V.T - Sigma)*V", wrt="U")),
        ("asymmetric gradient V", lambda: check_gradient(asym, "(U*V.T - Sigma).T*U",
                                                         wrt="V")),
        *phase_claims(),
    ]


def phase_claims() -> list[tuple[str, Any]]:
    """Phase retrieval (1/(4m) cleared by the size bound; complex with the constant J)."""
    real = PhaseRetrieval(a=[[1, 0], [0, 1], [1, 1]], signal=[1, 2])
    cplx = PhaseRetrieval(a=[[1, 0], [0, 1], [1, 1]], a_imag=[[0, 1], [1, 0], [0, 0]],
                          signal=[1, 2], signal_imag=[0, 1], field="complex")
    pop = PhaseRetrieval(signal=[1, 2], signal_imag=[0, 1], field="complex", model="population")
    az = "hadamard(a*z, a*z) - y"
    defs = ["C = a*z + a_imag*z*J", "q = hadamard(C, C)*ones - y", "G = hadamard(q*ones.T, C)"]
    return [
        ("phase finite real gradient", lambda: check_gradient(
            real, f"1/m*a.T*hadamard({az}, a*z)")),
        ("phase finite real HVP", lambda: check_hvp(
            real, f"1/m*a.T*(2*hadamard(hadamard(a*z, a*D), a*z) + hadamard({az}, a*D)) in D")),
        ("phase finite complex gradient", lambda: check_gradient(
            cplx, "1/m*(a.T*G + a_imag.T*G*J.T)", where=defs)),
        ("phase population complex gradient", lambda: check_gradient(
            pop, "2*norm(z)^2*z - norm(x)^2*z - (inner(x, z)*x + inner(x*J, z)*x*J)")),
    ]


def false_identities() -> list[tuple[str, int, dict[str, Any]]]:
    """(name, the first failing size d, keyword arguments of check_identity)."""
    top4, defs4 = standard_polynomial("ABCD")
    top8, defs8 = standard_polynomial("ABCDEFGH")
    return [
        ("s4(A,B,C,D) = 0 (degree 4, 4 inputs)", 3,
         {"identity": f"{top4} == 0*A", "where": defs4,
          "declare": {k: "d x d" for k in "ABCD"}}),
        ("Hall [[A,B]^2, C] = 0 (degree 5, 3 inputs)", 3,
         {"identity": "(A*B - B*A)*(A*B - B*A)*C - C*(A*B - B*A)*(A*B - B*A) == 0*C",
          "declare": {k: "d x d" for k in "ABC"}}),
        ("s8(A,...,H) = 0 (degree 8, 8 inputs)", 5,
         {"identity": f"{top8} == 0*A", "where": defs8,
          "declare": {k: "d x d" for k in "ABCDEFGH"}}),
    ]


def _timed(fn: Any) -> tuple[float, Any]:
    t0 = time.perf_counter()
    res = fn()
    return time.perf_counter() - t0, res


def _legacy_worker(kind: str, index: int, sizes: str | None, queue: Any) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (3_000_000_000, 3_000_000_000))
    try:
        with legacy_checker():
            if kind == "true":
                seconds, res = _timed(true_claims()[index][1])
            else:
                _, _, kw = false_identities()[index]
                seconds, res = _timed(lambda: check_identity(**kw, sizes=sizes))
        ce = res.counterexample or {}
        queue.put((seconds, res.verdict, ce.get("size")))
    except MemoryError:
        queue.put((None, "out of memory (3 GB)", None))


def legacy(kind: str, index: int, sizes: str | None, limit: float) -> tuple[Any, str, Any]:
    queue: Any = mp.Queue()
    proc = mp.Process(target=_legacy_worker, args=(kind, index, sizes, queue))
    proc.start()
    proc.join(limit)
    if proc.is_alive():
        proc.terminate()
        proc.join()
        return None, f"not finished in {limit:g}s", None
    return queue.get() if not queue.empty() else (None, "failed", None)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=float, default=60.0,
                    help="seconds allowed to each run of the checker as it was before")
    ap.add_argument("--skip-before", action="store_true", help="do not run the old checker")
    args = ap.parse_args()
    print("true claims: new = PROVED for every size; before = PROVED for n, r <= 3 only")
    print(f"{'claim':34s} {'new s':>8s} {'scope':>10s} {'before s':>9s} {'ratio':>7s}")
    for i, (name, fn) in enumerate(true_claims()):
        seconds, res = _timed(fn)
        before = (None, "skipped", None) if args.skip_before else legacy("true", i, None,
                                                                         args.limit)
        ratio = f"{before[0] / seconds:7.2f}" if before[0] else "    n/a"
        b = f"{before[0]:9.3f}" if before[0] else f"{before[1]:>9s}"
        flag = "" if seconds < 2 else "  (over the 2 s target)"
        print(f"{name:34s} {seconds:8.3f} {res.scope:>10s} {b} {ratio}{flag}")
    print("\nfalse identities that hold below d: new = REFUTED at d from the default sizes; "
          "before = expansion at sizes 1..d")
    print(f"{'identity':44s} {'d':>2s} {'new s':>8s} {'found':>6s} {'before':>24s}")
    for i, (name, d, kw) in enumerate(false_identities()):
        seconds, res = _timed(lambda kw=kw: check_identity(**kw, sizes="1..2"))
        found = (res.counterexample or {}).get("size", {}).get("d")
        if args.skip_before:
            b = "skipped"
        else:
            bs, verdict, size = legacy("false", i, f"1..{d}", args.limit)
            b = f"{bs:.3f}s {verdict} d={size['d']}" if bs else verdict
        flag = "" if seconds < 5 and found == d else "  (target missed)"
        print(f"{name:44s} {d:2d} {seconds:8.3f} {str(found):>6s} {b:>24s}{flag}")


if __name__ == "__main__":
    main()
