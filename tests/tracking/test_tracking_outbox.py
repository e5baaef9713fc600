"""``python -m nnlab.sync`` (``nnlab.sync.main``, in this process) against a local store: a sync
that stops half-way resumes into the same run, sending nothing twice."""

import pytest
from support import e2e

from nnlab import sync
from nnlab.runspec import RunSpec
from nnlab.tracking.mlflow_tracker import MlflowRun
from nnlab.tracking.outbox import Channel

EPOCHS = 6
KEYS = ("train/loss", "val/loss")


def batch(steps: range) -> dict:
    """A ``points`` operation: every key at ``steps``."""
    points = [
        (key, 0.5 * step + n, 1000 + step, step) for step in steps for n, key in enumerate(KEYS)
    ]
    return {"op": "points", "points": points}


@pytest.fixture
def offline_channel(tmp_path, store, xdg_cache, monkeypatch):
    """A channel whose run's operations wait in its outbox, as after an outage: a factory
    taking ``first``, the outbox's first operation: ``open`` (the store was down from the
    start) or ``attach`` (the run was opened, then the store went away)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(xdg_cache))  # the migrated database template

    def make(first: str) -> Channel:
        spec = RunSpec(name="offline", epochs=EPOCHS, config_hash="0123456789abcdef",
                       output_dir=str(tmp_path / "run"), params={"trainer.epochs": str(EPOCHS)},
                       tags={"nnlab.role": "run"})  # fmt: skip
        channel = Channel(store, "nnlab", spec, None)
        if first == "open":
            channel.outbox.append(channel.open_operation())
        else:
            channel.send(channel.open_operation())  # online: the run exists in the store
            attach = {**channel.open_operation(), "op": "attach", "run_id": channel.run_id}
            channel.outbox.append(attach)
        for start in range(0, EPOCHS, 2):
            channel.outbox.append(batch(range(start, start + 2)))
        channel.outbox.append({"op": "close", "status": "FINISHED", "error": None, "details": ""})
        return channel

    return make


@pytest.mark.parametrize("first", ["open", "attach"])
def test_sync_stopped_half_way_resumes_into_the_same_run(
    tmp_path, store, offline_channel, monkeypatch, capsys, first
):
    channel = offline_channel(first)
    operations = len(channel.outbox.unsent())
    assert operations == 5
    log_points = MlflowRun.log_points
    calls = []

    def fail_second_batch(self, points):
        calls.append(points)
        if len(calls) == 2:
            raise ConnectionError("store went away")
        log_points(self, points)

    monkeypatch.setattr(MlflowRun, "log_points", fail_second_batch)
    assert sync.main([str(tmp_path)]) == 1
    assert "could not send" in capsys.readouterr().err
    assert channel.outbox.sent_count() == 2  # the open (or attach) and the first batch
    (run,) = e2e.all_runs(store)
    assert run.info.status == "RUNNING"

    monkeypatch.setattr(MlflowRun, "log_points", log_points)
    assert sync.main([str(tmp_path)]) == 0
    assert f"sent 3 operations of offline (run {run.info.run_id})" in capsys.readouterr().out
    assert channel.outbox.unsent() == []
    (synced,) = e2e.all_runs(store)
    assert synced.info.run_id == run.info.run_id
    assert synced.info.status == "FINISHED"
    assert synced.data.params == {"trainer.epochs": str(EPOCHS)}
    mlflow = e2e.client(store)
    for n, key in enumerate(KEYS):
        logged = e2e.metric_history(mlflow, run.info.run_id, key)  # fails on a point sent twice
        assert logged == {step: 0.5 * step + n for step in range(EPOCHS)}, key
    assert len(mlflow.get_metric_history(run.info.run_id, KEYS[0])) == EPOCHS

    assert sync.main([str(tmp_path)]) == 0
    assert capsys.readouterr().out.strip() == "nothing to send"
