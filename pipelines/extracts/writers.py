"""Write a pack as xlsx (real numbers and number formats, native Excel charts, set up to
print), as one self-contained HTML page (html_page.py) or as CSV. The words are the html's
(words.py): the same verdicts, the same one way of showing a suppressed value."""

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import AreaChart, LineChart, Reference
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from pipelines.extracts import words
from pipelines.extracts.html_page import write_html
from pipelines.extracts.pack import DISCLOSURE_RULE, HOW_TO_READ, Pack
from pipelines.extracts.spine import spine_position

NUMBER_FORMATS = {
    "count": "#,##0",
    "percentage": '0.0"%"',
    "rate_per_100000": "0.0",
    "rate_per_1000": "0.0",
}
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
HEADER_FONT = Font(bold=True, color="FFFFFF")
GROUP_FILL = PatternFill("solid", fgColor="DCE6F0")
WRAP = Alignment(wrap_text=True, vertical="top")
THIN = Border(bottom=Side(style="thin", color="D9D9D9"))
# fills that carry a word too (never colour alone), and not red against green
FILLS = {
    "better": "D6E6F4",
    "improved": "D6E6F4",
    "worse": "FDE2C8",
    "worsened": "FDE2C8",
    "similar": "FFFBE0",
    "mixed": "EFE6F5",
}
VERDICT_FILLS = {"better": "D6E6F4", "worse": "FDE2C8", "mixed": "EFE6F5"}
SPINE_FILLS = {  # the spine's cells: the area's mark by its comparison with England
    "better": "2C7BB6",
    "similar": "FFFFBF",
    "worse": "F28E2B",
    "not_compared": "D9D9D9",
}
RANGE_COLOUR, QUARTILES_COLOUR, ENGLAND_COLOUR = "E3E3E3", "9A9A9A", "000000"
SPINE_CELLS = 21  # the xlsx spine: worst on the left, best on the right


def _fill(cell, text: str) -> None:
    for word, colour in FILLS.items():
        if text.startswith(word):
            cell.fill = PatternFill("solid", fgColor=colour)
            return


