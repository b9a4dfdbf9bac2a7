"""The reference interval methods against the known values of metrics.md."""

import csv

import pytest

from pipelines import stats


def test_wilson_vector():
    lower, upper = stats.wilson(65, 100)
    assert lower == pytest.approx(0.552544, abs=1e-6)
    assert upper == pytest.approx(0.736358, abs=1e-6)


def test_byar_vector():
    lower, upper = stats.byar(65)
    assert lower == pytest.approx(50.163, abs=1e-3)
    assert upper == pytest.approx(82.849, abs=1e-3)


@pytest.mark.parametrize(
    ("observed", "lower", "upper"), [(5, 1.623486, 11.668332), (0, 0.0, 3.688879)]
)
def test_exact_poisson_vectors(observed, lower, upper):
    got = stats.exact_poisson(observed)
    assert got == pytest.approx((lower, upper), abs=1e-6)


def test_edge_cases():
    assert stats.wilson(0, 20)[0] == pytest.approx(0.0, abs=1e-12)  # 0 events
    assert stats.wilson(20, 20)[1] == pytest.approx(1.0, abs=1e-12)  # x = n
    low, high = stats.poisson_interval(9)  # small counts: exact below 10
    assert (low, high) == stats.exact_poisson(9)
    assert stats.poisson_interval(10) == stats.byar(10)


def test_dobson_reduces_to_the_poisson_interval_for_one_band():
    rate, lower, upper = stats.dobson([20], [100_000], [100_000])
    low_count, high_count = stats.byar(20)
    assert rate == pytest.approx(20.0)
    assert (lower, upper) == pytest.approx((low_count, high_count))


def test_seed_of_exact_limits_matches_the_reference():
    with stats.EXACT_SEED.open(newline="") as handle:
        seed = list(csv.DictReader(handle))
    assert seed == [{k: str(v) for k, v in row.items()} for row in stats.exact_poisson_rows()]
