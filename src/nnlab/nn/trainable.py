r"""The parameter protocol: how a layer hands its trainable arrays to a ``Network``.

A layer with parameters subclasses ``Trainable`` and declares two class attributes: its ``kind``,
the prefix of its names in a network, and its ``parameters``, each parameter's name mapped to the
attribute that holds its gradient::

    class Dense(Trainable):
        kind = "dense"
        parameters = {"weights": "dweights", "biases": "dbiases"}

and keeps this contract:

- ``__init__`` binds every parameter and gradient array once (``self.weights = W``); the arrays
  keep their identity for the layer's life;
- ``forward(x, training) -> y`` and ``backward(dy, need_dx=True) -> dx``; ``backward`` overwrites
  each gradient array in place with ``dL/dtheta`` for the last ``forward`` (not accumulating), and
  returns ``None`` instead of ``dx`` when ``need_dx`` is false (the network's first layer);
- a layer with a penalty ``R(theta)`` sets ``regularized = True``, returns ``R`` from
  ``regularization_loss()`` and adds ``dR/dtheta`` to its gradients in ``backward``.

``params()`` and ``grads()`` map the declared names to those arrays. ``Network`` collects them from
every ``Trainable`` layer as ``<kind><n>.<name>``, ``n`` counting the layers of that kind from 1
(``dense1.weights``, ``dense1.biases``, ``dense2.weights``, ...), and the optimizer updates the
parameter arrays in place.

**Binding is once.** The network and its optimizer's state hold the arrays themselves, so a layer
attribute pointing at another array would train nothing, silently. Assigning a different array to
a declared attribute (``layer.weights = W``, parameter or gradient) raises ``AttributeError``
naming the in-place form, ``layer.weights[...] = W``. Augmented assignment (``layer.weights *=
0.5``) hands back the same array and is allowed.

**Speed.** The guard is a data descriptor on the class, and CPython does not specialise reads of
a name that has one (even a descriptor without ``__get__`` costs ~12 ns a read on CPython 3.11;
this one costs a Python call). So the array itself lives in the plain instance attribute
``_<name>`` (``self._weights``), which a layer's ``forward`` and ``backward`` read: as fast as any
attribute. The public name is for everyone else.
"""

from typing import ClassVar

import numpy as np


class _BoundOnce:
    """A declared array attribute: reads ``layer._<name>``; the first assignment binds it, a later
    one must hand back the same array."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.storage = f"_{name}"

    def __get__(self, layer, owner=None):
        return self if layer is None else getattr(layer, self.storage)

    def __set__(self, layer, array: np.ndarray) -> None:
        bound = getattr(layer, self.storage, None)
        if bound is not None and array is not bound:
            raise AttributeError(
                f"{type(layer).__name__}.{self.name} cannot be rebound: the network and its "
                f"optimizer hold this array; copy into it with layer.{self.name}[...] = value"
            )
        setattr(layer, self.storage, array)


class Trainable:
    """Base class of layers with parameters (see the module docstring for the contract)."""

    kind: ClassVar[str]
    parameters: ClassVar[dict[str, str]]
    regularized = False

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        for name in (*cls.parameters, *cls.parameters.values()):
            setattr(cls, name, _BoundOnce(name))

    def params(self) -> dict[str, np.ndarray]:
        """Parameter name -> the layer's own array."""
        return {name: getattr(self, name) for name in self.parameters}

    def grads(self) -> dict[str, np.ndarray]:
        """Parameter name -> the array ``backward`` writes that parameter's gradient into."""
        return {name: getattr(self, grad) for name, grad in self.parameters.items()}

    def regularization_loss(self) -> float:
        """The penalty ``R(theta)`` this layer adds to the loss (none by default)."""
        return 0.0
