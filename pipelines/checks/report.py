"""The data-quality report of a refresh: every check with its outcome, the quarantine summary
and the policy that decided each action; Markdown an analyst can read without Dagster."""

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg

from pipelines import contract, warehouse
from pipelines.ingest import policy
from pipelines.warehouse import QUARANTINE_TABLE, raw_table

REPORT_NAME = "data_quality_report.md"


@dataclass(frozen=True)
class CheckLine:
    asset: str
    check: str
    passed: bool
    severity: str
    detail: str
    failed_rows: int | None


def checks_of_run(instance: dg.DagsterInstance, run_id: str) -> list[CheckLine]:
    records = instance.get_records_for_run(
        run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ).records
    lines = []
    for record in records:
        evaluation = record.event_log_entry.dagster_event.event_specific_data
        metadata = evaluation.metadata or {}
        failed = metadata.get("failed_rows") or metadata.get("dagster_dbt/failed_row_count")
        lines.append(
            CheckLine(
                evaluation.asset_key.to_user_string(),
                evaluation.check_name,
                evaluation.passed,
                evaluation.severity.value,
                (evaluation.description or "").replace("\n", " ").replace("|", "/")[:400],
                int(failed.value) if failed is not None else None,
            )
        )
    return sorted(lines, key=lambda c: (c.passed, c.asset, c.check))


def quarantine_summary(warehouse_path: Path) -> list[tuple]:
    """(file, rule, rows, example source rows) from the warehouse's quarantine table (none when
    there is no table yet: nothing was quarantined)."""
    return warehouse.query(
        warehouse_path,
        f"""
        SELECT file_name, rule_id, count(*) AS rows,
               string_agg(source_row_number::varchar, ', ' ORDER BY source_row_number)
                   FILTER (WHERE source_row_number IS NOT NULL) AS examples
        FROM {QUARANTINE_TABLE} GROUP BY 1, 2 ORDER BY 1, 2
        """,
    )


def render(
    checks: list[CheckLine],
    quarantined: list[tuple],
    outcome: str,
    failures: list[str] = (),
    notes: list[str] = (),
    unread: list[str] = (),
) -> str:
    stamp = datetime.now(UTC).replace(microsecond=0).isoformat()
    failed = [c for c in checks if not c.passed]
    lines = [
        "# Data-quality report",
        "",
        f"Refresh outcome: **{outcome}** ({stamp}). "
        + (
            f"{len(checks)} checks ran, {len(failed)} failed "
            f"({sum(c.severity == 'ERROR' for c in failed)} blocking)."
            if checks
            else "The refresh stopped before any check ran (the reason is below)."
        ),
        "",
    ]
    if failures:
        lines += ["## Why the refresh stopped", "", *(f"- {f}" for f in failures), ""]
    if notes:
        lines += ["## Publication", "", *(f"- {n}" for n in notes), ""]
    lines += [
        "## Checks",
        "",
        "| outcome | severity | asset | check | failed rows | detail |",
        "|---|---|---|---|---|---|",
    ]
    for c in checks:
        mark = "pass" if c.passed else "FAIL"
        rows = "" if c.failed_rows is None else str(c.failed_rows)
        lines.append(f"| {mark} | {c.severity} | {c.asset} | {c.check} | {rows} | {c.detail} |")
    lines += ["", "## Files in the raw folder that were not read", ""]
    lines += [f"- {entry}" for entry in unread] or ["Every file in the raw folder was read."]
    lines += ["", "## Quarantine", ""]
    if quarantined:
        lines += [
            "Rows set aside and left out of every metric (source rows are data rows of "
            "the file; line = row + 1):",
            "",
            "| file | rule | rows | source rows |",
            "|---|---|---|---|",
        ]
        for file_name, rule_id, rows, examples in quarantined:
            shown = ", ".join((examples or "").split(", ")[:5])
            lines.append(f"| {file_name} | {rule_id} | {rows} | {shown} |")
    else:
        lines.append("No rows were quarantined.")
    lines += [
        "",
        "## Policy",
        "",
        "| rule | record-level files | reference files | checked by |",
        "|---|---|---|---|",
    ]
    for rule in policy.POLICY:
        lines.append(
            f"| {rule.kind}: {rule.description} | {rule.record_level} | "
            f"{rule.reference} | {rule.checked_by} |"
        )
    return "\n".join(lines) + "\n"


