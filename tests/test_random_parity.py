"""Same seed, same numbers: every sampling function against PyTorch's CPU generator, bit for bit.

Each row of ``DRAWS`` is one call written once for both libraries (``lib`` is ``torch`` or
``mytorch``); the test seeds both with the same seed, runs the row in float32 and float64 and asks
for identical bytes -- and for identical generator states afterwards, so every row also checks
that it consumed exactly PyTorch's words.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import mytorch
from mytorch import transforms as T

DTYPES = ["float32", "float64"]


def _probs(lib, dt, shape=(4, 9)):
    w = np.random.default_rng(0).random(shape)
    w[0, 3] = 0.0  # a category that can never come out
    return lib.tensor(w.astype(dt))


# name -> fn(lib, dtype name) returning a tensor (or a list of tensors)
DRAWS = {
    "rand": lambda L, d: L.rand(3, 257, dtype=getattr(L, d)),
    "rand(generator=)": lambda L, d: L.rand(33, dtype=getattr(L, d), generator=L.Generator().manual_seed(4)),
    "rand_like": lambda L, d: L.rand_like(L.zeros(5, 7, dtype=getattr(L, d))),
    "randn small (scalar path, cache)": lambda L, d: [L.randn(3, dtype=getattr(L, d)), L.randn(1, dtype=getattr(L, d)),
                                                       L.randn(15, dtype=getattr(L, d))],
    "randn 16": lambda L, d: L.randn(16, dtype=getattr(L, d)),
    "randn vectorised + tail": lambda L, d: L.randn(40003, dtype=getattr(L, d)),
    "randn_like": lambda L, d: L.randn_like(L.zeros(6, 5, dtype=getattr(L, d))),
    "uniform_(a, b)": lambda L, d: L.empty(9001, dtype=getattr(L, d)).uniform_(-0.37, 1.91),
    "uniform_ wide": lambda L, d: L.empty(501, dtype=getattr(L, d)).uniform_(-3e4, 1e-3),
    "uniform_ transposed": lambda L, d: L.empty(20, 30, dtype=getattr(L, d)).t().uniform_(-1, 2),
    "normal_(mean, std)": lambda L, d: L.empty(1000, dtype=getattr(L, d)).normal_(0.3, 1.7),
    "normal_ small": lambda L, d: L.empty(5, dtype=getattr(L, d)).normal_(-2.0, 0.1),
    "normal_ transposed (scalar path)": lambda L, d: L.empty(20, 30, dtype=getattr(L, d)).t().normal_(),
    "normal(mean, std, size)": lambda L, d: L.normal(0.3, 2.0, (5, 7), dtype=getattr(L, d)),
    "normal(Tensor, Tensor)": lambda L, d: L.normal(_probs(L, d), _probs(L, d) + 0.5),
    "normal(Tensor, float)": lambda L, d: L.normal(_probs(L, d), 2.0),
    "normal(float, Tensor)": lambda L, d: L.normal(0.3, _probs(L, d)),
    "bernoulli_(p)": lambda L, d: L.empty(777, dtype=getattr(L, d)).bernoulli_(0.3),
    "bernoulli(probs)": lambda L, d: L.bernoulli(_probs(L, d)),
    "Tensor.bernoulli(p)": lambda L, d: _probs(L, d).bernoulli(0.7),
    "exponential_": lambda L, d: L.empty(500, dtype=getattr(L, d)).exponential_(1.5),
    "geometric_": lambda L, d: L.empty(500, dtype=getattr(L, d)).geometric_(0.3),
    "log_normal_": lambda L, d: L.empty(501, dtype=getattr(L, d)).log_normal_(0.5, 2.0),
    "cauchy_": lambda L, d: L.empty(500, dtype=getattr(L, d)).cauchy_(0.5, 2.0),
    "random_()": lambda L, d: L.empty(300, dtype=getattr(L, d)).random_(),
    "random_(to)": lambda L, d: L.empty(300, dtype=getattr(L, d)).random_(17),
    "random_(from, to)": lambda L, d: L.empty(300, dtype=getattr(L, d)).random_(-5, 40),
    "random_(from, None)": lambda L, d: L.empty(300, dtype=getattr(L, d)).random_(-4, None),
    "randint(high, size)": lambda L, d: L.randint(10, (2, 5), dtype=getattr(L, d)),
    "randint(low, high, size)": lambda L, d: L.randint(-3, 2**30, (64,), dtype=getattr(L, d)),
    "randint(low=, high=, size=)": lambda L, d: L.randint(low=2, high=9, size=(7,), dtype=getattr(L, d)),
    "randint_like": lambda L, d: L.randint_like(L.zeros(3, 4, dtype=getattr(L, d)), 3, 8),
    "multinomial 1 sample": lambda L, d: L.multinomial(_probs(L, d), 1),
    "multinomial without replacement": lambda L, d: L.multinomial(_probs(L, d), 6),
    "multinomial with replacement": lambda L, d: L.multinomial(_probs(L, d), 50, True),
    "multinomial 1-D": lambda L, d: L.multinomial(_probs(L, d)[1], 300, replacement=True),
    "init.uniform_": lambda L, d: L.nn.init.uniform_(L.empty(30, 20, dtype=getattr(L, d)), -0.2, 0.4),
    "init.normal_": lambda L, d: L.nn.init.normal_(L.empty(30, 20, dtype=getattr(L, d)), 0.1, 0.02),
    "init.xavier_uniform_": lambda L, d: L.nn.init.xavier_uniform_(L.empty(30, 20, dtype=getattr(L, d)), 1.3),
    "init.xavier_normal_": lambda L, d: L.nn.init.xavier_normal_(L.empty(30, 20, dtype=getattr(L, d))),
    "init.kaiming_uniform_": lambda L, d: L.nn.init.kaiming_uniform_(L.empty(30, 20, dtype=getattr(L, d)), a=0.1),
    "init.kaiming_normal_": lambda L, d: L.nn.init.kaiming_normal_(L.empty(30, 20, dtype=getattr(L, d)),
                                                                  mode="fan_out", nonlinearity="relu"),
    "init.trunc_normal_ (normal rejection)": lambda L, d: L.nn.init.trunc_normal_(
        L.empty(300, 20, dtype=getattr(L, d)), 0.1, 0.5),
    "init.trunc_normal_ (uniform rejection)": lambda L, d: L.nn.init.trunc_normal_(
        L.empty(300, 20, dtype=getattr(L, d)), 0.1, 0.5, -0.1, 0.2),
    "Linear default init": lambda L, d: list(L.nn.Linear(50, 7, dtype=getattr(L, d)).parameters()),
    "Sequential of Linear": lambda L, d: list(L.nn.Sequential(L.nn.Linear(9, 4), L.nn.ReLU(),
                                                             L.nn.Linear(4, 2)).to(getattr(L, d)).parameters()),
    "Conv2d default init": lambda L, d: list(L.nn.Conv2d(3, 8, 3, dtype=getattr(L, d)).parameters()),
    "Conv2d groups, no bias": lambda L, d: list(L.nn.Conv2d(4, 8, (3, 2), groups=2, bias=False,
                                                             dtype=getattr(L, d)).parameters()),
    "Conv1d default init": lambda L, d: list(L.nn.Conv1d(2, 5, 4, dtype=getattr(L, d)).parameters()),
    "ConvTranspose2d default init": lambda L, d: list(L.nn.ConvTranspose2d(3, 4, 2, dtype=getattr(L, d)).parameters()),
    "BatchNorm2d + GroupNorm + LayerNorm init": lambda L, d: [
        *L.nn.BatchNorm2d(4, dtype=getattr(L, d)).parameters(), *L.nn.GroupNorm(2, 4, dtype=getattr(L, d)).parameters(),
        *L.nn.LayerNorm(5, dtype=getattr(L, d)).parameters(), L.rand(3, dtype=getattr(L, d))],
    "F.dropout2d": lambda L, d: L.nn.functional.dropout2d(L.ones(4, 6, 3, 5, dtype=getattr(L, d)), 0.4),
    "nn.Dropout2d": lambda L, d: L.nn.Dropout2d(0.25)(L.ones(8, 16, 2, 2, dtype=getattr(L, d))),
    "F.dropout": lambda L, d: L.nn.functional.dropout(L.ones(64, 33, dtype=getattr(L, d)), 0.3),
    "nn.Dropout(0.1)": lambda L, d: L.nn.Dropout(0.1)(L.ones(1000, dtype=getattr(L, d))),
    "randperm small": lambda L, d: [L.randperm(n) for n in (0, 1, 2, 10, 1000)],
}

def _as_arrays(out):
    items = out if isinstance(out, list) else [out]
    return [np.ascontiguousarray(t.detach().numpy()) for t in items]


def _same_bytes(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


def _run_both(fn, *args, seed=1234):
    torch.manual_seed(seed)
    expected = fn(torch, *args)
    torch_state = torch.get_rng_state().numpy().tobytes()
    mytorch.manual_seed(seed)
    actual = fn(mytorch, *args)
    return _as_arrays(expected), _as_arrays(actual), torch_state, mytorch.get_rng_state().numpy().tobytes()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(DRAWS))
def test_same_seed_draws_the_same_numbers(name, dtype):
    expected, actual, torch_state, our_state = _run_both(DRAWS[name], dtype)
    assert len(expected) == len(actual)
    for e, a in zip(expected, actual):
        assert _same_bytes(e, a), f"{name} ({dtype}): {a.ravel()[:4]} != torch's {e.ravel()[:4]}"
    assert our_state == torch_state, f"{name} ({dtype}) left the generator in another state than torch's"


INTEGER_DRAWS = {
    "random_()": lambda L, d: L.empty(300, dtype=getattr(L, d)).random_(),
    "random_(to)": lambda L, d: L.empty(300, dtype=getattr(L, d)).random_(17),
    "random_(from, to)": lambda L, d: L.empty(300, dtype=getattr(L, d)).random_(5, 40),
    "random_(from, None)": lambda L, d: L.empty(300, dtype=getattr(L, d)).random_(4, None),
    "randint(high, size)": lambda L, d: L.randint(10, (2, 5), dtype=getattr(L, d)),
    "randint(low, high, size)": lambda L, d: L.randint(3, 100, (64,), dtype=getattr(L, d)),
}


@pytest.mark.parametrize("dtype", ["int64", "int32", "int16", "int8", "uint8", "bool"])
@pytest.mark.parametrize("name", list(INTEGER_DRAWS))
def test_integer_dtypes_draw_the_same_numbers(name, dtype):
    if dtype == "bool" and name != "random_()":
        return  # bool takes only random_() (its range is {0, 1})
    expected, actual, torch_state, our_state = _run_both(INTEGER_DRAWS[name], dtype)
    assert all(_same_bytes(e, a) for e, a in zip(expected, actual)), name
    assert our_state == torch_state


def test_randperm_of_a_large_dataset_and_the_full_64_bit_range():
    def draws(L):
        return [L.randperm(60000), L.empty(99, dtype=L.int64).random_(-(2**63), None)]

    expected, actual, s1, s2 = _run_both(draws)
    assert all(_same_bytes(e, a) for e, a in zip(expected, actual)) and s1 == s2


def _sampler_orders(L):
    U = L.utils.data
    data = list(range(37))
    out = list(U.RandomSampler(data)) + list(U.RandomSampler(data))
    out += list(U.RandomSampler(data, replacement=True, num_samples=70))
    out += list(U.RandomSampler(data, num_samples=80))
    out += list(U.RandomSampler(data, generator=L.Generator().manual_seed(3)))
    out += list(U.SubsetRandomSampler([3, 5, 8, 13, 21]))
    out += list(U.SubsetRandomSampler([3, 5, 8, 13, 21], generator=L.Generator().manual_seed(9)))
    out += U.random_split(data, [0.5, 0.3, 0.2])[0].indices
    out += list(U.random_split(data, [30, 7], generator=L.Generator().manual_seed(4))[1].indices)
    for shuffle, drop_last in ((True, False), (True, True), (False, False)):
        for xb in U.DataLoader(L.arange(37), batch_size=8, shuffle=shuffle, drop_last=drop_last):
            out += xb.tolist()
    out += L.randint(0, 2**40, (3,)).tolist()  # the default generator where torch's is after all of it
    return L.tensor(out)


def test_samplers_dataloader_and_random_split_take_torchs_order():
    expected, actual, s1, s2 = _run_both(_sampler_orders)
    assert _same_bytes(expected[0], actual[0]) and s1 == s2


def _flip_and_crop_torch(images, p, size, padding):
    """torchvision's RandomHorizontalFlip then RandomCrop(padding), by their draws (torchvision is not installed)."""
    out = []
    for x in images:
        x = torch.from_numpy(x)
        if torch.rand(1) < p:
            x = x.flip(-1)
        x = torch.nn.functional.pad(x, (padding,) * 4)
        h, w = x.shape[-2:]
        i = torch.randint(0, h - size + 1, size=(1,)).item()
        j = torch.randint(0, w - size + 1, size=(1,)).item()
        out.append(x[..., i : i + size, j : j + size].numpy())
    return out


