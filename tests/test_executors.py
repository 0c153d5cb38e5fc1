"""``run_claims(executor=...)`` on any concurrent.futures.Executor (a process pool, a Dask
LocalCluster's executor), and problems that pickle after use (#14 item 5)."""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing as mp
import pickle
from typing import Any

import numpy as np
import pytest

from mfverify.claims import get_claim
from mfverify.claims.model import RunContext, Verdict
from mfverify.claims.runner import run_claims
from mfverify.problems import CustomProblem

IDS = ["related.gjz-identity", "yedu2021.ct-b-identity-corrected",
       "yedu2021.ct-b-identity-as-printed"]


def _key(results: list[Any]) -> list[tuple[str, str, str]]:
    return [(r.claim.id, r.verdict.value, r.summary) for r in results]


@pytest.fixture(scope="module")
def serial() -> list[Any]:
    res = run_claims([get_claim(i) for i in IDS], RunContext())
    assert not any(r.error for r in res)
    return res


def test_run_claims_on_a_process_pool(serial: list[Any]) -> None:
    seen: list[str] = []
    with cf.ProcessPoolExecutor(max_workers=2, mp_context=mp.get_context("spawn")) as ex:
        res = run_claims([get_claim(i) for i in IDS], RunContext(),
                         progress=lambda c, r: seen.append(c.id) if r else None, executor=ex)
    assert _key(res) == _key(serial)  # same order, verdicts and summaries
    assert sorted(seen) == sorted(IDS)


def test_run_claims_on_a_dask_local_cluster(serial: list[Any]) -> None:
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        res = run_claims([get_claim(i) for i in IDS], RunContext(),
                         executor=client.get_executor())
    assert _key(res) == _key(serial)


class _Broken(cf.Executor):
    """An executor whose every task fails, as on a lost worker."""

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> cf.Future[Any]:
        fut: cf.Future[Any] = cf.Future()
        fut.set_exception(RuntimeError("worker lost"))
        return fut


def test_a_failed_task_is_an_errored_inconclusive_never_a_pass() -> None:
    (res,) = run_claims([get_claim(IDS[0])], RunContext(), executor=_Broken())
    assert res.verdict is Verdict.INCONCLUSIVE and "worker lost" in (res.error or "")


def _objective(A: Any, x: Any) -> Any:
    return (x["u"][0] * x["u"][1] - A.const(1)) ** 2


@pytest.mark.parametrize("objective", ["norm(X*X.T - M)**2", "sympy", "callable"])
def test_custom_problem_pickles_after_its_derivatives_were_evaluated(objective: str) -> None:
    import sympy as sp

    if objective == "sympy":
        p = CustomProblem({"X": [2, 1]}, (sp.Symbol("X_0_0") * sp.Symbol("X_1_0") - 1) ** 2
                          + sp.Symbol("X_0_0") ** 4 / 3)
    elif objective == "callable":
        p = CustomProblem({"u": [2]}, _objective)
    else:
        p = CustomProblem({"X": [2, 1]}, objective, data={"M": [[1, 0], [0, "1/2"]]},
                          symmetry={"group": "O", "variables": ["X"]})
    name = next(iter(p.variables))
    x = {name: np.array([[0.7], [-1.3]]) if name == "X" else np.array([0.7, -1.3])}
    before = (p.value(x), p.grad(x), p.hessian_matrix(x), p.value(x, "exact"))
    q = pickle.loads(pickle.dumps(p))
    after = (q.value(x), q.grad(x), q.hessian_matrix(x), q.value(x, "exact"))
    assert before[0] == after[0] and before[3] == after[3]
    assert np.array_equal(before[1][name], after[1][name])
    assert np.array_equal(before[2], after[2])
    if objective != "callable":
        assert q.to_spec() == p.to_spec()
    else:
        assert q.callable is _objective
