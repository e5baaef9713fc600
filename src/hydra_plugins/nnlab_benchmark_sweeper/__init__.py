"""nnlab's benchmark sweeper for Hydra (``hydra/sweeper=benchmark``, used by
``python run.py -m experiment=benchmark``): every method gets the same tuning budget on every
problem, its best configuration is re-run on held-out seeds, and the held-out runs are compared
with intervals (``nnlab.report.analysis``).

``config`` registers the sweeper's config with Hydra's ConfigStore; ``benchmark_sweeper`` holds
the ``Sweeper`` class; the protocol's settings and search space are in ``_protocol``, the tuning
and its report section in ``_tuning`` (modules starting with ``_`` are not imported by Hydra's
plugin scan).
"""