def test_random_transforms_draw_torchvisions_numbers():
    images = [np.random.default_rng(k).random((3, 8, 8)).astype(np.float32) for k in range(50)]
    torch.manual_seed(7)
    expected = _flip_and_crop_torch(images, 0.5, 8, 2)
    mytorch.manual_seed(7)
    pipeline = T.Compose([T.RandomHorizontalFlip(0.5), T.RandomCrop(8, padding=2)])
    actual = [np.asarray(pipeline(mytorch.tensor(x)).numpy()) for x in images]
    assert all(np.array_equal(e, a) for e, a in zip(expected, actual))
    assert mytorch.get_rng_state().numpy().tobytes() == torch.get_rng_state().numpy().tobytes()


# ---- the generator itself --------------------------------------------------------------------

def test_seeds_states_and_defaults_are_torchs():
    assert mytorch.Generator().initial_seed() == torch.Generator().initial_seed() == 67280421310721
    assert mytorch.Generator().get_state().numpy().tobytes() == torch.Generator().get_state().numpy().tobytes()
    for seed in (0, 1, -1, 2**32 + 5, 2**63, 2**64 - 1, -(2**63)):
        assert mytorch.manual_seed(seed).initial_seed() == torch.manual_seed(seed).initial_seed()
        assert mytorch.get_rng_state().numpy().tobytes() == torch.get_rng_state().numpy().tobytes()
        assert mytorch.rand(2).numpy().tobytes() == torch.rand(2).numpy().tobytes()
    for bad in (2**64, -(2**63) - 1):
        with pytest.raises(ValueError, match="Overflow"):
            mytorch.manual_seed(bad)
    with pytest.raises(RuntimeError, match="expected a long"):
        mytorch.manual_seed(1.5)
    with pytest.raises(RuntimeError, match="size 5056 but found the input RNG state size to be 10"):
        mytorch.set_rng_state(mytorch.zeros(10, dtype=mytorch.uint8))
    assert mytorch.get_rng_state().shape == (5056,) and mytorch.get_rng_state().dtype == mytorch.uint8


