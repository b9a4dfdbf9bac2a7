"""The pack in plain words: what a board member reads instead of codes. Every label, verdict
and sentence of the html and xlsx packs comes from here, so the two say the same thing."""

import math

import pandas as pd

from pipelines.transform import catalogue

SUPPRESSED = "suppressed (small numbers)"  # the one way a hidden value is shown
PROVISIONAL = "provisional"
NOT_PUBLISHED = "not published"  # no value, not by disclosure control (the note says why)

CHANGE_LABELS = {
    "improving": "improved",
    "worsening": "worsened",
    # a measure without a polarity (drug offences recorded): neither is better
    "increasing": "increased",
    "decreasing": "decreased",
    "no_significant_change": "no significant change",
}
TREND_LABELS = {
    "increasing_and_getting_better": "rising and getting better",
    "increasing_and_getting_worse": "rising and getting worse",
    "decreasing_and_getting_better": "falling and getting better",
    "decreasing_and_getting_worse": "falling and getting worse",
    "increasing": "rising",
    "decreasing": "falling",
    "no_significant_change": "no significant trend",
}
INTERVALS_TEST = "the two years' intervals"  # the scorecard's change test of unmet need
COMPARISON_LABELS = {
    "better": "better",
    "similar": "similar",
    "worse": "worse",
    "higher": "higher",
    "lower": "lower",
}
# the catalogue's words for each unit; a count is "number" beside a measure's name
UNIT_WORDS = {**catalogue.UNITS, "count": "number"}
# the raw files behind each metric, as a reader knows them
SOURCE_NAMES = {
    "treatment_journeys": "treatment journeys (the providers' case records)",
    "prison_releases": "releases from prison (secure settings)",
    "drug_deaths_register": "the local register of drug-related deaths",
    "prevalence_estimates": "OHID's estimates of need",
    "population": "ONS mid-year population estimates",
    "ons_drug_deaths": "ONS deaths related to drug misuse",
    "fingertips_benchmarks": "OHID Fingertips (England figures)",
    "treatment_outcomes": "Treatment Outcomes Profile forms (start, review and exit)",
    "police": "police.uk street-level crime (police-recorded)",
    "lsoa_lookup": "ONS's LSOA to local authority lookup",
}
COMPARATOR_LISTS = {
    "illustrative_same_type_nearby_region": (
        "an illustrative list of similar areas nearby (not CIPFA's nearest neighbours)"
    ),
}


def missing(value) -> bool:
    return (
        value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))
    ) or (not isinstance(value, str) and pd.isna(value))


def day(value) -> str:
    """A date as people write it: '30 September 2025'."""
    stamp = pd.Timestamp(value)
    return f"{stamp.day} {stamp:%B %Y}"


def month(value) -> str:
    stamp = pd.Timestamp(value)
    return f"{stamp:%B %Y}"


def period(start, end) -> str:
    """A period as a board member reads it: 'April 2024 to March 2025'."""
    return f"{month(start)} to {month(end)}"


def number(value, unit: str) -> str:
    if missing(value):
        return ""
    if unit == "count":
        return f"{value:,.0f}"
    return f"{value:,.1f}{'%' if unit == 'percentage' else ''}"


def with_unit(value, unit: str) -> str:
    """'55.2%', '14.7 per 100,000', '2,552', '3.1 per 1,000'."""
    text = number(value, unit)
    # a rate's words are the catalogue's ('per 100,000', 'per 1,000')
    per = f" {catalogue.UNITS[unit]}" if unit.startswith("rate_per_") else ""
    return f"{text}{per}" if text else text


def interval(row) -> str:
    if row.is_suppressed or missing(row.lower_95) or missing(row.upper_95):
        return ""
    return f"{number(row.lower_95, row.unit)} to {number(row.upper_95, row.unit)}"


def change(row) -> str:
    """The tested change on a year earlier, or why it could not be judged."""
    if row.is_suppressed:
        return f"not judged: {SUPPRESSED}"
    if row.is_provisional:
        return "not judged: provisional"
    label = CHANGE_LABELS.get(row.direction_of_travel)
    if label is not None and str(row.change_test).startswith(INTERVALS_TEST):
        # unmet need: said beside the verdict, as metric 12 asks
        overlap = "overlap" if label == "no significant change" else "do not overlap"
        return f"{label} (the two years' intervals {overlap}; a conservative test)"
    if label is not None:
        return label
    if missing(row.not_judged_reason):  # blanked by disclosure control: the earlier one is hidden
        return f"not judged: the figure a year earlier is {SUPPRESSED}"
    return f"not judged: {row.not_judged_reason}"


