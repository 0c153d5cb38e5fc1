"""The batch engine: vectorized solvers over many instances and initializations at once.

Implementation package: import its public names from :mod:`mfverify` (docs/api.md, "Public
and implementation modules"); its module paths may change without deprecation.

Modules: :mod:`.solvers` (the solvers by name, re-exporting them and their helpers),
:mod:`.run` (the result :class:`BatchRun`, status codes), :mod:`.blocks` (preparation, cache
blocking, evaluation), :mod:`.iterate` (the GD-family driver, Armijo), :mod:`.descent` (GD,
scaled GD, alternating GD), :mod:`.flow` (gradient flow), :mod:`.gda` (primal-dual),
:mod:`.inits` (initializations), :mod:`.generators` (seeded random instances),
:mod:`.outcomes` (per-run outcome classes, T(δ)), :mod:`.rates` (rate fits).
"""

from __future__ import annotations

from .solvers import STATUS as STATUS
from .solvers import Armijo as Armijo
from .solvers import BatchRun as BatchRun
from .solvers import alternating_gd as alternating_gd
from .solvers import gd as gd
from .solvers import gradient_flow as gradient_flow
from .solvers import primal_dual as primal_dual
from .solvers import scaled_gd as scaled_gd
from .solvers import solve as solve

__all__ = ["STATUS", "Armijo", "BatchRun", "alternating_gd", "gd", "gradient_flow",
           "primal_dual", "scaled_gd", "solve"]
