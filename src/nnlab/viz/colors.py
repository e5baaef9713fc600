"""The colours of every figure and of the runs in the MLflow UI, without a plotting library.

``COLORS`` are ten distinct hues (matplotlib's ``tab10``) for runs and classes alike; runs have
ten lighter shades after them (``tab20``'s). ``assign`` gives each run the colour of its key (its
name without the seed, so a configuration has one colour wherever it appears): the key's
preferred colour, picked by a hash of the key among the ten hues, or when a run before it in the
same list already has that colour, the next free one (the hues first, then the shades). Colours
repeat only once all twenty are taken. The UI needs ``#rrggbb``: it appends an alpha to it.
"""

import hashlib
from collections.abc import Sequence

COLORS = (
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
    "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f",
)  # fmt: skip
SHADES = (
    "#aec7e8", "#ff9896", "#98df8a", "#ffbb78", "#c5b0d5",
    "#c49c94", "#f7b6d2", "#9edae5", "#dbdb8d", "#c7c7c7",
)  # fmt: skip


def rgb(color: str) -> tuple[int, int, int]:
    """``"#1f77b4"`` -> ``(31, 119, 180)``."""
    return tuple(int(color[i : i + 2], 16) for i in (1, 3, 5))


def assign(keys: Sequence[str]) -> list[str]:
    """One colour per key, in order: equal keys get equal colours, different keys different
    ones while the twenty last."""
    chosen: dict[str, str] = {}
    for key in keys:
        if key not in chosen:
            taken = set(chosen.values())
            candidates = _candidates(key)
            chosen[key] = next((c for c in candidates if c not in taken), candidates[0])
    return [chosen[key] for key in keys]


def _candidates(key: str) -> list[str]:
    """The key's preferred hue, the hues after it, then the shades in the same order."""
    start = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % len(COLORS)
    order = [(start + i) % len(COLORS) for i in range(len(COLORS))]
    return [COLORS[i] for i in order] + [SHADES[i] for i in order]
