"""A dbt process started ahead of the dbt step, so the step does not wait for dbt to load.

Starting dbt costs about 2 s of imports on this machine kind before it does anything: about a
quarter of the dbt step on the shipped sample. `cdap refresh` starts this process once Dagster
is loaded; it imports dbt while the refresh ingests and checks the raw files, then waits.
dagster-dbt runs `cdap-dbt` (this module's `client`) instead of `dbt`: the client hands its
arguments, environment, folder and standard streams to the waiting process, which forks a child
that runs the dbt command exactly as `dbt` would run it (same output on the same pipe, same exit
status), while the parent waits for the next command.

With no such process (the UI's runs, the tests, a process that died) the client runs the real
dbt in its own place, so nothing depends on it but the time.
"""

import atexit
import contextlib
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

SOCKET_VARIABLE = "CDAP_DBT_PROCESS_SOCKET"
STARTED_AHEAD_VARIABLE = "CDAP_DBT_STARTED_AHEAD"  # in a command run here: this process's pid
_INT32 = struct.Struct("!i")
_WAIT_FOR_OWNER_SECONDS = 1.0


def _real_dbt() -> Path:
    return Path(sys.executable).parent / "dbt"


# --- the client: what dagster-dbt runs as its dbt executable -------------------------------


def _receive_int(connection: socket.socket) -> int | None:
    data = b""
    while len(data) < _INT32.size:
        chunk = connection.recv(_INT32.size - len(data))
        if not chunk:
            return None
        data += chunk
    return _INT32.unpack(data)[0]


def client() -> None:
    """`cdap-dbt <dbt arguments>`: run the command in the waiting dbt process if there is one,
    else as `dbt <dbt arguments>` here."""
    arguments = sys.argv[1:]
    path = os.environ.get(SOCKET_VARIABLE)
    connection = None
    if path:
        try:
            connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            connection.connect(path)
            request = json.dumps(
                {"arguments": arguments, "environment": dict(os.environ), "folder": os.getcwd()}
            ).encode()
            socket.send_fds(connection, [_INT32.pack(len(request))], [0, 1, 2])
            connection.sendall(request)
            child = _receive_int(connection)
        except OSError:
            child = None
        if child is not None:
            # the command is running: from here on, never run it a second time
            def forward(signal_number, _frame):
                os.kill(child, signal_number)

            for signal_number in (signal.SIGINT, signal.SIGTERM):
                signal.signal(signal_number, forward)
            status = _receive_int(connection)
            if status is None:
                print("cdap-dbt: the dbt process ended without an exit status", file=sys.stderr)
                sys.exit(1)
            sys.exit(status)
    if connection is not None:
        connection.close()
    dbt = _real_dbt()
    os.execv(dbt, [str(dbt), *arguments])


# --- the waiting process ---------------------------------------------------------------------


def _receive_request(connection: socket.socket) -> tuple[dict, list[int]]:
    header, fds, _flags, _address = socket.recv_fds(connection, _INT32.size, 3)
    (length,) = _INT32.unpack(header)
    data = b""
    while len(data) < length:
        chunk = connection.recv(length - len(data))
        if not chunk:
            raise OSError("the client went away")
        data += chunk
    return json.loads(data), fds


def _run_one(connection: socket.socket, cli) -> None:
    """In the forked child: become the dbt command the client was asked to run."""
    status = 1
    try:
        request, fds = _receive_request(connection)
        for number, fd in enumerate(fds):
            os.dup2(fd, number)
            os.close(fd)
        os.environ.clear()
        os.environ.update(request["environment"])
        os.environ[STARTED_AHEAD_VARIABLE] = str(os.getppid())  # for dbt's env_var(), and logs
        os.chdir(request["folder"])
        connection.sendall(_INT32.pack(os.getpid()))
        sys.argv = [str(_real_dbt()), *request["arguments"]]
        try:
            cli(prog_name="dbt")
            status = 0
        except SystemExit as exit:
            status = exit.code if isinstance(exit.code, int) else (0 if exit.code is None else 1)
        except BaseException:  # what the dbt command itself would print before exiting
            import traceback

            traceback.print_exc()
    finally:
        # what a dbt process does as it ends (multiprocessing releases the semaphores dbt made,
        # else its resource tracker warns of them), then the output, then the status
        with contextlib.suppress(Exception):
            atexit._run_exitfuncs()
        with contextlib.suppress(Exception):  # the reader may be gone
            sys.stdout.flush()
            sys.stderr.flush()
        with contextlib.suppress(OSError):
            connection.sendall(_INT32.pack(status))
        os._exit(0)


def serve(path: str, owner: int) -> None:
    """Import dbt, then run each command sent to `path` in a forked child, until `owner` (the
    refresh that started this process) is gone."""
    # listening before the imports: a command sent meanwhile waits for them, not for nothing
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen()
    listener.settimeout(_WAIT_FOR_OWNER_SECONDS)
    from dbt.adapters.duckdb import DuckDBAdapter  # noqa: F401 - loaded by every command
    from dbt.cli.main import cli

    while os.getppid() == owner:
        try:
            connection, _address = listener.accept()
        except TimeoutError:
            _reap()
            continue
        connection.settimeout(None)
        if os.fork() == 0:
            listener.close()
            _run_one(connection, cli)
        connection.close()
        _reap()


def _reap() -> None:
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass


# --- the owner: `cdap refresh` ---------------------------------------------------------------

_process: subprocess.Popen | None = None
_folder: tempfile.TemporaryDirectory | None = None


def start() -> None:
    """Start the waiting dbt process and point this process's dbt commands (and their
    children's) at it. Safe to call when it is running already."""
    global _process, _folder
    if _process is not None:
        return
    _folder = tempfile.TemporaryDirectory(prefix="cdap-dbt-")  # owner-only: mkdtemp's 0700
    path = str(Path(_folder.name) / "socket")
    _process = subprocess.Popen(
        [sys.executable, "-u", "-m", "pipelines.dbt_warm", path, str(os.getpid())],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
    )
    os.environ[SOCKET_VARIABLE] = path


def stop() -> None:
    global _process, _folder
    os.environ.pop(SOCKET_VARIABLE, None)
    if _process is not None:
        # SIGKILL, not SIGTERM: the process may ignore SIGTERM. Dagster gives SIGTERM the
        # handler of SIGINT during a run, and a refresh started in the background (nohup, &)
        # ignores SIGINT; a process started after that inherits SIGTERM ignored. It holds
        # nothing to tidy: its socket's folder is removed below.
        _process.kill()
        _process.wait()
        _process = None
    if _folder is not None:
        _folder.cleanup()
        _folder = None


if __name__ == "__main__":
    serve(sys.argv[1], int(sys.argv[2]))
