"""From a validated config to the objects a run trains: data, network, and the method that
trains it (an update rule with a schedule, or a search baseline).

Every random draw comes from ``trainer.seed`` through one ``SeedSequence``, spawned into
independent streams for the training data, the validation data, the initial weights, and the
training itself (mini-batch order, dropout masks, search candidates).
"""

from dataclasses import asdict, dataclass

import numpy as np

from nnlab import data, nn, optim, schedules, train
from nnlab.checks import in_range, one_of, positive_int
from nnlab.run.folder import WEIGHTS, RunFolder
from nnlab.run.schema import (
    RESUME_MODES,
    RUN_LENGTH,
    SEARCHES,
    TRACKING_BACKENDS,
    Config,
    ConfigError,
    load,
)
from nnlab.train import Callback, History
from nnlab.train.metrics import PENALTY_METRICS, SEARCH_METRICS, TRAIN_METRICS, VAL_METRICS
from nnlab.viz.regions import picture, regions

DTYPES = {"float64": np.float64, "float32": np.float32}


@dataclass
class Job:
    data: data.Dataset
    network: nn.Network
    method: str  # the optimizer's name: an update rule or a search baseline
    schedule: schedules.Schedule
    rule: optim.UpdateRule | None
    rng: np.random.Generator
    epochs: int
    batch_size: int | None
    val_every: int

    @property
    def metrics(self) -> tuple[str, ...]:
        """The metrics the run records each epoch, in the order of its history's columns;
        ``train/data_loss`` and ``train/reg_loss`` only when a penalty makes them differ from
        ``train/loss`` and zero."""
        found = TRAIN_METRICS + (SEARCH_METRICS if self.rule is None else ())
        if not self.network.regularized:
            found = tuple(m for m in found if m not in PENALTY_METRICS)
        return tuple(sorted(found + (VAL_METRICS if self.data.x_val is not None else ())))

    def run(self, callbacks: list[Callback]) -> History:
        if self.rule is None:
            return SEARCHES[self.method](
                self.network,
                self.data,
                self.schedule,
                iterations=self.epochs,
                rng=self.rng,
                callbacks=callbacks,
                val_every=self.val_every,
            )
        return train.fit(
            self.network,
            self.data,
            self.rule,
            self.schedule,
            epochs=self.epochs,
            batch_size=self.batch_size,
            rng=self.rng,
            callbacks=callbacks,
            val_every=self.val_every,
        )


def build(cfg: Config) -> Job:
    """Build the job ``cfg`` describes; ``ConfigError`` names the first bad value."""
    trainer = cfg.trainer
    with _group("trainer", trainer):
        dtype = one_of("dtype", trainer.dtype, DTYPES)
        for key in ("epochs", "val_every", "blas_threads"):
            positive_int(key, getattr(trainer, key))
        if trainer.batch_size is not None:
            positive_int("batch_size", trainer.batch_size)
        positive_int("seed", trainer.seed, minimum=0)
    with _group("optimizer", cfg.optimizer):  # the schedule takes it, the optimizer names it
        in_range("learning_rate", cfg.optimizer.learning_rate, 0.0, low_open=True)
    check_memory(cfg, np.dtype(dtype).itemsize)
    train_data, val_data, init, training = np.random.SeedSequence(trainer.seed).spawn(4)
    dataset = asdict(cfg.dataset)
    with _group("dataset", cfg.dataset):
        dataset_ = data.make(
            **dataset,
            train_rng=np.random.default_rng(train_data),
            val_rng=np.random.default_rng(val_data),
            dtype=dtype,
        )
    model = asdict(cfg.model)
    with _group("model", cfg.model):
        network = nn.mlp(
            dataset_.n_inputs,
            model.pop("hidden"),
            dataset_.n_outputs,
            task=dataset_.task,
            rng=np.random.default_rng(init),
            y_train=dataset_.y_train,
            dtype=dtype,
            **model,
        )
    optimizer = asdict(cfg.optimizer)
    method = optimizer.pop("name")
    learning_rate = optimizer.pop("learning_rate")
    with _group("optimizer", cfg.optimizer):
        rule = None if method in SEARCHES else one_of("name", method, optim.RULES)(**optimizer)
    schedule_args = asdict(cfg.schedule)
    schedule_name = schedule_args.pop("name")
    if schedule_args.get(RUN_LENGTH, 0) is None:
        batches = (
            1
            if rule is None or trainer.batch_size is None
            else -(-len(dataset_.x_train) // trainer.batch_size)
        )
        schedule_args[RUN_LENGTH] = trainer.epochs * batches
    with _group("schedule", cfg.schedule):
        factory = one_of("name", schedule_name, schedules.SCHEDULES)
        schedule = factory(learning_rate, **schedule_args)
    with _group("tracking", cfg.tracking):
        one_of("backend", cfg.tracking.backend, dict.fromkeys(TRACKING_BACKENDS))
        one_of("resume", cfg.tracking.resume.lower(), RESUME_MODES)
    job = Job(dataset_, network, method, schedule, rule, np.random.default_rng(training),
              trainer.epochs, trainer.batch_size, trainer.val_every)  # fmt: skip
    if cfg.objective not in job.metrics:
        raise ConfigError(
            f"objective={cfg.objective} is not a metric this run records; allowed: "
            f"{', '.join(job.metrics)}"
        )
    return job


class _group:  # noqa: N801 - used as a context manager, reads like a label
    """Turn a factory's ``ValueError`` ("momentum must be ...") into a ``ConfigError`` that names
    the config key ("optimizer.momentum must be ...")."""

    def __init__(self, name: str, node) -> None:
        self.name = name
        self.keys = set(vars(node))

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type, exc, traceback) -> None:
        if exc_type is None or not issubclass(exc_type, ValueError):
            return
        message = str(exc)
        first_word = message.split(" ", 1)[0]
        if first_word in self.keys:
            raise ConfigError(f"{self.name}.{message}") from exc
        raise ConfigError(f"{self.name}: {message}") from exc


