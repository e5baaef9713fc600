"""One run as a report sees it: plain values read back from the tracking store."""

from dataclasses import dataclass, field
from pathlib import Path

from nnlab.train import History


@dataclass
class RunRecord:
    run_id: str
    name: str
    status: str  # MLflow status: FINISHED, FAILED, KILLED, RUNNING
    params: dict[str, str]  # the flattened resolved config, e.g. {"optimizer.momentum": "0.9"}
    tags: dict[str, str]
    summary: dict[str, float]  # <metric>_best, <metric>_best_epoch, <metric>_final
    history: History | None  # the full per-epoch history (history.csv); None if missing
    weights: Path | None = None  # local copy of weights.npz, if the run has one
    extra: dict = field(default_factory=dict)

    @property
    def error(self) -> str | None:
        return self.tags.get("nnlab.error")

    @property
    def outcome(self) -> str:
        return self.tags.get("nnlab.outcome", self.status.lower())
