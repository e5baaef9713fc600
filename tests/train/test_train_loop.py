import math
import warnings

import numpy as np
import pytest
from support.errors import raises_exactly

from nnlab import data, nn, optim, schedules, train
from nnlab.train import Callback, StopTraining


class Recorder(Callback):
    """Records every hook call, for assertions."""

    def __init__(self):
        self.calls = []

    def on_fit_start(self, params):
        self.calls.append(("fit_start", sorted(params)))

    def on_step_end(self, step, metrics):
        self.calls.append(("step", step, dict(metrics)))

    def on_epoch_end(self, epoch, metrics):
        self.calls.append(("epoch", epoch, dict(metrics)))

    def on_fit_end(self, history):
        self.calls.append(("fit_end", history.status))

    def of(self, kind):
        return [call for call in self.calls if call[0] == kind]


def spiral(samples=60, validation=30, dtype=np.float64, seed=1):
    return data.make(
        "spiral",
        samples=samples,
        classes=3,
        validation_samples=validation,
        train_rng=np.random.default_rng(seed),
        val_rng=np.random.default_rng(seed + 100),
        dtype=dtype,
    )


def network(dataset, seed=2, **kwargs):
    return nn.mlp(
        dataset.n_inputs,
        kwargs.pop("hidden", [16]),
        dataset.n_outputs,
        task=dataset.task,
        rng=np.random.default_rng(seed),
        y_train=dataset.y_train,
        dtype=dataset.x_train.dtype,
        **kwargs,
    )


def train_once(dtype=np.float64, batch_size=None, dropout=0.0, epochs=60, seed=3):
    dataset = spiral(dtype=dtype)
    net = network(dataset, dropout=dropout, weight_regularizer_l2=1e-4)
    history = train.fit(
        net,
        dataset,
        optim.adam(),
        schedules.inverse_time(0.05, 1e-3),
        epochs=epochs,
        batch_size=batch_size,
        rng=np.random.default_rng(seed),
    )
    return history, net


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("batch_size", "dropout"), [(None, 0.0), (32, 0.0), (32, 0.2)])
def test_same_seeds_give_bit_identical_histories(dtype, batch_size, dropout):
    first, net_a = train_once(dtype, batch_size, dropout)
    second, net_b = train_once(dtype, batch_size, dropout)
    assert first.metrics == second.metrics  # exact float equality, nan-free here
    for key in net_a.params:
        np.testing.assert_array_equal(net_a.params[key], net_b.params[key])


def test_a_different_shuffle_seed_changes_mini_batch_training():
    first, _ = train_once(batch_size=32, seed=3)
    second, _ = train_once(batch_size=32, seed=4)
    assert first.metrics["train/loss"] != second.metrics["train/loss"]


def test_full_batch_metrics_are_measured_before_each_update():
    dataset = spiral()
    net = network(dataset, weight_regularizer_l2=1e-3)
    reference = network(dataset, weight_regularizer_l2=1e-3)
    history = train.fit(net, dataset, optim.sgd(), schedules.constant(0.5), epochs=3)
    # replay: the loss of epoch e is that of the weights before the e-th update
    rule = optim.sgd()
    state = rule.init(reference.params)
    for epoch in range(3):
        data_loss = reference.loss(dataset.x_train, dataset.y_train)
        reg_loss = reference.regularization_loss()
        assert history.metrics["train/data_loss"][epoch] == pytest.approx(data_loss, rel=1e-12)
        assert history.metrics["train/reg_loss"][epoch] == pytest.approx(reg_loss, rel=1e-12)
        assert history.metrics["train/loss"][epoch] == pytest.approx(data_loss + reg_loss)
        reference.backward()
        deltas, state = rule.update(reference.grads, state, 0.5)
        optim.apply_updates(reference.params, deltas)
    val_loss, val_accuracy = net.evaluate(dataset.x_val, dataset.y_val)
    assert history.last("val/loss") == pytest.approx(val_loss, rel=1e-12)
    assert history.last("val/accuracy") == val_accuracy


def test_mini_batches_take_one_step_each_and_average_the_epoch():
    dataset = spiral(samples=50)  # 150 samples -> batches of 64, 64, 22
    net = network(dataset)
    seen = []
    schedule = schedules.inverse_time(1.0, 0.1)
    history = train.fit(
        net,
        dataset,
        optim.sgd(),
        lambda step: seen.append(step) or schedule(step),
        epochs=4,
        batch_size=64,
        rng=np.random.default_rng(0),
    )
    assert seen == list(range(12))
    assert history.metrics["lr"] == [schedule(step) for step in (2, 5, 8, 11)]


def test_validation_every_k_epochs_and_at_the_last():
    dataset = spiral()
    history = train.fit(
        network(dataset), dataset, optim.sgd(), schedules.constant(1.0), epochs=10, val_every=4
    )
    measured = [
        e
        for e, v in zip(history.epochs, history.metrics["val/loss"], strict=True)
        if not math.isnan(v)
    ]
    assert measured == [0, 4, 8, 9]


