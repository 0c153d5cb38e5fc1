"""A theorem applied to the user's own instance (``mfverify conditions CLAIM_ID SPEC``).

A claim's hypotheses may carry a ``check`` callable (see :class:`~mfverify.claims.Hypothesis`).
:func:`evaluate_conditions` evaluates every such check on a :class:`~mfverify.problems.Problem`
and reports, for each hypothesis, whether it holds on that instance and by what margin. When all
of them hold and the claim has an ``instance_run(problem, ctx) -> Outcome``, it then runs the
theorem's conclusion on that instance and reports whether the conclusion came true.

Three answers per hypothesis
----------------------------
``check`` returns ``(holds, margin_text)`` where ``holds`` is

* ``True``: the hypothesis holds on the instance (the margin says by how much);
* ``False``: it fails (the margin says by how much);
* ``None``: it cannot be decided on the instance. This is the honest answer for a hypothesis
  whose constant the paper leaves as O(·) (Ye & Du Theorem 1.1's ε and η bounds): the check then
  reports the scale-free quantity the constant multiplies and says that the constant is
  unspecified. It is never replaced by an invented constant. It is also the answer when only
  bounds are known and they straddle the threshold (a restricted isometry constant with lower
  bound below and upper bound above ½).

Check signatures
----------------
``check(problem)`` or ``check(problem, params)``, where ``params`` is the mapping of extra
instance parameters given on the command line with ``--set NAME=VALUE`` (a step size, an
initialization scale, an initial point). A check that needs a parameter that was not given raises
:class:`~mfverify.errors.InputError` with a message naming it; a check that does not apply to
the kind of problem given raises :class:`~mfverify.errors.UnsupportedError`. Both become the
``None`` answer with the message as the margin, so one bad hypothesis does not hide the others.
A parameter that is malformed in itself (a ragged nested list, a boolean or a non-number where a
number is expected) is refused before any hypothesis runs (:func:`validate_params`): it is bad
input (CLI exit 2), not an undetermined hypothesis.

The conclusion
--------------
The conclusion runs only when every hypothesis holds (``all_hold is True``), unless ``force`` is
set, in which case it runs anyway and the result says that the hypotheses were not all
established (the outcome then tells nothing about the theorem). Its verdict maps to
``came_true``: PROVED or SUPPORTED -> ``True``, REFUTED -> ``False``, INCONCLUSIVE -> ``None``.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sympy as sp

from ..budget import Budget, as_budget
from ..errors import (
    BudgetExceeded,
    InputError,
    MfverifyError,
    NumberError,
    ShapeError,
    UnsupportedError,
)
from ..results import ResultMixin
from .model import Claim, Hypothesis, Outcome, RunContext, Verdict

if TYPE_CHECKING:
    from ..problems import Problem

__all__ = ["HypothesisStatus", "ConditionsResult", "evaluate_conditions", "call_check",
           "conditions_claims"]


@dataclass
class HypothesisStatus:
    """One hypothesis of a theorem evaluated on one instance."""

    name: str
    statement: str
    holds: bool | None
    margin: str
    checkable: bool = True
    error: str | None = None

    @property
    def status(self) -> str:
        """``"holds"``, ``"fails"``, ``"undetermined"`` or ``"not checkable"``."""
        if not self.checkable:
            return "not checkable"
        if self.holds is True:
            return "holds"
        if self.holds is False:
            return "fails"
        return "undetermined"

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "statement": self.statement, "status": self.status,
                "holds": self.holds, "margin": self.margin, "checkable": self.checkable,
                "error": self.error}


@dataclass
class ConditionsResult(ResultMixin):
    """What ``mfverify conditions`` reports for one claim on one instance.

    Attributes
    ----------
    claim
        The claim (theorem) whose hypotheses were evaluated.
    problem
        One-line description of the instance.
    hypotheses
        One :class:`HypothesisStatus` per hypothesis of the claim, in order.
    all_hold
        ``True`` when every hypothesis holds, ``False`` when at least one fails, ``None`` when
        none fails but at least one is undetermined or not checkable.
    conclusion
        The :class:`Outcome` of ``instance_run`` (``None`` when it was not run).
    conclusion_note
        Why the conclusion was or was not run.
    forced
        The conclusion was run although the hypotheses were not all established.
    """

    claim: Claim
    problem: str
    hypotheses: list[HypothesisStatus]
    all_hold: bool | None
    conclusion: Outcome | None = None
    conclusion_note: str = ""
    forced: bool = False
    seconds: float = 0.0
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def came_true(self) -> bool | None:
        """Whether the predicted conclusion came true on the instance (``None``: not run, or
        INCONCLUSIVE)."""
        if self.conclusion is None:
            return None
        v = self.conclusion.verdict
        if v in (Verdict.PROVED, Verdict.SUPPORTED):
            return True
        if v is Verdict.REFUTED:
            return False
        return None

    def _state(self) -> str:
        return {True: "every hypothesis holds", False: "a hypothesis fails",
                None: "undetermined"}[self.all_hold]

    def _title(self) -> str:
        return f"{self.claim.id}: {self._state()} (on {self.problem})"

    def _repr_items(self) -> list[tuple[str, Any]]:
        return [("claim", self.claim.id), ("hypotheses", len(self.hypotheses)),
                ("all_hold", self.all_hold)]

    def _rows(self) -> list[tuple[str, Any]]:
        rows: list[tuple[str, Any]] = [(h.name, f"{h.status}: {h.margin}" if h.margin
                                        else h.status) for h in self.hypotheses]
        if self.conclusion is not None:
            rows.append(("conclusion", f"{self.conclusion.verdict}: {self.conclusion.summary}"))
        if self.conclusion_note:
            rows.append(("note", self.conclusion_note))
        return rows + [("applies", self.applies), ("seconds", round(self.seconds, 3))]

    @property
    def applies(self) -> bool:
        """The theorem applies and its conclusion came true (what exit status 0 means)."""
        if self.all_hold is not True:
            return False
        if self.claim.instance_run is None:
            return True
        return self.came_true is True

    def to_json(self) -> dict[str, Any]:
        c = self.claim
        out: dict[str, Any] = {
            "claim": c.id,
            "paper": c.paper,
            "source": c.source,
            "statement": c.statement,
            "problem": self.problem,
            "params": {k: _param_text(v) for k, v in self.params.items()},
            "hypotheses": [h.to_json() for h in self.hypotheses],
            "all_hold": self.all_hold,
            "conclusion": None,
            "conclusion_note": self.conclusion_note,
            "forced": self.forced,
            "came_true": self.came_true,
            "applies": self.applies,
            "seconds": round(self.seconds, 3),
        }
        if self.conclusion is not None:
            out["conclusion"] = {"statement": c.conclusion or c.statement,
                                 "verdict": str(self.conclusion.verdict),
                                 "summary": self.conclusion.summary,
                                 "evidence": self.conclusion.evidence}
        return out


def _param_text(v: Any) -> Any:
    if isinstance(v, (str, int, bool)) or v is None:
        return v
    if isinstance(v, (list, tuple)):
        return [_param_text(x) for x in v]
    if isinstance(v, Mapping):
        return {str(k): _param_text(x) for k, x in v.items()}
    return str(v)


def _accepts_params(fn: Callable[..., Any]) -> bool:
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):  # pragma: no cover - builtins
        return False
    positional = [p for p in sig.parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    varargs = any(p.kind is p.VAR_POSITIONAL for p in sig.parameters.values())
    return varargs or len(positional) >= 2


def call_check(h: Hypothesis, problem: Any, params: Mapping[str, Any],
               budget: Budget | None = None) -> HypothesisStatus:
    """Evaluate one hypothesis on an instance (see the module docstring for the contract); a
    check still running when ``budget`` runs out is undetermined."""
    if h.check is None:
        return HypothesisStatus(h.name, h.statement, None,
                                "no check on an instance is available for this hypothesis",
                                checkable=False)
    try:
        with (budget or Budget(None)).alarm(f"checking hypothesis {h.name}"):
            out = h.check(problem, params) if _accepts_params(h.check) else h.check(problem)
    except BudgetExceeded as exc:
        return HypothesisStatus(h.name, h.statement, None, f"not determined: {exc}",
                                error=exc.one_line())
    except (InputError, UnsupportedError) as exc:
        return HypothesisStatus(h.name, h.statement, None, f"cannot evaluate: {exc}",
                                error=exc.one_line())
    if not (isinstance(out, tuple) and len(out) == 2):
        raise TypeError(f"check of hypothesis {h.name!r} returned {out!r}; expected "
                        "(holds, margin_text)")
    holds, margin = out
    if holds is not None:
        holds = bool(holds)
    return HypothesisStatus(h.name, h.statement, holds, str(margin))


def validate_params(params: Mapping[str, Any]) -> None:
    """Refuse malformed instance parameters with a typed error (:class:`ShapeError` for a
    ragged nested list, :class:`NumberError` for a leaf that is not an exact number)."""
    from ..numbers import parse_number

    for name, value in params.items():
        stack: list[tuple[Any, str]] = [(value, name)]
        while stack:
            v, where = stack.pop()
            if isinstance(v, Mapping):
                stack.extend((x, f"{where}[{k!r}]") for k, x in v.items())
            elif isinstance(v, (list, tuple)):
                kinds = {isinstance(x, (list, tuple)) for x in v}
                if len(kinds) > 1:
                    raise ShapeError(f"--set {where}: mixes numbers and lists; expected a "
                                     "rectangular nested list")
                lengths = {len(x) for x in v if isinstance(x, (list, tuple))}
                if len(lengths) > 1:
                    raise ShapeError(f"--set {where} is ragged: its rows have lengths "
                                     f"{sorted(lengths)}; expected a rectangular nested list")
                stack.extend((x, f"{where}[{k}]") for k, x in enumerate(v))
            elif v is None or isinstance(v, bool):
                raise NumberError(f"--set {where}: {v!r} is not a number")
            elif not isinstance(v, sp.Basic):
                parse_number(v)  # raises NumberError / NonFiniteError with the reason


def evaluate_conditions(
    claim: Claim,
    problem: Problem,
    *,
    params: Mapping[str, Any] | None = None,
    ctx: RunContext | None = None,
    run_conclusion: bool = True,
    force: bool = False,
    budget: float | Budget | None = None,
) -> ConditionsResult:
    """Evaluate a claim's hypotheses on ``problem`` and, if they all hold, its conclusion.

    Parameters
    ----------
    claim
        A registered claim whose hypotheses carry ``check`` callables.
    problem
        The instance (a :class:`~mfverify.problems.Problem`).
    params
        Extra instance parameters (``--set NAME=VALUE`` on the command line); passed to the
        checks that accept them and to ``instance_run`` as ``ctx.options``.
    ctx
        Profile and seed for ``instance_run`` (default quick profile).
    run_conclusion
        Run ``instance_run`` when every hypothesis holds (default ``True``).
    force
        Run ``instance_run`` even when not every hypothesis is established; the result is marked
        ``forced`` (it then says nothing about the theorem).
    budget
        Seconds (or a :class:`~mfverify.budget.Budget`; ``None``: no limit) for the hypothesis
        checks and the conclusion run together: a check still running at the deadline is
        undetermined, a conclusion run is INCONCLUSIVE.

    Returns
    -------
    ConditionsResult
    """
    params = dict(params or {})
    validate_params(params)
    if not any(h.check is not None for h in claim.hypotheses) and claim.instance_run is None:
        checkable = [c.id for c in conditions_claims()]
        raise UnsupportedError(
            f"claim {claim.id} has no hypothesis that can be checked on an instance; claims "
            f"that can: {', '.join(checkable) or 'none registered'}")
    t0 = time.perf_counter()
    B = as_budget(budget, "conditions")
    statuses = [call_check(h, problem, params, B) for h in claim.hypotheses]
    if any(s.holds is False for s in statuses):
        all_hold: bool | None = False
    elif all(s.holds is True for s in statuses):
        all_hold = True
    else:
        all_hold = None
    describe = getattr(problem, "describe", None)
    result = ConditionsResult(claim, describe() if callable(describe) else str(problem),
                              statuses, all_hold, params=params)
    base = ctx or RunContext()
    run_ctx = RunContext(base.profile, frozenset(), base.seed, {**dict(base.options), **params})
    if claim.instance_run is None:
        result.conclusion_note = "this claim has no instance run: only its hypotheses are checked"
    elif not run_conclusion:
        result.conclusion_note = "conclusion not run (asked not to)"
    elif all_hold is True or force:
        result.forced = all_hold is not True
        try:
            with B.alarm("running the conclusion"):
                out = claim.instance_run(problem, run_ctx)
        except (InputError, UnsupportedError) as exc:
            out = Outcome(Verdict.INCONCLUSIVE, {"error": exc.one_line()},
                          f"the conclusion could not be run on this instance: {exc}")
        except MfverifyError as exc:  # budget exceeded and friends
            out = Outcome(Verdict.INCONCLUSIVE, {"error": exc.one_line()},
                          f"the conclusion run stopped: {exc}")
        if not isinstance(out, Outcome):
            raise TypeError(f"instance_run of {claim.id} returned {type(out).__name__}, "
                            "not Outcome")
        result.conclusion = out
        if result.forced:
            result.conclusion_note = ("run with --force although the hypotheses are not all "
                                      "established: the outcome says nothing about the theorem")
        else:
            result.conclusion_note = "every hypothesis holds: the predicted conclusion was run"
    elif all_hold is False:
        failed = [s.name for s in statuses if s.holds is False]
        result.conclusion_note = (f"not run: hypothesis {', '.join(failed)} fails, so the "
                                  "theorem says nothing about this instance")
    else:
        open_ = [s.name for s in statuses if s.holds is not True]
        result.conclusion_note = (f"not run: hypothesis {', '.join(open_)} is undetermined on "
                                  "this instance (use --force to run the conclusion anyway)")
    result.seconds = time.perf_counter() - t0
    return result


def conditions_claims() -> list[Claim]:
    """Every registered claim that ``mfverify conditions`` can evaluate on an instance."""
    from .registry import all_claims

    return [c for c in all_claims()
            if c.instance_run is not None or any(h.check is not None for h in c.hypotheses)]
