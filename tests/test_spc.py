"""Run charts, XmR, p and p′ charts: hand-checked series for every rule, independent numpy
re-computation of the limits, published runs-test values and NHSRplotthedots' documented
behaviour (its tests in nhs-r-community/NHSRplotthedots, tests/testthat/)."""

import itertools
import warnings

import numpy as np
import pandas as pd
import pytest

import aeeval as ae
from aeeval.spc import TrialLimitsWarning, runs_distribution

MONTHS = "MS"


def series(values, start="2020-01-01"):
    return pd.DataFrame(
        {
            "month": pd.date_range(start, periods=len(values), freq=MONTHS),
            "y": np.asarray(values, dtype=float),
        }
    )


def xmr(values, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TrialLimitsWarning)
        return ae.xmr(series(values), "y", "month", **kw)


def flags(chart, col):
    return [i for i, v in enumerate(chart[col]) if v is True or v == True]  # noqa: E712


# A base of 12 alternating points with a known mean and moving range: mean 10, every MR 4, so
# upl = 10 + 2.66*4 = 20.64, lpl = -0.64, 2σ lines = 10 ± (2/3)*2.66*4 = 10 ± 7.0933.
BASE = [12, 8] * 6


# ----------------------------------------------------------------------------------- XmR limits


def test_xmr_limits_against_numpy_by_hand():
    y = np.array([52, 55, 49, 60, 58, 51, 54, 57, 50, 56, 53, 59, 55, 52], dtype=float)
    chart = xmr(y, screen_outliers=False)
    mean = y.mean()
    amr = np.abs(np.diff(y)).mean()
    assert chart["mean"].iloc[0] == pytest.approx(mean)
    assert chart["upl"].iloc[0] == pytest.approx(mean + 2.66 * amr)
    assert chart["lpl"].iloc[0] == pytest.approx(mean - 2.66 * amr)
    assert chart["upper_two_sigma"].iloc[0] == pytest.approx(mean + 2 * amr / 1.128, rel=1e-3)
    assert np.isnan(chart["moving_range"].iloc[0])
    assert chart["moving_range"].iloc[1:].tolist() == pytest.approx(np.abs(np.diff(y)).tolist())


def test_base_series_hand_values():
    chart = xmr(BASE)
    assert chart["mean"].iloc[0] == 10
    assert chart["upl"].iloc[0] == pytest.approx(20.64)
    assert chart["lpl"].iloc[0] == pytest.approx(-0.64)
    assert chart["upper_two_sigma"].iloc[0] == pytest.approx(17.09333, abs=1e-5)
    assert (chart["point_type"] == "common_cause").all()


def test_screen_outliers_excludes_large_moving_ranges_and_recomputes():
    y = np.array([10, 11, 10, 11, 10, 11, 10, 40, 10, 11, 10, 11, 10], dtype=float)
    screened, raw = xmr(y, screen_outliers=True), xmr(y, screen_outliers=False)
    mr = np.abs(np.diff(y))
    amr = mr.mean()  # (10×1 + 2×30)/12 = 5.8333
    keep = mr <= 3.267 * amr  # 30 > 19.06: both 30s screened out
    assert keep.sum() == 10
    assert raw["upl"].iloc[0] == pytest.approx(y.mean() + 2.66 * amr)
    assert screened["upl"].iloc[0] == pytest.approx(y.mean() + 2.66 * mr[keep].mean())
    assert screened["moving_range_excluded"].sum() == 2
    assert screened["outside_limits"].iloc[7]


def test_fix_after_n_points_uses_first_points_only():
    y = BASE + [30, 31, 29, 30]
    chart = xmr(y, fix_after_n_points=12)
    assert chart["mean"].iloc[-1] == 10 and chart["upl"].iloc[-1] == pytest.approx(20.64)
    assert chart["outside_limits"].iloc[-4:].all()


def test_rebase_recomputes_limits_per_segment():
    y = BASE + [32, 28] * 6
    df = series(y)
    chart = ae.xmr(df, "y", "month", rebase=[df["month"].iloc[12].strftime("%Y-%m-%d")])
    first, second = chart.iloc[:12], chart.iloc[12:]
    assert (first["mean"] == 10).all() and (second["mean"] == 30).all()
    assert second["upl"].iloc[0] == pytest.approx(30 + 2.66 * 4)
    assert np.isnan(second["moving_range"].iloc[0])  # moving ranges do not cross a rebase
    assert chart["rebase_group"].tolist() == [1] * 12 + [2] * 12
    assert (chart["point_type"] == "common_cause").all()


def test_rebase_between_periods_starts_at_next_period():
    df = series(BASE + BASE)
    chart = ae.xmr(df, "y", "month", rebase=["2020-12-15"])  # 13th month is 2021-01-01
    assert chart["rebase_group"].tolist() == [1] * 12 + [2] * 12


# ------------------------------------------------------------------------------ outside limits


def test_point_exactly_on_limit_is_not_outside_but_just_beyond_is():
    upl = 10 + 2.66 * 4
    on = xmr(BASE + [upl], fix_after_n_points=12)
    beyond = xmr(BASE + [upl + 0.01], fix_after_n_points=12)
    assert on["upl"].iloc[-1] == upl
    assert not on["outside_limits"].iloc[-1]
    assert beyond["outside_limits"].iloc[-1]
    assert beyond["point_type"].iloc[-1] == "special_cause_improvement"


# ------------------------------------------------------------------------------ trend (7 points)


@pytest.mark.parametrize(
    "values, expected",
    [
        (list(range(1, 7)), []),  # 6 rising: not enough
        (list(range(1, 8)), list(range(7))),  # 7 rising at the series start and end
        ([1, 2, 3, 3, 4, 5, 6], []),  # a tie breaks the run (NHSRplotthedots)
        ([2, 1, 2, 3, 4, 5, 6, 7, 3], list(range(1, 8))),  # NHSRplotthedots ptd_seven_point_trend
        (list(range(7, 0, -1)), list(range(7))),  # 7 falling
        ([9, 7, 6, 5, 4, 3, 2, 1, 5], list(range(8))),  # 8 falling: all part of the trend
    ],
)
def test_trend(values, expected):
    padded = values + [values[-1]] * max(0, 7 - len(values))  # no effect on runs of diffs
    chart = xmr(padded)
    assert flags(chart, "trend") == expected


