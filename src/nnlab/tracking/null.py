"""``tracking=none``: the run trains and writes its local files; nothing is sent anywhere."""

from nnlab.runspec import RunFiles, RunSpec
from nnlab.train import History


class NullRun:
    run_id = None
    callbacks: list = []

    def __enter__(self) -> "NullRun":
        return self

    def __exit__(self, *exc) -> bool:
        return False

    def finish(self, history: History, files: RunFiles, regions=None) -> None:
        return None


class NullTracker:
    uri = None

    def run(self, spec: RunSpec, max_points: int = 0, figures: bool = False) -> NullRun:
        return NullRun()

    def finished_runs(self, config_hashes: list[str]) -> dict[str, str]:
        return {}

    def summary_metrics(self, run_id: str) -> dict[str, float]:
        return {}
