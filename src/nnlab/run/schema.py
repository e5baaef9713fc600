"""The configuration schema: one dataclass per option of each config group, derived from the
signature of the factory the option feeds, and registered with Hydra so an unknown key or a value
of the wrong type is refused while the config is composed.

A default lives in one place. For the numerics it is the factory's signature: the fields of
``optimizer=rmsprop`` are the keyword parameters of ``nnlab.optim.rmsprop`` with their defaults and
annotations (plus ``name`` and ``learning_rate``, which the schedule takes); a parameter without
a default is required, so the option's YAML must set it. For the harness (trainer seed, dtype,
tracking) it is the dataclass below. A YAML file under ``conf/<group>/`` names its schema in its
defaults list (``- /schema/optimizer/rmsprop@_here_``) and sets only deliberate choices (the
book's learning rate, say). Ranges and allowed names are checked by the factories when the job is
built (``nnlab.run.job``).

``load`` reads a stored ``config.yaml`` back into these dataclasses; a stored config is
untrusted input, so its callbacks must be among ``TRUSTED_CALLBACKS``.
"""

import dataclasses
import hashlib
import inspect
import json
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING, DictConfig, OmegaConf, open_dict
from omegaconf.errors import OmegaConfBaseException

from nnlab import data, nn, optim, schedules, train


class ConfigError(ValueError):
    """A config value the run cannot use; the message names the key, the value and what is
    allowed."""


# parameters the job fills in from the run itself when the config leaves them null
RUN_LENGTH = "total_steps"  # a schedule's horizon: the run's number of update steps
SEARCHES = {"random_search": train.random_search, "hill_climb": train.hill_climb}
# the callbacks a stored run may name (anything else in a stored config is refused)
TRUSTED_CALLBACKS = {"nnlab.train.EarlyStopping": train.EarlyStopping}


def derived(name: str, factory: Callable, skip: Sequence[str], head=()) -> type:
    """A dataclass named ``name`` with the fields ``head`` (``(name, type, default)``) and then
    one per keyword parameter of ``factory`` not in ``skip``, typed by its annotation and
    defaulting to its default (required parameters are ``MISSING``)."""
    fields = [(key, kind, field(default=default)) for key, kind, default in head]
    for parameter in inspect.signature(factory, eval_str=True).parameters.values():
        if parameter.name in skip:
            continue
        kind, default = _field_type(parameter.annotation), parameter.default
        if parameter.name == RUN_LENGTH:
            kind, default = kind | None, None
        if default is inspect.Parameter.empty:
            default = MISSING
        fields.append((parameter.name, kind, field(default=default)))
    return dataclasses.make_dataclass(name, fields)


def _field_type(annotation):
    """An annotation as OmegaConf types a field: ``Sequence[int]`` becomes ``list[int]``."""
    if typing.get_origin(annotation) is Sequence:
        return list[typing.get_args(annotation)[0]]
    return annotation


NUMERICS = ("dtype",)
DatasetConfig = derived("DatasetConfig", data.make, ("train_rng", "val_rng", *NUMERICS))
ModelConfig = derived(
    "ModelConfig", nn.mlp, ("n_inputs", "n_outputs", "task", "rng", "y_train", *NUMERICS)
)
OPTIMIZERS = {
    **{key: derived(f"{key}_optimizer", rule, (), [("name", str, key),
                                                    ("learning_rate", float, MISSING)])
       for key, rule in optim.RULES.items()},
    **{key: derived(f"{key}_optimizer", search, ("network", "data", "schedule", "iterations",
                                                 "rng", "callbacks", "val_every"),
                    [("name", str, key), ("learning_rate", float, MISSING)])
       for key, search in SEARCHES.items()},
}  # fmt: skip
SCHEDULES = {
    key: derived(f"{key}_schedule", factory, ("learning_rate",), [("name", str, key)])
    for key, factory in schedules.SCHEDULES.items()
}
_TrainerFit = derived("TrainerFit", train.fit, ("network", "data", "rule", "schedule", "rng",
                                                 "callbacks"))  # fmt: skip


@dataclass
class TrainerConfig(_TrainerFit):
    seed: int = 0  # every random draw of the run comes from it (nnlab.run.job)
    dtype: str = "float64"  # or float32
    blas_threads: int = 1  # BLAS threads while training (threadpoolctl)


TRACKING_BACKENDS = ("mlflow", "none")
RESUME_MODES = {
    "true": "reuse a FINISHED run of the same config and the same code and library versions",
    "any": "reuse a FINISHED run of the same config, whatever code made it",
    "false": "train every job",
}


@dataclass
class TrackingConfig:
    backend: str = "mlflow"  # one of TRACKING_BACKENDS
    uri: str | None = None  # None: $MLFLOW_TRACKING_URI, else <repo>/mlruns/mlflow.db
    experiment: str = "nnlab"
    max_points: int = 300  # per metric sent to MLflow; every epoch stays in history.csv
    figures: bool = True
    resume: str = "true"  # one of RESUME_MODES (true/false typed on the command line work)


@dataclass
class StudyConfig:
    """A named study (``conf/experiment/<name>.yaml``): its report and results table go to
    ``folder`` (default ``<repo>/experiments/<name>``)."""

    name: str | None = None
    folder: str | None = None