def test_trend_colour_follows_its_direction():
    # A rising trend crossing the mean (17.5): its points below the mean are still an
    # improvement when higher is better — as NHSRplotthedots >= 0.2.2 (NEWS: issue #171;
    # R/ptd_calculate_point_type.R, ptd_special_cause_type); 0.1.0 coloured them by side.
    y = [30, 5, 31, 4, 30, 5, 31, 4, 30, 5, 31, 4] + [14, 15, 16, 17, 18, 19, 20]
    chart = xmr(y, fix_after_n_points=12)
    assert flags(chart, "trend")[-7:] == list(range(12, 19))
    assert (chart["point_type"].iloc[12:] == "special_cause_improvement").all()
    down = xmr(y, fix_after_n_points=12, improvement_direction="decrease")
    assert (down["point_type"].iloc[12:] == "special_cause_concern").all()


def test_trend_direction_takes_precedence_over_shift_and_two_in_three():
    # BASE (mean 10, lower 2σ line 2.907, lpl -0.64) then 1..7: a rising trend of 7 that is also
    # a shift of 8 below the mean (with BASE's last 8) and 2-of-3 below 2σ (1 and 2).
    # NHSRplotthedots >= 0.2.2 (ptd_special_cause_type: outside limits, then trend, then 2 in 3,
    # then shift) colours the trend points by the trend (improvement); the 8 that is only in the
    # shift by its side (concern).
    chart = xmr(BASE + [1, 2, 3, 4, 5, 6, 7], fix_after_n_points=12)
    assert flags(chart, "trend") == list(range(12, 19))
    assert flags(chart, "shift") == list(range(11, 19))
    assert flags(chart, "two_in_three") == [12, 13]
    assert flags(chart, "outside_limits") == []
    assert chart["point_type"].iloc[11] == "special_cause_concern"
    assert (chart["point_type"].iloc[12:] == "special_cause_improvement").all()
    neutral = xmr(
        BASE + [1, 2, 3, 4, 5, 6, 7], fix_after_n_points=12, improvement_direction="neutral"
    )
    assert neutral["point_type"].iloc[11] == "special_cause_neutral_low"
    assert (neutral["point_type"].iloc[12:] == "special_cause_neutral_high").all()


def test_point_in_two_trends_takes_the_later_one():
    # 1..7 rising then 7..1 falling after BASE (mean 10): the peak belongs to both trends and,
    # as in NHSRplotthedots' ptd_special_cause_type ("if a point is part of a trend either side,
    # use right side"), takes the falling one; every point is also in a shift below the mean.
    chart = xmr(BASE + [1, 2, 3, 4, 5, 6, 7, 6, 5, 4, 3, 2, 1], fix_after_n_points=12)
    assert flags(chart, "trend") == list(range(12, 25))
    types = chart["point_type"].tolist()
    assert types[11] == "special_cause_concern"  # the 8: shift only
    assert types[12:18] == ["special_cause_improvement"] * 6
    assert types[18:] == ["special_cause_concern"] * 7  # the peak and the fall


def test_outside_limits_takes_precedence_over_trend():
    # a falling trend of 7 ending below the lower limit (-0.64): the last point is judged by its
    # side of the mean (below: concern when higher is better), as the rest of the falling trend
    chart = xmr(BASE + [19, 15, 12, 9, 5, 1, -3], fix_after_n_points=12)
    assert flags(chart, "trend") == list(range(12, 19))  # 8 → 19 rises: not part of it
    assert flags(chart, "outside_limits") == [18]
    assert (chart["point_type"].iloc[12:] == "special_cause_concern").all()
    # rising to above the upper limit (20.64) from below the mean: all improvement
    up = xmr(BASE + [1, 3, 6, 9, 12, 16, 22], fix_after_n_points=12)
    assert flags(up, "outside_limits") == [18] and flags(up, "trend") == list(range(12, 19))
    assert (up["point_type"].iloc[12:] == "special_cause_improvement").all()


# ------------------------------------------------------------------------------ shift (7 points)


def test_shift_seven_on_one_side():
    chart = xmr(BASE + [11] * 7, fix_after_n_points=12)  # BASE ends below the mean
    assert flags(chart, "shift") == list(range(12, 19))
    assert (chart["point_type"].iloc[12:] == "special_cause_improvement").all()


def test_shift_at_series_start():
    # mean (7×11 + 120)/19 = 10.37: the seven 11s and BASE's first 12 are 8 above in a row
    chart = xmr([11] * 7 + BASE)
    assert chart["mean"].iloc[0] == pytest.approx(197 / 19)
    assert flags(chart, "shift") == list(range(8))


def test_six_on_one_side_is_not_a_shift():
    chart = xmr(BASE + [11] * 6 + [9], fix_after_n_points=12)
    assert flags(chart, "shift") == []


def test_point_on_the_mean_breaks_a_shift():
    chart = xmr(BASE + [11, 11, 11, 10, 11, 11, 11, 11], fix_after_n_points=12)
    assert chart["mean"].iloc[-1] == 10
    assert flags(chart, "shift") == []


def test_shift_includes_last_base_point_on_same_side():
    # BASE ends with 8 (below): 8 followed by six 9s is a run of 7 below the mean of 10.
    chart = xmr(BASE + [9] * 6, fix_after_n_points=12)
    assert flags(chart, "shift") == list(range(11, 18))
    assert (chart["point_type"].iloc[11:] == "special_cause_concern").all()


# NHSRplotthedots tests/testthat/test-ptd_calculate_point_type.R, ptd_seven_point_one_side_mean
# with ptd_part_of_seven_trend: 8 above then 1 below → the 8 points are flagged, not the last.
def test_nhsrplotthedots_seven_one_side():
    chart = xmr(BASE + [11] * 8 + [9], fix_after_n_points=12)
    assert flags(chart, "shift") == list(range(12, 20))


