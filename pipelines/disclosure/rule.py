"""The disclosure rule and what a determined reader knows about how the published numbers
relate to each other, over every relation, over time and across publications.

Both the suppression and the audit read this module; each builds the relations from it in its
own code. Every relation and inequality declared here holds in the warehouse by definition: a
test checks each one on a refreshed warehouse, and an intruder written apart from the
disclosure code (tests/helpers/intruder.py) attacks the publication with them once more.
The page docs/disclosure_rule.md says the rule in plain words; it is generated from this module
(`pipelines.disclosure.page`), so a change here shows there.

What the shareable tier publishes at all (the answer to time and to revisions):

- *Time.* A 12-month count of events is the sum of 12 monthly counts that are never negative,
  so two overlapping windows of the same series tie their hidden months together (a published
  zero pins all 12 months to zero). The metrics of EVENT_METRICS are therefore published at one
  month end a year only, so that no two published windows of them share a month: the monthly
  model then adds nothing to what the relations of one window give. The restricted warehouse
  keeps every month end.
- *Revisions.* A reader keeps every earlier publication, so a published value that changes is
  itself a count (the records that changed). Provisional values (their look-forward runs past
  the data's as-of date, so they will change) are not published; a value once published is
  published again exactly as it was, with the same cells hidden (`pipelines.disclosure
  .shareable` reads the publication it replaces), even where the warehouse has since changed it.
"""

from dataclasses import dataclass

# Primary suppression: a count of 1 to 4, wherever it is published (a count, a numerator or a
# denominator); a rate or percentage whose numerator or denominator is 1 to 4.
SMALL_NUMBER_MIN, SMALL_NUMBER_MAX = 1, 4
# The audit refuses a publication in which a suppressed cell can be narrowed to fewer whole
# values than this (from everything published, and counts being whole and not negative).
MIN_FEASIBLE_VALUES = 5
LOW_RELIABILITY_EVENTS = 10  # rates from fewer events carry a low-reliability flag
# The audit attacks each publication before it is published; where it finds a suppressed cell
# it can work out or narrow too far, one more cell is hidden beside it and the audit attacks
# again. After this many rounds that still fail, nothing is published.
MAX_AUDIT_ROUNDS = 8

# Complementary suppression: while a relation between published numbers would still give a
# hidden cell away, one more cell of that relation is hidden. Of the cells that could be hidden,
# the one chosen is the first by these preferences, in this order: each one decides only among
# the cells the ones before it left equal. The suppression builds its sort key from this list
# (each name is one part of the key), so reordering, adding or removing an entry changes the
# rule; a name the suppression does not know is an error.
COMPLEMENTARY_PREFERENCE = (
    (
        "protects_the_relation_at_once",
        "a cell that, hidden with the cells already hidden in the relation, leaves them enough "
        "room between them that no more has to be hidden there",
    ),
    (
        "not_a_zero",
        "a cell that is not zero: a hidden zero can often be worked out as zero from the "
        "published numbers beside it, so hiding it protects little",
    ),
    (
        "not_a_total",
        "a cell that is not a total (the breakdown of all substances): totals are what most "
        "readers look at first",
    ),
    (
        "not_the_home_area",
        "a cell outside the partnership's own area: the figures its board reads",
    ),
    (
        "fewest_new_relations_opened",
        "a cell whose other relations already hold a hidden cell, so that hiding it opens as "
        "few new relations as possible that would then need protecting too",
    ),
    (
        "in_a_row_already_suppressed",
        "a cell in a row that is already suppressed: that row shows no value anyway",
    ),
    (
        "smallest",
        "the smallest cell: the least is lost",
    ),
    (
        "fixed_order",
        "the first in a fixed order (numerators before denominators, then by metric, area, "
        "breakdown and period), so that the same data always gives the same pattern",
    ),
)

# The one reason the publication gives for every suppressed cell. Primary and complementary
# suppression are deliberately not told apart: a reason saying "a count of 1 to 4" would itself
# narrow the cell to four values. The restricted tier keeps the detailed reason.
PUBLISHED_REASON = "small_number_protection"

TOTAL_BREAKDOWN = "all"

FINANCIAL_YEAR_END_MONTH = 3  # years ending 31 March: NDTMS, PHOF and the strategy's years
CALENDAR_YEAR_END_MONTH = 12  # years ending 31 December: ONS's death registrations
# Metrics whose 12-month window is a sum of monthly events (or, for new presentations, as good
# as one: a person starting twice in a year is rare), each published at one month end a year
# only (see the module's docstring). The same count under two metrics has the same month.
EVENT_METRICS = {
    # journeys discharged in the window (a death in treatment is a discharge)
    "unplanned_exits": FINANCIAL_YEAR_END_MONTH,
    "unplanned_exit_rate": FINANCIAL_YEAR_END_MONTH,
    "deaths_in_treatment": FINANCIAL_YEAR_END_MONTH,
    "deaths_in_treatment_rate": FINANCIAL_YEAR_END_MONTH,
    # journeys started, or referred, in the window; people starting treatment in it
    "early_unplanned_exit_rate": FINANCIAL_YEAR_END_MONTH,
    "referral_conversion_rate": FINANCIAL_YEAR_END_MONTH,
    "new_presentations": FINANCIAL_YEAR_END_MONTH,
    # prison releases in the window
    "continuity_of_care_rate": FINANCIAL_YEAR_END_MONTH,
    # deaths registered in the window (the standardised rate is already published for
    # calendar years only, and its three years are a relation below)
    "drug_misuse_deaths": CALENDAR_YEAR_END_MONTH,
    "drug_misuse_death_rate": CALENDAR_YEAR_END_MONTH,
    "drug_misuse_death_rate_dsr": CALENDAR_YEAR_END_MONTH,
}


