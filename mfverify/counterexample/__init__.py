"""Counterexamples on demand: search, shrink, certify, re-check.

* :func:`maximize_violation` -- seeded random restarts + Nelder–Mead on a violation function,
  with a time budget (INCONCLUSIVE with the best candidate when it runs out);
* :func:`shrink_vector`, :func:`repair_affine`, :func:`simplify_number` -- make a candidate simple
  while the violation persists;
* :func:`run_target` and :data:`TARGETS` -- the built-in targets, each ending in a certificate
  re-checked by :func:`mfverify.certify.check_certificate`;
* :data:`CLAIM_TARGETS` -- (claim id, dropped hypothesis) -> target, used by
  ``mfverify counterexample CLAIM_ID --drop HYPOTHESIS``.
"""

from __future__ import annotations

from .completion import find_completion_spurious_min as find_completion_spurious_min
from .search import Candidate as Candidate
from .search import SearchResult as SearchResult
from .search import maximize_violation as maximize_violation
from .shrink import repair_affine as repair_affine
from .shrink import shrink_vector as shrink_vector
from .shrink import simplify_number as simplify_number
from .shrink import simplify_surd as simplify_surd
from .targets import TARGETS as TARGETS
from .targets import CounterexampleResult as CounterexampleResult
from .targets import find_constrained_ssp as find_constrained_ssp
from .targets import find_lifting_saddle as find_lifting_saddle
from .targets import find_unbalanced_saddles as find_unbalanced_saddles
from .targets import find_zsl_spurious_min as find_zsl_spurious_min
from .targets import run_target as run_target

#: (claim id, dropped hypothesis) -> built-in target name.
CLAIM_TARGETS: dict[tuple[str, str], str] = {
    ("related.zsl-rip-threshold", "rip-below-half"): "zsl-spurious-min",
    ("eftekhari2021.ssp-full-rank", "rank-deficient-start"): "constrained-ssp",
    ("li2019.balanced-saddle-curvature", "balanced"): "unbalanced-saddles",
    ("related.overparam-lifting", "overparametrized"): "lifting",
    ("gelema2016.sampling-necessary", "random-mask"): "completion-spurious-min",
}

__all__ = ["Candidate", "SearchResult", "maximize_violation", "repair_affine", "shrink_vector",
           "simplify_number", "simplify_surd", "TARGETS", "CounterexampleResult",
           "find_completion_spurious_min", "find_constrained_ssp", "find_lifting_saddle",
           "find_unbalanced_saddles",
           "find_zsl_spurious_min", "run_target", "CLAIM_TARGETS"]
