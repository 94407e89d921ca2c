"""Where cells run: a local process pool or a Dask cluster, both as a ``concurrent.futures.Executor``.

``local``: ``ProcessPoolExecutor`` (spawned workers: a clean interpreter each, as a Dask worker has).
``dask``: ``dask.distributed`` -- a running scheduler (``--scheduler tcp://HOST:PORT``), a job-queue
cluster (``--cluster slurm|pbs|sge|lsf``, ``cluster.py``) or a ``LocalCluster(processes=True)`` on
127.0.0.1; ``Client.get_executor()`` turns it into the same Executor interface, so the study loop
is one code path. Dask is the ``lab`` extra, imported here only.

The description yielded beside the executor has ``slots``: how many runs it can run at once (the
runner keeps about that many submitted, so that a cell made runnable later -- a halving rung, a
tuned run -- is not queued behind every other).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor

from .study import LabError

# How long connecting to a running Dask scheduler may take before the study stops with a clear error.
SCHEDULER_TIMEOUT = "20s"


def cores() -> int:
    """CPU cores this process may use (the affinity mask where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _die_with_parent() -> None:
    """Pool-worker initializer (Linux): a SIGKILLed study takes its workers with it, best effort."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # elsewhere the cell lock still keeps an orphan and a re-run from sharing a cell


def plan_workers(kind: str, workers: int | None, threads: int, scheduler: str | None) -> int | None:
    """Workers for this machine: default cores // threads; refuse workers x threads > cores.

    With a remote Dask scheduler the cluster's own workers run the cells (None: use what is there).
    """
    if kind == "dask" and scheduler:
        return workers
    n = cores()
    if workers is None:
        return max(1, n // threads)
    if workers * threads > n:
        raise LabError(f"--workers {workers} x threads {threads} per run exceeds the {n} cores of this machine "
                       "(runs sharing a core slow each other and their timings mean nothing)")
    return workers


@contextlib.contextmanager
def open_executor(kind: str, workers: int | None, scheduler: str | None = None,
                  cluster: tuple[str, dict] | None = None) -> Iterator[tuple[Executor, dict]]:
    """Yield (executor, description) and shut it down afterwards.

    ``cluster`` is (``slurm`` | ``pbs`` | ``sge`` | ``lsf``, the job options of ``cluster.cluster_options``).
    """
    if kind == "local":
        if scheduler or cluster:
            raise LabError(f"--{'scheduler' if scheduler else 'cluster'} applies to --executor dask only")
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_die_with_parent)
        try:
            yield pool, {"executor": "local", "workers": workers, "slots": workers or cores()}
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        return
    if kind != "dask":
        raise LabError(f"--executor must be local or dask, got {kind!r}")
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise LabError("--executor dask needs Dask: pip install 'mytorch-np[lab]'") from None
    if scheduler and cluster:
        raise LabError("--scheduler and --cluster exclude each other (a job-queue cluster runs its own scheduler)")
    if cluster is not None:
        yield from _jobqueue(*cluster)
        return
    local = None
    try:
        if scheduler:
            client = Client(scheduler, timeout=SCHEDULER_TIMEOUT)
        else:
            local = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                                 dashboard_address=None, silence_logs=logging.ERROR)
            client = Client(local)
    except (OSError, TimeoutError, ValueError) as e:
        if local is not None:
            local.close()
        raise LabError(f"cannot reach the Dask scheduler {scheduler or '(local cluster)'}: {e}") from None
    try:
        n = len(client.scheduler_info().get("workers", {}))
        yield client.get_executor(pure=False), {"executor": "dask", "workers": n, "slots": max(1, n),
                                                "scheduler": scheduler or "LocalCluster(127.0.0.1)"}
    finally:
        client.close()
        if local is not None:
            local.close()


def _jobqueue(kind: str, options: dict) -> Iterator[tuple[Executor, dict]]:
    """A dask-jobqueue cluster scaled to ``jobs`` jobs; every run asks for a worker's one ``cell`` resource."""
    from dask.distributed import Client

    from .cluster import make_cluster

    jobs = make_cluster(kind, options)
    try:
        jobs.scale(jobs=options["jobs"])
        client = Client(jobs)
        try:
            slots = options["jobs"] * options["processes"]
            yield client.get_executor(pure=False, resources={"cell": 1}), {
                "executor": "dask", "workers": slots, "slots": slots, "scheduler": f"{kind} ({jobs.scheduler_address})"}
        finally:
            client.close()
    finally:
        jobs.close()
