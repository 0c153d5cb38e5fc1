"""Check hand derivations: gradients, Hessians, Hessian-vector products and identities.

Exact mode (a size bound from the index structure, exact evaluation at points up to it, then
entries as independent symbols: PROVED for every size when the size-bound theorem applies,
else for the sizes checked, or REFUTED with a minimal counterexample and a diagnosis) and
numeric mode (Taylor-remainder tests at any size). See ``docs/derivations.md``.

>>> from mfverify import SymmetricMF
>>> from mfverify.derivation import check_gradient
>>> print(check_gradient(SymmetricMF([[1, 0], [0, 0]], rank=1), "(X*X.T - M)*X").verdict)
PROVED
"""

from __future__ import annotations

from ._instances import directional as directional
from ._instances import gradient_of as gradient_of
from ._poly import Backend as ExactBackend
from .api import NumericResult as NumericResult
from .api import check_gradient as check_gradient
from .api import check_hessian as check_hessian
from .api import check_hvp as check_hvp
from .diagnose import diagnose as diagnose
from .exact import ExactResult as ExactResult
from .exact import Structure as Structure
from .exact import structured_matrix as structured_matrix
from .identities import check_identity as check_identity
from .matrixcalc import Derivation as Derivation
from .taylor import TaylorCheck as TaylorCheck
from .taylor import TaylorStatus as TaylorStatus
from .taylor import checkgradient as checkgradient
from .taylor import checkhessian as checkhessian
from .taylor import taylor_check_gradient as taylor_check_gradient
from .taylor import taylor_check_hessian as taylor_check_hessian

__all__ = ["Derivation", "ExactBackend", "gradient_of", "directional", "check_gradient",
           "check_hessian", "check_hvp", "check_identity", "diagnose", "ExactResult",
           "NumericResult", "Structure", "structured_matrix", "TaylorCheck", "TaylorStatus",
           "taylor_check_gradient", "taylor_check_hessian", "checkgradient", "checkhessian"]
