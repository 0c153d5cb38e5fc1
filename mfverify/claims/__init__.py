"""The claims layer: executable theorems with verdicts and evidence.

Implementation package: import its public names from :mod:`mfverify` (docs/api.md, "Public
and implementation modules"); its module paths may change without deprecation.
"""

from __future__ import annotations

from .citations import Citation as Citation
from .citations import Provenance as Provenance
from .citations import cite as cite
from .model import Claim as Claim
from .model import ClaimResult as ClaimResult
from .model import Hypothesis as Hypothesis
from .model import Outcome as Outcome
from .model import RunContext as RunContext
from .model import Verdict as Verdict
from .registry import all_claims as all_claims
from .registry import claim as claim
from .registry import get_claim as get_claim
from .registry import select as select
from .runner import run_claim as run_claim
from .runner import run_claims as run_claims
from .runner import summarize as summarize

__all__ = ["Citation", "Provenance", "cite", "Claim", "ClaimResult", "Hypothesis", "Outcome",
           "RunContext", "Verdict",
           "all_claims", "claim", "get_claim", "select", "run_claim", "run_claims", "summarize"]
