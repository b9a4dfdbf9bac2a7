"""Write a pack as xlsx (real number formats, frozen headers, native Excel charts), as one
self-contained HTML file (charts as inline SVG) or as CSV."""

import html
import math
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import LineChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from pipelines.extracts.pack import DISCLOSURE_RULE, HOW_TO_READ, Pack
from pipelines.transform.catalogue import UNITS as UNIT_LABELS

NUMBER_FORMATS = {"count": "#,##0", "percentage": '0.0"%"', "rate_per_100000": "0.0"}
SUPPRESSED = "suppressed"  # text, never a number, in a suppressed cell
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
HEADER_FONT = Font(bold=True, color="FFFFFF")
# Fingertips' colours for a comparison with England, and the spine's range shading
COMPARISON_COLOURS = {
    "better": "92D050",
    "similar": "FFC000",
    "worse": "C00000",
    "not compared": "5B9BD5",
}
RANGE_COLOUR, QUARTILES_COLOUR, ENGLAND_COLOUR = "D9D9D9", "8C8C8C", "000000"
SPINE_CELLS = 21  # the xlsx spine: worst on the left, best on the right


def spine_position(value, row) -> float | None:
    """Where a value sits on a metric's spine, 0 = worst to 1 = best of the range of
    authorities and England (polarity decides which end is best)."""
    if _missing(value):
        return None
    ends = [row.lowest, row.highest] + ([] if _missing(row.england_value) else [row.england_value])
    low, high = min(ends), max(ends)
    if high == low:
        return 0.5
    position = (value - low) / (high - low)
    return 1 - position if row.polarity == "lower_is_better" else position


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def _text(value) -> str:
    return "" if _missing(value) else str(value)


def _sheet_header(sheet, pack: Pack, heading: str) -> None:
    sheet["A1"] = pack.title
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = (
        f"{heading}. Period to {pack.period_end:%d %B %Y}; data as of {pack.data_as_of:%d %B %Y}; "
        f"published {pack.published_at}."
    )


def _table(sheet, first_row: int, columns: list[str]) -> None:
    for n, title in enumerate(columns, start=1):
        cell = sheet.cell(row=first_row, column=n, value=title)
        cell.fill, cell.font = HEADER_FILL, HEADER_FONT
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[get_column_letter(n)].width = max(12, min(48, len(title) + 4))
    sheet.freeze_panes = sheet.cell(row=first_row + 1, column=1)


def _number(sheet, row: int, column: int, value, unit: str, suppressed: bool) -> None:
    cell = sheet.cell(row=row, column=column)
    if suppressed:
        cell.value = SUPPRESSED
    elif not _missing(value):
        cell.value = float(value)
        cell.number_format = NUMBER_FORMATS[unit]


