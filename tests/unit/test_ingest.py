"""Ingest on small files: columns by name, clear errors, identifiers refused, real Fingertips."""

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from pipelines import contract
from pipelines.ingest import policy
from pipelines.ingest.load import load_raw_file
from pipelines.ingest.policy import RawFileError

FINGERTIPS_FIXTURES = Path(__file__).parent.parent / "fixtures" / "fingertips"

RELEASES_HEADER = "release_id,client_id,area_code,release_date,age_at_release"


@pytest.fixture
def con():
    connection = duckdb.connect()
    yield connection
    connection.close()


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_columns_are_read_by_name_in_any_order_with_extras(con, tmp_path):
    write(
        tmp_path,
        "prison_releases.csv",
        "age_at_release,extra_column,release_date,area_code,client_id,release_id\n"
        "34,whatever,2024-03-01,E06000016,C1,R1\n",
    )
    result = load_raw_file(con, contract.PRISON_RELEASES, tmp_path)
    row = con.execute(
        "SELECT release_id, client_id, release_date, age_at_release FROM raw.prison_releases"
    ).fetchone()
    assert result.rows == 1
    assert row[0] == "R1" and row[1] == "C1" and str(row[2]) == "2024-03-01" and row[3] == 34
    assert str(result.as_of) == "2024-03-01"


def test_missing_required_column_names_file_and_column(con, tmp_path):
    write(
        tmp_path,
        "prison_releases.csv",
        "release_id,client_id,area_code,age_at_release\nR1,C1,E06000016,30\n",
    )
    with pytest.raises(RawFileError) as error:
        load_raw_file(con, contract.PRISON_RELEASES, tmp_path)
    message = str(error.value)
    assert "prison_releases.csv" in message and "release_date" in message
    assert error.value.rule == "required columns"


@pytest.mark.parametrize("identifier", ["NHS Number", "postcode", "date_of_birth", "Forename"])
def test_direct_identifier_columns_refuse_the_file(con, tmp_path, identifier):
    write(
        tmp_path,
        "prison_releases.csv",
        f"{RELEASES_HEADER},{identifier}\nR1,C1,E06000016,2024-03-01,30,secret\n",
    )
    with pytest.raises(RawFileError) as error:
        load_raw_file(con, contract.PRISON_RELEASES, tmp_path)
    assert error.value.rule == "no direct identifiers"
    assert contract.normalise_header(identifier) in str(error.value)
    # nothing of the file was loaded
    tables = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'raw'"
    ).fetchall()
    assert ("prison_releases",) not in tables


def test_a_bad_date_names_its_row_and_column(con, tmp_path):
    write(
        tmp_path,
        "prison_releases.csv",
        f"{RELEASES_HEADER}\nR1,C1,E06000016,2024-03-01,30\nR2,C2,E06000016,01/03/2024,30\n",
    )
    with pytest.raises(RawFileError) as error:
        load_raw_file(con, contract.PRISON_RELEASES, tmp_path)
    assert error.value.row == 2
    assert "01/03/2024" in str(error.value) and "release_date" in str(error.value)


def test_header_without_rows_is_an_error_for_a_required_file(con, tmp_path):
    write(tmp_path, "prison_releases.csv", RELEASES_HEADER + "\n")
    with pytest.raises(RawFileError, match="no data rows"):
        load_raw_file(con, contract.PRISON_RELEASES, tmp_path)


def test_absent_required_file_is_an_error(con, tmp_path):
    tmp_path.mkdir(exist_ok=True)
    with pytest.raises(RawFileError, match="required file not found"):
        load_raw_file(con, contract.TREATMENT_JOURNEYS, tmp_path)


def test_absent_optional_file_gives_an_empty_typed_table(con, tmp_path):
    result = load_raw_file(con, contract.ONS_DRUG_DEATHS, tmp_path)
    assert not result.present
    columns = dict(
        con.execute(
            "SELECT column_name, data_type FROM duckdb_columns() "
            "WHERE table_name = 'ons_drug_deaths'"
        ).fetchall()
    )
    assert columns["rate_per_100k"] == "DOUBLE" and columns["deaths"] == "BIGINT"
    assert con.execute("SELECT count(*) FROM raw.ons_drug_deaths").fetchone()[0] == 0


