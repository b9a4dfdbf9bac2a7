"""The settings: built once from flags, then the environment, then the defaults; passed down to
the resources as literal values; the warehouse path in dbt's environment only while a dbt
command starts."""

import os
from pathlib import Path

import pytest
import yaml

from pipelines import config
from pipelines.config import Settings
from pipelines.definitions import build_resources


def test_a_flag_beats_the_environment_which_beats_the_default(tmp_path):
    environ = {
        config.RAW_DIR_ENV: str(tmp_path / "env_raw"),
        config.WAREHOUSE_ENV: str(tmp_path / "env.duckdb"),
        config.HOME_AREA_ENV: "E10000018",
        config.LOCK_TIMEOUT_ENV: "12.5",
        config.DUCKDB_MEMORY_LIMIT_ENV: "3GB",
        config.DAGSTER_HOME_ENV: str(tmp_path / "home"),
    }
    settings = Settings.build(raw_dir=tmp_path / "flag_raw", environ=environ)
    assert settings.raw_dir == tmp_path / "flag_raw"  # the flag
    assert settings.warehouse == tmp_path / "env.duckdb"  # the environment
    assert settings.marts_dir == config.DEFAULT_MARTS_DIR  # the default
    assert (settings.home_area, settings.lock_timeout_seconds) == ("E10000018", 12.5)
    assert settings.duckdb_memory_limit == "3GB"
    assert settings.dagster_home == tmp_path / "home"
    defaults = Settings.build(environ={})
    assert defaults.home_area == config.DEFAULT_HOME_AREA
    assert defaults.warehouse == config.DEFAULT_WAREHOUSE


def test_paths_are_made_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = Settings.build(raw_dir="raw", warehouse="w.duckdb", marts_dir="marts", environ={})
    assert settings.raw_dir == tmp_path / "raw" and settings.raw_dir.is_absolute()
    assert settings.warehouse == tmp_path / "w.duckdb"
    assert settings.lock_path == tmp_path / "w.duckdb.lock"


def test_the_resources_hold_the_settings_as_literal_values(tmp_path):
    settings = Settings.build(
        tmp_path / "raw",
        tmp_path / "w.duckdb",
        tmp_path / "marts",
        environ={
            config.HOME_AREA_ENV: "LLR",
            config.LOCK_TIMEOUT_ENV: "5",
            config.DUCKDB_MEMORY_LIMIT_ENV: "1GB",
        },
    )
    resources = build_resources(settings)
    assert resources["warehouse"].database == str(tmp_path / "w.duckdb")
    assert resources["warehouse"].lock_timeout_seconds == 5
    assert resources["warehouse"].dbt_memory_limit == "1GB"
    assert resources["raw_folder"].path == str(tmp_path / "raw")
    assert resources["marts_folder"].path == str(tmp_path / "marts")
    assert resources["partnership"].home_area == "LLR"


def test_dbt_sees_the_warehouse_only_while_its_command_starts(tmp_path, monkeypatch):
    monkeypatch.delenv(config.WAREHOUSE_ENV, raising=False)
    monkeypatch.setenv(config.DUCKDB_MEMORY_LIMIT_ENV, "9GB")  # the user's own, put back after
    with config.dbt_environment(tmp_path / "w.duckdb", "1GB"):
        assert os.environ[config.WAREHOUSE_ENV] == str(tmp_path / "w.duckdb")
        assert os.environ[config.DUCKDB_MEMORY_LIMIT_ENV] == "1GB"
    assert config.WAREHOUSE_ENV not in os.environ
    assert os.environ[config.DUCKDB_MEMORY_LIMIT_ENV] == "9GB"
    with pytest.raises(RuntimeError), config.dbt_environment(tmp_path / "w.duckdb", "1GB"):
        raise RuntimeError("dbt did not start")
    assert config.WAREHOUSE_ENV not in os.environ  # taken away on failure too


def _prepared_home(tmp_path: Path, content: str | None) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    if content is not None:
        (home / "dagster.yaml").write_text(content)
    settings = Settings.build(tmp_path / "raw", tmp_path / "w.duckdb", tmp_path / "marts")
    old_umask = os.umask(0o022)
    try:
        config.prepare_process(Settings(**{**settings.__dict__, "dagster_home": home}))
    finally:
        os.umask(old_umask)
    return home / "dagster.yaml"


