"""``mfverify sweep``: run a batched solver over many instances × initializations and summarize
the outcomes (global minimum / stationary / stalled / diverged, iterations, T(δ)).

SOURCE is a spec (file or inline JSON: one instance) or a generator::

    gen:KIND?key=value&key=value...

Generator kinds are the registered problem kinds with a sweep generator (the ``generate`` hook
of :class:`~mfverify.problems.Problem`); every kind takes B [10] and seed [0]. Keys (defaults in
brackets):

* ``gen:symmetric``: n [10], r [n], spectrum (psd | indefinite | singular) [psd], rank
  [n for psd, n/2 otherwise], cond [10], top [1]. M = Q·diag(λ)·Qᵀ, f = ¼‖XXᵀ − M‖².
* ``gen:asymmetric``: m [10], n [m], r [rank], rank [3], cond [10], top [1].
  Σ = U·diag(σ)·Vᵀ, f = ½‖UVᵀ − Σ‖².
* ``gen:phase_retrieval``: n [10], m [6n], field (real | complex) [real]. Gaussian aᵢ,
  unit-norm Gaussian signal, noiseless yᵢ = |aᵢᴴx|², f = (1/(4m))Σ(|aᵢᴴz|² − yᵢ)².
* ``gen:deep_linear``: d0 [5], dL [d0], widths [d0-d0], N [4·d0], rank, noise [0].
  Y = TX + noise·G with a planted map T of the given rank.
* ``gen:completion``: n [10], m [n], r [rank], rank [2], p [0.5], symmetric (1 | 0) [1].
  Planted low-rank M, Bernoulli(p) mask.
* ``gen:sensing``: n [10], rank [2], r [rank], m [5·n·rank], cond [1]. Symmetric Gaussian
  A_i = (G_i + G_iᵀ)/2, G_i i.i.d. N(0, 1/m); planted M* = X*X*ᵀ, b = A(M*),
  f = ½‖A(XXᵀ) − b‖².
* ``gen:constrained``: n [10], rank [2], p [rank + 1], m [3·n·rank], rho [1]. The same
  constraints A(UUᵀ) = b, augmented-Lagrangian merit: run it in a study with
  ``method = "primal_dual"`` (the sweep methods are descent methods on f).

Example: ``mfverify sweep "gen:symmetric?n=20&r=5&spectrum=psd&rank=3&B=100&seed=1" --inits 10``.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any
from urllib.parse import parse_qsl

import numpy as np

from ..errors import InputError, NonFiniteError
from ..inputs import check_seed
from .common import int_option, print_json, seed_option, table
from .limits import add_budget_argument
from .plotting import add_plot_option, check_plot_path, write_plot

NAME = "sweep"
HELP = "run a batched solver over many instances and initializations; summarize the outcomes"
DESCRIPTION = __doc__

_MAX_B = 1_000_000


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("source", metavar="SPEC_OR_GENERATOR",
                   help="spec file, inline JSON, or gen:KIND?key=value&... (see description)")
    p.add_argument("--method", default="gd",
                   choices=("gd", "alternating_gd", "scaled_gd", "gradient_flow"))
    p.add_argument("--inits", type=int_option(1, 100_000), default=10, metavar="K",
                   help="initializations per instance (default 10)")
    p.add_argument("--init", default="small", choices=("small", "imbalanced", "spectral",
                                                       "rank_deficient"),
                   help="initialization (default small random)")
    p.add_argument("--alpha", type=float, default=1e-2, help="initialization scale α")
    p.add_argument("--step", default="0.1", help="fixed step size η, or 'armijo'")
    p.add_argument("--max-iter", type=int_option(0, 10**9), default=2000)
    p.add_argument("--t-final", type=float, default=50.0, help="flow: final time")
    p.add_argument("--gtol", type=float, default=1e-10)
    p.add_argument("--ftol", type=float, default=1e-8,
                   help="a run with f <= f* + ftol counts as a global minimum")
    p.add_argument("--delta", type=float, action="append", default=[], metavar="δ",
                   help="report T(δ) = first iteration with f <= δ (repeatable)")
    p.add_argument("--float32", action="store_true", help="run in float32")
    p.add_argument("--seed", type=seed_option(), default=0, help="seed of the initializations")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    add_plot_option(p, "the outcome histogram and f quantiles")
    add_budget_argument(p, NAME)


def _generator_classes() -> dict[str, Any]:
    from ..problems import PROBLEM_KINDS

    return {kind: cls for kind, cls in PROBLEM_KINDS.items() if cls.generator_keys}


def parse_generator(text: str) -> tuple[Any, dict[str, np.ndarray], dict[str, Any]]:
    """``gen:KIND?k=v&...`` -> (problem, batched data, parameters). KIND is any registered
    problem kind with a sweep generator (its ``generator_keys`` and ``generate`` hooks)."""
    body = text[4:]
    kind, _, query = body.partition("?")
    classes = _generator_classes()
    if kind not in classes:
        raise InputError(f"unknown generator {kind!r}; expected one of {sorted(classes)}")
    keys: dict[str, Any] = {**classes[kind].generator_keys, "B": int, "seed": int}
    params: dict[str, Any] = {}
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError as exc:
        raise InputError(f"generator {kind}: malformed query {query!r} ({exc}); expected "
                         "key=value pairs joined by '&'") from None
    for key, value in pairs:
        if key not in keys:
            raise InputError(f"generator {kind}: unknown key {key!r}; expected {sorted(keys)}")
        if key in params:
            raise InputError(f"generator {kind}: {key} is given twice")
        try:
            params[key] = keys[key](value)
        except ValueError:
            raise InputError(f"generator {kind}: {key}={value!r} is not a valid "
                             f"{keys[key].__name__}") from None
        if keys[key] is float and not np.isfinite(params[key]):
            raise InputError(f"generator {kind}: {key} must be finite, got {params[key]}")
    B = params.setdefault("B", 10)
    seed = params.setdefault("seed", 0)
    if not 1 <= B <= _MAX_B:
        raise InputError(f"B must be in [1, {_MAX_B}], got {B}")
    check_seed(seed, f"generator {kind}: seed")
    gen_params = {k: v for k, v in params.items() if k not in ("B", "seed")}
    problem, data = classes[kind].generate(B, seed, gen_params)
    return problem, data, {"kind": kind, **params}


#: the solvers hold about 8 arrays the size of the runs' states at once (state, gradient,
#: step, trial point, results)
_RUN_COPIES = 8


def _check_size(elements: int, what: str) -> None:
    """Refuse, before allocating, runs whose arrays would exceed the generators' peak-memory
    limit (:func:`mfverify.problems.generators.check_generated_size`)."""
    from ..problems.generators import check_generated_size

    check_generated_size(elements, what, copies=_RUN_COPIES)


def _load(source: str) -> tuple[Any, dict[str, np.ndarray] | None, dict[str, Any]]:
    if source.startswith("gen:"):
        return parse_generator(source)
    from ..spec import load_spec

    problem = load_spec(source)
    return problem, None, {"kind": problem.kind, "B": 1}


def _progress(enabled: bool) -> Any:
    if not enabled:
        return None, None
    try:
        from tqdm import tqdm
    except ImportError:  # pragma: no cover
        return None, None
    bar = tqdm(total=None, file=sys.stderr, unit="inst", leave=False)

    def cb(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()

    return cb, bar


def run(args: argparse.Namespace) -> int:
    from ..batch import inits, solvers
    from ..batch.outcomes import classify_runs, global_values

    if args.inits < 1 or args.inits > 100_000:
        raise InputError(f"--inits must be in [1, 100000], got {args.inits}")
    if args.max_iter < 0:
        raise InputError(f"--max-iter must be >= 0, got {args.max_iter}")
    if not 0 < args.alpha < np.inf:
        raise InputError(f"--alpha must be finite and > 0, got {args.alpha}")
    if args.seed < 0:
        raise InputError(f"--seed must be >= 0, got {args.seed}")
    for name, value in (("--gtol", args.gtol), ("--ftol", args.ftol)):
        if not 0 <= value < np.inf:
            raise InputError(f"{name} must be finite and >= 0, got {value}")
    if not 0 < args.t_final < np.inf:
        raise InputError(f"--t-final must be finite and > 0, got {args.t_final}")
    for dl in args.delta:
        if not 0 <= dl < np.inf:
            raise InputError(f"--delta must be finite and >= 0, got {dl}")
    check_plot_path(args.plot)
    problem, data, params = _load(args.source)
    B = int(params.get("B", 1))
    K = args.inits
    if B * K > 10_000_000:
        raise InputError(f"B × K = {B * K} runs is too many (limit 10,000,000)")
    _check_size(B * K * sum(int(np.prod(s)) for s in problem.variables.values()),
                f"B × K × (variables) for B = {B}, K = {K}")
    if args.init == "small":
        x0 = inits.small_random(problem, B, K, args.alpha, seed=args.seed)
    elif args.init == "imbalanced":
        x0 = inits.imbalanced(problem, B, K, args.alpha, seed=args.seed)
    elif args.init == "spectral":
        d = data if data is not None else {
            k: np.asarray(v, dtype=np.float64)[None] for k, v in problem.data.items()
            if isinstance(v, np.ndarray)}
        x0 = inits.spectral(problem, d, K, noise=args.alpha, seed=args.seed)
    else:
        widths = [s[-1] for s in problem.variables.values()]
        x0 = inits.rank_deficient(problem, B, K, max(1, min(widths) - 1), alpha=args.alpha,
                                  seed=args.seed)
    if args.step == "armijo":
        step: Any = solvers.Armijo()
    else:
        try:
            step = float(args.step)
        except ValueError:
            raise InputError(f"--step must be a number or 'armijo', got {args.step!r}") from None
    dtype = np.float32 if args.float32 else np.float64
    cb, bar = _progress(sys.stderr.isatty() and not args.json)
    common: dict[str, Any] = {"data": data, "dtype": dtype, "chunk": None, "progress": cb,
                              "thresholds": args.delta}
    try:
        if args.method == "gradient_flow":
            t_eval = np.linspace(0.0, args.t_final, 101)
            res = solvers.solve(problem, x0, method="gradient_flow", t_eval=t_eval,
                                budget=args.budget, **common)
        else:
            every = max(1, args.max_iter // 100) if args.plot else 0
            res = solvers.solve(problem, x0, method=args.method, step=step,
                                max_iter=args.max_iter, gtol=args.gtol, record_every=every,
                                budget=args.budget, **common)
    finally:
        if bar is not None:
            bar.close()
    try:
        fg = global_values(problem, data)
        f_global: Any = fg[:, None] if fg.size > 1 else float(fg[0])
    except NonFiniteError:  # f* overflows: no honest classification
        raise
    except InputError:  # no closed-form optimum: report stationary / stalled / diverged only
        fg, f_global = None, -np.inf
    out = classify_runs(res, f_global=f_global, ftol=args.ftol, gtol=max(args.gtol, 1e-8),
                        problem=problem)
    summary = _summary(args, params, res, out, B, K)
    if fg is None:
        summary["note"] = ("no closed-form optimal value for this problem kind: runs are "
                           "labelled stationary_unmatched / stalled / diverged only")
    if args.plot:
        from ..plot import plot_sweep

        fstar = None if fg is None else f_global
        summary["plot"] = write_plot(args.plot, lambda: plot_sweep(res, out, f_global=fstar))
    if args.json:
        print_json(summary)
    else:
        rows = [[label, c, f"{c / (B * K):.3f}"] for label, c in sorted(out.counts.items())]
        print(f"{args.method} on {params.get('kind')} (B={B} instances × K={K} inits, "
              f"{res.options.get('dtype')}) in {res.seconds:.2f}s")
        print(table(rows, ["outcome", "runs", "fraction"]))
        it = summary["iterations"]
        print(f"iterations: median {it['median']}, max {it['max']}; "
              f"final f: median {summary['final_f']['median']:.3e}")
        for d, v in summary["T"].items():
            print(f"T({d}): {v}")
    return 0


def _summary(args: argparse.Namespace, params: dict[str, Any], res: Any, out: Any, B: int,
             K: int) -> dict[str, Any]:
    f = res.f[np.isfinite(res.f)]
    return {
        "source": args.source, "generator": params, "method": args.method, "init": args.init,
        "alpha": args.alpha, "step": args.step, "B": B, "K": K, "runs": B * K,
        "dtype": res.options.get("dtype"), "seconds": round(res.seconds, 3),
        "counts": out.counts, "solver_status": res.counts(),
        "iterations": {"median": float(np.median(res.iterations)),
                       "max": int(res.iterations.max())},
        "final_f": {"median": float(np.median(f)) if f.size else float("nan"),
                    "max": float(f.max()) if f.size else float("nan")},
        "T": out.to_json()["T"],
    }
