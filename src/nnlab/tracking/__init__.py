"""Tracking: the only package that talks to MLflow, and only from its worker process
(``nnlab.tracking.worker``); the training process imports none of it. ``connect`` returns a
tracker for the configured backend."""

from nnlab.tracking.uri import check_reachable, resolve_uri


def connect(backend: str, uri: str | None = None, experiment: str = "nnlab"):
    """A tracker whose ``run(spec, max_points, figures, resume)`` is a context manager around
    one run. For MLflow the store is checked first: an unreachable one raises ``Unreachable``
    before anything trains."""
    if backend == "none":
        from nnlab.tracking.null import NullTracker

        return NullTracker()
    if backend == "mlflow":
        from nnlab.tracking.background import BackgroundTracker

        resolved = resolve_uri(uri)
        check_reachable(resolved)
        return BackgroundTracker(resolved, experiment)
    raise ValueError(f"tracking.backend must be one of mlflow, none; got {backend!r}")
