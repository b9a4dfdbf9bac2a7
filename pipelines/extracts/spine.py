"""Where a value sits on a metric's spine (the Fingertips overview), shared by the html and
xlsx packs."""

from pipelines.extracts.words import missing


def spine_position(value, row) -> float | None:
    """Where a value sits on a metric's spine, 0 = worst to 1 = best of the range of
    authorities and England (polarity decides which end is best)."""
    if missing(value):
        return None
    ends = [row.lowest, row.highest] + ([] if missing(row.england_value) else [row.england_value])
    low, high = min(ends), max(ends)
    if high == low:
        return 0.5
    position = (value - low) / (high - low)
    return 1 - position if row.polarity == "lower_is_better" else position
