"""Disclosure control of the shareable tier, in one place.

- `rule`: the rule and what a reader of the publication knows (which published numbers are
  equal to, or the sum of, others).
- `suppression`: primary suppression and complementary suppression across every relation.
- `audit`: an independent attack on the shareable copy (propagation, then a linear program per
  suppressed cell) that refuses the publication if any suppressed cell can be pinned down.
- `shareable`: the SQL that writes the disclosure-controlled copy of each mart.
- `page`: the rule in plain words (docs/disclosure_rule.md), generated from `rule`.

The audit shares only `rule` with the suppression: it rebuilds every relation from the
published tables in its own code, so that a mistake in one is caught by the other.
"""
