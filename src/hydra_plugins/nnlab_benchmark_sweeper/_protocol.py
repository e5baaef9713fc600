"""The benchmark's protocol, from the sweeper's config: which problems and methods, the tuning
budget, the seeds, and each method's search space, checked before any job starts
(``ConfigError`` naming the key, the value and what is allowed); and the random search's draws.

A search space maps config keys to intervals in Hydra's override grammar: ``interval(a, b)`` is
uniform on ``[a, b]``, ``tag(log, interval(a, b))`` log-uniform, ``exp(U(ln a, ln b))``, for
scale parameters such as a learning rate.
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import DictConfig, ListConfig, OmegaConf

from nnlab.run.schema import ConfigError

PREFIX = "hydra.sweeper"
MIN_HELD_OUT = 2  # an interval needs two runs


@dataclass(frozen=True)
class Parameter:
    key: str
    low: float
    high: float
    log: bool

    def draw(self, rng: np.random.Generator) -> float:
        """One value: ``exp(U(ln low, ln high))`` if ``log``, else ``U(low, high)``."""
        if self.log:
            return float(np.exp(rng.uniform(math.log(self.low), math.log(self.high))))
        return float(rng.uniform(self.low, self.high))

    def __str__(self) -> str:
        kind = "log-uniform" if self.log else "uniform"
        return f"`{self.key}` {kind} on [{self.low:g}, {self.high:g}]"


@dataclass(frozen=True)
class Protocol:
    problems: tuple[str, ...]
    methods: tuple[str, ...]
    trials: int
    tuning_seeds: tuple[int, ...]
    held_out_seeds: tuple[int, ...]
    seed: int
    space: dict[str, tuple[Parameter, ...]]

    def candidates(self, method: str) -> list[dict[str, float]]:
        """The method's ``trials`` configurations, drawn in order from a generator seeded by
        ``seed`` and the method's name: the same on every problem, and unchanged when other
        methods are added or removed."""
        rng = np.random.default_rng([self.seed, *method.encode()])
        return [{p.key: p.draw(rng) for p in self.space[method]} for _ in range(self.trials)]

    def corners(self, method: str) -> list[tuple[str, dict[str, float]]]:
        """The low and the high end of the method's search space."""
        space = self.space[method]
        return [("low", {p.key: p.low for p in space}), ("high", {p.key: p.high for p in space})]


def protocol(*, problems, methods, trials, tuning_seeds, held_out_seeds, seed, space) -> Protocol:
    """The checked protocol of the sweeper's settings (YAML lists and mappings, or plain)."""
    problems, methods = _names("problems", problems), _names("methods", methods)
    trials, seed = _integer("trials", trials, 1), _integer("seed", seed, 0)
    tuning = _seeds("tuning_seeds", tuning_seeds, 1)
    held_out = _seeds("held_out_seeds", held_out_seeds, MIN_HELD_OUT)
    shared = sorted(set(tuning) & set(held_out))
    if shared:
        raise ConfigError(f"{PREFIX}.held_out_seeds share {', '.join(map(str, shared))} with "
                          "tuning_seeds: held-out seeds must be fresh")  # fmt: skip
    space = _plain(space)
    if not isinstance(space, Mapping):
        raise ConfigError(f"{PREFIX}.space must map each method to its search space")
    parsed = {}
    for method in methods:
        if not space.get(method):
            raise ConfigError(f"{PREFIX}.space has no search space for method {method}; give "
                              f"e.g. {method}: {{optimizer.learning_rate: "
                              "'tag(log, interval(1e-3, 1))'}")  # fmt: skip
        parsed[method] = tuple(_parameter(method, k, v) for k, v in space[method].items())
    return Protocol(problems, methods, trials, tuning, held_out, seed, parsed)


def _parameter(method: str, key: str, text) -> Parameter:
    where = f"{PREFIX}.space.{method}.{key}={text}"
    (override,) = OverridesParser.create().parse_overrides([f"{key}={text}"])
    value = override.value()
    if not override.is_interval_sweep() or isinstance(value.start, int):
        raise ConfigError(f"{where}: give interval(a, b) or tag(log, interval(a, b))")
    log = "log" in value.tags
    if not value.start < value.end:
        raise ConfigError(f"{where}: the interval is empty")
    if log and value.start <= 0:
        raise ConfigError(f"{where}: a log scale needs a positive lower end")
    return Parameter(key, float(value.start), float(value.end), log)


def _names(key: str, value) -> tuple[str, ...]:
    names = _plain(value)
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise ConfigError(f"{PREFIX}.{key} must list at least one option, got {names}")
    _distinct(key, names)
    return tuple(names)


def _seeds(key: str, value, least: int) -> tuple[int, ...]:
    seeds = _plain(value)
    if (
        not isinstance(seeds, list)
        or len(seeds) < least
        or not all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in seeds)
    ):
        raise ConfigError(f"{PREFIX}.{key} must list at least {least} seeds (integers >= 0), "
                          f"got {seeds}")  # fmt: skip
    _distinct(key, seeds)
    return tuple(seeds)


def _integer(key: str, value, least: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise ConfigError(f"{PREFIX}.{key} must be an integer >= {least}, got {value}")
    return value


def _distinct(key: str, values: list) -> None:
    twice = sorted({str(v) for v in values if values.count(v) > 1})
    if twice:
        raise ConfigError(f"{PREFIX}.{key} lists {', '.join(twice)} more than once")


def _plain(value):
    return OmegaConf.to_container(value) if isinstance(value, DictConfig | ListConfig) else value