def test_callbacks_see_every_epoch_and_step_in_order():
    dataset = spiral()
    recorder = Recorder()
    train.fit(
        network(dataset),
        dataset,
        optim.sgd(),
        schedules.constant(1.0),
        epochs=3,
        batch_size=100,
        rng=np.random.default_rng(0),
        callbacks=[recorder],
    )
    kinds = [call[0] for call in recorder.calls]
    assert kinds == ["fit_start"] + ["step", "step", "epoch"] * 3 + ["fit_end"]
    assert [call[1] for call in recorder.of("step")] == list(range(6))
    assert recorder.of("fit_start")[0][1] == [
        "dense1.biases",
        "dense1.weights",
        "dense2.biases",
        "dense2.weights",
    ]
    assert set(recorder.of("epoch")[0][2]) >= {"train/loss", "train/accuracy", "val/loss", "lr"}


def test_non_finite_loss_stops_with_a_reason():
    dataset = data.make(
        "sine", samples=100, train_rng=np.random.default_rng(0), val_rng=np.random.default_rng(1)
    )
    recorder = Recorder()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # overflow is reported through the loss, not warned
        history = train.fit(
            network(dataset, init="he"),
            dataset,
            optim.sgd(),
            schedules.constant(10.0),
            epochs=1000,
            callbacks=[recorder],
        )
    assert history.status == "diverged"
    assert "non-finite train/loss" in history.stop_reason
    assert len(history) < 1000
    assert not math.isfinite(history.metrics["train/loss"][-1])
    assert recorder.of("fit_end") == [("fit_end", "diverged")]


def test_a_callback_can_stop_training():
    class StopAt(Callback):
        def on_epoch_end(self, epoch, metrics):
            if epoch == 4:
                raise StopTraining("enough")

    dataset = spiral()
    history = train.fit(
        network(dataset), dataset, optim.sgd(), schedules.constant(1.0), epochs=20,
        callbacks=[StopAt()],
    )  # fmt: skip
    assert (history.status, history.stop_reason, len(history)) == ("stopped", "enough", 5)


def test_early_stopping_waits_for_patience():
    stopper = train.EarlyStopping("val/loss", patience=3)
    losses = [1.0, 0.9, 0.95, 0.91, 0.92]
    for epoch, loss in enumerate(losses[:-1]):
        stopper.on_epoch_end(epoch, {"val/loss": loss})
    with pytest.raises(StopTraining, match="did not improve for 3"):
        stopper.on_epoch_end(4, {"val/loss": losses[-1]})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"patience": 0}, "patience must be an integer >= 1, got 0"),
        ({"patience": -3}, "patience must be an integer >= 1, got -3"),
        ({"patience": 2.5}, "patience must be an integer >= 1, got 2.5"),
        ({"patience": "5"}, "patience must be an integer >= 1, got '5'"),
        ({"min_delta": -0.1}, "min_delta must be in [0, inf), got -0.1"),
        ({"min_delta": math.nan}, "min_delta must be in [0, inf), got nan"),
        ({"min_delta": math.inf}, "min_delta must be in [0, inf), got inf"),
        ({"min_delta": "0.1"}, "min_delta must be a number in [0, inf), got '0.1'"),
    ],
)
def test_early_stopping_refuses_bad_arguments(kwargs, message):
    with raises_exactly(message):
        train.EarlyStopping("val/loss", **kwargs)


def test_early_stopping_accepts_the_boundaries():
    stopper = train.EarlyStopping("val/loss", patience=1, min_delta=0)
    assert (stopper.patience, stopper.min_delta) == (1, 0)


@pytest.mark.parametrize(
    "run",
    [
        lambda net, dataset, **kw: train.fit(
            net, dataset, optim.sgd(), schedules.constant(1.0), epochs=2, **kw
        ),
        lambda net, dataset, **kw: train.random_search(
            net, dataset, schedules.constant(0.05), iterations=2, **kw
        ),
    ],
    ids=["fit", "random_search"],
)
def test_a_failing_on_fit_start_leaves_the_numpy_error_state_alone(run):
    class Broken(Callback):
        def on_fit_start(self, params):
            raise RuntimeError("cannot start")

    dataset = spiral()
    net = network(dataset)
    with np.errstate(over="raise", invalid="raise"):  # unlike the loops' own "ignore"
        before = np.geterr()
        with pytest.raises(RuntimeError, match="cannot start"):
            run(net, dataset, callbacks=[Broken()], rng=np.random.default_rng(0))
        assert np.geterr() == before


def test_summary_has_best_final_and_epoch_of_best():
    history = train.History()
    for epoch, (loss, accuracy) in enumerate([(1.0, 0.2), (0.5, 0.6), (0.7, 0.5)]):
        history.append(epoch, {"val/loss": loss, "val/accuracy": accuracy})
    summary = history.summary()
    assert (summary["val_loss_best"], summary["val_loss_best_epoch"]) == (0.5, 1)
    assert (summary["val_accuracy_best"], summary["val_accuracy_best_epoch"]) == (0.6, 1)
    assert summary["val_loss_final"] == 0.7


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"epochs": 0}, "epochs must be an integer >= 1, got 0"),
        ({"epochs": 2, "val_every": 0}, "val_every must be an integer >= 1, got 0"),
        ({"epochs": 2, "batch_size": 0, "rng": np.random.default_rng(0)}, "batch_size must be"),
        ({"epochs": 2, "batch_size": 8}, "mini-batch training needs rng"),
    ],
)
def test_bad_arguments(kwargs, message):
    dataset = spiral()
    with pytest.raises(ValueError, match=message):
        train.fit(network(dataset), dataset, optim.sgd(), schedules.constant(1.0), **kwargs)
