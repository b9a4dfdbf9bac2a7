"""Writes treatment_outcomes.csv: one row per Treatment Outcomes Profile (TOP) form.

A keyworker completes the TOP with an adult client at the start of a journey, at reviews about
every six months while it is open, and at exit. Here most adult journeys that started have a
start TOP near their treatment start (some have none, as in real data); reviews fall about every
six months while the journey is open, and many are missed; many discharged journeys, most of
all the successful ones, have an exit TOP near their discharge. Every form lies between its
journey's referral and discharge (if any) and not after the as-of date. The extract holds the
forms from 1 January 2019 on, and the start TOPs of the journeys carried in from before (what
their progress is judged against). Young people's journeys have none: under-18s have their own
outcome record.

The answers follow the journey's substances: days used in the past 28 of each problem
substance (its column by the substance's code), high at start and usually lower at reviews and
exit, more so for journeys that end in a successful completion; little use of the other
substances. Acute housing problems (about one in eight at start) and injecting fall during
treatment; most have no paid work at start and some find it; the health and quality-of-life
scores (0 to 20) rise for those who improve. Real forms have gaps: a few per cent of answers are
empty, and some forms have a whole section empty. No row breaks the contract: the sample must
refresh clean.

The forms are drawn after the journeys are final (the calibrations edit them), from their own
random stream, so that drawing them moves no other file.
"""

from __future__ import annotations

import csv
import math
import random
from datetime import date, timedelta
from pathlib import Path

from pipelines import contract
from pipelines.synthetic.common import EXTRACT_START, Generator, stream
from pipelines.synthetic.treatment_journeys import substance_group

OUTCOMES_FILE = "treatment_outcomes.csv"
DAYS_COLUMNS = contract.TOP_DAYS_COLUMNS
TREATMENT_OUTCOMES_COLUMNS = (
    "top_id",
    "journey_id",
    "top_date",
    "stage",
    *DAYS_COLUMNS,
    "injected",
    "acute_housing_problem",
    "housing_at_risk",
    "days_paid_work",
    "psychological_health",
    "physical_health",
    "quality_of_life",
)
_DAYS_OF_CODE = {
    "crack": "days_crack",
    "cocaine": "days_cocaine",
    "amphetamine": "days_amphetamines",
    "cannabis": "days_cannabis",
    "alcohol": "days_alcohol",
}


def days_column(substance: str) -> str:
    """The TOP column that holds a substance's days of use: opiate-class codes in
    days_opiates; crack, cocaine, amphetamine, cannabis and alcohol in their own; the other
    drugs (benzodiazepine, ketamine, new_psychoactive, other_drug) in days_other_drug."""
    if contract.SUBSTANCE_CLASSES[substance] == "opiate":
        return "days_opiates"
    return _DAYS_OF_CODE.get(substance, "days_other_drug")


# Days used in the 28 before a start TOP, of a problem substance: (share not using at start,
# share using every day, the mode of the days of the rest).
START_USE = {
    "days_opiates": (0.08, 0.35, 24),
    "days_crack": (0.10, 0.06, 6),
    "days_cocaine": (0.08, 0.04, 4),
    "days_amphetamines": (0.08, 0.08, 8),
    "days_cannabis": (0.05, 0.35, 20),
    "days_other_drug": (0.10, 0.10, 6),
    "days_alcohol": (0.05, 0.25, 16),
}
# A substance that is not a problem one: the share using it at all at start.
OTHER_USE = {column: 0.04 for column in DAYS_COLUMNS} | {"days_alcohol": 0.15}
# Chance that a journey improves (what its reviews and exit show), by its outcome class.
IMPROVES = {
    "successful": 0.9,
    "transferred": 0.5,
    "unplanned": 0.3,
    "custody": 0.3,
    "died": 0.2,
    "other": 0.45,
    None: 0.5,  # still open
}
# Chance of an exit TOP at discharge, by outcome class: mostly planned exits (a client who
# drops out is seldom there to complete one; none for a death).
EXIT_FORM = {
    "successful": 0.85,
    "transferred": 0.4,
    "unplanned": 0.15,
    "custody": 0.1,
    "died": 0.0,
    "other": 0.25,
}
START_FORM = 0.88  # share of adult journeys that started with a start TOP
REVIEW_FORM = 0.62  # share of the reviews due that are done
REVIEW_EVERY = 182  # days
# Acute housing problem at start, by substance group (about one in eight overall).
ACUTE_HOUSING = {
    "opiate": 0.17,
    "non_opiate_only": 0.10,
    "non_opiate_and_alcohol": 0.12,
    "alcohol_only": 0.08,
}
# In paid work at start, by substance group (adults under 65).
IN_WORK = {
    "opiate": 0.08,
    "non_opiate_only": 0.30,
    "non_opiate_and_alcohol": 0.28,
    "alcohol_only": 0.32,
}
EMPTY_ANSWER = 0.03  # share of answers left empty, question by question
# The sections of the form, and the share of forms with a whole section empty.
SECTIONS = {
    "substances": (*DAYS_COLUMNS, "injected"),
    "housing_and_work": ("acute_housing_problem", "housing_at_risk", "days_paid_work"),
    "health": ("psychological_health", "physical_health", "quality_of_life"),
}
EMPTY_SECTION = {"substances": 0.02, "housing_and_work": 0.03, "health": 0.06}
_POSITION = {column: n for n, column in enumerate(TREATMENT_OUTCOMES_COLUMNS)}
_FIRST_ANSWER = _POSITION["days_alcohol"]
_LOG_ANSWERED = math.log(1 - EMPTY_ANSWER)


