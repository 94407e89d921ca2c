"""Job-queue clusters: a study's Dask workers started as batch jobs (Slurm, PBS, SGE, LSF) by dask-jobqueue.

A ``[cluster]`` table in the study file (or the matching ``lab run`` flags, which win) describes one
job; ``jobs`` of them are submitted, each running ``processes`` Dask worker processes::

    [cluster]
    queue = "cpu"                  # partition (Slurm) / queue
    account = "my-project"         # charged account (project on SGE and LSF)
    cores = 4                      # per job (default: processes x the study's threads)
    memory = "16GB"                # per job
    walltime = "04:00:00"
    processes = 4                  # Dask worker processes per job: each runs one run at a time
    jobs = 2                       # how many jobs
    job_extra_directives = ["--exclusive"]
    local_directory = "/tmp"       # worker scratch space on the compute node
    interface = "ib0"              # the network the workers reach the scheduler on (optional)
    job_script_prologue = ["source ~/venv/bin/activate"]

Every worker process declares one ``cell`` resource and every run asks for one, so a worker runs one
run at a time with its ``cores // processes`` cores (at least the study's threads per run). The
study directory must be on a filesystem the compute nodes share. dask-jobqueue is imported only here.
"""

from __future__ import annotations

from typing import Any

from .errors import LabError
from .tables import parse_cluster

__all__ = ["KINDS", "cluster_options", "job_script", "make_cluster", "parse_cluster"]

KINDS = {"slurm": "SLURMCluster", "pbs": "PBSCluster", "sge": "SGECluster", "lsf": "LSFCluster"}


def cluster_options(table: dict | None, flags: dict | None, threads: int) -> dict:
    """The job's options: the study's ``[cluster]`` table, then the command line's flags (not None)."""
    options = dict(table or {})
    options.update({k: v for k, v in (flags or {}).items() if v is not None})
    try:
        options = parse_cluster(options, "cluster options")
    except LabError as e:
        raise LabError(str(e)) from None
    options.setdefault("processes", 1)
    options.setdefault("jobs", 1)
    options.setdefault("cores", options["processes"] * threads)
    options.setdefault("memory", f"{4 * options['processes']}GB")
    options.setdefault("walltime", "01:00:00")
    if options["cores"] // options["processes"] < threads:
        raise LabError(f"cluster: {options['cores']} cores per job for {options['processes']} worker process(es) "
                       f"leave fewer than the {threads} thread(s) each run uses")
    return options


def make_cluster(kind: str, options: dict, dashboard: bool = True):
    """A dask-jobqueue cluster object (its scheduler runs here, with its dashboard on port 8787 when free);
    nothing is submitted until ``scale``."""
    if kind not in KINDS:
        raise LabError(f"--cluster must be one of {', '.join(KINDS)}, got {kind!r}")
    try:
        import dask_jobqueue
    except ImportError:
        raise LabError("--cluster needs dask-jobqueue: pip install 'mytorch-np[lab]'") from None
    o = dict(options)
    kwargs: dict[str, Any] = {
        "cores": o["cores"], "memory": o["memory"], "processes": o["processes"], "walltime": o["walltime"],
        "job_name": "mytorch-lab", "worker_extra_args": ["--resources", "cell=1"],
        "scheduler_options": {} if dashboard else {"dashboard": False},
    }
    if "queue" in o:
        kwargs["queue"] = o["queue"]
    if "account" in o:
        kwargs["account" if kind in ("slurm", "pbs") else "project"] = o["account"]
    for key in ("job_extra_directives", "local_directory", "interface", "job_script_prologue", "python"):
        if key in o:
            kwargs[key] = o[key]
    try:
        return getattr(dask_jobqueue, KINDS[kind])(**kwargs)
    except (ValueError, TypeError, OSError) as e:
        raise LabError(f"--cluster {kind}: {e}") from None


def job_script(kind: str, options: dict) -> str:
    """The batch script one job would run (the scheduler's address in it is this process's, for show)."""
    cluster = make_cluster(kind, options, dashboard=False)
    try:
        return cluster.job_script()
    finally:
        cluster.close()
