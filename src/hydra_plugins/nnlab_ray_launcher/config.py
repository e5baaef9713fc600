"""The launcher's config, ``hydra/launcher=ray``. Keys under ``ray.init`` go to ``ray.init()``
and keys under ``ray.remote`` to each job's Ray task options; keys left ``null`` are not passed.
Others can be added with ``+``, e.g. ``+hydra.launcher.ray.init.runtime_env.env_vars.X=1``."""

from dataclasses import dataclass, field
from typing import Any

from hydra.core.config_store import ConfigStore


def _init() -> dict[str, Any]:
    return {
        # null: start a local Ray cluster for this sweep (stopped when the command ends);
        # "auto": the cluster this machine belongs to (`ray start`, $RAY_ADDRESS);
        # "host:6379" a cluster's head node, from a machine of that cluster;
        # "ray://host:10001" through Ray Client, from any machine (needs "ray[client]")
        "address": None,
        # CPUs of the local cluster (null: all of this machine's); not for an existing cluster
        "num_cpus": None,
    }


def _remote() -> dict[str, Any]:
    return {
        # CPUs reserved for each job: how many jobs run at once is the cluster's CPUs / num_cpus
        "num_cpus": 1,
        # a job whose worker process dies is not run again (a retry would be a second run)
        "max_retries": 0,
    }


@dataclass
class RayConf:
    init: dict[str, Any] = field(default_factory=_init)
    remote: dict[str, Any] = field(default_factory=_remote)


@dataclass
class RayLauncherConf:
    _target_: str = "hydra_plugins.nnlab_ray_launcher.launcher.RayLauncher"
    ray: RayConf = field(default_factory=RayConf)
    # after Ctrl-C or SIGTERM: seconds the cancelled jobs get to record their runs as KILLED
    cancel_grace_seconds: float = 30.0


ConfigStore.instance().store(
    group="hydra/launcher", name="ray", node=RayLauncherConf, provider="nnlab_ray_launcher"
)
