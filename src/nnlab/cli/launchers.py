"""The Hydra launchers that come with an optional extra of nnlab, and the one line that says how
to install the extra when it is missing (``pip install -e ".[slurm]"``)."""

from importlib.util import find_spec

SUBMITIT = ("slurm", ("hydra_plugins.hydra_submitit_launcher", "submitit"))
# launcher: (extra, the modules it needs)
EXTRAS = {"ray": ("ray", ("ray",)), "submitit_local": SUBMITIT, "submitit_slurm": SUBMITIT}


def missing_extra(launcher: str | None) -> str | None:
    """What ``hydra/launcher=<launcher>`` needs installed, if it is not (``install_hint``);
    ``None`` if it is, or the launcher comes with no extra."""
    if launcher not in EXTRAS:
        return None
    _, modules = EXTRAS[launcher]
    if all(find_spec(module) is not None for module in modules):
        return None
    return install_hint(launcher)


def install_hint(launcher: str) -> str:
    """``hydra/launcher=<launcher> needs the <extra> extra: pip install -e ".[<extra>]"``."""
    extra, _ = EXTRAS[launcher]
    return f'hydra/launcher={launcher} needs the {extra} extra: pip install -e ".[{extra}]"'
