"""The processes below one, from Linux's /proc: what a test checks is gone once it should be."""

import os
from pathlib import Path


def descendants(root: int) -> dict[int, str]:
    """pid -> start time of every process below `root`."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            parents[int(entry)] = (int(fields[1]), fields[19])
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
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[19] == start and fields[0] != "Z"


def process_group(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[2])
    except (OSError, IndexError, ValueError):
        return None


def group_members(group: int) -> list[int]:
    """The processes of a process group that still run (zombies are not counted)."""
    members = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[2]) == group and fields[0] != "Z":
                members.append(int(entry))
    return members
