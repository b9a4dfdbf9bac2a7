"""The raw-data contract as data: the files, their columns, types and code lists.

Ingest, the data checks and the sample generator all read this module; nothing restates it.
"""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
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
    # False: the file must have the column (read by name), but the warehouse does not keep it
    # (police.uk's long free-text columns: no metric reads them, and at national scale they
    # are most of the time and space of the load)
    kept: bool = True

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
    # (a, b) pairs meaning a = b
    equal: tuple[tuple[str, str], ...] = ()


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
    # an optional file that becomes required when this entry of the raw folder is present
    # (the LSOA lookup, when police/ is there)
    required_with: str | None = None
    # columns ingest adds to each row (not in the file): where the row came from
    added_columns: tuple[Column, ...] = ()
    # area_code is checked against the areas seed (always, for record-level files)
    known_areas: bool = False

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

# Every upper-tier local authority of England and England itself (the areas seed).
KNOWN_AREA_CODES = frozenset(row["area_code"] for row in seed_rows("areas"))

# -- police.uk street-level crime ----------------------------------------------------------------
# The folder `police/` of the raw folder holds the monthly files of the police.uk download as it
# unpacks: YYYY-MM-<force>-street.csv, directly in police/ or in YYYY-MM/ subfolders. The
# download's -outcomes.csv and -stop-and-search.csv files may sit beside them: not read.
POLICE_DIR = "police"
POLICE_FORCE_PATTERN = r"[a-z0-9]+(?:-[a-z0-9]+)*"
POLICE_STREET_FILE = re.compile(
    rf"^(?P<month>[0-9]{{4}}-[0-9]{{2}})-(?P<force>{POLICE_FORCE_PATTERN})-street\.csv$"
)
POLICE_OTHER_FILE = re.compile(
    rf"^[0-9]{{4}}-[0-9]{{2}}-{POLICE_FORCE_PATTERN}-(?:outcomes|stop-and-search)\.csv$"
)
POLICE_MONTH_FOLDER = re.compile(r"^[0-9]{4}-[0-9]{2}$")
POLICE_MONTH_PATTERN = r"^[0-9]{4}-(?:0[1-9]|1[0-2])$"


def _police(name: str, header: str, type_: str = "text", **kw) -> Column:
    return Column(name, type_, source_name=header, **kw)


# what ingest adds to each row: where it came from (the file's name says the force and month)
POLICE_FILE_COLUMNS = (
    Column("force", "text", not_null=True, pattern=rf"^{POLICE_FORCE_PATTERN}$"),
    Column("file_month", "text", not_null=True, pattern=POLICE_MONTH_PATTERN),
    Column("source_file", "text", not_null=True),
)

POLICE_STREET = RawFile(
    name="police_street",
    description="police.uk street-level crime: the monthly street files of the police/ folder "
    "(one row per crime or anti-social behaviour incident), with the force and month of each "
    "file's name.",
    required=False,
    notes=(
        "Read from police/YYYY-MM-<force>-street.csv and police/YYYY-MM/YYYY-MM-<force>-"
        "street.csv, the 12 columns by name as police.uk writes them; Crime ID is empty for "
        "anti-social behaviour. Crime ID, Location, LSOA name, Last outcome category and "
        "Context must be there but are not kept: no metric reads them.",
    ),
    columns=(
        # empty for anti-social behaviour
        _police("crime_id", "Crime ID", kept=False),
        _police("month", "Month", not_null=True, pattern=POLICE_MONTH_PATTERN),
        _police("reported_by", "Reported by"),
        _police("falls_within", "Falls within"),
        _police("longitude", "Longitude", "decimal", min_value=-180, max_value=180),
        _police("latitude", "Latitude", "decimal", min_value=-90, max_value=90),
        _police("location", "Location", kept=False),
        _police("lsoa_code", "LSOA code"),
        _police("lsoa_name", "LSOA name", kept=False),
        _police("crime_type", "Crime type"),
        _police("last_outcome_category", "Last outcome category", kept=False),
        _police("context", "Context", kept=False),
    ),
    row_rules=(
        RowRule(
            "month_is_the_file_names",
            "Month is the month in the file's name",
            "month = file_month",
            ("month", "file_month"),
            equal=(("month", "file_month"),),
        ),
    ),
    added_columns=POLICE_FILE_COLUMNS,
)
# one row per street file: which force-months the folder holds
POLICE_FILES_TABLE = "police_files"

