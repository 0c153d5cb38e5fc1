r"""``mfverify show SPEC``: print a problem, its objective, gradient and Hessian.

``--latex`` prints f, ∇f and ∇²f[D, D] in LaTeX in matrix notation
(:class:`mfverify.derivation.Derivation`), e.g. ``\nabla_{X} f = \left(X X^\top - M\right) X``.
"""

from __future__ import annotations

import argparse

import numpy as np
import sympy as sp

from ..arith import ExactArith
from ..budget import Budget
from ..exprcost import max_terms
from ..spec import load_spec
from .common import print_json
from .limits import add_budget_argument

NAME = "show"
HELP = "print a problem: objective, gradient and Hessian in matrix form"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("spec", help="spec file (JSON/TOML) or inline JSON")
    p.add_argument("--json", action="store_true")
    add_budget_argument(p, NAME)
    p.add_argument("--latex", action="store_true",
                   help="print f, its gradient and its Hessian form ∇²f[D, D] in LaTeX, in "
                        "matrix notation (XXᵀ, not entries)")
    p.add_argument("--symbolic", action="append", default=[], metavar="NAME",
                   help="with --latex: keep a scalar datum (e.g. scale) as a letter")


def run(args: argparse.Namespace) -> int:
    with Budget(args.budget, what=NAME).alarm("computing and printing the problem"):
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    problem = load_spec(args.spec)
    if args.latex:
        from ..derivation import Derivation

        d = Derivation.of(problem, symbolic=args.symbolic)
        if args.json:
            print_json({"latex": d.latex().splitlines(), "text": d.text().splitlines()})
        else:
            print(d.latex())
        return 0
    A = ExactArith()
    x = problem.symbolic_point()
    d = problem.data_in(A)
    f = problem.symbolic_objective()[0]
    if getattr(problem, "closed_form_source", "closed") == "closed":
        g = {k: sp.Matrix(np.atleast_2d(A.finish_array(np.asarray(v))).tolist())
             for k, v in problem.gradient(A, x, d).items()}
        grad_source = "closed form, checked against the SymPy derivative by the foundations claims"
    else:  # no hand-written closed form: differentiate the objective
        flat = problem.flatten(x)
        gvec = [sp.expand(sp.diff(f, s)) for s in flat]
        g = {k: sp.Matrix(np.atleast_2d(np.asarray(v, dtype=object)).tolist())
             for k, v in problem.unflatten(np.array(gvec, dtype=object)).items()}
        grad_source = "SymPy derivative of the objective"
    flat = problem.flatten(x)
    H = None
    hess_note = "the Hessian is printed for at most 30 unknowns"
    if problem.dim <= 30:
        # at most (terms of f) · dim² terms: skipped, with a note, when that is over the limit
        size = len(sp.Add.make_args(f)) * problem.dim ** 2
        if size <= max_terms():
            H = sp.hessian(f, list(flat))
        else:
            hess_note = (f"the Hessian is not printed: it may have about {size:,} terms, above "
                         f"the limit {max_terms():,} (MFVERIFY_MAX_TERMS)")
    sym = problem.symmetry()
    if args.json:
        print_json({
            "problem": problem.kind, "description": problem.describe(),
            "variables": {k: list(v) for k, v in problem.variables.items()},
            "objective": str(f), "gradient": {k: str(v.tolist()) for k, v in g.items()},
            "gradient_source": grad_source,
            "hessian": None if H is None else str(H.tolist()),
            "symmetry": {"group": sym.name, "dimension": sym.dimension, "action": sym.action},
        })
        return 0
    print(problem.describe())
    print(f"variables: {', '.join(f'{k} {v}' for k, v in problem.variables.items())}")
    print(f"symmetry: {sym.name} ({sym.action}), dimension {sym.dimension}")
    print("\nobjective:")
    print(sp.pretty(f, use_unicode=True))
    print(f"\ngradient ({grad_source}):")
    for k, v in g.items():
        print(f"d f / d {k} =")
        print(sp.pretty(v, use_unicode=True))
    if H is not None:
        print("\nHessian (on the flat vector, variables in order, row-major):")
        print(sp.pretty(H, use_unicode=True))
    else:
        print(f"\n({hess_note})")
    return 0
