"""The processes below one, from Linux's /proc: what a test checks is gone once it should be."""

import os
from pathlib import Path


def _stat(pid: int | str) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command's name (state first), or None when the
    process is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def _every_process():
    """(pid, stat fields) of every process running now."""
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat(entry)
            if fields is not None:
                yield int(entry), fields


def descendants(root: int) -> dict[int, str]:
    """pid -> start time of every process below `root`."""
    parents = {pid: (int(fields[1]), fields[19]) for pid, fields in _every_process()}
    family, found, grew = {root}, {}, True
    while grew:
        grew = False
        for pid, (ppid, start) in parents.items():
            if ppid in family and pid not in family:
                family.add(pid)
                found[pid] = start
                grew = True
    return found


def alive(pid: int, start: str) -> bool:
    fields = _stat(pid)
    return fields is not None and fields[19] == start and fields[0] != "Z"


def process_group(pid: int) -> int | None:
    fields = _stat(pid)
    try:
        return None if fields is None else int(fields[2])
    except (IndexError, ValueError):
        return None


def group_members(group: int) -> list[int]:
    """The processes of a process group that still run (zombies are not counted)."""
    return [pid for pid, fields in _every_process() if int(fields[2]) == group and fields[0] != "Z"]