@dataclass
class SearchSettings:
    """Set by a search sweeper for each trial it launches (``hparams_search/``): where its
    study is stored, which trial this job is, and how often to report to the pruner (epochs;
    0: never)."""

    storage: str | None = None
    study: str | None = None
    trial: int | None = None
    prune_every: int = 0


@dataclass
class Config:
    dataset: Any = MISSING
    model: ModelConfig = MISSING
    optimizer: Any = MISSING
    schedule: Any = MISSING
    trainer: TrainerConfig = MISSING
    tracking: TrackingConfig = MISSING
    objective: str = "val/loss"  # the metric a sweep minimises (maximises for accuracies)
    quiet: bool = False
    study: StudyConfig = field(default_factory=StudyConfig)
    search: SearchSettings = field(default_factory=SearchSettings)
    # extra training callbacks by name, each a node with a ``_target_`` class, e.g.
    # +callbacks.early_stop._target_=nnlab.train.EarlyStopping +callbacks.early_stop.patience=500
    callbacks: dict[str, Any] = field(default_factory=dict)


SCHEMAS = {
    "dataset": {"dataset": DatasetConfig},
    "model": {"model": ModelConfig},
    "optimizer": OPTIMIZERS,
    "schedule": SCHEDULES,
    "trainer": {"trainer": TrainerConfig},
    "tracking": {"tracking": TrackingConfig},
}


def register() -> None:
    """Store the schemas in Hydra's ConfigStore under ``schema/<group>/<name>``."""
    store = ConfigStore.instance()
    store.store(name="schema", node=Config)
    for group, options in SCHEMAS.items():
        for name, schema in options.items():
            store.store(group=f"schema/{group}", name=name, node=schema)


def settings(cfg: DictConfig) -> Config:
    """The job's config (without any ``hydra`` node) as the schema's dataclasses.

    Keys added with ``+`` that the schema does not know are refused: converting to dataclasses
    would silently drop them (``+optimizer.momentun=0.9`` would train with momentum 0).
    """
    job_cfg = without_hydra(cfg)
    _check_keys(job_cfg, "")
    return OmegaConf.to_object(job_cfg)


def without_hydra(cfg: DictConfig) -> DictConfig:
    """A copy of a composed config without its ``hydra`` node: what a job's task receives."""
    job_cfg = cfg.copy()
    with open_dict(job_cfg):
        job_cfg.pop("hydra", None)
    return job_cfg


def load(stored: dict) -> Config:
    """A stored run's ``config.yaml`` (a plain dict) as the schema's dataclasses: each group
    gets the schema its ``name`` selects; unknown keys, wrong types and callbacks outside
    ``TRUSTED_CALLBACKS`` raise ``ConfigError``."""
    cfg = OmegaConf.structured(Config)
    for group, options in SCHEMAS.items():
        name = (stored.get(group) or {}).get("name", next(iter(options)))
        schema = options.get(name) if len(options) > 1 else next(iter(options.values()))
        if schema is None:
            raise ConfigError(
                f"{group}.name={name} is not an option; allowed: {', '.join(options)}"
            )
        cfg[group] = OmegaConf.structured(schema)
    for key, node in (stored.get("callbacks") or {}).items():
        target = node.get("_target_") if isinstance(node, dict) else None
        if target not in TRUSTED_CALLBACKS:
            raise ConfigError(
                f"callbacks.{key}: {target!r} is not a callback a stored run may name; allowed: "
                f"{', '.join(TRUSTED_CALLBACKS)}"
            )
    try:
        cfg.merge_with(stored)
        return settings(cfg)
    except OmegaConfBaseException as error:
        raise ConfigError(f"{error.full_key}: {str(error.msg).splitlines()[0]}") from None


def _check_keys(node: DictConfig, path: str) -> None:
    schema = OmegaConf.get_type(node)
    if not dataclasses.is_dataclass(schema):
        return
    known = {f.name for f in dataclasses.fields(schema)}
    for key in node:
        name = f"{path}{key}"
        if key not in known:
            raise ConfigError(unknown_key(name, path.rstrip("."), schema))
        child = node._get_node(key)
        if isinstance(child, DictConfig) and key != "callbacks":
            _check_keys(child, f"{name}.")


def unknown_key(setting: str, group: str, schema: type) -> str:
    """The line for ``setting`` (``optimizer.foo=1`` as typed, or its key), which the dataclass
    ``schema`` of ``group`` (``optimizer``; empty for the top level) does not have."""
    allowed = ", ".join(f.name for f in dataclasses.fields(schema) if f.name != "name")
    name = next((f.default for f in dataclasses.fields(schema) if f.name == "name"), MISSING)
    option = "" if name == MISSING else f"={name}"  # which of the group's options
    return f"{setting}: no such key; {group or 'config'}{option} takes {allowed or 'none'}"


# keys that cannot change a run's numbers, left out of its hash
NOT_HASHED = ("tracking", "quiet", "objective", "study", "search")


def config_hash(resolved: dict) -> str:
    """A digest of everything in a resolved config that can change a run's numbers."""
    relevant = {key: value for key, value in resolved.items() if key not in NOT_HASHED}
    canonical = json.dumps(relevant, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def flatten(tree: dict, prefix: str = "") -> dict[str, str]:
    """``{"optimizer": {"momentum": 0.9}}`` -> ``{"optimizer.momentum": "0.9"}``."""
    flat: dict[str, str] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = "null" if value is None else str(value)
    return flat
