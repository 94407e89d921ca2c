"""The differentiable ops of mytorch's core, each a ``Function`` with forward and backward.

Primitives (everything else in the library is composed from these):

* elementwise.py -- Add, Sub, Mul, Div, Neg, Pow, Exp, Log, Sqrt, Abs, Tanh, Sigmoid, Relu,
  Maximum, Minimum, Clamp, Where, Cast
* reduce.py -- Sum, Mean, Amax, Amin, LogSumExp (+ argmax/argmin, not differentiable)
* trig.py -- Sin, Cos, Tan, Sinh, Cosh, Asin, Acos, Atan, Atan2
* shape.py -- Reshape, Permute, Expand, GetItem, Gather, Cat (+ subclasses that only carry
  PyTorch's node names: Unsqueeze, Squeeze, Transpose, Select, Slice, ...)
* scatter.py -- Scatter, ScatterAdd
* linalg.py -- MatMul
* activation.py -- fused LogSoftmax, Softmax, Erf, Gelu, LeakyRelu, Silu, Softplus
* nn.functional adds fused Linear, BatchNorm and cross-entropy where a benchmark showed they pay.

``_util.unbroadcast`` is the one place where gradients of broadcast inputs are summed back.
"""
