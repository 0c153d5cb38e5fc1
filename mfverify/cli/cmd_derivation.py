"""``mfverify derivation``: check a hand-derived gradient, Hessian, HVP or identity.

Examples::

    mfverify derivation spec.json --gradient "(X*X.T - M)*X"
    mfverify derivation spec.json --hessian \\
        "1/2*norm(X*D.T + D*X.T)^2 + inner(X*X.T - M, D*D.T) in D"
    mfverify derivation spec.json --hvp "(X*D.T + D*X.T)*X + (X*X.T - M)*D in D"
    mfverify derivation spec.json --gradient "(X*X.T - M)*X" --numeric --n 100 --r 10
    mfverify derivation --identity "d/dt norm(B)^2 == -2*trace(B.T*P*B) - norm(Q)^2" \\
        --declare "A: d x d" --declare "B: d x d" --declare "Sigma: d x d symmetric" \\
        --where "P = Sigma - A*A.T + B*B.T" --where "Q = A*B.T - B*A.T" \\
        --flow "A = P*A - Q*B" --flow "B = -P*B + Q*A"

Data structure: the data keep the structure their problem requires, so in a
``"problem": "symmetric"`` spec M is symmetric and ``(X*X.T - M.T)*X`` is PROVED (the text
output says "assuming M symmetric"). ``--general M`` drops that requirement (the objective
¼‖XXᵀ − M‖² for any square M: then ``(X*X.T - M.T)*X`` is REFUTED); ``--symmetric``,
``--diagonal``, ``--skew`` add a structure. A ``custom`` spec requires nothing, so there the
declaration is yours to make.

``--hessian "EXPR in D"`` is the quadratic form ∇²f(x)[D, D] (a scalar expression in D);
``--hvp "EXPR in D"`` is the Hessian-vector product ∇²f(x)[D] (a matrix shaped like the
variable). Without ``in D`` the one undeclared name of the variable's shape (one per
variable, e.g. DU, DV) is the direction, and the output says so.

Scope: the text output starts with it. ``scope all_sizes``: PROVED for every size, by the
size-bound theorem (the bound and its reason are printed; see docs/derivations.md);
``scope sizes_checked``: the verdict covers the sizes listed, and the next line says why no
all-sizes statement is made. ``--sizes`` is a minimum (the bound's sizes are evaluated and
checked too) unless ``--only-sizes``. Exit codes: 0 PROVED or SUPPORTED, 1 REFUTED or
INCONCLUSIVE, 2 bad input.
"""

from __future__ import annotations

import argparse
import re
from typing import Any

from ..errors import InputError
from ..inputs import MAX_POINTS
from .common import int_option, seed_option
from .limits import add_budget_argument
from .plotting import add_plot_option, check_plot_path, write_plot

#: Largest dimension (--n, --r, --m, --size) of a random numeric instance.
_MAX_DIM = 1_000_000

NAME = "derivation"
HELP = "check a hand derivation (gradient, Hessian, HVP, identity) exactly or numerically"
DESCRIPTION = __doc__


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.add_argument("spec", nargs="?", default=None,
                   help="problem spec (file or inline JSON); optional for --identity with "
                        "--declare")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--gradient", metavar="EXPR", help="claimed gradient (matrix)")
    what.add_argument("--hessian", metavar="'EXPR in D'",
                      help="claimed Hessian quadratic form ∇²f[D, D] (scalar in D)")
    what.add_argument("--hvp", metavar="'EXPR in D'",
                      help="claimed Hessian-vector product ∇²f[D] (matrix)")
    what.add_argument("--identity", metavar="'LHS == RHS'",
                      help="claimed identity; a side may start with d/dt (needs --flow)")
    p.add_argument("--where", action="append", default=[], metavar="'NAME = EXPR'",
                   help="a definition usable in the claim (repeatable, evaluated in order)")
    p.add_argument("--flow", action="append", default=[], metavar="'NAME = EXPR'",
                   help="rate of a base input, for d/dt identities (repeatable)")
    p.add_argument("--declare", action="append", default=[], metavar="'NAME: ROWS x COLS'",
                   help="an extra input of an identity, e.g. 'A: d x d', 'Sigma: d x d "
                        "symmetric', 'eta: scalar' (repeatable)")
    p.add_argument("--wrt", metavar="VAR", help="variable (U or V of the asymmetric problem)")
    p.add_argument("--sizes", metavar="RANGE",
                   help="exact mode: size range, '1..3' (default) or 'n=1..4,r=1..2'; a "
                        "minimum: the sizes the size bound needs are checked too")
    p.add_argument("--only-sizes", action="store_true",
                   help="exact mode: check the --sizes given and no others (no all-sizes "
                        "verdict unless they contain the bound's sizes)")
    for st in ("symmetric", "diagonal", "skew"):
        p.add_argument(f"--{st}", action="append", default=[], metavar="NAME",
                       help=f"declare a data matrix {st} (repeatable)")
    p.add_argument("--general", action="append", default=[], metavar="NAME",
                   help="treat a data matrix as general, dropping the structure its problem "
                        "requires (the symmetric problem's M is symmetric unless --general M) "
                        "(repeatable)")
    p.add_argument("--symbolic", action="append", default=[], metavar="NAME",
                   help="exact mode: make a scalar datum symbolic (e.g. scale)")
    p.add_argument("--numeric", action="store_true",
                   help="Taylor-remainder tests (any size) instead of exact algebra")
    p.add_argument("--n", type=int_option(1, _MAX_DIM), help="numeric mode: n of a random instance")
    p.add_argument("--r", type=int_option(1, _MAX_DIM), help="numeric mode: r of a random instance")
    p.add_argument("--m", type=int_option(1, _MAX_DIM), help="numeric mode: m of a random instance")
    p.add_argument("--size", metavar="'d=3,...'", help="numeric mode: other dimensions")
    p.add_argument("--at", choices=("random", "zero"), default="random",
                   help="numeric mode: random points (default) or the zero point")
    p.add_argument("--points", type=int_option(1, MAX_POINTS), default=3,
                   help="numeric mode: number of points")
    p.add_argument("--seed", type=seed_option(), default=0, help="random seed")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    add_plot_option(p, "the Taylor-remainder tests (--numeric)")
    add_budget_argument(p, NAME)