def write_xlsx(pack: Pack, path: Path) -> Path:
    book = Workbook()
    summary = book.active
    summary.title = "Scorecard"
    _sheet_header(summary, pack, "The strategy's objectives and the figures that measure them")
    columns = [
        "Objective",
        "Working group",
        "Metric",
        "Period",
        "Value",
        "Lower 95%",
        "Upper 95%",
        "Unit",
        "A year earlier",
        "Direction of travel",
        "Recent trend",
        "England",
        "Compared with England",
        "Neighbours' average",
        "Rank among neighbours",
        "Compared with neighbours",
        "Provisional",
        "Note",
    ]
    _table(summary, 4, columns)
    for r, row in enumerate(pack.summary.itertuples(), start=5):
        summary.cell(row=r, column=1, value=row.objective)
        summary.cell(row=r, column=2, value=row.working_group)
        summary.cell(row=r, column=3, value=row.metric)
        summary.cell(row=r, column=4, value=row.period)
        for c, value in ((5, row.value), (6, row.lower_95), (7, row.upper_95)):
            _number(summary, r, c, value, row.unit, row.is_suppressed)
        summary.cell(row=r, column=8, value=UNIT_LABELS[row.unit])
        _number(summary, r, 9, row.previous_value, row.unit, False)
        summary.cell(row=r, column=10, value=row.direction_of_travel)
        summary.cell(row=r, column=11, value=row.recent_trend)
        _number(summary, r, 12, row.england_value, row.unit, False)
        summary.cell(row=r, column=13, value=row.comparison_to_england)
        _number(summary, r, 14, row.neighbour_average, row.unit, False)
        if not _missing(row.rank_among_neighbours):
            summary.cell(
                row=r,
                column=15,
                value=f"{int(row.rank_among_neighbours)} of {int(row.areas_ranked)}",
            )
        summary.cell(row=r, column=16, value=row.comparison_to_neighbours)
        summary.cell(row=r, column=17, value="yes" if row.is_provisional else "no")
        summary.cell(row=r, column=18, value=row.note)
    _write_spine_sheet(book.create_sheet("Overview"), pack)

    trends = book.create_sheet("Trends")
    _sheet_header(trends, pack, "Rolling values with 95% intervals and England")
    _table(trends, 4, ["Metric", "Period end", "Value", "Lower 95%", "Upper 95%", "England"])
    units = _units(pack)
    row_number, anchor = 5, 5
    for metric_id, series in pack.trends.items():
        first = row_number
        for point in series.itertuples():
            trends.cell(row=row_number, column=1, value=pack.metric_names[metric_id])
            trends.cell(
                row=row_number, column=2, value=point.period_end_date
            ).number_format = "mmm yyyy"
            for c, value in ((3, point.value), (4, point.lower_95), (5, point.upper_95)):
                _number(trends, row_number, c, value, units[metric_id], bool(point.is_suppressed))
            _number(trends, row_number, 6, point.england_value, units[metric_id], False)
            row_number += 1
        chart = LineChart()
        chart.title = f"{pack.metric_names[metric_id]} ({UNIT_LABELS[units[metric_id]]})"
        chart.height, chart.width = 7, 16
        chart.add_data(
            Reference(trends, min_col=3, max_col=6, min_row=4, max_row=row_number - 1),
            titles_from_data=True,
        )
        # the header row labels the series; the data rows of this metric are the points
        for series_ref in chart.series:
            series_ref.val.numRef.f = series_ref.val.numRef.f.replace("$5:", f"${first}:")
        chart.set_categories(Reference(trends, min_col=2, min_row=first, max_row=row_number - 1))
        trends.add_chart(chart, f"H{anchor}")
        anchor += 16

    groups = book.create_sheet("Breakdowns")
    _sheet_header(groups, pack, "By substance group, at the period")
    _table(
        groups,
        4,
        [
            "Metric",
            "Substance group",
            "Numerator",
            "Denominator",
            "Value",
            "Lower 95%",
            "Upper 95%",
            "Unit",
            "Suppression",
        ],
    )
    for r, row in enumerate(pack.breakdowns.itertuples(), start=5):
        groups.cell(row=r, column=1, value=pack.metric_names[row.metric_id])
        groups.cell(row=r, column=2, value=row.breakdown.replace("_", " "))
        for c, value in ((3, row.numerator), (4, row.denominator)):
            _number(groups, r, c, value, "count", bool(row.is_suppressed))
        for c, value in ((5, row.value), (6, row.lower_95), (7, row.upper_95)):
            _number(groups, r, c, value, row.unit, bool(row.is_suppressed))
        groups.cell(row=r, column=8, value=UNIT_LABELS[row.unit])
        groups.cell(row=r, column=9, value=_text(row.suppression_reason).replace("_", " "))

    notes = book.create_sheet("Notes")
    _sheet_header(notes, pack, "Definitions, sources and the disclosure rule")
    notes["A3"] = f"Disclosure control: {DISCLOSURE_RULE} How to read the pack: {HOW_TO_READ}"
    _table(
        notes,
        4,
        [
            "Metric id",
            "Metric",
            "Definition",
            "Numerator",
            "Denominator",
            "Period",
            "Unit",
            "Better when",
            "Source",
            "Differences from the national definition",
        ],
    )
    r = 4
    for r, row in enumerate(pack.notes.itertuples(index=False), start=5):
        for c, value in enumerate(row, start=1):
            if c == 8:  # polarity, in words
                value = POLARITY_LABELS.get(value, value)
            if c == 9 and isinstance(value, str):
                value = value.replace("|", ", ")
            notes.cell(row=r, column=c, value=None if _missing(value) else str(value))
    r += 2
    notes.cell(row=r, column=1, value=_neighbours_sentence(pack)).font = Font(bold=True)
    for n, row in enumerate(pack.neighbours.itertuples(), start=r + 1):
        notes.cell(row=n, column=1, value=int(row.neighbour_rank))
        notes.cell(row=n, column=2, value=row.area_name)
        notes.cell(row=n, column=3, value="" if row.is_reported else "not in this publication")
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


