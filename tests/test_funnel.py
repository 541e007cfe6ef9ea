"""Funnel limits with over-dispersion (Spiegelhalter 2005) and the false-discovery-rate rule."""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

import aeeval as ae


def quantile_type7(x, p):
    """R's default quantile (type 7): h = (n − 1)p, x[floor h] + (h − floor h)(x[floor h + 1] − x[floor h])."""
    x = sorted(x)
    h = (len(x) - 1) * p
    lo = math.floor(h)
    hi = min(lo + 1, len(x) - 1)
    return x[lo] + (h - lo) * (x[hi] - x[lo])


def spiegelhalter_reference(r, n, p0, trim=0.1):
    """Spiegelhalter (2005) Stat Med 24:1185, section 6 / QSHC 14:347, from the formulae in plain
    Python: zᵢ = (yᵢ − θ0)/sᵢ, sᵢ² = θ0(1 − θ0)/nᵢ; z winsorised at the 10 % / 90 % quantiles;
    φ = Σ z_w² / I; τ² = max(0, (Iφ − (I − 1)) / (Σ wᵢ − Σ wᵢ² / Σ wᵢ)), wᵢ = 1/sᵢ²;
    test Iφ ~ χ²(I − 1). FunnelPlotR 0.6.0 (R/od_adjustment.R, commit 9020d49: winsorisation(),
    phi_func(), tau_func()) computes the same φ and τ² from its z-scores."""
    s = [math.sqrt(p0 * (1 - p0) / ni) for ni in n]
    z = [(ri / ni - p0) / si for ri, ni, si in zip(r, n, s)]
    lo, hi = quantile_type7(z, trim), quantile_type7(z, 1 - trim)
    zw = [min(max(zi, lo), hi) for zi in z]
    big_i = len(z)
    phi = sum(zi * zi for zi in zw) / big_i
    w = [1 / si**2 for si in s]
    tau2 = max(0.0, (big_i * phi - (big_i - 1)) / (sum(w) - sum(wi * wi for wi in w) / sum(w)))
    return phi, tau2, big_i * phi, stats.chi2.sf(big_i * phi, big_i - 1)


@pytest.fixture(scope="module")
def work_2019(public_data_dir):
    r = ae.read_staff_survey(
        public_data_dir / "staff_survey_acute_trusts_2012_2019.csv",
        benchmark_groups=public_data_dir / "staff_survey_benchmark_groups.csv",
    )
    return r


@pytest.fixture(scope="module")
def public_data_dir():
    from aeeval.paths import PUBLIC_DATA

    return PUBLIC_DATA


def test_overdispersion_by_hand():
    # z = 0, 2, −2, 1, −1 (s = 0.05); type-7 10 % / 90 % quantiles −1.6 / 1.6;
    # φ = (0 + 2.56 + 2.56 + 1 + 1)/5 = 1.424; Σw = 2000, Σw²/Σw = 400 → τ² = (7.12 − 4)/1600
    od = ae.funnel_overdispersion([50, 60, 40, 55, 45], [100] * 5, 0.5)
    assert od["phi"] == pytest.approx(1.424)
    assert od["tau2"] == pytest.approx(3.12 / 1600)
    assert od["statistic"] == pytest.approx(7.12) and od["df"] == 4
    assert od["p_value"] == pytest.approx(stats.chi2.sf(7.12, 4))
    assert od["tau_pp"] == pytest.approx(100 * math.sqrt(3.12 / 1600))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_overdispersion_against_the_paper_formulae(seed):
    rng = np.random.default_rng(seed)
    n = rng.integers(50, 3000, size=80)
    p = np.clip(rng.normal(0.6, 0.04 * seed, size=80), 0.01, 0.99)
    r = rng.binomial(n, p)
    p0 = r.sum() / n.sum()
    od = ae.funnel_overdispersion(r, n, p0)
    phi, tau2, stat, pval = spiegelhalter_reference(r.tolist(), n.tolist(), p0)
    assert (od["phi"], od["tau2"], od["statistic"]) == pytest.approx((phi, tau2, stat))
    assert od["p_value"] == pytest.approx(pval, abs=1e-12)


