"""Outcome packs and the BI interface, on the shared refreshed publication."""

import re
import shutil
import subprocess

import duckdb
import pandas as pd
import pytest
from openpyxl import load_workbook

from pipelines import config
from pipelines.extracts.pack import ExtractError, build_pack
from pipelines.extracts.writers import COMPARISON_COLOURS, WRITERS, write_html, write_xlsx
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
    assert book.sheetnames == ["Scorecard", "Overview", "Trends", "Breakdowns", "Notes"]
    summary = book["Scorecard"]
    assert summary.freeze_panes == "A5"
    header = [c.value for c in summary[4]]
    rows = {r[2]: r for r in summary.iter_rows(min_row=5, values_only=True) if r[2]}
    dsr = rows["Deaths related to drug misuse, 3-year directly standardised rate"]
    expected = published(
        marts,
        "SELECT value, lower_95, england_value FROM fct_outcomes WHERE metric_id = "
        "'drug_misuse_death_rate_dsr' AND area_code = 'E06000016' AND breakdown = 'all' "
        "AND period_end_date = '2024-12-31'",
    )[0]
    assert dsr[header.index("Value")] == pytest.approx(expected[0])
    assert dsr[header.index("Lower 95%")] == pytest.approx(expected[1])
    assert dsr[header.index("England")] == pytest.approx(expected[2])
    assert dsr[header.index("Compared with England")] == "worse"
    assert dsr[header.index("Direction of travel")] == "no significant change"
    assert dsr[header.index("Period")] == "January 2022 to December 2024"
    formats = {
        summary.cell(row=r, column=3).value: summary.cell(row=r, column=5).number_format
        for r in range(5, summary.max_row + 1)
    }
    assert formats["Adults in treatment"] == "#,##0"
    assert formats["Continuity of care after release from prison"] == '0.0"%"'
    assert len(book["Trends"]._charts) == len(pack.trends) >= 10
    # the overview's spine: a coloured cell for the area on every rate's row
    overview = book["Overview"]
    area_cells = [
        cell
        for row in overview.iter_rows(min_row=5, min_col=8)
        for cell in row
        if cell.fill.fgColor.rgb and cell.fill.fgColor.rgb[-6:] in COMPARISON_COLOURS.values()
    ]
    assert len(area_cells) == len(pack.spine) > 5
    notes = book["Notes"]
    assert "Disclosure control" in notes["A3"].value
    assert {r[0] for r in notes.iter_rows(min_row=5, values_only=True)} >= set(
        pack.summary.metric_id
    )


def test_suppressed_cells_hold_no_number(marts, tmp_path):
    # Rutland is small: its substance-group cells are where suppression happens (a financial
    # year's end, where the event metrics are published too)
    pack = build_pack(marts, "E06000017", "2025-03")
    assert pack.breakdowns.is_suppressed.any()
    sheet = load_workbook(write_xlsx(pack, tmp_path / "rutland.xlsx"))["Breakdowns"]
    header = [c.value for c in sheet[4]]
    suppressed_rows = [
        r for r in sheet.iter_rows(min_row=5, values_only=True) if r[header.index("Suppression")]
    ]
    assert suppressed_rows
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
    order = dict(zip(objectives.objective_id, objectives.objective_order, strict=False))
    assert list(pack.summary.objective_id.map(order)) == sorted(
        order[o] for o in objectives.objective_id
    )
    rows = pack.summary.set_index("metric_id")
    # the strategy's figures where their periods are the pack's (financial year 2024/25)
    continuity = rows.loc["continuity_of_care_rate"]
    assert round(continuity.value, 1) == 55.2
    assert continuity.period == "April 2024 to March 2025"
    assert round(rows.loc["drug_misuse_death_rate_dsr"].value, 1) == 14.7
    assert rows.loc["drug_misuse_death_rate_dsr"].direction_of_travel == "no significant change"
    assert round(rows.loc["unmet_need_alcohol"].value) == 80
    assert round(rows.loc["unmet_need_opiate_crack"].value) == 50
    assert round(rows.loc["continuity_of_care_rate"].lower_95, 1) < 55.2
    # every rate has England or its neighbours beside it
    rates = pack.summary[pack.summary.unit != "count"]
    assert rates.neighbour_average.notna().all()
    assert set(rates.comparison_to_neighbours) <= {"better", "similar", "worse"}
    assert not pack.neighbours.empty
    december = build_pack(marts, "E06000016", "2024-12").summary.set_index("metric_id")
    assert december.loc["adults_in_treatment"].value == 2500
    assert december.loc["adults_in_treatment"].period == "January 2024 to December 2024"


def test_no_pack_holds_internal_words(marts, tmp_path):
    pack = build_pack(marts, "E06000016")
    for name, writer in WRITERS.items():
        path = writer(pack, tmp_path / f"pack.{name}")
        if name == "xlsx":
            book = load_workbook(path)
            text = " ".join(
                str(c.value) for sheet in book for row in sheet.iter_rows() for c in row if c.value
            )
        else:
            text = path.read_text(encoding="utf-8")
        for word in ("metrics.md", "W(E)", "raw-data.md", "no_significant_change"):
            assert word not in text, (name, word)


def test_html_pack_is_self_contained_and_renders(marts, tmp_path):
    pack = build_pack(marts, "LLR")
    page = write_html(pack, tmp_path / "pack.html")
    text = page.read_text()
    assert "<svg" in text and "Leicester, Leicestershire and Rutland" in text
    assert text.count('class="spine"') == len(pack.spine) > 5
    assert not re.search(r'(src|href)="(https?:)?//', text)  # nothing fetched from elsewhere
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("Chromium is not installed here (Debian package chromium); .ci/run installs it")
    screenshot = tmp_path / "pack.png"
    subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=1200,1600",
            f"--screenshot={screenshot}",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    data = screenshot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000


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
