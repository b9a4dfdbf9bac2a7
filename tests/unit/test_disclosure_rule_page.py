"""docs/disclosure_rule.md, the disclosure rule in plain words, is generated from
pipelines/disclosure/rule.py: the committed page is the rule as it is, it follows every change
of the rule's constants, and the order of preference it states is the one the suppression
applies."""

import re
from pathlib import Path

import pandas as pd
import pytest

from pipelines.disclosure import page, rule, suppression

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "disclosure_rule.md"


def test_the_committed_page_is_the_rule():
    committed = PAGE.read_text() if PAGE.exists() else ""
    assert committed == page.render(), (
        "docs/disclosure_rule.md is not what pipelines/disclosure/rule.py says: regenerate it "
        f"with `{page.REGENERATE}` (or `python -m pipelines.disclosure.page > "
        "docs/disclosure_rule.md`) and commit it"
    )


def test_the_page_follows_the_thresholds(monkeypatch):
    before = page.render()
    assert f"{rule.SMALL_NUMBER_MIN} to {rule.SMALL_NUMBER_MAX}" in before
    monkeypatch.setattr(rule, "SMALL_NUMBER_MAX", 9)
    monkeypatch.setattr(rule, "MIN_FEASIBLE_VALUES", 11)
    monkeypatch.setattr(rule, "MAX_AUDIT_ROUNDS", 3)
    monkeypatch.setattr(rule, "LOW_RELIABILITY_EVENTS", 25)
    after = page.render()
    assert after != before
    assert f"count of {rule.SMALL_NUMBER_MIN} to 9 is hidden" in after
    assert "fewer than 11 whole values" in after
    assert "After 3 rounds" in after
    assert "fewer than 25 events" in after


def test_the_page_follows_the_lists(monkeypatch):
    monkeypatch.setattr(rule, "EVENT_METRICS", {**rule.EVENT_METRICS, "new_metric": 6})
    monkeypatch.setattr(
        rule, "COMPLEMENTARY_PREFERENCE", tuple(reversed(rule.COMPLEMENTARY_PREFERENCE))
    )
    text = page.render()
    assert "| `new_metric` | June |" in text
    first_name, first_reason = rule.COMPLEMENTARY_PREFERENCE[0]
    assert f"1. {first_reason[0].upper()}{first_reason[1:]} (`{first_name}`)." in text


def test_every_preference_has_its_part_of_the_sort_key(monkeypatch):
    names = [name for name, _ in rule.COMPLEMENTARY_PREFERENCE]
    assert len(set(names)) == len(names)
    assert set(names) == set(suppression.PREFERENCES)
    monkeypatch.setattr(rule, "COMPLEMENTARY_PREFERENCE", (("no_such_preference", "why"),))
    with pytest.raises(ValueError, match="no_such_preference"):
        suppression.decide(geography(), {}, MEMBERS)


MEMBERS = {"P": ("A", "B", "C")}


def geography() -> pd.DataFrame:
    """A partnership P of three authorities, one of them (A) a small number."""
    counts = {"A": 3, "B": 50, "C": 10}
    counts["P"] = sum(counts.values())
    return pd.DataFrame(
        [
            {
                "metric_id": "adults_in_treatment",
                "area_code": area,
                "breakdown": "all",
                "period_end_date": pd.Timestamp("2024-12-31"),
                "unit": "count",
                "numerator": float(count),
                "denominator": None,
            }
            for area, count in counts.items()
        ]
    )


def hidden_areas(decisions: suppression.Decisions) -> set[str]:
    return set(decisions.rows.loc[decisions.rows.hide_numerator, "area_code"])


def test_changing_the_order_of_preference_changes_the_cell_chosen(monkeypatch):
    # B, C and P each protect A at once, none is zero, all are totals outside the home area in
    # no other relation: the smallest (C) is chosen before the first in order (B)
    assert hidden_areas(suppression.decide(geography(), {}, MEMBERS)) == {"A", "C"}
    reasons = dict(rule.COMPLEMENTARY_PREFERENCE)
    order = [name for name in reasons if name != "fixed_order"]
    order.insert(order.index("smallest"), "fixed_order")
    monkeypatch.setattr(
        rule, "COMPLEMENTARY_PREFERENCE", tuple((name, reasons[name]) for name in order)
    )
    assert hidden_areas(suppression.decide(geography(), {}, MEMBERS)) == {"A", "B"}
    # and the home area is spared before the smallest
    monkeypatch.undo()
    decisions = suppression.decide(geography(), {}, MEMBERS, home_areas=frozenset({"C"}))
    assert hidden_areas(decisions) == {"A", "B"}


CITATIONS = re.compile(r"metrics\.md|raw-data\.md|\.\./shared|\b[A-Z]\([A-Z]\)")


@pytest.mark.parametrize("name", ["rule", "suppression", "shareable", "audit", "page"])
def test_the_rule_is_said_in_plain_words(name):
    text = (ROOT / "pipelines" / "disclosure" / f"{name}.py").read_text()
    assert not CITATIONS.findall(text)
    assert not CITATIONS.findall(page.render())
