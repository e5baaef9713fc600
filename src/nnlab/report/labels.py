"""Labels of runs, the same in the console and in reports: a run's name is the overrides that
tell it apart (``method=adam,trainer.seed=4``), its label the short form
(``method=adam, seed=4``)."""

SEED = "trainer.seed"


def color_key(name: str) -> str:
    """What a run's colour follows: its name without the seed, so that a configuration has one
    colour in every sweep, figure and chart (``nnlab.viz.colors``)."""
    return ",".join(part for part in name.split(",") if not part.startswith(f"{SEED}="))


def name_label(name: str, leave_out: tuple[str, ...] = ()) -> str:
    """A run name made of overrides (``method=adam,trainer.seed=4``, as a sweep names its runs
    after the keys it varies) as a label: ``method=adam, seed=4``; ``leave_out`` drops keys."""
    parts = [part.split("=", 1) for part in name.split(",") if "=" in part]
    return ", ".join(
        f"{short_key(key.lstrip('+~'))}={value}" for key, value in parts
        if key.lstrip("+~") not in leave_out
    )  # fmt: skip


def short_key(key: str) -> str:
    """``optimizer.learning_rate`` -> ``learning_rate``; ``optimizer.name`` -> ``optimizer``."""
    group, _, leaf = key.rpartition(".")
    if not group:
        return key
    return group.rpartition(".")[2] if leaf == "name" else leaf
