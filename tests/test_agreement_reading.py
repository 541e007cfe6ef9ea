"""Which coefficient to read: prevalence in code_agreement, the note that says it, and the
interviews notebook reporting AC1, PABAK and the bootstrapped alpha (a real kernel)."""

import json

import nbformat
import pandas as pd
import pytest

import aeeval as ae
from aeeval.paths import NOTEBOOKS
from aeeval.publish.report import execute_notebook
from aeeval.tables import TABLE_MIMETYPE


def _segments(rows):
    """Coded segments: one row per (interview, coder, code) applied."""
    return pd.DataFrame(rows, columns=["interview", "coder", "code"])


def _rare_code_segments():
    # 20 interviews both coders coded (each applied "common" everywhere, so every interview is
    # coded by both); "rare" is applied by both coders in interview 1 only, and by A alone in
    # interview 2: prevalence (2 · 1 + 1 + 0) / (2 · 20) = 0.075.
    rows = [(f"i{k}", c, "common") for k in range(1, 21) for c in "AB"]
    rows += [("i1", "A", "rare"), ("i1", "B", "rare"), ("i2", "A", "rare")]
    return _segments(rows)


def test_prevalence_by_hand_and_the_skewed_note():
    table = ae.code_agreement(_rare_code_segments())
    rare = table.set_index("code").loc["rare"]
    assert rare["prevalence"] == pytest.approx(3 / 40)
    assert table.set_index("code").loc["common", "prevalence"] == 1.0
    # By hand: a = 1, b = 1, c = 0, d = 18 of 20: agreement 0.95; kappa = (0.95 − pe)/(1 − pe),
    # pe = 0.1 · 0.05 + 0.9 · 0.95 = 0.86 → 0.643; AC1: π = 0.075, Pe = 2 · 0.075 · 0.925 =
    # 0.13875 → (0.95 − 0.13875)/0.86125 = 0.942.
    assert rare["kappa"] == pytest.approx((0.95 - 0.86) / 0.14)
    assert rare["ac1"] == pytest.approx((0.95 - 0.13875) / 0.86125)
    note = ae.prevalence_note(table)
    assert note.startswith("Prevalence is skewed for 2 of the 2 codes (common: applied in 100%")
    assert "rare: applied in 8% of decisions" in note
    assert "AC1 exceeds kappa by 0.2 or more for rare." in note


def test_note_says_nothing_is_skewed_when_it_is_not():
    table = ae.code_agreement(ae.read_segments(None))
    assert table["prevalence"].between(0.2, 0.8).all()  # the bundled example data
    note = ae.prevalence_note(table)
    lo, hi = table["prevalence"].min(), table["prevalence"].max()
    assert note.startswith(f"No code is rare or near-universal: each was applied in {lo:.0%} to")
    assert f"{hi:.0%}" in note and "skewed" not in note
    # A stricter threshold that puts the extremes outside changes the reading.
    assert ae.prevalence_note(table, skewed=0.3).startswith("Prevalence is skewed for")


def test_note_bad_input():
    table = ae.code_agreement(ae.read_segments(None))
    with pytest.raises(ValueError, match="skewed must be between 0 and 0.5"):
        ae.prevalence_note(table, skewed=0.6)
    with pytest.raises(KeyError, match="prevalence"):
        ae.prevalence_note(table.drop(columns="prevalence"))


def _tables(executed):
    out = {}
    for cell in nbformat.read(executed, as_version=4).cells:
        for o in cell.get("outputs", []):
            payload = o.get("data", {}).get(TABLE_MIMETYPE)
            if payload:
                payload = json.loads(payload) if isinstance(payload, str) else payload
                out[payload["name"]] = payload
    return out


@pytest.mark.slow
def test_interviews_notebook_reports_ac1_pabak_and_alpha_interval(tmp_path, root):
    executed = tmp_path / "executed.ipynb"
    execute_notebook(
        NOTEBOOKS / "02-interviews.ipynb", {"n_boot": 2000, "seed": 5}, executed, cwd=root
    )
    got = _tables(executed)
    seg = ae.read_segments(None)
    by_code = ae.code_agreement(seg)
    rows = got["code_agreement"]["records"]
    assert {"kappa", "ac1", "ac1_ci_low", "pabak", "prevalence"} <= set(rows[0])
    assert got["code_agreement"]["note"].startswith(ae.prevalence_note(by_code))
    alpha = got["overall_alpha"]["records"][0]
    expect = ae.krippendorff_alpha(
        ae.presence_table(seg), "item", "coder", "present", n_boot=2000, seed=5
    ).iloc[0]
    assert alpha["alpha"] == pytest.approx(expect["alpha"])
    assert (alpha["ci_low"], alpha["ci_high"]) == pytest.approx(
        (expect["ci_low"], expect["ci_high"])
    )
    assert alpha["ci_low"] < alpha["alpha"] < alpha["ci_high"]
    assert alpha["n_boot"] == 2000