def test_ons_suppression_markers_load_as_null_never_zero(con, tmp_path):
    write(
        tmp_path,
        "ons_drug_deaths.csv",
        "area_code,area_name,period,deaths,rate_per_100k,lower_ci,upper_ci\n"
        "E06000016,Leicester,2021-2023,52,14.1,10.5,18.5\n"
        "E06000017,Rutland,2021-2023,:,:,:,:\n"
        "E06000018,Nottingham,2021-2023,c,x,*,u\n",
    )
    load_raw_file(con, contract.ONS_DRUG_DEATHS, tmp_path)
    rows = con.execute(
        "SELECT area_code, deaths, rate_per_100k FROM raw.ons_drug_deaths ORDER BY 1"
    ).fetchall()
    assert rows == [("E06000016", 52, 14.1), ("E06000017", None, None), ("E06000018", None, None)]


@pytest.mark.parametrize("fixture", sorted(p.name for p in FINGERTIPS_FIXTURES.glob("*.csv")))
def test_every_real_fingertips_download_loads(con, tmp_path, fixture):
    shutil.copy(FINGERTIPS_FIXTURES / fixture, tmp_path / "fingertips_benchmarks.csv")
    result = load_raw_file(con, contract.FINGERTIPS_BENCHMARKS, tmp_path)
    assert result.present and result.rows > 0
    england = con.execute(
        "SELECT count(*), count(value) FROM raw.fingertips_benchmarks WHERE area_code = 'E92000001'"
    ).fetchone()
    assert england[0] > 0 and england[1] > 0
    # a quoted name with a line break must not split a record: every row has an indicator id
    assert (
        con.execute(
            "SELECT count(*) FROM raw.fingertips_benchmarks WHERE indicator_id IS NULL"
        ).fetchone()[0]
        == 0
    )


def test_fingertips_row_count_matches_the_csv_module(con, tmp_path):
    import csv

    source = FINGERTIPS_FIXTURES / "indicators-CountyUA.data.csv"
    with source.open(newline="", encoding="utf-8-sig") as handle:
        expected = sum(1 for _ in csv.reader(handle)) - 1
    shutil.copy(source, tmp_path / "fingertips_benchmarks.csv")
    assert load_raw_file(con, contract.FINGERTIPS_BENCHMARKS, tmp_path).rows == expected == 852


# ---------------------------------------------------------------- treatment_outcomes.csv

JOURNEYS_HEADER = (
    "journey_id,client_id,area_code,age_at_referral,sex,substance_1,substance_2,substance_3,"
    "referral_source,referral_date,triage_date,treatment_start_date,discharge_date,"
    "discharge_reason"
)
TOP_HEADER = (
    "top_id,journey_id,top_date,stage,days_alcohol,days_opiates,days_crack,days_cocaine,"
    "days_amphetamines,days_cannabis,days_other_drug,injected,acute_housing_problem,"
    "housing_at_risk,days_paid_work,psychological_health,physical_health,quality_of_life"
)


def top_row(top_id, journey_id, top_date, stage="review", **answers) -> str:
    values = {
        "days_opiates": "10",
        "acute_housing_problem": "false",
        "days_paid_work": "0",
        "psychological_health": "12",
        **answers,
    }
    columns = TOP_HEADER.split(",")[4:]
    return ",".join([top_id, journey_id, top_date, stage, *(values.get(c, "") for c in columns)])


def load_journeys_and_forms(con, folder: Path, forms: list[str]):
    """Two journeys (J1 open since 2020, J2 referred 2020-01-01 and discharged 2020-06-30),
    then the forms: the journeys are loaded first, as the ingest assets do."""
    write(
        folder,
        "treatment_journeys.csv",
        f"{JOURNEYS_HEADER}\n"
        "J1,C1,E06000016,30,male,heroin,,,self,2020-01-01,,2020-01-05,,\n"
        "J2,C2,E06000016,40,female,alcohol,,,gp,2020-01-01,,2020-01-05,2020-06-30,dropped_out\n",
    )
    load_raw_file(con, contract.TREATMENT_JOURNEYS, folder, today=date(2026, 1, 1))
    write(folder, "treatment_outcomes.csv", "\n".join([TOP_HEADER, *forms]) + "\n")
    return load_raw_file(con, contract.TREATMENT_OUTCOMES, folder, today=date(2026, 1, 1))


