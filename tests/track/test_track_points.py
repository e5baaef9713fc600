"""Which metric points ``Decimator`` sends: at most about ``max_points`` per metric, every
window's least and greatest value, the last point once the run ends; compared with brute-force
computations over the full series."""

import math

import numpy as np
import pytest

from nnlab.track.points import Decimator


def feed(decimator: Decimator, series: dict[str, np.ndarray], stop: int | None = None):
    """Feed epochs 0.. as a run does (``nan``: not measured that epoch); the points sent."""
    epochs = len(next(iter(series.values()))) if stop is None else stop + 1
    sent = []
    for epoch in range(epochs):
        sent += decimator.add(epoch, {key: float(column[epoch]) for key, column in series.items()})
    return sent + decimator.finish()


def of(points, key: str) -> dict[int, float]:
    steps = [step for name, _, step in points if name == key]
    assert len(steps) == len(set(steps)), f"{key} sent twice at a step"
    assert steps == sorted(steps), f"{key} not in epoch order"
    return {step: value for name, value, step in points if name == key}


def spiky(n: int, seed: int) -> np.ndarray:
    """A decaying loss with a few large spikes (RMSProp's val/loss looks like this)."""
    rng = np.random.default_rng(seed)
    values = 1.0 / np.sqrt(np.arange(n) + 1) + 0.01 * rng.standard_normal(n)
    values[rng.choice(n, 5, replace=False)] += rng.uniform(2, 10, 5)
    return values


@pytest.mark.parametrize(("epochs", "max_points"), [(10001, 300), (1000, 300), (999, 7), (5, 2)])
def test_every_extreme_kept_within_the_budget(epochs, max_points):
    series = {"val/loss": spiky(epochs, 1), "train/accuracy": spiky(epochs, 2)}
    points = feed(Decimator(epochs, max_points), series)
    for key, column in series.items():
        sent = of(points, key)
        assert len(sent) <= max_points + 1
        assert min(sent.values()) == column.min()
        assert max(sent.values()) == column.max()
        assert sent[int(np.argmax(column))] == column.max(), "the spike at its own epoch"
        assert sent[epochs - 1] == column[-1], "the last value, as MLflow's latest"
        assert all(column[step] == value for step, value in sent.items())


def test_each_window_sends_its_own_minimum_and_maximum():
    column = spiky(100, 3)
    points = of(feed(Decimator(100, 10), {"lr": column}), "lr")  # windows of 20 epochs
    expected = {99: column[99]}
    for start in range(0, 100, 20):
        window = column[start : start + 20]
        for index in (int(np.argmin(window)), int(np.argmax(window))):
            expected[start + index] = window[index]
    assert points == expected


@pytest.mark.parametrize(("epochs", "max_points"), [(7, 0), (7, -1), (10, 500)])
def test_every_epoch_when_the_budget_allows(epochs, max_points):
    column = spiky(epochs, 4)
    assert of(feed(Decimator(epochs, max_points), {"x": column}), "x") == dict(enumerate(column))
    constant = of(feed(Decimator(epochs, max_points), {"lr": np.ones(epochs)}), "lr")
    assert constant == dict.fromkeys(range(epochs), 1.0)


def test_not_measured_epochs_are_skipped_and_the_last_measured_one_sent():
    """val/loss measured every third epoch; training stops at epoch 22."""
    val = np.full(100, math.nan)
    val[::3] = spiky(34, 5)
    sent = of(feed(Decimator(100, 10), {"val/loss": val}, stop=22), "val/loss")
    assert all(step % 3 == 0 for step in sent)
    assert 21 in sent
    assert sent[21] == val[21]
    assert not any(math.isnan(value) for value in sent.values())


def test_a_diverged_value_is_sent():
    column = spiky(14, 6)
    column[13] = math.inf
    sent = of(feed(Decimator(100, 10), {"train/loss": column}), "train/loss")
    assert sent[13] == math.inf


def test_points_already_in_the_store_are_not_sent_again():
    """A mirror that restarts reads the history from its start and sends only what follows the
    last step the store has of each metric."""
    series = {"a": spiky(300, 7), "b": spiky(300, 8)}
    everything = feed(Decimator(300, 40), series)
    first = everything[: len(everything) // 2]
    last = {key: max(step for name, _, step in first if name == key) for key in series}
    again = feed(Decimator(300, 40, sent=last), series)
    assert sorted(first + again, key=lambda p: (p[0], p[2])) == sorted(
        everything, key=lambda p: (p[0], p[2])
    )


def test_a_constant_metric_goes_as_its_first_and_last_points():
    points = of(feed(Decimator(1000, 300), {"lr": np.full(1000, 0.05)}), "lr")
    assert points == {0: 0.05, 999: 0.05}


def test_plateaus_go_as_their_ends_and_draw_the_same_line():
    """An accuracy of 60 samples: few values, long plateaus. Every window extreme that is not
    sent lies between two sent points of its own value, so the line through the sent points
    passes through it."""
    rng = np.random.default_rng(9)
    column = np.round(np.minimum(1.0, np.cumsum(rng.uniform(0, 0.0009, 2000))) * 60) / 60
    column[[500, 501, 1200]] = [0.2, 0.9, 0.1]  # spikes off the plateaus
    sent = of(feed(Decimator(2000, 300), {"val/accuracy": column}), "val/accuracy")
    width = math.ceil(2000 / 150)
    every_extreme = {1999}
    for start in range(0, 2000, width):
        window = column[start : start + width]
        every_extreme |= {start + int(np.argmin(window)), start + int(np.argmax(window))}
    assert set(sent) < every_extreme, "only window extremes are sent, and fewer of them"
    assert len(sent) < 0.7 * len(every_extreme)
    steps = sorted(sent)
    for step in every_extreme - set(sent):
        before = max(s for s in steps if s < step)
        after = min(s for s in steps if s > step)
        assert sent[before] == column[step] == sent[after]
    assert {500, 501, 1200, 0, 1999} <= set(sent)
    assert (min(sent.values()), max(sent.values())) == (column.min(), column.max())
