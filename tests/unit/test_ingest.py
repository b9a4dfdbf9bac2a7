"""Ingest on small files: columns by name, clear errors, identifiers refused, real Fingertips."""

import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines import contract
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
