"""Writes README.md for the shipped sample: where the files come from, which areas and dates
they cover, and which figures are real, invented or calibrated.

The README is part of the sample's output, and data/raw must equal a fresh run byte for byte,
so this text is changed only together with data/raw.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pipelines.synthetic import police
from pipelines.synthetic.areas import SampleArea

SAMPLE_README = """# The shipped sample (synthetic)

Written by `cdap sample` (pipelines/synthetic/) with seed {seed}: the same seed gives the same
files. No real person is in it. It follows the raw contract (`pipelines/contract/`).

- Areas: {areas}.
  Population sizes are rounded real mid-2021 totals spread over a typical age structure; every
  other number is invented.
- Coverage: 1 January 2019 to {as_of} (the as-of date of every record-level file); the
  treatment journeys also carry in the caseload open on the first day (below).
- Treatment journeys: several per person, overlapping and open journeys, every discharge reason,
  every substance group, young people and adults. Opiate clients often stay in treatment for
  years; alcohol and non-opiate journeys last months.
- The caseload already in treatment on 1 January 2019 is carried in, as real case-management
  extracts carry it: journeys referred and started in earlier years (back to 2010) and still
  open that day keep their own earlier referral and start dates, in every area, as many as a
  steady service keeps open (in proportion to each area's size; mostly opiate clients, whose
  journeys are the long ones). Without them the first windows would count only the people
  referred since January 2019, and adults in treatment would seem to climb for two years. The
  journeys that ended before 2019 are not in the file, and every discharge in it is on or after
  1 January 2019: the warehouse takes the file to be complete from the month of its first
  discharge, so the first window it publishes is still the 12 months to 31 December 2019.
- Calibrated for Leicester (E06000016) so that a refresh reproduces the figures of the Leicester
  drug and alcohol strategy: adults in treatment 2,087 (12 months to
  31 Dec 2021) and 2,500 (to 31 Dec 2024); continuity of care 21.0% (FY 2021/22) and 55.2%
  (FY 2024/25); 3-year drug misuse death rate 14.7 per 100,000 (2022-2024); unmet need about 80%
  (alcohol) and 50% (opiates and crack) in FY 2024/25.
- `fingertips_benchmarks.csv` holds England rows in the real Fingertips download format. Published
  England figures are used where they are known (continuity of care 37.4% in 2021/22 and
  43% in 2022/23; deaths from drug misuse 5.0 per 100,000 in 2018-20); every other England value
  in it is invented.
- `ons_drug_deaths.csv` is invented: near the register's own rates, suppressed (`:`) below 10
  deaths, and Nottingham 2022-2024 deliberately off so the reconciliation has something to flag.
- `treatment_outcomes.csv` holds invented Treatment Outcomes Profile (TOP) forms of the adults'
  journeys that started: a start TOP near the treatment start for most of them (some have none,
  as in real data), reviews about every six months while the journey is open (some missed), and
  an exit TOP at discharge for many, most of all the planned exits. It holds the forms from
  1 January 2019 on, and the start TOPs of the journeys carried in, dated at their earlier
  starts. The answers follow each journey's substances (days used in the past 28 of its problem
  substances, usually falling during treatment, more so for successful completions), acute
  housing problems (about one in eight at start, fewer later), paid work and the health and
  quality-of-life scores (0 to 20). A few per cent of answers are empty, and some forms have a
  whole section empty, as real forms have. Young people have none (they have their own record).
- `police/` is shaped like the police.uk street-level crime download: a folder a month from
  January 2019 to {last_month}, each with a `-street.csv` file (police.uk's 12 columns) from
  each force that covers the sample's areas, and the download's `-outcomes.csv` files for the
  last three months (the warehouse does not read them). The forces:
  {forces}.
  Every row is invented: crime ids, places and outcomes. The force files hold the rows of the
  sample's areas only, about 1.5% of them without a location (no LSOA), as real files have. To
  keep the sample small they hold only a share of the crimes: one in {metric_share} of the types
  the crime metrics count (Drugs, Burglary, Robbery, Theft from the person, Vehicle crime) and
  one in {other_share} of the other types. Within each share the rates per 1,000 residents
  follow England's (higher in the cities), so the sample's crime counts and rates are about
  1/{metric_share} of real ones.
- `lsoa_lookup.csv` maps every LSOA the police files use, and a few they never use, to its area.
  The LSOAs are invented (about one for every 1,700 residents): their codes follow ONS's pattern
  (`E01` and six digits) and their names its style ("Leicester 001A", Leicestershire's after its
  districts), but neither is a real LSOA's.
- The police files follow the shape of data.police.uk's download (contains public sector
  information licensed under the Open Government Licence v3.0), and the LSOA lookup the shape
  of ONS's LSOA (2021) to local authority lookups (source: Office for National Statistics,
  licensed under the Open Government Licence v3.0). Only the shapes, the force names, the crime
  types and the outcome categories are theirs; no figure in them is.
"""


def write_readme(out_dir: Path, seed: int, areas: tuple[SampleArea, ...], as_of: date) -> None:
    names = ", ".join(f"{a.name} ({a.code})" for a in areas)
    forces = sorted({police.FORCES[police.FORCE_OF_AREA[a.code]][0] for a in areas})
    last_month = date.fromisoformat(f"{police.police_months(as_of)[-1]}-01")
    readme = SAMPLE_README.format(
        seed=seed,
        areas=names,
        as_of=as_of.isoformat(),
        last_month=f"{last_month:%B %Y}",
        forces=", ".join(forces),
        metric_share=police.SAMPLED_METRIC_TYPES,
        other_share=police.SAMPLED_OTHER_TYPES,
    )
    (out_dir / "README.md").write_text(readme, encoding="utf-8")
