"""One row per figure of the performance goals, and the table that prints them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Figure", "render"]


@dataclass(frozen=True, kw_only=True)
class Figure:
    """A measured figure beside its goal.

    ``value`` is what is compared with ``goal``: a ratio, a time or a count, in ``unit``.
    ``detail`` says what was measured to get it, so a reader can check the arithmetic.
    """

    what: str
    value: float
    goal: float
    unit: str
    detail: str
    higher_is_better: bool = False

    @property
    def met(self) -> bool:
        return self.value >= self.goal if self.higher_is_better else self.value <= self.goal

    def cells(self) -> tuple[str, str, str, str, str]:
        sign = ">=" if self.higher_is_better else "<="
        return (
            self.what,
            f"{self.value:.3f} {self.unit}".strip(),
            f"{sign} {self.goal:g} {self.unit}".strip(),
            "yes" if self.met else "NO",
            self.detail,
        )


def render(figures: Sequence[Figure]) -> str:
    """A Markdown table, so the output pastes into the README as it is."""
    header = ("what", "measured", "goal", "met", "how")
    rows = [header, *(figure.cells() for figure in figures)]
    widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
    lines = [
        "| " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) + " |"
        for row in rows
    ]
    lines.insert(1, "| " + " | ".join("-" * w for w in widths) + " |")
    return "\n".join(lines)
