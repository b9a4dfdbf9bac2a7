"""The raw folder as it would have been extracted on an earlier day: what an intruder who keeps
every publication saw the month before. Record-level files lose every record and every date
after `cutoff` (a journey referred later never existed; a discharge after it had not happened;
a TOP form dated later was not done yet); the police.uk download loses its months after
cutoff's; the reference files (population, estimates, ONS, Fingertips, the LSOA lookup) are
copied as they are."""

import shutil
from datetime import date
from pathlib import Path

import pandas as pd

# file -> (the date that says whether the record existed yet, dates blanked when later)
RECORD_FILES = {
    "treatment_journeys.csv": (
        "referral_date",
        ("triage_date", "treatment_start_date", "discharge_date"),
    ),
    "prison_releases.csv": ("release_date", ()),
    "drug_deaths_register.csv": ("registration_date", ()),
    # a form dated later had not been filled in (nor one of a journey referred later)
    "treatment_outcomes.csv": ("top_date", ()),
}
# a blanked date blanks the columns that only exist with it
BLANKED_WITH = {"discharge_date": ("discharge_reason",)}


def write_earlier_extract(raw_dir: Path, out_dir: Path, cutoff: date) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    for path in sorted(Path(raw_dir).iterdir()):
        if path.name == "police":  # the month folders of the download, up to cutoff's month
            for month in sorted(path.iterdir()):
                if month.name <= f"{cutoff:%Y-%m}":
                    shutil.copytree(month, out_dir / path.name / month.name)
            continue
        if path.name not in RECORD_FILES:
            if path.is_file():
                shutil.copy2(path, out_dir / path.name)
            continue
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        exists_by, later_dates = RECORD_FILES[path.name]
        frame = frame[frame[exists_by] <= cutoff.isoformat()].copy()
        for column in later_dates:
            later = frame[column] > cutoff.isoformat()
            frame.loc[later, column] = ""
            for dependent in BLANKED_WITH.get(column, ()):
                frame.loc[later, dependent] = ""
        frame.to_csv(out_dir / path.name, index=False)
    return out_dir
