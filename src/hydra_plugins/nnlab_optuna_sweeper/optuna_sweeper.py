"""The Hydra sweeper: ``python run.py -m hparams_search=sgd_tpe``, or ``hydra/sweeper=optuna``
with a search space in ``hydra.sweeper.params`` or on the command line
(``optimizer.learning_rate='tag(log, interval(1e-3, 10))'``).

An nnlab sweep (``nnlab.cli.sweeper.Sweep``) whose jobs are the trials of an Optuna study: each
batch asks the study for ``n_jobs`` trials, launches them as jobs (the sampled params, where the
trial is stored, the user's fixed overrides) with the configured launcher, and tells the study
how each ended: its final objective, PRUNED, or FAIL (failed, killed, or no finite objective).
The study lives in ``storage`` under ``study_name`` and is resumed when it exists: the search
runs trials until it holds ``n_trials`` complete or pruned ones. The best params go to
``<sweep dir>/optimization_results.yaml``; the sweep's report gains a search section. A search
explores (a learning rate too large diverges), so it has failed only when every trial did.
"""

from pathlib import Path
from typing import Any

from nnlab.cli.sweeper import Sweep


class OptunaSweeper(Sweep):
    def __init__(self, **search_settings: Any) -> None:
        self.search_settings = search_settings  # the fields of config.OptunaSweeperConf

    def plan(self, arguments: list[str]) -> None:
        from hydra_plugins.nnlab_optuna_sweeper import _search

        self.search = _search.Search(self)  # checks the search space: ConfigError
        return None

    def launch(self, jobs: None) -> None:
        self.search.run()

    def report_section(self, folder: Path) -> str:
        from hydra_plugins.nnlab_optuna_sweeper._report import write_search_report

        try:
            return write_search_report(self.search.storage, self.search.study_name,
                                       folder, self.search.objective)  # fmt: skip
        except Exception as error:  # noqa: BLE001 - the comparison report stands; say why not
            return f"## Hyper-parameter search\n\nNot written ({type(error).__name__}: {error}).\n"

    def failed(self, failed: int, total: int) -> bool:
        return failed == total > 0