POLARITY_LABELS = {"higher_is_better": "higher", "lower_is_better": "lower"}


def _units(pack: Pack) -> dict[str, str]:
    return dict(zip(pack.summary.metric_id, pack.summary.unit, strict=False))


def _neighbours_sentence(pack: Pack) -> str:
    if pack.neighbours.empty:
        return "No comparator areas are listed for this area."
    first = pack.neighbours.iloc[0]
    return (
        f"Neighbours: the comparator areas of {pack.area_name} in the list "
        f"'{first.list_name}' (version of {pd.Timestamp(first.version_date):%d %B %Y}), "
        "nearest first. The shipped list is illustrative, not CIPFA's."
    )


def _write_spine_sheet(sheet, pack: Pack) -> None:
    """The Fingertips-style overview as coloured cells: each rate's range of authorities
    (light), the middle half (dark), England (black) and the area (coloured by the comparison
    with England); worst on the left, best on the right."""
    _sheet_header(sheet, pack, "Overview: the area against every local authority and England")
    sheet["A3"] = (
        "Each row: light grey = the range of local authorities' published values, dark grey = "
        "the middle half, black = England, the coloured cell = this area (green better, amber "
        "similar, red worse than England, blue not compared). Worst on the left, best on the "
        "right."
    )
    columns = ["Metric", "Period", "Value", "England", "Worst", "Best", "Authorities"]
    _table(sheet, 4, columns + [""] * SPINE_CELLS)
    for c in range(len(columns) + 1, len(columns) + SPINE_CELLS + 1):
        sheet.column_dimensions[get_column_letter(c)].width = 2.2
    for r, row in enumerate(pack.spine.itertuples(), start=5):
        sheet.cell(row=r, column=1, value=row.metric)
        sheet.cell(row=r, column=2, value=row.period)
        _number(sheet, r, 3, row.value, row.unit, _missing(row.value))
        _number(sheet, r, 4, row.england_value, row.unit, False)
        _number(sheet, r, 5, row.worst, row.unit, False)
        _number(sheet, r, 6, row.best, row.unit, False)
        sheet.cell(row=r, column=7, value=int(row.areas))

        def cell_of(value, row=row):
            position = spine_position(value, row)
            return None if position is None else round(position * (SPINE_CELLS - 1))

        first, last = sorted((cell_of(row.lowest), cell_of(row.highest)))
        middle = sorted((cell_of(row.lower_quartile), cell_of(row.upper_quartile)))
        for k in range(SPINE_CELLS):
            colour = None
            if first <= k <= last:
                colour = QUARTILES_COLOUR if middle[0] <= k <= middle[1] else RANGE_COLOUR
            if k == cell_of(row.england_value):
                colour = ENGLAND_COLOUR
            if k == cell_of(row.value):
                colour = COMPARISON_COLOURS[row.comparison_to_england]
            if colour:
                sheet.cell(row=r, column=len(columns) + 1 + k).fill = PatternFill(
                    "solid", fgColor=colour
                )


def write_csv(pack: Pack, path: Path) -> Path:
    """The pack's numbers as one long table (summary and breakdowns), for further analysis."""
    summary = pack.summary.assign(section="summary", breakdown="all")
    groups = pack.breakdowns.assign(section="substance group")
    table = pd.concat([summary, groups], ignore_index=True)
    table.insert(0, "area_code", pack.area_code)
    table.insert(1, "reporting_period_end", pack.period_end)
    path.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(path, index=False)
    return path