def _print_setup(sheet, header_row: int | None, fit_height: int = 0) -> None:
    """Landscape A4, fitted to the page's width (and height where `fit_height`), the header
    row repeated on every page."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = fit_height
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.5
    sheet.print_options.gridLines = False
    if header_row is not None:
        sheet.print_title_rows = f"{header_row}:{header_row}"


def _sheet_header(sheet, pack: Pack, heading: str) -> None:
    sheet["A1"] = pack.title
    sheet["A1"].font = Font(bold=True, size=14, color="1F4E79")
    sheet["A2"] = f"{heading}. {pack.subtitle}"


def _header(sheet, row: int, columns: dict[str, float]) -> None:
    for n, (title, width) in enumerate(columns.items(), start=1):
        cell = sheet.cell(row=row, column=n, value=title)
        cell.fill, cell.font, cell.alignment = HEADER_FILL, HEADER_FONT, WRAP
        sheet.column_dimensions[get_column_letter(n)].width = width
    sheet.freeze_panes = sheet.cell(row=row + 1, column=1)


def _text(sheet, row: int, column: int, text: str, fill: bool = False):
    cell = sheet.cell(row=row, column=column, value=text or None)
    cell.alignment = WRAP
    cell.border = THIN
    if fill and text:
        _fill(cell, text)
    return cell


def _number(sheet, row: int, column: int, value, unit: str, suppressed: bool = False):
    cell = sheet.cell(row=row, column=column)
    cell.alignment = Alignment(vertical="top")
    cell.border = THIN
    if suppressed:
        cell.value = words.SUPPRESSED
        cell.alignment = WRAP
        cell.font = Font(italic=True, color="666666")
    elif not words.missing(value):
        cell.value = float(value)
        cell.number_format = NUMBER_FORMATS[unit]
    return cell


def _fit_rows(sheet, first_row: int) -> None:
    """Give each row from `first_row` the height its wrapped text needs (a spreadsheet does not
    measure text it did not type itself, and printing cuts what does not fit)."""
    widths = {column: dimension.width or 9 for column, dimension in sheet.column_dimensions.items()}
    merged = {
        (cells.min_row, cells.min_col): sum(
            widths.get(get_column_letter(c), 9) for c in range(cells.min_col, cells.max_col + 1)
        )
        for cells in sheet.merged_cells.ranges
    }
    for row in sheet.iter_rows(min_row=first_row):
        lines = 1
        for cell in row:
            if not isinstance(cell.value, str) or not cell.alignment.wrap_text:
                continue
            width = merged.get((cell.row, cell.column), widths.get(cell.column_letter, 9))
            # about 1.1 characters of 10-11 pt text to a unit of column width; each line break
            # starts a line of its own
            per_line = max(1, int(width * 1.1))
            wrapped = sum(max(1, -(-len(part) // per_line)) for part in cell.value.split("\n"))
            lines = max(lines, wrapped)
        sheet.row_dimensions[row[0].row].height = 14.5 * lines + 2


def _summary_sheet(sheet, pack: Pack) -> None:
    _sheet_header(sheet, pack, "Are we on track?")
    _header(sheet, 4, {"Objective": 46, "Verdict": 20, "Its measures": 100})
    r = 5
    for v in pack.verdicts.itertuples():
        _text(sheet, r, 1, f"{v.objective} ({v.working_group})")
        verdict = _text(sheet, r, 2, v.verdict_words)
        verdict.font = Font(bold=True)
        if v.verdict in VERDICT_FILLS:
            verdict.fill = PatternFill("solid", fgColor=VERDICT_FILLS[v.verdict])
        _text(sheet, r, 3, v.sentence)
        r += 1
    r += 1
    sheet.cell(row=r, column=1, value="Headline figures").font = Font(bold=True, size=12)
    for text in pack.headlines:
        r += 1
        sheet.merge_cells(start_row=r, start_column=1, end_row=r, end_column=3)
        _text(sheet, r, 1, text)
    r += 2
    sheet.cell(row=r, column=1, value="The framework's outcomes").font = Font(bold=True, size=12)
    for o in pack.framework.itertuples():
        r += 1
        _text(sheet, r, 1, f"{o.ncdof_outcome} ({o.ncdof_outcome_type})").font = Font(bold=True)
        _text(sheet, r, 2, o.outcome_words)
        _text(sheet, r, 3, "\n".join(o.measures) if o.measures else o.local_measure_note or "")
    r += 2
    for heading, text in (
        ("Which period", pack.newer),
        ("How to read the pack", HOW_TO_READ),
        ("Disclosure control", DISCLOSURE_RULE),
    ):
        sheet.cell(row=r, column=1, value=heading).font = Font(bold=True)
        sheet.merge_cells(start_row=r + 1, start_column=1, end_row=r + 1, end_column=3)
        _text(sheet, r + 1, 1, text)
        r += 3
    _fit_rows(sheet, 4)
    _print_setup(sheet, 4, fit_height=1)


SCORECARD_COLUMNS = {
    "Measure": 30,
    "Period": 14,
    "Value": 10,
    "Lower 95%": 9,
    "Upper 95%": 9,
    "A year earlier": 9,
    "Change on a year earlier": 18,
    "Trend": 14,
    "England": 9,
    "Compared with England": 22,
    "Compared with neighbours": 28,
    "Provisional": 10,
}


def _scorecard_sheet(sheet, pack: Pack) -> None:
    _sheet_header(sheet, pack, "The strategy's objectives and the figures that measure them")
    _header(sheet, 4, SCORECARD_COLUMNS)
    last = len(SCORECARD_COLUMNS)
    r = 5
    outcome = None
    for _, rows in pack.summary.groupby("objective_id", sort=False):
        first = rows.iloc[0]
        if first.ncdof_outcome != outcome:  # the framework's outcome, then its objectives
            outcome = first.ncdof_outcome
            sheet.merge_cells(start_row=r, start_column=1, end_row=r, end_column=last)
            heading = sheet.cell(row=r, column=1, value=outcome)
            heading.font, heading.fill = Font(bold=True, color="FFFFFF", size=12), HEADER_FILL
            r += 1
        sheet.merge_cells(start_row=r, start_column=1, end_row=r, end_column=last)
        heading = sheet.cell(row=r, column=1, value=f"{first.objective} ({first.working_group})")
        heading.font, heading.fill = Font(bold=True, color="1F4E79"), GROUP_FILL
        r += 1
        for row in rows.itertuples():
            _text(sheet, r, 1, f"{row.metric} ({words.UNIT_WORDS[row.unit]})")
            _text(sheet, r, 2, row.period)
            hidden = bool(row.is_suppressed)
            value_cell = _number(sheet, r, 3, row.value, row.unit, hidden)
            if not hidden and words.missing(row.value):
                value_cell.value = words.NOT_PUBLISHED
            for c, value in ((4, row.lower_95), (5, row.upper_95)):
                _number(sheet, r, c, None if hidden else value, row.unit)
            _number(sheet, r, 6, None if hidden else row.previous_value, row.unit)
            _text(sheet, r, 7, row.change, fill=True)
            _text(sheet, r, 8, row.trend)
            _number(sheet, r, 9, row.england_value, row.unit)
            _text(sheet, r, 10, row.compared_with_england, fill=True)
            _text(sheet, r, 11, row.compared_with_neighbours, fill=True)
            _text(sheet, r, 12, "provisional" if row.is_provisional else "final")
            r += 1
            if row.note:
                sheet.merge_cells(start_row=r, start_column=2, end_row=r, end_column=last)
                _text(sheet, r, 2, row.note).font = Font(italic=True, color="555555")
                r += 1
    _fit_rows(sheet, 4)
    _print_setup(sheet, 4)


def _overview_sheet(sheet, pack: Pack) -> None:
    """The Fingertips-style overview as coloured cells: each rate's range of authorities
    (light), the middle half (dark), England (black) and the area (filled by its comparison
    with England, the word beside it); worst on the left, best on the right."""
    _sheet_header(sheet, pack, "Overview: the area against every local authority and England")
    sheet["A3"] = (
        "Each row: light grey = the range of local authorities' published values, dark grey = "
        "the middle half, black = England, the filled cell = this area (blue better, pale "
        "yellow similar, orange worse than England, grey not compared; the words are in "
        "column E). Worst on the left, best on the right."
    )
    columns = {
        "Measure": 34,
        "Period": 14,
        "Value": 10,
        "England": 9,
        "Compared with England": 14,
        "Worst": 9,
        "Best": 9,
        "Authorities": 10,
    }
    _header(sheet, 4, {**columns, **{f" {k}": 2.2 for k in range(SPINE_CELLS)}})
    first_spine = len(columns) + 1
    for r, row in enumerate(pack.spine.itertuples(), start=5):
        _text(sheet, r, 1, f"{row.metric} ({words.UNIT_WORDS[row.unit]})")
        _text(sheet, r, 2, row.period)
        value_cell = _number(sheet, r, 3, row.value, row.unit, bool(row.is_suppressed))
        if not row.is_suppressed and words.missing(row.value):
            value_cell.value = words.NOT_PUBLISHED
        _number(sheet, r, 4, row.england_value, row.unit)
        compared = "not compared"
        if row.is_provisional:
            compared = "provisional"
        elif row.comparison_to_england in words.COMPARISON_LABELS:
            compared = words.COMPARISON_LABELS[row.comparison_to_england]
        _text(sheet, r, 5, compared, fill=True)
        _number(sheet, r, 6, row.worst, row.unit)
        _number(sheet, r, 7, row.best, row.unit)
        sheet.cell(row=r, column=8, value=int(row.areas))

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
                colour = SPINE_FILLS.get(row.comparison_to_england, SPINE_FILLS["not_compared"])
            if colour:
                sheet.cell(row=r, column=first_spine + k).fill = PatternFill(
                    "solid", fgColor=colour
                )
    _fit_rows(sheet, 4)
    _print_setup(sheet, 4, fit_height=1)


CHART_DATA_COLUMNS = {
    "Measure": 34,
    "Period end": 11,
    "Value": 10,
    "Lower 95%": 10,
    "Upper 95%": 10,
    "England": 10,
    "Interval width": 10,
    "Status": 26,
}


def _trend_sheets(charts_sheet, data_sheet, pack: Pack) -> None:
    """Every metric's trend as an Excel chart (Trends), from the numbers in Chart data: the
    value with markers, the 95% interval as a neutral grey band, England dashed with square
    markers (joined across the months it has no value)."""
    _sheet_header(charts_sheet, pack, "Trends: each point is a 12-month period")
    charts_sheet["A3"] = (
        "Blue line: this area. Grey band: its 95% interval. Dashed line with squares: England. "
        "A gap is a suppressed (small numbers) or unpublished value; the numbers are in the "
        "sheet 'Chart data'."
    )
    _sheet_header(data_sheet, pack, "The numbers behind the trend charts")
    _header(data_sheet, 4, CHART_DATA_COLUMNS)
    units = dict(zip(pack.summary.metric_id, pack.summary.unit, strict=False))
    r = 5
    for index, (metric_id, series) in enumerate(pack.trends.items()):
        unit, first = units[metric_id], r
        for point in series.itertuples():
            hidden = bool(point.is_suppressed)
            data_sheet.cell(row=r, column=1, value=pack.metric_names[metric_id])
            data_sheet.cell(row=r, column=2, value=point.period_end_date).number_format = "mmm yyyy"
            for c, value in ((3, point.value), (4, point.lower_95), (5, point.upper_95)):
                _number(data_sheet, r, c, None if hidden else value, unit)
            _number(data_sheet, r, 6, point.england_value, unit)
            if not hidden and not words.missing(point.lower_95):
                _number(data_sheet, r, 7, point.upper_95 - point.lower_95, unit)
            status = words.SUPPRESSED if hidden else "final"
            if point.is_provisional:
                status = "provisional"
            data_sheet.cell(row=r, column=8, value=status)
            r += 1
        last = r - 1
        if last < first:
            continue
        # the band: the lower limit (no fill) and the interval's width stacked on it
        band = AreaChart()
        band.grouping = "stacked"
        band.add_data(Reference(data_sheet, min_col=4, min_row=first, max_row=last))
        band.add_data(Reference(data_sheet, min_col=7, min_row=first, max_row=last))
        band.series[0].graphicalProperties.noFill = True
        band.series[0].graphicalProperties.line.noFill = True
        band.series[1].graphicalProperties.solidFill = "C9CED6"
        band.series[1].graphicalProperties.line.noFill = True
        band.series[1].tx = None
        lines = LineChart()
        lines.add_data(Reference(data_sheet, min_col=3, min_row=first, max_row=last))
        lines.add_data(Reference(data_sheet, min_col=6, min_row=first, max_row=last))
        value, england = lines.series
        value.graphicalProperties.line.solidFill = "1F4E79"
        value.graphicalProperties.line.width = 22000
        value.marker.symbol = "circle" if len(series) <= 12 else "none"
        value.smooth = False
        england.graphicalProperties.line.solidFill = "444444"
        england.graphicalProperties.line.dashStyle = "dash"
        england.marker.symbol = "square"
        england.marker.size = 6
        england.marker.graphicalProperties.solidFill = "444444"
        england.smooth = False
        band.set_categories(Reference(data_sheet, min_col=2, min_row=first, max_row=last))
        lines.set_categories(Reference(data_sheet, min_col=2, min_row=first, max_row=last))
        band += lines
        band.display_blanks = "span"  # England has a value once a year
        band.legend = None
        band.title = f"{pack.metric_names[metric_id]} ({words.UNIT_WORDS[unit]})"
        band.y_axis.number_format = NUMBER_FORMATS[unit]
        band.y_axis.majorGridlines = None
        band.x_axis.number_format = "mmm yyyy"
        band.height, band.width = 6.2, 11.5
        if unit == "count":
            band.y_axis.scaling.min = 0
        charts_sheet.add_chart(band, f"{'AJS'[index % 3]}{5 + 13 * (index // 3)}")
    for column in ("A", "J", "S"):
        charts_sheet.column_dimensions[column].width = 9
    _print_setup(charts_sheet, None, fit_height=1)
    _print_setup(data_sheet, 4, fit_height=1)  # the numbers behind the charts, on one page


def _breakdowns_sheet(sheet, pack: Pack) -> None:
    _sheet_header(sheet, pack, "By substance group, at the pack's period")
    _header(
        sheet,
        4,
        {
            "Measure": 34,
            "Substance group": 22,
            "Numerator": 11,
            "Denominator": 12,
            "Value": 12,
            "Lower 95%": 10,
            "Upper 95%": 10,
            "Unit": 12,
        },
    )
    for r, row in enumerate(pack.breakdowns.itertuples(), start=5):
        _text(sheet, r, 1, pack.metric_names[row.metric_id])
        _text(sheet, r, 2, row.breakdown.replace("_", " "))
        hidden = bool(row.is_suppressed)
        if hidden:
            sheet.merge_cells(start_row=r, start_column=3, end_row=r, end_column=7)
            _number(sheet, r, 3, None, "count", suppressed=True)
        else:
            for c, value in ((3, row.numerator), (4, row.denominator)):
                _number(sheet, r, c, value, "count")
            for c, value in ((5, row.value), (6, row.lower_95), (7, row.upper_95)):
                _number(sheet, r, c, value, row.unit)
        _text(sheet, r, 8, words.UNIT_WORDS[row.unit])
    _fit_rows(sheet, 4)
    _print_setup(sheet, 4)


def _notes_sheet(sheet, pack: Pack) -> None:
    _sheet_header(sheet, pack, "What each measure counts, and where it comes from")
    _header(
        sheet,
        4,
        {
            "Measure": 26,
            "What it counts": 60,
            "Period": 26,
            "Better when": 11,
            "Source": 26,
            "Differences from the national definition": 44,
        },
    )
    r = 4
    for r, row in enumerate(pack.notes.itertuples(index=False), start=5):
        _text(sheet, r, 1, row.metric_name)
        _text(sheet, r, 2, row.definition)
        _text(sheet, r, 3, row.period_definition)
        _text(sheet, r, 4, words.POLARITY_WORDS.get(row.polarity, ""))
        _text(sheet, r, 5, words.sources(row.source_files))
        _text(
            sheet,
            r,
            6,
            "" if words.missing(row.national_definition_note) else row.national_definition_note,
        )
    r += 2
    sheet.merge_cells(start_row=r, start_column=1, end_row=r, end_column=6)
    _text(sheet, r, 1, f"Neighbours. {words.neighbours_sentence(pack)}")
    _fit_rows(sheet, 4)
    _print_setup(sheet, 4, fit_height=1)  # every definition on one page


def write_xlsx(pack: Pack, path: Path) -> Path:
    book = Workbook()
    _summary_sheet(book.active, pack)
    book.active.title = "Summary"
    _scorecard_sheet(book.create_sheet("Scorecard"), pack)
    _overview_sheet(book.create_sheet("Overview"), pack)
    _trend_sheets(book.create_sheet("Trends"), book.create_sheet("Chart data"), pack)
    _breakdowns_sheet(book.create_sheet("Breakdowns"), pack)
    _notes_sheet(book.create_sheet("Notes"), pack)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


CSV_COLUMNS = [
    "section",
    "objective",
    "metric_id",
    "metric",
    "breakdown",
    "period_start",
    "period_end",
    "value",
    "lower_95",
    "upper_95",
    "unit",
    "is_provisional",
    "is_suppressed",
    "previous_value",
    "change",
    "trend",
    "england_value",
    "compared_with_england",
    "neighbour_median",
    "rank_among_neighbours",
    "areas_ranked",
    "compared_with_neighbours",
    "note",
]


def write_csv(pack: Pack, path: Path) -> Path:
    """The pack's numbers as one long table (summary and breakdowns) for further analysis,
    with the same words as the html and xlsx: provisional and suppressed rows said so."""
    summary = pack.summary.assign(section="summary", breakdown="all")
    groups = pack.breakdowns.assign(
        section="substance group",
        metric=pack.breakdowns.metric_id.map(pack.metric_names),
        period_end=pack.period_end,
        note=[words.SUPPRESSED if hidden else "" for hidden in pack.breakdowns.is_suppressed],
    )
    table = pd.concat([summary, groups], ignore_index=True).reindex(columns=CSV_COLUMNS)
    table.insert(0, "area_code", pack.area_code)
    table.insert(1, "area", pack.area_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(path, index=False)
    return path


WRITERS = {"xlsx": write_xlsx, "html": write_html, "csv": write_csv}
