"""``mfverify flow --validated`` / ``--prove``: rigorous enclosures and certified statements."""

from __future__ import annotations

import argparse
import json
from typing import Any

from ..errors import InputError
from .common import print_json, table

__all__ = ["add_validated_arguments", "run_validated", "parse_prove"]


def add_validated_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--validated", action="store_true",
                   help="validated integration in ball arithmetic: print the enclosure widths "
                        "at the requested times (a proof that x(t) lies in the boxes)")
    p.add_argument("--prove", default=None, metavar="reach:δ|escape:ρ|converge",
                   help="certify a statement on the validated enclosure and print its verdict "
                        "(implies --validated)")
    p.add_argument("--center", default=None, metavar="JSON",
                   help="centre of the ball for --prove escape:ρ (default: the zero state)")
    p.add_argument("--target", default=None, metavar="JSON",
                   help="exact stationary point x* for --prove converge")


def parse_prove(text: str) -> tuple[str, str | None]:
    kind, _, arg = text.partition(":")
    kind = kind.strip()
    if kind not in ("reach", "escape", "converge"):
        raise InputError(f"--prove must be reach:δ, escape:ρ or converge, got {text!r}")
    if kind in ("reach", "escape") and not arg.strip():
        raise InputError(f"--prove {kind} needs a value, e.g. {kind}:1e-10")
    if kind == "converge" and arg.strip():
        raise InputError("--prove converge takes no value (give --target)")
    return kind, arg.strip() or None


def run_validated(args: argparse.Namespace, problem: Any, system: Any, x0: dict[str, Any],
                  read_json: Any) -> int:
    from ..flow.certified import certify_convergence, certify_escape, certify_reach
    from ..flow.validated import ball_str as _ball_str
    from ..flow.validated import integrate_validated
    from ..numbers import parse_number

    prove = parse_prove(args.prove) if args.prove else None
    if prove and prove[0] == "converge" and args.target is None:
        raise InputError("--prove converge needs --target JSON (an exact stationary point)")
    times = [t.strip() for t in str(args.times).split(",") if t.strip()]
    if not times:
        raise InputError("--times needs at least one value")
    for t in times:
        if not parse_number(t).is_Rational:
            raise InputError(f"--validated needs rational times, got {t}")
    res = integrate_validated(system, x0, times, dps=args.dps, tol=args.tol,
                              max_steps=args.max_steps)
    cert = None
    if prove:
        kind, val = prove
        if kind == "reach":
            cert = certify_reach(res, val)
        elif kind == "escape":
            center = read_json(args.center) if args.center else None
            cert = certify_escape(res, val, center)
        else:
            cert = certify_convergence(res, read_json(args.target))
    out = res.to_json()
    if cert is not None:
        out["certificate"] = {"statement": args.prove, **cert.to_json()}
    ok = res.status.ok and (cert is None or cert.verdict != "INCONCLUSIVE")
    if args.json:
        print_json(out)
        return 0 if ok else 1
    print(f"validated flow: {res.field.name}")
    print(f"dps = {res.dps} ({res.prec} bits), order = {res.order}, steps = {len(res.steps)}, "
          f"status = {res.status.value}")
    print(f"method: {out['method']}")
    rows = [[str(pt.t), f"{pt.width:.3e}"] for pt in res.points]
    print(table(rows, ["t", "enclosure width"]))
    for pt in res.points:
        print(f"\nt = {pt.t}:")
        for k, v in pt.state.items():
            balls = json.dumps([_ball_str(b) for b in v.reshape(-1)], ensure_ascii=False)
            print(f"  {k} ∈ {balls}")
    if not res.status.ok:
        print(f"note: {res.message}")
    if cert is not None:
        print(f"\n{cert.verdict}: {args.prove}: {cert.reason}")
    return 0 if ok else 1
