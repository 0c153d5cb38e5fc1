"""Flows and maps at arbitrary precision near saddles and spurious stationary points.

* :func:`integrate`: adaptive Taylor integration of polynomial flows (gradient flows of every
  problem, primal-dual flows, user fields) with a global error estimate;
* :mod:`~mfverify.flow.maps`: GD, alternating GD, primal-dual iterations at any precision;
* :mod:`~mfverify.flow.events`: hitting times located to working precision;
* :mod:`~mfverify.flow.invariants`: singular values, rank, imbalance, Schur complement monitors;
* :mod:`~mfverify.flow.experiments`: trap and escape experiments;
* :func:`integrate_validated` (:mod:`~mfverify.flow.validated`): rigorous enclosures in ball
  arithmetic, with statuses in :class:`FlowStatus`.
"""

from __future__ import annotations

from .events import ball_entry as ball_entry
from .events import ball_exit as ball_exit
from .events import hitting_time as hitting_time
from .events import objective_below as objective_below
from .events import residual_below as residual_below
from .experiments import escape as escape
from .experiments import trap as trap
from .integrate import Event as Event
from .integrate import EventHit as EventHit
from .integrate import FlowPoint as FlowPoint
from .integrate import FlowResult as FlowResult
from .integrate import VectorField as VectorField
from .integrate import as_field as as_field
from .integrate import descent_ascent_field as descent_ascent_field
from .integrate import exact_point as exact_point
from .integrate import field_value as field_value
from .integrate import gradient_field as gradient_field
from .integrate import integrate as integrate
from .integrate import primal_dual_field as primal_dual_field
from .integrate import vector_field as vector_field
from .invariants import monitor as monitor
from .maps import iterate_map as iterate_map
from .status import FlowStatus as FlowStatus
from .validated import integrate_validated as integrate_validated

__all__ = [
    "Event", "EventHit", "FlowPoint", "FlowResult", "VectorField", "as_field",
    "descent_ascent_field", "exact_point", "field_value", "gradient_field", "integrate",
    "primal_dual_field", "vector_field", "ball_entry", "ball_exit", "hitting_time",
    "objective_below", "residual_below", "escape", "trap", "monitor", "iterate_map",
    "FlowStatus", "integrate_validated",
]
