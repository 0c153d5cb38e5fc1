"""How a flow run ended: :class:`mfverify.results.FlowStatus`, shared by the Taylor
integrator, maps and the validated integrator (:mod:`mfverify.flow.validated`).

Only ``DONE`` means every requested time has an enclosure; every other status of a validated
run stops it at the last validated step (the enclosures up to there stay valid), with a message
saying why.
"""

from __future__ import annotations

from ..results import FlowStatus

__all__ = ["FlowStatus"]
