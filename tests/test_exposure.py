"""Exposure from dates (issue 16 item 2): which survey is the first after a trust joined.

The fieldwork periods are in data/schemas/staff_survey_fieldwork.csv (NHS England statistics notices,
sources in the file). A trust is first exposed in the first survey whose fieldwork starts after its
start_date; a register with start_year only keeps the year rule (first_exposed).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

import aeeval as ae
from aeeval.paths import EXAMPLES
from aeeval.staff_survey import PARTICIPATION_DESIGNS, load_fieldwork

YEARS = range(2015, 2021)


def panel(seed, *, n_trusts=80, effect=0.25, joined=None):
    """Trusts × 2015-2020 counts; joiners (the first half) gain ``effect`` log-odds from the first
    survey whose fieldwork starts after their start_date, taken here as the fieldwork start dates
    written out by hand (2015-2016 September, 2017-2020 October, as in the bundled table)."""
    rng = np.random.default_rng(seed)
    fieldwork_start = {2015: "2015-09-01", 2016: "2016-09-01"} | {
        y: f"{y}-10-01" for y in range(2017, 2021)
    }
    level = rng.normal(0.3, 0.4, n_trusts)
    year_fx = dict(zip(YEARS, rng.normal(0, 0.1, 6)))
    rows, register = [], []
    for i in range(n_trusts):
        code = f"R{i:03d}"
        start = None
        if i < n_trusts // 2:
            if joined is not None:
                start = pd.Timestamp(joined[i % len(joined)])
            else:  # cohorts joining January-March 2016-2019, as the example register does
                year = int(rng.choice([2016, 2017, 2018, 2019]))
                start = pd.Timestamp(
                    f"{year}-0{int(rng.integers(1, 4))}-{int(rng.integers(1, 28))}"
                )
            register.append({"org_code": code, "start_date": start.strftime("%Y-%m-%d")})
        for y in YEARS:
            logit = level[i] + year_fx[y]
            if start is not None and pd.Timestamp(fieldwork_start[y]) > start:
                logit += effect
            base = int(rng.integers(200, 600))
            pos = int(rng.binomial(base, 1 / (1 + math.exp(-logit))))
            rows.append(
                dict(
                    org_code=code,
                    year=y,
                    series="q22c",
                    item="q22c",
                    positive=pos,
                    base=base,
                    estimate=pos / base,
                    suppressed=False,
                    benchmark_group=None,
                )
            )
    return pd.DataFrame(rows).astype({"positive": "Int64"}), pd.DataFrame(register)


def test_date_rule_recovers_the_effect_the_year_rule_misses():
    # effect from the first survey after joining; the joiners joined in January-March, so that is
    # the joining year's survey, which the year rule (first_exposed=1) counts as before joining
    true = 0.25
    by_date, by_year, covered = [], [], 0
    for seed in range(8):
        results, register = panel(seed, effect=true)
        fx = ae.participation_effect(results, register, design="twfe").iloc[0]
        by_date.append(fx["log_odds"])
        covered += fx["log_odds_ci_low"] <= true <= fx["log_odds_ci_high"]
        year_rule = ae.participation_effect(results, register, first_exposed=1, design="twfe")
        by_year.append(year_rule["log_odds"][0])
    bias_date = np.mean(by_date) / true - 1
    bias_year = np.mean(by_year) / true - 1
    assert abs(bias_date) < 0.08  # small over 8 panels
    assert bias_year < -0.25  # the year rule is badly biased towards 0 (issue 16: −46 %)
    assert covered >= 6


def test_exact_exposure_on_hand_made_registers():
    fw = load_fieldwork().set_index("year")["fieldwork_start"]
    assert fw[2016] == pd.Timestamp("2016-09-01") and fw[2017] == pd.Timestamp("2017-10-01")
    joined = ["2016-01-15", "2016-10-15", "2017-09-20", "2017-10-15", "2018-03-31"]
    # written out by hand from the fieldwork starts: January joiner → that year's survey; joined
    # in October 2016 (2016 fieldwork began in September) → 2017; 20 September 2017 (2017
    # fieldwork began 1 October) → 2017; 15 October 2017 → 2018
    expected = [2016, 2017, 2017, 2018, 2018]
    results, register = panel(1, n_trusts=20, joined=joined)
    fx = ae.participation_effect(results, register)
    got = fx.attrs["first_exposed_survey"]
    assert [got[c] for c in register["org_code"]] == [expected[i % 5] for i in range(10)]
    assert "fieldwork starts after" in fx.attrs["exposure_rule"]
    # the year rule counts from the calendar year: start_year + 1 for everyone
    yr = ae.participation_effect(results, register, first_exposed=1).attrs["first_exposed_survey"]
    assert [yr[c] for c in register["org_code"]] == [int(j[:4]) + 1 for j in joined] * 2
    # anticipation: one survey earlier
    with pytest.warns(UserWarning, match=r"2 register trust\(s\) have no 'q22c' survey before"):
        ant = ae.participation_effect(results, register, anticipation=1)
    # the January 2016 joiners are now exposed from 2015, the first survey: nothing before, left out
    assert ant.attrs["left_out_register_trusts"]["no_survey_before_joining"] == ["R000", "R005"]
    got = ant.attrs["first_exposed_survey"]
    assert [got[c] for c in register["org_code"][1:5]] == [e - 1 for e in expected[1:]]
    assert "anticipation" in ant.attrs["exposure_rule"]


def test_drop_joining_survey_drops_one_trust_year_per_joiner():
    results, register = panel(2, n_trusts=40)
    full = ae.participation_effect(results, register)
    dropped = ae.participation_effect(results, register, drop_joining_survey=True)
    n_joiners = len(register)
    assert dropped["n_obs"][0] == full["n_obs"][0] - n_joiners
    assert "joining year dropped" in dropped.attrs["exposure_rule"]
    es = ae.participation_effect(results, register, design="event_study")
    assert "rel_year_0" not in set(es["term"]) and "rel_year_1" in set(es["term"])
    assert ae.pretrend_test(results, register).attrs["exposure_rule"] == full.attrs["exposure_rule"]


def test_trusts_without_a_survey_before_joining_are_left_out_with_a_warning():
    joined = [
        "2015-03-01",
        "2016-02-01",
        "2017-02-01",
        "2018-02-01",
    ]  # the 2015 joiners: none before
    results, register = panel(3, n_trusts=40, joined=joined)
    with pytest.warns(UserWarning, match=r"5 register trust\(s\) have no 'q22c' survey before"):
        fx = ae.participation_effect(results, register)
    left = fx.attrs["left_out_register_trusts"]["no_survey_before_joining"]
    assert left == sorted(register["org_code"][::4]) and len(left) == 5
    assert fx.attrs["n_treated_trusts"] == 15
    assert "left out of the estimate" in fx.attrs["note"]


def test_joining_after_the_last_survey_is_left_out_with_a_warning():
    results, register = panel(4, n_trusts=40)
    late = pd.concat(
        [register, pd.DataFrame({"org_code": ["R039"], "start_date": ["2021-02-01"]})],
        ignore_index=True,
    )
    with pytest.warns(UserWarning, match=r"1 register trust\(s\) joined after the last survey"):
        fx = ae.participation_effect(results, late)
    assert fx.attrs["left_out_register_trusts"]["no_survey_after_joining"] == ["R039"]


def test_a_year_without_fieldwork_dates_is_an_error_naming_it():
    results, register = panel(5, n_trusts=20)
    earlier = results[results["year"] == 2015].assign(year=2014)  # 2014: no public source found
    longer = pd.concat([earlier, results])
    # a 2014 survey is before every joiner (all joined 2016 or later): its dates are not needed
    assert ae.participation_effect(longer, register)["n_obs"][0] == 20 * 7
    # a trust that joined in May 2014 needs them: was the 2014 survey before or after it joined?
    early = register.assign(start_date=["2014-05-01", *register["start_date"][1:]])
    with pytest.raises(
        ValueError,
        match=r"survey year\(s\) 2014 \(needed for 1 trust\(s\): R000\) have no fieldwork",
    ):
        ae.participation_effect(longer, early)
    # the year rule does not need dates
    fx = ae.participation_effect(longer, early, first_exposed=1)
    assert fx.attrs["first_exposed_survey"]["R000"] == 2015


def test_register_trust_absent_from_every_year_is_named():
    results, register = panel(6, n_trusts=20)
    reg = pd.concat(
        [register, pd.DataFrame({"org_code": ["RZZ"], "start_date": ["2017-01-01"]})],
        ignore_index=True,
    )
    with pytest.raises(ValueError, match=r"1 register trust\(s\) have no unsuppressed 'q22c'.*RZZ"):
        ae.participation_effect(results, reg)
    fx = ae.participation_effect(results, reg, missing="exclude")
    assert fx.attrs["excluded_register_trusts"] == ["RZZ"]


def test_too_few_treated_trusts_is_a_clear_error_never_linalgerror():
    results, register = panel(7, n_trusts=20)
    with pytest.raises(ValueError, match=r"only 1 register trust\(s\).*at least 2"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ae.participation_effect(results, register.iloc[:1])
    # issue 16: first_exposed=6 on the example data raised numpy's LinAlgError
    reg = ae.read_table(EXAMPLES / "register.csv", "register")
    for design in PARTICIPATION_DESIGNS:
        with pytest.raises(ValueError, match="no survey after joining|at least 2") as info:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ae.participation_effect(ae.read_staff_survey(), reg, first_exposed=6, design=design)
        assert not isinstance(info.value, np.linalg.LinAlgError)
    with pytest.raises(ValueError, match="anticipation"):
        ae.participation_effect(results, register, anticipation=-1)
    with pytest.raises(ValueError, match="first_exposed"):
        ae.participation_effect(results, register, first_exposed=1.5)


def test_fieldwork_table_has_a_source_for_every_year_and_checks_bad_files(tmp_path):
    fw = load_fieldwork()
    assert fw["source"].str.len().gt(0).all()
    dated = fw[fw["fieldwork_start"].notna()]
    assert set(dated["year"]) == set(range(2015, 2023))
    assert (dated["fieldwork_start"].dt.year == dated["year"]).all()
    # fieldwork runs in the autumn (September-December), 2020 included (October-November)
    assert dated["fieldwork_start"].dt.month.between(9, 10).all()
    assert dated["fieldwork_end"].dt.month.between(11, 12).all()
    assert fw[fw["fieldwork_start"].isna()]["source"].str.startswith("no public source").all()
    head = "year,fieldwork_start,fieldwork_end,precision,source,note\n"
    for body, message in [
        ("2016,2016-12-01,2016-09-01,month,x,\n", "after fieldwork_end"),
        ("2016,2016-09-01,,month,x,\n", "both fieldwork dates"),
        ("2016,01/09/2016,2016-12-31,month,x,\n", "not an ISO date"),
        ("2016,2016-09-01,2016-12-31,month,,\n", "needs a source"),
        ("2016,,,,x,\n2016,,,,x,\n", "a second time"),
        ("2016,2015-09-01,2015-12-31,month,x,\n", "not in the survey year"),
    ]:
        path = tmp_path / "fw.csv"
        path.write_text(head + body, encoding="utf-8")
        with pytest.raises(ValueError, match=message):
            load_fieldwork(path)
    # a user's own table, passed through fieldwork=
    results, register = panel(8, n_trusts=20)
    own = fw.assign(fieldwork_start=fw["fieldwork_start"] + pd.DateOffset(months=4))
    fx = ae.participation_effect(results, register, fieldwork=own)
    assert set(fx.attrs["first_exposed_survey"].values()) <= set(range(2016, 2021))
