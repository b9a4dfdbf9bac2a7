"""What disclosure control costs on a refreshed warehouse: the suppression, the audit, and
the cells hidden. Runs the publication's own code (`shareable.protect`) several times and prints
the median time of each part, the peak memory of this process and the figures of the pattern.

    .venv/bin/python benchmarks/disclosure.py data/warehouse.duckdb [--runs 3]

Not part of the test suite.
"""

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipelines import config  # noqa: E402
from pipelines.disclosure import audit, shareable, suppression  # noqa: E402
from pipelines.disclosure.shareable import PublishedMart  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    timings: dict[str, list[float]] = {"suppression": [], "audit": [], "protect (total)": []}
    original_decide, original_audit = suppression.decide, audit.audit

    def timed(name, function):
        def wrapper(*a, **k):
            started = time.perf_counter()
            try:
                return function(*a, **k)
            finally:
                timings[name].append(time.perf_counter() - started)

        return wrapper

    suppression.decide = timed("suppression", original_decide)
    audit.audit = timed("audit", original_audit)
    mart = PublishedMart(
        "fct_outcomes",
        "marts.fct_outcomes",
        "outcome_measures",
        measure_columns=("numerator", "denominator", "value"),
    )
    protection = None
    for _ in range(args.runs):
        con = duckdb.connect()
        con.execute(f"ATTACH '{args.warehouse}' AS warehouse (READ_ONLY)")
        started = time.perf_counter()
        protection = shareable.protect(
            con, "warehouse", mart, "warehouse.marts.dim_area", home_area=config.DEFAULT_HOME_AREA
        )
        timings["protect (total)"].append(time.perf_counter() - started)
        con.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"warehouse: {args.warehouse} ({args.runs} runs)")
    for name, values in timings.items():
        print(
            f"  {name:<16} median {statistics.median(values):6.2f} s "
            f"(min {min(values):.2f}, max {max(values):.2f})"
        )
    print(f"  peak memory of this process: {peak:,.0f} MB")
    for name, value in {**protection.figures(), **protection.restricted_figures()}.items():
        print(f"  {name}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
