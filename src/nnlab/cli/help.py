"""The text of ``python run.py --help`` (``conf/hydra/help/nnlab.yaml``): its list of config
groups, ``${nnlab.groups:}``, comes from the configs Hydra finds (``conf/`` and the installed
plugins), so it lists what can be chosen now, never more or less."""

import textwrap

from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig

HIDDEN = ("hydra", "schema")  # Hydra's own groups, and the schema the configs are checked by
HYDRA_GROUPS = ("hydra/launcher", "hydra/sweeper")  # of Hydra's, those a user picks
INDENT = 2
NAME_WIDTH = 16
WIDTH = 100


def config_groups() -> str:
    """One line per config group (wrapped): its name and options, ``*`` marking the chosen."""
    loader = GlobalHydra.instance().config_loader()
    chosen = HydraConfig.get().runtime.choices
    groups = [group for group in sorted(loader.list_groups("")) if group not in HIDDEN]
    lines = []
    for group in [*groups, *HYDRA_GROUPS]:
        options = _options(loader, group, nested=group not in HYDRA_GROUPS)
        marked = [option + ("*" if option == chosen.get(group) else "") for option in options]
        lines.append(
            textwrap.fill(
                ", ".join(marked) or "-",
                width=WIDTH,
                initial_indent=f"{'':{INDENT}}{group:<{NAME_WIDTH}}",
                subsequent_indent=" " * (INDENT + NAME_WIDTH),
            )
        )
    return "\n".join(lines)


def _options(loader, group: str, nested: bool) -> list[str]:
    """A group's options; with ``nested``, its subgroups' too, as ``subgroup/option``."""
    options = sorted(loader.get_group_options(group))
    if nested:
        for child in sorted(loader.list_groups(group)):
            options += [
                f"{child}/{option}" for option in _options(loader, f"{group}/{child}", True)
            ]
    return options