# ------------------------------------------------------------------------------ 2 of 3 beyond 2σ


@pytest.mark.parametrize(
    "tail, expected",
    [
        ([18, 10, 18], [12, 14]),  # 2 of 3 above the upper 2σ line (17.09)
        ([18, 18, 10], [12, 13]),
        ([18, 10, 10, 18], []),  # never 2 within any 3
        ([18, 2, 10], []),  # opposite sides: one high, one low — does not count
        ([17.09, 18, 10], []),  # 17.09 is inside the 2σ line
        ([10, 2, 2], [13, 14]),  # low side, at the series end
        ([21, 18, 10], [12, 13]),  # a point beyond the limit is also beyond 2σ
    ],
)
def test_two_in_three(tail, expected):
    chart = xmr(BASE + tail, fix_after_n_points=12)
    assert flags(chart, "two_in_three") == expected


def test_two_in_three_at_series_start():
    y = np.array([19, 19] + [12, 8] * 6, dtype=float)
    chart = xmr(y, screen_outliers=False)
    mean, amr = y.mean(), np.abs(np.diff(y)).mean()  # 11.2857, 51/13
    assert 19 > mean + 2 / 3 * 2.66 * amr and 19 < mean + 2.66 * amr
    assert flags(chart, "two_in_three") == [0, 1]
    assert flags(chart, "outside_limits") == []


# NHSRplotthedots ptd_part_of_two_in_three cases (tests/testthat/test-ptd_calculate_point_type.R):
# "close to limits" patterns c(0,0,1,0,1,0,0) → c(0,0,1,0,1,0,0); c(1,0,0,1) → none;
# c(1,0,0,1,1) → c(0,0,0,1,1). Close points are 18 (beyond 2σ), the others 11 (same side).
@pytest.mark.parametrize(
    "pattern, expected",
    [
        ([0, 0, 1, 0, 1, 0, 0], [0, 0, 1, 0, 1, 0, 0]),
        ([1, 0, 0, 1], [0, 0, 0, 0]),
        ([1, 0, 0, 1, 1], [0, 0, 0, 1, 1]),
        ([1, 1, 0], [1, 1, 0]),
        ([0, 1, 1], [0, 1, 1]),
    ],
)
def test_nhsrplotthedots_two_in_three_patterns(pattern, expected):
    tail = [18 if p else 11 for p in pattern]
    chart = xmr(BASE + tail, fix_after_n_points=12)
    got = [int(bool(v)) for v in chart["two_in_three"].iloc[12:]]
    assert got == expected


# ---------------------------------------------------------------- NHSRplotthedots published results

# R: set.seed(123); rnorm(20) — the series of NHSRplotthedots tests/testthat/test-ptd_spc_standard.R,
# dates 2020-01-02 + 0:19 days.
RNORM_123 = [
    -0.56047565,
    -0.23017749,
    1.55870831,
    0.07050839,
    0.12928774,
    1.71506499,
    0.46091621,
    -1.26506123,
    -0.68685285,
    -0.44566197,
    1.22408180,
    0.35981383,
    0.40077145,
    0.11068272,
    -0.55584113,
    1.78691314,
    0.49785048,
    -1.96661716,
    0.70135590,
    -0.47279141,
]


@pytest.mark.parametrize(
    "outlier, screen, mean, lpl, upl",
    [
        # tests/testthat/_snaps/ptd_spc_standard.md (glimpse of r1, r2, r3; 7 significant figures)
        (False, True, 0.1416238, -3.01138, 3.294627),
        (True, True, 0.6694159, -2.383666, 3.722497),  # y[15] <- 10, outliers screened
        (True, False, 0.6694159, -4.596625, 5.935457),  # y[15] <- 10, screen_outliers = FALSE
    ],
)
def test_nhsrplotthedots_spc_standard_snapshot(outlier, screen, mean, lpl, upl):
    y = list(RNORM_123)
    if outlier:
        y[14] = 10
    df = pd.DataFrame({"x": pd.date_range("2020-01-02", periods=20, freq="D"), "y": y})
    chart = ae.xmr(df, "y", "x", screen_outliers=screen)
    assert chart["mean"].iloc[0] == pytest.approx(mean, abs=5e-8)
    assert chart["lpl"].iloc[0] == pytest.approx(lpl, abs=5e-6)
    assert chart["upl"].iloc[0] == pytest.approx(upl, abs=5e-7)


def test_nhsrplotthedots_two_in_three_opposite_sides():
    # tests/testthat/test-ptd_spc_standard.R, "it only reports special cause for 2of3 points close
    # to limits when they are on the same side of the mean": rep(c(1, -1), 8) with points 15 and
    # 16 set to 5.5 and -5.5 → both common cause.
    y = [1.0, -1.0] * 8
    y[14], y[15] = 5.5, -5.5
    df = pd.DataFrame({"date": pd.date_range("2020-01-02", periods=16, freq="D"), "data": y})
    chart = ae.xmr(df, "data", "date")
    assert 5.5 > chart["upper_two_sigma"].iloc[0] and -5.5 < chart["lower_two_sigma"].iloc[0]
    assert chart["point_type"].iloc[-2:].tolist() == ["common_cause", "common_cause"]


def ae_all(public_data):
    """NHSRplotthedots tests/testthat/test-integration_tests.R, ae_all(): ae_attendances summed
    over trusts and types by month, performance = 1 - breaches / attendances."""
    ae_data = ae.read_ae_attendances(public_data / "ae_attendances.csv")
    out = ae_data.groupby("period", as_index=False)[["attendances", "breaches"]].sum()
    out["performance"] = 1 - out["breaches"] / out["attendances"]
    return out


