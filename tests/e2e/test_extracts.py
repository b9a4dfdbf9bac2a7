"""Outcome packs and the BI interface, on the shared refreshed publication."""

import math
import re
import shutil
import subprocess

import duckdb
import pandas as pd
import pytest
from openpyxl import load_workbook

from pipelines import config
from pipelines.extracts import words
from pipelines.extracts.charts import nice_ticks
from pipelines.extracts.pack import ExtractError, build_pack, in_words, objective_verdicts
from pipelines.extracts.writers import FILLS, SPINE_FILLS, WRITERS, write_html, write_xlsx
from pipelines.publish import neighbours

README = config.PROJECT_ROOT / "README.md"


@pytest.fixture(scope="module")
def marts(refreshed):
    return refreshed.settings.marts_dir


def published(marts, sql, params=()):
    con = duckdb.connect(str(marts / config.PUBLISHED_DUCKDB_NAME), read_only=True)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def test_xlsx_pack_sheets_values_and_formats(marts, tmp_path):
    pack = build_pack(marts, "E06000016")
    book = load_workbook(write_xlsx(pack, tmp_path / "pack.xlsx"))
    assert book.sheetnames == [
        "Summary",
        "Scorecard",
        "Overview",
        "Trends",
        "Chart data",
        "Breakdowns",
        "Notes",
    ]
    summary = book["Scorecard"]
    assert summary.freeze_panes == "A5"
    header = [c.value for c in summary[4]]
    rows = {r[0]: r for r in summary.iter_rows(min_row=5, values_only=True) if r[0]}
    dsr = rows["Deaths related to drug misuse, 3-year directly standardised rate (per 100,000)"]
    expected = published(
        marts,
        "SELECT value, lower_95, england_value FROM fct_outcomes WHERE metric_id = "
        "'drug_misuse_death_rate_dsr' AND area_code = 'E06000016' AND breakdown = 'all' "
        "AND period_end_date = '2024-12-31'",
    )[0]
    assert dsr[header.index("Value")] == pytest.approx(expected[0])
    assert dsr[header.index("Lower 95%")] == pytest.approx(expected[1])
    assert dsr[header.index("England")] == pytest.approx(expected[2])
    assert dsr[header.index("Compared with England")].startswith("worse than England")
    assert dsr[header.index("Change on a year earlier")] == "no significant change"
    assert dsr[header.index("Period")] == "January 2022 to December 2024"
    formats = {
        summary.cell(row=r, column=1).value: summary.cell(row=r, column=3).number_format
        for r in range(5, summary.max_row + 1)
    }
    assert formats["Adults in treatment (number)"] == "#,##0"
    assert formats["Continuity of care after release from prison (%)"] == '0.0"%"'
    # a comparison is filled, and the fill is never the only sign: the word is in the cell
    worse = next(
        summary.cell(row=r, column=header.index("Compared with England") + 1)
        for r in range(5, summary.max_row + 1)
        if str(
            summary.cell(row=r, column=header.index("Compared with England") + 1).value
        ).startswith("worse")
    )
    assert worse.fill.fgColor.rgb[-6:] == FILLS["worse"]
    # set up to print: landscape, fitted to the width, the header repeated
    for sheet in book:
        assert sheet.page_setup.orientation == "landscape", sheet.title
        assert sheet.page_setup.fitToWidth == 1 and sheet.sheet_properties.pageSetUpPr.fitToPage
    assert summary.print_title_rows == "$4:$4"
    # every trend has its chart, England drawn dashed with markers, the interval a grey band
    charts = book["Trends"]._charts
    assert len(charts) == len(pack.trends) >= 10
    assert all(chart.display_blanks == "span" for chart in charts)
    # the overview's spine: a filled cell for the area on every rate's row
    overview = book["Overview"]
    area_cells = [
        cell
        for row in overview.iter_rows(min_row=5, min_col=9)
        for cell in row
        if cell.fill.fgColor.rgb and cell.fill.fgColor.rgb[-6:] in SPINE_FILLS.values()
    ]
    assert len(area_cells) == len(pack.spine) > 5
    first_page = " ".join(
        str(c.value) for row in book["Summary"].iter_rows() for c in row if c.value
    )
    assert "Disclosure control" in first_page and "Are we on track?" in first_page
    assert {r[0] for r in book["Notes"].iter_rows(min_row=5, values_only=True)} >= set(
        pack.summary.metric
    )