def test_dagster_home_gets_telemetry_off(tmp_path, monkeypatch):
    monkeypatch.setenv(config.DAGSTER_HOME_ENV, os.environ.get(config.DAGSTER_HOME_ENV, ""))
    written = _prepared_home(tmp_path, None)
    assert yaml.safe_load(written.read_text()) == {"telemetry": {"enabled": False}}
    assert written.parent.stat().st_mode & 0o777 == 0o700


def test_an_earlier_dagster_yaml_loses_the_removed_event_log_class_only(tmp_path, monkeypatch):
    monkeypatch.setenv(config.DAGSTER_HOME_ENV, os.environ.get(config.DAGSTER_HOME_ENV, ""))
    earlier = (
        "telemetry:\n  enabled: false\nrun_queue:\n  max_concurrent_runs: 2\n"
        "event_log_storage:\n  module: pipelines.dagster_storage\n"
        "  class: SqliteEventLogStorageKeepingEngines\n  config: {}\n"
    )
    written = _prepared_home(tmp_path, earlier)
    assert yaml.safe_load(written.read_text()) == {
        "telemetry": {"enabled": False},
        "run_queue": {"max_concurrent_runs": 2},
    }


def test_a_dagster_yaml_of_the_users_own_is_left_alone(tmp_path, monkeypatch):
    monkeypatch.setenv(config.DAGSTER_HOME_ENV, os.environ.get(config.DAGSTER_HOME_ENV, ""))
    own = "telemetry:\n  enabled: false\nrun_monitoring:\n  enabled: true\n"
    assert _prepared_home(tmp_path, own).read_text() == own


