"""The raw-data contract as data: the files, their columns, types and code lists.

Ingest, the data checks and the sample generator all read this module; nothing restates it.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.config import DBT_PROJECT_DIR, DEFAULT_HOME_AREA

# Column names that look like a direct identifier: a file carrying one is refused whole.
FORBIDDEN_IDENTIFIER_COLUMNS = frozenset(
    {"name", "forename", "surname", "dob", "date_of_birth", "postcode", "nhs_number", "address"}
)

AREA_CODE_PATTERN = r"^E(?:0[6-9]|10)[0-9]{6}$"
ENGLAND_CODE = "E92000001"
# the sample's calibrated area is the first partnership's own (Leicester)
LEICESTER_CODE = DEFAULT_HOME_AREA


def content_sha256(data: bytes) -> str:
    """What identifies a file's content (the run record and the ingest assets show it)."""
    return hashlib.sha256(data).hexdigest()


def seed_rows(name: str) -> list[dict[str, str]]:
    """Code lists live once, as dbt seeds; the contract reads them from there."""
    path = DBT_PROJECT_DIR / "seeds" / f"{name}.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


SUBSTANCE_CLASSES: dict[str, str] = {
    row["substance_code"]: row["substance_class"] for row in seed_rows("substances")
}

SUBSTANCE_GROUPS = tuple(row["substance_group"] for row in seed_rows("substance_groups"))

DISCHARGE_OUTCOME_CLASSES: dict[str, str] = {
    row["discharge_reason"]: row["outcome_class"] for row in seed_rows("discharge_reasons")
}

# A journey's problem substances on a Treatment Outcomes Profile: each substance code's column
# of days used in the 28 days before the form (several codes can share one column).
TOP_DAYS_COLUMN_OF_SUBSTANCE: dict[str, str] = {
    row["substance_code"]: row["top_days_column"] for row in seed_rows("substances")
}
TOP_DAYS_COLUMNS = (
    "days_alcohol",
    "days_opiates",
    "days_crack",
    "days_cocaine",
    "days_amphetamines",
    "days_cannabis",
    "days_other_drug",
)
TOP_STAGES = ("start", "review", "exit")

SEXES = ("female", "male", "other", "not_stated")
REFERRAL_SOURCES = (
    "self",
    "gp",
    "hospital",
    "prison",
    "probation",
    "police",
    "social_care",
    "other",
)
ESP2013_BANDS = tuple(f"{lo}-{lo + 4}" for lo in range(0, 90, 5)) + ("90+",)
NEED_GROUPS = ("opiate_crack", "alcohol_dependent")
# ONS suppression markers: they mean "not available", never zero.
ONS_SUPPRESSION_MARKERS = (":", "*", "c", "x", "-", "u")
FINGERTIPS_SUPPRESSION_MARKERS = ("", "-", ":", "*", "x")

# contract type -> DuckDB type
DUCKDB_TYPES = {
    "text": "VARCHAR",
    "integer": "BIGINT",
    "decimal": "DOUBLE",
    "date": "DATE",
    "boolean": "BOOLEAN",
}


@dataclass(frozen=True)
class Column:
    name: str  # name in the warehouse (snake_case)
    type: str  # key of DUCKDB_TYPES
    required: bool = True  # the column must be present in the file
    not_null: bool = False
    codes: tuple[str, ...] | None = None  # allowed values
    pattern: str | None = None
    min_value: int | None = None
    max_value: int | None = None
    source_name: str | None = None  # header in the file when it differs from `name`
    null_markers: tuple[str, ...] = ()  # cell values that mean NULL

    @property
    def header(self) -> str:
        return self.source_name or self.name


@dataclass(frozen=True)
class RowRule:
    """A rule across columns of one row: `condition` (DuckDB SQL) must hold."""

    rule_id: str
    description: str
    condition: str
    columns: tuple[str, ...]
    # (a, b) pairs meaning a >= b where both are given: what a GX suite can express of it
    greater_or_equal: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class RelatedRule:
    """A rule a row must meet against other rows: of its own file, or of another file of the
    contract, loaded (with its own rules applied) first. `violations` is a DuckDB query giving
    the source_row_number of every row that breaks it, over `{this}` (this file's raw table)
    and `{<file name>}` (the raw table of each file in `needs`)."""

    rule_id: str
    description: str
    violations: str
    columns: tuple[str, ...]
    needs: tuple[str, ...] = ()  # the other files it reads, by name