def test_unwinsorised_tau2_is_statsmodels_dersimonian_laird():
    """With no winsorisation and p0 the pooled proportion (the inverse-variance mean when
    sᵢ² = p0(1 − p0)/nᵢ), τ² and I·φ are DerSimonian–Laird's τ² and Cochran's Q as computed by
    statsmodels.stats.meta_analysis.combine_effects(method_re="chi2")."""
    from statsmodels.stats.meta_analysis import combine_effects

    rng = np.random.default_rng(3)
    n = rng.integers(50, 3000, size=80)
    r = rng.binomial(n, np.clip(rng.normal(0.6, 0.05, size=80), 0, 1))
    p0 = r.sum() / n.sum()
    od = ae.funnel_overdispersion(r, n, p0, winsorise=0)
    ref = combine_effects(r / n, p0 * (1 - p0) / n, method_re="chi2")
    assert od["tau2"] == pytest.approx(ref.tau2, rel=1e-9)
    assert od["statistic"] == pytest.approx(ref.q, rel=1e-9)


def test_limits_are_widened_by_the_paper_formulae():
    z998 = NormalDist().inv_cdf(0.999)  # 3.0902…
    n, p0, tau2, phi = np.array([100, 400, 2500]), 0.6, 0.03**2, 9.0
    s2 = p0 * (1 - p0) / n
    add = ae.funnel_limits(n, p0, confidence=0.998, overdispersion="additive", tau2=tau2)
    assert add["upper"].to_numpy() == pytest.approx(p0 + z998 * np.sqrt(s2 + tau2))
    assert add["lower"].to_numpy() == pytest.approx(p0 - z998 * np.sqrt(s2 + tau2))
    mult = ae.funnel_limits(n, p0, confidence=0.998, overdispersion="multiplicative", phi=phi)
    # clipped to [0, 1] after widening: 0.6 + 3.09 × 3 × 0.049 > 1 at base 100
    assert mult["upper"].to_numpy() == pytest.approx(np.minimum(1, p0 + z998 * 3 * np.sqrt(s2)))
    # exact limits: θ0 + √φ (y_p − θ0) (Spiegelhalter 2005, section 6.2)
    ex = ae.funnel_limits(n, p0, confidence=0.998, method="exact", overdispersion=None)
    exm = ae.funnel_limits(
        n, p0, confidence=0.998, method="exact", overdispersion="multiplicative", phi=phi
    )
    assert exm["lower"].to_numpy() == pytest.approx(p0 + 3 * (ex["lower"].to_numpy() - p0))
    assert exm.attrs["overdispersion"] == "multiplicative" and exm.attrs["phi"] == phi
    # default with no unit results: binomial, and it says why
    plain = ae.funnel_limits(n, p0, confidence=0.998)
    assert plain.attrs["overdispersion"] is None
    assert plain["upper"].to_numpy() == pytest.approx(p0 + z998 * np.sqrt(s2))


def test_estimated_limits_use_the_estimate():
    rng = np.random.default_rng(7)
    n = rng.integers(300, 3000, size=120)
    r = rng.binomial(n, np.clip(rng.normal(0.6, 0.05, size=120), 0, 1))
    p0 = r.sum() / n.sum()
    f = ae.funnel_limits(n, p0, confidence=0.95, positive=r)
    od = ae.funnel_overdispersion(r, n, p0)
    assert f.attrs["overdispersion"] == "additive" and f.attrs["tau2"] == od["tau2"]
    assert f.attrs["p_value"] == od["p_value"] and "τ =" in f.attrs["rule"]
    half = 1.959964 * np.sqrt(p0 * (1 - p0) / n + od["tau2"])
    assert f["upper"].to_numpy() == pytest.approx(p0 + half, rel=1e-6)