# Published values decoded from the serialised results in NHSRplotthedots
# tests/testthat/_snaps/integration_tests.md (commit 0c096d8; R doubles, full precision).
def test_nhsrplotthedots_integration_ae_all_attendances(public_data):
    data = ae_all(public_data)
    chart = ae.xmr(data, "attendances", "period")  # ptd_spc(ae_all(), attendances, period)
    assert len(chart) == 36
    assert chart["mean"].iloc[0] == pytest.approx(2000538.9444444445, rel=1e-12)
    assert chart["lpl"].iloc[0] == pytest.approx(1731844.364444, rel=1e-10)
    assert chart["upl"].iloc[0] == pytest.approx(2269233.5244444446, rel=1e-12)
    assert (chart["point_type"] == "common_cause").all()  # as the snapshot
    # rebase = as.Date("2017-04-01"): segment means and limits
    rebased = ae.xmr(data, "attendances", "period", rebase=["2017-04-01"])
    first = rebased.groupby("rebase_group")[["mean", "lpl", "upl"]].first()
    assert first.loc[1].tolist() == pytest.approx(
        [1946858.4166666667, 1639947.374848, 2253769.4584848485], rel=1e-10
    )
    assert first.loc[2].tolist() == pytest.approx(
        [2027379.208333, 1772921.063986, 2281837.352681], rel=1e-10
    )
    assert rebased["rebase_group"].value_counts().sort_index().tolist() == [12, 24]


def test_nhsrplotthedots_integration_ae_all_performance(public_data):
    # ptd_spc(ae_all(), performance, period, fix_after_n_points = 12)
    chart = ae.xmr(ae_all(public_data), "performance", "period", fix_after_n_points=12)
    assert chart["mean"].iloc[0] == pytest.approx(0.8908915564349236, rel=1e-13)
    assert chart["lpl"].iloc[0] == pytest.approx(0.8614049789074258, rel=1e-13)
    assert chart["upl"].iloc[0] == pytest.approx(0.9203781339624213, rel=1e-13)
    c, i, k = "common_cause", "special_cause_improvement", "special_cause_concern"
    published = [c] * 9 + [k, c] + [i] * 8 + [c] + [k] * 4 + [c] * 5 + [k] * 7
    got = chart["point_type"].tolist()
    # The one difference is deviation 1 (docs/spc-deviations-from-nhsrplotthedots.md): Dec 2016
    # (0.8618) is beyond the lower 2σ line and Jan 2017 (0.8514) below the lower limit; aeeval
    # counts both as "2 of 3 beyond 2σ", NHSRplotthedots counts only points inside the limits.
    assert [n for n, (a, b) in enumerate(zip(got, published)) if a != b] == [8]
    assert chart["two_in_three"].iloc[8] and chart["outside_limits"].iloc[9]
    assert not chart["outside_limits"].iloc[8]


# ------------------------------------------------------------------------------ point types


def test_neutral_direction_labels_high_and_low():
    chart = xmr(BASE + [25, -5], fix_after_n_points=12, improvement_direction="neutral")
    assert chart["point_type"].iloc[-2:].tolist() == [
        "special_cause_neutral_high",
        "special_cause_neutral_low",
    ]


def test_decrease_direction_swaps_improvement_and_concern():
    chart = xmr(BASE + [25, -5], fix_after_n_points=12, improvement_direction="decrease")
    assert chart["point_type"].iloc[-2:].tolist() == [
        "special_cause_concern",
        "special_cause_improvement",
    ]


# ------------------------------------------------------------------------------ not enough data


def test_short_series_reports_not_enough_data_and_trial_limits():
    df = series([1, 2, 3, 4, 5])
    with pytest.warns(TrialLimitsWarning, match="trial limits.*5 point"):
        chart = ae.xmr(df, "y", "month")
    assert chart["trend"].isna().all() and chart["shift"].isna().all()  # need 7 points
    assert chart["outside_limits"].notna().all()
    assert chart["trial_limits"].all()


def test_twelve_points_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error", TrialLimitsWarning)
        ae.xmr(series(BASE), "y", "month")


def test_one_point_has_no_limits():
    chart = xmr([5])
    assert chart["point_type"].iloc[0] == "not_enough_data"
    assert chart["outside_limits"].isna().all() and chart["two_in_three"].isna().all()


def test_two_points_no_two_in_three():
    chart = xmr([5, 6])
    assert chart["two_in_three"].isna().all() and chart["outside_limits"].notna().all()


# ------------------------------------------------------------------------------ summary / icons

# NHSRplotthedots tests/testthat/test-ptd_calculate_assurance_type.R: (lpl, mean, upl) of
# (1,2,3), (5,6,7), (1,4,5) with target 4.
ASSURANCE = [
    ("increase", ["consistent_fail", "consistent_pass", "inconsistent"]),
    ("decrease", ["consistent_pass", "consistent_fail", "inconsistent"]),
    ("neutral", [None, None, None]),
]


@pytest.mark.parametrize("direction, expected", ASSURANCE)
def test_assurance_matches_nhsrplotthedots(direction, expected):
    chart = pd.DataFrame(
        {
            "f": ["a", "b", "c"],
            "month": pd.to_datetime(["2020-01-01"] * 3),
            "value": [2, 6, 4],
            "lpl": [1, 5, 1],
            "mean": [2, 6, 4],
            "upl": [3, 7, 5],
            "target": 4.0,
            "trial_limits": False,
            "point_type": "common_cause",
        }
    )
    chart.attrs.update(by=["f"], date="month", improvement_direction=direction)
    got = ae.spc_summary(chart)["assurance"].tolist()
    assert [None if pd.isna(g) else g for g in got] == expected


def test_summary_uses_last_point_and_last_segment():
    df = series(BASE + [32, 28] * 6)
    chart = ae.xmr(df, "y", "month", rebase=["2021-01-01"], target=25)
    s = ae.spc_summary(chart)
    assert len(s) == 1
    assert s["variation"].iloc[0] == chart["point_type"].iloc[-1]
    assert s["upl"].iloc[0] == pytest.approx(30 + 2.66 * 4)
    # last segment: lpl = 30 - 10.64 = 19.36, upl = 40.64; the first segment's limits are ignored
    assert s["assurance"].iloc[0] == "inconsistent"  # 19.36 < 25 < 40.64
    assert (
        ae.spc_summary(ae.xmr(df, "y", "month", rebase=["2021-01-01"], target=19))[
            "assurance"
        ].iloc[0]
        == "consistent_pass"
    )  # 19 < lpl: every point passes


