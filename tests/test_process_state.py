"""Process state that parallel runs rely on: grad mode per thread, and one thread count for BLAS and the optimizer."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading

import pytest

import mytorch


def test_no_grad_in_one_thread_does_not_stop_another_from_recording():
    inside, done = threading.Event(), threading.Event()
    seen = {}

    def evaluator():
        with mytorch.no_grad():
            inside.set()
            done.wait(10)
            seen["evaluator"] = (mytorch.randn(2, requires_grad=True) * 2).requires_grad

    t = threading.Thread(target=evaluator)
    t.start()
    assert inside.wait(10)
    x = mytorch.randn(3, requires_grad=True)
    y = (x * x).sum()  # recorded: only the other thread is in no_grad
    assert mytorch.is_grad_enabled() and y.requires_grad and y.grad_fn is not None
    y.backward()
    done.set()
    t.join(10)
    assert seen["evaluator"] is False


def test_a_new_thread_starts_with_recording_on():
    result = []
    with mytorch.no_grad():
        t = threading.Thread(target=lambda: result.append(mytorch.is_grad_enabled()))
        t.start()
        t.join(10)
        assert not mytorch.is_grad_enabled()
    assert result == [True] and mytorch.is_grad_enabled()


def test_set_grad_enabled_is_per_thread():
    result = []
    mytorch.set_grad_enabled(False)
    try:
        t = threading.Thread(target=lambda: result.append((mytorch.randn(2, requires_grad=True) + 1).requires_grad))
        t.start()
        t.join(10)
    finally:
        mytorch.set_grad_enabled(True)
    assert result == [True]


def _run(code: str) -> str:
    r = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def test_set_num_threads_sets_blas_and_the_optimizer_workers():
    """Measured with threadpoolctl: after set_num_threads(n) every BLAS/OpenMP pool runs n threads, and the
    optimizer's step on a large parameter runs on n threads."""
    out = _run("""
        import threading
        import numpy as np
        from threadpoolctl import threadpool_info
        import mytorch
        from mytorch import optim
        from mytorch.optim import optimizer as base

        used, run_blocks = set(), base._run_blocks

        def spy(*args):  # the threads that really run blocks of the step
            used.add(threading.get_ident())
            return run_blocks(*args)

        base._run_blocks = spy

        def step():
            used.clear()
            p = mytorch.nn.Parameter(np.ones(400_000, dtype=np.float32))
            p.grad = mytorch.ones(400_000)
            optim.Adam([p], lr=0.5).step()
            return len(used)

        for n in (1, 2, 1):
            mytorch.set_num_threads(n)
            blas = sorted({pool["num_threads"] for pool in threadpool_info()})
            print(n, mytorch.get_num_threads(), blas, step())
    """)
    assert out.splitlines() == ["1 1 [1] 1", "2 2 [2] 2", "1 1 [1] 1"]


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_set_num_threads_refuses_non_positive_integers(bad):
    with pytest.raises(ValueError, match="positive integer"):
        mytorch.set_num_threads(bad)


def test_default_thread_count_is_positive():
    assert isinstance(mytorch.get_num_threads(), int) and mytorch.get_num_threads() >= 1
