"""The disclosure rule as one page of plain words (Markdown), generated from `rule`.

Every number and list on the page is read from `rule`'s constants when the page is rendered,
so the page cannot drift from the rule the suppression and the audit apply. The committed copy
is docs/disclosure_rule.md; a test fails when it differs from `render()`. Regenerate it with
`cdap disclosure-rule > docs/disclosure_rule.md` (or `python -m pipelines.disclosure.page`).
"""

import calendar

from pipelines.disclosure import rule

REGENERATE = "cdap disclosure-rule > docs/disclosure_rule.md"


def _code(name: str) -> str:
    return f"`{name}`"


def _and(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def _cell(metric: str, column: str) -> str:
    """A published number: a count metric's own number, or a rate's numerator or denominator."""
    return f"the {column} of {_code(metric)}"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _small() -> str:
    return f"{rule.SMALL_NUMBER_MIN} to {rule.SMALL_NUMBER_MAX}"


def _what_is_hidden() -> list[str]:
    public = _and([_code(m) for m in sorted(rule.PUBLIC_DENOMINATOR_METRICS - rule.PUBLIC_METRICS)])
    public_metrics = _and([_code(m) for m in sorted(rule.PUBLIC_METRICS)])
    return [
        "## What is hidden, and why",
        "",
        "Each published number that counts people, journeys or events from the partnership's "
        "records is a *cell*: a count, or the numerator or denominator of a rate or percentage.",
        "",
        f"- **Small numbers.** Every count of {_small()} is hidden, wherever it is published "
        "(as a count, a numerator or a denominator), and so is every rate or percentage whose "
        f"numerator or denominator is {_small()}. A zero is not a small number.",
        "- **Numbers that would give a small number away.** Hiding a small number is not enough "
        "if it can be worked out from the numbers beside it (a total less its other parts, "
        "say). More cells are hidden until no hidden cell can be worked out, or narrowed to "
        f"fewer than {rule.MIN_FEASIBLE_VALUES} possible whole values, from everything that is "
        "published (see the relations and the order of preference below).",
        "- **A hidden denominator takes its numerator with it**, since the numerator can never "
        "be more than the denominator; and a numerator over a zero denominator (so zero too) "
        "can only be hidden with that zero.",
        "- **One reason for every hidden cell.** The publication marks every hidden cell "
        f"{_code(rule.PUBLISHED_REASON)}. Small numbers and the cells hidden to protect them "
        'are not told apart: a reason saying "a small number" would itself narrow the cell '
        "down. The restricted warehouse keeps the detailed reason.",
        "- **Public figures are not hidden.** The denominators of these rates are public "
        "reference figures (population, prevalence estimates), not counts from the records, "
        f"and are published as they are: {public}. Every other rate's denominator is a count "
        "from the records and is protected like any other count.",
        "- **Public counts are not hidden either.** Police-recorded crime is published by "
        "police.uk row by row (under the Open Government Licence), so its counts, small ones "
        "included, and the populations beside them are known to any reader: no number of "
        f"{public_metrics} is ever hidden, and they are published at every month end (a "
        "reader has their months already). No relation ties them to the partnership's "
        "records, so they protect nothing and give nothing away.",
        "- **A suppressed row** publishes no value, interval, note or comparison. Its "
        "denominator stays published unless it is itself a protected cell.",
        f"- **Low reliability.** A published rate from fewer than {rule.LOW_RELIABILITY_EVENTS} "
        "events carries a low-reliability flag.",
    ]


def _relations() -> list[str]:
    total = _code(rule.TOTAL_BREAKDOWN)
    lines = [
        "## Relations between published numbers that are protected",
        "",
        "A reader can add and subtract the published numbers. The protection covers every "
        "relation below together (a cell protected in its breakdown but given away through "
        "geography, or the other way round, is caught). A relation is used wherever it holds "
        "exactly in the data; where it does not (a total that also counts people whose "
        "substance is unknown, say), the audit still reads it as *at least*.",
        "",
        f"- **Breakdowns.** The total ({total}) is the sum of its substance groups, each "
        f"grouping of substances is the sum of its groups, and so the total is also any "
        "grouping plus the groups outside it.",
        "- **Geography.** A partnership is the sum of its member local authorities, and "
        "England is the sum of all the authorities published.",
        "- **The same number, published twice** (same area, breakdown and period):",
    ]
    for relation in rule.SAME_NUMBERS:
        lines.append(
            f"  - {_sentence(_cell(relation.metric, relation.column))} is the number published "
            f"as {_code(relation.other_metric)}."
        )
    lines.append("- **Years added together:**")
    for relation in rule.CALENDAR_YEAR_SUMS:
        lines.append(
            f"  - {_sentence(_cell(relation.metric, 'numerator'))} for a calendar year is the "
            f"sum of {_code(relation.part_metric)} for the {relation.years} calendar years "
            "ending with it."
        )
    lines.append("- **An estimate less a count** (a number that may be negative):")
    for relation in rule.ESTIMATE_MINUS_COUNTS:
        groups = _and([_code(g) for g in relation.groups])
        noun = "group" if len(relation.groups) == 1 else "groups"
        lines.append(
            f"  - {_code(relation.metric)} is its estimate (its published denominator) less "
            f"{_code(relation.count_metric)} in the substance {noun} {groups}."
        )
    for count in sorted({relation.count_metric for relation in rule.ESTIMATE_MINUS_COUNTS}):
        estimates = [r.metric for r in rule.ESTIMATE_MINUS_COUNTS if r.count_metric == count]
        lines.append(
            f"  - And so the total ({total}) of {_code(count)} is also the sum of its groups "
            f"outside those of {_and([_code(m) for m in estimates])} plus, for each, the "
            "estimate less the published number: for any one of them, or several together."
        )
    lines.append("- **At most** (same area, breakdown and period):")
    for relation in rule.AT_MOST:
        parts = _and([_cell(*part) for part in relation.parts])
        together = " together" if len(relation.parts) > 1 else ""
        lines.append(f"  - {_sentence(parts)}{together} can be at most {_cell(*relation.whole)}.")
    within = _and([_code(m) for m in sorted(rule.NUMERATOR_WITHIN_DENOMINATOR)])
    lines += [
        "  - The numerator of each of these rates counts some of what its denominator counts, "
        f"so it is at most the denominator: {within}.",
        "",
        "Where one number is at most another, a published zero above a hidden cell would show "
        "the cell is zero, so the zero is hidden with it; and a hidden cell protects others "
        "only by how far it can move down, to the published cells it must stay above.",
    ]
    return lines


def _preference() -> list[str]:
    lines = [
        "## Which cell is hidden to protect another",
        "",
        "While a relation would still give a hidden cell away (it holds a single hidden cell, "
        "or hidden cells on the same side of it that could between them move by fewer than "
        f"{rule.MIN_FEASIBLE_VALUES - 1}, so that each could take only a few values), one more "
        "cell of that relation is hidden (*complementary suppression*), and the relations are "
        "visited again and again until none gives a hidden cell away. A cell an earlier "
        "publication showed stays shown (see below). Of the cells that could be hidden, the "
        "one chosen is the first by these preferences, in this order (each decides only among "
        "the cells the ones before it left equal):",
        "",
    ]
    for number, (name, reason) in enumerate(rule.COMPLEMENTARY_PREFERENCE, start=1):
        lines.append(f"{number}. {_sentence(reason)} ({_code(name)}).")
    return lines


def _time() -> list[str]:
    lines = [
        "## Final values only, and event counts for whole years only",
        "",
        "- **Final values only.** A provisional value (one whose follow-up runs past the date "
        "the data runs to, so that it will still change) is not published.",
        "- **Event counts for whole years only.** A count of events over a year is the sum of "
        "its monthly counts, which are never negative. Two published years that overlap would "
        "tie the months they share together (a published zero would pin every one of its "
        "months to zero). So these metrics are published once a year only, for the year to the "
        "end of the month shown, and no two of their published years share a month. "
        "The restricted warehouse keeps every month end.",
        "",
        "| Metric | Published for the year to the end of |",
        "| --- | --- |",
    ]
    for metric, month in rule.EVENT_METRICS.items():
        lines.append(f"| {_code(metric)} | {calendar.month_name[month]} |")
    return lines


def _revisions() -> list[str]:
    return [
        "## A value once published is never revised",
        "",
        "A reader keeps every earlier publication, so a published value that changed would "
        "itself be a count (of the records that changed). A value once published is published "
        "again exactly as it was, with the same cells hidden, even where the warehouse has "
        "since changed it; the rest of the publication is decided around those cells.",
        "",
        "A publication made by an earlier version of this rule can give away a cell that the "
        "rule now protects. Nothing can take that cell back from a reader who kept it, but "
        "the next publication must not give it away to anyone else: before deciding, the "
        "audit attacks the publication being replaced on its own, and where it gives cells "
        "away, the new one is decided as if that one were withdrawn. What it hid stays "
        "hidden and no value is revised, but cells it showed may now be hidden (a hidden "
        "cell tells a reader nothing new). The refresh warns, on the console and in the "
        "data-quality report, that the earlier publication should be reported to the "
        "information governance lead and its copies withdrawn.",
    ]


def _audit() -> list[str]:
    return [
        "## The audit",
        "",
        "Before anything is published, an audit written apart from the suppression attacks the "
        "publication as a determined reader would, knowing more than a real one: every "
        "published number, every relation above and whether it holds, that counts are whole "
        "and not negative, and that a numerator is never more than its denominator. It works "
        "out what it can by subtraction, then finds the smallest and largest value every "
        "hidden cell can take (by linear programming).",
        "",
        f"- A hidden cell fails when it can be worked out exactly, or narrowed to fewer than "
        f"{rule.MIN_FEASIBLE_VALUES} whole values.",
        "- Around each cell that fails, the suppression hides more (*widening*): the cell's "
        "denominator, the cells that bound it, and one more cell in each of its relations. "
        "Then the audit attacks again.",
        "- A hidden zero the audit works out exactly (every hidden cell of its row worked "
        "out as zero) is not widened around: no amount of hiding could stop it failing. When "
        "such zeros are all that still fails, they are published as zero and the audit "
        "attacks once more: hidden, they protected nothing (every reading of the publication "
        "already puts them at zero, so showing them changes no other cell's range). A rate's "
        "zero beside a hidden denominator that cannot be worked out stays hidden, and is "
        "widened around like any other.",
        f"- After {rule.MAX_AUDIT_ROUNDS} rounds that still fail, nothing is published and the "
        "previous publication stays as it was.",
        "- Published years of an event metric that share months refuse the publication "
        "outright: no hidden cell can mend that.",
    ]


def render() -> str:
    """The page, in Markdown."""
    sections = [
        [
            "# The disclosure rule",
            "",
            "How the published statistics are protected, so that nothing about a small number "
            "of people can be learnt from them. This page is generated from the rule itself "
            "(`pipelines/disclosure/rule.py`), which the suppression and the audit read: to "
            "change the rule, change that file, then regenerate this page with "
            f"`{REGENERATE}`. Do not edit this page by hand.",
        ],
        _what_is_hidden(),
        _relations(),
        _preference(),
        _time(),
        _revisions(),
        _audit(),
    ]
    return "\n\n".join("\n".join(section) for section in sections) + "\n"


if __name__ == "__main__":
    print(render(), end="")