def test_suppressed_cells_hold_no_number(marts, tmp_path):
    # Rutland is small: its substance-group cells are where suppression happens (a financial
    # year's end, where the event metrics are published too)
    pack = build_pack(marts, "E06000017", "2025-03")
    assert pack.breakdowns.is_suppressed.any()
    sheet = load_workbook(write_xlsx(pack, tmp_path / "rutland.xlsx"))["Breakdowns"]
    header = [c.value for c in sheet[4]]
    rows = list(sheet.iter_rows(min_row=5, values_only=True))
    suppressed_rows = [r for r in rows if words.SUPPRESSED in r]
    assert len(suppressed_rows) == int(pack.breakdowns.is_suppressed.sum())
    for row in suppressed_rows:
        for column in ("Numerator", "Denominator", "Value", "Lower 95%", "Upper 95%"):
            assert not isinstance(row[header.index(column)], int | float), row


def test_unknown_area_and_empty_period_are_clear_errors(marts):
    with pytest.raises(ExtractError, match="not in this publication"):
        build_pack(marts, "E99999999")
    with pytest.raises(ExtractError, match="no data for E06000016 in 2015-01"):
        build_pack(marts, "E06000016", "2015-01")
    with pytest.raises(ExtractError, match="not YYYY-MM"):
        build_pack(marts, "E06000016", "March")


def test_the_pack_answers_the_strategys_questions(marts):
    pack = build_pack(marts, "E06000016", "2025-03")
    objectives = pd.read_csv(config.DBT_PROJECT_DIR / "seeds" / "strategy_objectives.csv")
    assert sorted(zip(pack.summary.objective_id, pack.summary.metric_id, strict=True)) == sorted(
        zip(objectives.objective_id, objectives.metric_id, strict=True)
    )
    # under the framework's outcomes, in its order; within one, in the strategy's order
    outcome_order = dict(
        published(marts, "SELECT ncdof_outcome, outcome_order FROM dim_framework_outcome")
    )
    order = dict(zip(objectives.objective_id, objectives.objective_order, strict=False))
    keys = list(
        zip(
            pack.summary.ncdof_outcome.map(outcome_order),
            pack.summary.objective_id.map(order),
            strict=True,
        )
    )
    assert keys == sorted(keys)
    rows = pack.summary.set_index("metric_id")
    # the strategy's figures where their periods are the pack's (financial year 2024/25)
    continuity = rows.loc["continuity_of_care_rate"]
    assert round(continuity.value, 1) == 55.2
    assert continuity.period == "April 2024 to March 2025"
    assert round(rows.loc["drug_misuse_death_rate_dsr"].value, 1) == 14.7
    assert rows.loc["drug_misuse_death_rate_dsr"].change == "no significant change"
    assert round(rows.loc["unmet_need_alcohol"].value) == 80
    assert round(rows.loc["unmet_need_opiate_crack"].value) == 50
    assert round(rows.loc["continuity_of_care_rate"].lower_95, 1) < 55.2
    # every rate is compared with its neighbours' middle value, in words
    rates = pack.summary[pack.summary.unit != "count"]
    assert rates.neighbour_median.notna().all()
    assert all(
        text.split(" ")[0] in {"better", "similar", "worse"}
        for text in rates.compared_with_neighbours
    )
    assert not pack.neighbours.empty
    december = build_pack(marts, "E06000016", "2024-12").summary.set_index("metric_id")
    assert december.loc["adults_in_treatment"].value == 2500
    assert december.loc["adults_in_treatment"].period == "January 2024 to December 2024"


