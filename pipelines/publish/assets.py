"""The publication's Dagster objects: the shareable marts, the dbt docs page beside them, and
the folder they go to."""

import glob
import hashlib
import os
import shutil
import time
from pathlib import Path

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource

from pipelines import config, contract
from pipelines import warehouse as warehouse_module
from pipelines.checks import report as quality_report
from pipelines.disclosure.shareable import published_marts
from pipelines.extracts.home_pack import write_home_area_pack
from pipelines.ingest.assets import RawFolder
from pipelines.ops import run_record
from pipelines.ops.lock import Warehouse
from pipelines.publish import docs, neighbours
from pipelines.publish.files import Publication, publish
from pipelines.transform.project import (
    dbt_project,
    project_fingerprint,
    release_dbt_adapters,
    warehouse_target_path,
)


class MartsFolder(dg.ConfigurableResource):
    """Where the shareable publication goes (Parquet + read-only DuckDB for BI tools)."""

    path: str


class Partnership(dg.ConfigurableResource):
    """The partnership the warehouse serves: its own area's headline values show in the UI,
    its pack is made with every refresh, and the suppression keeps its cells shown where it
    has a choice."""

    home_area: str = config.DEFAULT_HOME_AREA


PUBLISHED_MARTS_KEY = dg.AssetKey(["published", "marts"])


def build_published_marts_asset(mart_keys: list[dg.AssetKey]) -> dg.AssetsDefinition:
    """The publication, after every mart (and so every blocking check on them)."""
    return dg.asset(
        key=PUBLISHED_MARTS_KEY,
        group_name="publication",
        deps=mart_keys,
        kinds={"parquet", "duckdb"},
        description="The marts after disclosure control (small numbers suppressed, and enough "
        "other cells that none can be worked out by subtraction, proven by an audit that attacks "
        "the copy before it is written), as one Parquet file per mart and a read-only DuckDB file "
        "for BI tools, with the data-quality report, the dbt documentation page, the home area's "
        "outcome pack and the run record: published whole, by one rename, or not at all. Runs "
        "only when every upstream asset and blocking check succeeded.",
    )(publish_marts)


def publish_marts(
    context: dg.AssetExecutionContext,
    warehouse: Warehouse,
    marts_folder: MartsFolder,
    raw_folder: RawFolder,
    partnership: Partnership,
    dbt: DbtCliResource,
) -> dg.MaterializeResult:
    marts = published_marts(dbt_project().manifest_path)
    warehouse_path = warehouse.path
    unread = contract.unread_entries(Path(raw_folder.path))
    marts_dir = Path(marts_folder.path)
    run_id = context.run.run_id
    # every check of this run has been evaluated by now (the publication depends on them all)
    checks = quality_report.checks_of_run(context.instance, run_id)

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
        return quality_report.render(
            shown_checks, quarantined, "published", notes=findings, unread=unread
        )

    data_quality: list[str] = []
    pack: dict[str, object] = {}

    def extras(stage: Path, publication: Publication) -> None:
        """What is published with the marts, written into the new publication's folder."""
        shutil.copyfile(
            docs_page(dbt, warehouse, stage / config.PUBLISHED_DUCKDB_NAME), stage / DOCS_NAME
        )
        pack.update(write_home_area_pack(stage, partnership.home_area))
        data_quality.extend(
            quality_report.summary(
                warehouse_path,
                shown_checks,
                marts_dir / quality_report.REPORT_NAME,
                published=stage / config.PUBLISHED_DUCKDB_NAME,
                unread=unread,
                raw_dir=Path(raw_folder.path),
            )
        )
        # the records of the refreshes before, and this one's
        previous = marts_dir / run_record.RUN_RECORD_NAME
        if previous.is_file():
            shutil.copyfile(previous, stage / run_record.RUN_RECORD_NAME)
        stats = context.instance.get_run_stats(run_id)
        run_record.write_run_record(
            stage,
            run_record.run_record(
                run_id,
                "published",
                stats.start_time,
                time.time(),
                raw_dir=Path(raw_folder.path),
                warehouse_path=warehouse_path,
                marts_dir=marts_dir,
                checks={
                    "passed": sum(c.passed for c in checks),
                    "failed_warnings": sum(not c.passed for c in checks),
                },
                published=dict(publication.tables),
                disclosure=publication.disclosure,
                data_quality=data_quality,
            ),
        )

    publication = publish(
        warehouse_path,
        marts_dir,
        marts,
        report,
        home_area=partnership.home_area,
        run_id=run_id,
        extras=extras,
    )
    for path in publication.files:
        context.log.info(f"published {path}")
    if "skipped" in pack:
        context.log.warning(str(pack["skipped"]))
    if publication.protection is not None:
        for line in publication.protection.warnings():
            context.log.warning(line)
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
            **{f"home_area_pack/{key}": str(value) for key, value in pack.items()},
            **headline_values(publication.marts_dir, partnership.home_area),
        }
    )


