"""What the harness tells a tracker about one run, in plain values (no tracker imports), and
the config digests runs are matched by."""

import hashlib
import json
from dataclasses import dataclass, field

# config keys that cannot change a run's numbers, left out of its hash
NOT_HASHED = ("tracking", "quiet", "objective", "study", "search")


@dataclass
class RunSpec:
    name: str
    epochs: int
    config_hash: str
    output_dir: str  # the job's folder: its files, and what could not be sent (unsent/)
    params: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    sweep_id: str | None = None
    parent_run_id: str | None = None  # known up front only where jobs run in other processes


@dataclass
class RunFiles:
    """Files a finished run leaves in its output folder (uploaded as artifacts, but for the
    decision regions, which become a figure), and how its training ended."""

    history: str
    weights: str
    config: str
    hydra_dir: str | None = None
    regions: str | None = None  # nnlab.viz.regions.Regions saved as .npz
    outcome: str = "completed"  # History.status
    stop_reason: str | None = None


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
