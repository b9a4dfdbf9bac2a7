"""The run record: one JSON line per refresh beside the marts (shareable), written by one
function whether the refresh published, stopped on the command line or failed in the UI."""

import fcntl
import hashlib
import json
import os
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from dagster import DagsterInstance

from pipelines import config, contract, warehouse
from pipelines.config import Settings

RUN_RECORD_NAME = "run_record.jsonl"


def fingerprint(path: Path) -> dict:
    """What identifies a raw file's content: sha256, with size and mtime to skip re-reading."""
    stat = path.stat()
    return {
        "sha256": contract.content_sha256(path.read_bytes()),
        "size": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
    }


POLICE_INPUT = f"{contract.POLICE_DIR}/"  # police.uk's street files, as one input


def police_signature(raw_dir: Path) -> tuple[list[tuple[str, Path]], str] | None:
    """police/'s street files (name relative to police/, path) and what identifies them without
    reading them (names, sizes, modification times); None without police/, or where it is not
    the download as it unpacks (its ingest refuses it)."""
    try:
        folder = contract.police_folder(raw_dir)
    except contract.PoliceFolderError:
        return None
    if folder is None:
        return None
    files = [(f.relative, f.path) for f in folder.street_files]
    stats = [(name, path.stat()) for name, path in files]
    listing = "\n".join(f"{name}\t{st.st_size}\t{st.st_mtime_ns}" for name, st in stats)
    return files, hashlib.sha256(listing.encode()).hexdigest()


def police_fingerprint(raw_dir: Path, known: dict | None = None) -> dict | None:
    """What identifies police/'s content: the sha256 of every street file's name and sha256,
    in order (`known`, an earlier fingerprint with the same names, sizes and times, is kept
    without reading the files again)."""
    signature = police_signature(raw_dir)
    if signature is None:
        return None
    files, listed = signature
    if known and known.get("signature") == listed:
        return known
    digest = hashlib.sha256()
    for name, path in files:
        content = hashlib.sha256()
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                content.update(chunk)
        digest.update(f"{name}\t{content.hexdigest()}\n".encode())
    return {"sha256": digest.hexdigest(), "signature": listed, "files": len(files)}


def input_fingerprints(raw_dir: Path) -> dict[str, dict]:
    """The fingerprint of each contract file present in the raw folder (police/'s street
    files as one input)."""
    found = {
        raw_file.filename: fingerprint(raw_dir / raw_file.filename)
        for raw_file in contract.RAW_FILES
        if (raw_dir / raw_file.filename).is_file()
    }
    police = police_fingerprint(raw_dir)
    if police is not None:
        found[POLICE_INPUT] = police
    return found


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args],
        cwd=config.PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=5,
        check=True,
    ).stdout.strip()


def code_version() -> str:
    try:
        dirty = _git("status", "--porcelain", "--untracked-files=no")
        return _git("rev-parse", "--short", "HEAD") + ("+changes" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        from importlib.metadata import version

        return f"cdap-outcomes-warehouse {version('cdap-outcomes-warehouse')}"


def write_run_record(marts_dir: Path, record: dict) -> Path:
    """Append one JSON line per refresh (one per run id) next to the marts."""
    config.open_folder(marts_dir)
    path = marts_dir / RUN_RECORD_NAME
    path.touch(exist_ok=True)
    if path.stat().st_mode & 0o777 != 0o644:
        path.chmod(0o644)  # shareable tier, appended to by each refresh (published read-only)
    with path.open("a+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        if any(
            json.loads(line).get("run_id") == record["run_id"] for line in handle if line.strip()
        ):
            return path  # already recorded (e.g. by both the command line and the failure sensor)
        handle.seek(0, os.SEEK_END)
        handle.write(json.dumps(record, sort_keys=True, default=str) + "\n")
    return path


def run_record(
    run_id: str,
    status: str,
    started: float | None,
    ended: float | None,
    *,
    raw_dir: Path,
    warehouse_path: Path,
    marts_dir: Path,
    checks: dict | None = None,
    published: dict | None = None,
    failures: list[str] | None = None,
    disclosure: dict | None = None,
    data_quality: list[str] | None = None,
) -> dict:
    """What a refresh read (each input's sha256 and as-of date), where, with which code, and
    what it checked, published and hid; the failures of a refresh that stopped."""
    inputs = input_fingerprints(raw_dir) if raw_dir.is_dir() else {}
    # none when there is no warehouse yet, or it stopped before dbt: the record says so
    as_of = dict(
        warehouse.query(
            warehouse_path,
            f"SELECT source_file, data_as_of_date::varchar FROM {warehouse.SOURCE_COVERAGE}",
        )
    )

    def stamp(seconds: float | None) -> str | None:
        return (
            datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds") if seconds else None
        )

    return {
        "run_id": run_id,
        "status": status,
        "started_at": stamp(started),
        "ended_at": stamp(ended),
        "inputs": {name: info["sha256"] for name, info in inputs.items()},
        "inputs_as_of": as_of,
        "configuration": {
            "raw_dir": str(raw_dir),
            "warehouse": str(warehouse_path),
            "marts_dir": str(marts_dir),
        },
        "code_version": code_version(),
        "checks": checks or {},
        "published": published or {},
        "disclosure": disclosure or {},
        "data_quality": data_quality or [],
        "failures": failures or [],
    }


_HELD_VALUE = re.compile(r"""\b(holds|value) ('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")""")
_EXAMPLES = re.compile(r"(\. Examples: |, e\.g\. )(?:(?! \[rule:| \((?:line|row)s? ).)*", re.S)


def without_record_values(message: str) -> str:
    """A failure as the shareable run record gives it (it sits beside the publication, readable
    by all): the file, line, column and rule, but no value or key of a raw record, which only
    the console and the restricted data-quality report show."""
    message = _EXAMPLES.sub(" (examples in the restricted data-quality report)", message)
    return _HELD_VALUE.sub(r"\1 a value (in the restricted data-quality report)", message)


def record_unpublished_run(
    instance: DagsterInstance, run_id: str, status: str, settings: Settings, failures: list[str]
) -> Path:
    """The run record of a refresh that published nothing: stopped on the command line, or
    failed in the UI (recorded by the failure sensor)."""
    stats = instance.get_run_stats(run_id)
    return write_run_record(
        settings.marts_dir,
        run_record(
            run_id,
            status,
            stats.start_time,
            stats.end_time,
            raw_dir=settings.raw_dir,
            warehouse_path=settings.warehouse,
            marts_dir=settings.marts_dir,
            failures=failures,
        ),
    )
