"""Charts drawn on the server as SVG geometry: no script, no inline style (the CSP forbids both), colours by class.

column_chart: one bar per day (orders, revenue, new customers). bar_list: one labelled horizontal bar per item
(statuses, products, failure reasons). The templates in analytics/charts/ turn these into <svg> elements.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils.formats import date_format

from milkshop.money import group_indian

Number = int | Decimal | float


def nice_ceiling(value: Number) -> Decimal:
    """The smallest of 1, 2, 2.5, 5 × 10ⁿ at or above value, for an axis that reads well (1 for zero)."""
    if value <= 0:
        return Decimal(1)
    exponent = math.floor(math.log10(value))
    for step in (1, 2, Decimal("2.5"), 5, 10):
        candidate = Decimal(step) * Decimal(10) ** exponent
        if candidate >= value:
            return candidate
    return Decimal(10) ** (exponent + 1)


def whole_number(value: Number) -> str:
    return group_indian(str(int(value)))


def whole_money(value: Number) -> str:
    return f"{settings.CURRENCY_SYMBOL}{whole_number(value)}"


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    title: str  # the tooltip: "Tue 3 Mar: 12 orders"


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class ColumnChart:
    width: int
    height: int
    left: int  # the y axis; its labels end just left of it
    bottom: int  # the x axis; day labels sit below it
    right: int
    bars: list[Bar]
    y_ticks: list[Tick]
    x_labels: list[Tick]
    summary: str  # for screen readers: what the chart shows in a sentence

    @property
    def y_label_x(self) -> int:
        return self.left - 6

    @property
    def x_label_y(self) -> int:
        return self.bottom + 18


def column_chart(
    points: list[tuple], *, label: Callable, value: Callable, unit: str, axis: Callable = whole_number
) -> ColumnChart:
    """points: (day, value) pairs. label(day) names a bar, value(v) writes a value out, axis(v) labels the y axis."""
    width, height, left, right, top, bottom = 720, 240, 64, 8, 12, 208
    plot_width, plot_height = width - left - right, bottom - top
    ceiling = nice_ceiling(max((point[1] for point in points), default=0))
    slot = plot_width / max(len(points), 1)
    bars = []
    for index, (day, amount) in enumerate(points):
        bar_height = float(Decimal(amount) / ceiling) * plot_height
        bars.append(
            Bar(
                x=round(left + index * slot + slot * 0.15, 2),
                y=round(bottom - bar_height, 2),
                width=round(slot * 0.7, 2),
                height=round(bar_height, 2),
                title=f"{label(day)}: {value(amount)}",
            )
        )
    every = max(1, math.ceil(len(points) / 10))
    x_labels = [
        Tick(position=round(left + index * slot + slot / 2, 2), label=date_format(day, "j M"))
        for index, (day, _amount) in enumerate(points)
        if index % every == 0
    ]
    y_ticks = [
        Tick(position=round(bottom - plot_height * quarter / 4, 2), label=axis(ceiling * quarter / 4))
        for quarter in range(5)
    ]
    peak = max(points, key=lambda point: point[1], default=None)
    summary = f"{len(points)} days of {unit}" + (
        f"; the highest was {value(peak[1])} on {label(peak[0])}." if peak and peak[1] else "; none at all."
    )
    return ColumnChart(width, height, left, bottom, width - right, bars, y_ticks, x_labels, summary)


@dataclass(frozen=True)
class BarRow:
    label: str
    title: str
    value_label: str
    text_y: float
    bar_y: float
    width: float
    value_x: float


@dataclass(frozen=True)
class BarList:
    width: int
    height: int
    label_x: int
    bar_x: int
    bar_height: int
    rows: list[BarRow]
    summary: str


def _short(label: str, limit: int = 30) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def bar_list(items: list[tuple[str, Number]], *, value: Callable = whole_number, unit: str = "") -> BarList:
    """Horizontal bars in the order given: item labels on the left, values at the bars' ends."""
    width, label_width, value_width, row_height, bar_height = 720, 230, 110, 30, 20
    largest = max((amount for _label, amount in items), default=0) or 1
    plot_width = width - label_width - value_width
    rows = []
    for index, (label, amount) in enumerate(items):
        bar_width = round(float(Decimal(amount) / Decimal(largest)) * plot_width, 2)
        rows.append(
            BarRow(
                label=_short(label),
                title=f"{label}: {value(amount)}",
                value_label=value(amount),
                text_y=index * row_height + 19,
                bar_y=index * row_height + 5,
                width=bar_width,
                value_x=round(label_width + bar_width + 6, 2),
            )
        )
    summary = ", ".join(row.title for row in rows) or f"No {unit}."
    return BarList(width, max(len(rows), 1) * row_height, label_width - 8, label_width, bar_height, rows, summary)
