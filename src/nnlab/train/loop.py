"""The gradient training loop: full-batch or mini-batch epochs with a schedule and an update rule.

One step on a batch ``(x, y)``: ``lr = schedule(step)``, forward and loss, backward,
``deltas = rule.update(grads, lr)``, ``params += deltas``. The epoch's ``train/data_loss`` and
``train/accuracy`` are averaged over its batches as measured before each update (for full-batch
training, the loss of the weights the epoch started from, as in the book); ``train/reg_loss`` is
the penalty at the start of the epoch; ``lr`` is the rate of the epoch's last step.
"""

import numpy as np

from nnlab.checks import positive_int
from nnlab.data import Dataset
from nnlab.nn import Network
from nnlab.optim import UpdateRule, apply_updates
from nnlab.schedules import Schedule
from nnlab.train.callbacks import Callback
from nnlab.train.history import History
from nnlab.train.record import EpochRecorder


def fit(
    network: Network,
    data: Dataset,
    rule: UpdateRule,
    schedule: Schedule,
    *,
    epochs: int,
    batch_size: int | None = None,
    rng: np.random.Generator | None = None,
    callbacks: list[Callback] = (),
    val_every: int = 1,
) -> History:
    """Train ``network`` on ``data`` and return its history.

    ``batch_size=None`` trains on the whole set each step; otherwise each epoch visits the
    samples in an order drawn from ``rng``. Validation runs every ``val_every`` epochs and at the
    last one. Training stops early on a non-finite loss (``history.status == "diverged"``) or when
    a callback raises ``StopTraining``.
    """
    positive_int("epochs", epochs)
    positive_int("val_every", val_every)
    x, y = data.x_train, data.y_train
    n = len(x)
    if batch_size is not None:
        positive_int("batch_size", batch_size)
        if rng is None:
            raise ValueError("mini-batch training needs rng to shuffle the samples")
    full_batch = batch_size is None or batch_size >= n
    params, grads, accuracy, head = network.params, network.grads, network.accuracy, network.head
    state = rule.init(params)
    step = 0
    with EpochRecorder(network, data, callbacks, epochs, val_every) as recorder:
        step_observers = recorder.callbacks if recorder.callbacks.listens_to_steps else None
        for epoch in range(epochs):
            reg_loss = network.regularization_loss()
            if full_batch:
                batches = ((x, y),)
            else:
                order = rng.permutation(n)
                batches = (
                    (x[rows], y[rows])
                    for rows in (order[i : i + batch_size] for i in range(0, n, batch_size))
                )
            loss_sum = 0.0
            correct = total = 0
            for xb, yb in batches:
                lr = schedule(step)
                data_loss = network.loss(xb, yb)
                hits, count = accuracy.correct(head.predictions, yb)
                network.backward()
                deltas, state = rule.update(grads, state, lr, params)
                apply_updates(params, deltas)
                loss_sum += data_loss * len(xb)
                correct += hits
                total += count
                if step_observers:
                    step_observers.on_step_end(step, {"train/loss": data_loss + reg_loss, "lr": lr})
                step += 1
            data_loss = loss_sum / n
            metrics = {
                "train/loss": data_loss + reg_loss,
                "train/data_loss": data_loss,
                "train/reg_loss": reg_loss,
                "train/accuracy": correct / total,
                "lr": lr,
            }
            if not recorder.record(epoch, metrics):
                break
    return recorder.history
