"""A police/ folder and an LSOA lookup in the real shapes of the police.uk download and ONS's
lookup, written by the tests themselves (in place of the shipped sample's, on a copy: these
plant the rows the ingest must refuse or report, and their counts are known): street files
directly in police/ and in YYYY-MM/ folders, the download's -outcomes.csv and
-stop-and-search.csv beside them, anti-social behaviour without a Crime ID, rows without an
LSOA, an LSOA the lookup lacks, a crime type the project does not know, and a force's month
left out where asked. Every count is a fixed function of the force, LSOA and month, so a test
knows what each window must hold without reading the warehouse."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

HEADER = [
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
]
OUTCOMES_HEADER = [*HEADER[:9], "Outcome type"]  # the street columns up to LSOA name
STOP_AND_SEARCH_HEADER = ["Type", "Date", "Part of a policing operation", "Latitude", "Longitude"]

DRUGS = "Drugs"
NEIGHBOURHOOD = ("Burglary", "Robbery", "Theft from the person", "Vehicle crime")
OTHER = ("Violence and sexual offences", "Shoplifting", "Criminal damage and arson")
ASB = "Anti-social behaviour"
UNKNOWN_TYPE = "Theft of a dragon"  # a type police.uk does not write: kept and reported
UNKNOWN_LSOA = "E01999999"  # in no lookup


@dataclass(frozen=True)
class Force:
    slug: str  # the <force> of the file names
    name: str  # "Reported by" / "Falls within"
    lsoas: dict[str, tuple[str, ...]]  # area code -> the LSOAs the force's rows fall in


@dataclass
class PoliceFolder:
    forces: tuple[Force, ...]
    months: tuple[str, ...]  # YYYY-MM, in order
    missing: set[tuple[str, str]] = field(default_factory=set)  # (force slug, month) left out
    in_subfolders: set[str] = field(default_factory=set)  # months written in YYYY-MM/ folders

    def files(self) -> list[tuple[Force, str]]:
        return [
            (force, month)
            for month in self.months
            for force in self.forces
            if (force.slug, month) not in self.missing
        ]


def month_index(month: str) -> int:
    year, number = month.split("-")
    return int(year) * 12 + int(number)


def counts(force: str, lsoa: str, month: str) -> dict[str, int]:
    """How many rows of each kind the force records in the LSOA in the month."""
    seed = month_index(month) + sum(map(ord, force + lsoa))
    return {
        DRUGS: seed % 4,
        NEIGHBOURHOOD[0]: 1 + seed % 3,
        NEIGHBOURHOOD[1]: seed % 2,
        NEIGHBOURHOOD[2]: (seed // 2) % 2,
        NEIGHBOURHOOD[3]: 2 + seed % 2,
        OTHER[0]: 3,
        OTHER[1]: 1 + seed % 5,
        OTHER[2]: 1,
        ASB: 2 + seed % 3,
    }


def _rows(force: Force, month: str) -> list[list[str]]:
    rows = []
    number = 0
    for area, lsoas in force.lsoas.items():
        for lsoa in lsoas:
            for crime_type, count in counts(force.slug, lsoa, month).items():
                for _ in range(count):
                    number += 1
                    crime_id = "" if crime_type == ASB else f"{force.slug}{month}{number:06d}"
                    rows.append(
                        [
                            crime_id,
                            month,
                            force.name,
                            force.name,
                            f"-1.{number:04d}",
                            f"52.{number:04d}",
                            "On or near Park Road",
                            lsoa,
                            f"{area} {lsoa[-3:]}",
                            crime_type,
                            "" if crime_type == ASB else "Under investigation",
                            "",
                        ]
                    )
    # rows that cannot be placed: no LSOA (a crime recorded with no location), an LSOA the
    # lookup lacks; and a crime type nobody knows, in the force's first LSOA
    first = next(iter(force.lsoas.values()))[0]
    rows.append(
        [
            "x-nolsoa",
            month,
            force.name,
            force.name,
            "",
            "",
            "No location",
            "",
            "",
            DRUGS,
            "Under investigation",
            "",
        ]
    )
    rows.append(
        [
            "x-unknown",
            month,
            force.name,
            force.name,
            "-1.5",
            "52.5",
            "On or near Sea",
            UNKNOWN_LSOA,
            "Nowhere 001A",
            "Burglary",
            "Under investigation",
            "",
        ]
    )
    rows.append(
        [
            "x-type",
            month,
            force.name,
            force.name,
            "-1.5",
            "52.5",
            "On or near Hill",
            first,
            "Somewhere",
            UNKNOWN_TYPE,
            "Under investigation",
            "",
        ]
    )
    return rows


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def write_police(raw_dir: Path, folder: PoliceFolder) -> Path:
    """police/ as the download unpacks: street files, with outcomes and stop-and-search files
    beside each."""
    police = raw_dir / "police"
    for force, month in folder.files():
        where = police / month if month in folder.in_subfolders else police
        _write(where / f"{month}-{force.slug}-street.csv", HEADER, _rows(force, month))
        _write(
            where / f"{month}-{force.slug}-outcomes.csv",
            OUTCOMES_HEADER,
            [["abc", month, force.name, force.name, "", "", "", "", "", "Unable to prosecute"]],
        )
        _write(
            where / f"{month}-{force.slug}-stop-and-search.csv",
            STOP_AND_SEARCH_HEADER,
            [["Person search", f"{month}-03T10:00:00+00:00", "False", "52.6", "-1.1"]],
        )
    return police


def write_lookup(raw_dir: Path, forces: tuple[Force, ...], extra: dict[str, str] = ()) -> Path:
    """lsoa_lookup.csv: every LSOA the forces' rows fall in (never UNKNOWN_LSOA), plus `extra`
    (LSOA -> area), as kept and renamed from ONS's lookup."""
    pairs = {
        lsoa: area for force in forces for area, lsoas in force.lsoas.items() for lsoa in lsoas
    }
    pairs.update(dict(extra))
    path = raw_dir / "lsoa_lookup.csv"
    _write(path, ["lsoa_code", "area_code"], [[lsoa, area] for lsoa, area in sorted(pairs.items())])
    return path