def test_the_default_generator_starts_from_os_entropy():
    import subprocess
    import sys

    code = "import mytorch; print(mytorch.initial_seed())"
    seed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert int(seed) != 67280421310721  # as torch: an unseeded process starts from OS entropy, not the default
    mytorch.seed()
    assert mytorch.initial_seed() != 67280421310721 and 0 <= mytorch.initial_seed() < 2**64


@pytest.mark.parametrize("dtype", DTYPES)
def test_a_state_saved_in_one_library_restores_in_the_other(dtype):
    d_t, d_m = getattr(torch, dtype), getattr(mytorch, dtype)
    torch.manual_seed(12)
    torch.randn(5, dtype=torch.float64)  # leaves a cached Box-Muller value in the state
    mytorch.set_rng_state(mytorch.tensor(torch.get_rng_state().numpy()))
    assert mytorch.randn(7, dtype=d_m).numpy().tobytes() == torch.randn(7, dtype=d_t).numpy().tobytes()
    mytorch.manual_seed(13)
    mytorch.randn(3, dtype=d_m)
    mytorch.rand(11, dtype=d_m)
    torch.set_rng_state(torch.from_numpy(mytorch.get_rng_state().numpy()))
    assert torch.get_rng_state().numpy().tobytes() == mytorch.get_rng_state().numpy().tobytes()
    assert mytorch.randn(9, dtype=d_m).numpy().tobytes() == torch.randn(9, dtype=d_t).numpy().tobytes()
    g_t = torch.Generator().manual_seed(5)
    torch.rand(700, generator=g_t)  # part-way through the twister's block of 624 words
    g_m = mytorch.Generator().set_state(mytorch.tensor(g_t.get_state().numpy()))
    assert mytorch.rand(1000, generator=g_m).numpy().tobytes() == torch.rand(1000, generator=g_t).numpy().tobytes()
    with mytorch.random.fork_rng():
        mytorch.rand(5)
    assert mytorch.get_rng_state().numpy().tobytes() == torch.get_rng_state().numpy().tobytes()


