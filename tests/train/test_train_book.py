"""nnlab against the book: the same training, written the book's way, gives the same numbers;
and the book's headline results hold, judged on medians over seeds."""

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from nnlab import data, nn, optim, schedules, train


class BookSgd:
    """The book's Optimizer_SGD (chapter 10), with decay and momentum."""

    def __init__(self, learning_rate=1.0, decay=0.0, momentum=0.0):
        self.learning_rate = learning_rate
        self.current_learning_rate = learning_rate
        self.decay = decay
        self.iterations = 0
        self.momentum = momentum

    def pre_update_params(self):
        if self.decay:
            self.current_learning_rate = self.learning_rate * (
                1.0 / (1.0 + self.decay * self.iterations)
            )

    def update_params(self, layer):
        if not hasattr(layer, "weight_momentums"):
            layer.weight_momentums = np.zeros_like(layer.weights)
            layer.bias_momentums = np.zeros_like(layer.biases)
        weight_updates = (
            self.momentum * layer.weight_momentums - self.current_learning_rate * layer.dweights
        )
        layer.weight_momentums = weight_updates
        bias_updates = (
            self.momentum * layer.bias_momentums - self.current_learning_rate * layer.dbiases
        )
        layer.bias_momentums = bias_updates
        layer.weights += weight_updates
        layer.biases += bias_updates

    def post_update_params(self):
        self.iterations += 1


class BookDense:
    def __init__(self, weights):
        self.weights = weights.copy()
        self.biases = np.zeros((1, weights.shape[1]))

    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.dot(inputs, self.weights) + self.biases

    def backward(self, dvalues):
        self.dweights = np.dot(self.inputs.T, dvalues)
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = np.dot(dvalues, self.weights.T)


def book_training(x, y, w1, w2, epochs, optimizer):
    """The book's chapter-10 loop: dense -> ReLU -> dense -> softmax + cross-entropy."""
    dense1, dense2 = BookDense(w1), BookDense(w2)
    losses, accuracies = [], []
    for _ in range(epochs):
        dense1.forward(x)
        relu_inputs = dense1.output
        relu = np.maximum(0, relu_inputs)
        dense2.forward(relu)
        exp = np.exp(dense2.output - np.max(dense2.output, axis=1, keepdims=True))
        probabilities = exp / np.sum(exp, axis=1, keepdims=True)
        clipped = np.clip(probabilities, 1e-7, 1 - 1e-7)
        losses.append(np.mean(-np.log(clipped[range(len(y)), y])))
        accuracies.append(np.mean(np.argmax(probabilities, axis=1) == y))
        dinputs = probabilities.copy()
        dinputs[range(len(y)), y] -= 1
        dinputs = dinputs / len(y)
        dense2.backward(dinputs)
        drelu = dense2.dinputs.copy()
        drelu[relu_inputs <= 0] = 0
        dense1.backward(drelu)
        optimizer.pre_update_params()
        optimizer.update_params(dense1)
        optimizer.update_params(dense2)
        optimizer.post_update_params()
    return np.array(losses), np.array(accuracies)


def seeded(kind, seed, hidden=(64,)):
    streams = np.random.SeedSequence(seed).spawn(4)
    dataset = data.make(
        kind,
        samples=100,
        classes=3,
        train_rng=np.random.default_rng(streams[0]),
        val_rng=np.random.default_rng(streams[1]),
    )
    net = nn.mlp(2, list(hidden), 3, task="categorical", rng=np.random.default_rng(streams[2]))
    return dataset, net, np.random.default_rng(streams[3])


def test_trainer_follows_the_book_code_step_by_step():
    dataset, net, _ = seeded("spiral", 0)
    w1, w2 = net.params["dense1.weights"].copy(), net.params["dense2.weights"].copy()
    with threadpool_limits(1):
        history = train.fit(
            net, dataset, optim.sgd(0.9), schedules.inverse_time(1.0, 1e-3), epochs=200
        )
        losses, accuracies = book_training(
            dataset.x_train, dataset.y_train, w1, w2, 200, BookSgd(1.0, 1e-3, 0.9)
        )
    np.testing.assert_allclose(history.metrics["train/loss"], losses, rtol=1e-9)
    np.testing.assert_array_equal(history.metrics["train/accuracy"], accuracies)


GRADIENT_METHODS = {
    "sgd_decay": (lambda: optim.sgd(), lambda: schedules.inverse_time(1.0, 1e-3)),
    "sgd_decay_momentum": (lambda: optim.sgd(0.9), lambda: schedules.inverse_time(1.0, 1e-3)),
    "adagrad": (lambda: optim.adagrad(), lambda: schedules.inverse_time(1.0, 1e-4)),
    "rmsprop": (lambda: optim.rmsprop(0.999), lambda: schedules.inverse_time(0.02, 1e-5)),
    "adam": (lambda: optim.adam(), lambda: schedules.inverse_time(0.05, 5e-7)),
}


def final_accuracies(method, seeds, kind="spiral"):
    accuracies = []
    with threadpool_limits(1):
        for seed in seeds:
            dataset, net, rng = seeded(kind, seed)
            if method == "hill_climb":
                history = train.hill_climb(
                    net, dataset, schedules.constant(0.05), iterations=10000, rng=rng
                )
            else:
                rule, schedule = GRADIENT_METHODS[method]
                history = train.fit(net, dataset, rule(), schedule(), epochs=10001)
            accuracies.append(history.last("train/accuracy"))
    return np.array(accuracies)


@pytest.fixture(scope="module")
def five_seeds():
    """Final train accuracy of each method on seeds 0-4 (spiral, 2-64-3, 10,001 epochs)."""
    return {
        method: final_accuracies(method, range(5)) for method in [*GRADIENT_METHODS, "hill_climb"]
    }


@pytest.mark.slow
def test_book_headline_results_over_five_seeds(five_seeds):
    median = {method: float(np.median(values)) for method, values in five_seeds.items()}
    assert median["adam"] >= 0.92
    assert median["rmsprop"] >= 0.80
    assert median["sgd_decay_momentum"] > median["sgd_decay"]
    # hill climbing fails on spirals, and every gradient method beats it there
    assert median["hill_climb"] <= 0.60
    assert all(median[m] > median["hill_climb"] + 0.1 for m in GRADIENT_METHODS)


def test_hill_climbing_solves_vertical_data():
    accuracies = final_accuracies("hill_climb", range(5), kind="vertical")
    assert np.median(accuracies) >= 0.90


@pytest.mark.slow
def test_book_headline_results_over_twenty_seeds():
    """Twenty seeds. Single runs are chaotic (SGD with momentum ends at 0.60 on one seed and
    0.96 on another), so medians: measured 0.84 for SGD + decay + momentum, 0.85 AdaGrad, 0.83
    RMSProp, 0.94 Adam, 0.69 SGD + decay. The book's 0.96 for momentum is one seed's result;
    over seeds 0-4 its median is 0.81 and AdaGrad's 0.76, which is why the five-seed test
    above does not assert the book's 0.90 and 0.80 for them."""
    median = {m: float(np.median(final_accuracies(m, range(20)))) for m in GRADIENT_METHODS}
    assert median["sgd_decay_momentum"] >= 0.80
    assert median["adagrad"] >= 0.80
    assert median["rmsprop"] >= 0.80
    assert median["adam"] >= 0.92
    assert median["sgd_decay_momentum"] >= median["sgd_decay"] + 0.1
