"""c, u, g and t charts and Anhøj's run-chart rules, against qicharts2 (anhoej/qicharts2, commit
1b9487e) — its own reference outputs in tests/testthat/*.rds (the `qic()$data` of Montgomery's
examples, read with pyreadr) and its vignette — and against independent computations."""

import itertools
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import aeeval as ae
from aeeval.spc import TrialLimitsWarning, anhoej_limits


def frame(**columns):
    n = len(next(iter(columns.values())))
    return pd.DataFrame({"day": pd.date_range("2020-01-01", periods=n, freq="D"), **columns})


def quiet(chart_function, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TrialLimitsWarning)
        return chart_function(*args, **kw)


# ------------------------------------------------------------------------------ c chart

# Montgomery (2009) Example 7.3, Table 7.7/7.8: nonconformities in 26 + 20 samples of 100 printed
# circuit boards; qicharts2 tests/testthat/test_montgomery.R, "Example 7.3":
# qic(sample, count, data = tbl_07.08, chart = "c", exclude = c(6, 20), freeze = 26), reference
# output tests/testthat/ex_7.3_3.rds (columns y.sum, cl, lcl, ucl).
BOARDS = [21, 24, 16, 12, 15, 5, 28, 20, 31, 25, 20, 24, 16, 19, 10, 17, 13, 22, 18, 39, 30, 24,
          16, 19, 17, 15, 16, 18, 12, 15, 24, 21, 28, 20, 25, 19, 18, 21, 16, 22, 19, 12, 14, 9,
          16, 21]  # fmt: skip


def test_c_chart_equals_qicharts2_montgomery_example_7_3():
    # qicharts2 leaves samples 6 and 20 out of the limits and freezes them on the first 26
    # samples: the same 24 points are the first 24 once the two rows are dropped
    data = frame(count=BOARDS).drop(index=[5, 19])
    chart = ae.c_chart(data, "count", "day", fix_after_n_points=24)
    assert chart["mean"].iloc[0] == pytest.approx(19.666666666666668, abs=1e-12)  # ex_7.3_3 cl
    assert chart["lpl"].iloc[0] == pytest.approx(6.3625319710165975, abs=1e-12)  # ex_7.3_3 lcl
    assert chart["upl"].iloc[0] == pytest.approx(32.970801362316735, abs=1e-12)  # ex_7.3_3 ucl
    assert chart["limit_points"].iloc[0] == 24 and not chart["trial_limits"].any()


def test_c_chart_trial_limits_of_montgomery_example_7_3():
    # Montgomery (2009) Example 7.3: c̄ = 516/26 = 19.85, UCL = 33.22, LCL = 6.48, and samples 6
    # and 20 are outside the limits
    chart = ae.c_chart(frame(count=BOARDS[:26]), "count", "day")
    assert chart["mean"].iloc[0] == pytest.approx(516 / 26)
    # Montgomery rounds c̄ to 19.85 before the limits (19.85 + 3√19.85 = 33.216): hence ± 0.01
    assert chart["upl"].iloc[0] == pytest.approx(33.22, abs=0.01)
    assert chart["lpl"].iloc[0] == pytest.approx(6.48, abs=0.01)
    assert list(np.flatnonzero(chart["outside_limits"].to_numpy(dtype=bool)) + 1) == [6, 20]
    assert chart.loc[5, "point_type"] == "special_cause_improvement"  # fewer is better
    assert chart.loc[19, "point_type"] == "special_cause_concern"


def test_c_chart_lines_floored_at_zero_and_rules_as_xmr():
    counts = [1, 0, 2, 1, 0, 1, 2, 1, 0, 1, 1, 0, 2, 3, 4, 5, 6, 7, 8]
    chart = quiet(ae.c_chart, frame(n=counts), "n", "day", improvement_direction="increase")
    cbar = np.mean(counts)
    assert chart["upl"].iloc[0] == pytest.approx(cbar + 3 * np.sqrt(cbar))
    assert chart["upper_two_sigma"].iloc[0] == pytest.approx(cbar + 2 * np.sqrt(cbar))
    assert (chart["lpl"] == 0).all() and (chart["lower_two_sigma"] == 0).all()  # cbar < 4
    # 2 3 4 5 6 7 8: seven rising points, the same trend rule as xmr
    assert chart["trend"].to_numpy(dtype=bool)[-7:].all()
    assert not chart["trend"].to_numpy(dtype=bool)[:-8].any()


def test_c_chart_with_no_events_has_no_limits():
    chart = ae.c_chart(frame(n=[0] * 12), "n", "day")
    assert chart["upl"].isna().all() and (chart["point_type"] == "not_enough_data").all()