def _pairs(items: list[str], what: str) -> list[tuple[str, str]]:
    out = []
    for item in items:
        m = re.match(r"^\s*([A-Za-z]\w*)\s*'?\s*(?:=|:)\s*(.+)$", item, re.S)
        if not m:
            raise InputError(f"cannot read {what} {item!r}; expected 'NAME = EXPR'")
        out.append((m.group(1), m.group(2)))
    return out


def _unique(pairs: list[tuple[str, str]], what: str) -> dict[str, str]:
    """NAME -> value, refusing a name given twice (the last one must not silently win)."""
    out: dict[str, str] = {}
    for name, value in pairs:
        if name in out:
            same = " ".join(out[name].split()) == " ".join(value.split())
            raise InputError(f"{what} {name} is given twice ({out[name]!r} and {value!r})"
                             + ("" if same else "; they conflict") + ": give each name once")
        out[name] = value
    return out


def _numeric_size(args: argparse.Namespace) -> dict[str, int] | None:
    size: dict[str, int] = {}
    for k in ("m", "n", "r"):
        v = getattr(args, k)
        if v is not None:
            if v < 1:
                raise InputError(f"--{k} must be >= 1")
            size[k] = v
    if args.size:
        for part in args.size.split(","):
            if "=" not in part:
                raise InputError(f"cannot read --size {args.size!r}; expected 'd=3,m=2'")
            k, v = part.split("=", 1)
            try:
                value = int(v.strip(), 10)
            except ValueError:
                raise InputError(f"--size: {v!r} is not an integer") from None
            if not 1 <= value <= _MAX_DIM:
                raise InputError(f"--size {k.strip()} must be an integer in [1, {_MAX_DIM}], "
                                 f"got {v.strip()[:40]}")
            if k.strip() in size:
                raise InputError(f"--size: {k.strip()} is given twice")
            size[k.strip()] = value
    return size or None


def run(args: argparse.Namespace) -> int:
    from ..derivation import check_gradient, check_hessian, check_hvp, check_identity
    from ..spec import load_spec
    from .common import print_json

    check_plot_path(args.plot)
    if args.plot and not args.numeric:
        raise InputError("--plot draws the Taylor tests of --numeric; the exact mode has no plot")
    problem = load_spec(args.spec) if args.spec else None
    size = _numeric_size(args)
    if size and not args.numeric:
        raise InputError("--n/--r/--m/--size are numeric-mode options (add --numeric); the exact "
                         "mode uses --sizes")
    common: dict[str, Any] = {"symmetric": args.symmetric, "diagonal": args.diagonal,
                              "skew": args.skew, "general": args.general, "seed": args.seed,
                              "where": [f"{k} = {v}" for k, v in _pairs(args.where, "--where")]}
    if args.identity is not None:
        declare = _unique(_pairs(args.declare, "--declare"), "--declare")
        flow = _unique(_pairs(args.flow, "--flow"), "--flow")
        if problem is None and not declare:
            raise InputError("an identity needs a SPEC or --declare'd inputs")
        extra = {"only_sizes": True} if args.only_sizes else {}
        res = check_identity(args.identity, declare=declare, problem=problem, flow=flow or None,
                             sizes=args.sizes, symbolic=args.symbolic, numeric=args.numeric,
                             size=size, points=args.points, budget=args.budget, **extra,
                             **common)
    else:
        if problem is None:
            raise InputError("--gradient/--hessian/--hvp need a problem SPEC")
        if args.flow or args.declare:
            raise InputError("--flow and --declare are options of --identity")
        numeric: dict[str, Any] = {}
        if args.numeric:
            numeric = {"numeric": True, "size": size, "at": args.at, "points": args.points}
            if args.symbolic:
                raise InputError("--symbolic is an exact-mode option")
            if args.sizes:
                raise InputError("--sizes is an exact-mode option (numeric: --n, --r, --m)")
            if args.only_sizes:
                raise InputError("--only-sizes is an exact-mode option")
        else:
            numeric = {"sizes": args.sizes, "symbolic": args.symbolic,
                       "only_sizes": args.only_sizes}
        common["budget"] = args.budget
        if args.gradient is not None:
            res = check_gradient(problem, args.gradient, wrt=args.wrt, **numeric, **common)
        elif args.hessian is not None:
            res = check_hessian(problem, args.hessian, wrt=args.wrt, **numeric, **common)
        else:
            res = check_hvp(problem, args.hvp, wrt=args.wrt, **numeric, **common)
    if args.plot:
        from ..plot import plot_taylor_checks

        write_plot(args.plot, lambda: plot_taylor_checks(getattr(res, "checks", [])))
    if args.json:
        print_json(res.to_json())
    else:
        print(res.summary())
        if getattr(res, "scope_reason", ""):
            print(f"scope: {res.scope_reason}")
        ce = res.counterexample
        if ce:
            print("counterexample:")
            for k, v in ce.items():
                print(f"  {k}: {v}")
        if res.diagnosis and res.verdict != "REFUTED":
            print(f"diagnosis: {res.diagnosis}")
        for note in getattr(res, "notes", []):
            print(f"note: {note}")
    return 0 if res.verdict in ("PROVED", "SUPPORTED") else 1
