"""Certificates: interval (Krawczyk) and exact proofs about stationary points, and JSON files

Implementation package: import its public names from :mod:`mfverify` (docs/api.md, "Public
and implementation modules"); its module paths may change without deprecation.
that anyone can re-check with ``mfverify certify FILE``.

* :func:`derive` -- f, ∇f, ∇²f of a problem as exact SymPy polynomials (from its objective);
* :func:`krawczyk`, :func:`prove_stationary_box` -- a true zero of ∇f in a small box;
* :func:`ball_inertia`, :func:`exact_inertia` -- certified Hessian inertia;
* :func:`check_certificate`, :func:`write_certificate` -- the certificate file format.
"""

from __future__ import annotations

from ._poly import PolySystem as PolySystem
from ._poly import derive as derive
from ._poly import exact_to_arb as exact_to_arb
from ._poly import working_precision as working_precision
from .boxes import BoxProof as BoxProof
from .boxes import krawczyk as krawczyk
from .boxes import prove_stationary_box as prove_stationary_box
from .boxes import refine_stationary as refine_stationary
from .files import FORMAT as FORMAT
from .files import VERSION as VERSION
from .files import CertificateFormatError as CertificateFormatError
from .files import CheckResult as CheckResult
from .files import check_certificate as check_certificate
from .files import load_certificate as load_certificate
from .files import point_box as point_box
from .files import point_exact as point_exact
from .files import write_certificate as write_certificate
from .inertia import Inertia as Inertia
from .inertia import ball_inertia as ball_inertia
from .inertia import exact_eigenvalues as exact_eigenvalues
from .inertia import exact_inertia as exact_inertia
from .inertia import least_root_check as least_root_check

__all__ = ["PolySystem", "derive", "exact_to_arb", "working_precision", "BoxProof", "krawczyk",
           "prove_stationary_box", "refine_stationary", "FORMAT", "VERSION",
           "CertificateFormatError", "CheckResult", "check_certificate", "load_certificate",
           "point_box", "point_exact", "write_certificate", "Inertia", "ball_inertia",
           "exact_eigenvalues", "exact_inertia", "least_root_check"]