def quarantined(con) -> list[tuple]:
    return con.execute(
        "SELECT source_row_number, rule_id, record_key FROM quarantine.rows "
        "WHERE file_name = 'treatment_outcomes.csv' ORDER BY 1, 2"
    ).fetchall()


def good_forms(n: int) -> list[str]:
    """Forms that break nothing (with many of them, a few set aside stay under the limit)."""
    return [top_row(f"G{i}", "J1", "2021-01-01") for i in range(n)]


def test_forms_that_break_a_rule_across_files_are_set_aside_with_line_and_rule(con, tmp_path):
    forms = [
        top_row("T1", "J1", "2020-01-05", "start"),  # row 1: kept
        top_row("T2", "J9", "2020-03-01"),  # row 2: a journey the extract does not hold
        top_row("T3", "J2", "2019-12-31", "start"),  # row 3: before the referral
        top_row("T4", "J2", "2020-06-30", "exit"),  # row 4: on the discharge day: kept
        top_row("T5", "J2", "2020-07-01", "exit"),  # row 5: after the discharge
        top_row("T6", "J1", "2020-01-06", "start"),  # row 6: J1's second start form
        *good_forms(200),
    ]
    result = load_journeys_and_forms(con, tmp_path, forms)
    assert quarantined(con) == [
        (1, "related:one_start_top_per_journey", "T1"),
        (2, "related:top_of_a_known_journey", "T2"),
        (3, "related:top_on_or_after_referral", "T3"),
        (5, "related:top_not_after_discharge", "T5"),
        (6, "related:one_start_top_per_journey", "T6"),
    ]
    kept = {r[0] for r in con.execute("SELECT top_id FROM raw.treatment_outcomes").fetchall()}
    assert {"T4"} <= kept and not kept & {"T1", "T2", "T3", "T5", "T6"}
    assert result.rows == 201 and str(result.as_of) == "2021-01-01"
    description = con.execute(
        "SELECT DISTINCT rule_description FROM quarantine.rows WHERE rule_id LIKE 'related:%'"
    ).fetchall()
    assert description == [(policy.POLICY_BY_KIND["related"].description,)]


def test_a_form_of_a_journey_set_aside_is_a_form_of_an_unknown_journey(con, tmp_path):
    write(
        tmp_path,
        "treatment_journeys.csv",
        f"{JOURNEYS_HEADER}\n"
        + "".join(
            f"J{i},C{i},E06000016,30,male,heroin,,,self,2020-01-01,,2020-01-05,,\n"
            for i in range(1, 40)
        )
        + "J40,C40,E06000016,30,male,heroin,,,walk_in,2020-01-01,,2020-01-05,,\n",
    )
    load_raw_file(con, contract.TREATMENT_JOURNEYS, tmp_path, today=date(2026, 1, 1))
    write(
        tmp_path,
        "treatment_outcomes.csv",
        "\n".join([TOP_HEADER, top_row("T1", "J40", "2020-03-01"), *good_forms(30)]) + "\n",
    )
    load_raw_file(con, contract.TREATMENT_OUTCOMES, tmp_path, today=date(2026, 1, 1))
    assert quarantined(con) == [(1, "related:top_of_a_known_journey", "T1")]


@pytest.mark.parametrize(
    ("answers", "rule"),
    [
        ({"days_opiates": "29"}, "range:days_opiates"),
        ({"days_paid_work": "-1"}, "range:days_paid_work"),
        ({"quality_of_life": "21"}, "range:quality_of_life"),
        ({"stage": "Review"}, "code:stage"),
    ],
    ids=["days-29", "paid-work-negative", "score-21", "stage-not-a-code"],
)
def test_a_value_out_of_range_or_a_bad_stage_is_set_aside(con, tmp_path, answers, rule):
    stage = answers.pop("stage", "review")
    forms = [top_row("T1", "J1", "2020-03-01", stage, **answers), *good_forms(30)]
    load_journeys_and_forms(con, tmp_path, forms)
    assert quarantined(con) == [(1, rule, "T1")]


def test_a_bad_boolean_refuses_the_file_with_its_row_and_column(con, tmp_path):
    forms = [*good_forms(3), top_row("T1", "J1", "2020-03-01", acute_housing_problem="yes")]
    with pytest.raises(RawFileError) as error:
        load_journeys_and_forms(con, tmp_path, forms)
    assert error.value.row == 4 and "acute_housing_problem" in str(error.value)
    assert "'yes'" in str(error.value) and "true or false" in str(error.value)


