"""What a sweep gives the MLflow UI, read back through MLflow's client: its saved view (the
printed link, the runs it selects, its columns and charts), names, colours, the points that keep
every extreme of the history, parent metrics apart from the runs', and the report as one HTML
file with its figures in it."""

import re
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest
from support import e2e

from nnlab.report.comparison import run_colors
from nnlab.report.runs import RunRecord
from nnlab.run.folder import RunFolder
from nnlab.track import view
from nnlab.viz import colors

MAX_POINTS = 40
EPOCHS = 600


@pytest.fixture(scope="module")
def sweep(tmp_path_factory, run_sweep):
    folder = tmp_path_factory.mktemp("view")
    proc = run_sweep(["-m", "optimizer=sgd,rmsprop,adam", f"trainer.epochs={EPOCHS}",
                      f"tracking.max_points={MAX_POINTS}"], folder, quiet=False)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    uri = e2e.store_uri(folder)
    runs = e2e.all_runs(uri)
    return SimpleNamespace(
        proc=proc, uri=uri, client=e2e.client(uri), parent=e2e.parent_runs(runs)[0],
        children=e2e.by_job(e2e.child_runs(runs)), folder=folder,
    )  # fmt: skip


def printed_link(stdout: str) -> str:
    return re.search(r"^compare in the MLflow UI \(start it with: .*\): (http\S+)$", stdout,
                     re.M)[1]  # fmt: skip


def test_the_printed_link_opens_the_sweeps_saved_view(sweep):
    link = printed_link(sweep.proc.stdout)
    experiment = sweep.client.get_experiment(sweep.parent.info.experiment_id)
    key = re.search(r"viewStateShareKey=([^&]+)", link)[1]
    assert link.startswith(f"{view.LOCAL_UI}/#/experiments/{experiment.experiment_id}/runs?")
    assert "workflowType=machine_learning" in link
    assert "compareRunsMode=CHART" in link
    state = view.decoded(experiment.tags[view.TAG_PREFIX + key])
    found = sweep.client.search_runs([experiment.experiment_id], state["searchFilter"],
                                     order_by=[state["orderByKey"]])  # fmt: skip
    assert sorted(r.info.run_id for r in found) == sorted(c.info.run_id for c in sweep.children)
    assert state["orderByKey"] == "metrics.`val_loss_final`"
    assert state["orderByAsc"] is True
    assert state["runsHiddenMode"] == "SHOW_ALL"
    assert "params.`optimizer.name`" in state["selectedColumns"]
    charts = [c for c in state["compareRunCharts"] if not c["deleted"]]
    assert charts[0]["metricKey"] == "val/loss"
    assert charts[0]["scaleType"] == "log"
    assert {c["type"] for c in charts} == {"LINE"}
    summaries = {c["metricKey"] for c in state["compareRunCharts"] if c["deleted"]}
    assert summaries == {key for key in sweep.children[0].data.metrics if "_" in key}


def test_every_extreme_of_the_history_reaches_mlflow(sweep):
    for child in sweep.children:
        history = RunFolder(child.data.tags["nnlab.run_dir"]).history()
        for key, column in history.metrics.items():
            points = e2e.metric_history(sweep.client, child.info.run_id, key)
            measured = np.array(column)[~np.isnan(column)]
            assert len(points) <= MAX_POINTS + 1 < len(measured), key
            sent = list(points.values())
            assert (min(sent), max(sent)) == (measured.min(), measured.max()), key


def test_parent_and_runs_have_distinct_metric_names(sweep):
    parent = set(sweep.parent.data.metrics)
    assert parent == {"sweep_best_val_loss_final"}
    assert not parent & set().union(*(c.data.metrics for c in sweep.children))
    assert sweep.parent.data.metrics["sweep_best_val_loss_final"] == min(
        c.data.metrics["val_loss_final"] for c in sweep.children
    )


def test_names_say_what_runs_and_sweeps_are(sweep):
    assert sweep.parent.info.run_name == "optimizer=sgd,rmsprop,adam"
    assert [c.data.tags["nnlab.method"] for c in sweep.children] == ["sgd", "rmsprop", "adam"]


def test_each_run_of_the_sweep_has_its_own_colour(sweep):
    found = [c.data.tags["mlflow.runColor"] for c in sweep.children]
    assert found == colors.assign([c.info.run_name for c in sweep.children])
    assert len(set(found)) == len(found)
    assert all(re.fullmatch("#[0-9a-f]{6}", color) for color in found)


def test_the_report_is_one_html_file_with_its_figures_and_run_links(sweep):
    run_id = sweep.parent.info.run_id
    page = e2e.download(sweep.client, run_id, "report/report.html").read_text()
    assert 'src="data:image/png;base64,' in page
    assert not re.search(r'<img src="(?!data:)', page)
    link = printed_link(sweep.proc.stdout)
    for child in sweep.children:
        assert f'href="{view.run_link(link, child.info.run_id)}"' in page


def test_nnlab_ui_lists_the_sweep_with_its_link(sweep):
    proc = subprocess.run([sys.executable, "-m", "nnlab.ui", "--uri", sweep.uri],
                          capture_output=True, text=True, check=True)  # fmt: skip
    assert proc.stdout.splitlines()[1].strip() == printed_link(sweep.proc.stdout)
    assert proc.stdout.startswith("optimizer=sgd,rmsprop,adam (nnlab, ")


def test_a_method_keeps_its_colour_where_it_does_not_collide():
    alone = colors.assign(["method=adam"])[0]
    for others in (["method=sgd"], ["optimizer=sgd", "optimizer=rmsprop"]):
        keys = [*others, "method=adam"]
        taken = colors.assign(others)
        assert colors.assign(keys)[-1] == alone or alone in taken


def test_twenty_configurations_get_twenty_colours():
    keys = [f"optimizer.learning_rate={i}" for i in range(20)]
    assert len(set(colors.assign(keys))) == 20
    assert colors.assign([*keys, keys[3]])[-1] == colors.assign(keys)[3]


def test_the_report_draws_runs_in_their_ui_colours_unless_configurations_share_one():
    def record(name, color):
        return RunRecord(name, "FINISHED", "completed", None, {}, {}, None, None, color=color)

    seeds = [record("method=adam,trainer.seed=0", "#111111"),
             record("method=adam,trainer.seed=1", "#111111"),
             record("method=sgd,trainer.seed=0", "#222222")]  # fmt: skip
    assert run_colors(seeds) == ["#111111", "#111111", "#222222"]
    clash = [record("optimizer=adam", "#111111"), record("optimizer=sgd", "#111111")]
    assert run_colors(clash) == colors.assign(["optimizer=adam", "optimizer=sgd"])


def test_view_columns_name_params_groups_and_methods():
    found = view.columns(["optimizer", "optimizer.momentum", "method"])
    assert found == ["params.`optimizer.name`", "params.`optimizer.momentum`",
                     "tags.`nnlab.method`"]  # fmt: skip
