"""``mfverify landscape SPEC``: the complete real stationary set of a small instance, classified
exactly (see :func:`mfverify.symbolic.landscape`).

Exit codes: 0 complete result, 1 INCONCLUSIVE (budget exceeded or a piece not described),
2 bad input.
"""

from __future__ import annotations

import argparse
import math
from contextlib import nullcontext
from typing import TYPE_CHECKING

from ..progress import terminal_progress
from ..spec import load_spec
from .common import print_json, seed_option, table
from .plotting import add_plot_option, check_plot_path, write_plot

if TYPE_CHECKING:
    from ..symbolic.result import Landscape

NAME = "landscape"
HELP = "every stationary point / orbit of a small instance, classified exactly"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("spec", help="spec file (JSON/TOML) or inline JSON")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--budget", type=float, default=120.0,
                   help="time budget in seconds (default 120); INCONCLUSIVE when exceeded")
    p.add_argument("--seed", type=seed_option(), default=0, help="seed of the random choices")
    p.add_argument("--strategy", choices=("auto", "groebner"), default="auto",
                   help="auto (default): a proved structure theorem first (the orbit "
                        "construction of symmetric MF); groebner: "
                        "never the orbit construction (the independent chart/Gröbner path)")
    add_plot_option(p, "f with the classified stationary set (1-2 unknowns, else a 2-D slice)")


def run(args: argparse.Namespace) -> int:
    from ..errors import InputError
    from ..symbolic import landscape
    from ..symbolic.result import exact_digits

    if args.budget is not None and not (math.isfinite(args.budget) and args.budget > 0):
        raise InputError(f"--budget must be a finite positive number of seconds, got "
                         f"{args.budget}")
    check_plot_path(args.plot)
    problem = load_spec(args.spec)
    with terminal_progress(json=args.json, unit="stage") or nullcontext() as bar:
        res = landscape(problem, budget=args.budget, seed=args.seed, progress=bar,
                        strategy=args.strategy)
    if args.plot:
        from ..plot import plot_landscape

        write_plot(args.plot, lambda: plot_landscape(problem, res))
    with exact_digits():
        return _show(res, args)


def _show(res: Landscape, args: argparse.Namespace) -> int:
    from ..symbolic.realdim import dimension_text

    if args.json:
        print_json(res.to_json())
        return 0 if res.complete else 1
    print(res.problem)
    print(f"status: {res.status}" + (f" ({res.reason})" if res.reason else ""))
    print(f"global minimum value: {res.global_min_value}")
    print(f"real connected components: {res.real_component_count}  (field: {res.field})")
    rows = []
    for c in res.components:
        pos, zero, neg = c.inertia
        dim = dimension_text(c.dimension, c.complex_dimension)
        rows.append([c.type, c.value, dim, c.count, f"({pos},{zero},{neg})",
                     c.orbit_dimension, c.excess_zero_directions,
                     "-" if c.hessian_eigenvalues is None else
                     ", ".join(str(e) for e in c.hessian_eigenvalues),
                     {k: v.tolist() for k, v in c.representative.items()}])
    print(table(rows, ["type", "value", "dim", "count", "inertia(+,0,-)", "orbit", "excess",
                       "eigenvalues", "representative"]))
    if res.pieces is not None:
        print("rows are strata of constant inertia (orbits or proved strata); they form these "
              "closed pieces:")
        print(table([[p["piece"], p["value"],
                      dimension_text(p["dimension"], p.get("complex_dimension")),
                      p["components"], p["type"],
                      ", ".join(str(i + 1) for i in p["strata"])] for p in res.pieces],
                    ["piece", "value", "dim", "components", "type", "strata (rows)"]))
    for c in res.components:
        if c.descent_curve is not None:
            dc = c.descent_curve.to_json()
            print(f"descent curve at {c.description}: {dc['curve']}, f − f₀ = "
                  f"{dc['f(curve) - f(point)']}")
    print(f"completeness: {res.evidence.get('completeness', '')}")
    print(f"time: {res.seconds:.2f} s")
    return 0 if res.complete else 1
