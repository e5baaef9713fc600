"""The link a sweep prints, opened in the MLflow UI by headless Chromium as a user opens it:
its runs' overlaid val/loss curves, in view with no click, one line per run of that sweep and
no other, each run in its own colour, every extreme of the history drawn. Screenshots are kept
in the test's folder (``screenshots/``)."""

import re

import numpy as np
import pytest
from support import e2e
from support.browser import UiServer, chart

from nnlab.run.folder import RunFolder
from nnlab.track.view import LOCAL_UI

pytestmark = pytest.mark.ui
OPTIMIZERS = ("sgd", "adagrad", "rmsprop", "adam")


def test_the_printed_link_shows_the_sweeps_curves_with_no_click(tmp_path, run_sweep):
    uri = e2e.store_uri(tmp_path)
    earlier = run_sweep(["-m", "optimizer=sgd", "trainer.epochs=300"], tmp_path,
                        sweep_dir=tmp_path / "earlier")  # fmt: skip
    assert earlier.returncode == 0, earlier.stderr
    done = run_sweep(["-m", f"optimizer={','.join(OPTIMIZERS)}", "trainer.epochs=1500"],
                     tmp_path, quiet=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    link = re.search(r"^compare in the MLflow UI \(.*\): (http\S+)$", done.stdout, re.M)[1]
    runs = e2e.child_runs(e2e.all_runs(uri))
    sweep = {run.info.run_id: run for run in runs if run.data.tags["nnlab.run_dir"].startswith(
        str(tmp_path / "sweep"))}  # fmt: skip

    with UiServer(uri, tmp_path / "server.log") as server:
        found = chart(link.replace(LOCAL_UI, server.base), "val/loss", tmp_path / "screenshots")

    assert found.in_view
    assert sorted(line["run_id"] for line in found.lines) == sorted(sweep)
    assert len(found.legend) == len(OPTIMIZERS)  # no parent run without a line
    colors = [line["color"] for line in found.lines]
    assert len(set(colors)) == len(OPTIMIZERS)
    assert colors == [sweep[line["run_id"]].data.tags["mlflow.runColor"] for line in found.lines]
    for line in found.lines:
        history = RunFolder(sweep[line["run_id"]].data.tags["nnlab.run_dir"]).history()
        measured = np.array(history.metrics["val/loss"])
        measured = measured[~np.isnan(measured)]
        drawn = np.array(line["y"], dtype=float)
        assert (drawn.min(), drawn.max()) == pytest.approx((measured.min(), measured.max()))
