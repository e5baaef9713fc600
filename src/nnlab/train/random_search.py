r"""The gradient-free baselines the gradient methods are measured against.

Both keep the best parameters seen so far, ``theta*`` with training loss ``L*``, and at each
iteration ``t`` evaluate a candidate ``theta'`` on the whole training set:

- random search:  ``theta' = s_t * N(0, I)`` (fresh weights and biases every iteration);
- hill climbing:  ``theta' = theta* + s_t * N(0, I)`` (a Gaussian step from the best so far).

If ``L(theta') < L*`` the candidate becomes the best; otherwise the network reverts to
``theta*``. ``s_t`` comes from a schedule (constant ``0.05`` is the book's). Each iteration is
recorded like a training epoch, with the metrics of the kept parameters, plus
``search/acceptance``, the fraction of candidates accepted so far.
"""

from collections.abc import Callable

import numpy as np

from nnlab.checks import positive_int
from nnlab.data import Dataset
from nnlab.nn import Network
from nnlab.optim.base import Params
from nnlab.schedules import Schedule
from nnlab.train.callbacks import Callback
from nnlab.train.history import History
from nnlab.train.record import EpochRecorder

Proposal = Callable[[Params, Params, float, np.random.Generator], None]


def random_search(
    network: Network,
    data: Dataset,
    schedule: Schedule,
    *,
    iterations: int,
    rng: np.random.Generator,
    callbacks: list[Callback] = (),
    val_every: int = 1,
) -> History:
    """Random search: draw every parameter afresh from ``schedule(t) * N(0, 1)``."""
    return _search(network, data, _draw_fresh, schedule, iterations, rng, callbacks, val_every)


def hill_climb(
    network: Network,
    data: Dataset,
    schedule: Schedule,
    *,
    iterations: int,
    rng: np.random.Generator,
    callbacks: list[Callback] = (),
    val_every: int = 1,
) -> History:
    """Hill climbing: perturb the best parameters by ``schedule(t) * N(0, 1)``."""
    return _search(network, data, _perturb_best, schedule, iterations, rng, callbacks, val_every)


def _draw_fresh(params: Params, best: Params, scale: float, rng: np.random.Generator) -> None:
    for value in params.values():
        np.multiply(rng.standard_normal(value.shape), scale, out=value)


def _perturb_best(params: Params, best: Params, scale: float, rng: np.random.Generator) -> None:
    for key, value in params.items():
        np.multiply(rng.standard_normal(value.shape), scale, out=value)
        value += best[key]


def _search(
    network: Network,
    data: Dataset,
    propose: Proposal,
    schedule: Schedule,
    iterations: int,
    rng: np.random.Generator,
    callbacks: list[Callback],
    val_every: int,
) -> History:
    positive_int("iterations", iterations)
    positive_int("val_every", val_every)
    x, y = data.x_train, data.y_train
    params = network.params

    def measure() -> dict[str, float]:
        data_loss = network.loss(x, y, training=False)
        hits, count = network.accuracy.correct(network.head.predictions, y)
        reg_loss = network.regularization_loss()
        return {
            "train/loss": data_loss + reg_loss,
            "train/data_loss": data_loss,
            "train/reg_loss": reg_loss,
            "train/accuracy": hits / count,
        }

    best_params = {key: value.copy() for key, value in params.items()}
    best = measure()
    accepted = 0
    with EpochRecorder(network, data, callbacks, iterations, val_every) as recorder:
        for iteration in range(iterations):
            scale = schedule(iteration)
            propose(params, best_params, scale, rng)
            candidate = measure()
            if candidate["train/loss"] < best["train/loss"]:
                best = candidate
                accepted += 1
                for key, value in params.items():
                    np.copyto(best_params[key], value)
            else:
                for key, value in params.items():
                    np.copyto(value, best_params[key])
            metrics = {**best, "lr": scale, "search/acceptance": accepted / (iteration + 1)}
            if not recorder.record(iteration, metrics):
                break
    return recorder.history