def test_the_first_page_says_per_objective_whether_things_are_getting_better(marts):
    pack = build_pack(marts, "E06000016")
    objectives = pack.summary.drop_duplicates("objective_order")
    assert list(pack.verdicts.objective) == list(objectives.objective)
    for verdict in pack.verdicts.itertuples():
        measures = pack.summary[pack.summary.objective == verdict.objective]
        changes = list(measures.change)
        assert verdict.improved == changes.count("improved")
        assert verdict.worsened == changes.count("worsened")
        assert verdict.no_significant_change == changes.count("no significant change")
        assert verdict.not_judged == sum(c.startswith("not judged") for c in changes)
        expected = (
            "mixed"
            if verdict.improved and verdict.worsened
            else "better"
            if verdict.improved
            else "worse"
            if verdict.worsened
            else "unchanged"
            if verdict.no_significant_change
            else "not_judged"
        )
        assert verdict.verdict == expected
    # the headline figures, in words, with England and the neighbours where they exist
    continuity = next(h for h in pack.headlines if h.startswith("Continuity of care"))
    assert "55.2%" in continuity and "England (" in continuity and "neighbour" in continuity
    # Rutland: what could not be judged says why
    rutland = build_pack(marts, "E06000017")
    not_judged = rutland.verdicts[rutland.verdicts.not_judged > 0]
    assert len(not_judged) and all("Could not be judged:" in s for s in not_judged.sentence)


def test_latest_has_one_meaning(marts):
    """The pack's default period, the scorecard's is_latest_final rows (the README's BI query)
    and the UI's headline are the same reporting period, and the pack says what is newer."""
    from pipelines.publish.assets import headline_values

    pack = build_pack(marts, "E06000016")
    latest = published(
        marts,
        "SELECT DISTINCT reporting_period_end_date, max(period_end_date) FROM "
        "fct_strategy_scorecard WHERE area_code = 'E06000016' AND is_latest_final GROUP BY 1",
    )
    assert latest == [(pack.period_end, pack.period_end)]
    adults = pack.summary.set_index("metric_id").loc["adults_in_treatment"]
    shown = headline_values(marts, "E06000016")
    assert shown["latest/E06000016/adults_in_treatment"].startswith(f"{adults.value:,.1f}")
    # adults in treatment has final months after the pack's March: the pack says so
    later = published(
        marts,
        "SELECT max(period_end_date) FROM fct_outcomes WHERE area_code = 'E06000016' "
        "AND metric_id = 'adults_in_treatment'",
    )[0][0]
    assert later > pack.period_end
    assert f"adults in treatment to {words.month(later)}".lower() in pack.newer.lower()


def test_no_verdict_is_built_on_a_provisional_value(marts, tmp_path):
    """The shareable tier publishes final values only, so a provisional row reaches a pack
    only if that rule changes: even then it is marked everywhere and judged nowhere."""
    pack = build_pack(marts, "E06000016")
    summary = pack.summary.copy()
    summary.loc[summary.metric_id == "referral_conversion_rate", "is_provisional"] = True
    pack.summary = in_words(summary, pack.has_neighbours)
    pack.verdicts = objective_verdicts(pack.summary)
    row = pack.summary.set_index("metric_id").loc["referral_conversion_rate"]
    assert row.change == "not judged: provisional"
    assert row.compared_with_england.startswith("not compared")
    assert row.compared_with_neighbours == "not compared: provisional"
    assert "Provisional" in row.note
    verdict = pack.verdicts[pack.verdicts.objective == row.objective].iloc[0]
    assert verdict.verdict == "not_judged" and "provisional" in verdict.sentence
    html_text = write_html(pack, tmp_path / "p.html").read_text(encoding="utf-8")
    assert f"{words.number(row.value, 'percentage')} (provisional)" in html_text
    book = load_workbook(write_xlsx(pack, tmp_path / "p.xlsx"))
    scorecard = [r for r in book["Scorecard"].iter_rows(values_only=True) if r[0]]
    marked = next(r for r in scorecard if str(r[0]).startswith(row.metric))
    assert "provisional" in marked and "not judged: provisional" in marked
    table = pd.read_csv(WRITERS["csv"](pack, tmp_path / "p.csv"))
    flagged = table[table.metric_id == "referral_conversion_rate"]
    assert flagged.is_provisional.all() and (flagged.change == "not judged: provisional").all()


