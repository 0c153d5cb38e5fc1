"""How a validated flow run ended (local enum; a shared status base may replace ``Enum``)."""

from __future__ import annotations

from enum import Enum

__all__ = ["FlowStatus"]


class FlowStatus(Enum):
    """The end state of :func:`mfverify.flow.validated.integrate_validated`.

    Only ``DONE`` means every requested time has an enclosure; every other status stops the run
    at the last validated step (the enclosures up to there stay valid) with a message saying why.
    """

    #: every requested time is enclosed
    DONE = "done"
    #: no a-priori enclosure passed the Picard test even after halving the step many times:
    #: a finite-time blow-up ahead, or a field too stiff for an explicit Taylor enclosure
    PICARD_FAILED = "picard-failed"
    #: the state grew beyond 2^64 times its initial size (a finite-time singularity)
    BLOW_UP = "blow-up"
    #: the enclosure radius exceeded the allowed maximum (it is never widened silently)
    WIDTH_EXCEEDED = "width-exceeded"
    #: a ball became non-finite (overflow of the ball arithmetic)
    NONFINITE = "nonfinite"
    #: the step limit was reached
    MAX_STEPS = "max-steps"
    #: the time budget ran out (checked between steps)
    BUDGET = "budget"

    @property
    def ok(self) -> bool:
        return self is FlowStatus.DONE