@dataclass(frozen=True)
class SameNumber:
    """`metric`'s `column` is, by definition, `other_metric`'s numerator (same area, breakdown
    and period)."""

    metric: str
    column: str
    other_metric: str


@dataclass(frozen=True)
class CalendarYearsSum:
    """`metric`'s numerator at 31 December of a year is the sum of `part_metric`'s numerators
    at 31 December of the `years` calendar years ending with that year (same area, breakdown
    all)."""

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


@dataclass(frozen=True)
class AtMost:
    """The sum of `parts` ((metric, column) pairs) is at most `whole`'s (same area, breakdown
    and period): the parts count disjoint subsets of what the whole counts. Every rate whose
    numerator is a subset of its denominator (NUMERATOR_WITHIN_DENOMINATOR) is one of these
    too."""

    parts: tuple[tuple[str, str], ...]
    whole: tuple[str, str]


AT_MOST = (
    # a new presentation starts a journey in the window, so that person is in treatment in the
    # window, counted in the same area and substance group (both follow their latest journey)
    AtMost((("new_presentations", "numerator"),), ("adults_in_treatment", "numerator")),
    # deaths in treatment and unplanned exits are journeys discharged in the window, of two
    # different kinds of exit (died, unplanned)
    AtMost(
        (("deaths_in_treatment", "numerator"), ("unplanned_exits", "numerator")),
        ("unplanned_exit_rate", "denominator"),
    ),
    # the recovery metrics' people are adults in treatment in the window, each counted through
    # the journey that counts them among adults in treatment (same area and substance group):
    # those with a start form and a review due or a discharge, those with housing recorded on a
    # form in the window, those aged 18 to 64 with days of paid work recorded
    AtMost((("treatment_progress_rate", "denominator"),), ("adults_in_treatment", "numerator")),
    AtMost((("acute_housing_problem_rate", "denominator"),), ("adults_in_treatment", "numerator")),
    AtMost((("paid_work_rate", "denominator"),), ("adults_in_treatment", "numerator")),
)
# Considered and left out, because they do not hold by definition: early unplanned exits
# against unplanned exits (the first are journeys *started* in the window, whose exit may fall
# after the window ends; the second journeys *discharged* in the window), young people against
# adults (they do not overlap), and deaths in treatment against adults in treatment (a
# journey's own area against the area of the person's latest journey). The recovery metrics'
# denominators overlap one another (a person can be in all three), so none is a part of another
# or of a sum with another; treatment progress's numerator and successful completions are not
# tied either (a completion counts as progress only for the journey that counts the person, and
# successful completions also ask that the person did not come back within 182 days). Like
# adults in treatment, the recovery metrics count people in treatment, not monthly events, and
# are published monthly.
# Rates whose numerator counts a subset of what the denominator counts.
NUMERATOR_WITHIN_DENOMINATOR = frozenset(
    {
        "successful_completion_rate",  # people in treatment whose latest exit was successful
        "unplanned_exit_rate",  # discharges that were unplanned
        "early_unplanned_exit_rate",  # journeys started that ended unplanned within 84 days
        "continuity_of_care_rate",  # releases followed by a treatment start within 21 days
        "referral_conversion_rate",  # referrals that started within 28 days
        "treatment_progress_rate",  # those judged who made substantial progress
        "acute_housing_problem_rate",  # those with housing recorded whose latest form says so
        "paid_work_rate",  # those with paid work recorded whose latest form has a day of it
    }
)

# Denominators that are public reference figures (ONS population, OHID prevalence estimates),
# not counts of people from the partnership's records: published as they are, never a cell to
# protect. Every other rate's denominator is a count from the records and is protected.
PUBLIC_DENOMINATOR_METRICS = frozenset(
    {"drug_misuse_death_rate", "drug_misuse_death_rate_dsr"}
    | {relation.metric for relation in ESTIMATE_MINUS_COUNTS}
    | {"drug_offences_rate", "neighbourhood_crime_rate"}
)
# Metrics whose every number is a public figure published elsewhere: police-recorded crime
# (police.uk publishes every street-level row under the Open Government Licence, so its counts
# and the population beside them are known to any reader). Neither their counts nor their
# denominators are cells to protect: never hidden, small numbers included, and published every
# month end (they are not event counts to publish once a year: a reader has the months
# already). No relation ties them to the partnership's records.
PUBLIC_METRICS = frozenset(
    {"drug_offences", "drug_offences_rate", "neighbourhood_crime", "neighbourhood_crime_rate"}
)
# Numerators that may be negative (an estimate minus a count): no lower bound of zero.
SIGNED_NUMERATOR_METRICS = frozenset(relation.metric for relation in ESTIMATE_MINUS_COUNTS)
