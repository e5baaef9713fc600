"""The life of a sweep, as a Hydra sweeper: ``Sweep`` is the base every nnlab sweeper extends
(in ``hydra_plugins``, where Hydra looks for plugins: the grid, nnlab's default, and the Optuna
search).

Before any job starts, ``sweep`` composes and builds every job the sweeper plans (a sweeper
that picks jobs as it goes checks what it can in ``plan``), so a bad value anywhere stops the
command with one line, exit status 2, and nothing created; checks the tracking store (exit
status 3 if it cannot be reached); writes the sweep's record (``nnlab.run.sweep``) and has the
tracking worker watch the sweep folder. Then the subclass launches the jobs (``launch``). At the
end the runs are printed best first, the comparison report is written from the run folders (a
subclass may add a section, ``report_section``) and logged to the sweep's parent run, and the
command exits 1 if jobs failed (``failed``). An interrupted sweep is recorded KILLED, and the
command ends with one line saying how many runs were KILLED and where the record is (exit
status 130, or 143 for SIGTERM). ``quiet=true`` leaves the summary and the report's path.
"""

import sys
import time
import uuid
from pathlib import Path

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.plugins import Plugins
from hydra.plugins.sweeper import Sweeper
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig, OmegaConf

from nnlab import cli
from nnlab.cli.app import run_name, user_callbacks
from nnlab.cli.compose import ComposeOnce
from nnlab.cli.console import results_table
from nnlab.cli.errors import USAGE_ERRORS, describe, exit_interrupted, exit_with, interrupted
from nnlab.cli.launchers import missing_extra
from nnlab.report.labels import color_key
from nnlab.run import provenance, schema
from nnlab.run.job import build
from nnlab.run.process import Process
from nnlab.run.sweep import SweepFolder, SweepInfo
from nnlab.track.uri import store_exists
from nnlab.track.view import ui_hint
from nnlab.viz import colors