def test_summary_without_target_has_no_assurance():
    s = ae.spc_summary(xmr(BASE))
    assert pd.isna(s["assurance"].iloc[0]) and s["variation"].iloc[0] == "common_cause"


def test_summary_tables_show_the_words_the_charts_use_and_keep_the_codes():
    from aeeval.tables import format_table, table_payload

    df = series(BASE + [32, 28] * 6)
    s = ae.spc_summary(ae.xmr(df, "y", "month", rebase=["2021-01-01"], target=25))
    shown = format_table(s)
    assert (shown["Variation"].iloc[0], shown["Assurance"].iloc[0]) == (
        ae.spc.VARIATION_WORDS[s["variation"].iloc[0]],
        "Hit and miss",
    )
    record = table_payload(s, name="spc", title="SPC")["records"][0]
    assert record["assurance"] == "inconsistent"  # figures.json keeps the code


def test_by_gives_one_series_each():
    a, b = series(BASE), series([v + 100 for v in BASE])
    df = pd.concat([a.assign(team="a"), b.assign(team="b")], ignore_index=True)
    chart = ae.xmr(df, "y", "month", by="team")
    assert list(chart.columns[:2]) == ["team", "month"]
    assert chart.groupby("team")["mean"].first().to_dict() == {"a": 10, "b": 110}
    assert ae.spc_summary(chart)["team"].tolist() == ["a", "b"]


# ------------------------------------------------------------------------------ p and p′ charts


def test_p_chart_hand_checked():
    df = pd.DataFrame(
        {
            "month": pd.date_range("2020-01-01", periods=3, freq=MONTHS),
            "x": [10, 20, 30],
            "n": [50, 100, 150],
        }
    )
    with pytest.warns(TrialLimitsWarning):
        chart = ae.p_chart(df, "x", "n", "month")
    # p̄ = 60/300 = 0.2; σᵢ = √(0.16/nᵢ): 0.0565685, 0.04, 0.0326599 (worked by hand)
    assert chart["mean"].tolist() == pytest.approx([0.2] * 3)
    assert chart["lpl"].tolist() == pytest.approx([0.0302944, 0.08, 0.1020204], abs=1e-7)
    assert chart["upl"].tolist() == pytest.approx([0.3697056, 0.32, 0.2979796], abs=1e-7)
    assert (chart["sigma_z"] == 1).all()


def laney_by_hand(x, n):
    p, pbar = x / n, x.sum() / n.sum()
    s = np.sqrt(pbar * (1 - pbar) / n)
    z = (p - pbar) / s
    sz = np.abs(np.diff(z)).mean() / 1.128
    return pbar, sz, pbar - 3 * s * sz, pbar + 3 * s * sz


def test_laney_against_numpy_by_hand():
    rng = np.random.default_rng(5)
    n = rng.integers(800, 1200, 24).astype(float)
    p_true = np.clip(0.8 + rng.normal(0, 0.03, 24), 0, 1)
    x = np.round(n * p_true)
    df = pd.DataFrame(
        {"month": pd.date_range("2018-01-01", periods=24, freq=MONTHS), "x": x, "n": n}
    )
    chart = ae.p_chart(df, "x", "n", "month", method="laney")
    pbar, sz, lo, hi = laney_by_hand(x, n)
    assert chart["sigma_z"].iloc[0] == pytest.approx(sz)
    assert chart["lpl"].tolist() == pytest.approx(lo.tolist())
    assert chart["upl"].tolist() == pytest.approx(hi.tolist())
    assert sz > 2  # overdispersed: p-chart limits would be too narrow
    assert chart["method"].iloc[0] == "laney_p_prime"


def test_laney_close_to_p_chart_for_binomial_data():
    rng = np.random.default_rng(11)
    n = rng.integers(200, 400, 60).astype(float)
    x = rng.binomial(n.astype(int), 0.7).astype(float)
    df = pd.DataFrame(
        {"month": pd.date_range("2015-01-01", periods=60, freq=MONTHS), "x": x, "n": n}
    )
    p = ae.p_chart(df, "x", "n", "month")
    lp = ae.p_chart(df, "x", "n", "month", method="laney")
    assert 0.8 < lp["sigma_z"].iloc[0] < 1.2  # Laney (2002): σ_z ≈ 1 without overdispersion
    assert p["mean"].iloc[0] == lp["mean"].iloc[0]


def test_p_chart_on_example_measures_with_rebase(examples):
    m = ae.read_table(examples / "measures.csv", "measures")
    team = m[m["team"] == "Maternity unit A"]
    chart = ae.p_chart(
        team, "numerator", "denominator", "period", rebase=["2018-06-01"], target=0.8
    )
    assert chart["rebase_group"].nunique() == 2
    seg = team[team["period"] >= "2018-06-01"]
    assert chart["mean"].iloc[-1] == pytest.approx(
        seg["numerator"].sum() / seg["denominator"].sum()
    )
    assert (chart["upl"] <= 1).all() and (chart["lpl"] >= 0).all()


# ------------------------------------------------------------------------------ run charts


def run(values):
    return ae.run_chart(series(values), "y", "month")


def test_run_chart_median_and_useful():
    chart = run([1, 2, 3, 4, 5])
    assert chart["median"].iloc[0] == 3
    assert chart["useful"].tolist() == [True, True, False, True, True]


def test_run_chart_shift_six_useful_points():
    # median 5: six above (7s), one on the median (5) in the middle — it neither counts nor breaks
    chart = run([7, 7, 7, 5, 7, 7, 7, 1, 1, 1, 2, 2, 2, 5, 5])
    assert chart["median"].iloc[0] == 5
    assert flags(chart, "shift") == [0, 1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12]


