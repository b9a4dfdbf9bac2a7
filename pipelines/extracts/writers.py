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

from pipelines.extracts.pack import DISCLOSURE_RULE, Pack

NUMBER_FORMATS = {"count": "#,##0", "percentage": '0.0"%"', "rate_per_100000": "0.0"}
UNIT_LABELS = {"count": "count", "percentage": "%", "rate_per_100000": "per 100,000"}
SUPPRESSED = "suppressed"  # text, never a number, in a suppressed cell
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
HEADER_FONT = Font(bold=True, color="FFFFFF")


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
    summary.title = "Summary"
    _sheet_header(
        summary, pack, "Headline metrics of the National Combating Drugs Outcomes Framework"
    )
    columns = [
        "Metric",
        "Period start",
        "Period end",
        "Value",
        "Lower 95%",
        "Upper 95%",
        "Unit",
        "A year earlier",
        "Direction of travel",
        "England",
        "Compared with England",
        "Provisional",
        "Note",
    ]
    _table(summary, 4, columns)
    for r, row in enumerate(pack.summary.itertuples(), start=5):
        summary.cell(row=r, column=1, value=row.metric)
        for c, day in ((2, row.period_start), (3, row.period_end)):
            summary.cell(row=r, column=c, value=day).number_format = "dd mmm yyyy"
        for c, value in ((4, row.value), (5, row.lower_95), (6, row.upper_95)):
            _number(summary, r, c, value, row.unit, row.is_suppressed)
        summary.cell(row=r, column=7, value=UNIT_LABELS[row.unit])
        _number(summary, r, 8, row.previous_value, row.unit, _missing(row.previous_value) and False)
        summary.cell(row=r, column=9, value=row.direction_of_travel)
        _number(summary, r, 10, row.england_value, row.unit, False)
        summary.cell(row=r, column=11, value=row.comparison_to_england.replace("_", " "))
        summary.cell(row=r, column=12, value="yes" if row.is_provisional else "no")
        summary.cell(row=r, column=13, value=row.note)

    trends = book.create_sheet("Trends")
    _sheet_header(trends, pack, "Rolling values with 95% intervals and England")
    _table(trends, 4, ["Metric", "Period end", "Value", "Lower 95%", "Upper 95%", "England"])
    units = dict(zip(pack.summary.metric_id, pack.summary.unit, strict=True))
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
    notes["A3"] = f"Disclosure control: {DISCLOSURE_RULE}"
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
            "Polarity",
            "Interval",
            "Source",
            "Differences from the national definition",
        ],
    )
    for r, row in enumerate(pack.notes.itertuples(index=False), start=5):
        for c, value in enumerate(row, start=1):
            notes.cell(row=r, column=c, value=None if _missing(value) else str(value))
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


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
body{font-family:Arial,Helvetica,sans-serif;margin:24px;color:#222;max-width:1100px}
h1{color:#1f4e79;font-size:22px}h2{color:#1f4e79;font-size:17px;margin-top:28px}
table{border-collapse:collapse;font-size:13px;margin:8px 0}
th{background:#1f4e79;color:#fff;text-align:left;padding:5px 8px}
td{border-bottom:1px solid #ddd;padding:4px 8px}td.n{text-align:right}
.better,.improving{color:#1a7f37}.worse,.worsening{color:#b42318}.s{color:#777;font-style:italic}
.legend span{display:inline-block;margin-right:16px;font-size:12px}
"""


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
        rows.append(
            f"<tr><td>{e(row.metric)}</td><td>{row.period_start:%b %Y} to {row.period_end:%b %Y}</td>"
            f"<td class='n{' s' if row.is_suppressed else ''}'>{value}</td><td class='n'>{interval}</td>"
            f"<td>{UNIT_LABELS[row.unit]}</td><td class='n'>{_format(row.previous_value, row.unit)}</td>"
            f"<td class='{row.direction_of_travel}'>{row.direction_of_travel}</td>"
            f"<td class='n'>{_format(row.england_value, row.unit)}</td>"
            f"<td class='{row.comparison_to_england}'>{row.comparison_to_england.replace('_', ' ')}</td>"
            f"<td>{e(_text(row.note))}</td></tr>"
        )
    units = dict(zip(pack.summary.metric_id, pack.summary.unit, strict=True))
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
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{e(pack.title)}</title><style>{STYLE}</style></head>
<body>
<h1>{e(pack.title)}</h1>
<p>Reporting period to {pack.period_end:%d %B %Y}. Data as of {pack.data_as_of:%d %B %Y}; published {e(pack.published_at)}.</p>
<h2>Headline metrics</h2>
<table><tr><th>Metric</th><th>Period</th><th>Value</th><th>95% interval</th><th>Unit</th>
<th>A year earlier</th><th>Direction</th><th>England</th><th>Compared with England</th><th>Note</th></tr>
{"".join(rows)}</table>
<h2>Trends</h2>
<p class="legend"><span style="color:#1f4e79">&#9644; value</span><span style="color:#6baed6">&#9632; 95% interval</span><span style="color:#c0392b">- - England</span></p>
{charts}
<h2>By substance group</h2>
<table><tr><th>Metric</th><th>Group</th><th>Numerator</th><th>Denominator</th><th>Value</th></tr>{group_rows}</table>
<h2>Notes</h2>
<p>Disclosure control: {e(DISCLOSURE_RULE)}</p>
<table><tr><th>Metric</th><th>Definition</th><th>Period</th><th>Source</th><th>Differences from the national definition</th></tr>{note_rows}</table>
</body></html>
"""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path


WRITERS = {"xlsx": write_xlsx, "html": write_html, "csv": write_csv}