@pytest.mark.parametrize(
    ("values", "message"),
    [([1, 2, -1, 3], "value '-1': must be a whole number"), ([1, 2.5, 3], "value '2.5'")],
)
def test_c_chart_rejects_what_is_not_a_count(values, message):
    with pytest.raises(ValueError, match=message):
        ae.c_chart(frame(n=values), "n", "day")


# ------------------------------------------------------------------------------ u chart

# qicharts2 tests/testthat/test_montgomery.R, "Example 7.4":
# qic(sample, count, size, data = tbl_07.10, chart = "u"), reference ex_7.4_1.rds.
DEFECTS = [2, 3, 8, 1, 1, 4, 1, 4, 5, 1, 8, 2, 4, 3, 4, 1, 8, 3, 7, 4]


def test_u_chart_equals_qicharts2_example_7_4():
    chart = ae.u_chart(frame(count=DEFECTS, size=[50] * 20), "count", "size", "day")
    assert chart["mean"].iloc[0] == pytest.approx(0.074, abs=1e-12)  # ex_7.4_1 cl
    assert chart["upl"].iloc[0] == pytest.approx(0.1894123043700281, abs=1e-12)  # ucl
    assert (chart["lpl"] == 0).all()  # lcl 0: 0.074 − 3√(0.074/50) < 0, floored
    assert not chart["outside_limits"].to_numpy(dtype=bool).any()  # sigma.signal all FALSE


# qicharts2 "Example 7.5": qic(roll, count, meters, data = tbl_07.11, chart = "u",
# multiply = 50), reference ex_7.5_1.rds: limits vary with each roll's length.
ROLLS = [14, 12, 20, 11, 7, 10, 21, 16, 19, 23]
METERS = [500, 400, 650, 500, 475, 500, 600, 525, 600, 625]
QIC_7_5_LCL = [0.29147393012686534, 0.15788519998393874, 0.43061743663693214, 0.29147393012686534,
               0.26207210186521834, 0.29147393012686534, 0.3900850340409337, 0.3187497909652587,
               0.3900850340409337, 0.41095932277784886]  # fmt: skip
QIC_7_5_UCL = [2.555037697780111, 2.6886264279230376, 2.4158941912700445, 2.555037697780111,
               2.5844395260417583, 2.555037697780111, 2.456426593866043, 2.527761836941718,
               2.456426593866043, 2.4355523051291277]  # fmt: skip


def test_u_chart_equals_qicharts2_example_7_5_with_multiply():
    data = frame(count=ROLLS, meters=METERS)
    chart = quiet(ae.u_chart, data, "count", "meters", "day", multiply=50)
    assert chart["mean"].iloc[0] == pytest.approx(1.4232558139534883, abs=1e-12)  # cl
    np.testing.assert_allclose(chart["lpl"], QIC_7_5_LCL, rtol=0, atol=1e-12)
    np.testing.assert_allclose(chart["upl"], QIC_7_5_UCL, rtol=0, atol=1e-12)
    np.testing.assert_allclose(chart["value"], 50 * np.array(ROLLS) / METERS)


def test_u_chart_summary_is_not_suppressed_as_patients():
    # a u chart's denominator is exposure (bed days), not a number of patients
    data = frame(falls=[3, 1, 2, 4, 2, 3, 1, 2, 3, 2, 4, 1], bed_days=[5] * 12)
    summary = ae.spc_summary(ae.u_chart(data, "falls", "bed_days", "day"))
    assert "suppressed" not in summary and summary["value"].iloc[0] == pytest.approx(0.2)


def test_u_chart_rejects_zero_exposure():
    with pytest.raises(ValueError, match="column 'bed_days', value '0': must be above 0"):
        ae.u_chart(frame(falls=[1, 2, 3], bed_days=[10, 0, 10]), "falls", "bed_days", "day")


# ------------------------------------------------------------------------------ g chart


def test_g_chart_limits_from_the_geometric_distribution():
    gaps = [12, 3, 40, 7, 0, 22, 15, 1, 9, 30, 5, 18, 2, 11]
    chart = ae.g_chart(frame(gap=gaps), "gap", "day")
    gbar = np.mean(gaps)
    # independent: scipy's geometric distribution on 0, 1, 2 … with mean gbar (p = 1/(gbar + 1))
    sd = stats.geom(1 / (gbar + 1), loc=-1).std()
    assert stats.geom(1 / (gbar + 1), loc=-1).mean() == pytest.approx(gbar)
    assert chart["sigma"].iloc[0] == pytest.approx(sd)
    assert chart["upl"].iloc[0] == pytest.approx(gbar + 3 * sd)
    assert chart["upper_two_sigma"].iloc[0] == pytest.approx(gbar + 2 * sd)
    assert (chart["lpl"] == 0).all()  # gbar − 3√(gbar(gbar+1)) < 0 always
    # qicharts2 qic.g draws the median of the data as the centre line
    assert chart["median"].iloc[0] == np.median(gaps) and chart.attrs["centre"] == "median"
    assert chart["two_in_three"].isna().all()  # not applied to the skewed distribution


