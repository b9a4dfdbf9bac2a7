"""Treatment Outcomes Profile forms for a raw folder's journeys, written by the tests themselves
(in place of the shipped sample's, on a copy: these plant the forms the ingest must set aside),
and the recovery metrics worked out from the raw files by hand, apart from the SQL, to check the
warehouse against.

`write_treatment_outcomes(raw_dir)` reads the folder's treatment_journeys.csv and writes
treatment_outcomes.csv beside it, from a fixed seed: a start form for most started journeys
(on the start day or between referral and start), a review about every six months while the
journey is open, an exit form for most discharged journeys, answers that sometimes improve,
some empty answers, and a few forms the ingest must set aside (of unknown journeys, dated
outside their journey, a second start form).

`recovery_metrics(raw_dir, area_codes, period_end)` works metrics 13-15 out for one window
straight from the definitions (every person's counting journey, every form), in plain Python.
"""

from __future__ import annotations

import csv
import math
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

DAYS_COLUMNS = (
    "days_alcohol",
    "days_opiates",
    "days_crack",
    "days_cocaine",
    "days_amphetamines",
    "days_cannabis",
    "days_other_drug",
)
SCORES = ("psychological_health", "physical_health", "quality_of_life")
HEADER = (
    "top_id",
    "journey_id",
    "top_date",
    "stage",
    *DAYS_COLUMNS,
    "injected",
    "acute_housing_problem",
    "housing_at_risk",
    "days_paid_work",
    *SCORES,
)
# the contract's problem substances: each substance code's TOP column
COLUMN_OF = {
    **dict.fromkeys(("heroin", "methadone", "buprenorphine", "other_opiate"), "days_opiates"),
    "crack": "days_crack",
    "cocaine": "days_cocaine",
    "amphetamine": "days_amphetamines",
    "cannabis": "days_cannabis",
    **dict.fromkeys(
        ("benzodiazepine", "ketamine", "new_psychoactive", "other_drug"), "days_other_drug"
    ),
    "alcohol": "days_alcohol",
}
SUCCESSFUL = {"completed_drug_free", "completed_alcohol_free", "completed_occasional_user"}
# forms the ingest sets aside, by rule: how many of each the file holds
SET_ASIDE = {
    "related:top_of_a_known_journey": 3,
    "related:top_on_or_after_referral": 3,
    "related:top_not_after_discharge": 2,
    "related:one_start_top_per_journey": 4,  # two journeys with two start forms each
}


