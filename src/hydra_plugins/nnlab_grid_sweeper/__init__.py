"""nnlab's default sweeper for Hydra (``hydra/sweeper=grid``, set in ``conf/hydra/default.yaml``):
every combination of the sweep's values, with nnlab's sweep around the jobs
(``nnlab.cli.sweeper.Sweep``)."""
