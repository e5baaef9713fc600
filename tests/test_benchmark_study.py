"""The benchmark study (``python run.py -m experiment=benchmark``): its protocol's checks and
draws, the choice of each method's best configuration, and a tiny version run as a user runs
it, from the tuning trials to the held-out comparison in its report."""

import csv
import json
import math
import re

import numpy as np
import pytest
from scipy import stats
from support import e2e

from hydra_plugins.nnlab_benchmark_sweeper._protocol import protocol
from hydra_plugins.nnlab_benchmark_sweeper._tuning import Trial, best
from nnlab.paths import REPO_ROOT
from nnlab.run.schema import ConfigError

SPACE = {
    "adam": {"optimizer.learning_rate": "tag(log, interval(1e-4, 0.3))",
             "optimizer.beta_1": "interval(0.8, 0.95)"},
    "adagrad": {"optimizer.learning_rate": "tag(log, interval(0.01, 10))"},
}  # fmt: skip
SETTINGS = dict(problems=["spiral"], methods=["adam", "adagrad"], trials=4, tuning_seeds=[100],
                held_out_seeds=[0, 1], seed=0, space=SPACE)  # fmt: skip
PROBLEMS, METHODS, TRIALS, TUNING, HELD_OUT = ["spiral", "sine"], ["adagrad", "adam"], 2, 2, 2
TINY = [
    "-m", "experiment=benchmark", "trainer.epochs=50",
    f"hydra.sweeper.problems=[{','.join(PROBLEMS)}]",
    f"hydra.sweeper.methods=[{','.join(METHODS)}]",
    f"hydra.sweeper.trials={TRIALS}",
    "hydra.sweeper.tuning_seeds=[100,101]", "hydra.sweeper.held_out_seeds=[0,1]",
]  # fmt: skip


def test_draws_come_from_the_seed_and_the_method_alone():
    found = protocol(**SETTINGS)
    adam = found.candidates("adam")
    assert len(adam) == 4
    assert adam == found.candidates("adam")
    assert protocol(**{**SETTINGS, "methods": ["adam"]}).candidates("adam") == adam
    assert protocol(**{**SETTINGS, "seed": 1}).candidates("adam") != adam
    for values in adam:
        assert 1e-4 <= values["optimizer.learning_rate"] <= 0.3
        assert 0.8 <= values["optimizer.beta_1"] <= 0.95


def test_a_log_scale_draws_uniformly_in_the_log():
    found = protocol(**{**SETTINGS, "trials": 4000})
    rates = np.array([v["optimizer.learning_rate"] for v in found.candidates("adagrad")])
    logs = (np.log(rates) - np.log(0.01)) / (np.log(10) - np.log(0.01))
    assert stats.kstest(logs, "uniform").pvalue > 1e-3
    assert stats.kstest(rates / 10, "uniform").pvalue < 1e-6  # not uniform in the rate


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"trials": 0}, "hydra.sweeper.trials must be an integer >= 1, got 0"),
        ({"held_out_seeds": [0]}, "hydra.sweeper.held_out_seeds must list at least 2 seeds"),
        ({"held_out_seeds": [100, 1]}, "hydra.sweeper.held_out_seeds share 100 with"),
        ({"methods": ["adam", "adam"]}, "hydra.sweeper.methods lists adam more than once"),
        ({"methods": ["adam", "sgd"]}, "hydra.sweeper.space has no search space for method sgd"),
        ({"space": {**SPACE, "adam": {"optimizer.beta_1": "0.9"}}}, "give interval(a, b)"),
        ({"space": {**SPACE, "adam": {"optimizer.learning_rate": "tag(log, interval(0, 1))"}}},
         "a log scale needs a positive lower end"),
    ],
)  # fmt: skip
def test_the_protocol_is_checked(change, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        protocol(**{**SETTINGS, **change})


def test_the_best_configuration_has_the_best_mean_and_no_failed_seed():
    trials = [
        Trial("spiral", "adam", 0, {}, [0.5, 0.7]),
        Trial("spiral", "adam", 1, {}, [0.1, math.nan]),  # diverged on one seed
        Trial("spiral", "adam", 2, {}, [0.4, 0.8]),  # ties with trial 0: the earlier wins
        Trial("spiral", "adam", 3, {}, [0.62, 0.62]),
    ]
    assert best(trials, higher_is_better=False).number == 0
    assert best(trials, higher_is_better=True).number == 3
    assert best(trials[1:2], higher_is_better=False) is None


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("hydra.sweeper.held_out_seeds=[100,1]",
         "error: hydra.sweeper.held_out_seeds share 100 with tuning_seeds: held-out seeds must "
         "be fresh"),
        ("trainer.seed=0,1", "error: trainer.seed=0,1: the benchmark plans its own jobs; set its "
         "problems, methods and seeds in hydra.sweeper"),
        ("optimizer.learning_rate=0.1", "error: optimizer.learning_rate=0.1: the benchmark sets "
         "optimizer.learning_rate itself; see hydra.sweeper"),
    ],
)  # fmt: skip
def test_a_bad_benchmark_stops_before_anything_is_created(override, message, tmp_path, store,
                                                          run_sweep):  # fmt: skip
    proc = run_sweep([*TINY, override], tmp_path)
    assert proc.returncode == 2
    assert e2e.error_lines(proc.stderr) == [message]
    assert not e2e.db_exists(store)
    assert not (tmp_path / "sweep").exists()


