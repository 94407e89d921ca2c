"""Fuzzing the CLI and the study files: generated argument vectors for ``mytorch train``, ``evaluate`` and
``lab``, and generated TOML study files for ``mytorch lab run``.

The rule for every input: exit status 0, or 1 for training that stopped (a diverged loss, a failed
study cell), or 2 with exactly one line on stderr -- never a traceback, never an exception out of
``main``, never a hang (``TIMEOUT_S``), and after a status 2 the ``--out`` path exactly as it was
(every file's bytes and mode, every link, every directory; absent if it was absent).

Argument vectors start from a valid tiny run (a 40-image MNIST-format dataset built at test time) and
get 1-3 edits: a flag set to a hostile value (negative, zero, huge, nan/inf, empty, unicode, a
path that is a directory, a FIFO, a file, missing, or inside a file), a flag dropped, doubled or
unknown, ``--resume`` added. ``--out`` is fresh, an existing run, a file, a FIFO, a directory
inside a file, or a long unicode name. Study files start from a one-cell study and get edits of
their TOML values (wrong types, huge numbers, unicode, nan), keys dropped or unknown, odd section
names, or broken TOML text. A study that is valid after the edits runs only in the ``long``
profile (one run is a process pool and a training run: seconds); in CI it is checked to load.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import shutil
import signal
import stat
import tempfile
import traceback
from pathlib import Path

import pytest
from hypothesis import given, note
from hypothesis import strategies as st

from fuzz_profiles import LONG, fuzz_settings
from mytorch.cli import main
from test_hostile_cli import write_mnist

TIMEOUT_S = 300  # a tiny training run takes a second; under a loaded machine, up to a minute
LAST = "checkpoint-last.safetensors"
HOSTILE_VALUES = ["0", "-1", "1", "2", "1e309", "-1e309", "nan", "inf", "1e-320", "99999999999999999999",
                  str(2**63), "", " ", "abc", "0x10", "1_000", "3.5", "é😀", "\u202e", "8,8", ",", "-"]
TRAIN_FLAGS = ["--model", "--hidden", "--dataset", "--data-dir", "--epochs", "--batch-size", "--optimizer",
               "--lr", "--momentum", "--weight-decay", "--scheduler", "--dropout-input", "--dropout-hidden",
               "--dropout-output", "--seed", "--threads", "--subset", "--out"]


class HangError(Exception):
    pass


def _alarm(signum, frame):
    raise HangError(f"no answer after {TIMEOUT_S}s")


def snapshot(path: Path):
    """What 'untouched' compares: bytes and mode of regular files, link targets, other files' kinds."""
    if not os.path.lexists(path):
        return None
    if os.path.islink(path) or not os.path.isdir(path):
        return _entry(path)
    out = {}
    for dirpath, dirnames, filenames in os.walk(path):
        out[os.path.relpath(dirpath, path) + "/"] = os.stat(dirpath).st_mode
        for name in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            p = os.path.join(dirpath, name)
            out[os.path.relpath(p, path)] = _entry(Path(p))
    return out


def _entry(p: Path):
    if os.path.islink(p):
        return ("link", os.readlink(p))
    st_ = os.stat(p)
    if not stat.S_ISREG(st_.st_mode):
        return ("special", stat.S_IFMT(st_.st_mode))
    return (p.read_bytes(), st_.st_mode)


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """``main(argv)`` in this process: (status, stdout, stderr); an escaping exception is a traceback."""
    out, err = io.StringIO(), io.StringIO()
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(TIMEOUT_S)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as e:
                code = e.code if isinstance(e.code, int) else (0 if e.code is None else 2)
    except HangError as e:
        return -1, out.getvalue(), f"HANG: {e}"
    except BaseException:  # noqa: BLE001 -- the finding: an exception out of main
        return -2, out.getvalue(), err.getvalue() + "\nTraceback (escaped main):\n" + traceback.format_exc()
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    return code, out.getvalue(), err.getvalue()