# -- HTML -----------------------------------------------------------------------------------


def _format(value, unit: str) -> str:
    if _missing(value):
        return ""
    return f"{value:,.0f}" if unit == "count" else f"{value:,.1f}"


def svg_chart(series: pd.DataFrame, unit: str, width: int = 640, height: int = 220) -> str:
    """A line with its 95% band and England's values, as inline SVG."""
    left, right, top, bottom = 56, 36, 12, 28
    values = [
        v
        for col in ("value", "lower_95", "upper_95", "england_value")
        for v in series[col].tolist()
        if not _missing(v)
    ]
    if not values:
        return "<p>No values to plot (suppressed or not available).</p>"
    low, high = min(values), max(values)
    pad = (high - low) * 0.08 or 1.0
    low, high = max(0.0, low - pad), high + pad
    n = len(series)

    def x(i: int) -> float:
        return left + (width - left - right) * (i / max(1, n - 1))

    def y(v: float) -> float:
        return top + (height - top - bottom) * (1 - (v - low) / (high - low))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img">'
    ]
    for k in range(5):  # gridlines with labels
        v = low + (high - low) * k / 4
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#ddd"/>'
        )
        parts.append(
            f'<text x="{left - 6}" y="{y(v) + 4:.1f}" font-size="10" text-anchor="end">{_format(v, unit)}</text>'
        )
    for i, day in enumerate(series.period_end_date):
        if i % 12 == n % 12 - 1 or i == n - 1 or n <= 6:
            parts.append(
                f'<text x="{x(i):.1f}" y="{height - 8}" font-size="10" text-anchor="middle">{day:%b %Y}</text>'
            )

    def runs(columns: list[str]):
        run: list[int] = []
        for i, row in series.iterrows():
            if all(not _missing(row[c]) for c in columns):
                run.append(i)
            elif run:
                yield run
                run = []
        if run:
            yield run

    for run in runs(["lower_95", "upper_95"]):  # the interval band
        upper = [f"{x(i):.1f},{y(series.upper_95[i]):.1f}" for i in run]
        lower = [f"{x(i):.1f},{y(series.lower_95[i]):.1f}" for i in reversed(run)]
        parts.append(
            f'<polygon points="{" ".join(upper + lower)}" fill="#9ecae1" fill-opacity="0.5"/>'
        )
    for run in runs(["england_value"]):
        points = " ".join(f"{x(i):.1f},{y(series.england_value[i]):.1f}" for i in run)
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="#c0392b" stroke-dasharray="5,4" stroke-width="1.5"/>'
        )
        # England is often yearly on a monthly axis: mark each of its points
        parts.extend(
            f'<circle cx="{x(i):.1f}" cy="{y(series.england_value[i]):.1f}" r="3" fill="#c0392b"/>'
            for i in run
        )
    for run in runs(["value"]):
        points = " ".join(f"{x(i):.1f},{y(series.value[i]):.1f}" for i in run)
        parts.append(f'<polyline points="{points}" fill="none" stroke="#1f4e79" stroke-width="2"/>')
        if len(run) == 1:
            i = run[0]
            parts.append(
                f'<circle cx="{x(i):.1f}" cy="{y(series.value[i]):.1f}" r="3" fill="#1f4e79"/>'
            )
    parts.append("</svg>")
    return "".join(parts)


STYLE = """
body{font-family:Arial,Helvetica,sans-serif;margin:24px;color:#222;max-width:1500px}
h1{color:#1f4e79;font-size:22px}h2{color:#1f4e79;font-size:17px;margin-top:28px}
table{border-collapse:collapse;font-size:13px;margin:8px 0}
th{background:#1f4e79;color:#fff;text-align:left;padding:5px 8px}
td{border-bottom:1px solid #ddd;padding:4px 8px}td.n{text-align:right}
.better,.improving{color:#1a7f37}.worse,.worsening{color:#b42318}.s{color:#777;font-style:italic}
svg.spine{display:block}
.legend span{display:inline-block;margin-right:16px;font-size:12px}
"""