def test_paths_that_would_put_record_level_data_before_readers_are_refused(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (tmp_path / "afile").write_text("x")

    def problem(**paths):
        defaults = {"raw_dir": raw, "warehouse": tmp_path / "w.duckdb", "marts_dir": tmp_path / "m"}
        return config.path_problem(Settings.build(**{**defaults, **paths}, environ={}))

    assert problem() is None
    assert "does not exist" in problem(raw_dir=tmp_path / "missing")
    assert "is a file, not a folder" in problem(marts_dir=tmp_path / "afile")
    for marts in (raw, raw / "marts"):  # the raw folder itself, or inside it
        assert "must not be in it" in problem(marts_dir=marts)
    assert "must not be in it" in problem(raw_dir=raw, marts_dir=tmp_path)  # raw inside marts
    assert "inside the marts folder" in problem(warehouse=tmp_path / "m" / "w.duckdb")
    assert "Dagster home" in problem(dagster_home=tmp_path / "m" / ".dagster")
    assert "is a folder" in problem(warehouse=raw)
    assert "a file stands where a folder should" in problem(
        warehouse=tmp_path / "afile" / "w.duckdb"
    )


def test_the_command_refuses_bad_paths_in_one_sentence_before_any_work(tmp_path, capsys):
    from pipelines import cli

    (tmp_path / "afile").write_text("x")
    code = cli.main(
        [
            "refresh",
            "--marts-dir",
            str(tmp_path / "afile"),
            "--warehouse",
            str(tmp_path / "w.duckdb"),
        ]
    )
    error = capsys.readouterr().err
    assert code == 2
    assert error.count("\n") == 1 and "is a file, not a folder" in error
    assert not (tmp_path / "w.duckdb").exists()  # nothing was done


def test_the_marts_link_stays_the_path_readers_open(tmp_path):
    """The marts folder is a link to the current publication: the settings keep the link, so
    the next refresh publishes by replacing it (a resolved path would publish into the old
    publication's folder)."""
    target = tmp_path / ".marts.publications" / "one"
    target.mkdir(parents=True)
    (tmp_path / "marts").symlink_to(target.relative_to(tmp_path))
    settings = Settings.build(marts_dir=tmp_path / "marts", environ={})
    assert settings.marts_dir == tmp_path / "marts"
    assert Settings.build(marts_dir=tmp_path / "x" / ".." / "marts", environ={}).marts_dir == (
        tmp_path / "marts"
    )


def test_each_warehouse_records_its_runs_in_a_dagster_home_of_its_own(tmp_path):
    """The production warehouse in .dagster, any other beside it, unless a home is named."""
    production = Settings.build(environ={})
    assert production.dagster_home == config.DEFAULT_DAGSTER_HOME
    assert not production.has_own_dagster_home
    scratch = Settings.build(tmp_path / "raw", tmp_path / "w.duckdb", tmp_path / "m", environ={})
    assert scratch.dagster_home == tmp_path / "w.duckdb.dagster"
    assert scratch.has_own_dagster_home
    named = {config.DAGSTER_HOME_ENV: str(tmp_path / "named")}
    assert Settings.build(environ=named).dagster_home == tmp_path / "named"
    assert Settings.build(warehouse=tmp_path / "w.duckdb", environ=named).dagster_home == (
        tmp_path / "named"
    )
    flagged = Settings.build(environ=named, dagster_home=tmp_path / "flag")
    assert flagged.dagster_home == tmp_path / "flag"
    # the warehouse named by its environment variable counts the same as by the flag
    by_environment = Settings.build(environ={config.WAREHOUSE_ENV: str(tmp_path / "e.duckdb")})
    assert by_environment.dagster_home == tmp_path / "e.duckdb.dagster"


@pytest.fixture
def process_state(monkeypatch):
    """The environment, umask and module state `prepare_process` changes, put back after."""
    monkeypatch.delenv(config.DAGSTER_HOME_ENV, raising=False)
    monkeypatch.setattr(config, "_home_named_by_this_process", None)
    old_umask = os.umask(0o077)
    yield
    os.umask(old_umask)


def test_a_home_this_process_named_for_a_refresh_is_not_taken_for_a_choice(
    tmp_path, process_state, monkeypatch
):
    """A second refresh in the same process (a notebook, the tests) gets its own warehouse's
    home, not the one the first refresh named in the environment for Dagster."""
    first = Settings.build(tmp_path / "raw", tmp_path / "a.duckdb", tmp_path / "marts")
    config.prepare_process(first)
    assert os.environ[config.DAGSTER_HOME_ENV] == str(tmp_path / "a.duckdb.dagster")
    second = Settings.build(tmp_path / "raw", tmp_path / "b.duckdb", tmp_path / "marts")
    assert second.dagster_home == tmp_path / "b.duckdb.dagster"
    # a home the user named stays named, refresh after refresh
    monkeypatch.setenv(config.DAGSTER_HOME_ENV, str(tmp_path / "mine"))
    third = Settings.build(tmp_path / "raw", tmp_path / "b.duckdb", tmp_path / "marts")
    assert third.dagster_home == tmp_path / "mine"
    config.prepare_process(third)
    fourth = Settings.build(tmp_path / "raw", tmp_path / "c.duckdb", tmp_path / "marts")
    assert fourth.dagster_home == tmp_path / "mine"


def test_runs_are_tagged_with_their_folders_and_the_ui_command_opens_their_home(tmp_path):
    import shlex

    from pipelines import cli

    raw, warehouse, marts = tmp_path / "raw dir", tmp_path / "w.duckdb", tmp_path / "marts"
    settings = Settings.build(raw, warehouse, marts, environ={})
    assert settings.run_tags == {
        "cdap/raw_dir": str(raw),
        "cdap/warehouse": str(warehouse),
        "cdap/marts_dir": str(marts),
    }
    command = cli.ui_command(settings)
    assert command.startswith("./cdap ui --raw-dir ")
    # the command's flags give `cdap ui` the same settings, so the same Dagster home
    args, rest = cli.build_parser().parse_known_args(shlex.split(command)[1:])
    assert rest == []
    again = Settings.build(
        args.raw_dir, args.warehouse, args.marts_dir, environ={}, dagster_home=args.dagster_home
    )
    assert again == settings
    named = Settings.build(warehouse=warehouse, environ={}, dagster_home=tmp_path / "h")
    assert "--dagster-home" in cli.ui_command(named)
    assert cli.ui_command(Settings.build(environ={})) == "./cdap ui"
