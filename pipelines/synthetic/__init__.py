"""Seeded synthetic raw folders that follow the raw contract (pipelines/contract/).

`generate` writes the shipped sample in data/raw, and `generate_national` writes national-scale
folders for benchmarks. Everything in them is invented: no real person is in them. The same
seed gives the same files, byte for byte. In the sample, Leicester (E06000016) is calibrated to
the figures in its drug and alcohol strategy. For example, its adults in treatment come out at
exactly 2,087 for the 12 months to 31 Dec 2021 and 2,500 for the 12 months to 31 Dec 2024.

Each file of the folder has its own module (`readme` writes README.md, `police` the police.uk
folder); `areas` and `common` hold what they share. Every random draw of the files up to the
prevalence estimates comes from one shared stream (common.Generator), so the order of the calls
below is part of the output. The TOP forms, drawn from the final journeys, and the police files
come last, each from a stream of its own (common.stream); the LSOA geography draws from none.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pipelines import contract
from pipelines.synthetic import lsoa_lookup, police, prison_releases, treatment_journeys
from pipelines.synthetic.areas import SAMPLE_AREAS, SampleArea, national_areas
from pipelines.synthetic.common import AS_OF, Generator, window_start, write_csv
from pipelines.synthetic.drug_deaths_register import deaths_rows
from pipelines.synthetic.fingertips_benchmarks import FINGERTIPS_COLUMNS, fingertips_rows
from pipelines.synthetic.ons_drug_deaths import ons_rows
from pipelines.synthetic.population import population_rows
from pipelines.synthetic.prevalence_estimates import prevalence_rows
from pipelines.synthetic.prison_releases import (
    CONTINUITY_TARGETS,
    PEOPLE_PER_RELEASE,
    continuity_of_care,
)
from pipelines.synthetic.readme import write_readme
from pipelines.synthetic.treatment_journeys import (
    ADULTS_IN_TREATMENT_TARGETS,
    DISCHARGE_WEIGHTS,
    adults_in_treatment,
    substance_group,
)
from pipelines.synthetic.treatment_outcomes import OUTCOMES_FILE, write_outcomes

__all__ = [
    "ADULTS_IN_TREATMENT_TARGETS",
    "CONTINUITY_TARGETS",
    "DISCHARGE_WEIGHTS",
    "SAMPLE_AREAS",
    "SampleArea",
    "adults_in_treatment",
    "continuity_of_care",
    "generate",
    "generate_national",
    "national_areas",
    "substance_group",
    "window_start",
]


def generate(out_dir: Path, seed: int = 20250930) -> dict[str, int]:
    """Write the sample raw folder; returns the number of rows per file."""
    out_dir.mkdir(parents=True, exist_ok=True)
    gen = Generator(seed=seed)
    leicester = SAMPLE_AREAS[0]
    for area in SAMPLE_AREAS:
        for index in range(area.people):
            treatment_journeys.add_person(gen, area, index)
    treatment_journeys.add_carried_in(gen)
    for area in SAMPLE_AREAS:
        prison_releases.add_releases(gen, area)
    treatment_journeys.pin_coverage(gen)
    prison_releases.pin_coverage(gen)
    prison_releases.calibrate_continuity_of_care(gen, leicester)
    treatment_journeys.calibrate_adults_in_treatment(gen, leicester)
    gen.journeys.sort(key=lambda j: j["journey_id"])
    gen.releases.sort(key=lambda r: r["release_id"])

    population = population_rows(SAMPLE_AREAS, range(2018, gen.as_of.year + 1))
    deaths = deaths_rows(gen, SAMPLE_AREAS, population)
    files = {
        contract.TREATMENT_JOURNEYS: gen.journeys,
        contract.PRISON_RELEASES: gen.releases,
        contract.DRUG_DEATHS_REGISTER: deaths,
        contract.POPULATION: population,
        contract.PREVALENCE_ESTIMATES: prevalence_rows(
            gen, SAMPLE_AREAS, range(2019, gen.as_of.year + 1)
        ),
        contract.ONS_DRUG_DEATHS: ons_rows(gen, deaths, population, SAMPLE_AREAS),
    }
    counts = {}
    for raw_file, rows in files.items():
        write_csv(out_dir / raw_file.filename, [c.header for c in raw_file.columns], rows)
        counts[raw_file.filename] = len(rows)
    benchmarks = fingertips_rows()
    write_csv(out_dir / contract.FINGERTIPS_BENCHMARKS.filename, FINGERTIPS_COLUMNS, benchmarks)
    counts[contract.FINGERTIPS_BENCHMARKS.filename] = len(benchmarks)
    counts |= _recovery_and_crime(out_dir, gen, SAMPLE_AREAS)
    write_readme(out_dir, seed, SAMPLE_AREAS, gen.as_of)
    return counts


def generate_national(
    out_dir: Path,
    areas: int | None = None,
    scale: float = 1.0,
    seed: int = 20250930,
    as_of: date = AS_OF,
) -> dict[str, int]:
    """A raw folder for many areas at England-wide volumes times `scale` (no calibration; of the
    optional files, the TOP forms and the police folder with its LSOA lookup, not the ONS and
    Fingertips files: with all 152 authorities, England's values come from the data itself).
    Every area's force writes its police files."""
    out_dir.mkdir(parents=True, exist_ok=True)
    chosen = national_areas(areas, scale, seed)
    gen = Generator(
        seed=seed,
        as_of=as_of,
        areas=chosen,
        id_prefix=f"S{seed}",
        people_per_release=PEOPLE_PER_RELEASE,
    )
    for area in chosen:
        for index in range(area.people):
            treatment_journeys.add_person(gen, area, index)
    treatment_journeys.add_carried_in(gen)
    adults_by_area: dict[str, list[dict]] = {}
    for journey in gen.journeys:
        if journey["age_at_referral"] >= 18:
            adults_by_area.setdefault(journey["area_code"], []).append(journey)
    for area in chosen:
        prison_releases.add_releases(gen, area, adults_by_area.get(area.code, []))
    treatment_journeys.pin_coverage(gen)
    prison_releases.pin_coverage(gen)
    population = population_rows(chosen, range(2018, as_of.year + 1))
    files = {
        contract.TREATMENT_JOURNEYS: gen.journeys,
        contract.PRISON_RELEASES: gen.releases,
        contract.DRUG_DEATHS_REGISTER: deaths_rows(
            gen, chosen, population, calibrate=False, scale=scale
        ),
        contract.POPULATION: population,
        contract.PREVALENCE_ESTIMATES: prevalence_rows(
            gen, chosen, range(2019, as_of.year + 1), calibrate=False
        ),
    }
    counts = {}
    for raw_file, rows in files.items():
        write_csv(out_dir / raw_file.filename, [c.header for c in raw_file.columns], rows)
        counts[raw_file.filename] = len(rows)
    counts |= _recovery_and_crime(out_dir, gen, chosen, scale)
    return counts


def _recovery_and_crime(
    out_dir: Path, gen: Generator, areas: tuple[SampleArea, ...], scale: float = 1.0
) -> dict[str, int]:
    """The TOP forms of the final journeys, the police.uk folder and the LSOA lookup, each
    from its own random stream (drawn last, they move nothing drawn before)."""
    counts = {OUTCOMES_FILE: write_outcomes(out_dir / OUTCOMES_FILE, gen)}
    counts |= police.write_police(out_dir, gen.seed, areas, gen.as_of, scale)
    lookup = lsoa_lookup.lookup_rows(areas)
    write_csv(out_dir / lsoa_lookup.LOOKUP_FILE, list(lsoa_lookup.LOOKUP_COLUMNS), lookup)
    counts[lsoa_lookup.LOOKUP_FILE] = len(lookup)
    return counts
