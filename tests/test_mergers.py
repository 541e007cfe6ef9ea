"""Mergers: a predecessor → successor table applied to Staff Survey results (issue 16 item 3)."""

import re
import warnings

import numpy as np
import pandas as pd
import pytest

import aeeval as ae
from aeeval.staff_survey import RESULT_COLUMNS, apply_successors

YEARS = range(2015, 2021)


def _row(code, year, positive, base, suppressed=False):
    return {
        "org_code": code,
        "year": year,
        "series": "recommend_work",
        "item": "x",
        "positive": pd.NA if suppressed else positive,
        "base": base,
        "estimate": np.nan if suppressed else positive / base,
        "suppressed": suppressed,
        "benchmark_group": None,
        "region": None,
    }


def _frame(rows):
    out = pd.DataFrame(rows, columns=RESULT_COLUMNS)
    out["positive"] = out["positive"].astype("Int64")
    out["benchmark_group"] = out["benchmark_group"].astype("str")
    out["region"] = out["region"].astype("str")
    return out


def _panel(seed=1):
    """40 trusts × 2015–2020; ten join in 2017 (effect +0.3 log-odds from 2018). One joiner's
    code changed: RP1 and RP2 merged into RS1 on 2018-04-01 (RS1's results from 2018)."""
    rng = np.random.default_rng(seed)
    rows = []
    for i, code in enumerate([f"T{i:02d}" for i in range(38)] + ["RP1", "RP2"]):
        level = rng.normal(0.4, 0.3)
        treated = i < 9 or code in ("RP1", "RP2")
        for year in YEARS:
            if code in ("RP1", "RP2") and year >= 2018:
                continue  # closed: from 2018 the results are RS1's
            eta = level + 0.05 * (year - 2015) + (0.3 if treated and year >= 2018 else 0)
            base = int(rng.integers(300, 900))
            rows.append(_row(code, year, int(rng.binomial(base, 1 / (1 + np.exp(-eta)))), base))
    rows += [_row("RS1", year, 700 + year - 2018, 1200) for year in (2018, 2019, 2020)]
    return _frame(rows)


def _register():
    codes = [f"T{i:02d}" for i in range(9)] + ["RS1"]
    return pd.DataFrame({"org_code": codes, "start_year": 2017})


SUCC = pd.DataFrame(
    {
        "predecessor_code": ["RP1", "RP2"],
        "successor_code": ["RS1", "RS1"],
        "effective_date": ["2018-04-01", "2018-04-01"],
        "source": "hand-made",
    }
)


