"""Seeded random instances for the batch engine (re-exported from
:mod:`mfverify.problems.generators`, where the problem families' sweep generators use them).

The generators live in the problem layer because each family's :meth:`Problem.generate` hook
builds its sweep instances with them; this module keeps the batch engine's import path.
"""

from __future__ import annotations

from ..problems.generators import GroundTruths as GroundTruths
from ..problems.generators import RectangularInstances as RectangularInstances
from ..problems.generators import SymmetricInstances as SymmetricInstances
from ..problems.generators import gaussian_sensing as gaussian_sensing
from ..problems.generators import ground_truths as ground_truths
from ..problems.generators import haar_orthogonal as haar_orthogonal
from ..problems.generators import rectangular_instances as rectangular_instances
from ..problems.generators import spectrum as spectrum
from ..problems.generators import symmetric_instances as symmetric_instances

__all__ = [
    "SymmetricInstances",
    "RectangularInstances",
    "GroundTruths",
    "haar_orthogonal",
    "spectrum",
    "symmetric_instances",
    "rectangular_instances",
    "ground_truths",
    "gaussian_sensing",
]
