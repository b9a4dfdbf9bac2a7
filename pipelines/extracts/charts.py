"""The html pack's charts as inline SVG: a trend with its 95% interval and England, and the
spine (the area against every local authority and England)."""

import math

import pandas as pd

from pipelines.extracts import words

# colours that do not rely on red against green (and every mark also has a word or a shape)
VALUE_COLOUR = "#1f4e79"
BAND_COLOUR = "#c9ced6"  # the interval: a neutral grey band, not a rating
ENGLAND_COLOUR = "#444444"
GAP_COLOUR = "#8c8c8c"
COMPARISON_COLOURS = {  # fill of the area's mark, with the word beside it everywhere
    "better": "#2c7bb6",
    "similar": "#ffffbf",
    "worse": "#f28e2b",
    "not_compared": "#d9d9d9",
}
RANGE_COLOUR, QUARTILES_COLOUR = "#e3e3e3", "#9a9a9a"
ENGLAND_DASH = "6,4"  # England dashed, in the charts and in their legend alike


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values (1, 2, 2.5 or 5 times a power of ten) covering low..high."""
    if high <= low:
        high = low + 1.0
    raw = (high - low) / max(1, count - 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw - 1e-12)
    first = math.floor(low / step + 1e-9) * step
    ticks = []
    tick = first
    while tick < high + step - 1e-9:
        ticks.append(round(tick, 10))
        if tick >= high - 1e-9:
            break
        tick += step
    return ticks


def tick_label(value: float, unit: str) -> str:
    if unit == "count" or float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.1f}".rstrip("0").rstrip(".")


def legend(has_england: bool, has_gaps: bool) -> str:
    """The legend, drawn with the same marks as the charts."""

    def item(mark: str, text: str) -> str:
        return (
            f'<span class="key"><svg width="34" height="12" aria-hidden="true">{mark}</svg>'
            f"{text}</span>"
        )

    items = [
        item(
            f'<line x1="2" x2="32" y1="6" y2="6" stroke="{VALUE_COLOUR}" stroke-width="2"/>'
            f'<circle cx="17" cy="6" r="3" fill="{VALUE_COLOUR}"/>',
            "this area",
        ),
        item(f'<rect x="2" y="1" width="30" height="10" fill="{BAND_COLOUR}"/>', "95% interval"),
    ]
    if has_england:
        items.append(
            item(
                f'<line x1="2" x2="32" y1="6" y2="6" stroke="{ENGLAND_COLOUR}" '
                f'stroke-width="1.5" stroke-dasharray="{ENGLAND_DASH}"/>'
                f'<rect x="14" y="3" width="6" height="6" fill="{ENGLAND_COLOUR}"/>',
                "England",
            )
        )
    if has_gaps:
        items.append(
            item(
                f'<text x="17" y="10" font-size="11" text-anchor="middle" fill="{GAP_COLOUR}">'
                "&#215;</text>",
                f"{words.SUPPRESSED}",
            )
        )
    return f'<p class="legend">{"".join(items)}</p>'


def trend_chart(series: pd.DataFrame, unit: str, width: int = 560, height: int = 220) -> str:
    """A line with its 95% band (neutral grey) and England (dashed, square markers), on round
    ticks; counts start at 0. A suppressed point is a gap marked with a cross and the word,
    a provisional one a hollow marker."""
    left, right, top, bottom = 56, 30, 12, 40
    values = [
        v
        for column in ("value", "lower_95", "upper_95", "england_value")
        for v in series[column].tolist()
        if not words.missing(v)
    ]
    if not values:
        return f'<p class="s">No value to plot: {words.SUPPRESSED} or not published.</p>'
    low, high = min(values), max(values)
    if unit == "count" or unit == "percentage" and low < (high - low):
        low = 0.0  # counts from 0; a percentage from 0 where 0 is not far off
    ticks = nice_ticks(low, high)
    low, high = ticks[0], ticks[-1]
    n = len(series)

    def x(i: int) -> float:
        return left + (width - left - right) * (i / max(1, n - 1) if n > 1 else 0.5)

    def y(v: float) -> float:
        return top + (height - top - bottom) * (1 - (v - low) / (high - low))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" style="max-width:{width}px" role="img" class="trend">'
    ]
    for tick in ticks:
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
            'stroke="#e5e5e5"/>'
            f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" font-size="11" text-anchor="end" '
            f'class="tick">{tick_label(tick, unit)}</text>'
        )
    # monthly series: a label a year apart, ending with the latest point
    step = 12 if n > 12 else max(1, math.ceil(n / 7))
    for i, day in enumerate(series.period_end_date):
        if (n - 1 - i) % step == 0:
            parts.append(
                f'<text x="{x(i):.1f}" y="{height - 22}" font-size="11" '
                f'text-anchor="middle">{pd.Timestamp(day):%b %Y}</text>'
            )

    def runs(columns: list[str]):
        run: list[int] = []
        for i, row in series.iterrows():
            if all(not words.missing(row[c]) for c in columns):
                run.append(i)
            elif run:
                yield run
                run = []
        if run:
            yield run

    for run in runs(["lower_95", "upper_95"]):
        upper = [f"{x(i):.1f},{y(series.upper_95[i]):.1f}" for i in run]
        lower = [f"{x(i):.1f},{y(series.lower_95[i]):.1f}" for i in reversed(run)]
        if len(run) == 1:  # a lone year: a short bar
            i = run[0]
            parts.append(
                f'<rect x="{x(i) - 4:.1f}" y="{y(series.upper_95[i]):.1f}" width="8" '
                f'height="{max(1.0, y(series.lower_95[i]) - y(series.upper_95[i])):.1f}" '
                f'fill="{BAND_COLOUR}"/>'
            )
        else:
            parts.append(f'<polygon points="{" ".join(upper + lower)}" fill="{BAND_COLOUR}"/>')
    for run in runs(["england_value"]):
        points = " ".join(f"{x(i):.1f},{y(series.england_value[i]):.1f}" for i in run)
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{ENGLAND_COLOUR}" '
            f'stroke-width="1.5" stroke-dasharray="{ENGLAND_DASH}"/>'
        )
        parts.extend(
            f'<rect x="{x(i) - 3:.1f}" y="{y(series.england_value[i]) - 3:.1f}" width="6" '
            f'height="6" fill="{ENGLAND_COLOUR}"/>'
            for i in run
        )
    for run in runs(["value"]):
        points = " ".join(f"{x(i):.1f},{y(series.value[i]):.1f}" for i in run)
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{VALUE_COLOUR}" stroke-width="2"/>'
        )
        if len(run) == 1 or n <= 12:
            parts.extend(
                f'<circle cx="{x(i):.1f}" cy="{y(series.value[i]):.1f}" r="3" '
                + (
                    f'fill="#fff" stroke="{VALUE_COLOUR}"/>'
                    if series.is_provisional[i]
                    else f'fill="{VALUE_COLOUR}"/>'
                )
                for i in run
            )
    gaps = [i for i in range(n) if bool(series.is_suppressed[i])]
    for i in gaps:
        parts.append(
            f'<text x="{x(i):.1f}" y="{height - bottom - 4:.1f}" font-size="13" '
            f'text-anchor="middle" fill="{GAP_COLOUR}">&#215;</text>'
        )
    if gaps:
        parts.append(
            f'<text x="{left}" y="{height - 4}" font-size="11" fill="{GAP_COLOUR}">'
            f"&#215; {words.SUPPRESSED}: not shown</text>"
        )
    provisional = [i for i in range(n) if bool(series.is_provisional[i])]
    if provisional:
        parts.append(
            f'<text x="{width - right}" y="{height - 4}" font-size="11" text-anchor="end">'
            "hollow points: provisional</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def spine(row, position, width: int = 360, height: int = 22) -> str:
    """One metric's spine: the range of authorities (light), the middle half (dark), England
    (black line) and the area (a circle filled by its comparison with England, the word in
    the next column); worst on the left, best on the right."""

    def x(value) -> float:
        return 6 + (width - 12) * position(value, row)

    first, last = sorted((x(row.lowest), x(row.highest)))
    low, high = sorted((x(row.lower_quartile), x(row.upper_quartile)))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" style="max-width:{width}px" role="img" class="spine">',
        f'<rect x="{first:.1f}" y="4" width="{max(1.0, last - first):.1f}" height="14" '
        f'fill="{RANGE_COLOUR}"/>',
        f'<rect x="{low:.1f}" y="4" width="{max(1.0, high - low):.1f}" height="14" '
        f'fill="{QUARTILES_COLOUR}"/>',
    ]
    if not words.missing(row.england_value):
        e = x(row.england_value)
        parts.append(
            f'<line x1="{e:.1f}" x2="{e:.1f}" y1="1" y2="21" stroke="#000" stroke-width="2"/>'
        )
    if not words.missing(row.value):
        colour = COMPARISON_COLOURS.get(row.comparison_to_england, "#d9d9d9")
        parts.append(
            f'<circle cx="{x(row.value):.1f}" cy="11" r="6" fill="{colour}" stroke="#222"/>'
        )
    parts.append("</svg>")
    return "".join(parts)