def test_combine_sums_predecessors_exactly_and_keeps_the_rest():
    results = _panel()
    merged = apply_successors(results, SUCC, rule="combine")
    rs1 = merged[merged["org_code"] == "RS1"].set_index("year")
    assert list(rs1.index) == list(YEARS)  # one continuous series 2015–2020
    for year in (2015, 2016, 2017):
        parts = results[results["org_code"].isin(["RP1", "RP2"]) & (results["year"] == year)]
        assert len(parts) == 2
        assert rs1.at[year, "positive"] == parts["positive"].sum()
        assert rs1.at[year, "base"] == parts["base"].sum()
        assert rs1.at[year, "estimate"] == parts["positive"].sum() / parts["base"].sum()
    for year in (2018, 2019, 2020):  # the successor's own rows, untouched
        assert rs1.at[year, "positive"] == 700 + year - 2018
    assert not merged["org_code"].isin(["RP1", "RP2"]).any()
    others = results[~results["org_code"].isin(["RP1", "RP2", "RS1"])].reset_index(drop=True)
    kept = merged[~merged["org_code"].isin(["RS1"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(
        kept, others.sort_values(["series", "org_code", "year"], ignore_index=True)
    )
    assert list(merged.columns) == RESULT_COLUMNS
    info = merged.attrs["mergers"]
    assert info["rule"] == "combine" and info["n_codes_merged"] == 2
    assert info["predecessor_codes"] == ["RP1", "RP2"] and info["successor_codes"] == ["RS1"]
    assert info["n_rows_combined"] == 6 and "combine" in info["statement"]


def test_combine_with_a_suppressed_part_is_suppressed():
    results = _frame([_row("RP1", 2016, 50, 100), _row("RP2", 2016, 0, 8, suppressed=True)])
    merged = apply_successors(results, SUCC)
    assert merged["suppressed"].tolist() == [True]
    assert merged["positive"].isna().all() and merged["base"].tolist() == [108]


def test_drop_leaves_every_merged_trust_out():
    results = _panel()
    with pytest.warns(UserWarning, match="leaves out 1 register trust.*RS1"):
        merged = apply_successors(results, SUCC, rule="drop", register=_register())
    assert not merged["org_code"].isin(["RP1", "RP2", "RS1"]).any()
    assert len(merged) == len(results) - (results["org_code"].isin(["RP1", "RP2", "RS1"])).sum()
    info = merged.attrs["mergers"]
    assert info["n_rows_dropped"] == 9 and info["dropped_register_trusts"] == ["RS1"]
    assert "'drop'" in info["statement"] and "RP1, RP2, RS1" in info["statement"]


def test_participation_effect_counts_the_joiner_once_with_combine():
    results, register = _panel(), _register()
    raw = ae.participation_effect(results, register, series="recommend_work")
    comb = ae.participation_effect(
        results, register, series="recommend_work", successors=SUCC, mergers="combine"
    )
    # Without the table the joiner's old codes are two comparison trusts; with it, one joiner.
    assert raw.attrs["n_treated_trusts"] == comb.attrs["n_treated_trusts"] == 10
    assert raw["n_trusts"].iloc[0] == 41 and comb["n_trusts"].iloc[0] == 39
    assert raw["n_obs"].iloc[0] == comb["n_obs"].iloc[0] + 3  # 6 predecessor rows → 3 sums
    assert comb.attrs["mergers"]["rule"] == "combine"
    assert "Mergers (rule 'combine'" in comb.attrs["note"]
    with pytest.warns(UserWarning, match="RS1"):
        drop = ae.participation_effect(
            results,
            register,
            series="recommend_work",
            successors=SUCC,
            mergers="drop",
            missing="exclude",
        )
    assert drop.attrs["n_treated_trusts"] == 9 and drop["n_trusts"].iloc[0] == 38
    assert "Mergers (rule 'drop'" in drop.attrs["note"]
    pre = ae.pretrend_test(results, register, series="recommend_work", successors=SUCC)
    assert pre.attrs["mergers"]["n_codes_merged"] == 2
    with pytest.raises(ValueError, match="needs successors="):
        ae.participation_effect(results, register, series="recommend_work", mergers="drop")
    with pytest.raises(ValueError, match="mergers"):
        ae.participation_effect(
            results, register, series="recommend_work", successors=SUCC, mergers="sum"
        )


# ----------------------------------------------------------------------------------- bad input


def _write(tmp_path, text, name="trust_successors.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


HEADER = "predecessor_code,successor_code,effective_date,source\n"


def test_a_code_in_two_successors_at_once_names_file_rows_codes_and_rule(tmp_path):
    path = _write(tmp_path, HEADER + "RA1,RB1,2018-04-01,x\nRA1,RC1,2018-04-01,y\n")
    results = _frame([_row("RA1", 2016, 5, 20)])
    with pytest.raises(ValueError) as err:
        apply_successors(results, path, rule="combine")
    msg = str(err.value)
    assert str(path) in msg and "rows 2 and 3" in msg and "at once" in msg
    assert "RA1" in msg and "RB1" in msg and "RC1" in msg and "rule 'combine'" in msg


def test_a_cycle_is_an_error(tmp_path):
    path = _write(tmp_path, HEADER + "RA1,RB1,2018-04-01,x\nRB1,RA1,2019-04-01,y\n")
    with pytest.raises(ValueError, match=r"rows 2, 3: the successors form a cycle RA1 → RB1 → RA1"):
        apply_successors(_frame([_row("RA1", 2016, 5, 20)]), path, rule="drop")


def test_a_chain_resolves_to_the_final_successor_with_its_dates(tmp_path):
    path = _write(tmp_path, HEADER + "RA1,RB1,2017-04-01,x\nRB1,RC1,2019-10-01,y\n")
    results = _frame([_row("RA1", 2016, 5, 20), _row("RB1", 2016, 7, 30), _row("RB1", 2018, 9, 40)])
    merged = apply_successors(results, path)
    assert merged[["org_code", "year", "positive", "base"]].values.tolist() == [
        ["RC1", 2016, 12, 50],
        ["RC1", 2018, 9, 40],
    ]
    assert merged.attrs["mergers"]["chains"] == ["RA1 → RB1 → RC1", "RB1 → RC1"]


def test_a_chain_whose_dates_go_backwards_is_an_error(tmp_path):
    path = _write(tmp_path, HEADER + "RA1,RB1,2019-04-01,x\nRB1,RC1,2017-10-01,y\n")
    with pytest.raises(ValueError, match=r"rows 2 and 3: RA1 → RB1 from 2019-04-01 but RB1 → RC1"):
        apply_successors(_frame([_row("RA1", 2016, 5, 20)]), path)


def test_a_register_trust_named_by_a_predecessor_code(tmp_path):
    reg = _write(tmp_path, "org_code,start_year\nT01,2017\nRP1,2017\n", "register.csv")
    with pytest.raises(ValueError) as err:
        apply_successors(_panel(), SUCC, rule="combine", register=reg)
    msg = str(err.value)
    assert f"{reg} row 3 names RP1" in msg and "RS1" in msg and "rule 'combine'" in msg
    assert "successor table (row 2: RP1 → RS1 from 2018-04-01)" in msg


def test_the_schema_checks_the_file(tmp_path):
    path = _write(tmp_path, HEADER + "RA1,RA1,2018-04-01,x\nra2,RB1,01/04/2018,\n")
    from aeeval.schemas import guess_schema, validate_table

    problems = validate_table(path, "trust_successors")
    assert {(p.row, p.column) for p in problems} == {
        (2, "predecessor_code"),
        (3, "predecessor_code"),
        (3, "source"),
    }
    assert guess_schema(path) == "trust_successors"
    with pytest.raises(ae.ValidationError):
        apply_successors(_frame([_row("RA1", 2016, 5, 20)]), path)
    with pytest.raises(ValueError, match="RA1 is its own successor"):
        bad = pd.DataFrame(
            {"predecessor_code": ["RA1"], "successor_code": ["RA1"], "effective_date": ["2018"]}
        )
        apply_successors(_frame([_row("RA1", 2016, 5, 20)]), bad)


# ----------------------------------------------------------------------------------- real panels


def test_bundled_table_on_the_real_acute_panel(public_data):
    table = ae.read_table(public_data / "trust_successors.csv", "trust_successors")
    ods = pd.read_csv(public_data / "ods_nhs_trusts_2025.csv", dtype=str, keep_default_na=False)
    ods = ods.set_index("org_code")
    # Every row agrees with the bundled ODS trust list: the predecessor closed the day before the
    # successor took over, and the successor was open that day. A new successor code opened that
    # very day (the ODS list shows the merger by itself); an acquiring trust kept its older code,
    # and then the row cites the public page(s) giving the merger and its date. One exception,
    # written in its source cell: ODS closes RR1 (Heart of England) on 2018-04-01 itself, the day
    # the CQC report and Wikipedia give for its acquisition by RRK (data/public/README.md).
    same_day_close = {"RR1"}
    assert len(table) == 18 and not table["predecessor_code"].duplicated().any()
    for _, r in table.iterrows():
        pred, succ, when, source = (
            r["predecessor_code"],
            r["successor_code"],
            r["effective_date"],
            r["source"],
        )
        close = pd.Timestamp(ods.at[pred, "close_date"])
        if pred in same_day_close:
            assert close == when and "the effective date itself, not the day before" in source
        else:
            assert close + pd.Timedelta(days=1) == when, pred
            assert f"{pred} " in source and f"closed {close.date().isoformat()}" in source, pred
        opened = pd.Timestamp(ods.at[succ, "open_date"])
        assert opened <= when and ods.at[succ, "close_date"] == "", succ  # open on that day
        assert "ods_nhs_trusts_2025.csv" in source
        if opened == when:  # a new code: the ODS list is the evidence
            assert f"{succ} " in source and f"opened {when.date().isoformat()}" in source, pred
        else:  # an acquisition: the successor kept its code; a public page is cited
            assert f"acquisition: successor kept its code {succ}" in source, pred
            assert re.search(r"https?://\S+", source), pred
    results = ae.read_staff_survey(public_data / "staff_survey_acute_trusts_2012_2019.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no predecessor has results after its merger year
        merged = apply_successors(results, public_data / "trust_successors.csv")
    info = merged.attrs["mergers"]
    assert info["n_codes_merged"] == 18
    assert info["successor_codes"] == sorted(
        ["R0A", "R0B", "R0D", "RA7", "RAJ", "RC9", "RDE", "REM", "RGN", "RH5", "RNN", "RQM"]
        + ["RRK", "RTG"]
    )
    # The 19 acute codes closed 2015–2020 (ODS close dates): the table covers 18 of them;
    # Mid Staffordshire (RJD), split between two trusts, is left out (data/public/README.md).
    codes = set(results["org_code"])
    closed = {
        c for c in codes if c in ods.index and "20150101" <= ods.at[c, "close_date"] <= "20201231"
    }
    assert len(closed) == 19 and set(info["predecessor_codes"]) <= closed
    assert closed - set(info["predecessor_codes"]) == {"RJD"}
    r0a = merged[(merged["org_code"] == "R0A") & (merged["series"] == "recommend_work")]
    parts = results[
        results["org_code"].isin(["RW3", "RM2"]) & (results["series"] == "recommend_work")
    ]
    assert (
        r0a["base"].sum()
        == parts["base"].sum()
        + results.loc[
            (results["org_code"] == "R0A") & (results["series"] == "recommend_work"), "base"
        ].sum()
    )
    assert sorted(r0a["year"]) == [2012, 2013, 2014, 2015, 2016, 2018, 2019]
    later = ae.read_staff_survey(public_data / "staff_survey_org_results_2021_2024.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        after = apply_successors(later, public_data / "trust_successors.csv", rule="drop")
    assert after.attrs["mergers"]["n_codes_merged"] == 0  # 2021–2024: the old codes are gone


def test_dates_in_a_dataframe_are_iso_or_day_first():
    table = pd.DataFrame(
        {
            "predecessor_code": ["RA1", "RB1"],
            "successor_code": ["RB1", "RC1"],
            "effective_date": ["2018-04-01", "01/10/2019"],
        }
    )
    merged = apply_successors(_frame([_row("RA1", 2016, 5, 20)]), table)
    assert merged["org_code"].tolist() == ["RC1"]
    table.loc[1, "effective_date"] = "01/03/2018"  # 1 March 2018: before RA1 → RB1 (1 April)
    with pytest.raises(ValueError, match="from 2018-04-01 but RB1 → RC1 from 2018-03-01"):
        apply_successors(_frame([_row("RA1", 2016, 5, 20)]), table)
    table.loc[1, "effective_date"] = "2019-13-01"
    with pytest.raises(ValueError, match="row 3, column 'effective_date', value '2019-13-01'"):
        apply_successors(_frame([_row("RA1", 2016, 5, 20)]), table)


@pytest.mark.slow
def test_notebook_03_says_which_rule_and_which_trusts(tmp_path, public_data):
    from aeeval.paths import NOTEBOOKS
    from aeeval.publish.report import execute_notebook

    reg = tmp_path / "register.csv"  # a test list of real codes, not the programme's membership
    pd.DataFrame({"org_code": ["R0A", "R0B", "RAJ", "RBN", "RC9"], "start_year": 2016}).to_csv(
        reg, index=False
    )
    out = tmp_path / "executed.ipynb"
    execute_notebook(
        NOTEBOOKS / "03-staff-survey-q22c.ipynb",
        {
            "data_path": str(public_data / "staff_survey_acute_trusts_2012_2019.csv"),
            "register_path": str(reg),
            "series": "recommend_work",
            "later_series": None,
            "successors_path": str(public_data / "trust_successors.csv"),
            "mergers": "combine",
        },
        out,
        cwd=tmp_path,
    )
    text = out.read_text(encoding="utf-8")
    assert "Mergers (rule 'combine', table trust_successors.csv)" in text and "RW3 → R0A" in text
    start = text.index("Mergers (rule 'combine'")
    assert str(public_data) not in text[start : start + 400]  # the note names no folder
    assert "the results of 18 predecessor code(s) were summed into their 14 successor(s)" in text


def test_predecessor_results_after_the_merger_year_are_a_warning():
    results = _frame([_row("RP1", 2017, 5, 20), _row("RP1", 2019, 6, 20), _row("RS1", 2019, 9, 40)])
    with pytest.warns(UserWarning, match=r"1 result row\(s\).*\(RP1 2019\).*successor table"):
        merged = apply_successors(results, SUCC)
    assert merged[["year", "positive", "base"]].values.tolist() == [[2017, 5, 20], [2019, 15, 60]]


@pytest.mark.parametrize("rule", ["combine", "drop"])
def test_a_register_dataframe_named_by_a_predecessor_gives_its_row(rule):
    register = pd.DataFrame({"org_code": ["T01", "RS1", "RP2"], "start_year": 2017})
    with pytest.raises(ValueError, match=f"register row 4 names RP2.*code RS1.*rule '{rule}'"):
        apply_successors(_panel(), SUCC, rule=rule, register=register)