def check_memory(cfg: Config, itemsize: int) -> None:
    """Refuse a run that cannot fit in the memory this machine has free, before allocating:
    ``ConfigError`` names the setting behind the largest need. The needs are upper estimates:

    - data: ``(samples x classes + validation_samples) x (2 inputs + 1 target)`` numbers;
    - network: 8 numbers per weight (weights, gradients, optimizer state, deltas) and 4 per unit
      and sample of a batch (outputs, input gradients, masks);
    - history: 10 Python floats of 32 bytes per epoch (``nnlab.train.History``).
    """
    dataset, model, trainer = cfg.dataset, cfg.model, cfg.trainer
    rows = dataset.samples * max(dataset.classes, 1) + dataset.validation_samples
    widths = [2, *model.hidden, max(dataset.classes, 1)]
    weights = sum(a * b + b for a, b in zip(widths[:-1], widths[1:], strict=False))
    batch = f"trainer.batch_size={trainer.batch_size}" if trainer.batch_size else None
    samples = f"dataset.samples={dataset.samples}"
    needs = {samples: rows * 3 * itemsize, f"model.hidden={model.hidden}": 8 * weights * itemsize}
    activations = 4 * min(trainer.batch_size or rows, rows) * sum(widths) * itemsize
    needs[batch or samples] = needs.get(batch or samples, 0) + activations
    needs[f"trainer.epochs={trainer.epochs}"] = trainer.epochs * 10 * 32
    available = _available_memory()
    if available is not None and sum(needs.values()) > available:
        setting = max(needs, key=needs.get)
        raise ConfigError(f"{setting} needs about {sum(needs.values()) / 1e9:.3g} GB of memory; "
                          f"this machine has {available / 1e9:.3g} GB free")  # fmt: skip


def _available_memory() -> int | None:
    """Bytes of memory free for a new process (Linux's MemAvailable); ``None`` if unknown."""
    try:
        with open("/proc/meminfo") as handle:
            fields = dict(line.split(":", 1) for line in handle)
        return int(fields["MemAvailable"].split()[0]) * 1024
    except (OSError, KeyError, ValueError):
        return None


def restore(folder: RunFolder) -> Job:
    """The job of a stored run (its data and network, seeded as in training) with the network
    holding the folder's weights; the config is read as untrusted input (``schema.load``)."""
    job = build(load(folder.config()))
    saved, params = folder.weights(), job.network.params
    if saved.keys() != params.keys() or any(saved[k].shape != params[k].shape for k in saved):
        raise ValueError(f"{folder.file(WEIGHTS)} does not fit the network its config builds")
    for name, array in saved.items():
        np.copyto(params[name], array)
    return job


def run_regions(folder: RunFolder) -> np.ndarray | None:
    """The decision-regions picture of a stored run's final network (``nnlab.viz.regions``);
    ``None`` when its data are not 2-D classes."""
    job = restore(folder)
    if job.data.n_inputs != 2 or job.data.task == "regression":
        return None
    return picture(regions(job.network.predict, job.data.x_train, job.data.y_train))