def test_g_chart_shift_counts_sides_of_the_median_not_the_mean():
    # 7 gaps of 8 sit below the mean (14.2) but above the median (6): no shift about the median
    gaps = [2, 3, 1, 4, 2, 60, 8, 8, 8, 8, 8, 8, 8, 2, 3, 1]
    chart = ae.g_chart(frame(gap=gaps), "gap", "day")
    assert np.median(gaps) < 8 < np.mean(gaps)
    assert chart["shift"].to_numpy(dtype=bool)[6:13].all()  # 7 above the median
    assert chart.loc[5, "outside_limits"]  # 60 > upper limit
    assert chart.loc[5, "point_type"] == "special_cause_improvement"  # a long gap is good


# qicharts2 data/cabg.rda (2,205 coronary artery bypass operations, one row each, in date order):
# the operations that ended in death, as the vignette's "T and G charts for rare events" selects
# them — fatalities <- cabg %>% mutate(x = row_number()) %>% filter(death) %>%
# mutate(dd = x - lag(x), dt = date - lag(date)) — here their dates and row numbers x.
DEATH_DATES = """
2011-07-21 2011-08-06 2011-08-26 2011-08-31 2011-09-13 2011-09-14 2011-10-10 2011-11-25
2011-12-07 2011-12-19 2011-12-24 2012-01-12 2012-01-16 2012-01-19 2012-02-03 2012-02-17
2012-02-26 2012-03-05 2012-03-20 2012-04-10 2012-04-16 2012-04-19 2012-04-20 2012-06-15
2012-10-10 2012-10-11 2012-11-13 2012-11-22 2012-12-01 2012-12-20 2013-01-01 2013-01-02
2013-01-18 2013-01-31 2013-02-18 2013-02-19 2013-03-26 2013-04-11 2013-04-16 2013-05-07
2013-06-14 2013-06-17 2013-07-12 2013-07-15 2013-07-26 2013-08-08 2013-08-28 2013-09-06
2013-09-09 2013-09-17 2013-10-08 2013-11-01 2013-12-09 2013-12-17 2013-12-30 2014-01-08
2014-01-09 2014-02-08 2014-03-03 2014-03-06 2014-03-13 2014-04-04 2014-04-23 2014-05-04
2014-06-04 2014-06-10 2014-06-11 2014-06-12
""".split()
DEATH_SURGERY_NUMBER = [37, 60, 99, 114, 148, 149, 198, 296, 325, 352, 365, 410, 417, 427, 454,
                        478, 492, 512, 550, 594, 605, 615, 618, 731, 914, 917, 964, 982, 1000,
                        1033, 1048, 1050, 1088, 1115, 1142, 1143, 1195, 1218, 1225, 1251, 1333,
                        1338, 1387, 1392, 1409, 1433, 1477, 1503, 1505, 1532, 1578, 1633, 1730,
                        1752, 1774, 1794, 1798, 1858, 1909, 1916, 1937, 2003, 2039, 2064, 2136,
                        2151, 2156, 2159]  # fmt: skip


def fatalities():
    deaths = pd.DataFrame({"date": pd.to_datetime(DEATH_DATES), "x": DEATH_SURGERY_NUMBER})
    deaths["dd"] = deaths["x"].diff()  # surgeries between deaths
    deaths["dt"] = deaths["date"].diff().dt.days  # days between deaths
    return deaths.iloc[1:]  # the first death has no gap before it (NA in qicharts2)


@pytest.mark.parametrize("kind", ["g", "t"])
def test_g_and_t_charts_of_the_qicharts2_vignette_flag_deaths_24_and_25(kind):
    # qicharts2 vignette: "The conclusions from the two charts are the same: Deaths number 24
    # and 25 are unusually far apart." — the gap ending at death 25 is above the upper limit
    deaths = fatalities()
    chart = ae.g_chart(deaths, "dd", "date") if kind == "g" else ae.t_chart(deaths, "dt", "date")
    death_number = np.arange(2, len(DEATH_DATES) + 1)
    assert list(death_number[chart["outside_limits"].to_numpy(dtype=bool)]) == [25]
    assert chart.loc[chart["outside_limits"].to_numpy(dtype=bool), "point_type"].tolist() == [
        "special_cause_improvement"
    ]


