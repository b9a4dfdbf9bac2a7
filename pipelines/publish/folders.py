"""Where publications live, and the one rename that publishes one.

The marts folder a reader opens (`data/marts`, say) is a symbolic link to one complete
publication, kept beside it in `.marts.publications/<time>-<run>/`. A publication is written
whole in a folder of its own (`<run>.partial`), renamed complete, and published by replacing
the link with one that points at it: a single rename, so a reader (a BI tool, an extract) that
opens `data/marts/...` finds the whole previous publication or the whole new one, whatever
stops the refresh and when. A reader that has a file open keeps reading it, even once the
publication it belongs to is removed (the last `KEEP` stay).

A marts folder from before (a real folder) is moved beside the others the first time, then
replaced by the link: the one moment, once, when the path is briefly absent.
"""

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

from pipelines import config

KEEP = 3  # publications kept: the current one and the two before it
PARTIAL = ".partial"


def publications_dir(marts_dir: Path) -> Path:
    return marts_dir.with_name(f".{marts_dir.name}.publications")


def current(marts_dir: Path) -> Path | None:
    """The folder of the publication readers see now (none before the first)."""
    if marts_dir.is_symlink():
        return marts_dir.resolve()
    return marts_dir if marts_dir.is_dir() else None


def new_stage(marts_dir: Path, run_id: str) -> Path:
    """An empty folder for one publication to be written in, readable by all once published."""
    folder = config.open_folder(publications_dir(marts_dir)) / f"{run_id}{PARTIAL}"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir()
    config.make_shareable(folder)
    return folder


def switch(marts_dir: Path, stage: Path) -> Path:
    """Publish a complete stage: rename it complete, then point the marts folder at it with
    one rename of a link. Returns the publication's folder."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    published = stage.with_name(f"{stamp}-{stage.name.removesuffix(PARTIAL)}")
    os.rename(stage, published)
    if marts_dir.is_dir() and not marts_dir.is_symlink():  # a marts folder from before
        os.rename(marts_dir, publications_dir(marts_dir) / f"{stamp}-earlier")
    link = marts_dir.with_name(f".{marts_dir.name}.next")
    if link.is_symlink() or link.exists():
        link.unlink()
    # relative, so the folders can be moved together
    os.symlink(os.path.relpath(published, marts_dir.parent), link)
    os.replace(link, marts_dir)
    return published


def clean(marts_dir: Path, keep: int = KEEP) -> list[Path]:
    """Remove what a stopped publication left (its stage) and publications beyond the last
    `keep`, never the current one. Called by a refresh that holds the warehouse's lock."""
    folder = publications_dir(marts_dir)
    if not folder.is_dir():
        return []
    live = current(marts_dir)
    complete = sorted(
        (p for p in folder.iterdir() if p.is_dir() and not p.name.endswith(PARTIAL)),
        key=lambda p: p.name,
        reverse=True,
    )
    removed = [p for p in folder.iterdir() if p.name.endswith(PARTIAL)]
    removed += [p for p in complete[keep:] if p != live]
    # what a publication of an earlier version, written beside the files, left when stopped
    if live is not None:
        removed += [p for p in live.glob(".publishing-*") if p.is_dir()]
    for path in removed:
        shutil.rmtree(path, ignore_errors=True)
    leftover_link = marts_dir.with_name(f".{marts_dir.name}.next")
    if leftover_link.is_symlink():
        leftover_link.unlink()
    return removed
