"""`cdap ui`: the Dagster UI (`dagster dev` on workspace.yaml) for one warehouse's settings, in a
process that stops it on SIGINT, SIGTERM or SIGHUP.

Started in the background (`./cdap ui &`), a shell gives the command SIGINT ignored, and
`dagster dev` maps SIGTERM onto SIGINT's handling: it then ignored both and had to be killed.
Here this process handles the signals, and `dagster dev` does not inherit them ignored (a
handled signal is back to its default in a program started from the process; an ignored one
would stay ignored). On a signal, `dagster dev` is interrupted as by Ctrl-C and stops its
services (webserver, daemon, code server) itself; they run in a process group of their own,
and whatever of it is still there a few seconds later is killed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time

from pipelines import config
from pipelines.config import Settings

WORKSPACE = config.PROJECT_ROOT / "workspace.yaml"
# `dagster dev` says on every start that it is superseded by `dg dev`, which is not installed
# (the dagster-dg-cli package): that Python warning is filtered out, by its message.
_DG_DEV_WARNING = "ignore:Function `dev_command` is superseded:FutureWarning"
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
GRACE_SECONDS = 15.0  # for dagster dev to stop its services (about 2 s) before they are killed
LEFT_BEHIND_SECONDS = 5.0  # for the code server, which stops once dagster dev has gone


def dagster_dev_command(dagster_args: list[str]) -> list[str]:
    return [
        sys.executable,
        "-W",
        _DG_DEV_WARNING,
        "-m",
        "dagster",
        "dev",
        "-w",
        str(WORKSPACE),
        *dagster_args,
    ]


def _group_alive(group: int) -> bool:
    """Whether a process of the group still runs. An ended one stays a zombie until whoever
    adopted it collects it (in a container, PID 1 may take its time): not counted, on Linux."""
    if os.path.isdir("/proc/self"):
        for entry in os.listdir("/proc"):
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[2]) == group and fields[0] != "Z":  # state, parent, process group
                return True
        return False
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _kill_group(group: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, signal.SIGKILL)


def run_ui(settings: Settings, dagster_args: list[str], echo=print) -> int:
    """Run `dagster dev` for these settings until it ends or this process is asked to stop;
    its exit code (0 when it stopped as asked)."""
    problem = config.path_problem(settings)
    if problem is not None:
        echo(f"cdap ui: {problem}")
        return 2
    config.prepare_process(settings)  # telemetry off, the home and its dagster.yaml
    # the code server builds its settings from the environment: the same as these
    environment = settings.environment()
    echo(f"Dagster UI for the warehouse {settings.warehouse}")
    echo(f"  raw folder:   {settings.raw_dir}")
    echo(f"  marts:        {settings.marts_dir}")
    echo(f"  Dagster home: {settings.dagster_home}")
    sys.stdout.flush()

    requested: list[int] = []

    def stop(signum: int, _frame) -> None:
        requested.append(signum)

    # handled before dagster dev starts: it then starts with these signals at their default
    previous = {signum: signal.signal(signum, stop) for signum in STOP_SIGNALS}
    try:
        dev = subprocess.Popen(
            dagster_dev_command(dagster_args),
            cwd=config.PROJECT_ROOT,
            env=environment,
            process_group=0,
        )
        group = dev.pid
        asked_at = None
        while dev.poll() is None:
            if requested and asked_at is None:
                asked_at = time.monotonic()
                dev.send_signal(signal.SIGINT)  # as Ctrl-C: it stops its services itself
            # asked twice, or the services take too long: killed
            if asked_at is not None and (
                len(requested) > 1 or time.monotonic() - asked_at > GRACE_SECONDS
            ):
                _kill_group(group)
            with contextlib.suppress(subprocess.TimeoutExpired):
                dev.wait(timeout=0.2)
        deadline = time.monotonic() + LEFT_BEHIND_SECONDS
        while _group_alive(group) and time.monotonic() < deadline:
            time.sleep(0.1)
        _kill_group(group)  # what dagster dev left behind
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if requested:
        echo("Dagster UI stopped.")
        return 0
    return dev.returncode
