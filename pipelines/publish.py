"""The shareable tier: writing the disclosure-controlled marts, atomically.

Only this module writes the marts folder; what is hidden, and the audit that proves nothing
hidden can be worked out, live in `pipelines.disclosure`. Files are built under temporary names
and moved into place with os.replace, so a reader sees either the previous publication or the
new one, never a half-written file, and a refresh that fails before this step (the audit
included) leaves the previous publication exactly as it was.
"""

import glob
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from pipelines import neighbours, operations, settings
from pipelines import report as quality_report
from pipelines.disclosure.shareable import (
    OUTCOMES_MART,
    Protection,
    PublicationRefused,
    PublishedMart,
    protect,
    published_marts,
    select_for,
)
from pipelines.report import REPORT_NAME
from pipelines.transform import (
    DbtCliResource,
    dbt_project,
    mart_asset_keys,
    project_fingerprint,
    warehouse_target_path,
)

# Older BI drivers (DuckDB 1.5) cannot open files in DuckDB 2.0's format.
PUBLISHED_STORAGE_VERSION = "v1.5.0"
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
    con: duckdb.DuckDBPyConnection, marts: list[PublishedMart], marts_dir: Path
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
    )


def _write_parquet(con: duckdb.DuckDBPyConnection, name: str, folder: Path) -> int:
    """Copy a published table to <folder>/<name>.parquet; its row count."""
    con.execute(
        f"COPY published.main.{name} TO '{folder / (name + '.parquet')}' "
        "(FORMAT parquet, COMPRESSION zstd)"
    )
    return con.execute(f"SELECT count(*) FROM published.main.{name}").fetchone()[0]


def publish(
    warehouse: Path,
    marts_dir: Path,
    marts: list[PublishedMart],
    report: Callable[[list[str]], str] | None = None,
) -> Publication:
    """Write every mart through disclosure control to Parquet and a BI DuckDB file, check the
    shareable copy, then move them into marts_dir. Nothing in marts_dir changes until every
    file is complete and checked. `report` renders the data-quality report, given the
    publication check's findings; it is published with the marts. With fct_outcomes,
    dim_metric and dim_comparator published, the neighbour comparison is made from them (the
    published numbers only)."""
    settings.open_folder(marts_dir)
    staging = marts_dir / f".publishing-{uuid.uuid4().hex}"
    staging.mkdir()
    try:
        bi_file = staging / settings.PUBLISHED_DUCKDB_NAME
        con = duckdb.connect()
        try:
            con.execute(
                f"ATTACH '{bi_file}' AS published (STORAGE_VERSION '{PUBLISHED_STORAGE_VERSION}')"
            )
            con.execute(f"ATTACH '{warehouse}' AS warehouse (READ_ONLY)")
            # what to hide, decided and audited before anything is written
            protection = _protect_outcomes(con, marts, marts_dir)
            tables = {}
            for mart in marts:
                con.execute(
                    f"CREATE TABLE published.main.{mart.name} AS {select_for(mart, 'warehouse')}"
                )
                tables[mart.name] = _write_parquet(con, mart.name, staging)
            names = {mart.name for mart in marts}
            if {OUTCOMES_MART, "dim_metric", neighbours.COMPARATORS_MART} <= names:
                neighbours.create_table(con, "published")
                tables[neighbours.TABLE] = _write_parquet(con, neighbours.TABLE, staging)
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
            (staging / REPORT_NAME).write_text(report(findings), encoding="utf-8")
        # Parquet first, the BI DuckDB file last: it also holds the publication record.
        files = sorted(staging.iterdir(), key=lambda p: (p.suffix == ".duckdb", p.name))
        for path in files:
            settings.make_shareable(path)  # readable by all, read-only
        published = []
        for path in files:  # each rename is atomic
            target = marts_dir / path.name
            os.replace(path, target)
            published.append(target)
        return Publication(marts_dir, published, tables, protection)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


class MartsFolder(dg.ConfigurableResource):
    """Where the shareable publication goes (Parquet + read-only DuckDB for BI tools)."""

    path: str


PUBLISHED_MARTS_KEY = dg.AssetKey(["published", "marts"])


