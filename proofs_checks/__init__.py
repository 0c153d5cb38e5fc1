"""The claims catalog: one module per paper, each claim citing paper, theorem and equation.

Importing a module registers its claims (see :mod:`mfverify.claims.registry`). ``MODULES`` lists
the modules of the built-in catalog, in the order ``mfverify list`` shows them.
"""

MODULES: tuple[str, ...] = ("foundations",)
