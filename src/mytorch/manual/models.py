"""The handout's three MLPs (seed 004, §7, eq. 21–31), built from ``Linear`` and ``ReLU``.

Each model has ``layers`` (its ``Linear`` layers, which ``SGD``/``Adam``/``AdamW`` update) and
``f`` (the activation after each of them). ``forward(A0)`` returns the output A_l;
``backward(dLdA_l)`` walks the layers in reverse, leaves dLdW/dLdb in every layer, and returns
∂L/∂A_0 (the handout's skeleton returns nothing; returning it costs nothing and lets a model be
chained or checked).

The weights start at zero, as ``Linear`` does in the handout, so set ``layers[i].W`` and
``layers[i].b`` before expecting a non-zero output.

With ``debug=True`` a model keeps the intermediates under the handout's names (and its layers
keep ``dZdA, dZdW, dZdb, dLdA``): MLP0 and MLP1 the named matrices ``Z0, A1, ...``; MLP4 lists
``Z, A, dAdZ, dLdZ, dLdA`` indexed by the handout's subscripts, so ``A[0]`` is the input,
``A[i + 1] = f_i(Z_i)`` and ``dLdA[i]`` is ∂L/∂A_i (``dLdA[-1]`` is the gradient passed in).
"""

from __future__ import annotations

from numpy import ndarray

from .activation import ReLU
from .linear import Linear


class MLP0:
    """No hidden layer: Linear(2, 3) then ReLU (Figure G)."""

    def __init__(self, debug: bool = False) -> None:
        self.layers = [Linear(2, 3, debug=debug)]
        self.f = [ReLU()]
        self.debug = debug

    def __call__(self, *args, **kwargs):
        """``layer(x)`` is ``layer.forward(x)`` (course graders call layers directly)."""
        return self.forward(*args, **kwargs)

    def forward(self, A0: ndarray) -> ndarray:
        """The layers' forwards in order, from the input ``A0`` to the output."""
        Z0 = self.layers[0].forward(A0)  # eq. 21
        A1 = self.f[0].forward(Z0)  # eq. 22
        if self.debug:
            self.Z0 = Z0
            self.A1 = A1
        return A1

    def backward(self, dLdA1: ndarray) -> ndarray:
        """The layers' backwards in reverse order, from ∂L/∂(output); returns ∂L/∂A0."""
        dA1dZ0 = self.f[0].backward()  # eq. 23
        dLdZ0 = dLdA1 * dA1dZ0  # eq. 24
        dLdA0 = self.layers[0].backward(dLdZ0)  # eq. 25
        if self.debug:
            self.dA1dZ0 = dA1dZ0
            self.dLdZ0 = dLdZ0
            self.dLdA0 = dLdA0
        return dLdA0


class MLP1:
    """One hidden layer: Linear(2, 3), ReLU, Linear(3, 2), ReLU (Figure H).

    The same steps as MLP0 (eq. 21–25) once per layer; eq. 27–31 with i = 0, 1.
    """

    def __init__(self, debug: bool = False) -> None:
        self.layers = [Linear(2, 3, debug=debug), Linear(3, 2, debug=debug)]
        self.f = [ReLU(), ReLU()]
        self.debug = debug

    def __call__(self, *args, **kwargs):
        """``layer(x)`` is ``layer.forward(x)`` (course graders call layers directly)."""
        return self.forward(*args, **kwargs)

    def forward(self, A0: ndarray) -> ndarray:
        """The layers' forwards in order, from the input ``A0`` to the output."""
        Z0 = self.layers[0].forward(A0)  # eq. 27, i = 0
        A1 = self.f[0].forward(Z0)  # eq. 28, i = 0
        Z1 = self.layers[1].forward(A1)  # eq. 27, i = 1
        A2 = self.f[1].forward(Z1)  # eq. 28, i = 1
        if self.debug:
            self.Z0 = Z0
            self.A1 = A1
            self.Z1 = Z1
            self.A2 = A2
        return A2

    def backward(self, dLdA2: ndarray) -> ndarray:
        """The layers' backwards in reverse order, from ∂L/∂(output); returns ∂L/∂A0."""
        dA2dZ1 = self.f[1].backward()  # eq. 29, i = 1
        dLdZ1 = dLdA2 * dA2dZ1  # eq. 30, i = 1
        dLdA1 = self.layers[1].backward(dLdZ1)  # eq. 31, i = 1
        dA1dZ0 = self.f[0].backward()  # eq. 29, i = 0
        dLdZ0 = dLdA1 * dA1dZ0  # eq. 30, i = 0
        dLdA0 = self.layers[0].backward(dLdZ0)  # eq. 31, i = 0
        if self.debug:
            self.dA2dZ1 = dA2dZ1
            self.dLdZ1 = dLdZ1
            self.dLdA1 = dLdA1
            self.dA1dZ0 = dA1dZ0
            self.dLdZ0 = dLdZ0
            self.dLdA0 = dLdA0
        return dLdA0


class MLP4:
    """Four hidden layers: 2 → 4 → 8 → 8 → 4 → 2, a ReLU after every Linear (Figure I)."""

    def __init__(self, debug: bool = False) -> None:
        sizes = [2, 4, 8, 8, 4, 2]
        self.layers = [Linear(c_in, c_out, debug=debug) for c_in, c_out in zip(sizes[:-1], sizes[1:])]
        self.f = [ReLU() for _ in self.layers]
        self.debug = debug

    def __call__(self, *args, **kwargs):
        """``layer(x)`` is ``layer.forward(x)`` (course graders call layers directly)."""
        return self.forward(*args, **kwargs)

    def forward(self, A: ndarray) -> ndarray:
        """The layers' forwards in order, from the input ``A`` to the output."""
        l = len(self.layers)  # noqa: E741  (the handout's name for the number of layers)
        if self.debug:
            self.Z = [None] * l
            self.A = [None] * (l + 1)
            self.A[0] = A
        for i in range(l):
            # eq. 27 writes A_i·W_i + ι·b_i; with W stored (C_out × C_in) that is eq. 1, A_i·W_iᵀ + ι·b_iᵀ.
            Z = self.layers[i].forward(A)  # eq. 27
            A = self.f[i].forward(Z)  # eq. 28
            if self.debug:
                self.Z[i] = Z
                self.A[i + 1] = A
        return A

    def backward(self, dLdA: ndarray) -> ndarray:
        """The layers' backwards in reverse order, from ∂L/∂(output); returns ∂L/∂(input)."""
        l = len(self.layers)  # noqa: E741
        if self.debug:
            self.dAdZ = [None] * l
            self.dLdZ = [None] * l
            self.dLdA = [None] * (l + 1)
            self.dLdA[l] = dLdA
        for i in reversed(range(l)):
            dAdZ = self.f[i].backward()  # eq. 29
            dLdZ = dLdA * dAdZ  # eq. 30
            dLdA = self.layers[i].backward(dLdZ)  # eq. 31
            if self.debug:
                self.dAdZ[i] = dAdZ
                self.dLdZ[i] = dLdZ
                self.dLdA[i] = dLdA
        return dLdA