# ------------------------------------------------------------------------------ t chart

# Montgomery (2009) Example 7.6, Table 7.14: hours between failures of a valve; qicharts2
# "Example 7.6": qic(failure, hours, data = tbl_07.14, chart = "t"), reference ex_7.6_1.rds:
# cl 430.04095178975825, lcl 0, ucl 6937.933488166575.
VALVE = [286, 948, 536, 124, 816, 729, 4, 143, 431, 8, 2837, 596, 81, 227, 603, 492, 1199, 1214,
         2831, 96]  # fmt: skip


def test_t_chart_against_qicharts2_example_7_6():
    chart = ae.t_chart(frame(hours=VALVE), "hours", "day")
    assert chart["mean"].iloc[0] == pytest.approx(430.04095178975825, rel=1e-12)
    assert (chart["lpl"] == 0).all()
    assert (chart["point_type"] == "common_cause").all()  # sigma.signal all FALSE
    # qicharts2's I chart (qic.i) uses 3σ with σ = mean MR / 1.128, aeeval's XmR 2.66 × mean MR
    # (Making Data Count): the half-width on the transformed scale differs by 2.66 / (3/1.128)
    centre = 430.04095178975825 ** (1 / 3.6)
    qic_half_width = 6937.933488166575 ** (1 / 3.6) - centre
    ours = chart["upl"].iloc[0] ** (1 / 3.6) - centre
    assert ours == pytest.approx(qic_half_width * 2.66 / (3 / 1.128), rel=1e-12)


def test_t_chart_is_an_xmr_of_the_transformed_times():
    times = [3.5, 10, 1.2, 6, 2, 14, 5, 0.5, 8, 4, 7, 9, 2.5]
    t = ae.t_chart(frame(days=times), "days", "day")
    x = ae.xmr(frame(days=np.array(times) ** (1 / 3.6)), "days", "day")
    np.testing.assert_allclose(t["mean"], x["mean"] ** 3.6)
    np.testing.assert_allclose(t["upl"], x["upl"] ** 3.6)
    np.testing.assert_allclose(t["lpl"], np.where(x["lpl"] > 0, x["lpl"], 0) ** 3.6)
    for col in ("outside_limits", "two_in_three", "trend", "shift", "point_type"):
        assert t[col].tolist() == x[col].tolist(), col


def test_t_chart_rejects_times_of_zero():
    with pytest.raises(ValueError, match="value '0': must be above 0"):
        ae.t_chart(frame(days=[1.0, 0, 2.0]), "days", "day")


# ------------------------------------------------------------------------------ plots


@pytest.mark.parametrize("kind", ["c", "u", "g", "t"])
def test_every_chart_is_drawn_and_summarised(kind):
    from aeeval.plots import plot_spc

    data = frame(n=[3, 5, 2, 6, 4, 7, 3, 5, 4, 6, 2, 5], exposure=[100] * 12)
    chart = {
        "c": lambda: ae.c_chart(data, "n", "day"),
        "u": lambda: ae.u_chart(data, "n", "exposure", "day", multiply=100),
        "g": lambda: ae.g_chart(data, "n", "day"),
        "t": lambda: ae.t_chart(data, "n", "day"),
    }[kind]()
    ax = plot_spc(chart, title="T", ylabel="Y")
    centre = chart[chart.attrs.get("centre", "mean")].to_numpy()
    assert any(np.allclose(line.get_ydata(), centre) for line in ax.get_lines())
    assert ae.spc_summary(chart)["variation"].iloc[0] == chart["point_type"].iloc[-1]


# ------------------------------------------------------------------------------ Anhøj's rules

# qicharts2 vignette (vignettes/qicharts2.Rmd, rendered docs/articles/qicharts2.html), "Appendix 2:
# Critical values for longest run and number of crossings", n = 10 … 100 useful observations
# (the same values as Anhøj & Olesen 2014, PLoS ONE 9(11):e113825, Table 1).
APPENDIX_2_LONGEST = [6, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8,
                      8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9,
                      9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9,
                      9, 9, 9, 9, 9, 9, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10]  # fmt: skip
