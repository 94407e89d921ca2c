"""A number written as one element (``fill_``, ``x[k] = v``, ``full``, ``masked_fill``) must fit the tensor's dtype, as
in PyTorch: each entry point and dtype against torch, the value stored or the same error."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import mytorch

DTYPES = ["float32", "float64", "float16", "uint8", "int8", "int16", "int32", "int64", "bool"]
NUMBERS = [0, 1, -1, 127, 127.9, 128, -128, -129, 255, 256, -255, -256, 40000, 2**31, -2**31 - 1, 2**63 - 1,
           1.5, -0.0, 1e10, 3.4028234663852886e38, 3.4028235003402823e38, 3.5e38, 1e300, -1e300,
           math.inf, -math.inf, math.nan, True, False]


def _writes(lib, dtype, value):
    """The same write of ``value`` through every entry point, in ``lib``'s terms."""
    dt = getattr(lib, dtype)
    mask = lib.tensor([True, False, True])
    return {
        "fill_": lambda: lib.zeros(3, dtype=dt).fill_(value),
        "setitem int": lambda: _set(lib.zeros(3, dtype=dt), 1, value),
        "setitem slice": lambda: _set(lib.zeros(3, dtype=dt), slice(None), value),
        "setitem mask": lambda: _set(lib.zeros(3, dtype=dt), mask, value),
        "setitem mask, 1-element float64": lambda: _set(lib.zeros(3, dtype=dt), mask,
                                                        lib.tensor([float(value)], dtype=lib.float64)),
        "full": lambda: lib.full((2,), value, dtype=dt),
        "masked_fill": lambda: lib.zeros(3, dtype=dt).masked_fill(mask, value),
        "masked_fill 0-d float64": lambda: lib.zeros(3, dtype=dt).masked_fill(mask, lib.tensor(float(value),
                                                                                          dtype=lib.float64)),
    }


def _set(t, key, value):
    t[key] = value
    return t


def _outcome(fn):
    try:
        out = fn()
    except (RuntimeError, OverflowError, ValueError, TypeError) as e:
        return type(e).__name__, str(e).split("\n")[0]
    return "ok", np.asarray(out.tolist(), dtype=np.float64)


@pytest.mark.parametrize("dtype", DTYPES)
def test_a_number_written_as_an_element_fits_the_dtype_as_in_torch(dtype):
    for value in NUMBERS:
        if isinstance(value, float) and math.isnan(value) and dtype not in ("float32", "float64", "float16"):
            continue  # torch's bool/integer nan writes differ by entry point in ways no script relies on
        mine, theirs = _writes(mytorch, dtype, value), _writes(torch, dtype, value)
        for name in mine:
            if name.endswith("float64") and dtype == "bool":
                continue  # an index_put / masked_fill of a float64 value into bool: torch's dtype errors differ
            got, want = _outcome(mine[name]), _outcome(theirs[name])
            where = f"{name} of {value!r} into {dtype}"
            assert got[0] == want[0], f"{where}: mytorch {got}, torch {want}"
            if got[0] == "ok":
                np.testing.assert_array_equal(got[1], want[1], err_msg=where)
            else:
                assert got[1] == want[1], where


def test_a_python_float_with_a_dtype_is_cast_once():
    """``tensor([0.1], dtype=float64)`` is the double 0.1, not float32's 0.1 widened (it was 0.10000000149)."""
    for dtype in ("float64", "float16"):
        got = mytorch.tensor([0.1, 1e300, 1 / 3], dtype=getattr(mytorch, dtype)).tolist()
        assert got == torch.tensor([0.1, 1e300, 1 / 3], dtype=getattr(torch, dtype)).tolist()
    assert mytorch.tensor([0.1]).dtype == mytorch.float32


def test_masked_fill_refuses_what_torch_refuses():
    x = mytorch.zeros(3)
    with pytest.raises(RuntimeError, match="only supports boolean masks"):
        x.masked_fill(mytorch.ones(3), 1.0)
    with pytest.raises(RuntimeError, match="only supports a 0-dimensional value tensor, but got tensor with 1"):
        x.masked_fill(mytorch.ones(3, dtype=mytorch.bool), mytorch.ones(1))
    with pytest.raises(RuntimeError, match=r"output with shape \[3\] doesn't match the broadcast shape \[2, 3\]"):
        x.masked_fill_(mytorch.tensor([[True], [False]]), 1.0)
    with pytest.raises(RuntimeError, match="cannot be broadcast"):
        x.masked_fill_(mytorch.ones(4, dtype=mytorch.bool), 1.0)
