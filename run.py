"""Train one configuration, or sweep with -m: ``python run.py -m optimizer=sgd,adagrad``."""

import hydra

from nnlab import cli
from nnlab.cli import app


@hydra.main(version_base="1.3", config_path="conf", config_name="config")
def main(cfg) -> float:
    return app.main(cfg)


if __name__ == "__main__":
    cli.run(main)
