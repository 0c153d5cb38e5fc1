"""Claims, hypotheses, verdicts and evidence: the data model of ``mfverify check``.

A :class:`Claim` is a paper's statement made executable: an id (``li2019.stationary-points``), a
source (paper, theorem/equation), structured citations
(:class:`~mfverify.claims.citations.Citation`: a key of ``docs/references.bib`` and a
locator) with a provenance level (:class:`~mfverify.claims.citations.Provenance`), a statement
in text and LaTeX, hypotheses that can be checked (and dropped, to show they are needed), and a
``run`` function that computes evidence and returns an :class:`Outcome`.

Verdicts (the product; never inflate them):

* ``PROVED``: exact algebra or interval-certified computation.
* ``SUPPORTED``: numerical evidence; the evidence states tolerance and instance count.
* ``REFUTED``: a counterexample that re-checks exactly or with certified bounds.
* ``INCONCLUSIVE``: budget exhausted, ill-conditioned, unsupported, or the run errored.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..results import ResultMixin, Verdict, json_reader
from .citations import Citation, Provenance

__all__ = ["Verdict", "Outcome", "Hypothesis", "Claim", "RunContext", "ClaimResult"]


@dataclass
class Outcome:
    """What a claim's run function returns: the verdict, the evidence and a one-line summary.

    ``evidence`` is JSON-serializable: what was computed and how (method, sizes, tolerances,
    instance counts, seeds). Run time is added by the runner.
    """

    verdict: Verdict
    evidence: dict[str, Any]
    summary: str = ""

    def __post_init__(self) -> None:
        self.verdict = Verdict(self.verdict)
        if self.verdict is Verdict.SUPPORTED:
            missing = [k for k in ("tolerance", "instances") if k not in self.evidence]
            if missing:
                raise ValueError(f"a SUPPORTED outcome must state {missing} in its evidence")


@dataclass(frozen=True)
class Hypothesis:
    """A hypothesis of a theorem: a name, its statement, and what dropping it means.

    ``check`` (optional) evaluates the hypothesis on an instance (used by ``mfverify
    conditions``) and returns ``(holds, margin_text)``.
    """

    name: str
    statement: str
    when_dropped: str = ""
    check: Callable[..., tuple[bool, str]] | None = None


@dataclass(frozen=True)
class RunContext:
    """How a claim is run: the profile, the hypotheses dropped, the seed."""

    profile: str = "quick"
    dropped: frozenset[str] = frozenset()
    seed: int = 20211227
    options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def quick(self) -> bool:
        return self.profile == "quick"

    def dropping(self, name: str) -> bool:
        return name in self.dropped


@dataclass(frozen=True)
class Claim:
    """An executable claim.

    Attributes
    ----------
    id
        Dotted id, ``paper.short-name``.
    paper
        Paper key: ``foundations``, ``li2019``, ``yedu2021``, ``eftekhari2021``,
        ``mohammadi2024``, ``related``, ``cross`` or a user key.
    source
        Where the statement comes from, in words (paper, theorem / equation).
    statement, latex
        The statement in words and in LaTeX.
    run
        ``run(ctx: RunContext) -> Outcome``.
    expected
        The verdict the catalog expects (e.g. ``REFUTED`` for a misprinted equation). A result
        equal to it is shown "as expected"; any other verdict (or an error) fails ``mfverify
        check`` (see :meth:`ClaimResult.departure`; ``--allow-inconclusive`` tolerates an
        INCONCLUSIVE).
    predictions
        Prediction ids covered (``L-P1``, ``Y-P4``, ...; defined in ``docs/predictions.md``).
    cites
        Structured citations, the primary source first (keys of ``docs/references.bib``).
    provenance
        How the statement relates to the source: stated, reconstructed, derived or numerical
        (``docs/claims.md``); None for a user claim that does not say.
    instance_run
        ``instance_run(problem, ctx) -> Outcome``: the conclusion on a user's instance.
    """

    id: str
    paper: str
    source: str
    statement: str
    run: Callable[[RunContext], Outcome]
    latex: str = ""
    hypotheses: tuple[Hypothesis, ...] = ()
    conclusion: str = ""
    expected: Verdict = Verdict.PROVED
    predictions: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    #: Optional ``instance_run(problem, ctx) -> Outcome``: the theorem's conclusion checked on a
    #: user's instance (used by ``mfverify conditions`` once every hypothesis holds there).
    instance_run: Callable[..., Outcome] | None = None
    cites: tuple[Citation, ...] = ()
    provenance: Provenance | None = None

    @property
    def citation_text(self) -> str:
        """The citations in words (``"Ye & Du 2021, eq. (12)"``), ``;``-separated."""
        return "; ".join(str(c) for c in self.cites)

    def hypothesis(self, name: str) -> Hypothesis:
        for h in self.hypotheses:
            if h.name == name:
                return h
        raise KeyError(name)


@dataclass
class ClaimResult(ResultMixin):
    """The result of running one claim (what ``--json`` and reports show).

    ``from_json`` rebuilds a result of a catalog claim (the claim is looked up by its id).
    """

    claim: Claim
    verdict: Verdict
    evidence: dict[str, Any]
    summary: str
    seconds: float
    dropped: tuple[str, ...] = ()
    error: str | None = None

    def __post_init__(self) -> None:
        self.verdict = Verdict(self.verdict)

    @property
    def as_expected(self) -> bool:
        return self.verdict == self.claim.expected and not self.dropped

    def _title(self) -> str:
        mark = "as expected" if self.as_expected else f"expected {self.claim.expected}"
        return f"{self.claim.id}: {self.verdict} ({mark})"

    def _repr_items(self) -> list[tuple[str, Any]]:
        return [("claim", self.claim.id), ("as_expected", self.as_expected)]

    def _rows(self) -> list[tuple[str, Any]]:
        rows: list[tuple[str, Any]] = [("summary", self.summary), ("source", self.claim.source)]
        if self.claim.cites:
            rows.append(("cites", self.claim.citation_text))
        if self.dropped:
            rows.append(("dropped", ", ".join(self.dropped)))
        if self.error:
            rows.append(("error", self.error))
        rows += [(str(k), v) for k, v in self.evidence.items()
                 if isinstance(v, (str, int, float, bool)) and k != "seconds"]
        return rows + [("seconds", round(self.seconds, 3))]

    @classmethod
    @json_reader("ClaimResult JSON")
    def from_json(cls, data: Mapping[str, Any]) -> ClaimResult:
        """The result that :meth:`to_json` wrote (the claim is looked up in the catalog)."""
        from .registry import get_claim

        return cls(claim=get_claim(str(data["id"])), verdict=Verdict(data["verdict"]),
                   evidence=dict(data["evidence"]), summary=str(data["summary"]),
                   seconds=float(data["seconds"]), dropped=tuple(data["dropped"]),
                   error=data.get("error"))

    def departure(self, *, allow_inconclusive: bool = False) -> str | None:
        """Why this result fails ``mfverify check``, or None when it does not.

        A result departs from the catalog when the run raised (always), or, with no hypothesis
        dropped, when its verdict differs from the claim's ``expected`` verdict: an expected
        REFUTED (a registered misprint) that comes back PROVED, an expected PROVED or SUPPORTED
        that comes back INCONCLUSIVE, REFUTED, or any other verdict. With
        ``allow_inconclusive`` a non-errored INCONCLUSIVE is tolerated (never an errored run,
        never a changed decisive verdict). A run with a hypothesis dropped has no expected
        verdict (showing the verdict change is its point): only an error fails it.
        """
        if self.error is not None:
            return f"errored: {self.error}"
        if self.dropped or self.verdict == self.claim.expected:
            return None
        if allow_inconclusive and self.verdict is Verdict.INCONCLUSIVE:
            return None
        return f"expected {self.claim.expected}, got {self.verdict}"

    @property
    def failed(self) -> bool:
        """What makes ``mfverify check`` exit 1 in its default (strict) mode: see
        :meth:`departure`."""
        return self.departure() is not None

    def to_json(self) -> dict[str, Any]:
        c = self.claim
        return {
            "id": c.id,
            "paper": c.paper,
            "source": c.source,
            "statement": c.statement,
            "latex": c.latex,
            "predictions": list(c.predictions),
            "cites": [x.to_json() for x in c.cites],
            "provenance": None if c.provenance is None else str(c.provenance),
            "hypotheses": [{"name": h.name, "statement": h.statement} for h in c.hypotheses],
            "dropped": list(self.dropped),
            "expected": str(c.expected),
            "verdict": str(self.verdict),
            "as_expected": self.as_expected,
            "summary": self.summary,
            "evidence": self.evidence,
            "seconds": round(self.seconds, 3),
            "error": self.error,
        }
