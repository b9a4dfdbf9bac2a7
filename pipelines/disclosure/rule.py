"""The disclosure rule (metrics.md "Disclosure control: two tiers") and what a determined
reader knows about how the published numbers relate to each other.

Both the suppression and the audit read this module; each builds the relations from it in its
own code. The relations themselves hold exactly in the warehouse: a test checks every one of
them on a refreshed warehouse, and a third, hand-written attacker in the tests checks the
publication against them once more.
"""

from dataclasses import dataclass

# Primary suppression: a count of 1 to 4, wherever it is published (a count, a numerator or a
# denominator); a rate or percentage whose numerator or denominator is 1 to 4.
SMALL_NUMBER_MIN, SMALL_NUMBER_MAX = 1, 4
# The audit refuses a publication in which a suppressed cell can be narrowed to fewer whole
# values than this (from everything published, and counts being whole and not negative).
MIN_FEASIBLE_VALUES = 5
LOW_RELIABILITY_EVENTS = 10  # rates from fewer events carry a low-reliability flag

# The one reason the publication gives for every suppressed cell. Primary and complementary
# suppression are deliberately not told apart: a reason saying "a count of 1 to 4" would itself
# narrow the cell to four values. The restricted tier keeps the detailed reason.
PUBLISHED_REASON = "small_number_protection"

TOTAL_BREAKDOWN = "all"


@dataclass(frozen=True)
class SameNumber:
    """`metric`'s `column` is, by definition, `other_metric`'s numerator (same area, breakdown
    and period)."""

    metric: str
    column: str
    other_metric: str


@dataclass(frozen=True)
class CalendarYearsSum:
    """`metric`'s numerator at 31 December Y is the sum of `part_metric`'s numerators at
    31 December of the `years` calendar years ending with Y (same area, breakdown all)."""

    metric: str
    part_metric: str
    years: int


@dataclass(frozen=True)
class EstimateMinusCount:
    """`metric`'s numerator is its denominator (a published estimate) minus the sum of
    `count_metric`'s numerators over `groups` (same area and period)."""

    metric: str
    count_metric: str
    groups: tuple[str, ...]


SAME_NUMBERS = (
    SameNumber("unplanned_exit_rate", "numerator", "unplanned_exits"),
    SameNumber("deaths_in_treatment_rate", "numerator", "deaths_in_treatment"),
    SameNumber("drug_misuse_death_rate", "numerator", "drug_misuse_deaths"),
    SameNumber("successful_completion_rate", "denominator", "adults_in_treatment"),
    SameNumber("deaths_in_treatment_rate", "denominator", "adults_in_treatment"),
)
CALENDAR_YEAR_SUMS = (CalendarYearsSum("drug_misuse_death_rate_dsr", "drug_misuse_deaths", 3),)
ESTIMATE_MINUS_COUNTS = (
    EstimateMinusCount("unmet_need_opiate_crack", "adults_in_treatment", ("opiate",)),
    EstimateMinusCount(
        "unmet_need_alcohol", "adults_in_treatment", ("alcohol_only", "non_opiate_and_alcohol")
    ),
)
# Denominators that are public reference figures (ONS population, OHID prevalence estimates),
# not counts of people from the partnership's records: published as they are, never a cell to
# protect. Every other rate's denominator is a count from the records and is protected.
PUBLIC_DENOMINATOR_METRICS = frozenset(
    {"drug_misuse_death_rate", "drug_misuse_death_rate_dsr"}
    | {relation.metric for relation in ESTIMATE_MINUS_COUNTS}
)
# Numerators that may be negative (an estimate minus a count): no lower bound of zero.
SIGNED_NUMERATOR_METRICS = frozenset(relation.metric for relation in ESTIMATE_MINUS_COUNTS)