@dataclass(frozen=True)
class RawFile:
    name: str  # file stem; also the table name in the `raw` schema
    description: str
    columns: tuple[Column, ...]
    required: bool = True
    unique_key: str | None = None
    record_level: bool = False  # holds pseudonymised person-level rows
    # Real Fingertips downloads end rows early (25 fields under a 26-column header): pad them.
    # Everywhere else a short row means a truncated or broken file, and is an error.
    ragged_rows_allowed: bool = False
    row_rules: tuple[RowRule, ...] = ()
    related_rules: tuple[RelatedRule, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"

    @property
    def needs(self) -> tuple[str, ...]:
        """The other files its related rules read: loaded before it."""
        return tuple(dict.fromkeys(n for rule in self.related_rules for n in rule.needs))

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _substance(name: str, not_null: bool = False) -> Column:
    return Column(name, "text", not_null=not_null, codes=tuple(SUBSTANCE_CLASSES))


def _area(not_null: bool = True) -> Column:
    return Column("area_code", "text", not_null=not_null, pattern=AREA_CODE_PATTERN)


TREATMENT_JOURNEYS = RawFile(
    name="treatment_journeys",
    description="One row per treatment journey (NDTMS-style extract), pseudonymised.",
    record_level=True,
    unique_key="journey_id",
    columns=(
        Column("journey_id", "text", not_null=True),
        Column("client_id", "text", not_null=True),
        _area(),
        Column("age_at_referral", "integer", not_null=True, min_value=0, max_value=120),
        Column("sex", "text", not_null=True, codes=SEXES),
        _substance("substance_1", not_null=True),
        _substance("substance_2"),
        _substance("substance_3"),
        Column("referral_source", "text", not_null=True, codes=REFERRAL_SOURCES),
        Column("referral_date", "date", not_null=True),
        Column("triage_date", "date"),
        Column("treatment_start_date", "date"),
        Column("discharge_date", "date"),
        Column("discharge_reason", "text", codes=tuple(DISCHARGE_OUTCOME_CLASSES)),
    ),
    row_rules=(
        RowRule(
            "triage_on_or_after_referral",
            "triage_date is on or after referral_date",
            "triage_date is null or triage_date >= referral_date",
            ("triage_date", "referral_date"),
        ),
        RowRule(
            "start_on_or_after_referral",
            "treatment_start_date is on or after referral_date",
            "treatment_start_date is null or treatment_start_date >= referral_date",
            ("treatment_start_date", "referral_date"),
            (("treatment_start_date", "referral_date"),),
        ),
        RowRule(
            "discharge_on_or_after_start",
            "discharge_date is on or after treatment_start_date",
            "discharge_date is null or treatment_start_date is null "
            "or discharge_date >= treatment_start_date",
            ("discharge_date", "treatment_start_date"),
            (("discharge_date", "treatment_start_date"),),
        ),
        RowRule(
            "discharge_on_or_after_referral",
            "discharge_date is on or after referral_date",
            "discharge_date is null or discharge_date >= referral_date",
            ("discharge_date", "referral_date"),
            (("discharge_date", "referral_date"),),
        ),
        RowRule(
            "discharge_reason_iff_discharged",
            "discharge_reason is given exactly when discharge_date is",
            "(discharge_reason is null) = (discharge_date is null)",
            ("discharge_reason", "discharge_date"),
        ),
    ),
)

PRISON_RELEASES = RawFile(
    name="prison_releases",
    description="One row per release from prison of an adult assessed as needing treatment.",
    record_level=True,
    unique_key="release_id",
    columns=(
        Column("release_id", "text", not_null=True),
        Column("client_id", "text", not_null=True),
        _area(),
        Column("release_date", "date", not_null=True),
        Column("age_at_release", "integer", not_null=True, min_value=18, max_value=120),
    ),
)

DRUG_DEATHS_REGISTER = RawFile(
    name="drug_deaths_register",
    description="The local register of deaths related to drug misuse, one row per death.",
    record_level=True,
    unique_key="death_id",
    columns=(
        Column("death_id", "text", not_null=True),
        _area(),
        Column("date_of_death", "date", not_null=True),
        Column("registration_date", "date", not_null=True),
        Column("age", "integer", not_null=True, min_value=0, max_value=120),
        Column("sex", "text", not_null=True, codes=("female", "male")),
        Column("was_in_treatment", "boolean", not_null=True),
    ),
    row_rules=(
        RowRule(
            "registration_on_or_after_death",
            "registration_date is on or after date_of_death",
            "registration_date >= date_of_death",
            ("registration_date", "date_of_death"),
        ),
    ),
)

POPULATION = RawFile(
    name="population",
    description="ONS mid-year population estimates by sex and ESP2013 age band.",
    unique_key="area_code, year, sex, age_band",
    columns=(
        _area(),
        Column("year", "integer", not_null=True, min_value=1900, max_value=2100),
        Column("sex", "text", not_null=True, codes=("female", "male")),
        Column("age_band", "text", not_null=True, codes=ESP2013_BANDS),
        Column("population", "integer", not_null=True, min_value=0),
    ),
)

PREVALENCE_ESTIMATES = RawFile(
    name="prevalence_estimates",
    description="Modelled estimates of need (adults), by financial year starting.",
    unique_key="area_code, year, need_group",
    columns=(
        _area(),
        Column("year", "integer", not_null=True, min_value=1900, max_value=2100),
        Column("need_group", "text", not_null=True, codes=NEED_GROUPS),
        Column("estimate", "integer", not_null=True, min_value=0),
        Column("lower_ci", "integer", required=False, min_value=0),
        Column("upper_ci", "integer", required=False, min_value=0),
    ),
    row_rules=(
        RowRule(
            "estimate_within_its_interval",
            "lower_ci <= estimate <= upper_ci where given",
            "(lower_ci is null or lower_ci <= estimate) "
            "and (upper_ci is null or estimate <= upper_ci)",
            ("lower_ci", "estimate", "upper_ci"),
            (("estimate", "lower_ci"), ("upper_ci", "estimate")),
        ),
    ),
)

ONS_DRUG_DEATHS = RawFile(
    name="ons_drug_deaths",
    description="ONS published deaths related to drug misuse by local authority (3-year periods).",
    required=False,
    unique_key="area_code, period",
    columns=(
        _area(),
        Column("area_name", "text"),
        Column("period", "text", not_null=True, pattern=r"^[0-9]{4}-[0-9]{4}$"),
        Column("deaths", "integer", null_markers=ONS_SUPPRESSION_MARKERS),
        Column("rate_per_100k", "decimal", null_markers=ONS_SUPPRESSION_MARKERS),
        Column("lower_ci", "decimal", null_markers=ONS_SUPPRESSION_MARKERS),
        Column("upper_ci", "decimal", null_markers=ONS_SUPPRESSION_MARKERS),
    ),
)


def _fingertips(name: str, header: str, type_: str = "text", **kw) -> Column:
    return Column(name, type_, source_name=header, **kw)


FINGERTIPS_BENCHMARKS = RawFile(
    name="fingertips_benchmarks",
    description="England and comparator values as downloaded from the Fingertips API.",
    required=False,
    ragged_rows_allowed=True,
    notes=("The real download, unchanged: only the columns below are read, by name.",),
    columns=(
        _fingertips("indicator_id", "Indicator ID", "integer", not_null=True),
        _fingertips("area_code", "Area Code", not_null=True),
        _fingertips("area_type", "Area Type"),
        _fingertips("sex", "Sex"),
        _fingertips("age", "Age"),
        _fingertips("category", "Category"),
        _fingertips("time_period", "Time period", not_null=True),
        _fingertips("value", "Value", "decimal", null_markers=FINGERTIPS_SUPPRESSION_MARKERS),
        _fingertips(
            "lower_ci_95",
            "Lower CI 95.0 limit",
            "decimal",
            null_markers=FINGERTIPS_SUPPRESSION_MARKERS,
        ),
        _fingertips(
            "upper_ci_95",
            "Upper CI 95.0 limit",
            "decimal",
            null_markers=FINGERTIPS_SUPPRESSION_MARKERS,
        ),
        _fingertips("count", "Count", "decimal", null_markers=FINGERTIPS_SUPPRESSION_MARKERS),
        _fingertips(
            "denominator", "Denominator", "decimal", null_markers=FINGERTIPS_SUPPRESSION_MARKERS
        ),
        _fingertips("value_note", "Value note"),
    ),
)


def _days(name: str) -> Column:
    return Column(name, "integer", min_value=0, max_value=28)


def _score(name: str) -> Column:
    # not read by any metric: the column may be left out of the file (then empty)
    return Column(name, "integer", required=False, min_value=0, max_value=20)


TREATMENT_OUTCOMES = RawFile(
    name="treatment_outcomes",
    description="One row per Treatment Outcomes Profile (TOP) form, at the start of a journey, "
    "at a review or at exit: substance use, housing and work in the 28 days before it.",
    required=False,
    record_level=True,
    unique_key="top_id",
    notes=(
        "A form of a journey that treatment_journeys.csv does not hold (or whose journey was "
        "set aside), a form dated outside its journey, and every start form of a journey with "
        "two or more are set aside: they count nowhere.",
    ),
    columns=(
        Column("top_id", "text", not_null=True),
        Column("journey_id", "text", not_null=True),
        Column("top_date", "date", not_null=True),
        Column("stage", "text", not_null=True, codes=TOP_STAGES),
        *(_days(name) for name in TOP_DAYS_COLUMNS),
        # not read by any metric: the column may be left out of the file (then empty)
        Column("injected", "boolean", required=False),
        Column("acute_housing_problem", "boolean"),
        Column("housing_at_risk", "boolean", required=False),
        _days("days_paid_work"),
        _score("psychological_health"),
        _score("physical_health"),
        _score("quality_of_life"),
    ),
    related_rules=(
        RelatedRule(
            "top_of_a_known_journey",
            "journey_id is a journey of treatment_journeys.csv (one not set aside)",
            "SELECT t.source_row_number FROM {this} AS t "
            "WHERE t.journey_id IS NOT NULL AND t.journey_id NOT IN "
            "(SELECT j.journey_id FROM {treatment_journeys} AS j)",
            ("journey_id",),
            ("treatment_journeys",),
        ),
        RelatedRule(
            "top_on_or_after_referral",
            "top_date is on or after its journey's referral_date",
            "SELECT t.source_row_number FROM {this} AS t "
            "JOIN {treatment_journeys} AS j ON t.journey_id = j.journey_id "
            "WHERE t.top_date < j.referral_date",
            ("top_date", "journey_id"),
            ("treatment_journeys",),
        ),
        RelatedRule(
            "top_not_after_discharge",
            "top_date is not after its journey's discharge_date",
            "SELECT t.source_row_number FROM {this} AS t "
            "JOIN {treatment_journeys} AS j ON t.journey_id = j.journey_id "
            "WHERE t.top_date > j.discharge_date",
            ("top_date", "journey_id"),
            ("treatment_journeys",),
        ),
        RelatedRule(
            "one_start_top_per_journey",
            "at most one start TOP per journey: every start TOP of a journey with two or more "
            "is set aside",
            "SELECT t.source_row_number FROM {this} AS t "
            "WHERE t.stage = 'start' AND t.journey_id IN ("
            "SELECT s.journey_id FROM {this} AS s WHERE s.stage = 'start' "
            "GROUP BY s.journey_id HAVING count(DISTINCT s.top_id) > 1)",
            ("stage", "journey_id"),
        ),
    ),
)

RAW_FILES: tuple[RawFile, ...] = (
    TREATMENT_JOURNEYS,
    PRISON_RELEASES,
    DRUG_DEATHS_REGISTER,
    POPULATION,
    PREVALENCE_ESTIMATES,
    ONS_DRUG_DEATHS,
    FINGERTIPS_BENCHMARKS,
    TREATMENT_OUTCOMES,
)
RAW_FILES_BY_NAME = {f.name: f for f in RAW_FILES}


def metrics_needing(raw_file: RawFile) -> list[str]:
    """The metrics of the catalogue built from this file (not produced without it)."""
    return [
        row["metric_id"]
        for row in seed_rows("metric_catalogue")
        if raw_file.name in row["source_files"].split("|")
    ]


# Every upper-tier local authority of England and England itself (the areas seed).
KNOWN_AREA_CODES = frozenset(row["area_code"] for row in seed_rows("areas"))


def key_columns(raw_file: RawFile) -> tuple[str, ...]:
    return tuple(c.strip() for c in raw_file.unique_key.split(",")) if raw_file.unique_key else ()


def normalise_header(header: str) -> str:
    """How a header is compared with the contract and the forbidden list."""
    return "_".join(header.strip().lower().replace("-", " ").split())


def unread_entries(raw_dir: Path) -> list[str]:
    """Every file or folder in the raw folder that a refresh does not read, in plain words,
    with the contract's nearest file name where one is close (a misnamed file is otherwise
    believed used). Names starting with a dot (editors' and systems' own) included."""
    import difflib

    expected = [raw_file.filename for raw_file in RAW_FILES]
    described = []
    for entry in sorted(raw_dir.iterdir()) if raw_dir.is_dir() else []:
        if entry.name in expected:
            continue
        what = "folder" if entry.is_dir() else "file"
        close = difflib.get_close_matches(entry.name.lower(), expected, n=1, cutoff=0.85)
        hint = f"; did you mean {close[0]}? rename it to be read" if close else ""
        described.append(f"{entry.name} (a {what} the contract does not name{hint})")
    return described
