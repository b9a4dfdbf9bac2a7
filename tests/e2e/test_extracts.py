"""Outcome packs and the BI interface, on the shared refreshed publication."""

import re
import shutil
import subprocess

import duckdb
import pytest
from openpyxl import load_workbook

from pipelines import settings
from pipelines.extracts.pack import ExtractError, build_pack
from pipelines.extracts.writers import write_html, write_xlsx

README = settings.PROJECT_ROOT / "README.md"


@pytest.fixture(scope="module")
def marts(refreshed):
    return refreshed.settings.marts_dir


def published(marts, sql, params=()):
    con = duckdb.connect(str(marts / settings.PUBLISHED_DUCKDB_NAME), read_only=True)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def test_xlsx_pack_sheets_values_and_formats(marts, tmp_path):
    pack = build_pack(marts, "E06000016")
    book = load_workbook(write_xlsx(pack, tmp_path / "pack.xlsx"))
    assert book.sheetnames == ["Summary", "Trends", "Breakdowns", "Notes"]
    summary = book["Summary"]
    assert summary.freeze_panes == "A5"
    header = [c.value for c in summary[4]]
    rows = {r[0]: r for r in summary.iter_rows(min_row=5, values_only=True) if r[0]}
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
    formats = {
        summary.cell(row=r, column=1).value: summary.cell(row=r, column=4).number_format
        for r in range(5, summary.max_row + 1)
    }
    assert formats["Adults in treatment"] == "#,##0"
    assert formats["Continuity of care after release from prison"] == '0.0"%"'
    assert len(book["Trends"]._charts) == len(pack.trends)
    notes = book["Notes"]
    assert "Disclosure control" in notes["A3"].value
    assert {r[0] for r in notes.iter_rows(min_row=5, values_only=True)} >= set(
        pack.summary.metric_id
    )


def test_suppressed_cells_hold_no_number(marts, tmp_path):
    # Rutland is small: its substance-group cells are where suppression happens
    pack = build_pack(marts, "E06000017")
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


def test_html_pack_is_self_contained_and_renders(marts, tmp_path):
    page = write_html(build_pack(marts, "LLR"), tmp_path / "pack.html")
    text = page.read_text()
    assert "<svg" in text and "Leicester, Leicestershire and Rutland" in text
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