def write_outcomes(path: Path, gen: Generator) -> int:
    """Write the TOP forms of the generator's journeys (final, after any calibration), in
    journey order, one at a time (a national folder holds millions); returns how many. One form
    is dated on the as-of date, so the file's as-of date is the journeys'."""
    rng = stream(gen.seed, "treatment_outcomes")
    count = 0
    latest = date.min
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(TREATMENT_OUTCOMES_COLUMNS)
        for journey in gen.journeys:
            if journey["treatment_start_date"] is None or journey["age_at_referral"] < 18:
                continue
            for form in _journey_forms(rng, journey, gen.as_of):
                count += 1
                form[0] = f"T{gen.id_prefix}{count:08d}"
                latest = max(latest, form[2])
                writer.writerow(form)
        form = _pinned_review(rng, gen) if latest < gen.as_of else None
        if form:
            count += 1
            form[0] = f"T{gen.id_prefix}{count:08d}"
            writer.writerow(form)
    return count


def _pinned_review(rng: random.Random, gen: Generator) -> list | None:
    """A review on the as-of date of the first adult journey open then and started half a
    year before (of the coverage area where there is one)."""
    due = gen.as_of - timedelta(days=REVIEW_EVERY)
    open_ones = [
        j
        for j in gen.journeys
        if j["age_at_referral"] >= 18
        and j["discharge_date"] is None
        and j["treatment_start_date"] is not None
        and j["treatment_start_date"] <= due
    ]
    if not open_ones:
        return None
    journey = next((j for j in open_ones if j["area_code"] == gen.coverage_area), open_ones[0])
    return _Client(rng, journey).form(journey["journey_id"], gen.as_of, "review", 1)