def _not_produced(database: Path, relation: str) -> list[tuple[str, str, int]]:
    """(metric, why, rows): rows of `relation` in `database` without a value, by the note that
    says why."""
    return warehouse.query(
        database,
        f"""
        SELECT metric_id, value_note, count(*) FROM {relation}
        WHERE value IS NULL AND value_note IS NOT NULL
        GROUP BY ALL ORDER BY metric_id, value_note
        """,
    )


def _without_optional_sources(warehouse_path: Path) -> list[str]:
    """One sentence per optional file that metrics are built from and that gave no rows (absent,
    or empty): the metrics not produced. A file needed only with a folder (the LSOA lookup,
    with police/) is said with its folder (crime_lines)."""
    lines = []
    for raw_file in contract.RAW_FILES:
        metrics = contract.metrics_needing(raw_file)
        if raw_file.required or raw_file.required_with is not None or not metrics:
            continue
        rows = warehouse.query(warehouse_path, f"SELECT count(*) FROM {raw_table(raw_file.name)}")
        if rows and rows[0][0] == 0:
            lines.append(
                f"{raw_file.filename} is absent or has no rows (it is optional): "
                f"{', '.join(metrics)} not produced."
            )
    return lines


def _incomplete_populations(warehouse_path: Path) -> list[tuple[str, int, str | None]]:
    return warehouse.query(
        warehouse_path,
        "SELECT area_code, mid_year, incomplete_members FROM "
        f"{warehouse.POPULATION_COMPLETENESS} WHERE NOT is_complete ORDER BY ALL",
    )


CRIME_METRICS = (
    "drug_offences",
    "drug_offences_rate",
    "neighbourhood_crime",
    "neighbourhood_crime_rate",
)
_SHOWN = 5  # areas, forces or types named in one line; the rest counted


def _listed(items: list[str]) -> str:
    more = f" and {len(items) - _SHOWN} more" if len(items) > _SHOWN else ""
    return ", ".join(items[:_SHOWN]) + more


def _month(value) -> str:
    return f"{value:%Y-%m}"


def crime_lines(warehouse_path: Path, raw_dir: Path | None) -> list[str]:
    """What the refresh says of police/: the crime metrics not produced without it; the
    windows of an area not produced, with the months missing (a force's street file); the
    rows counted in no area, and why; the crime types nobody knows."""
    if raw_dir is not None and not contract.is_present(Path(raw_dir), contract.POLICE_DIR):
        return [
            f"Crime not produced ({', '.join(CRIME_METRICS)}): no {contract.POLICE_DIR}/ "
            "folder in the raw folder, or an empty one (optional: police.uk street-level crime, "
            "see the README's Inputs)."
        ]
    lines = []
    runs: dict[tuple[str, str], list[str]] = {}
    uncovered = []
    for code, name, issue, force, first, last in warehouse.query(
        warehouse_path,
        f"SELECT area_code, area_name, issue, force, first_missing_month, last_missing_month "
        f"FROM {warehouse.CRIME_COVERAGE} ORDER BY area_code, force, first_missing_month",
    ):
        area = f"{name or code} ({code})"
        if issue == "no_police_rows":
            uncovered.append(area)
            continue
        months = _month(first) if first == last else f"{_month(first)} to {_month(last)}"
        runs.setdefault((area, force), []).append(months)
    for (area, force), months in runs.items():
        lines.append(
            f"Crime not produced for {area} (and its partnerships) in the 12-month windows "
            f"holding a month without {force}'s street file in {contract.POLICE_DIR}/: "
            f"{_listed(months)}."
        )
    if uncovered:
        lines.append(
            f"No crime figures for {_listed(uncovered)}: no row of {contract.POLICE_DIR}/ falls "
            "there (no force of the folder covers it)."
        )
    unplaced: dict[str, list[tuple[str, int]]] = {}
    for issue, detail, rows in warehouse.query(
        warehouse_path,
        f"SELECT issue, detail, row_count FROM {warehouse.CRIME_UNPLACED} "
        "ORDER BY issue, row_count DESC, "
        "detail",
    ):
        unplaced.setdefault(issue, []).append((detail, rows))

    def counted(issue: str) -> tuple[int, str]:
        found = unplaced.get(issue, [])
        return sum(r for _, r in found), _listed([f"{d} {r:,}" for d, r in found])

    total, by = counted("no_lsoa_code")
    if total:
        lines.append(
            f"{total:,} rows of {contract.POLICE_DIR}/ have no LSOA code and are in no area "
            f"(by force: {by})."
        )
    total, by = counted("lsoa_not_in_lookup")
    if total:
        lines.append(
            f"{total:,} rows of {contract.POLICE_DIR}/ have an LSOA that "
            f"{contract.LSOA_LOOKUP.filename} lacks and are in no area (by force: {by}); add "
            "their LSOAs to the lookup (police.uk may give LSOA 2011 codes)."
        )
    total, by = counted("unknown_crime_type")
    if total:
        lines.append(
            f"Crime types the project does not know, kept and counted in no metric: {by} rows."
        )
    total, by = counted("outside_the_areas_reported")
    if total:
        lines.append(
            f"{total:,} rows of {contract.POLICE_DIR}/ fall in areas the raw folder has no other "
            f"data for (no crime figures are made there): {by}."
        )
    total, by = counted("lookup_area_not_an_authority")
    if total:
        lines.append(
            f"{total:,} LSOAs of {contract.LSOA_LOOKUP.filename} are given an area that is no "
            f"upper-tier authority ({by}): use ONS's LSOA to upper-tier authority lookup."
        )
    return lines


