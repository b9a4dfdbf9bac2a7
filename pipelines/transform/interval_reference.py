"""Reference implementations of the interval methods the metrics use (Wilson, Byar and exact
Poisson, Dobson, and unmet need's interval from the prevalence estimate's own).

The warehouse computes intervals in SQL (dbt_project/macros/intervals.sql). This module is
the independent reference the tests hold the SQL to, and it computes the exact Poisson limits
for 0 to 9 events, which DuckDB cannot (no chi-squared quantile): they are written once into
the seed `exact_poisson_limits.csv` by `write_exact_poisson_seed` and checked by a test.
"""

import csv
import math
from pathlib import Path

from pipelines.config import DBT_PROJECT_DIR

Z_95 = 1.959964
Z_998 = 3.090232
LEVELS = {"95": (Z_95, 0.05), "998": (Z_998, 0.002)}
EXACT_BELOW = 10  # Byar's method from 10 events up, exact Poisson below


def wilson(x: float, n: float, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval for a proportion x/n (as a proportion, 0 to 1)."""
    p = x / n
    denominator = 2 * (n + z * z)
    centre = 2 * x + z * z
    spread = z * math.sqrt(z * z + 4 * x * (1 - p))
    return (centre - spread) / denominator, (centre + spread) / denominator


def byar(observed: float, z: float = Z_95) -> tuple[float, float]:
    """Byar's approximation to the exact Poisson interval for a count."""
    o = observed
    lower = o * (1 - 1 / (9 * o) - z / (3 * math.sqrt(o))) ** 3
    upper = (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * math.sqrt(o + 1))) ** 3
    return lower, upper


def _poisson_cdf(k: int, mean: float) -> float:
    """P(X <= k) for X ~ Poisson(mean)."""
    if k < 0:
        return 0.0
    term = total = math.exp(-mean)
    for i in range(1, k + 1):
        term *= mean / i
        total += term
    return total


def _bisect(function, low: float, high: float) -> float:
    for _ in range(200):
        middle = (low + high) / 2
        if function(middle) > 0:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def exact_poisson(observed: int, alpha: float = 0.05) -> tuple[float, float]:
    """Exact (Garwood, chi-squared) interval for a Poisson count."""
    upper = _bisect(
        lambda mean: _poisson_cdf(observed, mean) - alpha / 2, 0.0, 100.0 + 10 * observed
    )
    if observed == 0:
        return 0.0, upper
    lower = _bisect(
        lambda mean: alpha / 2 - (1 - _poisson_cdf(observed - 1, mean)), 0.0, float(observed)
    )
    return lower, upper


def poisson_interval(observed: int, level: str = "95") -> tuple[float, float]:
    z, alpha = LEVELS[level]
    return byar(observed, z) if observed >= EXACT_BELOW else exact_poisson(observed, alpha)


def dobson(
    deaths: list[int], populations: list[float], weights: list[float], level: str = "95"
) -> tuple[float, float, float]:
    """Directly standardised rate per 100,000 with Dobson's interval.

    weights: the standard population of each band (ESP2013, summing to 100,000)."""
    total_weight = sum(weights)
    rate = sum(w * d / n for w, d, n in zip(weights, deaths, populations, strict=True))
    rate = rate / total_weight * 100_000
    variance = sum(
        (w / total_weight * 100_000) ** 2 * d / n**2
        for w, d, n in zip(weights, deaths, populations, strict=True)
    )
    observed = sum(deaths)
    low_count, high_count = poisson_interval(observed, level)
    spread = math.sqrt(variance / observed)
    return rate, rate + spread * (low_count - observed), rate + spread * (high_count - observed)