def trend(row) -> str:
    if row.is_suppressed or row.is_provisional:
        return ""
    # only a trend found: "no significant trend" beside "no significant change" is noise
    return (
        ""
        if row.recent_trend == "no_significant_change"
        else TREND_LABELS.get(row.recent_trend, "")
    )


def england(row) -> str:
    """The comparison with England in words, with England's value."""
    value = with_unit(row.england_value, row.unit)
    if row.is_suppressed:
        return f"England {value}" if value else ""
    if row.is_provisional:
        return "not compared: provisional"
    label = COMPARISON_LABELS.get(row.comparison_to_england)
    if label is not None:
        return (
            f"{label} than England ({value})"
            if label != "similar"
            else (f"similar to England ({value})")
        )
    if row.unit == "count":
        return "not compared: counts are not compared with England"
    if not value:
        return "not compared: no England figure for this measure"
    return f"not compared: no interval (England {value})"


def neighbours(row, has_neighbours: bool) -> str:
    """The comparison with the area's neighbours: their middle value, and the area's rank."""
    if not has_neighbours:
        return "not compared: no list of neighbours for this area"
    if row.is_suppressed:
        return ""
    if row.is_provisional:
        return "not compared: provisional"
    if row.unit == "count":
        return "not compared: counts are not compared"
    label = COMPARISON_LABELS.get(row.comparison_to_neighbours)
    if label is None or missing(row.neighbour_median):
        return "not compared: no neighbour has a published value"
    middle = with_unit(row.neighbour_median, row.unit)
    rank = (
        ""
        if missing(row.rank_among_neighbours)
        else f"; {rank_words(int(row.rank_among_neighbours), int(row.areas_ranked))}"
    )
    said = "similar to" if label == "similar" else f"{label} than"
    return f"{said} the middle neighbour ({middle}){rank}"


def rank_words(rank: int, out_of: int) -> str:
    """'the best of 4', '2nd best of 4', 'the worst of 4'."""
    if rank == 1:
        return f"the best of {out_of}"
    if rank == out_of:
        return f"the worst of {out_of}"
    return f"{ordinal(rank)} best of {out_of}"


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def note(row) -> str:
    """What else a reader must know about the row."""
    parts = []
    if row.is_provisional:
        parts.append(
            "Provisional: its follow-up period runs past the data's as-of date, so it may "
            "still change."
        )
    if getattr(row, "is_revised", False):
        parts.append(
            "Revised since it was first published: shown as first published (a published "
            "value is never changed), so its change and trend are not re-tested."
        )
    if row.is_suppressed:
        parts.append("Suppressed: a small number, or a figure that would let one be worked out.")
    elif isinstance(row.value_note, str) and row.value_note:
        parts.append(row.value_note[0].upper() + row.value_note[1:] + ".")
    return " ".join(parts)


def sources(text) -> str:
    if missing(text):
        return ""
    return "; ".join(SOURCE_NAMES.get(s, s.replace("_", " ")) for s in str(text).split("|"))


def comparator_list(name) -> str:
    return COMPARATOR_LISTS.get(name, str(name).replace("_", " "))


def listed(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def human_published(stamp: str) -> str:
    return day(pd.Timestamp(stamp).tz_localize(None) if pd.Timestamp(stamp).tz else stamp)


POLARITY_WORDS = {
    "higher_is_better": "higher",
    "lower_is_better": "lower",
    "not_applicable": "neither (no direction is better)",
}


def period_of(pack) -> str:
    return f"the year to {month(pack.period_end)}"


def neighbours_sentence(pack) -> str:
    """Which neighbours the area is compared with: only those this publication holds."""
    if not pack.has_neighbours:
        return (
            f"No list of neighbours is held for {pack.area_name}, so it is not compared with "
            "neighbours (a partnership's members are compared in their own packs)."
        )
    first = pack.neighbours.iloc[0]
    shown = pack.neighbours[pack.neighbours.is_reported.astype(bool)].area_name.tolist()
    text = (
        f"{pack.area_name} is compared with the middle value of its neighbours, from "
        f"{comparator_list(first.list_name)}, version of {day(first.version_date)}. "
    )
    total = len(pack.neighbours)
    if not shown:
        return text + f"None of its {total} listed neighbours is in this publication."
    return text + (
        f"{len(shown)} of its {total} listed neighbours are in this publication: {listed(shown)}."
    )
