"""Helpers every raw file's generator shares: the seeded state, ids, dates and CSV writing.

Every random draw of the files drawn before the treatment outcomes comes from one stream
(`Generator.rng`), in the order that `generate` and `generate_national` call the generators.
That order is part of the output: draw in a different order and every file drawn later changes.
The files drawn last (the TOP forms, the police files) each have a stream of their own
(`stream`), so adding them moved nothing drawn before. The journeys and releases are kept on
the state as lists of rows, because the prison releases and the calibrations read and edit the
journeys.
"""

from __future__ import annotations

import csv
import hashlib
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from pipelines.synthetic.areas import SAMPLE_AREAS, SampleArea

AS_OF = date(2025, 9, 30)
# The first day of the record-level files' period. The treatment journeys also carry in the
# caseload already in treatment that day, with its earlier referral and start dates; every
# discharge in them lies on or after it.
EXTRACT_START = date(2019, 1, 1)
# Referrals grow by this share a year (treatment_journeys).
REFERRAL_GROWTH = 0.04


@dataclass
class Generator:
    """The seeded state the files are drawn from: one random stream, the journeys and
    releases drawn so far, and the counters that number their ids."""

    seed: int = 20250930
    as_of: date = AS_OF
    areas: tuple[SampleArea, ...] = ()
    id_prefix: str = ""  # national folders from other seeds can then be merged with this one
    people_per_release: int = 15  # releases a year = people // this
    journeys: list[dict] = field(default_factory=list)
    releases: list[dict] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.journey_seq = 0
        self.release_seq = 0
        self.areas = self.areas or SAMPLE_AREAS

    @property
    def coverage_area(self) -> str:
        """The area of the rows that pin each file's first and last day: not Leicester,
        because Leicester is calibrated."""
        return self.areas[min(1, len(self.areas) - 1)].code


def stream(seed: int, name: str) -> random.Random:
    """A random stream of its own for the files drawn after the shared one is done (the
    treatment outcomes, the police files): drawing them moves no other file."""
    digest = hashlib.sha256(f"{seed}|{name}".encode()).hexdigest()
    return random.Random(int(digest[:16], 16))


def make_id(prefix: str, *parts: object) -> str:
    """A stable pseudonymous id: the prefix and 12 hex digits of the parts' hash."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:12].upper()
    return f"{prefix}{digest}"


def weighted_choice(rng: random.Random, weights: dict[str, float]) -> str:
    """One key of `weights`, drawn with the given weights."""
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def random_day(start: date, end: date, rng: random.Random, growth: float = 0.0) -> date:
    """A day in [start, end], tilted towards the end by `growth` per year."""
    span = (end - start).days
    if growth <= 0:
        return start + timedelta(days=rng.randint(0, span))
    while True:  # rejection sampling: density proportional to (1 + growth) ** years
        offset = rng.randint(0, span)
        if rng.random() < (1 + growth) ** ((offset - span) / 365.25):
            return start + timedelta(days=offset)


def window_start(month_end: date) -> date:
    """First day of the 12-month window ending with month_end's month (from month starts,
    so that 29 February never shifts the window)."""
    month_index = month_end.year * 12 + month_end.month - 1 - 11
    return date(month_index // 12, month_index % 12 + 1, 1)


def write_csv(path: Path, columns: list[str], rows: list[dict]) -> None:
    """Write rows under a header, with "\\n" line ends and None as an empty field."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if row.get(k) is None else row[k]) for k in columns})