# what a board member must never read: codes, table names, file names, ISO dates
INTERNAL = re.compile(
    r"\b(fct|dim|stg|int)_[a-z_]+|_rate\b|rate_per_100000|not_compared|no_significant_change"
    r"|illustrative_same_type|[a-z]+_[a-z]+_[a-z_]+|\b\d{4}-\d{2}-\d{2}\b|\bE0[6-9]\d{6}\b"
    r"|metrics\.md|raw-data\.md|W\(E\)"
)


def pack_text(path) -> str:
    if path.suffix == ".xlsx":
        book = load_workbook(path)
        # the words: numbers and dates are cells of their own types, shown by their formats
        return " ".join(
            c.value
            for sheet in book
            for row in sheet.iter_rows()
            for c in row
            if isinstance(c.value, str)
        )
    text = path.read_text(encoding="utf-8")
    return re.sub(r"<[^>]+>", " ", re.sub(r"<(style|svg)[^>]*>.*?</\1>", " ", text, flags=re.S))


@pytest.mark.parametrize("area", ["E06000016", "LLR", "E06000017"])
def test_no_pack_holds_internal_words(marts, tmp_path, area):
    pack = build_pack(marts, area)
    for name in ("xlsx", "html"):
        text = pack_text(WRITERS[name](pack, tmp_path / f"pack.{name}"))
        found = sorted(set(m.group(0) for m in INTERNAL.finditer(text)))
        assert not found, (area, name, found)
        # a suppressed value is shown one way only
        for other in ("not shown (small numbers)", "suppressed: small numbers"):
            assert other not in text, (area, name, other)
    # neighbours are named only where the publication holds them
    text = pack_text(write_html(pack, tmp_path / "n.html"))
    assert "not in this publication" not in text
    for name in pack.neighbours[~pack.neighbours.is_reported.astype(bool)].area_name:
        assert name not in text.split("Neighbours.")[-1].split("Measure")[0], name


def test_chart_ticks_are_round_and_counts_start_at_zero(marts, tmp_path):
    for area in ("E06000016", "LLR", "E06000017"):
        pack = build_pack(marts, area)
        page = write_html(pack, tmp_path / f"{area}.html").read_text(encoding="utf-8")
        charts = re.findall(r'<svg[^>]*class="trend".*?</svg>', page, flags=re.S)
        # a measure with no value to plot says so instead of drawing an empty chart
        assert len(charts) + page.count("No value to plot") == len(pack.trends)
        units = dict(zip(pack.summary.metric_id, pack.summary.unit, strict=False))
        columns = ["value", "lower_95", "upper_95", "england_value"]
        plotted = [m for m, series in pack.trends.items() if series[columns].notna().any().any()]
        for metric_id, chart in zip(plotted, charts, strict=True):
            ticks = [float(t.replace(",", "")) for t in re.findall(r'class="tick">([^<]+)<', chart)]
            assert len(ticks) >= 3, (area, metric_id)
            steps = {round(b - a, 9) for a, b in zip(ticks, ticks[1:], strict=False)}
            assert len(steps) == 1, (area, metric_id, ticks)
            step = steps.pop()
            mantissa = step / 10 ** math.floor(math.log10(step))
            assert round(mantissa, 6) in {1, 2, 2.5, 5}, (area, metric_id, ticks)
            assert all(abs(t / step - round(t / step)) < 1e-6 for t in ticks)
            if units[metric_id] == "count":
                assert ticks[0] == 0, (area, metric_id, ticks)


def test_nice_ticks():
    assert nice_ticks(14.4, 62.8) == [0, 20, 40, 60, 80]
    assert nice_ticks(0, 4) == [0, 1, 2, 3, 4]
    assert nice_ticks(0, 2653) == [0, 1000, 2000, 3000]
    assert nice_ticks(78.7, 96.2) == [75, 80, 85, 90, 95, 100]


CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]
# run in the page once laid out: does any table or chart reach past the window's right edge?
MEASURE = """<script>
window.addEventListener('load', () => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll('table, svg.trend, h1, p')]
    .filter(e => e.getBoundingClientRect().right > width + 1)
    .map(e => e.tagName + '.' + (e.className.baseVal ?? e.className));
  document.body.setAttribute('data-overflow', wide.join(' ') || 'none');
});
</script>"""


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.skip("Chromium is not installed here (Debian package chromium); .ci/run installs it")
    return found


