"""The claim registry: ``@claim(...)`` registers a run function; the catalog is discovered by
importing the modules of :mod:`proofs_checks` (and any user module named on the command line)."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from ..errors import InputError, MfverifyError
from ..inputs import read_user_file
from .citations import Citation, Provenance, bibtex
from .model import Claim, Hypothesis, Outcome, RunContext, Verdict

__all__ = ["claim", "register", "all_claims", "get_claim", "select", "load_catalog",
           "load_user_module"]

_REGISTRY: dict[str, Claim] = {}


def register(c: Claim) -> Claim:
    """Add a claim to the registry (ids are unique; re-registering the same id replaces it)."""
    _REGISTRY[c.id] = c
    return c


def claim(
    id: str,
    *,
    paper: str,
    source: str,
    statement: str,
    latex: str = "",
    hypotheses: Iterable[Hypothesis] = (),
    conclusion: str = "",
    expected: Verdict | str = Verdict.PROVED,
    predictions: Iterable[str] = (),
    tags: Iterable[str] = (),
    instance_run: Callable[..., Outcome] | None = None,
    cites: Citation | Iterable[Citation] = (),
    provenance: Provenance | str | None = None,
) -> Callable[[Callable[[RunContext], Outcome]], Callable[[RunContext], Outcome]]:
    """Decorator registering ``run(ctx) -> Outcome`` as claim ``id``.

    ``cites`` (one :class:`~mfverify.claims.citations.Citation` or several, the primary source
    first) must name keys of ``references.bib``; ``provenance`` is one of ``stated``,
    ``reconstructed``, ``derived``, ``numerical`` (``docs/claims.md``). A bad key or level is an
    :class:`~mfverify.errors.InputError`.
    """
    cites_t = (cites,) if isinstance(cites, Citation) else tuple(cites)
    for c in cites_t:
        bibtex(c.key)
    try:
        prov = None if provenance is None else Provenance(provenance)
    except ValueError:
        raise InputError(f"claim {id!r}: unknown provenance {provenance!r}; one of "
                         f"{', '.join(p.value for p in Provenance)}") from None

    def deco(fn: Callable[[RunContext], Outcome]) -> Callable[[RunContext], Outcome]:
        register(
            Claim(
                id=id, paper=paper, source=source, statement=statement, run=fn, latex=latex,
                hypotheses=tuple(hypotheses), conclusion=conclusion, expected=Verdict(expected),
                predictions=tuple(predictions), tags=tuple(tags),
                instance_run=instance_run, cites=cites_t, provenance=prov,
            )
        )
        return fn

    return deco


_IMPORT_FAILURES: dict[str, str] = {}


def load_catalog() -> None:
    """Import every module of the built-in catalog (idempotent).

    A module that fails to import does not hide the rest of the catalog: it is registered as
    an errored claim ``catalog-import.<module>`` (so ``mfverify check`` reports it and exits 1).
    """
    import proofs_checks

    for name in proofs_checks.module_names():
        if name in sys.modules or name in _IMPORT_FAILURES:
            continue
        try:
            importlib.import_module(name)
        except Exception as exc:  # noqa: BLE001 - reported as an errored claim
            message = f"{type(exc).__name__}: {exc}"
            _IMPORT_FAILURES[name] = message
            register(_import_failure_claim(name, message))


def _import_failure_claim(module: str, message: str) -> Claim:
    def run(ctx: RunContext) -> Outcome:
        raise ImportError(f"claims module {module} failed to import: {message}")

    return Claim(id=f"catalog-import.{module.rsplit('.', 1)[-1]}", paper="catalog",
                 source=module, statement=f"the claims module {module} imports", run=run)


#: Largest claims module file accepted (bytes).
MAX_MODULE_BYTES = 5_000_000


def load_user_module(path_or_module: str) -> None:
    """Import a user's claim module, given as a file path or a dotted module name.

    A path must name a regular ``.py`` file (a directory, FIFO or device is refused without
    reading it). The module is the user's code: an exception while importing it (a syntax error,
    a failing registration) is reported as :class:`InputError` naming the module, not as an
    internal error of mfverify.
    """
    p = Path(path_or_module)
    if p.suffix == ".py":
        source = read_user_file(p, "claims module", MAX_MODULE_BYTES)
        spec = importlib.util.spec_from_file_location(f"mfverify_user_{p.stem}", p)
        if spec is None or spec.loader is None:
            raise InputError(f"cannot import claims module {path_or_module!r}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        try:
            exec(compile(source, str(p), "exec"), module.__dict__)  # noqa: S102 - user's module
        except MfverifyError:
            raise
        except Exception as exc:  # noqa: BLE001 - the user's code failed, not mfverify
            sys.modules.pop(spec.name, None)
            raise InputError(f"claims module {path_or_module!r} failed to import: "
                             f"{type(exc).__name__}: {exc}") from exc
        return
    try:
        importlib.import_module(path_or_module)
    except MfverifyError:
        raise
    except ImportError as exc:
        raise InputError(f"cannot import claims module {path_or_module!r}: {exc}") from exc
    except Exception as exc:  # noqa: BLE001 - the user's code failed, not mfverify
        raise InputError(f"claims module {path_or_module!r} failed to import: "
                         f"{type(exc).__name__}: {exc}") from exc


def all_claims() -> list[Claim]:
    """Every registered claim (the built-in catalog and loaded user modules), sorted by id."""
    load_catalog()
    return sorted(_REGISTRY.values(), key=lambda c: c.id)


def get_claim(claim_id: str) -> Claim:
    """The claim with id ``claim_id``; :class:`~mfverify.errors.InputError` when there is none."""
    load_catalog()
    try:
        return _REGISTRY[claim_id]
    except KeyError:
        raise InputError(f"unknown claim id {claim_id!r}; see `mfverify list`") from None


def select(selectors: Iterable[str] = ()) -> list[Claim]:
    """Claims matching ids, id prefixes or paper keys (all claims when no selector)."""
    claims = all_claims()
    sel = list(selectors)
    if not sel:
        return claims
    out: list[Claim] = []
    for s in sel:
        matched = [c for c in claims if c.id == s or c.paper == s or c.id.startswith(s + ".")
                   or s in c.predictions]
        if not matched:
            raise InputError(f"no claim matches {s!r}; see `mfverify list`")
        out.extend(c for c in matched if c not in out)
    return out


def _reset_for_tests() -> dict[str, Any]:  # pragma: no cover - test helper
    return dict(_REGISTRY)