def _journey_forms(rng: random.Random, journey: dict, as_of: date) -> list[list]:
    start: date = journey["treatment_start_date"]
    referral: date = journey["referral_date"]
    discharge: date | None = journey["discharge_date"]
    client = _Client(rng, journey)
    forms = []
    journey_id = journey["journey_id"]
    if rng.random() < START_FORM:
        day = start + timedelta(days=round(rng.triangular(-10, 21, 0)))
        day = max(day, referral)
        if discharge and day > discharge:
            day = discharge
        if day <= as_of:  # (one due after the as-of date is not done yet)
            forms.append(client.start_form(journey_id, day))
    # reviews about every six months while open (from the extract's first day)
    first = max(1, -(-(EXTRACT_START - start).days // REVIEW_EVERY))
    review_before = discharge - timedelta(days=14) if discharge else as_of
    number = first
    while True:
        day = start + timedelta(days=number * REVIEW_EVERY + round(rng.triangular(-21, 35, 0)))
        if day > review_before or day > as_of:
            break
        if rng.random() < REVIEW_FORM and day >= EXTRACT_START:
            forms.append(client.form(journey_id, day, "review", number))
        number += 1
    outcome = contract.DISCHARGE_OUTCOME_CLASSES.get(journey["discharge_reason"])
    if discharge and (discharge - start).days >= 14 and rng.random() < EXIT_FORM[outcome]:
        day = discharge - timedelta(days=min(10, int(rng.expovariate(1 / 3))))
        # after the journey's other forms, and in the extract (every discharge is)
        earliest = max([EXTRACT_START, *(f[2] for f in forms)])
        forms.append(client.form(journey_id, max(day, earliest), "exit", number))
    return forms


class _Client:
    """One adult's answers over a journey: drawn at start, then carried from form to form."""

    def __init__(self, rng: random.Random, journey: dict) -> None:
        self.rng = rng
        substances = [journey[f"substance_{n}"] for n in (1, 2, 3) if journey[f"substance_{n}"]]
        group = substance_group(substances)
        self.problem = {days_column(s) for s in substances}
        self.outcome = contract.DISCHARGE_OUTCOME_CLASSES.get(journey["discharge_reason"])
        self.improves = rng.random() < IMPROVES[self.outcome]
        self.days = {column: self._start_days(column) for column in DAYS_COLUMNS}
        opiate = "days_opiates" in self.problem
        crack = "days_crack" in self.problem
        self.injects = rng.random() < (0.3 if opiate else 0.08 if crack else 0.01)
        self.acute = rng.random() < ACUTE_HOUSING[group]
        self.at_risk = rng.random() < 0.15
        working_age = journey["age_at_referral"] < 65
        self.works = rng.random() < (IN_WORK[group] if working_age else 0.04)
        self.work_days = rng.randint(6, 22)
        self.scores = [rng.gauss(9.5, 3.5), rng.gauss(11.0, 3.5), rng.gauss(9.5, 3.5)]
        self.gain = rng.gauss(3.0, 2.0) if self.improves else rng.gauss(0.3, 2.0)

    def _start_days(self, column: str) -> int:
        rng = self.rng
        if column not in self.problem:
            return round(rng.triangular(1, 20, 2)) if rng.random() < OTHER_USE[column] else 0
        none, daily, mode = START_USE[column]
        draw = rng.random()
        if draw < none:
            return 0
        if draw < none + daily:
            return 28
        return round(rng.triangular(1, 27, mode))

    def start_form(self, journey_id: str, day: date) -> list:
        return self._row(journey_id, day, "start", self.days, self.injects, self.acute)

    def form(self, journey_id: str, day: date, stage: str, number: int) -> list:
        """A review or exit form: the answers of an improving client (this time) are lower."""
        rng = self.rng
        successful_exit = stage == "exit" and self.outcome == "successful"
        better = self.improves and rng.random() < (0.95 if successful_exit else 0.85)
        days = {
            column: self._later_days(column, start, better) for column, start in self.days.items()
        }
        if self.injects and rng.random() < (0.6 if better else 0.2):
            self.injects = False
        if self.acute:
            self.acute = rng.random() >= (0.75 if better else 0.45)
        else:
            self.acute = rng.random() < 0.03
        if not self.works and rng.random() < (0.12 if better else 0.04):
            self.works = True
        elif self.works and rng.random() < 0.08:
            self.works = False
        self.at_risk = rng.random() < (0.08 if better else 0.14)
        gain = min(1.0, number / 2) * self.gain
        return self._row(journey_id, day, stage, days, self.injects, self.acute, gain)

    def _later_days(self, column: str, start: int, better: bool) -> int:
        rng = self.rng
        if start == 0:
            used = rng.random() < (0.03 if better else 0.12)
            return round(rng.triangular(1, 12, 2)) if used else 0
        if column not in self.problem:
            return 0 if better or rng.random() < 0.5 else round(start * rng.uniform(0.3, 1.0))
        if better:
            return 0 if rng.random() < 0.55 else int(start * rng.uniform(0, 0.5))
        return min(28, max(0, round(start * rng.uniform(0.55, 1.1))))

    def _row(
        self,
        journey_id: str,
        day: date,
        stage: str,
        days: dict[str, int],
        injects: bool,
        acute: bool,
        gain: float = 0.0,
    ) -> list:
        """The form as a row in TREATMENT_OUTCOMES_COLUMNS order (its top_id left to the
        writer)."""
        draw = self.rng.random
        row: list = [None, journey_id, day, stage, *(days[c] for c in DAYS_COLUMNS)]
        row += [_bool(injects), _bool(acute), _bool(self.at_risk)]
        row.append(self.work_days + int(draw() * 7) - 3 if self.works else 0)
        for score in self.scores:
            # this form's own noise: -2.5 to 2.5, most often near 0
            noise = (draw() + draw() - 1) * 2.5
            row.append(min(20, max(0, round(score + gain + noise))))
        for section, columns in SECTIONS.items():
            if draw() < EMPTY_SECTION[section]:
                for column in columns:
                    row[_POSITION[column]] = None
        # each answer empty with chance EMPTY_ANSWER: the questions to the next empty one
        # are drawn (geometric), not each question in turn
        position = _FIRST_ANSWER - 1
        while True:
            position += 1 + int(math.log(1.0 - draw()) / _LOG_ANSWERED)
            if position >= len(row):
                return row
            row[position] = None


def _bool(value: bool) -> str:
    return "true" if value else "false"
