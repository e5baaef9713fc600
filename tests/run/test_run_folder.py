"""A run's folder as its record: history appended and read back (a row cut off mid-write is left
out), whole files replaced atomically, the recorder's flushes, and which process owns a run."""

import math
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from nnlab.run import recorder as recording
from nnlab.run.folder import HISTORY, RunFolder, RunInfo, history_rows
from nnlab.run.process import Process
from nnlab.run.recorder import FolderRecorder

COLUMNS = ("lr", "train/loss", "val/loss")


def info(**changes) -> RunInfo:
    return RunInfo(uid="u", name="run", process=Process.current().as_dict(), started=1.0,
                   epochs=10, **changes)  # fmt: skip


def test_history_rows_round_trip_with_unmeasured_cells(tmp_path):
    folder = RunFolder(tmp_path)
    folder.start_history(COLUMNS)
    folder.append_history(COLUMNS, [(0, {"lr": 1.0, "train/loss": 0.1 + 0.2, "val/loss": 3.0})])
    folder.append_history(COLUMNS, [(1, {"lr": 0.5, "train/loss": math.inf})])
    assert folder.file(HISTORY).read_text().splitlines() == [
        "epoch,lr,train/loss,val/loss",
        "0,1.0,0.30000000000000004,3.0",
        "1,0.5,inf,",
    ]
    history = folder.history()
    assert history.epochs == [0, 1]
    assert history.metrics["train/loss"] == [0.30000000000000004, math.inf]
    assert history.metrics["val/loss"][0] == 3.0
    assert math.isnan(history.metrics["val/loss"][1])


def test_a_row_cut_off_mid_write_is_left_out_until_whole(tmp_path):
    folder = RunFolder(tmp_path)
    folder.start_history(COLUMNS)
    folder.append_history(COLUMNS, [(0, {"lr": 1.0, "train/loss": 2.0, "val/loss": 3.0})])
    with open(folder.file(HISTORY), "a") as handle:
        handle.write("1,0.5,1.")  # the process died here
    assert folder.history().epochs == [0]
    columns, rows, end = history_rows(folder.file(HISTORY))
    assert columns == list(COLUMNS)
    assert [epoch for epoch, _ in rows] == [0]
    with open(folder.file(HISTORY), "a") as handle:
        handle.write("5,2.5\n2,0.25,0.5,\n")
    _, rows, _ = history_rows(folder.file(HISTORY), end)
    assert rows[0] == (1, {"lr": 0.5, "train/loss": 1.5, "val/loss": 2.5})
    assert rows[1][0] == 2


def test_a_garbled_row_in_the_middle_is_an_error(tmp_path):
    folder = RunFolder(tmp_path)
    folder.start_history(COLUMNS)
    with open(folder.file(HISTORY), "a") as handle:
        handle.write("0,1,2\n1,1,2,3\n")
    with pytest.raises(ValueError, match="history.csv: a row has 3 cells"):
        folder.history()


def test_records_are_replaced_whole(tmp_path):
    folder = RunFolder(tmp_path)
    folder.write_info(info())
    folder.write_info(info(status="FINISHED", summary={"val_loss_final": 0.5}))
    assert folder.info().status == "FINISHED"
    assert folder.info().summary == {"val_loss_final": 0.5}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.json"], "no partial files left"
    folder.file("run.json").write_text('{"uid": "u", "nam')
    with pytest.raises(ValueError, match="is not a run record"):
        folder.info()


def test_weights_are_plain_arrays(tmp_path):
    folder = RunFolder(tmp_path)
    folder.write_weights({"dense1.weights": np.arange(6.0).reshape(2, 3)})
    with np.load(folder.file("weights.npz"), allow_pickle=False) as saved:
        np.testing.assert_array_equal(saved["dense1.weights"], np.arange(6.0).reshape(2, 3))


def test_the_recorder_writes_every_flush_seconds_and_closes_with_the_status(tmp_path, monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(recording.time, "monotonic", lambda: clock[0])
    params = {"w": np.zeros(3)}
    folder = RunFolder(tmp_path)
    checked = []
    recorder = FolderRecorder(folder, info(), COLUMNS, params, [lambda: checked.append(1)])
    recorder.start()
    assert folder.info().status == "RUNNING"
    assert checked == [1]
    for epoch in range(3):
        recorder.on_epoch_end(epoch, {"lr": 1.0, "train/loss": float(epoch), "val/loss": 1.0})
    assert folder.history().epochs == [], "nothing written before FLUSH_SECONDS"
    clock[0] += recording.FLUSH_SECONDS
    params["w"] += 1.0
    recorder.on_epoch_end(3, {"lr": 1.0, "train/loss": 3.0})
    assert folder.history().epochs == [0, 1, 2, 3]
    assert checked == [1, 1]
    np.testing.assert_array_equal(folder.weights()["w"], np.ones(3))
    recorder.on_epoch_end(4, {"lr": 1.0, "train/loss": 4.0})
    params["w"] += 1.0
    recorder.close("KILLED", "killed", "KeyboardInterrupt", {})
    assert folder.history().epochs == [0, 1, 2, 3, 4]
    np.testing.assert_array_equal(folder.weights()["w"], np.full(3, 2.0))
    final = folder.info()
    assert (final.status, final.outcome, final.reason) == ("KILLED", "killed", "KeyboardInterrupt")
    assert final.ended is not None


def test_a_process_is_alive_until_it_ends():
    assert Process.current().alive() is True
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    process = Process(Process.current().host, child.pid, Process.current().start)
    assert process.alive() is False, "same pid, another start time: another process"
    assert Process(process.host, child.pid, None).alive() is True
    child.kill()
    deadline = time.monotonic() + 10
    while Path(f"/proc/{child.pid}/stat").read_text().split(") ")[1][0] != "Z":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert Process(process.host, child.pid, None).alive() is False, "ended, not yet reaped"
    child.wait()
    assert Process(Process.current().host, child.pid, None).alive() is False
    assert Process("elsewhere", child.pid, None).alive() is None