def summary(
    warehouse_path: Path,
    checks: list[CheckLine],
    report_path: Path | None = None,
    published: Path | None = None,
    unread: list[str] = (),
    raw_dir: Path | None = None,
) -> list[str]:
    """The short data-quality summary printed at the end of every refresh, shown in the UI and
    kept in the run record: what was set aside, the warnings, and what was not produced (and,
    with `raw_dir`, what of police.uk's crime was not). With
    `published` (the BI DuckDB file of the publication: the run record is shareable), what was
    not produced is counted there, where a hidden row's note is hidden too: a count over the
    warehouse would say how many hidden rows have, say, fewer than 10 deaths."""
    lines = []
    quarantined = quarantine_summary(warehouse_path)
    if quarantined:
        total = sum(rows for _, _, rows, _ in quarantined)
        lines.append(
            f"{total:,} rows were set aside (quarantined) and are left out of every metric:"
        )
        lines += [f"  {rows:,} from {file}: {rule}" for file, rule, rows, _ in quarantined]
    else:
        lines.append("No rows were set aside (quarantined).")
    lines += [f"Not read: {entry}" for entry in unread]
    warnings = [c for c in checks if not c.passed and c.severity != "ERROR"]
    for check in warnings:
        lines.append(
            f"Warning (does not stop the refresh): {check.check} on {check.asset}"
            + (f": {check.detail}" if check.detail else "")
        )
    incomplete = _incomplete_populations(warehouse_path)
    if incomplete:
        shown = ", ".join(
            f"{area} {year}" + (f" (missing in {members})" if members else "")
            for area, year, members in incomplete[:10]
        )
        more = f" and {len(incomplete) - 10} more" if len(incomplete) > 10 else ""
        lines.append(
            "No rate was calculated on these incomplete populations (an age band, sex or "
            f"member authority missing): {shown}{more}."
        )
    not_produced = (
        _not_produced(published, "main.fct_outcomes")
        if published is not None
        else _not_produced(warehouse_path, warehouse.OUTCOMES)
    )
    for metric, why, rows in not_produced:
        lines.append(f"Not produced: {metric}, {rows:,} rows: {why}")
    lines += _without_optional_sources(warehouse_path)
    lines += crime_lines(warehouse_path, raw_dir)
    if report_path is not None:
        lines.append(f"Details: {report_path}")
    return lines
