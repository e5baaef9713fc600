"""Which metric points ``MetricSampler`` sends to the tracker, and in what batches."""

import math

import pytest

from nnlab.tracking import points
from nnlab.tracking.points import BATCH, MetricSampler
from nnlab.train import History

KEYS = ("train/loss", "train/data_loss", "train/reg_loss", "train/accuracy", "lr")


class Sink:
    """Collects what the sampler sends."""

    def __init__(self) -> None:
        self.batches: list[list[tuple]] = []

    def __call__(self, batch: list[tuple]) -> None:
        self.batches.append(list(batch))

    @property
    def points(self) -> list[tuple]:
        return [point for batch in self.batches for point in batch]

    def steps(self, key: str) -> list[int]:
        return [step for name, _, _, step in self.points if name == key]

    def values(self, key: str) -> dict[int, float]:
        return {step: value for name, value, _, step in self.points if name == key}


def metrics_at(epoch: int, val_every: int | None = None) -> dict[str, float]:
    found = {key: 1.0 / (epoch + 1) + i for i, key in enumerate(KEYS)}
    if val_every is not None and epoch % val_every == 0:
        found["val/loss"] = 2.0 / (epoch + 1)
        found["val/accuracy"] = 0.5
    return found


def train(
    sampler: MetricSampler, epochs: int, *, stop_after: int | None = None, val_every=None
) -> History:
    """Feed ``sampler`` as a training loop does; ``stop_after`` ends early after that epoch."""
    history = History()
    sampler.on_fit_start({})
    for epoch in range(epochs):
        metrics = metrics_at(epoch, val_every)
        history.append(epoch, metrics)
        sampler.on_epoch_end(epoch, metrics)
        if epoch == stop_after:
            history.status = "stopped"
            break
    else:
        history.status = "completed"
    sampler.on_fit_end(history)
    return history


@pytest.mark.parametrize(
    ("epochs", "max_points", "expected"),
    [
        (100, 10, [*range(0, 100, 10), 99]),
        (10, 3, [0, 4, 8, 9]),  # stride ceil(10 / 3) = 4
        (10, 10, list(range(10))),
        (10, 500, list(range(10))),
        (7, 0, list(range(7))),  # max_points <= 0: every epoch
        (7, -1, list(range(7))),
        (1, 5, [0]),
    ],
)
def test_stride_and_last_epoch(epochs, max_points, expected):
    sink = Sink()
    train(MetricSampler(sink, epochs, max_points), epochs)
    for key in KEYS:
        assert sink.steps(key) == expected, key
        assert sink.values(key) == {e: metrics_at(e)[key] for e in expected}


@pytest.mark.parametrize(("epochs", "max_points"), [(10001, 500), (1000, 7), (99, 10), (5, 2)])
def test_about_max_points_per_metric_with_first_and_last_epoch(epochs, max_points):
    sink = Sink()
    train(MetricSampler(sink, epochs, max_points), epochs)
    steps = sink.steps("train/loss")
    assert steps[0] == 0
    assert steps[-1] == epochs - 1
    assert len(steps) <= max_points + 1
    assert len(steps) >= min(epochs, max_points) // 2  # the stride is rounded up
    assert steps == sorted(set(steps))


def test_early_stop_sends_each_metrics_last_value():
    sink = Sink()
    history = train(MetricSampler(sink, 100, 10), 100, stop_after=25)
    assert history.epochs[-1] == 25
    for key in KEYS:
        assert sink.steps(key) == [0, 10, 20, 25], key
        assert sink.values(key)[25] == metrics_at(25)[key]


def test_early_stop_sends_last_measured_value_of_a_sparse_metric():
    sink = Sink()
    train(MetricSampler(sink, 100, 10), 100, stop_after=22, val_every=3)
    # val/loss is measured at 0, 3, ..., 21: sent at 0, 12 (the first >= 10 epochs later), and
    # 21, its last value, when training stops at 22
    assert sink.steps("val/loss") == [0, 12, 21]
    assert sink.values("val/loss")[21] == metrics_at(21, 3)["val/loss"]
    assert sink.steps("train/loss") == [0, 10, 20, 22]
    assert all(not math.isnan(value) for _, value, _, _ in sink.points)


def test_early_stop_at_a_sent_epoch_sends_nothing_twice():
    sink = Sink()
    train(MetricSampler(sink, 100, 10), 100, stop_after=20)
    for key in KEYS:
        assert sink.steps(key) == [0, 10, 20], key


def test_completed_run_sends_last_epoch_once():
    sink = Sink()
    train(MetricSampler(sink, 100, 10), 100)
    assert sink.steps("lr").count(99) == 1


def test_run_diverging_sends_non_finite_last_value():
    """The loop records the non-finite epoch and stops; its value is sent so the tracker shows
    where the run blew up."""
    sink = Sink()
    sampler = MetricSampler(sink, 100, 10)
    history = History()
    for epoch in range(14):
        metrics = metrics_at(epoch)
        if epoch == 13:
            metrics["train/loss"] = math.inf
        history.append(epoch, metrics)
        sampler.on_epoch_end(epoch, metrics)
    history.status = "diverged"
    sampler.on_fit_end(history)
    assert sink.steps("train/loss") == [0, 10, 13]
    assert sink.values("train/loss")[13] == math.inf


@pytest.mark.parametrize("val_every", [None, 1, 3])
def test_batches_hold_at_most_1000_points(val_every):
    """A training epoch has 5 to 7 metrics; however many, no batch exceeds MLflow's limit."""
    sink = Sink()
    epochs = 1000
    train(MetricSampler(sink, epochs, 0), epochs, val_every=val_every)
    sizes = [len(batch) for batch in sink.batches]
    measured = 0 if val_every is None else len(range(0, epochs, val_every))
    assert sum(sizes) == epochs * len(KEYS) + 2 * measured
    assert max(sizes) <= BATCH, sizes


def test_points_wait_for_a_batch_or_a_few_seconds(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(points.time, "monotonic", lambda: clock[0])
    sink = Sink()
    sampler = MetricSampler(sink, 100, 0)
    for epoch in range(3):
        sampler.on_epoch_end(epoch, metrics_at(epoch))
    assert sink.batches == []
    clock[0] += points.FLUSH_SECONDS + 0.1
    sampler.on_epoch_end(3, metrics_at(3))
    assert [len(batch) for batch in sink.batches] == [4 * len(KEYS)]
    sampler.on_epoch_end(4, metrics_at(4))
    assert len(sink.batches) == 1
    sampler.flush()
    assert [len(batch) for batch in sink.batches] == [4 * len(KEYS), len(KEYS)]
    sampler.flush()
    assert len(sink.batches) == 2, "an empty flush sends nothing"


def test_points_carry_step_and_millisecond_timestamp():
    sink = Sink()
    train(MetricSampler(sink, 3, 0), 3)
    for key, value, timestamp, step in sink.points:
        assert isinstance(key, str)
        assert isinstance(value, float)
        assert isinstance(timestamp, int)
        assert timestamp > 1_600_000_000_000  # ms since the epoch
        assert 0 <= step < 3