def test_fma_emulation_is_correctly_rounded():
    """The FMA helpers against exact rational arithmetic (the property the uniform_ parity rests on)."""
    from fractions import Fraction

    from mytorch._rng_exact import fma32, fma64

    rng = np.random.default_rng(3)
    a, b, c = (rng.standard_normal(400) * 10.0 ** rng.integers(-8, 8, 400) for _ in range(3))
    got64 = fma64(a, b, c)
    got32 = fma32(a.astype(np.float32), b.astype(np.float32), c.astype(np.float32))
    for k in range(400):
        exact = Fraction(float(a[k])) * Fraction(float(b[k])) + Fraction(float(c[k]))
        assert got64[k] == float(exact) if math.isfinite(float(exact)) else True
        x, y, z = (Fraction(float(np.float32(v[k]))) for v in (a, b, c))
        near = np.float32(float(x * y + z))  # float(Fraction) rounds correctly; refine to float32 below
        candidates = [np.nextafter(near, np.float32(-np.inf)), near, np.nextafter(near, np.float32(np.inf))]
        exact = x * y + z
        best = min(candidates, key=lambda v: (abs(Fraction(float(v)) - exact), int(np.float32(v).view(np.int32)) & 1))
        assert got32[k] == best


def _tv_resized_crop_params(height, width, scale, ratio):
    """torchvision's RandomResizedCrop.get_params, call for call."""
    area = height * width
    log_ratio = torch.log(torch.tensor(ratio))
    for _ in range(10):
        target_area = area * torch.empty(1).uniform_(scale[0], scale[1]).item()
        aspect = torch.exp(torch.empty(1).uniform_(log_ratio[0], log_ratio[1])).item()
        w = int(round(math.sqrt(target_area * aspect)))
        h = int(round(math.sqrt(target_area / aspect)))
        if 0 < w <= width and 0 < h <= height:
            i = torch.randint(0, height - h + 1, size=(1,)).item()
            return i, torch.randint(0, width - w + 1, size=(1,)).item(), h, w
    return None