@dg.asset(
    key=PUBLISHED_MARTS_KEY,
    group_name="publication",
    deps=mart_asset_keys(),
    kinds={"parquet", "duckdb"},
    description="The marts after disclosure control (small numbers suppressed, and enough "
    "other cells that none can be worked out by subtraction, proven by an audit that attacks "
    "the copy before it is written), as one Parquet file per mart and a read-only DuckDB file "
    "for BI tools, replaced atomically. Runs only when every upstream asset and blocking check "
    "succeeded.",
)
def published_marts_asset(
    context: dg.AssetExecutionContext, warehouse: DuckDBResource, marts_folder: MartsFolder
) -> dg.MaterializeResult:
    marts = published_marts(dbt_project.manifest_path)
    warehouse_path = Path(warehouse.database)
    # every check of this run has been evaluated by now (the publication depends on them all)
    checks = quality_report.checks_of_run(context.instance, context.run_id)

    # A warning on a disclosure-controlled mart is evaluated on the restricted numbers: its
    # outcome (and its count of failing rows) could say something about a hidden cell, so the
    # shareable report leaves it to the run in Dagster (restricted)
    controlled = {f"marts/{m.name}" for m in marts if m.disclosure != "reference"}
    withheld = [c for c in checks if c.severity == "WARN" and c.asset in controlled]
    shown_checks = [c for c in checks if c not in withheld]

    def report(findings: list[str]) -> str:
        quarantined = quality_report.quarantine_summary(warehouse_path)
        if withheld:
            findings = [
                *findings,
                f"{len(withheld)} warning checks on disclosure-controlled marts are not in this "
                "report (their outcome is worked out on numbers the publication hides): see "
                "the run in Dagster",
            ]
        return quality_report.render(shown_checks, quarantined, "published", notes=findings)

    publication = publish(warehouse_path, Path(marts_folder.path), marts, report)
    for path in publication.files:
        context.log.info(f"published {path}")
    data_quality = quality_report.summary(
        warehouse_path,
        shown_checks,
        Path(marts_folder.path) / quality_report.REPORT_NAME,
        published=Path(marts_folder.path) / settings.PUBLISHED_DUCKDB_NAME,
    )
    stats = context.instance.get_run_stats(context.run_id)
    operations.write_run_record(
        Path(marts_folder.path),
        operations.run_record(
            context.run_id,
            "published",
            stats.start_time,
            time.time(),
            checks={
                "passed": sum(c.passed for c in checks),
                "failed_warnings": sum(not c.passed for c in checks),
            },
            published={name: rows for name, rows in publication.tables.items()},
            disclosure=publication.disclosure,
            data_quality=data_quality,
        ),
    )
    if publication.protection is not None:
        for line in publication.protection.describe():
            context.log.info(line)
        # the run's log is restricted (Dagster's storage is owner-only): the split of the hidden
        # cells, and how many published rows the warehouse has changed since they were published
        context.log.info(
            f"disclosure control (restricted): {publication.protection.restricted_figures()}"
        )
    return dg.MaterializeResult(
        metadata={
            "marts_dir": dg.MetadataValue.path(str(publication.marts_dir)),
            "data_quality": dg.MetadataValue.md("\n".join(f"- {line}" for line in data_quality)),
            "files": [p.name for p in publication.files],
            **{f"rows/{name}": rows for name, rows in publication.tables.items()},
            **{
                f"disclosure/{name}": value
                for name, value in publication.disclosure.items()
                if value is not None
            },
            **headline_values(publication.marts_dir, settings.home_area()),
        }
    )


def headline_values(marts_dir: Path, area_code: str) -> dict[str, object]:
    """The latest final value of each strategy metric for the partnership's own area, as
    shown in the UI beside the publication."""
    con = duckdb.connect(str(marts_dir / settings.PUBLISHED_DUCKDB_NAME), read_only=True)
    try:
        rows = con.execute(
            "SELECT DISTINCT metric_id, period_end_date::varchar, value, unit "
            "FROM fct_strategy_scorecard WHERE area_code = ? AND is_latest_final "
            "ORDER BY metric_id",
            [area_code],
        ).fetchall()
    except duckdb.Error:
        return {}
    finally:
        con.close()
    return {
        f"latest/{area_code}/{metric}": (
            f"{value:,.1f} ({unit}, period to {period})" if value is not None else "suppressed"
        )
        for metric, period, value, unit in rows
    }


DOCS_NAME = "dbt_docs.html"


# The docs pages made so far, one per version of the dbt project and warehouse name.
DOCS_PAGES = Path(dbt_project.project_dir) / dbt_project.target_path / "docs"


@dg.asset(
    key=dg.AssetKey(["published", "dbt_docs"]),
    group_name="publication",
    deps=[PUBLISHED_MARTS_KEY],
    kinds={"dbt", "html"},
    description="The dbt documentation (every model, column, test and lineage; `dbt docs "
    "generate --static`) as one HTML file next to the marts: the BI interface's reference.",
)
def dbt_docs_asset(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    marts_folder: MartsFolder,
    warehouse: DuckDBResource,  # holds the single-writer lock while dbt reads the catalog
) -> dg.MaterializeResult:
    warehouse_path = settings.current().warehouse
    # Without compiling or a catalog the page is a function of the dbt project and of the
    # warehouse's DuckDB database name (the file's stem, which the page shows) alone: made once
    # per version of the project and name, then reused by every refresh of every warehouse.
    database = warehouse_path.stem
    page = DOCS_PAGES / f"{database}-{project_fingerprint()[:16]}.html"
    is_reused = page.exists()
    if not is_reused:
        folder = warehouse_target_path(warehouse_path)
        dbt.cli(
            # the models were just built: no need to compile them again; column types come from
            # the model contracts, so the warehouse need not be queried for a catalog either
            ["docs", "generate", "--static", "--no-compile", "--empty-catalog"],
            raise_on_error=True,
            target_path=folder,
        ).wait()
        DOCS_PAGES.mkdir(parents=True, exist_ok=True)
        for older in DOCS_PAGES.glob(f"{glob.escape(database)}-{'[0-9a-f]' * 16}.html"):
            older.unlink(missing_ok=True)  # made for an earlier version of the project
        written = page.with_name(f".{page.name}.{os.getpid()}.tmp")
        shutil.copyfile(folder / "static_index.html", written)
        os.replace(written, page)  # whole, for a refresh of another warehouse reading it
    target = Path(marts_folder.path) / DOCS_NAME
    temporary = target.with_name(f".{DOCS_NAME}.tmp")
    shutil.copyfile(page, temporary)
    settings.make_shareable(temporary)
    os.replace(temporary, target)
    return dg.MaterializeResult(
        metadata={"path": dg.MetadataValue.path(str(target)), "is_reused": is_reused}
    )
