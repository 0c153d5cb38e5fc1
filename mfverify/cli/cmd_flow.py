"""``mfverify flow SPEC --x0 X0 --times 1,10,100``: follow a gradient flow (or a GD map) at
arbitrary precision and print the state, f, invariants and the error estimate at each time.

Flows use the adaptive Taylor engine of :mod:`mfverify.flow` (``ẋ = −∇f(x)``; for a constrained
problem with the augmented-Lagrangian merit, the primal-dual flow ``U̇ = −∇_U L``,
``λ̇ = +∇_λ L``). ``--method gd|altgd|primal-dual --step ETA --iterations 10,100`` runs the
discrete maps instead. ``--x0`` is a JSON object (inline or a file) mapping the problem's variable
names to nested lists of exact numbers, as in spec files (``"1/2"``, ``"sqrt(3)/2"``,
``"1e-20"``). ``--validated`` encloses the flow rigorously in ball arithmetic (the widths at
the requested times are printed) and ``--prove reach:δ|escape:ρ|converge`` prints a verdict.

Example::

    mfverify flow '{"problem": "symmetric", "M": [[3, 0], [0, 1]], "rank": 1}' \\
        --x0 '{"X": [["1e-20"], [1]]}' --times 1,10 --dps 30 --invariants residual
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..errors import InputError, SpecError
from ..inputs import parse_json, read_user_file
from ..spec import MAX_SPEC_BYTES, load_spec
from ._flow_validated import add_validated_arguments, run_validated
from .common import int_option, print_json, table
from .limits import add_budget_argument
from .plotting import add_plot_option, check_plot_path, write_plot

#: Largest iteration count of the discrete maps.
_MAX_ITERATIONS = 10**9

NAME = "flow"
HELP = "follow a gradient flow or GD map at arbitrary precision (state, f, invariants, error)"
DESCRIPTION = __doc__


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("spec", help="problem spec file (JSON/TOML) or inline JSON")
    p.add_argument("--x0", required=True, metavar="FILE_OR_JSON",
                   help="initial state: JSON object {variable: nested lists of exact numbers}")
    p.add_argument("--times", default="1,10", metavar="T1,T2,...",
                   help="output times of the flow (exact numbers, comma separated)")
    p.add_argument("--dps", type=int_option(5, 10_000), default=30,
                   help="working precision in decimal digits")
    p.add_argument("--tol", default=None, help="local error target per step (default 10^-dps)")
    p.add_argument("--method", default="flow", choices=("flow", "gd", "altgd", "primal-dual"),
                   help="flow (default: Taylor integrator) or a discrete map")
    p.add_argument("--field", default="auto", choices=("auto", "gradient", "primal-dual"),
                   help="which flow (auto: primal-dual when the problem has a multiplier)")
    p.add_argument("--step", default=None, metavar="ETA", help="step size of the maps")
    p.add_argument("--dual-step", default=None, metavar="BETA",
                   help="dual step size of primal-dual iterations (default ETA)")
    p.add_argument("--iterations", default="10,100", metavar="K1,K2,...",
                   help="iteration counts to report for the maps")
    p.add_argument("--invariants", default="", metavar="NAMES",
                   help="comma separated: rank, singular_values, imbalance, schur, residual, "
                        "value")
    p.add_argument("--max-steps", type=int_option(1, 10**9), default=100_000,
                   help="step budget of the flow")
    p.add_argument("--json", action="store_true", help="print results as JSON")
    add_plot_option(p, "the trajectory (state norms, f, error estimate; --method flow)")
    add_budget_argument(p, NAME)
    add_validated_arguments(p)


def _read_x0(text: str) -> dict[str, Any]:
    src = text.strip()
    if not src.startswith("{"):
        src = read_user_file(text, "--x0 file", MAX_SPEC_BYTES,
                             missing_hint=" (pass inline JSON or an existing file)")
    data = parse_json(src, "--x0", error=SpecError)
    if not isinstance(data, dict):
        raise InputError("--x0 must be a JSON object {variable: value}")
    return data


def _split(text: str, what: str) -> list[str]:
    items = [t.strip() for t in str(text).split(",") if t.strip()]
    if not items:
        raise InputError(f"{what} needs at least one value")
    return items


def _progress(enabled: bool, total: float, unit: str) -> Any:
    if not enabled:
        return None, None
    try:
        from tqdm import tqdm
    except ImportError:  # pragma: no cover - tqdm is optional
        return None, None
    bar = tqdm(total=total, file=sys.stderr, unit=unit, leave=False)

    def cb(done: Any, _total: Any) -> None:
        bar.n = min(float(done), total)
        bar.refresh()

    return bar, cb


def run(args: argparse.Namespace) -> int:
    from ..flow import integrate, primal_dual_field
    from ..flow.invariants import evaluate_invariants
    from ..flow.maps import iterate_map
    from ..numbers import parse_number

    check_plot_path(args.plot)
    if args.plot and args.method != "flow":
        raise InputError("--plot draws the trajectory of --method flow")
    problem = load_spec(args.spec)
    x0 = _read_x0(args.x0)
    if args.dps < 5 or args.dps > 10000:
        raise InputError(f"--dps must be in [5, 10000], got {args.dps}")
    if args.max_steps < 1:
        raise InputError(f"--max-steps must be >= 1, got {args.max_steps}")
    names = [n for n in _split(args.invariants, "--invariants")] if args.invariants else []
    dual = getattr(problem, "dual_variables", None) or [v for v in problem.variables
                                                         if v == "lam"]
    use_pd = args.field == "primal-dual" or (args.field == "auto" and bool(dual))
    system = primal_dual_field(problem) if use_pd else problem
    if args.validated or args.prove:
        if args.method != "flow":
            raise InputError("--validated and --prove work with --method flow")
        return run_validated(args, problem, system, x0, _read_x0)
    tty = sys.stderr.isatty() and not args.json
    rows_out: list[dict[str, Any]] = []
    if args.method == "flow":
        time_texts = _split(args.times, "--times")
        times = [parse_number(t) for t in time_texts]
        if any(t < 0 for t in times):
            raise InputError("--times must be >= 0")
        bar, cb = _progress(tty, float(max(times)), "t")
        try:
            res = integrate(system, x0, times, dps=args.dps, tol=args.tol, progress=cb,
                            max_steps=args.max_steps, budget=args.budget)
        finally:
            if bar is not None:
                bar.close()
        if args.plot:
            from ..plot import plot_flow

            write_plot(args.plot, lambda: plot_flow(res))
        A = res.arith
        label = {parse_number(t): t for t in time_texts}
        for pt in res.points:
            exact_t = next((k for k in label if A.const(k) == pt.t), None)
            entry = pt.to_json()
            entry["t"] = label[exact_t] if exact_t is not None else entry["t"]
            rows_out.append(_decorate(entry, problem, pt.state, A, names, evaluate_invariants))
        header = {"dps": args.dps, "method": "flow", "field": res.field.name,
                  "status": res.status, "steps": res.steps, "order": res.order,
                  "seconds": round(res.seconds, 3), "exactly_stationary":
                  res.exactly_stationary, "notes": res.notes,
                  "events": [e.to_json() for e in res.events]}
    else:
        if args.step is None:
            raise InputError(f"--method {args.method} needs --step ETA")
        its = [int(v) for v in _split(args.iterations, "--iterations") if _is_int(v)]
        if len(its) != len(_split(args.iterations, "--iterations")) or min(its) < 0 \
                or max(its) > _MAX_ITERATIONS:
            raise InputError(f"--iterations must be integers in [0, {_MAX_ITERATIONS}], e.g. "
                             "10,100,1000")
        bar, cb = _progress(tty, float(max(its)), "it")
        try:
            mres = iterate_map(system if args.method == "primal-dual" or not use_pd else problem,
                               x0, its, method=args.method, step=args.step,
                               dual_step=args.dual_step, dps=args.dps, progress=cb,
                               budget=args.budget)
        finally:
            if bar is not None:
                bar.close()
        A = mres.arith
        step_exact = parse_number(args.step)
        for mp_ in mres.points:
            entry = mp_.to_json()
            # the map's iterate k approximates the flow at time t = k·η (η the primal step)
            entry["t"] = str(step_exact * mp_.iteration)
            rows_out.append(_decorate(entry, problem, mp_.state, A, names, evaluate_invariants))
        header = {"dps": args.dps, "method": args.method, "step": str(args.step),
                  "status": mres.status, "seconds": round(mres.seconds, 3),
                  "notes": mres.notes}
    incomplete = header["status"] in ("max_steps", "budget")
    if args.json:
        print_json({**header, "points": rows_out})
        return 1 if incomplete else 0
    print(f"{header['method']}: {getattr(problem, 'describe', lambda: problem.kind)()}")
    print(f"dps = {args.dps}, status = {header['status']}" +
          (f", steps = {header['steps']}, order = {header['order']}" if "steps" in header
           else ""))
    key = "t" if args.method == "flow" else "iteration"
    rows = [[r[key], _short(r.get("value")), r["error_estimate"]] for r in rows_out]
    print(table(rows, ["t" if args.method == "flow" else "iteration", "f", "error estimate"]))
    for r in rows_out:
        print(f"\n{key} = {r[key]}:")
        for k, v in r["state"].items():
            print(f"  {k} = {json.dumps(v)}")
        print(f"  f = {r.get('value')}")
        for k, v in r.get("invariants", {}).items():
            print(f"  {k}: {json.dumps(v)}")
    for e in header.get("events", []):
        print(f"event {e['name']}: t = {e['t']} (± {e['time_error_estimate']})")
    if incomplete:
        how = ("raise it with --max-steps N" if header["status"] == "max_steps" else
               "raise it with --budget SECONDS")
        for note in header["notes"]:
            print(f"note: {note}")
        print(f"INCONCLUSIVE: stopped early ({header['status']}); only the output times listed "
              f"above were reached; {how}")
        return 1
    return 0


def _is_int(v: str) -> bool:
    try:
        int(v)
    except ValueError:
        return False
    return True


def _short(v: Any) -> str:
    if v is None:
        return "-"
    return v if len(v) < 24 else v[:22] + "…"


def _decorate(entry: dict[str, Any], problem: Any, state: Any, A: Any, names: list[str],
              evaluate: Any) -> dict[str, Any]:
    from ..flow.invariants import _jsonable

    try:
        val = problem.objective(A, dict(state), problem.data_in(A))
        entry["value"] = _jsonable(val)
    except Exception:  # noqa: BLE001 - a merit that cannot be evaluated here is left out
        entry["value"] = None
    entry["invariants"] = _jsonable(evaluate(names, problem, state, A)) if names else {}
    return entry
