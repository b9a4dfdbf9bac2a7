"""The schedule, the raw-folder sensor and the single-writer lock, with Dagster's test helpers."""

import os
import threading
import time
from datetime import datetime

import dagster as dg
import pytest

from pipelines.config import Settings
from pipelines.definitions import build_definitions
from pipelines.ops import lock
from pipelines.transform import project


def definitions(raw_dir):
    settings = Settings.build(raw_dir=raw_dir)
    project.prepare(settings)  # the manifest the dbt assets are built from
    return build_definitions(settings)


@pytest.fixture
def raw_dir(tmp_path):
    folder = tmp_path / "raw"
    folder.mkdir()
    return folder


@pytest.fixture
def defs(raw_dir):
    return definitions(raw_dir)


def tick(defs, cursor=None):
    sensor = defs.get_sensor_def("raw_folder_changed")
    with dg.instance_for_test() as instance:
        context = dg.build_sensor_context(cursor=cursor, instance=instance)
        result = sensor.evaluate_tick(context)
    return result.run_requests, result.cursor


def test_sensor_one_run_per_new_or_changed_content_none_for_a_touch(raw_dir, defs):
    (raw_dir / "population.csv").write_text("area_code,year\nE06000016,2024\n")
    requests, cursor = tick(defs)
    assert len(requests) == 1  # a new file: one run
    first_key = requests[0].run_key

    requests, cursor = tick(defs, cursor)
    assert requests == []  # same content, next tick: nothing

    os.utime(raw_dir / "population.csv", ns=(time.time_ns(), time.time_ns() + 10**9))
    requests, cursor = tick(defs, cursor)
    assert requests == []  # touched, same content: nothing

    (raw_dir / "population.csv").write_text("area_code,year\nE06000016,2025\n")
    requests, cursor = tick(defs, cursor)
    assert len(requests) == 1 and requests[0].run_key != first_key  # changed content
    assert requests[0].tags["cdap/changed_files"] == "population.csv"

    (raw_dir / "notes.txt").write_text("not a contract file")
    assert tick(defs, cursor)[0] == []  # files outside the contract are ignored


def test_sensor_runs_when_police_street_files_change_not_for_the_others(raw_dir, defs):
    police = raw_dir / "police" / "2024-01"
    police.mkdir(parents=True)
    street = police / "2024-01-leicestershire-street.csv"
    street.write_text("Crime ID,Month\nx,2024-01\n")
    requests, cursor = tick(defs)
    assert len(requests) == 1 and requests[0].tags["cdap/changed_files"] == "police/"
    (police / "2024-01-leicestershire-outcomes.csv").write_text("not read\n")
    os.utime(street, ns=(time.time_ns(), time.time_ns() + 10**9))
    requests, cursor = tick(defs, cursor)
    assert requests == []  # an outcomes file, a touch: nothing
    (police.parent / "2024-02-leicestershire-street.csv").write_text("Crime ID,Month\n")
    requests, cursor = tick(defs, cursor)
    assert len(requests) == 1  # a new month's street file


def test_sensor_and_schedule_are_off_until_turned_on(defs):
    assert (
        defs.get_sensor_def("raw_folder_changed").default_status == dg.DefaultSensorStatus.STOPPED
    )
    schedule = defs.get_schedule_def("monthly_full_refresh")
    assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED
    assert schedule.job_name == "full_refresh"


def test_schedule_requests_the_full_refresh(defs):
    schedule = defs.get_schedule_def("monthly_full_refresh")
    context = dg.build_schedule_context(scheduled_execution_time=datetime(2026, 12, 5, 6, 0))
    requests = schedule.evaluate_tick(context).run_requests
    assert len(requests) == 1
    assert schedule.cron_schedule == "0 6 5 * *"


def test_a_second_writer_waits_then_gets_the_lock(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    order = []
    release = threading.Event()

    def first():
        with lock.single_writer(warehouse, timeout=5):
            order.append("first in")
            release.wait(5)
            order.append("first out")

    thread = threading.Thread(target=first)
    thread.start()
    while not order:
        time.sleep(0.01)
    busy = pytest.raises(lock.WarehouseBusy, match="being refreshed by pid")
    with busy, lock.single_writer(warehouse, timeout=0.3):
        pass
    threading.Timer(0.3, release.set).start()
    with lock.single_writer(warehouse, timeout=5):
        order.append("second in")
    thread.join()
    assert order == ["first in", "first out", "second in"]


def test_the_shareable_run_record_keeps_no_value_of_a_raw_record():
    from pipelines.ops.run_record import without_record_values

    cases = {
        "prison_releases.csv line 4: column 'release_date' holds '01/03/2024', which is not "
        "an ISO date": "01/03/2024",
        "treatment_journeys.csv line 9: column 'sex' holds \"O'Neill 5\", which is not a "
        "code": "O'Neill",
        "drug_deaths_register.csv: 1 row(s) break it. Examples: row 4, death_id D000004 "
        "[rule: future_date:registration_date]": "D000004",
        "expect_column_values_to_be_between on age: 2 rows, e.g. [150, 200] (lines 3, 7)": "150",
    }
    for message, value in cases.items():
        shown = without_record_values(message)
        assert value not in shown, shown
        # what failed and where stays: the file, the column, the rule, the lines
        assert message.split(" ")[0] in shown
    assert "[rule: future_date:x]" in without_record_values(
        "x.csv: 1 row(s) break it. Examples: row 4, death_id D1 [rule: future_date:x]"
    )
    assert "(lines 3, 7)" in without_record_values("a: 2 rows, e.g. [1, 2] (lines 3, 7)")