def _tv_erase(img, p, scale, ratio, value):
    """torchvision's RandomErasing.forward on a tensor, call for call (value None: random fill)."""
    if not torch.rand(1) < p:
        return img
    c, ih, iw = img.shape
    log_ratio = torch.log(torch.tensor(ratio))
    for _ in range(10):
        erase_area = ih * iw * torch.empty(1).uniform_(scale[0], scale[1]).item()
        aspect = torch.exp(torch.empty(1).uniform_(log_ratio[0], log_ratio[1])).item()
        h = int(round(math.sqrt(erase_area * aspect)))
        w = int(round(math.sqrt(erase_area / aspect)))
        if not (h < ih and w < iw):
            continue
        if value is None:
            v = torch.empty([c, h, w], dtype=torch.float32).normal_()
        else:
            v = torch.tensor(value)[:, None, None]
        i = torch.randint(0, ih - h + 1, size=(1,)).item()
        j = torch.randint(0, iw - w + 1, size=(1,)).item()
        img = img.clone()
        img[..., i : i + h, j : j + w] = v
        return img
    return img


def test_random_resized_crop_and_erasing_draw_torchvisions_numbers():
    """The draws are torchvision's; the log/exp of the ratio bounds go through NumPy, which may differ from
    PyTorch's in the last bit -- the crop/erase boxes still agree (a box changes only when √(area·ratio) lands
    within an ulp of a .5 rounding boundary)."""
    torch.manual_seed(2)
    expected = [_tv_resized_crop_params(40, 60, (0.08, 1.0), (3 / 4, 4 / 3)) for _ in range(300)]
    mytorch.manual_seed(2)
    image = mytorch.zeros(3, 40, 60)
    actual = [T.RandomResizedCrop.get_params(image, (0.08, 1.0), (3 / 4, 4 / 3)) for _ in range(300)]
    assert actual == expected
    assert mytorch.get_rng_state().numpy().tobytes() == torch.get_rng_state().numpy().tobytes()
    x = np.random.default_rng(0).random((3, 32, 32)).astype(np.float32)
    for value, mine in ((None, "random"), ([0.5], 0.5), ([0.1, 0.2, 0.3], (0.1, 0.2, 0.3))):
        torch.manual_seed(4)
        theirs = [_tv_erase(torch.from_numpy(x), 0.7, (0.02, 0.33), (0.3, 3.3), value).numpy() for _ in range(40)]
        mytorch.manual_seed(4)
        erase = T.RandomErasing(0.7, value=mine)
        ours = [erase(mytorch.tensor(x)).numpy() for _ in range(40)]
        assert all(a.tobytes() == b.tobytes() for a, b in zip(theirs, ours)), value


