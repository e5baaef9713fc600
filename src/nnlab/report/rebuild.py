"""A run's config, data and trained network rebuilt from what the tracking store kept: its
flattened params (``{"optimizer.momentum": "0.9"}``) and its ``weights.npz``.

``config_from_params`` turns the params back into the schema's dataclasses: dotted keys are
un-flattened, each group gets the schema its ``name`` selects (as the YAMLs under ``conf/`` do
with ``- /schema/<group>/<name>@_here_``), and values are parsed the way YAML would read them,
except for string fields, which keep their text. ``rebuild`` then builds the job and loads the
weights into its network.
"""

import dataclasses
import types
import typing
from pathlib import Path

import numpy as np
import yaml
from omegaconf import MISSING, OmegaConf

from nnlab import artifacts, build, config

NULL = "null"


def config_from_params(params: dict[str, str]) -> config.Config:
    """The ``Config`` whose flattened form is ``params``. Keys the schema does not know raise
    ``omegaconf.errors.ConfigKeyError``; keys missing from ``params`` keep their defaults."""
    tree: dict = {}
    for key, text in params.items():
        *groups, leaf = key.split(".")
        node = tree
        for group in groups:
            node = node.setdefault(group, {})
        node[leaf] = text
    schemas = {group: _schema(group, tree.get(group, {})) for group in config.SCHEMAS}
    cfg = OmegaConf.structured(config.Config)
    for group, schema in schemas.items():
        cfg[group] = OmegaConf.structured(schema)
    parsed = {
        key: _parse_node(value, schemas.get(key), key)
        if isinstance(value, dict)
        # top-level keys (objective, quiet) are typed by Config itself
        else _parse(value, _field_type(config.Config, key))
        for key, value in tree.items()
    }
    cfg.merge_with(parsed)
    return OmegaConf.to_object(cfg)


def rebuild(params: dict[str, str], weights: Path | None = None) -> build.Job:
    """The job of a run (its data and network, seeded as in training); with ``weights``, the
    network holds the trained weights."""
    job = build.build(config_from_params(params))
    if weights is not None:
        load_weights(job, weights)
    return job


def load_weights(job: build.Job, path: Path) -> None:
    """Copy the arrays of ``path`` into ``job.network.params`` in place; the names and shapes
    must match exactly."""
    saved = artifacts.read_weights(path)
    params = job.network.params
    if saved.keys() != params.keys():
        raise ValueError(
            f"{path.name} holds {', '.join(sorted(saved))}; the network has "
            f"{', '.join(sorted(params))}"
        )
    for name, array in saved.items():
        if array.shape != params[name].shape:
            raise ValueError(
                f"{path.name}: {name} has shape {array.shape}, the network {params[name].shape}"
            )
        np.copyto(params[name], array)


def _schema(group: str, values: dict) -> type:
    """The dataclass of ``group``: its only schema, the one its ``name`` selects, or a schema
    that takes any name (``SearchConfig`` for ``hill_climb`` and ``random_search``)."""
    options = config.SCHEMAS[group]
    if len(options) == 1:
        return next(iter(options.values()))
    name = values.get("name")
    if name is None:
        raise ValueError(f"{group}.name is missing: the params do not say which {group} it is")
    by_default_name = {_default(schema, "name"): schema for schema in options.values()}
    if name in by_default_name:
        return by_default_name[name]
    open_ = [schema for schema in options.values() if _default(schema, "name") is MISSING]
    if len(open_) == 1:
        return open_[0]
    allowed = ", ".join(str(n) for n in by_default_name if n is not MISSING)
    raise ValueError(f"{group}.name={name}: no schema for it; known: {allowed}")


def _default(schema: type, name: str):
    for found in dataclasses.fields(schema):
        if found.name == name:
            return found.default
    return None


def _parse_node(values: dict, schema: type | None, path: str) -> dict:
    return {
        key: _parse_node(value, None, f"{path}.{key}")
        if isinstance(value, dict)
        else _parse(value, _field_type(schema, key) if schema else None)
        for key, value in values.items()
    }


def _field_type(schema: type, key: str):
    try:
        return typing.get_type_hints(schema).get(key)
    except (NameError, TypeError):
        return None


def _parse(text: str, kind) -> object:
    """``text`` as YAML would read it (``1e-07`` as a float too); text as is for a ``str``
    field, ``None`` for ``null`` in an optional one."""
    if _is_text(kind):
        return None if text == NULL and _optional(kind) else text
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    if isinstance(value, str):
        try:
            return float(text)
        except ValueError:
            return value
    return value


def _is_text(kind) -> bool:
    return kind is str or (_optional(kind) and str in typing.get_args(kind))


def _optional(kind) -> bool:
    is_union = typing.get_origin(kind) in (typing.Union, types.UnionType)
    return is_union and type(None) in typing.get_args(kind)