APPENDIX_2_CROSSINGS = [2, 2, 3, 3, 4, 4, 4, 5, 5, 6, 6, 6, 7, 7, 8, 8, 8, 9, 9, 10, 10, 11, 11,
                        11, 12, 12, 13, 13, 14, 14, 14, 15, 15, 16, 16, 17, 17, 17, 18, 18, 19,
                        19, 20, 20, 21, 21, 21, 22, 22, 23, 23, 24, 24, 25, 25, 25, 26, 26, 27,
                        27, 28, 28, 29, 29, 29, 30, 30, 31, 31, 32, 32, 33, 33, 34, 34, 34, 35,
                        35, 36, 36, 37, 37, 38, 38, 39, 39, 39, 40, 40, 41, 41]  # fmt: skip


def test_anhoej_limits_equal_qicharts2_appendix_2():
    assert len(APPENDIX_2_LONGEST) == len(APPENDIX_2_CROSSINGS) == 91
    for n, longest, crossings in zip(range(10, 101), APPENDIX_2_LONGEST, APPENDIX_2_CROSSINGS):
        assert anhoej_limits(n) == (longest, crossings), n


def test_anhoej_crossings_limit_is_the_binomial_5_percent_quantile():
    # independent of scipy: the smallest k with P(X <= k) >= 0.05, X ~ b(n − 1, 1/2)
    for n in [1, 2, 5, 9, 24, 150, 300]:
        total, k = 0, -1
        while total < 0.05 * 2 ** (n - 1):
            k += 1
            total += math.comb(n - 1, k)
        assert anhoej_limits(n)[1] == k, n
        assert anhoej_limits(n)[0] == round(math.log2(n) + 3)


def independent_runs(values):
    """Longest run and crossings about the median, points on the median dropped."""
    med = np.median(values)
    sides = [int(np.sign(v - med)) for v in values if v != med]
    lengths = [len(list(g)) for _, g in itertools.groupby(sides)]
    return len(sides), max(lengths), len(lengths) - 1


@pytest.mark.parametrize(
    "values",
    [
        [5, 6, 4, 5, 6, 4, 8, 9, 8, 9, 10, 9],
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24],
        [3, 5, 5, 5, 7, 2, 5, 8, 1, 9, 5, 4, 6, 3, 7, 5, 2, 8],  # many points on the median
        list(np.random.default_rng(19).normal(size=40).round(1)),
    ],
)
def test_run_chart_anhoej_rules(values):
    chart = ae.run_chart(frame(y=values), "y", "day", rules="anhoej")
    n_useful, longest, crossings = independent_runs(values)
    longest_max, crossings_min = anhoej_limits(n_useful)
    row = chart.iloc[0]
    assert (row["n_useful"], row["longest_run"], row["crossings"]) == (
        n_useful,
        longest,
        crossings,
    )
    assert (row["longest_run_max"], row["crossings_min"]) == (longest_max, crossings_min)
    assert row["runs_signal"] == ("too_few" if crossings < crossings_min else "none")
    assert bool(row["anhoej_signal"]) == (longest > longest_max or crossings < crossings_min)
    assert chart["shift"].any() == (longest > longest_max)
    assert chart["trend"].isna().all()
    assert not chart.loc[~chart["useful"], "shift"].any()  # points on the median never flagged


def test_run_chart_anhoej_on_a_sorted_series_signals_both_rules():
    # 24 rising points: 12 below then 12 above the median; qicharts2 vignette: with 24 useful
    # points a run of more than 8 or fewer than 8 crossings signals
    chart = ae.run_chart(frame(y=list(range(24))), "y", "day", rules="anhoej")
    assert chart.iloc[0][
        ["longest_run", "longest_run_max", "crossings", "crossings_min"]
    ].tolist() == [
        12,
        8,
        1,
        8,
    ]
    assert chart["shift"].all() and chart["anhoej_signal"].all()


def test_run_chart_default_stays_ihi_and_rules_are_checked():
    chart = ae.run_chart(frame(y=list(range(24))), "y", "day")
    assert chart.attrs["rules"] == "ihi" and "longest_run" not in chart
    with pytest.raises(ValueError, match="rules"):
        ae.run_chart(frame(y=list(range(24))), "y", "day", rules="western_electric")


def test_run_chart_anhoej_all_on_the_median():
    chart = ae.run_chart(frame(y=[4.0] * 12), "y", "day", rules="anhoej")
    assert (chart["runs_signal"] == "not_enough_data").all() and chart["longest_run"].isna().all()


def test_plot_run_chart_labels_anhoej_long_runs():
    from aeeval.plots import plot_run_chart

    ax = plot_run_chart(
        ae.run_chart(frame(y=list(range(24))), "y", "day", rules="anhoej"), title="T", ylabel="Y"
    )
    assert "Long run" in [t.get_text() for t in ax.get_legend().get_texts()]
