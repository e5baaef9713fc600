"""The seeds bands' mean and standard deviation: at every epoch, those of the finite values the
runs measured there, bit for bit as NumPy computes them epoch by epoch."""

import numpy as np

from nnlab.train import History
from nnlab.viz.compare import mean_std


def test_each_epoch_is_averaged_over_the_runs_measured_there():
    rng = np.random.default_rng(0)
    runs = []
    for run in range(12):  # more than 8 runs: NumPy sums an epoch's values pairwise
        history = History()
        for epoch in range(0, 40 + 5 * run, 1 + run % 3):  # runs of different lengths and steps
            value = float(rng.lognormal())
            if rng.random() < 0.1:
                value = [np.nan, np.inf][run % 2]  # not measured, or diverged: left out
            history.append(epoch, {"val/loss": value})
        runs.append(history)
    epochs, mean, std = mean_std(runs, "val/loss")
    values_at = {}
    for history in runs:
        for epoch, value in zip(history.epochs, history.metrics["val/loss"], strict=True):
            if np.isfinite(value):
                values_at.setdefault(epoch, []).append(value)
    assert epochs.tolist() == sorted(values_at)
    for epoch, m, s in zip(epochs, mean, std, strict=True):
        values = values_at[int(epoch)]
        assert m == np.mean(values)
        if len(values) > 1:
            assert s == np.std(values, ddof=1)
        else:
            assert np.isnan(s)
    assert {len(v) for v in values_at.values()} >= {1, 12}


def test_no_run_measured_the_metric():
    assert mean_std([History()], "val/loss") is None
