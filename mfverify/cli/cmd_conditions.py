"""``mfverify conditions CLAIM_ID SPEC``: a theorem's hypotheses checked on the user's instance.

Exit status: 0 when every hypothesis holds and the predicted conclusion came true on the instance
(or the claim has no conclusion to run); 1 when a hypothesis fails or is undetermined, or the
conclusion did not come true; 2 on bad input.
"""

from __future__ import annotations

import argparse
import re
from typing import Any

from ..claims import RunContext, get_claim
from ..claims.conditions import conditions_claims, evaluate_conditions
from ..claims.registry import load_user_module
from ..errors import InputError
from ..inputs import parse_json
from ..numbers import parse_number
from ..spec import load_spec
from .common import print_json, seed_option, table
from .limits import add_budget_argument

NAME = "conditions"
HELP = "check a theorem's hypotheses on your own instance, then its conclusion"
DESCRIPTION = (
    "Evaluate each hypothesis of CLAIM_ID on the instance SPEC (a spec file or inline JSON), say "
    "which hold and by what margin, and, when they all hold, run the theorem's predicted "
    "conclusion on that instance. Constants the papers leave as O(.) are reported as "
    "unspecified, never invented: such a hypothesis is 'undetermined'. Exit status 0 when the "
    "theorem applies and its conclusion came true, 1 otherwise, 2 on bad input."
)

_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("claim", nargs="?", metavar="CLAIM_ID", help="the claim (theorem) to apply")
    p.add_argument("spec", nargs="?", metavar="SPEC", help="spec file (JSON/TOML) or inline JSON")
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", dest="params",
                   help="an instance parameter the hypotheses need (e.g. eta=1/1000, "
                   "eps=1e-4, U0='[[1,0],[0,0]]'); exact numbers or JSON; repeatable")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--force", action="store_true",
                   help="run the conclusion even when the hypotheses are not all established")
    p.add_argument("--no-run", action="store_true", help="check the hypotheses only")
    p.add_argument("--list", action="store_true",
                   help="list the claims whose hypotheses can be checked on an instance")
    p.add_argument("--profile", choices=("quick", "full"), default="quick")
    p.add_argument("--seed", type=seed_option(), default=20211227,
                   help="seed of the conclusion run")
    add_budget_argument(p, NAME)
    p.add_argument("--claims", action="append", default=[], metavar="MODULE_OR_FILE",
                   help="also load user claims from a Python module or file (repeatable)")


def parse_param(text: str) -> tuple[str, Any]:
    """``NAME=VALUE`` -> (name, value): JSON for values starting with ``[`` or ``{`` (decimals
    kept as exact strings), an exact number otherwise."""
    if "=" not in text:
        raise InputError(f"--set expects NAME=VALUE, got {text!r}")
    name, value = (s.strip() for s in text.split("=", 1))
    if not _NAME_RE.match(name):
        raise InputError(f"--set: {name!r} is not a valid parameter name (letters, digits, _)")
    if value == "":
        raise InputError(f"--set {name}: empty value")
    if value[0] in "[{":
        return name, parse_json(value, f"--set {name}")
    return name, parse_number(value)


def run(args: argparse.Namespace) -> int:
    for mod in args.claims:
        load_user_module(mod)
    if args.list:
        claims = conditions_claims()
        if args.json:
            print_json({"claims": [{"id": c.id, "source": c.source,
                                    "hypotheses": [h.name for h in c.hypotheses
                                                   if h.check is not None],
                                    "instance_run": c.instance_run is not None}
                                   for c in claims]})
        else:
            rows = [[c.id, ",".join(h.name for h in c.hypotheses if h.check is not None),
                     "yes" if c.instance_run is not None else "no"] for c in claims]
            print(table(rows, ["claim", "checkable hypotheses", "conclusion run"]))
        return 0
    if not args.claim or not args.spec:
        raise InputError("usage: mfverify conditions CLAIM_ID SPEC (or --list)")
    claim = get_claim(args.claim)
    params: dict[str, Any] = {}
    for text in args.params:
        name, value = parse_param(text)
        if name in params:
            raise InputError(f"--set {name} is given twice; give each parameter once")
        params[name] = value
    problem = load_spec(args.spec)
    res = evaluate_conditions(claim, problem, params=params,
                              ctx=RunContext(profile=args.profile, seed=args.seed),
                              run_conclusion=not args.no_run, force=args.force,
                              budget=args.budget)
    if args.json:
        print_json(res.to_json())
        return 0 if res.applies else 1
    print(f"claim:    {claim.id}  ({claim.source})")
    print(f"theorem:  {claim.statement}")
    print(f"instance: {res.problem}")
    if params:
        print("params:   " + ", ".join(f"{k}={v}" for k, v in params.items()))
    print()
    rows = [[h.name, h.status, h.margin] for h in res.hypotheses]
    print(table(rows, ["hypothesis", "status", "margin"]))
    print()
    verdict = {True: "all hypotheses hold", False: "a hypothesis fails",
               None: "not every hypothesis could be established"}[res.all_hold]
    print(f"hypotheses: {verdict}")
    if res.conclusion is not None:
        print(f"conclusion: {claim.conclusion or claim.statement}")
        print(f"  {res.conclusion.verdict}: {res.conclusion.summary}")
        came = {True: "came true", False: "did NOT come true",
                None: "could not be decided"}[res.came_true]
        print(f"  the predicted conclusion {came} on this instance")
    print(f"note: {res.conclusion_note}")
    return 0 if res.applies else 1