def test_forms_are_read_after_their_journeys(con, tmp_path):
    write(
        tmp_path, "treatment_outcomes.csv", f"{TOP_HEADER}\n{top_row('T1', 'J1', '2020-03-01')}\n"
    )
    with pytest.raises(RawFileError, match="treatment_journeys.csv, which must be loaded first"):
        load_raw_file(con, contract.TREATMENT_OUTCOMES, tmp_path, today=date(2026, 1, 1))


def test_the_scores_and_flags_no_metric_reads_may_be_left_out(con, tmp_path):
    write(
        tmp_path,
        "treatment_journeys.csv",
        f"{JOURNEYS_HEADER}\nJ1,C1,E06000016,30,male,heroin,,,self,2020-01-01,,2020-01-05,,\n",
    )
    load_raw_file(con, contract.TREATMENT_JOURNEYS, tmp_path, today=date(2026, 1, 1))
    used = [c.header for c in contract.TREATMENT_OUTCOMES.columns if c.required]
    write(
        tmp_path,
        "treatment_outcomes.csv",
        ",".join(used) + "\nT1,J1,2020-03-01,start," + "0," * 7 + "false,0\n",
    )
    result = load_raw_file(con, contract.TREATMENT_OUTCOMES, tmp_path, today=date(2026, 1, 1))
    assert result.rows == 1
    assert set(used) == {
        "top_id",
        "journey_id",
        "top_date",
        "stage",
        *contract.TOP_DAYS_COLUMNS,
        "acute_housing_problem",
        "days_paid_work",
    }
    # and a metric's column left out is refused, named
    write(
        tmp_path,
        "treatment_outcomes.csv",
        "top_id,journey_id,top_date,stage\nT1,J1,2020-03-01,start\n",
    )
    with pytest.raises(RawFileError, match="days_paid_work"):
        load_raw_file(con, contract.TREATMENT_OUTCOMES, tmp_path, today=date(2026, 1, 1))


def test_an_absent_treatment_outcomes_file_is_an_empty_table_and_names_the_metrics(con, tmp_path):
    from pipelines.ingest.assets import absent_file_words

    result = load_raw_file(con, contract.TREATMENT_OUTCOMES, tmp_path)
    assert not result.present
    assert con.execute("SELECT count(*) FROM raw.treatment_outcomes").fetchone()[0] == 0
    words = absent_file_words(contract.TREATMENT_OUTCOMES)
    assert words == (
        "treatment_outcomes.csv is absent (optional): these metrics are not produced: "
        "treatment_progress_rate, acute_housing_problem_rate, paid_work_rate."
    )
    assert absent_file_words(contract.ONS_DRUG_DEATHS) == (
        "ons_drug_deaths.csv is absent (optional): metrics that need it are not produced."
    )


def test_forms_set_aside_by_an_earlier_refresh_are_forgotten_when_the_file_is_gone(con, tmp_path):
    load_journeys_and_forms(con, tmp_path, [top_row("T1", "J9", "2020-03-01"), *good_forms(30)])
    assert quarantined(con) == [(1, "related:top_of_a_known_journey", "T1")]
    (tmp_path / "treatment_outcomes.csv").unlink()
    load_raw_file(con, contract.TREATMENT_OUTCOMES, tmp_path)
    assert quarantined(con) == []


def test_forms_set_aside_by_rules_across_files_never_refuse_the_file(con, tmp_path):
    # a third of the forms belong to journeys the extract lacks (a journeys file that set many
    # aside, or another provider's): far over the 5% that refuses a file for its own rows, but
    # the contract sets such forms aside whatever their share
    forms = [top_row(f"U{i}", "J9", "2020-03-01") for i in range(10)] + good_forms(20)
    result = load_journeys_and_forms(con, tmp_path, forms)
    assert len(quarantined(con)) == 10 and result.rows == 20
    # while the file's own faults still refuse it above 5%
    con.execute("DELETE FROM quarantine.rows")
    bad_range = [top_row(f"B{i}", "J1", "2021-01-01", days_opiates="29") for i in range(10)]
    with pytest.raises(policy.QualityError, match="quarantine_share|would be quarantined"):
        load_journeys_and_forms(con, tmp_path, bad_range + good_forms(20))