@pytest.mark.slow
def test_the_tiny_benchmark_runs_end_to_end(tmp_path, store, run_sweep):
    study = tmp_path / "study"
    study.mkdir()
    (study / "README.md").write_text("# Benchmark\n\nThe question.\n")
    proc = run_sweep([*TINY, f"study.folder={study}"], tmp_path, timeout=600)
    assert proc.returncode == 0, proc.stderr

    runs = e2e.child_runs(e2e.all_runs(store))
    tuning = [r for r in runs if r.data.params["search.trial"] != "null"]
    held_out = [r for r in runs if r.data.params["search.trial"] == "null"]
    assert len(tuning) == len(PROBLEMS) * len(METHODS) * TRIALS * TUNING
    assert len(held_out) == len(PROBLEMS) * len(METHODS) * HELD_OUT
    assert {r.data.params["trainer.seed"] for r in held_out} == {"0", "1"}
    assert {r.data.params["trainer.seed"] for r in tuning} == {"100", "101"}
    assert {r.info.experiment_id for r in runs} == {
        e2e.client(store).get_experiment_by_name("benchmark").experiment_id
    }

    results = study / "results"
    with open(results / "tuning.csv", newline="") as handle:
        trials = list(csv.DictReader(handle))
    assert len(trials) == len(PROBLEMS) * len(METHODS) * TRIALS
    for problem in PROBLEMS:
        for method in METHODS:
            tried = [t for t in trials if (t["problem"], t["method"]) == (problem, method)]
            winner = min(tried, key=lambda t: float(t["score"] or "inf"))
            # the held-out runs train the winner's configuration, exactly
            for run in held_out:
                params = run.data.params
                if run.info.run_name.startswith(f"dataset={problem},method={method},"):
                    rate = float(params["optimizer.learning_rate"])
                    assert rate == float(winner["optimizer.learning_rate"])

    report = (results / "report.md").read_text()
    assert "## Which method won" in report
    assert "## Tuning" in report
    assert report.index("## Which method won") < report.index("## Tuning")
    analysis = json.loads((results / "analysis.json").read_text())
    assert [t["task"] for t in analysis["tasks"]] == sorted(PROBLEMS)
    for task in analysis["tasks"]:
        assert sorted(task["methods"]) == sorted(METHODS)
        for method in task["methods"].values():
            assert [r["seed"] for r in method["runs"]] == [0, 1]
    assert sorted(analysis["overall"]["order"]) == sorted(METHODS)
    assert (results / "analysis_profile.png").read_bytes()[:4] == b"\x89PNG"
    readme = (study / "README.md").read_text()
    assert "## Results" in readme
    assert "### Tuning" in readme
    assert "### Which method won" in readme


def test_the_study_has_a_folder_with_its_question():
    readme = (REPO_ROOT / "experiments" / "benchmark" / "README.md").read_text()
    assert "**Question.**" in readme
    assert "python run.py -m experiment=benchmark" in readme
