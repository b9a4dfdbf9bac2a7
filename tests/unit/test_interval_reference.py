"""The reference interval methods against the known values of metrics.md."""

import csv

import pytest

from pipelines.transform import interval_reference


def test_wilson_vector():
    lower, upper = interval_reference.wilson(65, 100)
    assert lower == pytest.approx(0.552544, abs=1e-6)
    assert upper == pytest.approx(0.736358, abs=1e-6)


def test_byar_vector():
    lower, upper = interval_reference.byar(65)
    assert lower == pytest.approx(50.163, abs=1e-3)
    assert upper == pytest.approx(82.849, abs=1e-3)


@pytest.mark.parametrize(
    ("observed", "lower", "upper"), [(5, 1.623486, 11.668332), (0, 0.0, 3.688879)]
)
def test_exact_poisson_vectors(observed, lower, upper):
    got = interval_reference.exact_poisson(observed)
    assert got == pytest.approx((lower, upper), abs=1e-6)


def test_edge_cases():
    assert interval_reference.wilson(0, 20)[0] == pytest.approx(0.0, abs=1e-12)  # 0 events
    assert interval_reference.wilson(20, 20)[1] == pytest.approx(1.0, abs=1e-12)  # x = n
    low, high = interval_reference.poisson_interval(9)  # small counts: exact below 10
    assert (low, high) == interval_reference.exact_poisson(9)
    assert interval_reference.poisson_interval(10) == interval_reference.byar(10)


def test_dobson_reduces_to_the_poisson_interval_for_one_band():
    rate, lower, upper = interval_reference.dobson([20], [100_000], [100_000])
    low_count, high_count = interval_reference.byar(20)
    assert rate == pytest.approx(20.0)
    assert (lower, upper) == pytest.approx((low_count, high_count))


def test_seed_of_exact_limits_matches_the_reference():
    with interval_reference.EXACT_SEED.open(newline="") as handle:
        seed = list(csv.DictReader(handle))
    assert seed == [
        {k: str(v) for k, v in row.items()} for row in interval_reference.exact_poisson_rows()
    ]


# -- tests of change: hand-worked values and R's own example ---------------------------------


def test_two_proportions_z_hand_worked():
    # pooled p = 0.5: z = 0.2 / sqrt(0.25 x (1/100 + 1/100))
    assert interval_reference.two_proportions_z(60, 100, 40, 100) == pytest.approx(
        2.828427, abs=1e-6
    )
    # pooled p = 0.525: z = 0.05 / sqrt(0.525 x 0.475 x 0.02)
    assert interval_reference.two_proportions_z(55, 100, 50, 100) == pytest.approx(
        0.707992, abs=1e-6
    )
    assert interval_reference.two_proportions_z(0, 100, 0, 100) is None  # nothing to compare


def test_two_poisson_z_hand_worked():
    assert interval_reference.two_poisson_z(130, 1, 100, 1) == pytest.approx(30 / 230**0.5)
    # crude rates 50 per 100,000 and 30 per 120,000: pooled 80 / 220,000
    expected = (50 / 100_000 - 30 / 120_000) / (80 / 220_000 * (1 / 100_000 + 1 / 120_000)) ** 0.5
    assert interval_reference.two_poisson_z(50, 100_000, 30, 120_000) == pytest.approx(expected)
    assert expected == pytest.approx(3.0619, abs=1e-4)
    assert interval_reference.two_poisson_z(0, 1, 0, 1) is None


def test_two_dsrs_z_is_no_significant_change_for_the_board_packs_case():
    # 14.5 to 14.7 per 100,000 with 95% intervals of about 12 to 17 (variance about 1.6 each)
    z = interval_reference.two_dsrs_z(14.7, 1.6, 14.5, 1.6)
    assert z == pytest.approx(0.1118, abs=1e-4)
    assert abs(z) < interval_reference.Z_95


def test_trend_chi_squared_matches_r_prop_trend_test():
    # R: prop.trend.test(c(83, 90, 129, 70), c(86, 93, 136, 82)) gives X-squared = 8.2249
    statistic, sign = interval_reference.trend_chi_squared([83, 90, 129, 70], [86, 93, 136, 82])
    assert statistic == pytest.approx(8.2249, abs=5e-5)
    assert sign < 0


def test_trend_chi_squared_hand_worked():
    # 10..50 of 100: p = 0.3, T = 100, V = 0.21 x 1000 -> 47.619
    statistic, sign = interval_reference.trend_chi_squared([10, 20, 30, 40, 50], [100] * 5)
    assert statistic == pytest.approx(10_000 / 210)
    assert sign > 0 and statistic > interval_reference.TREND_CHI_SQUARED_999
    flat, _ = interval_reference.trend_chi_squared([30, 31, 29, 32, 30], [100] * 5)
    assert flat == pytest.approx(1 / (0.304 * 0.696 * 1000))


def test_critical_values_of_the_tests():
    from scipy.stats import chi2, norm

    assert abs(interval_reference.Z_95 - norm.ppf(0.975)) < 1e-6
    assert abs(interval_reference.TREND_CHI_SQUARED_999 - chi2.ppf(0.999, 1)) < 1e-6
