"""Executors: a local process pool and a Dask LocalCluster behind one concurrent.futures interface."""

from __future__ import annotations

import pytest

from mytorch.lab import LabError
from mytorch.lab.executors import cores, open_executor, plan_workers


def test_plan_workers_keeps_workers_times_threads_within_the_cores():
    n = cores()
    assert plan_workers("local", None, 1, None) == n
    assert plan_workers("local", None, n + 5, None) == 1
    assert plan_workers("local", 1, 1, None) == 1
    with pytest.raises(LabError, match=f"--workers {n + 1} x threads 1 per run exceeds the {n} cores"):
        plan_workers("local", n + 1, 1, None)
    with pytest.raises(LabError, match="exceeds"):
        plan_workers("dask", n, 2, None)
    assert plan_workers("dask", 64, 1, "tcp://10.0.0.1:8786") == 64  # a remote cluster sizes itself


@pytest.mark.parametrize("kind", ["local", "dask"])
def test_both_executors_run_a_picklable_function_in_other_processes(kind):
    with open_executor(kind, 2) as (pool, info):
        futures = [pool.submit(cores) for _ in range(4)]
        assert [f.result(timeout=120) for f in futures] == [cores()] * 4
    assert info["executor"] == kind and info["workers"] == 2


def test_bad_executor_options():
    with pytest.raises(LabError, match="--scheduler applies to --executor dask only"), \
            open_executor("local", 1, "tcp://127.0.0.1:1"):
        pass
    with pytest.raises(LabError, match="--executor must be local or dask"), open_executor("ray", 1):
        pass


def test_dask_connects_to_a_running_scheduler():
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        assert plan_workers("dask", None, 1, cluster.scheduler_address) is None
        with open_executor("dask", None, cluster.scheduler_address) as (pool, info):
            assert pool.submit(cores).result(timeout=120) == cores()
        assert info == {"executor": "dask", "workers": 1, "slots": 1, "scheduler": cluster.scheduler_address}


@pytest.mark.slow  # the client retries for its whole 20 s timeout
def test_an_unreachable_scheduler_is_one_clear_error(monkeypatch):
    monkeypatch.setattr("mytorch.lab.executors.SCHEDULER_TIMEOUT", "2s")  # the refusal, without 20 s of retries
    with pytest.raises(LabError, match="cannot reach the Dask scheduler tcp://127.0.0.1:9"), \
            open_executor("dask", None, "tcp://127.0.0.1:9"):
        pass
