"""The PyTorch API a tutorial script touches: devices, random factories, out=, scatter, grad modes,
LazyLinear, Resize, and what is printed (Size, grad_fn names, format)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import mytorch
from mytorch import nn
from mytorch import transforms as T
from mytorch.autograd import gradcheck


# ---------------------------------------------------------------- devices
def test_device_objects_behave_as_torch_devices():
    for spec in ("cpu", "cuda", "cuda:1", "mps"):
        ours, theirs = mytorch.device(spec), torch.device(spec)
        assert (ours.type, ours.index, str(ours), repr(ours)) == (
            theirs.type, theirs.index, str(theirs), repr(theirs))
    assert mytorch.device("cuda", 2) == mytorch.device("cuda:2") and mytorch.device("cpu") == "cpu"
    assert mytorch.device(mytorch.device("cpu")) == mytorch.device("cpu")
    assert len({mytorch.device("cpu"), mytorch.device("cpu")}) == 1
    with pytest.raises(RuntimeError, match="Expected one of cpu, cuda"):
        mytorch.device("gpu")
    assert mytorch.zeros(2).device == mytorch.device("cpu") and str(mytorch.zeros(1).device) == "cpu"


def test_the_device_queries_answer_cpu_only():
    assert mytorch.cuda.is_available() is False and mytorch.cuda.device_count() == 0
    assert mytorch.backends.mps.is_available() is False and mytorch.accelerator.is_available() is False
    assert mytorch.accelerator.current_accelerator() is None
    mytorch.cuda.manual_seed_all(0)  # accepted, as in PyTorch without a GPU
    device = mytorch.accelerator.current_accelerator().type if mytorch.accelerator.is_available() else "cpu"
    assert device == "cpu"


def test_cpu_works_everywhere_and_cuda_or_mps_give_one_clear_error():
    cpu = mytorch.device("cpu")
    model = nn.Linear(2, 3).to(cpu)
    x = mytorch.ones(4, 2, device=cpu).to(cpu).to("cpu:0")
    assert model(x).shape == (4, 3) and model.to("cpu", mytorch.float64).weight.dtype == mytorch.float64
    assert x.to(cpu, mytorch.float64).dtype == mytorch.float64
    for f in (mytorch.zeros, mytorch.ones, mytorch.rand, mytorch.randn, mytorch.empty):
        assert f(2, device="cpu").shape == (2,)
    assert mytorch.zeros_like(x, device=cpu).shape == x.shape
    assert mytorch.tensor([1.0], device=cpu).tolist() == [1.0]
    calls = [lambda: x.to("cuda"), lambda: x.to(mytorch.device("cuda:0")), lambda: model.to("cuda"),
             lambda: mytorch.zeros(2, device="cuda"), lambda: mytorch.randint(0, 3, (2,), device="cuda"),
             lambda: x.cuda(), lambda: model.cuda(), lambda: mytorch.arange(3, device=0)]
    for call in calls:
        with pytest.raises(RuntimeError, match="mytorch has no CUDA backend: it runs on the CPU only"):
            call()
    with pytest.raises(RuntimeError, match="no MPS backend"):
        model.to(mytorch.device("mps"))


# ---------------------------------------------------------------- random factories
def test_randint_forms_and_wrong_calls():
    mytorch.manual_seed(0)
    r = mytorch.randint(3, 7, (500,))
    assert r.dtype == mytorch.int64 and r.shape == (500,) and set(r.tolist()) == {3, 4, 5, 6}
    assert set(mytorch.randint(3, (200,)).tolist()) == {0, 1, 2}
    assert mytorch.randint(low=1, high=3, size=(2, 2)).shape == (2, 2)
    assert mytorch.randint(5, size=[4]).shape == (4,)
    with pytest.raises(TypeError, match=r"randint\(10\) has no size: call it as randint\(high, size\)"):
        mytorch.randint(10)
    with pytest.raises(TypeError, match=r"randint\(0, 10\) has no size"):
        mytorch.randint(0, 10)
    with pytest.raises(TypeError, match="size must be a tuple of ints, got 3"):
        mytorch.randint(0, 10, 3)
    with pytest.raises(RuntimeError, match="low must be less than high, got low=5, high=2"):
        mytorch.randint(5, 2, (3,))


def test_normal_forms():
    mytorch.manual_seed(0)
    a = mytorch.normal(2.0, 3.0, size=(20000,))
    assert a.dtype == mytorch.float32 and abs(a.mean().item() - 2.0) < 0.1 and abs(a.std().item() - 3.0) < 0.1
    mean = mytorch.arange(4, dtype=mytorch.float64)
    b = mytorch.normal(mean, 1e-9)
    assert b.dtype == mytorch.float64 and np.allclose(b.numpy(), mean.numpy(), atol=1e-6)
    c = mytorch.normal(mytorch.zeros(3, 1), mytorch.ones(1, 2))  # broadcast
    assert c.shape == (3, 2)
    mytorch.manual_seed(5)
    d1 = mytorch.normal(0.0, 1.0, (3,))
    mytorch.manual_seed(5)
    assert d1.tolist() == mytorch.randn(3).tolist()  # mean + std·z with z from randn's stream
    with pytest.raises(TypeError, match="size is required"):
        mytorch.normal(0.0, 1.0)
    with pytest.raises(RuntimeError, match="std >= 0.0"):
        mytorch.normal(mytorch.zeros(2), -1.0)


# ---------------------------------------------------------------- out=
@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "maximum", "minimum", "atan2", "matmul", "pow"])
def test_out_writes_into_the_given_tensor(name):
    rng = np.random.default_rng(0)
    a, b = np.abs(rng.standard_normal((3, 3))) + 0.5, np.abs(rng.standard_normal((3, 3))) + 0.5
    out = mytorch.empty(3, 3)
    result = getattr(mytorch, name)(mytorch.tensor(a, dtype=mytorch.float32), mytorch.tensor(b, dtype=mytorch.float32),
                                    out=out)
    expected = getattr(torch, name)(torch.tensor(a, dtype=torch.float32), torch.tensor(b, dtype=torch.float32))
    assert result is out
    np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-6)


def test_out_resizes_refuses_autograd_and_casts_like_torch():
    out = mytorch.zeros(5)
    with pytest.warns(UserWarning, match="was resized"):
        mytorch.add(mytorch.ones(2, 2), 1, out=out)
    assert out.shape == (2, 2) and out.tolist() == [[2.0, 2.0], [2.0, 2.0]]
    empty = mytorch.empty(0)
    mytorch.mul(mytorch.ones(3), 2, out=empty)  # an empty out is resized silently
    assert empty.tolist() == [2.0, 2.0, 2.0]
    with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
        mytorch.mul(mytorch.ones(2, requires_grad=True), 2, out=mytorch.empty(2))
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type"):
        mytorch.add(mytorch.ones(2), 1, out=mytorch.zeros(2, dtype=mytorch.int64))
    with mytorch.no_grad():
        w = mytorch.ones(2, requires_grad=True)
        mytorch.mul(w, 3, out=mytorch.empty(2))


# ---------------------------------------------------------------- scatter
@pytest.mark.filterwarnings("ignore:The reduce argument of torch.scatter")
def test_scatter_in_place_forms_match_torch():
    for lib in (mytorch, torch):
        one_hot = lib.zeros(10, dtype=lib.float32).scatter_(0, lib.tensor(3), value=1)  # the tutorial's Lambda
        assert one_hot.tolist() == [0, 0, 0, 1, 0, 0, 0, 0, 0, 0]
    idx = np.array([[0, 1, 1], [2, 0, 2]])
    src = np.arange(6, dtype=np.float32).reshape(2, 3) + 1
    ours = mytorch.ones(2, 4).scatter_(1, mytorch.tensor(idx), mytorch.tensor(src), reduce="add")
    theirs = torch.ones(2, 4).scatter_(1, torch.tensor(idx), torch.tensor(src), reduce="add")
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    ours = mytorch.ones(2, 4).scatter_add_(1, mytorch.tensor(idx), mytorch.tensor(src))
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    ours = mytorch.full((2, 4), 2.0).scatter_(1, mytorch.tensor(idx), mytorch.tensor(src), reduce="multiply")
    theirs = torch.full((2, 4), 2.0).scatter_(1, torch.tensor(idx), torch.tensor(src), reduce="multiply")
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_scatter_with_an_index_smaller_than_src():
    """Only src's leading index-shaped block is used (torch's forward); the gradient is checked by differences."""
    rng = np.random.default_rng(0)
    x, src = rng.standard_normal((3, 4)), rng.standard_normal((3, 5))
    idx = np.array([[0, 3], [2, 1], [1, 0]])
    ours = mytorch.tensor(x).scatter(1, mytorch.tensor(idx), mytorch.tensor(src))
    theirs = torch.tensor(x).scatter(1, torch.tensor(idx), torch.tensor(src))
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    xs = [mytorch.tensor(x, requires_grad=True), mytorch.tensor(src, requires_grad=True)]
    assert gradcheck(lambda a, s: a.scatter(1, mytorch.tensor(idx), s), xs)
    assert gradcheck(lambda a, s: a.scatter_add(1, mytorch.tensor(idx), s), xs)


def test_scatter_refuses_bad_indices():
    x = mytorch.zeros(2, 3)
    with pytest.raises(RuntimeError, match="index 3 is out of bounds for dimension 1 with size 3"):
        x.scatter(1, mytorch.tensor([[3], [0]]), 1.0)
    with pytest.raises(RuntimeError, match="Expected dtype int64 for index"):
        x.scatter(1, mytorch.tensor([[0.0], [1.0]]), 1.0)
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        x.scatter(1, mytorch.tensor([0, 1]), 1.0)
    with pytest.raises(RuntimeError, match="in-place"):
        mytorch.zeros(2, requires_grad=True).scatter_(0, mytorch.tensor([0]), value=1.0)


# ---------------------------------------------------------------- grad modes
def test_no_grad_bare_and_called_decorators_and_inference_mode():
    x = mytorch.ones(2, requires_grad=True)

    @mytorch.no_grad
    def bare(t):
        return t * 2

    @mytorch.no_grad()
    def called(t):
        return t * 2

    @mytorch.inference_mode()
    def infer(t):
        return t * 2

    @mytorch.inference_mode
    def infer_bare(t):
        return t * 2

    assert not any(f(x).requires_grad for f in (bare, called, infer, infer_bare))
    assert bare.__name__ == "bare" and (x * 2).requires_grad
    with mytorch.inference_mode():
        assert not (x * 2).requires_grad
        with mytorch.enable_grad():
            assert (x * 2).requires_grad
    with mytorch.inference_mode(False):
        assert (x * 2).requires_grad
    assert mytorch.is_grad_enabled()


# ---------------------------------------------------------------- LazyLinear
def test_lazy_linear_infers_in_features_and_initialises_as_linear():
    mytorch.manual_seed(0)
    lazy = nn.Sequential(nn.LazyLinear(4), nn.ReLU(), nn.LazyLinear(2, bias=False))
    params = list(lazy.parameters())
    opt = mytorch.optim.SGD(params, lr=0.1)  # built before the shapes are known, as in PyTorch
    assert [p.shape for p in params] == [(0,), (0,), (0,)] and "in_features=0" in repr(lazy)
    out = lazy(mytorch.ones(3, 5))
    assert out.shape == (3, 2) and type(lazy[0]) is nn.Linear and lazy[0].in_features == 5
    assert [p.shape for p in lazy.parameters()] == [(4, 5), (4,), (2, 4)]
    assert all(p is q for p, q in zip(params, lazy.parameters()))  # the same Parameter objects
    mytorch.manual_seed(0)
    eager = nn.Sequential(nn.Linear(5, 4), nn.ReLU(), nn.Linear(4, 2, bias=False))
    for a, b in zip(lazy.parameters(), eager.parameters()):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    out.sum().backward()
    opt.step()
    fresh = nn.Sequential(nn.LazyLinear(4), nn.ReLU(), nn.LazyLinear(2, bias=False))
    fresh.load_state_dict(lazy.state_dict())  # shapes come from the saved tensors
    np.testing.assert_array_equal(fresh(mytorch.ones(1, 5)).detach().numpy(), lazy(mytorch.ones(1, 5)).detach().numpy())


# ---------------------------------------------------------------- transforms.Resize
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("antialias", [False, True])
def test_resize_matches_torch_interpolate(dtype, mode, antialias):
    rng = np.random.default_rng(0)
    for shape in ((1, 28, 28), (3, 13, 17)):
        x = rng.standard_normal(shape).astype(dtype)
        for size in ((14, 10), (40, 35), (7, 50)):
            ours = T.Resize(size, interpolation=mode, antialias=antialias)(mytorch.tensor(x))
            kw = {} if mode == "nearest" else {"align_corners": False, "antialias": antialias}
            # the reference is computed in float64 from the same (float32-representable) input
            theirs = torch.nn.functional.interpolate(torch.tensor(x, dtype=torch.float64)[None], size=size,
                                                     mode=mode, **kw)[0]
            assert ours.dtype == x.dtype and ours.shape == tuple(theirs.shape)
            # float32: each output is a convex combination of inputs |x| < 6, so rounding stays below
            # a few float32 ulps of 6 (~5e-7 each)
            tol = 4e-6 if dtype == np.float32 else 1e-12
            np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=0, atol=tol)


def test_resize_sizes_and_kinds():
    img = np.zeros((1, 20, 40), np.float32)
    assert T.Resize(10)(img).shape == (1, 10, 20)  # the smaller edge becomes 10
    assert T.Resize(10, max_size=15)(img).shape == (1, 7, 15)
    assert T.Resize((5, 6), interpolation=T.InterpolationMode.NEAREST)(mytorch.tensor(img)).shape == (1, 5, 6)
    u8 = np.full((1, 4, 4), 200, np.uint8)
    assert T.Resize(2)(u8).dtype == np.uint8 and (T.Resize(2)(u8) == 200).all()
    with pytest.raises(ValueError, match="interpolation must be an InterpolationMode"):
        T.Resize(4, interpolation="bicubic-ish")
    with pytest.raises(ValueError, match="tensors support NEAREST and BILINEAR"):  # bicubic is for PIL images
        T.Resize(4, interpolation="bicubic")(img)
    composed = T.Compose([T.ToTensor(), T.Resize((8, 8)), T.Lambda(lambda t: t * 2)])
    assert composed(np.full((28, 28), 255, np.uint8)).shape == (1, 8, 8)


# ---------------------------------------------------------------- what a user sees printed
def test_shapes_print_as_size_and_grad_fn_names_follow_torch():
    x = mytorch.ones(2, 3, requires_grad=True)
    assert isinstance(x.shape, mytorch.Size) and isinstance(x.size(), tuple) and x.size() == (2, 3)
    assert repr(x.shape) == "mytorch.Size([2, 3])" and str(x.size()) == "mytorch.Size([2, 3])"
    assert x.shape[1:] == mytorch.Size([3]) and isinstance(x.shape[1:], mytorch.Size) and x.shape.numel() == 6
    assert x.size(1) == 3 and type(x.size(1)) is int
    tx = torch.ones(2, 3, requires_grad=True)
    w, tw = mytorch.ones(4, 3, requires_grad=True), torch.ones(4, 3, requires_grad=True)
    cases = [
        (lambda m, a, b: a * 2), (lambda m, a, b: a + 1), (lambda m, a, b: a @ b.t()), (lambda m, a, b: a.sum()),
        (lambda m, a, b: m.nn.functional.linear(a, b, m.zeros(4))), (lambda m, a, b: a.exp()),
        (lambda m, a, b: m.nn.functional.cross_entropy(a, m.tensor([0, 2]))), (lambda m, a, b: a.clamp(0, 1)),
        (lambda m, a, b: a.sin()), (lambda m, a, b: a.mean()), (lambda m, a, b: a.relu()), (lambda m, a, b: a / 2),
        (lambda m, a, b: a.double()), (lambda m, a, b: a.view(6)), (lambda m, a, b: a[:, 0]),
        (lambda m, a, b: a[1:]), (lambda m, a, b: a[0, 1:]), (lambda m, a, b: a[m.tensor([0, 0])]),
        (lambda m, a, b: a.unsqueeze(0)), (lambda m, a, b: a.unsqueeze(0).squeeze(0)), (lambda m, a, b: a.t()),
        (lambda m, a, b: a.transpose(0, 1)), (lambda m, a, b: a.permute(1, 0)), (lambda m, a, b: a.expand(4, 2, 3)),
    ]
    for f in cases:
        ours, theirs = f(mytorch, x, w).grad_fn.name(), f(torch, tx, tw).grad_fn.name()
        assert ours == theirs
    assert repr(x * 2) == "tensor([[2., 2., 2.],\n        [2., 2., 2.]], grad_fn=<MulBackward0>)"


def test_format_of_tensors_follows_torch():
    for value in (3.14159, 2.0, -1e-7):
        assert f"{mytorch.tensor(value):.4f}" == f"{torch.tensor(value):.4f}"
        assert f"{mytorch.tensor(value)}" == f"{torch.tensor(value)}"
        assert f"{mytorch.tensor(value):>12.3e}" == f"{torch.tensor(value):>12.3e}"
    assert f"{mytorch.tensor(7)}" == f"{torch.tensor(7)}"
    assert f"{mytorch.tensor([1.5, 2.0])}" == "tensor([1.5000, 2.0000])"
    with pytest.raises(TypeError, match="unsupported format string"):
        f"{mytorch.tensor([1.5]):.2f}"


def test_dtypes_print_as_torch_and_stand_for_numpy_dtypes():
    import copy
    import pickle

    t = mytorch.zeros(2, dtype=mytorch.float64)
    assert repr(t.dtype) == str(t.dtype) == "mytorch.float64" and f"{mytorch.int64}" == "mytorch.int64"
    assert str(mytorch.get_default_dtype()) == "mytorch.float32" and mytorch.float == mytorch.float32
    assert t.dtype == mytorch.float64 == np.float64 == np.dtype("float64") and t.dtype != mytorch.float32
    assert np.dtype(mytorch.float16) == np.float16 and np.zeros(1).astype(mytorch.int32).dtype == np.int32
    assert {np.dtype("float32"): "x"}[mytorch.float32] == "x" and mytorch.float32 in {np.dtype("float32")}
    assert t.dtype.is_floating_point and not mytorch.int64.is_floating_point and t.dtype.itemsize == 8
    assert t.dtype.kind == "f" and t.numpy().dtype == np.float64
    assert pickle.loads(pickle.dumps(mytorch.int16)) is mytorch.int16 and copy.deepcopy(mytorch.bool) is mytorch.bool
    assert repr(mytorch.ones(2, dtype=mytorch.float64)) == "tensor([1., 1.], dtype=mytorch.float64)"


def test_dtypes_round_trip_through_pt_files(tmp_path):
    mytorch.save({"dtype": mytorch.float64, "device": mytorch.device("cpu")}, tmp_path / "d.pt")
    theirs = torch.load(tmp_path / "d.pt")
    assert theirs == {"dtype": torch.float64, "device": torch.device("cpu")}
    torch.save({"dtype": torch.int64}, tmp_path / "t.pt")
    assert mytorch.load(tmp_path / "t.pt")["dtype"] is mytorch.int64