def judge(argv: list[str], code: int, out: str, err: str, before, after) -> str | None:
    """None if the outcome follows the rule in the module docstring; else what broke it."""
    if code == -1:
        return err
    if "Traceback" in err or "Traceback" in out:
        return f"a traceback (status {code}):\n{err[-3000:]}"
    if code not in (0, 1, 2):
        return f"exit status {code}"
    if code == 2:
        lines = [line for line in err.splitlines() if line.strip()]
        if len(lines) != 1:
            return f"status 2 with {len(lines)} lines on stderr:\n{err}"
        if before != after:
            return "status 2, but --out changed"
    return None


# ---------------------------------------------------------------------------- the world a run sees
@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The tiny dataset, a finished run (for evaluate and resume), and paths of every hostile kind."""
    root = tmp_path_factory.mktemp("cli-fuzz")
    data = write_mnist(root / "data", n_train=40, n_test=20)
    good = root / "good"
    base = ["--data-dir", str(data), "--dataset", "mnist", "--model", "mlp", "--hidden", "4", "--batch-size", "20",
            "--epochs", "1", "--quiet"]
    code, _, err = run_cli(["train", *base, "--out", str(good)])
    assert code == 0, err
    fifo_data = root / "fifo-data"
    shutil.copytree(data, fifo_data)
    os.unlink(fifo_data / "train-images-idx3-ubyte")
    os.mkfifo(fifo_data / "train-images-idx3-ubyte")
    (root / "a-file").write_bytes(b"not a directory")
    os.mkfifo(root / "a-fifo")
    (root / "garbage.safetensors").write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{garbage")
    return {"root": root, "data": data, "good": good, "base": base, "fifo-data": fifo_data}


PATH_KINDS = ["fresh", "existing-run", "file", "fifo", "inside-file", "missing", "unicode-long", "directory"]


def make_path(world, kind: str, scratch: Path) -> str:
    root = world["root"]
    if kind == "fresh":
        return str(scratch / "run")
    if kind == "existing-run":
        shutil.copytree(world["good"], scratch / "run")
        return str(scratch / "run")
    if kind == "file":
        return str(root / "a-file")
    if kind == "fifo":
        return str(root / "a-fifo")
    if kind == "inside-file":
        return str(root / "a-file" / "run")
    if kind == "missing":
        return str(scratch / "missing" / "deeper")
    if kind == "unicode-long":
        return str(scratch / ("é😀" * 70))
    return str(scratch)  # an existing directory


@st.composite
def train_argv(draw, world, scratch: Path) -> list[str]:
    flags: dict[str, str | None] = {}
    base = world["base"]
    i = 0
    while i < len(base):
        if i + 1 < len(base) and not base[i + 1].startswith("--"):
            flags[base[i]] = base[i + 1]
            i += 2
        else:
            flags[base[i]] = None
            i += 1
    flags["--out"] = make_path(world, draw(st.sampled_from(PATH_KINDS)), scratch)
    extra: list[str] = []
    for _ in range(draw(st.integers(1, 3))):
        edit = draw(st.sampled_from(["value", "value", "path", "drop", "unknown", "resume", "double"]))
        flag = draw(st.sampled_from(TRAIN_FLAGS))
        if edit == "value":
            flags[flag] = draw(st.sampled_from(HOSTILE_VALUES))
        elif edit == "path":
            which = draw(st.sampled_from(["--data-dir", "--out"]))
            kind = draw(st.sampled_from(PATH_KINDS + ["fifo-data"]))
            flags[which] = str(world["fifo-data"]) if kind == "fifo-data" else make_path(world, kind, scratch)
        elif edit == "drop":
            flags.pop(flag, None)
        elif edit == "unknown":
            extra += [draw(st.sampled_from(["--bogus", "-x", "--epoch", "--", "---", "--lr=1=2"]))]
        elif edit == "resume":
            flags["--resume"] = None
        else:
            extra += [flag, draw(st.sampled_from(HOSTILE_VALUES))]
    argv = ["train"]
    for k, v in flags.items():
        argv += [k] if v is None else [k, v]
    return argv + extra


@st.composite
def other_argv(draw, world, scratch: Path) -> list[str]:
    kind = draw(st.sampled_from(["evaluate", "lab status", "lab report", "lab init", "lab run", "top"]))
    path = make_path(world, draw(st.sampled_from(PATH_KINDS)), scratch)
    if kind == "evaluate":
        ckpt = draw(st.sampled_from([str(world["good"] / LAST), str(world["root"] / "garbage.safetensors"), path]))
        argv = ["evaluate", "--checkpoint", ckpt, "--data-dir",
                draw(st.sampled_from([str(world["data"]), str(world["fifo-data"]), path]))]
        if draw(st.booleans()):
            argv += ["--batch-size", draw(st.sampled_from(HOSTILE_VALUES))]
        return argv
    if kind in ("lab status", "lab report"):
        return ["lab", kind.split()[1], draw(st.sampled_from([path, str(world["good"])]))]
    if kind == "lab init":
        return ["lab", "init", draw(st.sampled_from(["seed-003", "nope", "", "é😀", "../etc"]))]
    if kind == "lab run":  # a study argument that cannot be one: nothing may start
        study = draw(st.sampled_from([str(world["root"] / "a-fifo"), str(world["root"]), "no-such-preset",
                                      str(world["root"] / "a-file"), str(world["good"] / LAST)]))
        argv = ["lab", "run", study, "--out", path]
        if draw(st.booleans()):
            argv += [draw(st.sampled_from(["--epochs", "--seeds", "--subset", "--workers"])),
                     draw(st.sampled_from(HOSTILE_VALUES))]
        return argv
    return draw(st.sampled_from([[], ["--bogus"], ["train", "--help-me"], ["lab"], ["lab", "bogus"], ["é😀"],
                                 ["evaluate"], ["train", "--epochs"]]))


def _out_of(argv: list[str]) -> Path | None:
    if "--out" in argv:
        i = len(argv) - 1 - argv[::-1].index("--out")  # argparse keeps the last one
        return Path(argv[i + 1]) if i + 1 < len(argv) else None
    return None


def check_argv(argv: list[str]) -> None:
    out = _out_of(argv)
    before = snapshot(out) if out is not None else None
    code, stdout, err = run_cli(argv)
    after = snapshot(out) if out is not None else None
    note(f"argv {argv!r}: status {code}, stderr {err.strip()[:500]!r}")
    problem = judge(argv, code, stdout, err, before, after)
    assert problem is None, f"mytorch {' '.join(argv)}: {problem}"


@pytest.mark.parametrize("which", ["train", "other"])
def test_generated_argv_exit_cleanly(which, world):
    strategy = train_argv if which == "train" else other_argv

    @fuzz_settings(ci_examples=25 if which == "train" else 30, long_examples=1000)
    @given(data=st.data())
    def fuzz(data):
        scratch = Path(tempfile.mkdtemp(dir=world["root"]))
        try:
            check_argv(data.draw(strategy(world, scratch)))
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    fuzz()


# ---------------------------------------------------------------------------- study files
BASE_STUDY = {
    "name": "fz", "dataset": "mnist", "epochs": 1, "batch_size": 20, "seeds": [0], "threads": 1, "subset": 20,
    "model": {"name": "mlp", "hidden": [4]},
    "optimizers": {"sgd": {"optimizer": "sgd", "lr": 0.1}},
    "regimes": {"plain": {"weight_decay": 0.0}},
}
TOML_VALUES = ["x", "", "é😀\u202e", 0, -1, 1, 2**40, 2**63 - 1, 1.5, -0.0, 1e308, math.nan, math.inf, True, [],
               [1, "a"], [0, 0], {"a": 1}, [2**31] * 3, "adam", "sgd", "mlp", "mlp-resnet", "cifar10"]


def _value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return "nan" if math.isnan(v) else "inf" if v == math.inf else "-inf" if v == -math.inf else repr(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    return "{" + ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items()) + "}"


def _key(k: str) -> str:
    return k if k and k.isascii() and all(c.isalnum() or c in "_-" for c in k) else _value(k)


def to_toml(d: dict) -> str:
    """A small TOML writer for the generated studies (tomllib only reads): top-level keys, then [model],
    [optimizers.LABEL] and [regimes.LABEL] tables."""
    top, tables = [], []
    for k, v in d.items():
        if k == "model" and isinstance(v, dict):
            tables += ["[model]", *(f"{_key(a)} = {_value(b)}" for a, b in v.items())]
        elif k in ("optimizers", "regimes") and isinstance(v, dict):
            for label, entry in v.items():
                if isinstance(entry, dict):
                    tables += [f"[{k}.{_key(label)}]", *(f"{_key(a)} = {_value(b)}" for a, b in entry.items())]
                else:
                    tables += [f"[{k}]", f"{_key(label)} = {_value(entry)}"]
        else:
            top.append(f"{_key(k)} = {_value(v)}")
    return "\n".join(top + tables) + "\n"


@st.composite
def studies(draw) -> str:
    import copy

    study = copy.deepcopy(BASE_STUDY)
    for _ in range(draw(st.integers(1, 3))):
        section = draw(st.sampled_from(["", "model", "optimizers.sgd", "regimes.plain"]))
        table = study
        for part in filter(None, section.split(".")):
            table = table.setdefault(part, {}) if isinstance(table, dict) else {}
        if not isinstance(table, dict):
            continue
        keys = sorted(table) or ["x"]
        edit = draw(st.sampled_from(["value", "value", "value", "drop", "unknown", "label"]))
        if edit == "value":
            table[draw(st.sampled_from(keys))] = draw(st.sampled_from(TOML_VALUES))
        elif edit == "drop":
            table.pop(draw(st.sampled_from(keys)), None)
        elif edit == "unknown":
            table[draw(st.sampled_from(["bogus", "lrr", "Epochs", "é"]))] = draw(st.sampled_from(TOML_VALUES))
        else:
            where = draw(st.sampled_from(["optimizers", "regimes"]))
            if isinstance(study.get(where), dict) and study[where]:
                old = sorted(study[where])[0]
                study[where][draw(st.sampled_from(["a/b", "..", "é", "", "x" * 300, "-"]))] = study[where].pop(old)
    text = to_toml(study)
    if draw(st.integers(0, 9)) == 0:  # broken TOML text
        cut = draw(st.integers(0, len(text)))
        text = text[:cut] + draw(st.sampled_from(["", "[", "=", '"', "\x00", "]]"])) + text[cut:]
    return text


def test_generated_study_files_exit_cleanly(world):
    from mytorch.lab.study import LabError, load_study

    @fuzz_settings(ci_examples=40, long_examples=300)
    @given(text=studies(), out_kind=st.sampled_from(["fresh", "existing-run", "file", "inside-file", "missing"]))
    def fuzz(text, out_kind):
        scratch = Path(tempfile.mkdtemp(dir=world["root"]))
        try:
            path = scratch / "study.toml"
            path.write_text(text)
            note(text)
            try:
                load_study(str(path))
                valid = True
            except LabError:
                valid = False
            if valid and not LONG:
                return  # a valid study is a real run: the long profile runs it
            out = make_path(world, out_kind, scratch)
            check_argv(["lab", "run", str(path), "--out", out, "--data-dir", str(world["data"]), "--workers", "1",
                        "--no-report"])
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    fuzz()


def test_the_cli_judge_can_fail():
    assert "traceback" in judge([], 2, "", "Traceback (most recent call last):\n", None, None)
    assert "2 lines" in judge([], 2, "", "usage: mytorch\nmytorch: error: x\n", None, None)
    assert "--out changed" in judge([], 2, "", "mytorch train: error: x\n", {"a": 1}, {"a": 2})
    assert "exit status 3" in judge([], 3, "", "", None, None)
    assert judge([], 2, "", "mytorch train: error: x\n", None, None) is None


# ---------------------------------------------------------------------------- what the fuzzer found
@pytest.mark.parametrize("argv", [["train", "--model", "0"], [], ["train", "--epochs"], ["evaluate"],
                                  ["train", "--bogus"], ["lab", "bogus"]])
def test_argparse_errors_are_one_line(argv):
    """argparse printed its usage block before the error (15 lines for `train --model 0`); now one line."""
    code, _, err = run_cli(argv)
    assert code == 2 and len(err.strip().splitlines()) == 1 and err.startswith("mytorch"), err
