"""``hydra/launcher=ray``: each job of a sweep runs as a Ray task, on a local Ray cluster started
for the sweep or on a running cluster (``hydra.launcher.ray.init.address``).

A small replacement for the published ``hydra-ray-launcher``, which pins ``cloudpickle<3`` (below
what joblib, and so the joblib launcher, requires) and pulls in ``ray[default]`` and ``boto3``.
Ray itself is imported only when a sweep launches, so this package costs nothing to runs that do
not use it; install it with ``pip install -e ".[ray]"``.
"""
