"""Parameter initialisation (``torch.nn.init``): fills tensors in place from mytorch's generator.

Each bound is computed in PyTorch's order of operations and filled with ``uniform_``/``normal_``,
so the same seed gives PyTorch's initial weights bit for bit.

Fans follow PyTorch: for a weight of shape (out, in, *k), fan_in = in·∏k and fan_out = out·∏k.

    xavier_uniform_:  U(−a, a),  a = gain·√(6 / (fan_in + fan_out))      (Glorot & Bengio, 2010)
    xavier_normal_:   N(0, σ²),  σ = gain·√(2 / (fan_in + fan_out))
    kaiming_uniform_: U(−b, b),  b = gain·√(3 / fan)                      (He et al., 2015)
    kaiming_normal_:  N(0, σ²),  σ = gain / √fan
"""

from __future__ import annotations

import math
import warnings

from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from ..random import Generator


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for a nonlinearity: linear/conv/sigmoid 1, tanh 5/3, relu √2, selu 3/4,
    leaky_relu √(2/(1 + slope²)) with slope 0.01 when ``param`` is not given."""
    linear_fns = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d")
    if nonlinearity in linear_fns or nonlinearity == "sigmoid":
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    if tensor.ndim < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    receptive = 1
    for s in tensor.shape[2:]:
        receptive *= s
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _empty(tensor: Tensor) -> bool:
    if tensor.numel() == 0:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=3)
        return True
    return False


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: Generator | None = None) -> Tensor:
    """Fill with U(a, b)."""
    with no_grad():
        return tensor.uniform_(a, b, generator=generator)


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: Generator | None = None) -> Tensor:
    """Fill with N(mean, std²)."""
    with no_grad():
        return tensor.normal_(mean, std, generator=generator)


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill ``tensor`` with ``val`` in place, without recording a graph; returns it."""
    with no_grad():
        return tensor.fill_(val)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill ``tensor`` with zeros in place, without recording a graph; returns it."""
    with no_grad():
        return tensor.zero_()


def ones_(tensor: Tensor) -> Tensor:
    """Fill ``tensor`` with ones in place, without recording a graph; returns it."""
    with no_grad():
        return tensor.fill_(1.0)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator: Generator | None = None) -> Tensor:
    """U(−a, a) with a = gain·√(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    a = math.sqrt(3.0) * std  # computed in torch's order, so the bound is the same double
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator: Generator | None = None) -> Tensor:
    """N(0, σ²) with σ = gain·√(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def kaiming_uniform_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Generator | None = None,
) -> Tensor:
    """U(−b, b) with b = gain·√(3 / fan), gain = calculate_gain(nonlinearity, a)."""
    if _empty(tensor):
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    bound = math.sqrt(3.0) * std  # torch's order of operations: the same double bound
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Generator | None = None,
) -> Tensor:
    """N(0, σ²) with σ = gain / √fan, gain = calculate_gain(nonlinearity, a)."""
    if _empty(tensor):
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return normal_(tensor, 0.0, std, generator)


def trunc_normal_(
    tensor: Tensor,
    mean: float = 0.0,
    std: float = 1.0,
    a: float = -2.0,
    b: float = 2.0,
    generator: Generator | None = None,
) -> Tensor:
    """N(mean, std²) restricted to [a, b], by rejection as PyTorch 2.13 samples it.

    With p = Φ(β) − Φ(α) the mass inside (α, β the standardised bounds): when p > 0.3, draw
    ``normal_(mean, std)`` and redraw a full ``normal_`` wherever a value fell outside [a, b] (kept
    only there), until none does. Otherwise propose u ~ U(a, b) and accept where
    log v <= −½((u − mean)/std)² − log-peak with v ~ U(0, 1), redrawing both for the pending ones.
    The draws are PyTorch's; the second scheme's acceptance test takes NumPy's float log, which may
    differ from PyTorch's in the last bit, so a proposal within an ulp of the threshold could be
    judged differently (about one in 10⁷).
    """
    import numpy as np

    def norm_cdf(x: float) -> float:
        return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0

    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. "
                      "The distribution of values may be incorrect.", stacklevel=2)
    data = tensor._data
    dt = data.dtype
    with no_grad():
        p = norm_cdf((b - mean) / std) - norm_cdf((a - mean) / std)
        if p > 0.3:
            lo, hi = float(dt.type(a)), float(dt.type(b))
            result = tensor.normal_(mean, std, generator=generator)._data.copy()
            while True:
                mask = (result < lo) | (result > hi)
                if not mask.any():
                    break
                fresh = Tensor._make(np.empty_like(result), False, None).normal_(mean, std, generator=generator)
                result = np.where(mask, fresh._data, result)
            np.copyto(data, result)
            return tensor
        mode = max(a, min(mean, b))
        log_peak = -0.5 * ((mode - mean) / std) ** 2

        def log_pdf(values):
            c = ((values - dt.type(mean)) / dt.type(std)).astype(dt)
            return ((c * c) * dt.type(-0.5) - dt.type(log_peak)).astype(dt)

        def draw_v():
            v = Tensor._make(np.empty_like(data), False, None).uniform_(generator=generator)._data
            with np.errstate(divide="ignore"):
                return np.log(v)

        tensor.uniform_(a, b, generator=generator)
        pending = draw_v() > log_pdf(data)
        result = data.copy()
        while pending.any():
            cand = Tensor._make(np.empty_like(data), False, None).uniform_(a, b, generator=generator)._data
            result = np.where(pending, cand, result)
            pending = np.where(pending, draw_v() > log_pdf(cand), pending)
        np.copyto(data, result)
    return tensor


def orthogonal_(tensor: Tensor, gain: float = 1.0, generator: Generator | None = None) -> Tensor:
    """A (semi-)orthogonal matrix (Saxe et al., 2013): QR of a N(0, 1) matrix drawn as PyTorch draws it,
    Q's columns signed by diag(R), times ``gain``. The draw is PyTorch's; Q comes from LAPACK through
    NumPy, equal to PyTorch's to rounding."""
    import numpy as np

    from .._creation import empty

    if tensor.ndim < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    with no_grad():
        flat = empty(rows, cols, dtype=tensor.dtype).normal_(0, 1, generator=generator)._data
        if rows < cols:
            flat = flat.T
        q, r = np.linalg.qr(flat)
        q = q * np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        np.copyto(tensor._data, (q * gain).reshape(tensor.shape).astype(tensor._data.dtype))
    return tensor