def test_run_chart_five_on_one_side_is_not_a_shift():
    chart = run([7, 7, 7, 7, 7, 1, 7, 1, 1, 1, 1, 1, 4])
    assert chart["median"].iloc[0] == 4  # runs of 5, 1, 1, 5 and one on the median
    assert flags(chart, "shift") == []


def test_run_chart_trend_ties_neither_add_nor_break():
    assert flags(run([1, 2, 2, 3, 4, 5, 3]), "trend") == [0, 1, 2, 3, 4, 5]
    assert flags(run([1, 2, 2, 3, 4, 0]), "trend") == []  # only 4 distinct rising values
    assert flags(run([9, 8, 7, 6, 5, 6]), "trend") == [0, 1, 2, 3, 4]  # at the series start


def test_run_chart_rules_at_series_end_and_even_median():
    chart = run([5, 3, 5, 3, 9, 1, 2, 3, 4, 5])  # 5 rising points end the series
    assert chart["median"].iloc[0] == 3.5  # even n: mean of the middle two
    assert flags(chart, "trend") == [5, 6, 7, 8, 9]
    end = run([5, 5, 5, 5, 1, 1, 1, 9, 9, 9, 9, 9, 9])  # 6 above end the series (median 5)
    assert end["median"].iloc[0] == 5
    assert flags(end, "shift") == [7, 8, 9, 10, 11, 12]
    assert end["useful"].tolist() == [False] * 4 + [True] * 9


def test_run_chart_runs_ignore_points_on_the_median():
    # median 5 (13 values: five 2s, three 5s, five 8s); without the 5s the sides are
    # - + + - - + - + + -  → 7 runs from 10 useful points (5 above, 5 below); the 8, 5, 8 at the
    # start is one run: a point on the median neither counts nor breaks it.
    chart = run([2, 8, 5, 8, 2, 5, 5, 2, 8, 2, 8, 8, 2])
    assert chart["median"].iloc[0] == 5
    assert chart["n_useful"].iloc[0] == 10 and chart["runs"].iloc[0] == 7
    # Swed & Eisenhart (5, 5): critical values 2 and 10 (Triola Table A-10), so 3..9 is expected
    assert (chart["runs_low"].iloc[0], chart["runs_high"].iloc[0]) == (3, 9)
    assert chart["runs_signal"].iloc[0] == "none"


def test_run_chart_not_enough_data():
    chart = run([1, 2, 3, 4])
    assert chart["trend"].isna().all() and chart["shift"].isna().all()
    assert chart["runs"].isna().all() and (chart["runs_signal"] == "not_enough_data").all()


def test_run_chart_counts_runs_and_signals_too_few():
    # Balestracci (Quality Digest, Oct 2008): 16 points in runs of 7, 7, 1, 1 = 4 runs, too few
    chart = run([9] * 7 + [1] * 7 + [9, 1])
    assert chart["runs"].iloc[0] == 4
    assert (chart["runs_low"].iloc[0], chart["runs_high"].iloc[0]) == ae.runs_limits(8, 8)
    assert chart["runs_signal"].iloc[0] == "too_few"


def test_run_chart_too_many_runs():
    chart = run([1, 9] * 10)
    assert chart["runs"].iloc[0] == 20 and chart["runs_signal"].iloc[0] == "too_many"


def test_astronomical_is_opt_in():
    values = [10, 11, 10, 12, 11, 10, 11, 60, 10, 11, 12, 10]
    assert run(values)["astronomical"].isna().all()
    chart = ae.run_chart(series(values), "y", "month", astronomical=True)
    assert flags(chart, "astronomical") == [7]


# Swed & Eisenhart (1943) critical values, α = 0.05 two-tailed, as reproduced in Triola,
# Elementary Statistics, Table A-10 "Critical values for number of runs G": reject randomness if
# runs ≤ the first value or ≥ the second.
SWED_EISENHART = [
    ((5, 5), (2, 10)),
    ((6, 6), (3, 11)),
    ((7, 7), (3, 13)),
    ((8, 8), (4, 14)),
    ((9, 9), (5, 15)),
    ((10, 10), (6, 16)),
    ((5, 10), (3, 12)),
    ((8, 12), (6, 16)),
]


@pytest.mark.parametrize("counts, critical", SWED_EISENHART)
def test_runs_limits_against_swed_eisenhart_table(counts, critical):
    low, high = ae.runs_limits(*counts)
    assert (low - 1, high + 1) == critical


def test_runs_distribution_published_probabilities():
    # n1 = n2 = 10: P(R ≤ 6) = 0.019, P(R ≤ 7) = 0.051 (real-statistics.com runs test table)
    pmf = runs_distribution(10, 10)
    assert sum(p for r, p in pmf.items() if r <= 6) == pytest.approx(0.019, abs=5e-4)
    assert sum(p for r, p in pmf.items() if r <= 7) == pytest.approx(0.051, abs=5e-4)


@pytest.mark.parametrize("n_above, n_below", [(3, 4), (5, 5), (6, 3)])
def test_runs_distribution_against_enumeration(n_above, n_below):
    n = n_above + n_below
    counts = {}
    for above in itertools.combinations(range(n), n_above):
        seq = [i in above for i in range(n)]
        r = 1 + sum(a != b for a, b in zip(seq, seq[1:]))
        counts[r] = counts.get(r, 0) + 1
    total = sum(counts.values())
    pmf = runs_distribution(n_above, n_below)
    assert pmf == pytest.approx({r: c / total for r, c in counts.items()})


# ------------------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    "values, message",
    [
        (["1", "x", "3"], "row with index 1, column 'y', value 'x': not a number"),
        ([1.0, None, 3.0], "row with index 1, column 'y', value 'None': missing value"),
    ],
)
def test_bad_values(values, message):
    df = pd.DataFrame(
        {
            "month": pd.date_range("2020-01-01", periods=3, freq=MONTHS),
            "y": pd.Series(values, dtype=object),
        }
    )
    for fn in (ae.xmr, ae.run_chart):
        with pytest.raises(ValueError, match=message.replace("(", r"\(")):
            fn(df, "y", "month")