def unmet_need_interval(
    in_treatment: float, estimate_lower: float | None, estimate_upper: float | None
) -> tuple[float, float] | None:
    """Unmet need, 1 - in_treatment / estimate (a proportion), at the limits of the prevalence
    estimate's own 95% interval, as Fingertips publishes indicators 93517 and 93532: the count
    in treatment is exact, the uncertainty is the estimate's, so unmet need's lower limit comes
    from the estimate's lower limit. A partnership passes its members' limits summed. None where
    the estimate has no interval (both limits, the lower above zero): never Wilson on the
    estimate as if it were a count."""
    if estimate_lower is None or estimate_upper is None or not 0 < estimate_lower <= estimate_upper:
        return None
    return 1 - in_treatment / estimate_lower, 1 - in_treatment / estimate_upper


# -- tests of change (the SQL is dbt_project/macros/change_tests.sql) ------------------------


def intervals_apart(
    later: tuple[float, float] | None, earlier: tuple[float, float] | None
) -> bool | None:
    """Unmet need's test of change: significant only where both years' intervals exist and do
    not overlap (conservative: two years' estimates share their model, so their errors are not
    independent and no test of independent samples fits). None without both intervals;
    intervals that touch overlap."""
    if later is None or earlier is None:
        return None
    return later[0] > earlier[1] or later[1] < earlier[0]


TREND_CHI_SQUARED_999 = 10.827566  # chi-squared, 1 df, at 99.9%: Fingertips' trend markers


def two_proportions_z(x1: float, n1: float, x2: float, n2: float) -> float | None:
    """Pooled z test of x1/n1 (later) against x2/n2 (earlier); None when undefined."""
    if n1 <= 0 or n2 <= 0 or not 0 < x1 + x2 < n1 + n2:
        return None
    pooled = (x1 + x2) / (n1 + n2)
    return (x1 / n1 - x2 / n2) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))


def two_poisson_z(o1: float, e1: float, o2: float, e2: float) -> float | None:
    """z test of two Poisson rates o1/e1 and o2/e2 (e = 1 for counts), pooled under no
    change; None when there are no events or no exposure."""
    if e1 <= 0 or e2 <= 0 or o1 + o2 <= 0:
        return None
    pooled = (o1 + o2) / (e1 + e2)
    return (o1 / e1 - o2 / e2) / math.sqrt(pooled * (1 / e1 + 1 / e2))


def two_dsrs_z(dsr1: float, variance1: float, dsr2: float, variance2: float) -> float | None:
    """z test of two directly standardised rates with their variances."""
    if variance1 + variance2 <= 0:
        return None
    return (dsr1 - dsr2) / math.sqrt(variance1 + variance2)


def trend_chi_squared(
    events: list[float], totals: list[float], scores: list[float] | None = None
) -> tuple[float, float] | None:
    """Chi-squared test for trend in proportions (as R's prop.trend.test): the statistic
    (1 df) and the trend's sign (+ rising). Scores default to 1, 2, ... oldest first."""
    scores = scores or [float(i) for i in range(1, len(events) + 1)]
    total = sum(totals)
    pooled = sum(events) / total
    if not 0 < pooled < 1:
        return None
    score_events = sum(t * x for t, x in zip(scores, events, strict=True))
    score_totals = sum(t * n for t, n in zip(scores, totals, strict=True))
    squared = sum(t * t * n for t, n in zip(scores, totals, strict=True))
    trend = score_events - pooled * score_totals
    variance = pooled * (1 - pooled) * (squared - score_totals**2 / total)
    return trend**2 / variance, math.copysign(1.0, trend)


EXACT_SEED = DBT_PROJECT_DIR / "seeds" / "exact_poisson_limits.csv"


def exact_poisson_rows() -> list[dict[str, object]]:
    rows = []
    for observed in range(EXACT_BELOW):
        row: dict[str, object] = {"observed": observed}
        for level, (_, alpha) in LEVELS.items():
            lower, upper = exact_poisson(observed, alpha)
            row[f"lower_{level}"] = f"{lower:.8f}"
            row[f"upper_{level}"] = f"{upper:.8f}"
        rows.append(row)
    return rows


def write_exact_poisson_seed(path: Path = EXACT_SEED) -> None:
    rows = exact_poisson_rows()
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    write_exact_poisson_seed()