@pytest.mark.parametrize("area", ["E06000016", "LLR", "E06000017"])
def test_html_pack_renders_whole_at_1400_and_1024_pixels(marts, tmp_path, area):
    pack = build_pack(marts, area)
    page = write_html(pack, tmp_path / "pack.html")
    text = page.read_text()
    assert "<svg" in text and pack.area_name in text
    assert text.count('class="spine"') == len(pack.spine) > 5
    assert not re.search(r'(src|href)="(https?:)?//', text)  # nothing fetched from elsewhere
    browser = chromium()
    measured = tmp_path / "measured.html"
    measured.write_text(text.replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    for width in (1400, 1024):
        base = [browser, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / f'profile-{width}'}"]
        screenshot = tmp_path / f"{area}-{width}.png"
        subprocess.run(
            [*base, f"--window-size={width},2000", f"--screenshot={screenshot}", page.as_uri()],
            check=True,
            capture_output=True,
            timeout=120,
        )
        data = screenshot.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
        dom = subprocess.run(
            [*base, f"--window-size={width},2000", "--dump-dom", measured.as_uri()],
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        ).stdout
        overflow = re.findall(r'data-overflow="([^"]*)"', dom)
        assert overflow == ["none"], (area, width, overflow)


def test_the_leicester_xlsx_prints_in_at_most_8_pages(marts, tmp_path):
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        pytest.skip(
            "LibreOffice is not installed here (libreoffice-calc-nogui); .ci/run installs it"
        )
    book = write_xlsx(build_pack(marts, "E06000016"), tmp_path / "leicester.xlsx")
    subprocess.run(
        [
            office,
            f"-env:UserInstallation={(tmp_path / 'office').as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(book),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = (tmp_path / "leicester.pdf").read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert 5 <= pages <= 8, pages


def test_home_area_pack_and_docs_are_published(marts):
    assert (marts / "packs" / "E06000016_outcome_pack.xlsx").exists()
    assert (marts / "packs" / "E06000016_outcome_pack.html").exists()
    docs = (marts / "dbt_docs.html").read_text(encoding="utf-8")
    assert "fct_outcomes" in docs and "dim_metric" in docs


def readme_queries() -> list[str]:
    text = README.read_text(encoding="utf-8")
    guide = text[text.index("## BI guide") :]
    guide = guide[: guide.index("\n## ", 1)]
    return re.findall(r"```sql\n(.*?)```", guide, flags=re.S)


def test_readme_bi_queries_run_against_the_published_file(marts):
    queries = readme_queries()
    assert len(queries) >= 4
    for query in queries:
        rows = published(marts, query)
        assert rows, query


def test_neighbour_comparison_does_not_depend_on_the_order_rows_are_stored_in(marts):
    """The published comparison is a function of the published values: made again from its
    three tables stored in shuffled orders, every figure is the same to the last bit. (Summed in
    storage order, a mean of doubles differed in its last bit for about 230 of the sample's
    3,036 rows.)"""
    con = duckdb.connect()
    try:
        con.execute(f"attach '{marts / config.PUBLISHED_DUCKDB_NAME}' as published (read_only)")
        published_rows = con.execute(f"select * from published.{neighbours.TABLE}").fetchall()
        for seed in (0.1, 0.7):
            con.execute(f"select setseed({seed})")
            for name in ("fct_outcomes", "dim_metric", neighbours.COMPARATORS_MART):
                con.execute(
                    f"create or replace table {name} as select * from published.{name} "
                    "order by random()"
                )
            remade = con.execute(neighbours.comparison_sql()).fetchall()
            assert remade == published_rows
    finally:
        con.close()


def test_what_could_not_be_judged_says_why_and_unmet_need_says_its_test(marts):
    pack = build_pack(marts, "E06000016")
    unmet = pack.summary.set_index("metric_id").loc["unmet_need_alcohol"]
    assert unmet.change.endswith("a conservative test)"), unmet.change
    # the first year of the data has no value a year earlier: said so, not called suppressed
    first = published(
        marts,
        "SELECT count(*) FROM fct_strategy_scorecard WHERE not_judged_reason LIKE 'no value a "
        "year earlier%' AND NOT is_suppressed",
    )[0][0]
    assert first > 0
    early = build_pack(marts, "E06000016", "2020-03")
    assert not any("suppressed" in c for c in early.summary.change[~early.summary.is_suppressed])
    # a period asked for is not called "the latest year at which every measure is final"
    asked = build_pack(marts, "E06000016", "2025-09")
    assert "was asked for the year to September 2025" in asked.newer
    assert "latest year at which every measure is final is the year to March 2025" in asked.newer


def test_a_row_revised_since_first_published_reads_as_first_published(marts, tmp_path):
    """The shareable tier publishes a revised row as first published (fct_outcomes) and blanks
    the scorecard's tests of today's numbers; the pack shows the published value and says why
    it is not judged, never "suppressed"."""
    copy = tmp_path / "marts"
    copy.mkdir()
    shutil.copy2(marts / config.PUBLISHED_DUCKDB_NAME, copy / config.PUBLISHED_DUCKDB_NAME)
    (copy / config.PUBLISHED_DUCKDB_NAME).chmod(0o644)
    con = duckdb.connect(str(copy / config.PUBLISHED_DUCKDB_NAME))
    con.execute(
        "UPDATE fct_strategy_scorecard SET value = NULL, lower_95 = NULL, upper_95 = NULL, "
        "previous_value = NULL, direction_of_travel = NULL, not_judged_reason = NULL, "
        "is_suppressed = true WHERE area_code = 'E06000016' AND is_latest_final "
        "AND metric_id = 'adults_in_treatment'"
    )
    con.close()
    row = build_pack(copy, "E06000016").summary.set_index("metric_id").loc["adults_in_treatment"]
    first = published(
        marts,
        "SELECT value FROM fct_outcomes WHERE area_code = 'E06000016' AND breakdown = 'all' "
        "AND metric_id = 'adults_in_treatment' AND period_end_date = DATE '2025-03-31'",
    )[0][0]
    assert row.is_revised and not row.is_suppressed and row.value == first
    assert (
        row.change == "not judged: revised since it was first published (shown as first published)"
    )
    assert "Revised since it was first published" in row.note


def test_the_first_page_shows_every_outcome_of_the_framework_with_its_measures(marts, tmp_path):
    pack = build_pack(marts, "E06000016")
    framework = pack.framework
    assert list(framework.ncdof_outcome) == [
        "Increase engagement in treatment",
        "Improve recovery outcomes",
        "Reduce drug-related deaths and harm",
        "Reduce drug-related crime",
        "Reduce drug supply",
        "Reduce drug use",
    ]
    catalogue = dict(published(marts, "SELECT metric_name, ncdof_outcome FROM dim_metric"))
    for outcome in framework.itertuples():
        names = {m.rsplit(": ", 1)[0] for m in outcome.measures}
        assert names == {n for n, o in catalogue.items() if o == outcome.ncdof_outcome}
        if outcome.ncdof_outcome == "Reduce drug use":
            assert not outcome.has_local_measure and "nationally" in outcome.local_measure_note
        else:  # every measure of the sample has a figure for Leicester
            assert all(words.NOT_PUBLISHED not in m for m in outcome.measures), outcome.measures
    # on the first page of the HTML, before the scorecard, and on the workbook's Summary
    page = write_html(pack, tmp_path / "pack.html").read_text()
    assert page.index("The framework's outcomes") < page.index("Strategy scorecard")
    assert "measures drug use nationally" in page
    summary = load_workbook(write_xlsx(pack, tmp_path / "pack.xlsx"))["Summary"]
    text = " ".join(str(c.value) for row in summary.iter_rows() for c in row if c.value)
    assert all(o in text for o in framework.ncdof_outcome)
    # the scorecard sits under the outcomes: housing and work under recovery
    recovery = pack.summary[pack.summary.ncdof_outcome == "Improve recovery outcomes"]
    assert {"acute_housing_problem_rate", "paid_work_rate"} <= set(recovery.metric_id)
    assert list(pack.summary.ncdof_outcome.drop_duplicates()) == [
        o for o in framework.ncdof_outcome if o in set(pack.summary.ncdof_outcome)
    ]