def _date(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


def read_journeys(raw_dir: Path) -> list[dict]:
    with (Path(raw_dir) / "treatment_journeys.csv").open(newline="", encoding="utf-8") as f:
        journeys = list(csv.DictReader(f))
    for journey in journeys:
        for column in ("referral_date", "treatment_start_date", "discharge_date"):
            journey[column] = _date(journey[column])
        journey["age_at_referral"] = int(journey["age_at_referral"])
    return journeys


def substances_of(journey: dict) -> list[str]:
    return [journey[f"substance_{n}"] for n in (1, 2, 3) if journey[f"substance_{n}"]]


def _maybe(rng: random.Random, value, empty: float = 0.05):
    """The value, or empty (not asked) now and then."""
    return "" if rng.random() < empty else value


def _answers(rng: random.Random, days: dict[str, int | str], housing: bool, work: int) -> dict:
    boolean = {True: "true", False: "false"}
    return {
        **{column: _maybe(rng, days[column]) for column in DAYS_COLUMNS},
        "injected": _maybe(rng, boolean[rng.random() < 0.1], 0.2),
        "acute_housing_problem": _maybe(rng, boolean[housing], 0.08),
        "housing_at_risk": _maybe(rng, boolean[rng.random() < 0.2], 0.2),
        "days_paid_work": _maybe(rng, work, 0.08),
        "psychological_health": _maybe(rng, rng.randint(0, 20), 0.1),
        "physical_health": _maybe(rng, rng.randint(0, 20), 0.1),
        "quality_of_life": _maybe(rng, rng.randint(0, 20), 0.1),
    }


def write_treatment_outcomes(raw_dir: Path, seed: int = 2025) -> Path:
    """treatment_outcomes.csv for the folder's journeys (see the module's docstring)."""
    rng = random.Random(seed)
    journeys = read_journeys(raw_dir)
    as_of = max(
        d
        for j in journeys
        for d in (j["referral_date"], j["treatment_start_date"], j["discharge_date"])
        if d is not None
    )
    rows: list[dict] = []

    def add(journey_id: str, top_date: date, stage: str, answers: dict) -> None:
        rows.append(
            {
                "top_id": f"T{len(rows) + 1:08d}",
                "journey_id": journey_id,
                "top_date": top_date.isoformat(),
                "stage": stage,
                **answers,
            }
        )

    for journey in journeys:
        start, end = journey["treatment_start_date"], journey["discharge_date"]
        if start is None or rng.random() < 0.12:
            continue  # never started, or no form recorded
        problem = {COLUMN_OF[code] for code in substances_of(journey)}
        days: dict[str, int | str] = {}
        for column in DAYS_COLUMNS:
            if column in problem:
                days[column] = 0 if rng.random() < 0.12 else rng.randint(1, 28)
            else:
                days[column] = rng.randint(1, 6) if rng.random() < 0.05 else 0
        housing = rng.random() < 0.15
        work = 0 if rng.random() < 0.7 else rng.randint(1, 28)
        # the start form: on the start day, or now and then between referral and start
        first = start
        if journey["referral_date"] < start and rng.random() < 0.3:
            first = journey["referral_date"] + timedelta(
                days=rng.randint(0, (start - journey["referral_date"]).days)
            )
        add(journey["journey_id"], first, "start", _answers(rng, days, housing, work))
        # reviews about every six months while the journey is open
        review = start + timedelta(days=rng.randint(150, 200))
        last = min(end or as_of, as_of)
        while review < last and rng.random() < 0.9:
            change = rng.choice((0.0, 0.0, 0.25, 0.5, 0.5, 0.6, 1.0, 1.0, 1.3))
            days = {
                c: (min(28, math.floor(v * change + rng.choice((0, 0, 1)))) if v != "" else v)
                for c, v in days.items()
            }
            housing = rng.random() < (0.5 if housing else 0.06)
            work = work if rng.random() < 0.8 else (0 if work else rng.randint(1, 28))
            add(journey["journey_id"], review, "review", _answers(rng, days, housing, work))
            review += timedelta(days=rng.randint(150, 210))
        if end is not None and end <= as_of and rng.random() < 0.75:
            days = {c: (math.floor(v * rng.random()) if v != "" else v) for c, v in days.items()}
            add(journey["journey_id"], end, "exit", _answers(rng, days, housing, work))

    # forms that must be set aside (and count nowhere)
    discharged = [j for j in journeys if j["discharge_date"] and j["treatment_start_date"]]
    plain = _answers(rng, dict.fromkeys(DAYS_COLUMNS, 0), False, 0)
    for n in range(SET_ASIDE["related:top_of_a_known_journey"]):
        add(f"JUNKNOWN{n}", date(2023, 5, 1), "review", plain)
    for journey in rng.sample(discharged, SET_ASIDE["related:top_on_or_after_referral"]):
        add(journey["journey_id"], journey["referral_date"] - timedelta(days=3), "review", plain)
    late = [j for j in discharged if j["discharge_date"] < as_of - timedelta(days=10)]
    for journey in rng.sample(late, SET_ASIDE["related:top_not_after_discharge"]):
        add(journey["journey_id"], journey["discharge_date"] + timedelta(days=2), "exit", plain)
    started_once = [r["journey_id"] for r in rows if r["stage"] == "start"]
    for journey_id in rng.sample(sorted(set(started_once)), 2):
        first = next(r for r in rows if r["journey_id"] == journey_id and r["stage"] == "start")
        add(journey_id, date.fromisoformat(first["top_date"]), "start", plain)

    path = Path(raw_dir) / "treatment_outcomes.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


# ---------------------------------------------------------------- the metrics by hand


@dataclass
class Counts:
    numerator: int
    denominator: int


def _window_start(period_end: date) -> date:
    month = period_end.year * 12 + period_end.month - 1 - 11
    return date(month // 12, month % 12 + 1, 1)


def _progress(journey: dict, start: dict, review: dict) -> bool:
    judged = []
    for column in sorted({COLUMN_OF[s] for s in journey["substances"]}):
        s, r = start[column], review[column]
        if s != "" and r != "":
            judged.append((int(s), int(r)))
    if not judged:
        return False
    used = [(s, r) for s, r in judged if s >= 1]
    if used:
        return all(r <= s // 2 for s, r in used)
    return all(r == 0 for _, r in judged)


def _breaks_a_column_rule(form: dict) -> bool:
    """A stage that is no stage, days outside 0 to 28, a score outside 0 to 20: the ingest
    sets the form aside."""
    days = [form[c] for c in (*DAYS_COLUMNS, "days_paid_work") if form[c] != ""]
    scores = [form[c] for c in SCORES if form.get(c, "") != ""]
    return (
        form["stage"] not in ("start", "review", "exit")
        or any(not 0 <= int(d) <= 28 for d in days)
        or any(not 0 <= int(score) <= 20 for score in scores)
    )


def recovery_metrics(raw_dir: Path, area_codes: set[str], period_end: date) -> dict[str, Counts]:
    """Metrics 13-15 of the areas together for the window ending `period_end`, all substance
    groups: every adult in treatment placed by their counting journey, then the forms of that
    journey (a form of an unknown journey, one dated outside its journey and a journey's start
    forms when it has two count nowhere)."""
    journeys = read_journeys(raw_dir)
    for journey in journeys:
        journey["substances"] = substances_of(journey)
    by_id = {j["journey_id"]: j for j in journeys}
    with (Path(raw_dir) / "treatment_outcomes.csv").open(newline="", encoding="utf-8") as f:
        forms = [form for form in csv.DictReader(f) if not _breaks_a_column_rule(form)]
    forms_of: dict[str, list[dict]] = {}
    for form in forms:
        journey = by_id.get(form["journey_id"])
        top_date = date.fromisoformat(form["top_date"])
        if journey is None or top_date < journey["referral_date"]:
            continue
        if journey["discharge_date"] and top_date > journey["discharge_date"]:
            continue
        forms_of.setdefault(form["journey_id"], []).append({**form, "date": top_date})
    starts_of = {}
    for journey_id, its_forms in forms_of.items():
        starts = [f for f in its_forms if f["stage"] == "start"]
        if len(starts) == 1:
            starts_of[journey_id] = starts[0]
        elif starts:  # two or more: all set aside
            forms_of[journey_id] = [f for f in its_forms if f["stage"] != "start"]

    begin = _window_start(period_end)
    counting: dict[str, dict] = {}  # client -> their latest journey in treatment in W
    for journey in journeys:
        start, end = journey["treatment_start_date"], journey["discharge_date"]
        if start is None or start > period_end or (end is not None and end < begin):
            continue
        best = counting.get(journey["client_id"])
        if best is None or (start, journey["journey_id"]) > (
            best["treatment_start_date"],
            best["journey_id"],
        ):
            counting[journey["client_id"]] = journey
    people = [
        j for j in counting.values() if j["age_at_referral"] >= 18 and j["area_code"] in area_codes
    ]

    def latest(its_forms: list[dict]) -> dict | None:
        inside = [f for f in its_forms if begin <= f["date"] <= period_end]
        return max(inside, key=lambda f: (f["date"], f["top_id"])) if inside else None

    progress, housing, work = Counts(0, 0), Counts(0, 0), Counts(0, 0)
    for journey in people:
        its_forms = forms_of.get(journey["journey_id"], [])
        start_form = starts_of.get(journey["journey_id"])
        end = journey["discharge_date"]
        discharged_in_w = end is not None and begin <= end <= period_end
        review_due = journey["treatment_start_date"] <= period_end - timedelta(days=182)
        if start_form and start_form["date"] <= period_end and (discharged_in_w or review_due):
            progress.denominator += 1
            later = latest([f for f in its_forms if f["stage"] in ("review", "exit")])
            if (discharged_in_w and journey["discharge_reason"] in SUCCESSFUL) or (
                later is not None and _progress(journey, start_form, later)
            ):
                progress.numerator += 1
        recorded = latest([f for f in its_forms if f["acute_housing_problem"] != ""])
        if recorded is not None:
            housing.denominator += 1
            housing.numerator += recorded["acute_housing_problem"] == "true"
        if journey["age_at_referral"] <= 64:
            recorded = latest([f for f in its_forms if f["days_paid_work"] != ""])
            if recorded is not None:
                work.denominator += 1
                work.numerator += int(recorded["days_paid_work"]) >= 1
    return {
        "treatment_progress_rate": progress,
        "acute_housing_problem_rate": housing,
        "paid_work_rate": work,
    }