def svg_spine(row, width: int = 360, height: int = 22) -> str:
    """One metric's spine as inline SVG: the range of authorities (light), the middle half
    (dark), England (black line) and the area (a circle coloured by the comparison with
    England); worst on the left, best on the right."""

    def x(value) -> float:
        return 6 + (width - 12) * spine_position(value, row)

    first, last = sorted((x(row.lowest), x(row.highest)))
    low, high = sorted((x(row.lower_quartile), x(row.upper_quartile)))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" class="spine">',
        f'<rect x="{first:.1f}" y="4" width="{max(1.0, last - first):.1f}" height="14" '
        f'fill="#{RANGE_COLOUR}"/>',
        f'<rect x="{low:.1f}" y="4" width="{max(1.0, high - low):.1f}" height="14" '
        f'fill="#{QUARTILES_COLOUR}"/>',
    ]
    if not _missing(row.england_value):
        e = x(row.england_value)
        parts.append(
            f'<line x1="{e:.1f}" x2="{e:.1f}" y1="1" y2="21" stroke="#000" stroke-width="2"/>'
        )
    if not _missing(row.value):
        colour = COMPARISON_COLOURS[row.comparison_to_england]
        parts.append(
            f'<circle cx="{x(row.value):.1f}" cy="11" r="6" fill="#{colour}" stroke="#222"/>'
        )
    parts.append("</svg>")
    return "".join(parts)


