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


# the dbt this environment installed, and this module's client, beside the interpreter
DBT = Path(sys.executable).parent / "dbt"
CLIENT = Path(sys.executable).parent / "cdap-dbt"


def _receive_exactly(connection: socket.socket, size: int) -> bytes | None:
    """`size` bytes, or None if the other side went away first."""
    data = b""
    while len(data) < size:
        chunk = connection.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def _receive_int(connection: socket.socket) -> int | None:
    data = _receive_exactly(connection, _INT32.size)
    return None if data is None else _INT32.unpack(data)[0]


# --- the client: what dagster-dbt runs as its dbt executable -------------------------------


def _hand_over(connection: socket.socket, path: str, arguments: list[str]) -> int | None:
    """Send the command to the waiting process: the pid of the child running it, or None if
    there is no process to run it (none listening, or it died before starting the command)."""
    request = json.dumps(
        {"arguments": arguments, "environment": dict(os.environ), "folder": os.getcwd()}
    ).encode()
    try:
        connection.connect(path)
        socket.send_fds(connection, [_INT32.pack(len(request))], [0, 1, 2])
        connection.sendall(request)
        return _receive_int(connection)
    except OSError:
        return None


def client() -> None:
    """`cdap-dbt <dbt arguments>`: run the command in the waiting dbt process if there is one,
    else as `dbt <dbt arguments>` here."""
    arguments = sys.argv[1:]
    path = os.environ.get(SOCKET_VARIABLE)
    if path:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            child = _hand_over(connection, path, arguments)
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
    os.execv(DBT, [str(DBT), *arguments])


# --- the waiting process ---------------------------------------------------------------------


def _receive_request(connection: socket.socket) -> tuple[dict, list[int]]:
    header, fds, _flags, _address = socket.recv_fds(connection, _INT32.size, 3)
    (length,) = _INT32.unpack(header)
    data = _receive_exactly(connection, length)
    if data is None:
        raise OSError("the client went away")
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
        sys.argv = [str(DBT), *request["arguments"]]
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


def serve(listening: int, owner: int) -> None:
    """Import dbt, then run each command sent to the socket `listening` (a file descriptor) in
    a forked child, until `owner` (the refresh that started this process) is gone."""
    listener = socket.socket(fileno=listening)
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
    # listening from here on, before the process has even started: a command sent while it
    # imports dbt waits for it, and is never run as plain dbt because it came early
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
        listener.bind(path)
        listener.listen()
        _process = subprocess.Popen(
            [sys.executable, "-u", "-m", "pipelines.dbt_warm"]
            + [str(listener.fileno()), str(os.getpid())],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            pass_fds=[listener.fileno()],
        )
    # this process's copy is closed: once the other is gone, nothing listens (see client)
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
    serve(int(sys.argv[1]), int(sys.argv[2]))
