"""The one door into the warehouse: every table Python writes or reads there, by name.

Python writes the raw tables (ingest), the quarantine and the seeds' record; dbt builds
everything else. Python reads dbt's marts only (and the seeds, which are lookups), never a
staging or intermediate model: when the pipeline needs something dbt works out on the way, a
restricted mart exposes it (`dbt_project/models/marts/restricted/`, built and tested like the
others, never published). The SQL quoting helpers live here too, so that every statement a
module composes quotes names and values the same way.
"""

from pathlib import Path

import duckdb

# -- written by Python ----------------------------------------------------------------------------
RAW_SCHEMA = "raw"  # one table per raw file of the contract (dbt's sources)
QUARANTINE_SCHEMA = "quarantine"
QUARANTINE_TABLE = f"{QUARANTINE_SCHEMA}.rows"  # the rows set aside, with file, row and rule
SEEDS_RECORD = "meta.loaded_seeds"  # the fingerprint of the seeds last loaded and tested

# -- built by dbt ---------------------------------------------------------------------------------
MARTS_SCHEMA = "marts"
METRIC_CATALOGUE = "reference.metric_catalogue"  # a seed: the metric catalogue
OUTCOMES = f"{MARTS_SCHEMA}.fct_outcomes"
AREAS = f"{MARTS_SCHEMA}.dim_area"  # every area's name (the names of a failing test's rows)
# restricted marts, for the pipeline's own use
SOURCE_COVERAGE = f"{MARTS_SCHEMA}.fct_source_coverage"  # each source's as-of date
POPULATION_COMPLETENESS = f"{MARTS_SCHEMA}.fct_population_completeness"
SUBSTANCE_BREAKDOWNS = f"{MARTS_SCHEMA}.dim_substance_breakdown"  # how breakdowns add up
REPORTING_AREA_MEMBERS = f"{MARTS_SCHEMA}.dim_reporting_area_member"  # areas' authorities
# why an authority lacks crime windows, and what of police/ is in no area (data-quality summary)
CRIME_COVERAGE = f"{MARTS_SCHEMA}.fct_crime_coverage"
CRIME_UNPLACED = f"{MARTS_SCHEMA}.fct_crime_unplaced"


def raw_table(name: str) -> str:
    """The raw table of a contract file (by its name without .csv), quoted."""
    return f"{RAW_SCHEMA}.{quote_identifier(name)}"


def mart_table(name: str) -> str:
    """A mart by its model name, quoted."""
    return f"{MARTS_SCHEMA}.{quote_identifier(name)}"


def quote_identifier(identifier: str) -> str:
    """A name in SQL, whatever characters it holds."""
    return '"' + identifier.replace('"', '""') + '"'


def sql_literal(value: str) -> str:
    """A text value in SQL, whatever characters it holds."""
    return "'" + value.replace("'", "''") + "'"


def query(database: Path, sql: str, parameters: list | None = None) -> list[tuple]:
    """Rows of a read-only query; none when the database or the relation is not there (a
    refresh that stopped early says why in its own words)."""
    try:
        con = duckdb.connect(str(database), read_only=True)
    except duckdb.Error:
        return []
    try:
        return con.execute(sql, parameters or []).fetchall()
    except duckdb.Error:
        return []
    finally:
        con.close()
