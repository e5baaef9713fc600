"""The Hydra sweeper: ``python run.py -m hparams_search=sgd_tpe``, or ``hydra/sweeper=optuna``
with a search space in ``hydra.sweeper.params`` or on the command line
(``optimizer.learning_rate='tag(log, interval(1e-3, 10))'``).

Each batch asks the study for ``n_jobs`` trials, launches them as jobs (the sampled params,
where the trial is stored, the user's fixed overrides) with the configured launcher, and tells
the study how each ended: its final objective, PRUNED, or FAIL (failed, killed, or no finite
objective). The study lives in ``storage`` under ``study_name`` and is resumed when it exists:
the search runs trials until it holds ``n_trials`` complete or pruned ones. The best params go
to ``<sweep dir>/optimization_results.yaml``; the sweep's report gains a search section
(``add_report``, called by ``nnlab.sweep``).
"""

from pathlib import Path
from typing import Any

from hydra.core.plugins import Plugins
from hydra.plugins.sweeper import Sweeper
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig

from nnlab.errors import USAGE_ERRORS, describe, exit_with


class OptunaSweeper(Sweeper):
    def __init__(self, **settings: Any) -> None:
        self.settings = settings  # the fields of config.OptunaSweeperConf
        self.config: DictConfig | None = None
        self.hydra_context: HydraContext | None = None
        self.launcher = None

    def setup(
        self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig
    ) -> None:
        self.config = config
        self.hydra_context = hydra_context
        self.launcher = Plugins.instance().instantiate_launcher(
            config=config, hydra_context=hydra_context, task_function=task_function
        )

    def sweep(self, arguments: list[str]) -> None:
        """Run the search; ``arguments`` (the task overrides) are also in ``config``."""
        from hydra_plugins.nnlab_optuna_sweeper import _search

        try:
            search = _search.Search(self)
        except USAGE_ERRORS as error:  # before any trial: one line, exit status 2
            exit_with(describe(error, arguments), 2)
        search.run()


def add_report(config: DictConfig, report: Path) -> None:
    """Write the search's figures beside the sweep's comparison report ``report`` (its
    ``report.md``) and append the search section to it."""
    from hydra_plugins.nnlab_optuna_sweeper._search import study_location
    from nnlab.report.search import write_search_report

    storage, study_name = study_location(config)
    try:
        section = write_search_report(storage, study_name, report.parent, config.objective)
    except Exception as error:  # noqa: BLE001 - the comparison report stands; say why not
        section = f"## Hyper-parameter search\n\nNot written ({type(error).__name__}: {error}).\n"
    with report.open("a") as handle:
        handle.write("\n" + section)