def test_duplicate_and_unsorted_dates():
    dup = pd.DataFrame(
        {"month": pd.to_datetime(["2020-01-01", "2020-01-01", "2020-02-01"]), "y": [1, 2, 3]}
    )
    with pytest.raises(ValueError, match="duplicate date"):
        ae.xmr(dup, "y", "month")
    unsorted = pd.DataFrame({"month": pd.to_datetime(["2020-02-01", "2020-01-01"]), "y": [1, 2]})
    with pytest.raises(ValueError, match="increasing order.*sort the data"):
        ae.run_chart(unsorted, "y", "month")
    bad = pd.DataFrame({"month": ["2020-01-01", "soon"], "y": [1, 2]})
    with pytest.raises(ValueError, match="value 'soon': not a date"):
        ae.xmr(bad, "y", "month")


@pytest.mark.parametrize(
    "x, n, message",
    [
        ([1, 2], [5, 0], "column 'n', value '0': must be above 0"),
        ([1, 7], [5, 6], "column 'x', value '7': must not exceed the denominator"),
        ([-1, 2], [5, 6], "must not be negative"),
    ],
)
def test_bad_denominators(x, n, message):
    df = pd.DataFrame(
        {"month": pd.date_range("2020-01-01", periods=2, freq=MONTHS), "x": x, "n": n}
    )
    with pytest.raises(ValueError, match=message):
        ae.p_chart(df, "x", "n", "month")


def test_error_names_file_and_spreadsheet_row(examples):
    m = ae.read_table(examples / "measures.csv", "measures")
    team = m[m["team"] == "Ward 7 (older people)"].copy()
    team.loc[team.index[3], "denominator"] = 0
    with pytest.raises(ValueError, match=r"measures\.csv, row \d+, column 'denominator'"):
        ae.p_chart(team, "numerator", "denominator", "period")


@pytest.mark.parametrize(
    "kw, message",
    [
        ({"rebase": ["2030-01-01"]}, "rebase date 2030-01-01 is outside the series"),
        ({"rebase": ["2019-01-01"]}, "outside the series"),
        ({"rebase": ["not a date"]}, "is not a date"),
        ({"improvement_direction": "up"}, "improvement_direction must be one of"),
        ({"fix_after_n_points": 1}, "fix_after_n_points must be a whole number"),
        ({"target": "high"}, "target must be a number"),
    ],
)
def test_bad_options(kw, message):
    with pytest.raises(ValueError, match=message):
        xmr(BASE, **kw)


def test_missing_date_is_an_error():
    df = pd.DataFrame(
        {"month": [pd.Timestamp("2020-01-01"), pd.NaT, pd.Timestamp("2020-03-01")], "y": [1, 2, 3]}
    )
    for fn in (ae.xmr, ae.run_chart):
        with pytest.raises(
            ValueError, match="row with index 1, column 'month', value 'NaT': missing date"
        ):
            fn(df, "y", "month")


def test_p_chart_bad_values_and_direction():
    df = pd.DataFrame(
        {
            "month": pd.date_range("2020-01-01", periods=3, freq=MONTHS),
            "x": pd.Series([1, "many", 3], dtype=object),
            "n": [5, 5, None],
        }
    )
    with pytest.raises(
        ValueError,
        match=r"(?s)column 'x', value 'many': not a number.*"
        r"column 'n', value 'nan': missing value",
    ):
        ae.p_chart(df, "x", "n", "month")
    ok = df.assign(x=[1, 2, 3], n=[5, 5, 5])
    with pytest.raises(ValueError, match="improvement_direction must be one of"):
        ae.p_chart(ok, "x", "n", "month", improvement_direction="higher")
    with pytest.raises(ValueError, match="target is a proportion"):
        ae.p_chart(ok, "x", "n", "month", target=80)


def test_rebase_outside_one_series_names_the_series():
    a = series(BASE).assign(team="a")
    b = series(BASE, start="2021-01-01").assign(team="b")
    df = pd.concat([a, b], ignore_index=True)
    with pytest.raises(
        ValueError, match=r"rebase date 2020-06-01 is outside the series \(team=b\)"
    ):
        ae.xmr(df, "y", "month", by="team", rebase=["2020-06-01"])


def test_rebase_accepts_one_date_of_any_type():
    import datetime

    df = series(BASE + BASE)
    for when in (
        "2021-01-01",
        pd.Timestamp("2021-01-01"),
        datetime.date(2021, 1, 1),
        np.datetime64("2021-01-01"),
    ):
        chart = ae.xmr(df, "y", "month", rebase=when)
        assert chart["rebase_group"].tolist() == [1] * 12 + [2] * 12


def test_short_rebase_segment_reports_not_enough_data_only_there():
    df = series(BASE + [30, 31, 29])
    with pytest.warns(TrialLimitsWarning, match="limits from 3 point"):
        chart = ae.xmr(df, "y", "month", rebase=["2021-01-01"])
    first, last = chart.iloc[:12], chart.iloc[12:]
    assert first["trend"].notna().all() and first["shift"].notna().all()
    assert last["trend"].isna().all() and last["shift"].isna().all()  # 3 points: need 7
    assert last["two_in_three"].notna().all() and last["outside_limits"].notna().all()
    assert not last["point_type"].str.startswith("special").any()


def test_p_chart_short_series_not_enough_data():
    df = pd.DataFrame(
        {
            "month": pd.date_range("2020-01-01", periods=4, freq=MONTHS),
            "x": [10, 12, 30, 11],
            "n": [20, 20, 40, 20],
        }
    )
    with pytest.warns(TrialLimitsWarning):
        chart = ae.p_chart(df, "x", "n", "month")
    assert chart["trend"].isna().all() and chart["shift"].isna().all()
    assert chart["outside_limits"].notna().all()
    one = df.iloc[:1]
    with pytest.warns(TrialLimitsWarning):
        laney = ae.p_chart(one, "x", "n", "month", method="laney", target=0.5)
    # σ_z needs two points: no limits, so no rule can signal
    assert laney["point_type"].tolist() == ["not_enough_data"]
    assert laney["outside_limits"].isna().all()
    assert pd.isna(ae.spc_summary(laney)["assurance"].iloc[0])


