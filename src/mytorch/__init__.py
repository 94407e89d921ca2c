"""mytorch: a deep-learning library written from scratch on NumPy, with PyTorch's API and numbers.

    >>> import mytorch
    >>> x = mytorch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> (x * x).sum().backward()
    >>> x.grad
    tensor([2., 4., 6.])
"""

from __future__ import annotations

from . import (
    _dtype,
    accelerator,
    autograd,
    backends,
    cuda,
    datasets,
    io,
    linalg,
    models,
    nn,
    optim,
    random,
    train,
    transforms,
    utils,
)
from ._creation import (
    arange,
    as_tensor,
    bernoulli,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    multinomial,
    normal,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from ._device import device
from ._dtype import dtype, get_default_dtype, is_floating_point, set_default_dtype
from ._functional import (
    abs,
    acos,
    add,
    allclose,
    amax,
    amin,
    arccos,
    arcsin,
    arctan,
    arctan2,
    argmax,
    argmin,
    asin,
    atan,
    atan2,
    bmm,
    broadcast_to,
    cat,
    chunk,
    clamp,
    clip,
    concat,
    concatenate,
    cos,
    cosh,
    div,
    equal,
    erf,
    exp,
    flatten,
    gather,
    is_tensor,
    log,
    log_softmax,
    logsumexp,
    masked_fill,
    matmul,
    max,
    maximum,
    mean,
    meshgrid,
    min,
    minimum,
    mm,
    mul,
    neg,
    norm,
    numel,
    permute,
    pow,
    relu,
    reshape,
    scatter,
    scatter_add,
    sigmoid,
    sin,
    sinh,
    softmax,
    split,
    sqrt,
    squeeze,
    stack,
    std,
    sub,
    sum,
    tan,
    tanh,
    transpose,
    unsqueeze,
    var,
    where,
)
from ._size import Size
from ._tensor import Tensor
from ._threads import get_num_threads, set_num_threads
from .autograd.anomaly_mode import is_anomaly_check_nan_enabled, is_anomaly_enabled
from .autograd.grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .random import Generator, default_generator, get_rng_state, initial_seed, manual_seed, seed, set_rng_state
from .serialization import load, save

# The public dtypes (``mytorch.dtype`` objects, printed as ``mytorch.float32``) and PyTorch's
# aliases for them (they shadow builtins only inside this namespace, as in torch).
float16, float32, float64 = _dtype.public("float16"), _dtype.public("float32"), _dtype.public("float64")
uint8, int8, int16 = _dtype.public("uint8"), _dtype.public("int8"), _dtype.public("int16")
int32, int64, bool_ = _dtype.public("int32"), _dtype.public("int64"), _dtype.public("bool")
bool = bool_  # noqa: A001
float = float32  # noqa: A001
double = float64
half = float16
int = int32  # noqa: A001
long = int64
short = int16



__version__ = "0.1.0"