def headline_values(marts_dir: Path, area_code: str) -> dict[str, object]:
    """The latest final value of each strategy metric for the partnership's own area, as
    shown in the UI beside the publication."""
    con = duckdb.connect(str(marts_dir / config.PUBLISHED_DUCKDB_NAME), read_only=True)
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


def docs_pages() -> Path:
    """The docs pages made so far, one per version of the dbt project and warehouse name."""
    project = dbt_project()
    return Path(project.project_dir) / project.target_path / "docs"


def _docs_fingerprint() -> str:
    """What the page depends on: the dbt project, and the Python-made tables' definitions."""
    digest = hashlib.sha256(project_fingerprint().encode())
    for path in docs.python_made_sources():
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _column_types(published: Path, table: str) -> dict[str, str]:
    """The column types of a table of the published DuckDB file (none if it is not there)."""
    rows = warehouse_module.query(
        published,
        "SELECT column_name, lower(data_type) FROM information_schema.columns "
        "WHERE table_name = ? ORDER BY ordinal_position",
        [table],
    )
    return dict(rows)


def docs_page(dbt: DbtCliResource, warehouse: Warehouse, published: Path) -> Path:
    """The dbt documentation (every model, column, test and lineage; `dbt docs generate`) as
    one HTML page, with the tables the publication makes in Python (`publish.docs`): the BI
    interface's reference. Without compiling or a catalog the page is a function of the dbt
    project, of those tables' definitions and of the warehouse's DuckDB database name (the
    file's stem, which the page shows) alone: made once per version of them and name, then
    reused by every refresh of every warehouse. `published`: the publication's DuckDB file, for
    the types of the Python-made tables' columns."""
    warehouse_path = warehouse.path
    pages = docs_pages()
    database = warehouse_path.stem
    page = pages / f"{database}-{_docs_fingerprint()[:16]}.html"
    if page.exists():
        return page
    folder = warehouse_target_path(warehouse_path)
    with config.dbt_environment(warehouse_path, warehouse.dbt_memory_limit):
        invocation = dbt.cli(
            # the models were just built: no need to compile them again; column types come
            # from the model contracts, so the warehouse need not be queried for a catalog.
            # The one-file page is written here (`publish.docs`), with the Python-made tables.
            ["docs", "generate", "--no-compile", "--empty-catalog"],
            raise_on_error=True,
            target_path=folder,
        )
    try:
        invocation.wait()
    finally:
        release_dbt_adapters()
    html = docs.static_page(folder, _column_types(published, neighbours.TABLE))
    pages.mkdir(parents=True, exist_ok=True)
    for older in pages.glob(f"{glob.escape(database)}-{'[0-9a-f]' * 16}.html"):
        older.unlink(missing_ok=True)  # made for an earlier version of the project
    written = page.with_name(f".{page.name}.{os.getpid()}.tmp")
    written.write_text(html, encoding="utf-8")
    os.replace(written, page)  # whole, for a refresh of another warehouse reading it
    return page


def build_publish_definitions(mart_keys: list[dg.AssetKey]) -> dg.Definitions:
    return dg.Definitions(assets=[build_published_marts_asset(mart_keys)])