class Sweep(Sweeper):
    """Subclasses plan and launch the jobs; this class does the rest."""

    config: DictConfig
    hydra_context: HydraContext

    def setup(
        self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig
    ) -> None:
        self.config = config
        # every job composed through one loader, each choice of config groups once
        loader = ComposeOnce(hydra_context.config_loader)
        self.hydra_context = HydraContext(config_loader=loader, callbacks=hydra_context.callbacks)
        self.launcher = Plugins.instance().instantiate_launcher(
            hydra_context=self.hydra_context, task_function=task_function, config=config
        )

    # -- what a sweeper provides ----------------------------------------------------------------

    def plan(self, arguments: list[str]) -> list[list[str]] | None:
        """Every job's overrides, or ``None`` for a sweeper that picks jobs as it goes;
        ``ConfigError`` for a sweep that cannot run."""
        raise NotImplementedError

    def launch(self, jobs: list[list[str]] | None) -> None:
        raise NotImplementedError

    def report_section(self, folder: Path) -> str | None:
        """Markdown added to the sweep's report, whose files go to ``folder``."""
        return None

    def failed(self, failed: int, total: int) -> bool:
        """Whether the sweep failed, with ``failed`` of its ``total`` jobs failed."""
        return failed > 0

    # -- the sweep --------------------------------------------------------------------------------

    def sweep(self, arguments: list[str]) -> None:
        config = self.config
        overrides = list(config.hydra.overrides.task)
        try:
            settings = schema.settings(config)
            _check_launcher(config.hydra)
            jobs = self.plan(arguments)
            hashes = [self.check(job, f"in job: {' '.join(job)}") for job in jobs or ()]
        except USAGE_ERRORS as error:
            exit_with(describe(error, overrides), 2)
        tracking = settings.tracking
        uri = cli.checked_store(tracking)
        sweep_dir = Path(config.hydra.sweep.dir)
        self.settings, self.folder = settings, SweepFolder(sweep_dir)
        self.info = SweepInfo(
            id=sweep_dir.name, uid=uuid.uuid4().hex,
            name=self.name(sweep_dir.name, settings.study.name),
            process=Process.current().as_dict(), started=time.time(),
            objective=settings.objective, overrides=overrides,
            total_jobs=None if jobs is None else len(jobs), varying=self.varying(),
            tracking={"uri": uri, "experiment": tracking.experiment} if uri else None,
            resume=bool(uri and jobs) and tracking.resume.lower() != "false", hashes=hashes,
            code=provenance.code_tags(provenance.tags()) if tracking.resume.lower() == "true"
            else None,
        )  # fmt: skip
        keys = [color_key(run_name(job, self.info)) for job in jobs or ()]
        self.info.colors = dict(zip(keys, colors.assign(keys), strict=True))
        self.folder.start(self.info)
        if self.info.resume and not store_exists(uri):
            self.folder.write_reuse({})  # a store yet to be created holds no run to reuse
        self.worker = cli.worker() if uri else None
        if self.worker:
            self.worker.watch(sweep_dir)
        try:
            self.launch(jobs)
        except BaseException as error:
            if not interrupted(error):
                self._end("FAILED")
                raise
            self._end("KILLED")
            exit_interrupted(error, self._killed())
        self._end("FINISHED")

    def name(self, sweep_id: str, study: str | None) -> str:
        """What the sweep is: its study, its search, else the sweep overrides
        (``optimizer=sgd,adagrad``), else ``sweep <id>``."""
        chosen = study or self.config.hydra.runtime.choices.get("hparams_search")
        swept = [o.input_line for o in self.overrides() if o.is_sweep_override()]
        return chosen or " ".join(swept) or f"sweep {sweep_id}"

    def varying(self) -> list[str]:
        """The keys whose values differ between jobs."""
        return [o.get_key_element().lstrip("+~") for o in self.overrides() if o.is_sweep_override()]

    def overrides(self) -> list:
        """The sweeper's ``params`` and the command line's overrides, parsed (a group's
        options are listed for ``glob()`` sweeps, e.g. ``optimizer='glob(*)'``)."""
        params = self.config.hydra.sweeper.get("params") or {}
        arguments = [f"{key}={value}" for key, value in params.items()]
        parser = OverridesParser.create(config_loader=self.hydra_context.config_loader)
        return parser.parse_overrides(arguments + list(self.config.hydra.overrides.task))

    def check(self, job: list[str], where: str) -> str:
        """Compose and build a job (``ConfigError`` naming it and ``where`` it is); its config
        hash."""
        try:
            cfg = self.hydra_context.config_loader.job_config(self.config, list(job))
            settings = schema.settings(cfg)
            user_callbacks(settings)
            build(settings)
        except USAGE_ERRORS as error:
            message = describe(error, list(job))
            raise schema.ConfigError(f"{message} ({where})" if job else message) from None
        return schema.config_hash(OmegaConf.to_container(cfg, resolve=True))

    def _end(self, status: str) -> None:
        settings, info = self.settings, self.info
        if status == "KILLED":
            self._killed_with_the_sweep()
        # the runs' MLflow ids and the sweep's link; the worker sends the rest of the runs while
        # the report is drawn from their folders, and ``end`` waits for it
        answer = self.worker.opened() if self.worker else {"runs": {}, "links": {}}
        runs = [(folder, folder.info()) for folder in self.folder.runs()]
        ids = {f.path: answer["runs"].get(str(f.path.resolve())) for f, _ in runs}
        shown = [(run, run.reused["run_id"] if run.reused else ids[f.path]) for f, run in runs]
        print(results_table(shown, settings.objective), flush=True)
        view = answer["links"].get(str(self.folder.path.resolve()))
        self.verdict: list[str] = []
        report = self._report(runs, ids, view) if status == "FINISHED" else None
        info.status, info.ended = status, time.time()
        info.report = str(report.parent) if isinstance(report, Path) else None
        try:
            self.folder.write_info(info)
        except OSError:  # a full disk: the next command on the store closes the parent run
            pass
        answer = self.worker.end() if self.worker else {"notes": []}
        for note in answer["notes"]:
            print(f"warning: {note}", file=sys.stderr, flush=True)
        if status == "FINISHED":
            for line in self.verdict:
                print(line, flush=True)
            print(f"report: {report}", flush=True)
        if view:
            print(f"compare in the MLflow UI ({ui_hint(info.tracking['uri'])}): {view}",
                  flush=True)  # fmt: skip
        if answer["notes"] and status == "FINISHED":
            exit_with(f"not everything reached {info.tracking['uri']}; send it later with: "
                      f"python -m nnlab.sync {self.folder.path}", 3)  # fmt: skip
        failed = [run for _, run in runs if run.status == "FAILED"]
        if status == "FINISHED" and self.failed(len(failed), len(runs)):
            names = "; ".join(f"job {run.job + 1} ({run.name}): {run.reason}" for run in failed)
            exit_with(f"{len(failed)} of {len(runs)} jobs failed: {names}", 1)

    def _killed(self) -> str:
        """What an interrupted sweep recorded KILLED, and where."""
        killed = sum(folder.info().status == "KILLED" for folder in self.folder.runs())
        resume = " (resume: run the same command again)" if self.info.resume else ""
        runs = "1 run" if killed == 1 else f"{killed} runs"
        return f"{runs} KILLED, record in {self.folder.path}{resume}"

    def _killed_with_the_sweep(self) -> None:
        """Record KILLED the runs whose process a parallel launcher ended without warning when
        the sweep was interrupted (joblib kills its workers): their records still say
        RUNNING."""
        for folder in self.folder.runs():
            run = folder.info()
            if run.status == "RUNNING" and Process(**run.process).alive() is False:
                run.status, run.outcome, run.ended = "KILLED", "killed", time.time()
                run.reason = "interrupted with its sweep"
                folder.write_info(run)

    def _report(self, runs: list, ids: dict, view: str | None) -> Path | str:
        """Write the comparison report; its ``report.md``, or why there is none. When runs
        differ by seed, ``verdict`` gets the console's lines of which method won."""
        from nnlab.report.analysis import analyse
        from nnlab.report.comparison import write_report
        from nnlab.report.runs import from_folder
        from nnlab.report.study import study_folder, update_readme
        from nnlab.report.winner import console_lines

        study = self.settings.study
        folder = study_folder(study.name, study.folder) if study.name else None
        report_dir = folder / "results" if folder else self.folder.path / "report"
        try:
            records = [from_folder(run, ids.get(run.path)) for run, _ in runs]
            found = analyse(records, self.settings.objective)
            report_dir.mkdir(parents=True, exist_ok=True)
            report = write_report(records, report_dir, title=f"sweep {self.info.id}",
                                  objective=self.settings.objective, ui=view, analysis=found,
                                  extra=self.report_section(report_dir))  # fmt: skip
            self.verdict = console_lines(found) if found else []
            if folder is not None:
                commit, _ = provenance.git_state(folder)
                command = f"python run.py -m experiment={study.name}"
                update_readme(folder / "README.md", report, self.info.id, commit, command)
        except Exception as error:  # noqa: BLE001 - the runs are safe; say why there is no report
            return f"not written ({type(error).__name__}: {error})"
        return report


def _check_launcher(hydra: DictConfig) -> None:
    """What the launcher would only refuse once jobs started: the extra it comes with must be
    installed (``hydra/launcher=ray``: ``pip install -e ".[ray]"``); ``n_jobs`` (joblib) must be
    an integer other than 0."""
    if hint := missing_extra(hydra.runtime.choices.get("hydra/launcher")):
        raise schema.ConfigError(hint)
    n_jobs = hydra.launcher.get("n_jobs", 1)
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs == 0:
        raise schema.ConfigError(f"hydra.launcher.n_jobs={n_jobs}: jobs at a time, an integer "
                                 "other than 0 (-1: one per core)")  # fmt: skip
