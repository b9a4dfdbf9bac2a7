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


def test_unmet_need_interval_is_the_estimates_own_metrics_md_check():
    # England 2019/20: 146,006 in treatment, estimate 305,118 (301,515 to 315,753) gives
    # 52.1% (51.6 to 53.8), as Fingertips 93517 publishes it
    value = 1 - 146_006 / 305_118
    lower, upper = interval_reference.unmet_need_interval(146_006, 301_515, 315_753)
    assert [round(100 * x, 1) for x in (value, lower, upper)] == [52.1, 51.6, 53.8]
    # the exact count in treatment leaves the estimate's uncertainty only: far wider than
    # Wilson on the estimate as if it were a count of people
    wilson_lower, wilson_upper = interval_reference.wilson(305_118 - 146_006, 305_118)
    assert upper - lower > 5 * (wilson_upper - wilson_lower)


def test_unmet_need_interval_of_a_partnership_sums_its_members_limits():
    # members: 300 in treatment of 1,000 (800 to 1,300) and 200 of 500 (400 to 650)
    lower, upper = interval_reference.unmet_need_interval(300 + 200, 800 + 400, 1_300 + 650)
    assert lower == pytest.approx(1 - 500 / 1_200) and upper == pytest.approx(1 - 500 / 1_950)
    assert lower < 1 - 500 / 1_500 < upper  # the partnership's value (estimate 1,500) inside


def test_unmet_need_without_an_estimate_interval_has_none():
    assert interval_reference.unmet_need_interval(100, None, None) is None
    assert interval_reference.unmet_need_interval(100, 180, None) is None  # never half a one
    assert interval_reference.unmet_need_interval(100, 0, 250) is None  # a limit of 0: unusable


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


def test_unmet_need_change_needs_two_intervals_apart():
    assert interval_reference.intervals_apart((0.45, 0.54), (0.55, 0.65)) is True
    assert interval_reference.intervals_apart((0.46, 0.55), (0.35, 0.44)) is True  # rose
    assert interval_reference.intervals_apart((0.45, 0.55), (0.55, 0.65)) is False  # touching
    assert interval_reference.intervals_apart((0.45, 0.60), (0.55, 0.65)) is False
    assert interval_reference.intervals_apart(None, (0.55, 0.65)) is None
