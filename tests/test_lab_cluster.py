"""Job-queue clusters: the [cluster] table and flags, and the job script `lab cluster-script` prints (no scheduler
needed: dask-jobqueue writes the script without submitting anything)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from mytorch.lab import LabError, parse_study
from mytorch.lab.cluster import cluster_options, job_script

STUDY = """
name = "c"
threads = 2
[optimizers.adam]
[regimes.none]
[cluster]
queue = "cpu-long"
account = "optim-lab"
cores = 8
memory = "32GB"
walltime = "04:00:00"
processes = 4
jobs = 3
job_extra_directives = ["--exclusive", "--constraint=avx2"]
local_directory = "/scratch/lab"
job_script_prologue = ["source /shared/venv/bin/activate"]
"""


def lab(*args, cwd):
    return subprocess.run([sys.executable, "-m", "mytorch", "lab", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=120)


def test_cluster_script_prints_sbatch_lines_from_the_cluster_table(tmp_path):
    (tmp_path / "study.toml").write_text(STUDY)
    r = lab("cluster-script", "study.toml", "--cluster", "slurm", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    sbatch = [line for line in lines if line.startswith("#SBATCH")]
    for expected in ("#SBATCH -p cpu-long", "#SBATCH -A optim-lab", "#SBATCH --cpus-per-task=8", "#SBATCH -t 04:00:00",
                     "#SBATCH --exclusive", "#SBATCH --constraint=avx2"):
        assert expected in sbatch, (expected, sbatch)
    assert any(line.startswith("#SBATCH --mem=") for line in sbatch)
    assert "source /shared/venv/bin/activate" in lines
    worker = next(line for line in lines if "dask_worker" in line or "dask-worker" in line)
    # 4 processes of 2 threads each, one run at a time per process
    assert "--nworkers 4" in worker and "--nthreads 2" in worker and "--resources cell=1" in worker
    assert "--local-directory /scratch/lab" in worker
    # flags override the table
    r = lab("cluster-script", "study.toml", "--cluster", "slurm", "--queue", "short", "--walltime", "00:30:00",
            cwd=tmp_path)
    assert r.returncode == 0 and "#SBATCH -p short" in r.stdout and "#SBATCH -t 00:30:00" in r.stdout


@pytest.mark.parametrize("kind, marker", [("pbs", "#PBS"), ("sge", "#$"), ("lsf", "#BSUB")])
def test_the_other_schedulers_scripts(kind, marker):
    study = parse_study(STUDY)
    text = job_script(kind, cluster_options(study.data["cluster"], {}, 2))
    assert any(line.startswith(marker) for line in text.splitlines()) and "cpu-long" in text


def test_cluster_options_defaults_and_errors():
    assert cluster_options(None, {}, 3) == {"processes": 1, "jobs": 1, "cores": 3, "memory": "4GB",
                                            "walltime": "01:00:00"}
    with pytest.raises(LabError, match="leave fewer than the 2 thread"):
        cluster_options({"cores": 4, "processes": 4}, {}, 2)
    with pytest.raises(LabError, match=r"unknown key 'cluster.nodes'"):
        parse_study(STUDY + "nodes = 3\n")
    with pytest.raises(LabError, match=r"cluster.jobs must be a positive integer"):
        parse_study(STUDY.replace("jobs = 3", "jobs = 0"))


def test_cluster_flag_errors_are_one_line(tmp_path):
    (tmp_path / "study.toml").write_text(STUDY)
    r = lab("cluster-script", "study.toml", cwd=tmp_path)
    assert r.returncode == 2 and "--cluster" in r.stderr and r.stderr.count("\n") == 1
    r = lab("run", "study.toml", "--out", "x", "--queue", "cpu", cwd=tmp_path)
    assert r.returncode == 2 and "--queue apply to --cluster only" in r.stderr, r.stderr
    assert not (tmp_path / "x").exists()