LSOA_LOOKUP = RawFile(
    name="lsoa_lookup",
    description="Each LSOA (2021) and the upper-tier local authority it lies in (from ONS's open "
    "lookups): places police.uk's rows in areas. Required when police/ is present.",
    required=False,
    required_with=POLICE_DIR,
    unique_key="lsoa_code",
    columns=(
        Column("lsoa_code", "text", not_null=True, pattern=r"^E01[0-9]{6}$"),
        # the upper-tier authority (a county, not one of its districts); one that is no
        # authority of the areas seed (a district's code, an authority made after its
        # boundaries) is warned of and places nothing
        _area(),
    ),
    known_areas=True,
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
    LSOA_LOOKUP,
)
RAW_FILES_BY_NAME = {f.name: f for f in RAW_FILES}
# every raw table of the contract: one per file, and police.uk's street files (a folder)
RAW_TABLES: tuple[RawFile, ...] = (*RAW_FILES, POLICE_STREET)


def metrics_needing(raw_file: RawFile) -> list[str]:
    """The metrics of the catalogue built from this file (not produced without it)."""
    return [
        row["metric_id"]
        for row in seed_rows("metric_catalogue")
        if raw_file.name in row["source_files"].split("|")
    ]


@dataclass(frozen=True)
class StreetFile:
    """One street file of police/: its path, its name relative to police/, its force and month."""

    path: Path
    relative: str
    force: str
    month: str  # YYYY-MM

    @property
    def month_start(self) -> date:
        year, month = self.month.split("-")
        return date(int(year), int(month), 1)


@dataclass(frozen=True)
class PoliceFolder:
    """What police/ holds: its street files, and what it holds that is not read."""

    street_files: tuple[StreetFile, ...]
    other_download_files: int  # the download's -outcomes.csv and -stop-and-search.csv
    hidden: tuple[str, ...]  # names starting with a dot (systems' and editors' own)

    def not_read(self) -> list[str]:
        """What is not read, in one line (not one per file)."""
        said = []
        if self.other_download_files:
            said.append(
                f"{POLICE_DIR}/: {self.other_download_files} outcomes and stop-and-search "
                "files of the police.uk download (-outcomes.csv, -stop-and-search.csv; only "
                "the -street.csv files are read)"
            )
        if self.hidden:
            shown = ", ".join(self.hidden[:3]) + (" ..." if len(self.hidden) > 3 else "")
            said.append(f"{POLICE_DIR}/: {len(self.hidden)} hidden files ({shown})")
        return said


class PoliceFolderError(Exception):
    """police/ is not the police.uk download as it unpacks: `filename` names the entry."""

    def __init__(self, filename: str, rule: str, detail: str):
        self.filename, self.rule, self.detail = filename, rule, detail
        super().__init__(f"{filename}: {detail} [rule: {rule}]")


def _valid_month(text: str) -> bool:
    return re.fullmatch(POLICE_MONTH_PATTERN, text) is not None


def is_present(raw_dir: Path, name: str) -> bool:
    """Whether the raw folder has this file or folder; an empty folder (hidden files aside, a
    folder made ready for a download not yet there) is as good as none."""
    path = Path(raw_dir) / name
    if not path.exists() and not path.is_symlink():
        return False
    if path.is_dir():
        return any(not child.name.startswith(".") for child in path.iterdir())
    return True