def test_bad_input_says_what_to_do():
    with pytest.raises(ValueError, match="positive="):
        ae.funnel_limits([100], 0.5, overdispersion="additive")
    with pytest.raises(ValueError, match="pass the rule"):
        ae.funnel_limits([100], 0.5, overdispersion=None, tau2=0.01)
    with pytest.raises(ValueError, match="only with overdispersion='additive'"):
        ae.funnel_limits([100], 0.5, overdispersion="multiplicative", tau2=0.01)
    with pytest.raises(ValueError, match="only with overdispersion='multiplicative'"):
        ae.funnel_limits([100], 0.5, phi=4.0)
    with pytest.raises(ValueError, match="between 0 and the base"):
        ae.funnel_overdispersion([120, 5, 5], [100, 10, 10], 0.5)
    with pytest.raises(ValueError, match="one value per unit"):
        ae.funnel_overdispersion([1, 2], [10, 10, 10], 0.5)
    with pytest.raises(ValueError, match="at least 3"):
        ae.funnel_overdispersion([1, 2], [10, 10], 0.5)
    with pytest.raises(ValueError, match="overdispersion"):
        ae.funnel_limits([100], 0.5, overdispersion="both")
    with pytest.warns(UserWarning, match="at least 3 needed"):
        few = ae.funnel_limits([100, 200], 0.5, positive=[50, 90])
    assert few.attrs["overdispersion"] is None
    with pytest.raises(ValueError, match="fdr"):
        ae.funnel_flags(ae.read_staff_survey(), year=2020, fdr=5)


# ------------------------------------------------------------------------------ real panel


def test_real_recommend_work_2019_default_flags_under_5_percent(work_2019):
    """Issue 16, "Done when": binomial limits flag ~70 % of acute trusts outside 99.8 %."""
    binom = ae.funnel_flags(work_2019, series="recommend_work", year=2019, overdispersion=None)
    default = ae.funnel_flags(work_2019, series="recommend_work", year=2019)
    outside = default["flag"].str.endswith("99.8%").mean()
    assert binom["flag"].str.endswith("99.8%").mean() > 0.5
    assert default.attrs["overdispersion"] == "additive" and default.attrs["p_value"] < 0.05
    assert outside < 0.05
    assert default.attrs["phi"] > 5 and 1 < default.attrs["tau_pp"] < 10
    assert "additive over-dispersion" in default["method"].iloc[0]


def test_real_panel_against_funnelplotr_method(work_2019):
    """FunnelPlotR 0.6.0 (nhs-r-community/FunnelPlotR, commit 9020d49), data_type "PR", written
    here from its source: R/od_adjustment.R transformed_zscore(): target = asin(√(Σr/Σn)),
    Y = asin(√(r/n)), s = 1/(2√n), z = (Y − target)/s; winsorisation(trim_by = 0.1) with R's
    quantile (type 7); phi_func, tau_func as in the paper; R/calculate_limits.R: 99.8 % limits
    sin(asin(√target) ± 3.090232 √(s² + τ²))². aeeval works on the proportion scale instead
    (docs/funnel-deviations-from-funnelplotr.md), so the numbers agree closely, not exactly."""
    d = work_2019
    d = d[(d["series"] == "recommend_work") & (d["year"] == 2019) & ~d["suppressed"]]
    r, n = d["positive"].to_numpy(float), d["base"].to_numpy(float)
    target = r.sum() / n.sum()
    s = 1 / (2 * np.sqrt(n))
    z = (np.arcsin(np.sqrt(r / n)) - np.arcsin(np.sqrt(target))) / s
    zw = np.clip(z, quantile_type7(z, 0.1), quantile_type7(z, 0.9))
    phi = np.mean(zw**2)
    w = 1 / s**2
    tau2 = max(0, (len(z) * phi - (len(z) - 1)) / (w.sum() - (w**2).sum() / w.sum()))
    up = np.sin(np.arcsin(np.sqrt(target)) + 3.090232 * np.sqrt(s**2 + tau2)) ** 2
    lo = np.sin(np.arcsin(np.sqrt(target)) - 3.090232 * np.sqrt(s**2 + tau2)) ** 2
    fpr_out = (r / n > up) | (r / n < lo)

    f = ae.funnel_flags(d, series="recommend_work", year=2019, method="normal")
    ours_out = f["flag"].str.endswith("99.8%").to_numpy()
    assert f.attrs["phi"] == pytest.approx(phi, rel=0.10)
    # τ on the arcsine scale → proportion scale by the delta method: dp/dY = 2√(p(1 − p))
    tau_pp_fpr = 100 * math.sqrt(tau2) * 2 * math.sqrt(target * (1 - target))
    assert f.attrs["tau_pp"] == pytest.approx(tau_pp_fpr, rel=0.10)
    assert fpr_out.mean() < 0.05 and (ours_out == fpr_out).mean() >= 0.97