_BASELINE_CHECK = """
import numpy as np, torch, mytorch
from mytorch import _rng_draws
assert torch.backends.cpu.get_cpu_capability() == "DEFAULT" and _rng_draws.CPU_CAPABILITY == "default"
for make in (lambda L: L.randn(4099), lambda L: L.empty(100).normal_(0.2, 3.0),
             lambda L: L.empty(999).uniform_(-0.3, 0.9), lambda L: L.empty(9, dtype=L.float64).normal_(0.2, 3.0),
             lambda L: L.empty(50).cauchy_(1.0, 2.0)):
    torch.manual_seed(3)
    mytorch.manual_seed(3)
    assert make(torch).numpy().tobytes() == make(mytorch).numpy().tobytes()
print("ok")
"""


def test_pytorchs_baseline_kernels_are_matched_too():
    """With ATEN_CPU_CAPABILITY=default PyTorch runs its kernels built without AVX2/FMA: float32 randn
    through the C library's logf/cosf/sinf (its AVX2 and AVX-512 builds run the AVX2 Cephes kernel) and a·b + c
    unfused.
    mytorch follows the same variable, so both are checked here on any machine."""
    import os
    import subprocess
    import sys

    env = dict(os.environ, ATEN_CPU_CAPABILITY="default")
    out = subprocess.run([sys.executable, "-c", _BASELINE_CHECK], capture_output=True, text=True, env=env)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]