def police_folder(raw_dir: Path) -> PoliceFolder | None:
    """The street files of police/ (None when there is no police/, or an empty one), or
    PoliceFolderError naming the first entry that is not the download as it unpacks: a file
    name that does not parse, a subfolder that is not a month, a file in the wrong month's
    folder, one force-month twice, no street file at all."""
    folder = Path(raw_dir) / POLICE_DIR
    if not is_present(raw_dir, POLICE_DIR):
        return None
    if not folder.is_dir():
        raise PoliceFolderError(
            POLICE_DIR,
            "police/ is a folder",
            "is not a folder: unzip the police.uk download into a folder named police",
        )
    street: list[StreetFile] = []
    others, hidden = 0, []

    def visit(entry: Path, month_folder: str | None) -> None:
        nonlocal others
        relative = entry.relative_to(folder).as_posix()
        shown = f"{POLICE_DIR}/{relative}"
        if entry.name.startswith("."):
            hidden.append(relative)
            return
        if entry.is_dir():
            if month_folder is None and POLICE_MONTH_FOLDER.match(entry.name):
                if not _valid_month(entry.name):
                    raise PoliceFolderError(
                        shown, "a YYYY-MM folder", f"{entry.name} is not a month (YYYY-MM)"
                    )
                for child in sorted(entry.iterdir()):
                    visit(child, entry.name)
                return
            raise PoliceFolderError(
                shown,
                "police.uk folders",
                "is a folder the police.uk download does not make: police/ holds the "
                "YYYY-MM-<force>-street.csv files, directly or in YYYY-MM folders, nothing else",
            )
        found = POLICE_STREET_FILE.match(entry.name)
        if found is None:
            if POLICE_OTHER_FILE.match(entry.name):
                others += 1
                return
            raise PoliceFolderError(
                shown,
                "police.uk file name",
                f"the name {entry.name!r} does not parse as a police.uk street file "
                "(YYYY-MM-<force>-street.csv, e.g. 2024-01-leicestershire-street.csv, the "
                "force in lower case with hyphens): rename it as the download names it, or take "
                "it out of police/",
            )
        month = found["month"]
        if not _valid_month(month):
            raise PoliceFolderError(
                shown,
                "police.uk file name",
                f"{month} in the file's name is not a month (YYYY-MM-<force>-street.csv)",
            )
        if month_folder is not None and month_folder != month:
            raise PoliceFolderError(
                shown,
                "police.uk file name",
                f"the file of {month} is in the folder of {month_folder}: put it in its own "
                "month's folder",
            )
        street.append(StreetFile(entry, relative, found["force"], month))

    for entry in sorted(folder.iterdir()):
        visit(entry, None)
    seen: dict[tuple[str, str], StreetFile] = {}
    for street_file in street:
        key = (street_file.force, street_file.month)
        if key in seen:
            raise PoliceFolderError(
                f"{POLICE_DIR}/{street_file.relative}",
                "one file per force and month",
                f"the force {key[0]}'s file for {key[1]} is here twice (also as "
                f"{POLICE_DIR}/{seen[key].relative}): keep one",
            )
        seen[key] = street_file
    if not street:
        raise PoliceFolderError(
            POLICE_DIR,
            "street files",
            "holds no YYYY-MM-<force>-street.csv file: download street-level crime from "
            "https://data.police.uk/data/ and unzip it here (or remove police/ to leave crime "
            "out)",
        )
    street.sort(key=lambda f: (f.month, f.force))
    return PoliceFolder(tuple(street), others, tuple(hidden))


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
        if entry.name == POLICE_DIR and entry.is_dir():
            try:
                police = police_folder(raw_dir)
            except PoliceFolderError:
                continue  # refused by its ingest, with the entry named
            if police is None:
                described.append(
                    f"{POLICE_DIR} (a folder, empty: no police.uk street files, so crime is "
                    "not produced)"
                )
            else:
                described += police.not_read()
            continue
        what = "folder" if entry.is_dir() else "file"
        close = difflib.get_close_matches(entry.name.lower(), expected, n=1, cutoff=0.85)
        hint = f"; did you mean {close[0]}? rename it to be read" if close else ""
        described.append(f"{entry.name} (a {what} the contract does not name{hint})")
    return described