def test_fdr_is_benjamini_hochberg_of_the_adjusted_z(work_2019):
    f = ae.funnel_flags(work_2019, series="recommend_work", year=2019, fdr=0.05)
    tau2 = f.attrs["tau2"]
    p0 = f.attrs["p0"]
    z = (f["estimate"] - p0) / np.sqrt(p0 * (1 - p0) / f["base"] + tau2)
    assert f["z"].to_numpy() == pytest.approx(z.to_numpy())
    p = 2 * stats.norm.sf(np.abs(z))
    q = multipletests(p, method="fdr_bh")[1]  # statsmodels, Benjamini & Hochberg (1995)
    assert f["q_value"].to_numpy() == pytest.approx(q)
    assert ((f["fdr_flag"] != "within") == (q < 0.05)).all()
    assert f.attrs["fdr"] == 0.05


def test_plot_caption_states_the_rule(work_2019):
    pytest.importorskip("matplotlib")
    from aeeval.plots import plot_funnel

    flags = ae.funnel_flags(work_2019, series="recommend_work", year=2019)
    ax = plot_funnel(flags)
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "τ = " in texts and "χ²" in texts
    # drawn limits are the adjusted ones: the outer upper line at the largest base
    upper = max(line.get_ydata()[-1] for line in ax.get_lines() if len(line.get_ydata()) > 2)
    assert upper / 100 == pytest.approx(flags.loc[flags["base"].idxmax(), "upper"], abs=0.01)


# ------------------------------------------------------------------------------- simulation


def simulate_flags(seed, tau=0.0, trusts=200, p=0.6, winsorise=0.1):
    rng = np.random.default_rng(seed)
    base = rng.integers(300, 3000, size=trusts)
    truth = np.clip(p + rng.normal(0, tau, size=trusts), 0.01, 0.99)
    pos = rng.binomial(base, truth)
    results = pd.DataFrame(
        {
            "org_code": [f"T{i:03d}" for i in range(trusts)],
            "benchmark_group": "acute",
            "year": 2019,
            "series": "q22c",
            "positive": pos,
            "base": base,
            "estimate": pos / base,
            "suppressed": False,
        }
    )
    return ae.funnel_flags(results, year=2019, method="normal", winsorise=winsorise)


def test_simulated_between_trust_variance_flags_about_the_nominal_share():
    """Truth: additive between-trust sd τ = 3 pp, no outlying trusts (shaped like the real acute
    panel: 200 trusts, bases 300–3000; 40 replications). Without winsorisation the additive rule
    (DerSimonian–Laird τ²) estimates τ without bias and flags the nominal 5 % / 0.2 %; with the
    paper's 10 % winsorisation (the default) τ is under-estimated by about a quarter and about
    twice the nominal share is flagged — measured 2026-12-01: τ̂ 2.23 pp, 11.8 % outside 95 %,
    1.4 % outside 99.8 %. Binomial limits would flag over half."""
    plain = [simulate_flags(seed, tau=0.03, winsorise=0) for seed in range(40)]
    out95 = np.mean([(f["flag"] != "within").mean() for f in plain])
    out998 = np.mean([f["flag"].str.endswith("99.8%").mean() for f in plain])
    assert all(f.attrs["overdispersion"] == "additive" for f in plain)
    assert 0.035 < out95 < 0.07 and out998 < 0.006
    assert np.mean([f.attrs["tau_pp"] for f in plain]) == pytest.approx(3.0, rel=0.05)

    wins = [simulate_flags(seed, tau=0.03) for seed in range(40)]
    tau_w = np.mean([f.attrs["tau_pp"] for f in wins])
    out95_w = np.mean([(f["flag"] != "within").mean() for f in wins])
    assert 2.0 < tau_w < 2.5 and 0.08 < out95_w < 0.16  # the known cost of winsorising


def test_no_overdispersion_keeps_binomial_limits():
    runs = [simulate_flags(seed, tau=0.0) for seed in range(20)]
    assert np.mean([f.attrs["overdispersion"] is None for f in runs]) >= 0.9
    assert all("binomial limits" in f.attrs["rule"] for f in runs)
