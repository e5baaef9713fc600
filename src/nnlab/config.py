"""The configuration schema: one dataclass per config group option, registered with Hydra so an
unknown key or a value of the wrong type is refused while the config is composed.

Each YAML file under ``conf/<group>/`` names its schema in its defaults list
(``- /schema/optimizer/sgd@_here_``) and sets the book's values. Keys are the Python parameter
names of the factories they feed (``nnlab.optim.sgd(momentum=...)``,
``nnlab.schedules.inverse_time(decay=...)``). Ranges and allowed names are checked by those
factories when the job is built (``nnlab.build``).
"""

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING, DictConfig, OmegaConf, open_dict


class ConfigError(ValueError):
    """A config value the run cannot use; the message names the key, the value and what is
    allowed."""


@dataclass
class DatasetConfig:
    name: str = MISSING
    samples: int = 100
    classes: int = 3
    validation_samples: int = 100
    noise: float | None = None


@dataclass
class ModelConfig:
    hidden: list[int] = field(default_factory=lambda: [64])
    activation: str = "relu"
    init: str = "book"
    loss: str | None = None
    dropout: float = 0.0
    weight_regularizer_l1: float = 0.0
    weight_regularizer_l2: float = 0.0
    bias_regularizer_l1: float = 0.0
    bias_regularizer_l2: float = 0.0


@dataclass
class SgdConfig:
    name: str = "sgd"
    learning_rate: float = 1.0
    momentum: float = 0.0


@dataclass
class AdagradConfig:
    name: str = "adagrad"
    learning_rate: float = 1.0
    epsilon: float = 1e-7


@dataclass
class RmspropConfig:
    name: str = "rmsprop"
    learning_rate: float = 0.02
    rho: float = 0.999
    epsilon: float = 1e-7


@dataclass
class AdamConfig:
    name: str = "adam"
    learning_rate: float = 0.05
    beta_1: float = 0.9
    beta_2: float = 0.999
    epsilon: float = 1e-7


@dataclass
class SearchConfig:
    """Random search / hill climbing: ``learning_rate`` is the Gaussian scale ``s`` of a
    candidate (fresh draw or step), shaped over iterations by the schedule like a rate."""

    name: str = MISSING
    learning_rate: float = 0.05


@dataclass
class ConstantConfig:
    name: str = "constant"


@dataclass
class InverseTimeConfig:
    name: str = "inverse_time"
    decay: float = 1e-3


@dataclass
class ExponentialConfig:
    name: str = "exponential"
    decay: float = 1e-3


@dataclass
class StepConfig:
    name: str = "step"
    step_size: int = 1000
    gamma: float = 0.5


@dataclass
class CosineConfig:
    name: str = "cosine"
    total_steps: int | None = None  # None: the run's number of steps
    min_learning_rate: float = 0.0


@dataclass
class TrainerConfig:
    epochs: int = 10001
    batch_size: int | None = None  # None: full batch
    seed: int = 0
    val_every: int = 1
    dtype: str = "float64"
    blas_threads: int = 1


TRACKING_BACKENDS = ("mlflow", "none")


@dataclass
class TrackingConfig:
    backend: str = "mlflow"  # one of TRACKING_BACKENDS
    uri: str | None = None  # None: $MLFLOW_TRACKING_URI, else <repo>/mlruns/mlflow.db
    experiment: str = "nnlab"
    max_points: int = 500  # per metric sent to MLflow; the full history goes to history.csv
    figures: bool = True
    resume: bool = True  # skip a job whose config already has a FINISHED run


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
    "optimizer": {
        "sgd": SgdConfig,
        "adagrad": AdagradConfig,
        "rmsprop": RmspropConfig,
        "adam": AdamConfig,
        "search": SearchConfig,
    },
    "schedule": {
        "constant": ConstantConfig,
        "inverse_time": InverseTimeConfig,
        "exponential": ExponentialConfig,
        "step": StepConfig,
        "cosine": CosineConfig,
    },
    "trainer": {"trainer": TrainerConfig},
    "tracking": {"tracking": TrackingConfig},
}


def settings(cfg: DictConfig) -> Config:
    """The job's config (without any ``hydra`` node) as the schema's dataclasses.

    Keys added with ``+`` that the schema does not know are refused: converting to dataclasses
    would silently drop them (``+optimizer.momentun=0.9`` would train with momentum 0).
    """
    job_cfg = cfg.copy()
    with open_dict(job_cfg):
        job_cfg.pop("hydra", None)
    _check_keys(job_cfg, "")
    return OmegaConf.to_object(job_cfg)


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
    return f"{setting}: no such key; {group or 'config'} takes {allowed}"


def register() -> None:
    """Store the schemas in Hydra's ConfigStore under ``schema/<group>/<name>``."""
    store = ConfigStore.instance()
    store.store(name="schema", node=Config)
    for group, schemas in SCHEMAS.items():
        for name, schema in schemas.items():
            store.store(group=f"schema/{group}", name=name, node=schema)