def test_bad_method_and_missing_column():
    df = series(BASE).assign(n=20)
    with pytest.raises(ValueError, match="method must be one of 'p', 'laney'"):
        ae.p_chart(df, "y", "n", "month", method="u")
    with pytest.raises(KeyError, match="'value' not in the data"):
        ae.xmr(df, "value", "month")


def test_input_not_modified():
    df = series(BASE)
    before = df.copy()
    xmr(BASE)
    ae.xmr(df, "y", "month")
    ae.run_chart(df, "y", "month")
    pd.testing.assert_frame_equal(df, before)


# ------------------------------------------------------------------------------ real A&E data


def test_real_ae_four_hour_performance_laney(public_data):
    ae_data = ae.read_table(public_data / "ae_attendances.csv", "ae_attendances")
    trust = (
        ae_data[ae_data["org_code"] == "RF4"]
        .groupby("period", as_index=False)[["attendances", "breaches"]]
        .sum()
    )
    trust["within_4h"] = trust["attendances"] - trust["breaches"]
    p = ae.p_chart(trust, "within_4h", "attendances", "period", target=0.95)
    lp = ae.p_chart(trust, "within_4h", "attendances", "period", method="laney", target=0.95)
    assert len(lp) == 36
    # thousands of attendances a month: p-chart limits are far too narrow (Laney 2002)
    assert lp["sigma_z"].iloc[0] > 3
    assert p["outside_limits"].sum() > lp["outside_limits"].sum()
    x, n = trust["within_4h"].to_numpy(float), trust["attendances"].to_numpy(float)
    assert lp["upl"].tolist() == pytest.approx(laney_by_hand(x, n)[3].tolist())
    assert ae.spc_summary(lp)["assurance"].iloc[0] == "consistent_fail"  # 95% above the upl


def test_plots_draw_titled_labelled_figures(examples):
    import matplotlib.pyplot as plt

    from aeeval.plots import plot_run_chart, plot_spc

    chart = xmr(BASE + [25], target=12)
    ax = plot_spc(chart, title="A measure", ylabel="Value")
    assert ax.get_title(loc="left") == "A measure" and ax.get_ylabel() == "Value"
    texts = [t.get_text() for t in ax.texts]
    # variation icon: improvement, high (Making Data Count "H"); assurance: 12 inside the limits
    assert "Improvement (high)" in texts and "H" in texts
    assert "Hit and miss" in texts
    assert ax.get_legend().get_title().get_text() == ""  # 13 points: no trial limits
    low = xmr(BASE + [25], improvement_direction="decrease")
    ax_low = plot_spc(low, title="Lower is better", ylabel="Value")
    assert "Concern (high)" in [t.get_text() for t in ax_low.texts]
    short = xmr([5, 6, 5, 7, 6])
    ax_short = plot_spc(short, title="Short", ylabel="Value")
    assert "Trial limits" in ax_short.get_legend().get_title().get_text()
    ax2 = plot_run_chart(run(BASE), title="Run", ylabel="Value")
    assert ax2.get_xlabel() == "Period"
    plt.close("all")


# ------------------------------------------------------------------------------ notebook


@pytest.mark.slow
@pytest.mark.parametrize(
    "parameters",
    [
        {},
        {
            "team": "Ward 7 (older people)",
            "direction": "decrease",
            "target": None,
            "rebase": ["2018-04-01"],
            "trust": "RQM",
        },
    ],
    ids=["defaults", "rebase-decrease"],
)
def test_notebook_04_executes_with_real_ae_data(tmp_path, public_data, parameters):
    import nbformat

    from aeeval.paths import NOTEBOOKS
    from aeeval.publish.report import execute_notebook

    out = tmp_path / "executed.ipynb"
    execute_notebook(NOTEBOOKS / "04-qi-measures.ipynb", parameters, out, cwd=tmp_path)
    nb = nbformat.read(out, as_version=4)
    tables = [
        o["data"]["application/vnd.aeeval.table+json"]
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        if "application/vnd.aeeval.table+json" in o.get("data", {})
    ]
    names = [t["name"] for t in tables]
    assert names == [
        "run_chart_runs",
        "measure_spc_summary",
        "all_measures_spc_summary",
        "ae_spc_summary",
        "events_spc_summary",
    ]
    every = tables[2]["records"]
    assert len(every) == 5 and len({(r["team"], r["measure"]) for r in every}) == 5
    images = sum("image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))
    assert images == 4
    ae_summary = tables[-2]["records"][0]
    assert ae_summary["assurance"] in {"consistent_pass", "consistent_fail", "inconsistent"}
    # the synthetic falls drop from 7 to 2.5 a month in October 2018: a shift, fewer is better
    events = tables[-1]["records"][0]
    assert events["n_points"] == 36 and events["variation"] == "special_cause_improvement"


@pytest.mark.slow
def test_notebook_04_fails_loudly_when_the_named_data_folder_lacks_the_file(tmp_path, monkeypatch):
    """The real-data section always runs: an AEEVAL_PUBLIC_DATA folder without the A&E file is an
    error naming where it looked, never a section silently left out of the report."""
    from aeeval.paths import NOTEBOOKS
    from aeeval.publish.report import ReportError, execute_notebook

    monkeypatch.setenv("AEEVAL_PUBLIC_DATA", str(tmp_path / "nowhere"))
    with pytest.raises(ReportError, match="A&E attendances file not found") as err:
        execute_notebook(
            NOTEBOOKS / "04-qi-measures.ipynb", {}, tmp_path / "executed.ipynb", cwd=tmp_path
        )
    assert "nowhere" in str(err.value) and "data/public" in str(err.value)
