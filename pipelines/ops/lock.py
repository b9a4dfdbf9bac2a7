"""The single writer: one run at a time holds the warehouse (DuckDB allows one writer per file
across processes), and the Dagster resource that holds it for a whole run."""

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines import config


class WarehouseBusy(Exception):
    """Another refresh holds the warehouse for longer than this one will wait."""


@contextmanager
def single_writer(warehouse: Path, timeout: float, log=None) -> Iterator[None]:
    """Hold an exclusive lock on the warehouse for a whole run. DuckDB allows one writer per
    file across processes: a second refresh (UI, command line, sensor) waits its turn, and is
    refused with a clear message when the first holds on past the timeout."""
    lock_path = config.lock_path_of(warehouse)
    config.open_folder(lock_path.parent)
    with lock_path.open("a+") as handle:
        deadline = time.monotonic() + timeout
        waiting_said = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                handle.seek(0)
                holder = handle.read().strip() or "another process"
                if time.monotonic() >= deadline:
                    raise WarehouseBusy(
                        f"the warehouse {warehouse} is being refreshed by {holder}; waited "
                        f"{timeout:.0f} s. Try again when it has finished."
                    ) from None
                if log is not None and not waiting_said:
                    log(f"waiting for the refresh of {holder} to finish")
                    waiting_said = True
                time.sleep(0.5)
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} since {datetime.now(UTC).isoformat(timespec='seconds')}")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


class Warehouse(DuckDBResource):
    """The working DuckDB warehouse (restricted tier), held by one run at a time (see
    single_writer); dbt builds into it with DuckDB's memory limited to `dbt_memory_limit`."""

    lock_timeout_seconds: float = config.DEFAULT_LOCK_TIMEOUT
    dbt_memory_limit: str = config.DEFAULT_DUCKDB_MEMORY_LIMIT

    @property
    def path(self) -> Path:
        return Path(self.database)

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator["Warehouse"]:
        # a warning, so the command line shows it too
        log = context.log.warning if context.log else None
        with single_writer(self.path, self.lock_timeout_seconds, log=log):
            yield self