def expected_window(
    folder: PoliceFolder, areas: tuple[str, ...], end_month: str, crime_types: tuple[str, ...]
) -> int:
    """Rows of these crime types placed in these areas with Month in the 12 months to
    end_month (every force's rows, as written)."""
    last = month_index(end_month)
    total = 0
    for force, month in folder.files():
        if not last - 11 <= month_index(month) <= last:
            continue
        for area, lsoas in force.lsoas.items():
            if area in areas:
                for lsoa in lsoas:
                    found = counts(force.slug, lsoa, month)
                    total += sum(found[t] for t in crime_types)
    return total


# The shipped sample's areas, as police.uk's forces cover them (LSOA codes invented): the
# Leicestershire force covers the LLR partnership; Nottinghamshire records a little crime in a
# Leicestershire LSOA too (so Leicestershire has two forces); West Midlands covers Coventry and
# Birmingham, which the sample does not hold.
LEICESTER, LEICESTERSHIRE, RUTLAND = "E06000016", "E10000018", "E06000017"
NOTTINGHAM, DERBY, COVENTRY, BIRMINGHAM = "E06000018", "E06000015", "E08000026", "E08000025"
SAMPLE_FORCES = (
    Force(
        "leicestershire",
        "Leicestershire Police",
        {
            LEICESTER: ("E01000001", "E01000002", "E01000003"),
            LEICESTERSHIRE: ("E01000011", "E01000012", "E01000013", "E01000014"),
            RUTLAND: ("E01000021",),
        },
    ),
    Force(
        "nottinghamshire",
        "Nottinghamshire Police",
        {NOTTINGHAM: ("E01000031", "E01000032"), LEICESTERSHIRE: ("E01000015",)},
    ),
    Force("derbyshire", "Derbyshire Constabulary", {DERBY: ("E01000041", "E01000042")}),
    Force(
        "west-midlands",
        "West Midlands Police",
        {COVENTRY: ("E01000051", "E01000052"), BIRMINGHAM: ("E01000061",)},
    ),
)


def months_between(first: str, last: str) -> tuple[str, ...]:
    return tuple(
        f"{index // 12}-{index % 12 + 1:02d}"
        for index in range(month_index(first) - 1, month_index(last))
    )


def sample_police_folder() -> PoliceFolder:
    """January 2022 to June 2025, 2024's months in YYYY-MM/ folders as the download unpacks,
    the rest directly in police/; Derbyshire's June 2024 file missing."""
    months = months_between("2022-01", "2025-06")
    return PoliceFolder(
        SAMPLE_FORCES,
        months,
        missing={("derbyshire", "2024-06")},
        in_subfolders={m for m in months if m.startswith("2024")},
    )
