"""Text the reports share: Markdown tables and metric values as cells."""

import math


def markdown(table: list[list[str]]) -> list[str]:
    """The lines of a Markdown table: ``table[0]`` is the header; ``|`` in a cell is escaped."""

    def line(cells):
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"

    return [line(table[0]), "|" + "|".join("---" for _ in table[0]) + "|"] + [
        line(cells) for cells in table[1:]
    ]


def number(metric: str, value: float | None) -> str:
    """A value of ``metric`` as a table cell: accuracies to 3 decimals, others to 4 significant
    digits, ``–`` for a missing or non-finite value."""
    if value is None or not math.isfinite(value):
        return "–"
    return f"{value:.3f}" if metric.endswith("accuracy") else f"{value:.4g}"
