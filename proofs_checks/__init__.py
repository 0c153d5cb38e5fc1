"""The claims catalog: one module (or subpackage) per paper, each claim citing paper, theorem
and equation.

Importing a module registers its claims (see :mod:`mfverify.claims.registry`). Every module
below this package is discovered automatically (``pkgutil.walk_packages``), so a new claims
module needs no registration; modules whose name starts with ``_`` are skipped.
"""

from __future__ import annotations

import pkgutil

__all__ = ["module_names"]


def module_names() -> list[str]:
    """Dotted names of every claims module of the built-in catalog, sorted."""
    names = []
    for info in pkgutil.walk_packages(__path__, prefix=f"{__name__}."):
        leaf = info.name.rsplit(".", 1)[-1]
        if not leaf.startswith("_"):
            names.append(info.name)
    return sorted(names)