def write_html(pack: Pack, path: Path) -> Path:
    e = html.escape
    rows = []
    for row in pack.summary.itertuples():
        value = SUPPRESSED if row.is_suppressed else _format(row.value, row.unit)
        interval = (
            ""
            if row.is_suppressed or _missing(row.lower_95)
            else (f"{_format(row.lower_95, row.unit)} to {_format(row.upper_95, row.unit)}")
        )
        rank = (
            ""
            if _missing(row.rank_among_neighbours)
            else f"{int(row.rank_among_neighbours)} of {int(row.areas_ranked)}"
        )
        rows.append(
            f"<tr><td>{e(row.objective)}<br><span class='s'>{e(row.working_group)}</span></td>"
            f"<td>{e(row.metric)}</td><td>{e(row.period)}</td>"
            f"<td class='n{' s' if row.is_suppressed else ''}'>{value}</td><td class='n'>{interval}</td>"
            f"<td>{UNIT_LABELS[row.unit]}</td><td class='n'>{_format(row.previous_value, row.unit)}</td>"
            f"<td class='{row.direction_of_travel.replace(' ', '-')}'>{e(row.direction_of_travel)}</td>"
            f"<td>{e(row.recent_trend)}</td>"
            f"<td class='n'>{_format(row.england_value, row.unit)}</td>"
            f"<td class='{row.comparison_to_england}'>{e(row.comparison_to_england)}</td>"
            f"<td class='n'>{_format(row.neighbour_average, row.unit)}</td><td class='n'>{rank}</td>"
            f"<td class='{row.comparison_to_neighbours}'>{e(row.comparison_to_neighbours)}</td>"
            f"<td>{e(_text(row.note))}</td></tr>"
        )
    spine_rows = "".join(
        f"<tr><td>{e(r.metric)}</td><td>{e(r.period)}</td>"
        f"<td class='n'>{SUPPRESSED if _missing(r.value) else _format(r.value, r.unit)}</td>"
        f"<td class='n'>{_format(r.england_value, r.unit)}</td>"
        f"<td class='n'>{_format(r.worst, r.unit)}</td>"
        f"<td>{svg_spine(r)}</td>"
        f"<td class='n'>{_format(r.best, r.unit)}</td>"
        f"<td class='n'>{int(r.areas)}</td></tr>"
        for r in pack.spine.itertuples()
    )
    units = _units(pack)
    charts = "".join(
        f"<h3>{e(pack.metric_names[m])} ({UNIT_LABELS[units[m]]})</h3>{svg_chart(s, units[m])}"
        for m, s in pack.trends.items()
    )
    group_rows = "".join(
        f"<tr><td>{e(pack.metric_names[r.metric_id])}</td><td>{e(r.breakdown.replace('_', ' '))}</td>"
        + (
            f"<td class='n s' colspan='3'>{SUPPRESSED} ({e(_text(r.suppression_reason).replace('_', ' '))})</td>"
            if r.is_suppressed
            else f"<td class='n'>{_format(r.numerator, 'count')}</td><td class='n'>{_format(r.denominator, 'count')}</td>"
            f"<td class='n'>{_format(r.value, r.unit)}</td>"
        )
        + "</tr>"
        for r in pack.breakdowns.itertuples()
    )
    note_rows = "".join(
        f"<tr><td>{e(r.metric_name)}</td><td>{e(r.definition)}</td><td>{e(r.period_definition)}</td>"
        f"<td>{e(r.source_files.replace('|', ', '))}</td><td>{e(_text(r.national_definition_note))}</td></tr>"
        for r in pack.notes.itertuples()
    )
    neighbour_items = "".join(
        f"<li>{e(r.area_name)}{'' if r.is_reported else ' (not in this publication)'}</li>"
        for r in pack.neighbours.itertuples()
    )
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{e(pack.title)}</title><style>{STYLE}</style></head>
<body>
<h1>{e(pack.title)}</h1>
<p>Reporting period to {pack.period_end:%d %B %Y}. Data as of {pack.data_as_of:%d %B %Y}; published {e(pack.published_at)}.</p>
<h2>Strategy scorecard</h2>
<table><tr><th>Objective</th><th>Measured by</th><th>Period</th><th>Value</th><th>95% interval</th><th>Unit</th>
<th>A year earlier</th><th>Direction of travel</th><th>Recent trend</th><th>England</th><th>Compared with England</th>
<th>Neighbours' average</th><th>Rank among neighbours</th><th>Compared with neighbours</th><th>Note</th></tr>
{"".join(rows)}</table>
<h2>Overview: against every local authority and England</h2>
<p class="legend"><span><span style="color:#{RANGE_COLOUR}">&#9632;</span> range of local authorities</span>
<span><span style="color:#{QUARTILES_COLOUR}">&#9632;</span> middle half</span><span>| England</span>
<span><span style="color:#{COMPARISON_COLOURS["better"]}">&#9679;</span> better</span>
<span><span style="color:#{COMPARISON_COLOURS["similar"]}">&#9679;</span> similar</span>
<span><span style="color:#{COMPARISON_COLOURS["worse"]}">&#9679;</span> worse than England</span>
<span><span style="color:#{COMPARISON_COLOURS["not compared"]}">&#9679;</span> not compared</span></p>
<table id="spine"><tr><th>Metric</th><th>Period</th><th>Value</th><th>England</th><th>Worst</th><th>Range (worst to best)</th><th>Best</th><th>Authorities</th></tr>
{spine_rows}</table>
<h2>Trends</h2>
<p class="legend"><span style="color:#1f4e79">&#9644; value</span><span style="color:#6baed6">&#9632; 95% interval</span><span style="color:#c0392b">- - England</span></p>
{charts}
<h2>By substance group</h2>
<table><tr><th>Metric</th><th>Group</th><th>Numerator</th><th>Denominator</th><th>Value</th></tr>{group_rows}</table>
<h2>Notes</h2>
<p>How to read the pack: {e(HOW_TO_READ)}</p>
<p>Disclosure control: {e(DISCLOSURE_RULE)}</p>
<p>{e(_neighbours_sentence(pack))}</p><ol>{neighbour_items}</ol>
<table><tr><th>Metric</th><th>Definition</th><th>Period</th><th>Source</th><th>Differences from the national definition</th></tr>{note_rows}</table>
</body></html>
"""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path


WRITERS = {"xlsx": write_xlsx, "html": write_html, "csv": write_csv}
