"""The shareable tier: writing the disclosure-controlled marts, atomically.

Only this module writes the marts folder; what is hidden, and the audit that proves nothing
hidden can be worked out, live in `pipelines.disclosure`. A publication is written whole in a
folder of its own and published by one rename (`folders`), so a reader sees the whole previous
publication or the whole new one, and a refresh that stops before that rename (the audit
included), however it stops, leaves the previous publication exactly as it was.
"""

import dataclasses
import json
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from pipelines import config
from pipelines.checks.report import REPORT_NAME
from pipelines.disclosure.shareable import (
    OUTCOMES_MART,
    Protection,
    PublicationRefused,
    PublishedMart,
    protect,
    select_for,
)
from pipelines.publish import folders, neighbours
from pipelines.warehouse import sql_literal

# The oldest storage format that holds the published tables: DuckDB 0.10 and later open it
# (BI tools and drivers bundle older DuckDBs than the one that writes it).
PUBLISHED_STORAGE_VERSION = "v1.0.0"
AREAS_MART = "dim_area"  # tells a reader which authorities make up each partnership


@dataclass(frozen=True)
class Publication:
    marts_dir: Path
    files: list[Path]
    tables: dict[str, int]  # name -> rows
    protection: Protection | None = None

    @property
    def disclosure(self) -> dict[str, object]:
        """The suppression's and the audit's figures (none when fct_outcomes is not published)."""
        return self.protection.figures() if self.protection is not None else {}


def check_shareable_copy(con: duckdb.DuckDBPyConnection, names: list[str]) -> list[str]:
    """Validate each published table that has a published_<name> suite (disclosure control
    of the shareable copy) before it replaces anything; raise PublicationRefused on failure."""
    from pipelines.checks import suites  # GX import is slow: only when publishing

    findings = []
    for name in names:
        if not suites.suite_path(f"published_{name}").exists():
            continue
        frame = con.execute(f"SELECT * FROM published.main.{name}").df()
        check = suites.validate(frame, f"published_{name}")
        if not check.success:
            raise PublicationRefused(
                f"the disclosure-controlled {name} failed its checks: "
                + "; ".join(f.describe() for f in check.failures)
            )
        findings.append(f"gx suite published_{name}: all {check.evaluated} expectations met")
    return findings


def _protect_outcomes(
    con: duckdb.DuckDBPyConnection, marts: list[PublishedMart], marts_dir: Path, home_area: str
) -> Protection | None:
    outcomes = [m for m in marts if m.disclosure == "outcome_measures"]
    if not outcomes:
        return None
    if [m.name for m in outcomes] != [OUTCOMES_MART]:
        raise PublicationRefused(
            f"only {OUTCOMES_MART} can be published as outcome measures, not "
            + ", ".join(m.name for m in outcomes)
        )
    areas = next((m for m in marts if m.name == AREAS_MART), None)
    if areas is None:
        raise PublicationRefused(f"{OUTCOMES_MART} cannot be published without {AREAS_MART}")
    # the publication this one replaces: what it published is published again as it was
    previous = marts_dir / f"{OUTCOMES_MART}.parquet"
    return protect(
        con,
        "warehouse",
        outcomes[0],
        f"warehouse.{areas.relation}",
        previous if previous.is_file() else None,
        home_area=home_area,
    )


def _write_parquet(con: duckdb.DuckDBPyConnection, name: str, folder: Path) -> int:
    """Copy a published table to <folder>/<name>.parquet; its row count."""
    con.execute(
        f"COPY published.main.{name} TO {sql_literal(str(folder / (name + '.parquet')))} "
        "(FORMAT parquet, COMPRESSION zstd)"
    )
    return con.execute(f"SELECT count(*) FROM published.main.{name}").fetchone()[0]


def publish(
    warehouse: Path,
    marts_dir: Path,
    marts: list[PublishedMart],
    report: Callable[[list[str]], str] | None = None,
    *,
    home_area: str,
    run_id: str | None = None,
    extras: Callable[[Path, "Publication"], None] | None = None,
) -> Publication:
    """Write every mart through disclosure control to Parquet and a BI DuckDB file, check the
    shareable copy, add the report and `extras` (files written into the new publication's
    folder: the docs page, the pack, the run record), then publish the whole folder with one
    rename (`folders.switch`). Readers of marts_dir see the whole previous publication until
    then, the whole new one after. `report` renders the data-quality report, given the
    publication check's findings. With fct_outcomes, dim_metric and dim_comparator published,
    the neighbour comparison is made from them (the published numbers only). `home_area`: the
    partnership's own area (the suppression keeps its cells shown where it has a choice)."""
    folders.clean(marts_dir)  # what a stopped publication left
    stage = folders.new_stage(marts_dir, run_id or uuid.uuid4().hex)
    try:
        bi_file = stage / config.PUBLISHED_DUCKDB_NAME
        con = duckdb.connect()
        try:
            con.execute(
                f"ATTACH {sql_literal(str(bi_file))} AS published "
                f"(STORAGE_VERSION '{PUBLISHED_STORAGE_VERSION}')"
            )
            con.execute(f"ATTACH {sql_literal(str(warehouse))} AS warehouse (READ_ONLY)")
            # what to hide, decided and audited before anything is written
            protection = _protect_outcomes(con, marts, marts_dir, home_area)
            tables = {}
            for mart in marts:
                con.execute(
                    f"CREATE TABLE published.main.{mart.name} AS {select_for(mart, 'warehouse')}"
                )
                tables[mart.name] = _write_parquet(con, mart.name, stage)
            names = {mart.name for mart in marts}
            if {OUTCOMES_MART, "dim_metric", neighbours.COMPARATORS_MART} <= names:
                neighbours.create_table(con, "published")
                tables[neighbours.TABLE] = _write_parquet(con, neighbours.TABLE, stage)
            published_at = datetime.now(UTC).replace(microsecond=0).isoformat()
            con.execute(
                "CREATE TABLE published.main.publication AS SELECT ? AS published_at, ? AS tables",
                [published_at, json.dumps(tables)],
            )
            con.execute("CHECKPOINT published")
            findings = check_shareable_copy(con, [m.name for m in marts])
            if protection is not None:
                findings = protection.describe() + findings
        finally:
            con.close()
        if report is not None:
            (stage / REPORT_NAME).write_text(report(findings), encoding="utf-8")
        publication = Publication(marts_dir, [], tables, protection)
        if extras is not None:
            extras(stage, publication)
        for path in sorted(stage.rglob("*")):
            config.make_shareable(path)  # readable by all, files read-only
        published = folders.switch(marts_dir, stage)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    # publications beyond the last few; all but this one where the one it replaced gave cells
    # away (it is withdrawn: its folder must not stay readable beside this one)
    withdrawn = protection is not None and protection.earlier_cells_given_away > 0
    folders.clean(marts_dir, keep=1 if withdrawn else folders.KEEP)
    files = sorted(marts_dir / path.name for path in published.iterdir())
    return dataclasses.replace(publication, files=files)
