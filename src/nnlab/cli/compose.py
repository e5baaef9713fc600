"""Composing a sweep's jobs once: Hydra composes every job's config from scratch (the defaults
list, every YAML file, the schema) a third of a second each, and a sweep asks for each job's
config at least twice (nnlab checks every job before any starts; the launcher composes it to
run it). Most jobs of a sweep differ only in values (``trainer.seed=0..15``): their configs are
one composition with different value overrides.

``ComposeOnce`` wraps Hydra's config loader: a job's config is the composition of its config
group choices (``optimizer=adam``, ``+callbacks=...``; composed once per distinct choice),
copied, with its value overrides applied the way Hydra applies them, and ``hydra.overrides``
and ``hydra.job.override_dirname`` set as Hydra sets them. Everything else is the wrapped
loader's. Every launcher composes through the sweeper's loader, so every launcher gains.

``job_config`` is a job's config without its ``hydra`` node, as its task receives it: a copy of
the composition's task part (the ``hydra`` node takes most of the time a whole config takes to
copy) with the job's value overrides. It is what nnlab checks before a sweep starts.
"""

import copy

from hydra._internal.config_loader_impl import ConfigLoaderImpl, get_overrides_dirname
from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import DictConfig, OmegaConf, open_dict

from nnlab.run.schema import without_hydra


class ComposeOnce:
    def __init__(self, loader: ConfigLoaderImpl) -> None:
        self.loader = loader
        self._compositions: dict[tuple[str, ...], DictConfig] = {}
        self._tasks: dict[tuple[str, ...], DictConfig] = {}

    def __getattr__(self, name: str):
        return getattr(self.loader, name)

    def __reduce__(self):  # to a launcher's workers: the loader, without the compositions
        return ComposeOnce, (self.loader,)

    def load_sweep_config(self, master_config: DictConfig, sweep_overrides: list[str]):
        overrides, choices = self._parse(sweep_overrides)
        cfg = copy.deepcopy(self._composition(master_config, choices))
        values = [o for o in overrides if not self._chooses(o)]
        ConfigLoaderImpl._apply_overrides_to_config(values, cfg)
        app = [o for o in overrides if not o.is_hydra_override()]
        with open_dict(cfg.hydra):
            cfg.hydra.overrides.task = [o.input_line for o in app]
            cfg.hydra.overrides.hydra += [o.input_line for o in values if o.is_hydra_override()]
            dirname = cfg.hydra.job.config.override_dirname
            cfg.hydra.job.override_dirname = get_overrides_dirname(
                overrides=app, exclude_keys=list(dirname.exclude_keys),
                item_sep=dirname.item_sep, kv_sep=dirname.kv_sep,
            )  # fmt: skip
        OmegaConf.copy_cache(from_config=master_config, to_config=cfg)
        return cfg

    def job_config(self, master_config: DictConfig, sweep_overrides: list[str]) -> DictConfig:
        """The job's config without its ``hydra`` node (its task's config)."""
        overrides, choices = self._parse(sweep_overrides)
        if choices not in self._tasks:
            self._tasks[choices] = without_hydra(self._composition(master_config, choices))
        cfg = copy.deepcopy(self._tasks[choices])
        values = [o for o in overrides if not (self._chooses(o) or o.is_hydra_override())]
        ConfigLoaderImpl._apply_overrides_to_config(values, cfg)
        return cfg

    def _parse(self, sweep_overrides: list[str]) -> tuple[list, tuple[str, ...]]:
        """The job's overrides, parsed, and those that choose from config groups."""
        overrides = OverridesParser.create().parse_overrides(list(sweep_overrides))
        return overrides, tuple(o.input_line for o in overrides if self._chooses(o))

    def _composition(self, master_config: DictConfig, choices: tuple[str, ...]) -> DictConfig:
        if choices not in self._compositions:
            self._compositions[choices] = self.loader.load_sweep_config(master_config, [*choices])
        return self._compositions[choices]

    def _chooses(self, override) -> bool:
        """Whether an override chooses from a config group (as Hydra's defaults list tells)."""
        return self.loader.repository.group_exists(override.key_or_group) and not isinstance(
            override.value(), dict
        )
