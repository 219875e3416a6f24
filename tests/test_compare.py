"""Tests for analysis.compare against hand calculations, scipy and statsmodels."""

import math
import tracemalloc

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from analysis.compare import (
    frame_association,
    frame_cooccurrence,
    frame_rate_ci,
    frame_table,
    frames_over_time,
    keyness_g2,
    log_odds_dirichlet,
    pairwise_frame_tests,
    pairwise_rate_tests,
)
from analysis.frames import count_frames, doc_frame_counts


def doc_counts(rows, frames=("war",)):
    """A doc_frame_counts-like table from (doc_id, source, tokens, {frame: hits}) tuples."""
    records = [
        {"doc_id": doc_id, "source": source, "frame": frame, "hits": hits.get(frame, 0), "tokens": tokens}
        for doc_id, source, tokens, hits in rows
        for frame in frames
    ]
    return pd.DataFrame(records)


def random_doc_counts(seed, n_docs=300, sources=("a", "b"), frames=("war", "peace")):
    rng = np.random.default_rng(seed)
    rows = [(f"d{i}", sources[i % len(sources)], int(rng.integers(50, 500)),
             {f: int(rng.poisson(0.8 + k)) for k, f in enumerate(frames)}) for i in range(n_docs)]
    return doc_counts(rows, frames)


# --------------------------------------------------------------------------- bootstrap intervals


def test_bootstrap_interval_is_reproducible_and_contains_the_estimate():
    dc = random_doc_counts(1)
    first = frame_rate_ci(dc, n_boot=500, seed=7)
    again = frame_rate_ci(dc, n_boot=500, seed=7)
    other = frame_rate_ci(dc, n_boot=500, seed=8)
    pd.testing.assert_frame_equal(first, again)
    assert not np.allclose(first["ci_low"], other["ci_low"])
    assert (first["ci_low"] <= first["rate_per_1k"]).all() and (first["rate_per_1k"] <= first["ci_high"]).all()
    assert list(first.columns) == ["source", "frame", "rate_per_1k", "ci_low", "ci_high", "n_docs"]
    assert first["n_docs"].tolist() == [150] * 4


def test_point_estimate_is_hits_per_thousand_tokens_of_the_group():
    dc = doc_counts([("1", "a", 100, {"war": 1}), ("2", "a", 300, {"war": 3}), ("3", "b", 50, {})])
    table = frame_rate_ci(dc, n_boot=50)
    assert table["rate_per_1k"].tolist() == [10.0, 0.0]
    assert table[["ci_low", "ci_high"]].iloc[1].tolist() == [0.0, 0.0]  # no hits at all: no spread


def test_bootstrap_interval_agrees_with_scipy_bootstrap():
    dc = random_doc_counts(2, n_docs=400, sources=("a",), frames=("war",))
    ours = frame_rate_ci(dc, n_boot=4000, seed=0).iloc[0]
    reference = stats.bootstrap(
        (dc["hits"].to_numpy(float), dc["tokens"].to_numpy(float)),
        lambda h, t, axis=-1: h.sum(axis=axis) / t.sum(axis=axis) * 1000,
        paired=True, vectorized=True, n_resamples=4000, method="percentile", rng=np.random.default_rng(99),
    ).confidence_interval
    width = reference.high - reference.low
    assert abs(ours["ci_low"] - reference.low) < 0.1 * width
    assert abs(ours["ci_high"] - reference.high) < 0.1 * width


def test_dropping_an_outlet_leaves_the_other_outlets_intervals_unchanged():
    """Regression: one generator drew the groups in sorted order, so removing an outlet moved the
    intervals of every outlet sorted after it."""
    dc = random_doc_counts(6, n_docs=240, sources=("عكاظ", "سبق", "الرياض"))
    everyone = frame_rate_ci(dc, n_boot=300, seed=4).set_index(["source", "frame"])
    without = frame_rate_ci(dc[dc["source"] != "الرياض"], n_boot=300, seed=4).set_index(["source", "frame"])
    pd.testing.assert_frame_equal(everyone.loc[without.index], without)
    renamed = frame_rate_ci(dc.replace({"source": {"عكاظ": "عكاظ اليوم"}}), n_boot=300, seed=4)
    assert not np.allclose(renamed.query("source == 'عكاظ اليوم'")[["ci_low", "ci_high"]],
                           everyone.loc["عكاظ", ["ci_low", "ci_high"]])  # the stream follows the name


def test_group_streams_follow_seed_and_every_key_column():
    from analysis.compare import group_rng

    draw = lambda seed, key: group_rng(seed, key).integers(0, 2**62, size=4).tolist()  # noqa: E731
    assert draw(0, ["أ", pd.Timestamp("2021-01-01")]) == draw(0, ["أ", pd.Timestamp("2021-01-01")])
    assert draw(0, ["أ", pd.Timestamp("2021-01-01")]) != draw(0, ["أ", pd.Timestamp("2021-02-01")])
    assert draw(0, "أ") != draw(1, "أ")
    assert draw(0, [None]) == draw(0, [np.nan])  # a missing key is one group, as in groupby(dropna=False)
    with pytest.raises(ValueError, match="seed"):
        group_rng(-1, "أ")


def test_bootstrap_level_narrows_the_interval():
    dc = random_doc_counts(3)
    wide = frame_rate_ci(dc, n_boot=400, level=0.99)
    narrow = frame_rate_ci(dc, n_boot=400, level=0.5)
    assert ((wide["ci_high"] - wide["ci_low"]) > (narrow["ci_high"] - narrow["ci_low"])).all()


@pytest.mark.parametrize("kwargs, message", [({"n_boot": 0}, "n_boot"), ({"n_boot": 2.5}, "n_boot"),
                                             ({"level": 1.0}, "level"), ({"by": "outlet"}, "outlet")])
def test_bootstrap_options_are_checked(kwargs, message):
    with pytest.raises(ValueError, match=message):
        frame_rate_ci(random_doc_counts(0, n_docs=4), **kwargs)


def test_bootstrap_resamples_large_groups_in_bounded_chunks(monkeypatch):
    import analysis.compare as compare

    dc = random_doc_counts(4, n_docs=200, sources=("a",))
    whole = frame_rate_ci(dc, n_boot=300, seed=5)
    monkeypatch.setattr(compare, "_BOOT_CELLS", 1000)  # 5 resamples at a time
    chunked = frame_rate_ci(dc, n_boot=300, seed=5)
    pd.testing.assert_frame_equal(whole[["rate_per_1k", "n_docs"]], chunked[["rate_per_1k", "n_docs"]])
    assert np.allclose(whole[["ci_low", "ci_high"]], chunked[["ci_low", "ci_high"]], rtol=0.15)


# --------------------------------------------------------------------------- the frames command's table

DOCS = pd.DataFrame({
    "doc_id": ["1", "2", "3", "4"],
    "source": ["أ", "أ", "ب", "ب"],
    "date": pd.to_datetime(["2021-11-03", "2021-12-01", "2021-11-20", None]),
    "text": ["فرضت واشنطن عقوبات جديدة على موسكو", "محادثات ومفاوضات في جنيف",
             "تصاعد المواجهة والتوترات والعقوبات الدولية", "مشاورات"],
})


def test_frame_table_is_count_frames_plus_an_interval():
    table = frame_table(DOCS, "international-news", n_boot=200, seed=1)
    counts = count_frames(DOCS, "international-news")
    assert list(table.columns) == list(counts.columns) + ["ci_low", "ci_high"]
    pd.testing.assert_frame_equal(table[counts.columns], counts)
    assert (table["ci_low"] <= table["rate_per_1k"]).all() and (table["rate_per_1k"] <= table["ci_high"]).all()


def test_frame_table_without_groups_as_the_command_line_passes_it():
    table = frame_table(DOCS, "international-news", by=None, n_boot=50)
    assert table["frame"].tolist()[:3] == ["confrontation", "sanctions", "diplomacy"]
    assert table.query("frame == 'sanctions'")["hits"].tolist() == [2]
    assert table["tokens"].unique().tolist() == [6 + 4 + 5 + 1]


def test_frames_over_time_groups_by_source_then_period():
    table = frames_over_time(DOCS, "international-news", freq="month")
    pd.testing.assert_frame_equal(table, count_frames(DOCS, "international-news", by=["source", "month"]))
    sanctions = table.query("frame == 'sanctions' and hits > 0")
    assert sanctions[["source", "hits"]].values.tolist() == [["أ", 1], ["ب", 1]]
    with pytest.raises(ValueError, match="freq must be one of"):
        frames_over_time(DOCS, "international-news", freq="quarter")


# --------------------------------------------------------------------------- association of frame and group


def clustered_doc_counts(seed, n_docs=240, sources=("a", "b", "c", "d"), frames=("war", "peace", "talks")):
    """Documents whose hits cluster as in news: 40 % have any, those have 1 + NB(1.5, 0.2) hits (mean 7),
    85 % of them of one leading frame. Sources are assigned in turn, unrelated to the hits."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n_docs):
        hits = np.zeros(len(frames), dtype=int)
        if rng.random() < 0.4:
            lead = rng.choice(len(frames), p=[0.5, 0.3, 0.2])
            hits = rng.multinomial(1 + rng.negative_binomial(1.5, 0.2), np.where(np.arange(len(frames)) == lead, 0.85, 0.075))
        rows.append((f"d{i}", sources[i % len(sources)], int(rng.integers(100, 800)), dict(zip(frames, hits.tolist()))))
    return doc_counts(rows, frames)


def shuffled_sources(dc, rng):
    """The same documents with their source labels shuffled over whole documents."""
    labels = dc.drop_duplicates("doc_id").set_index("doc_id")["source"]
    return dc.assign(source=dc["doc_id"].map(pd.Series(rng.permutation(labels.to_numpy()), index=labels.index)))


@pytest.mark.slow
def test_association_test_keeps_its_level_where_the_chi2_of_hits_as_independent_does_not():
    """Regression: frame_chi2's p-value treated clustered hits as independent draws and rejected
    95 % of label shuffles at the 5 % level. Over 1,200 shuffles of three such corpora the
    permutation test rejected 4.0 %, 5.5 % and 5.0 %."""
    base = clustered_doc_counts(1)
    rng = np.random.default_rng(101)
    rows = pd.concat([frame_association(shuffled_sources(base, rng), n_permutations=999, seed=r) for r in range(200)])
    assert 0.03 <= (rows["p_value"] <= 0.05).mean() <= 0.08
    assert (rows["p_asymptotic"] <= 0.05).mean() > 0.5  # the χ² of hits as independent: far above its level
    assert (rows["cramers_v"] / rows["v_null"]).median() == pytest.approx(1, abs=0.15)  # V under the null ≈ v_null


def test_association_detects_a_real_difference_between_groups():
    base = clustered_doc_counts(2)
    war = (base["frame"] == "war") & base["source"].isin(["a", "b"])
    row = frame_association(base.assign(hits=base["hits"] + np.where(war, 6, 0)), n_permutations=199).iloc[0]
    assert row["p_value"] == pytest.approx(1 / 200) and row["cramers_v"] > 2 * row["v_null"]


def test_association_chi2_hand_computed_two_by_two():
    dc = doc_counts([("1", "a", 50, {"war": 20, "peace": 5}), ("2", "a", 50, {"war": 10, "peace": 5}),
                     ("3", "b", 50, {"war": 10, "peace": 30})], frames=("war", "peace"))
    row = frame_association(dc, n_permutations=50).iloc[0]
    # table [[30, 10], [10, 30]]: every expected count is 20, χ² = 4 × 10² / 20 = 20, V = sqrt(20 / 80)
    assert row["chi2"] == pytest.approx(20.0)
    assert row["dof"] == 1 and row["n"] == 80 and row["docs"] == 3
    assert row["cramers_v"] == pytest.approx(0.5)
    assert row["p_asymptotic"] == pytest.approx(stats.chi2.sf(20.0, 1))


def test_association_permutation_p_value_matches_exact_enumeration():
    from itertools import combinations as choose

    dc = doc_counts([(str(i), "ab"[i >= 3], 10, {"war": w, "peace": p})
                     for i, (w, p) in enumerate([(5, 1), (3, 0), (4, 2), (1, 4), (0, 6), (2, 2)])], frames=("war", "peace"))
    hits = dc.pivot(index="doc_id", columns="frame", values="hits")[["war", "peace"]].to_numpy(float)

    def chi2(in_a):
        table = np.array([hits[list(in_a)].sum(0), np.delete(hits, list(in_a), axis=0).sum(0)])
        return stats.chi2_contingency(table, correction=False).statistic

    observed = chi2((0, 1, 2))
    exact = np.mean([chi2(c) >= observed - 1e-9 for c in choose(range(6), 3)])  # 20 equally likely labellings
    row = frame_association(dc, n_permutations=19_999, seed=3).iloc[0]
    assert row["chi2"] == pytest.approx(observed)
    assert row["p_value"] == pytest.approx(exact, abs=0.01)


def test_association_matches_scipy_and_leaves_out_groups_and_frames_without_hits():
    observed = np.array([[12, 5, 9], [3, 14, 8], [7, 7, 20]])
    rows = [(f"{s}{j}", s, 30, {f: int(observed[i, k]) if j == k else 0 for k, f in enumerate(["f1", "f2", "f3"])})
            for i, s in enumerate("xyz") for j in range(3)] + [("w0", "w", 30, {})]
    dc = doc_counts(rows, frames=("f1", "f2", "f3", "f4"))
    expected = stats.chi2_contingency(observed, correction=False)
    row = frame_association(dc, n_permutations=99).iloc[0]
    assert row["chi2"] == pytest.approx(expected.statistic)
    assert row["p_asymptotic"] == pytest.approx(expected.pvalue)
    assert row["dof"] == 4 and row["groups"] == 3 and row["frames"] == 3 and row["docs"] == 10
    assert row["cramers_v"] == pytest.approx(math.sqrt(expected.statistic / (observed.sum() * 2)))
    assert list(row.index) == ["chi2", "dof", "cramers_v", "v_null", "p_value", "p_asymptotic",
                               "n_permutations", "n", "docs", "groups", "frames"]


def test_association_is_reproducible_and_chunks_its_permutations(monkeypatch):
    import analysis.compare as compare

    dc = clustered_doc_counts(3, n_docs=60)
    first = frame_association(dc, n_permutations=300, seed=9)
    pd.testing.assert_frame_equal(first, frame_association(dc, n_permutations=300, seed=9))
    monkeypatch.setattr(compare, "_BOOT_CELLS", 600)  # 10 permutations at a time
    pd.testing.assert_frame_equal(first, frame_association(dc, n_permutations=300, seed=9))


@pytest.mark.parametrize("dc, kwargs, message", [
    (doc_counts([("1", "a", 5, {"war": 3}), ("2", "b", 5, {"war": 4})]), {}, "two groups and two frames"),
    (doc_counts([("1", "a", 5, {"war": 3})]), {"n_permutations": 0}, "n_permutations"),
    (doc_counts([("1", "a", 5, {"war": 3})]), {"by": None}, "grouping column"),
])
def test_association_input_is_checked(dc, kwargs, message):
    with pytest.raises(ValueError, match=message):
        frame_association(dc, **kwargs)


def test_association_on_the_frames_of_a_real_lexicon():
    row = frame_association(doc_frame_counts(DOCS, "international-news"), n_permutations=99).iloc[0]
    assert row["n"] == count_frames(DOCS, "international-news")["hits"].sum()


# --------------------------------------------------------------------------- pairwise tests


def two_proportion_z(x1, n1, x2, n2):
    p1, p2, pooled = x1 / n1, x2 / n2, (x1 + x2) / (n1 + n2)
    z = (p1 - p2) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return z, 2 * stats.norm.sf(abs(z))


def test_pairwise_tests_by_hand_with_holm_correction():
    # shares of documents with a hit: a 30/50, b 20/50, c 10/40
    rows = [(f"{s}{i}", s, 100, {"war": 1 if i < k else 0}) for s, n, k in (("a", 50, 30), ("b", 50, 20), ("c", 40, 10))
            for i in range(n)]
    table = pairwise_frame_tests(doc_counts(rows))
    assert table[["source_a", "source_b"]].values.tolist() == [["a", "b"], ["a", "c"], ["b", "c"]]
    expected = [two_proportion_z(30, 50, 20, 50), two_proportion_z(30, 50, 10, 40), two_proportion_z(20, 50, 10, 40)]
    assert table["z"].tolist() == pytest.approx([z for z, _ in expected])
    assert table["p_value"].tolist() == pytest.approx([p for _, p in expected])
    # Holm by hand: the smallest p times 3, the next times 2, the largest times 1, kept monotone
    p = np.array([p for _, p in expected])
    order = np.argsort(p)
    stepped = np.maximum.accumulate(p[order] * np.array([3, 2, 1])).clip(max=1)
    holm = np.empty(3)
    holm[order] = stepped
    assert table["p_adjusted"].tolist() == pytest.approx(holm.tolist())
    assert table["reject"].tolist() == (holm < 0.05).tolist()
    assert table["difference"].tolist() == pytest.approx([0.2, 0.35, 0.15])


def test_pairwise_tests_with_benjamini_hochberg():
    rows = [(f"{s}{i}", s, 100, {"war": 1 if i < k else 0}) for s, n, k in (("a", 50, 30), ("b", 50, 20), ("c", 40, 10))
            for i in range(n)]
    table = pairwise_frame_tests(doc_counts(rows), method="fdr_bh")
    p = table["p_value"].to_numpy()
    order = np.argsort(p)[::-1]  # largest first: p × m / rank, minimum from the top
    ranks = np.arange(3, 0, -1)
    bh = np.empty(3)
    bh[order] = np.minimum.accumulate(p[order] * 3 / ranks).clip(max=1)
    assert table["p_adjusted"].tolist() == pytest.approx(bh.tolist())


def test_pairwise_tests_without_any_difference_give_p_one():
    rows = [("1", "a", 10, {}), ("2", "b", 10, {}), ("3", "a", 10, {"war": 2}), ("4", "b", 10, {"war": 1})]
    table = pairwise_frame_tests(doc_counts(rows, frames=("war", "peace")))
    peace = table.query("frame == 'peace'").iloc[0]
    assert (peace["z"], peace["p_value"]) == (0.0, 1.0)


@pytest.mark.parametrize("kwargs, message", [({"method": "tukey"}, "method must be one of"),
                                             ({"by": ["source", "doc_id"]}, "one column")])
def test_pairwise_options_are_checked(kwargs, message):
    with pytest.raises(ValueError, match=message):
        pairwise_frame_tests(random_doc_counts(0, n_docs=4), **kwargs)


# --------------------------------------------------------------------------- rate tests (negative binomial)


def negbin_doc_counts(seed, rates, n_docs=90, dispersion=2.0, frame="war"):
    """Documents of sources with the given rates per token; hits negative-binomial (clustered), lengths vary."""
    rng = np.random.default_rng(seed)
    sources = list(rates)
    rows = []
    for i in range(n_docs):
        source = sources[i % len(sources)]
        tokens = int(rng.integers(50, 600))
        mu = rates[source] * tokens
        hits = int(rng.negative_binomial(1 / dispersion, 1 / (1 + dispersion * mu))) if mu > 0 else 0
        rows.append((f"d{i}", source, tokens, {frame: hits}))
    return doc_counts(rows, (frame,))


def test_rate_tests_agree_with_a_negative_binomial_regression_with_an_intercept():
    import statsmodels.formula.api as smf

    dc = negbin_doc_counts(0, {"أ": 0.02, "ب": 0.01, "ج": 0.01}, n_docs=150)
    table = pairwise_rate_tests(dc)
    fit = smf.negativebinomial("hits ~ C(source)", dc, offset=np.log(dc["tokens"])).fit(disp=0, maxiter=200)
    pair = table.set_index(["source_a", "source_b"]).loc[("أ", "ب")]
    b = fit.params["C(source)[T.ب]"]  # log rate of ب over أ
    assert pair["rate_ratio"] == pytest.approx(math.exp(-b), rel=1e-4)
    assert pair["p_value"] == pytest.approx(fit.pvalues["C(source)[T.ب]"], rel=1e-3)
    assert pair["dispersion"] == pytest.approx(fit.params["alpha"], rel=1e-3)
    assert pair["ci_low"] < pair["rate_ratio"] < pair["ci_high"]
    assert pair[["hits_a", "tokens_a", "docs_a"]].tolist() == dc.query("source == 'أ'")[["hits", "tokens"]].sum().tolist() + [50]
    assert list(table.columns) == [
        "frame", "source_a", "source_b", "docs_a", "hits_a", "tokens_a", "rate_a", "docs_b", "hits_b", "tokens_b",
        "rate_b", "rate_ratio", "ci_low", "ci_high", "dispersion", "test", "z", "p_value", "p_adjusted", "reject",
        "min_expected", "small_expected"]


def test_rate_tests_compare_rates_per_token_not_hits_per_article():
    # ب's articles are four times as long, with the same rate per token: four times the hits per article
    rng = np.random.default_rng(5)
    rows = [(f"d{i}", "أب"[i % 2], 100 * (1 + 3 * (i % 2)), {"war": int(rng.poisson(2.5 * (1 + 3 * (i % 2))))})
            for i in range(80)]
    dc = doc_counts(rows)
    pair = pairwise_rate_tests(dc).iloc[0]
    per_article = dc.groupby("source")["hits"].mean()
    assert per_article["ب"] > 3 * per_article["أ"]
    assert pair["ci_low"] < 1 < pair["ci_high"] and not pair["reject"]


@pytest.mark.slow
def test_rate_tests_keep_their_level_on_clustered_hits_where_a_poisson_test_does_not():
    import statsmodels.api as sm

    ours, poisson = [], []
    for seed in range(60):
        dc = negbin_doc_counts(seed, {"a": 0.01, "b": 0.01, "c": 0.01}, n_docs=120, dispersion=3.0)
        ours.extend(pairwise_rate_tests(dc)["p_value"])
        code = pd.factorize(dc["source"], sort=True)[0]
        fit = sm.GLM(dc["hits"], np.eye(3)[code], family=sm.families.Poisson(), offset=np.log(dc["tokens"])).fit()
        cov = fit.cov_params().to_numpy()
        poisson.extend(2 * stats.norm.sf(abs(fit.params.iloc[i] - fit.params.iloc[j]) / math.sqrt(cov[i, i] + cov[j, j] - 2 * cov[i, j]))
                       for i, j in ((0, 1), (0, 2), (1, 2)))
    assert 0.02 <= np.mean(np.array(ours) <= 0.05) <= 0.09
    assert np.mean(np.array(poisson) <= 0.05) > 0.3


def test_rate_tests_of_a_source_without_hits_use_a_likelihood_ratio_and_leave_empty_pairs_out():
    import statsmodels.api as sm

    war = negbin_doc_counts(1, {"a": 0.02, "b": 0.01, "c": 0.0, "d": 0.0}, n_docs=120)
    dc = pd.concat([war, war.assign(frame="cyber", hits=0)])  # a frame nobody uses
    table = pairwise_rate_tests(dc).set_index(["frame", "source_a", "source_b"])
    assert table.loc[("war", "a", "b"), "test"] == "wald"
    assert table.loc[("war", "a", "c"), "test"] == "likelihood ratio"
    assert table.loc[("war", "a", "c"), "rate_ratio"] == math.inf
    assert table.loc[("war", "c", "d"), "test"] == "untestable"
    assert table.xs("cyber")["test"].eq("untestable").all()

    def llf(data):  # NB2 log-likelihood of one rate for all the articles
        return sm.NegativeBinomial(data["hits"], np.ones((len(data), 1)), offset=np.log(data["tokens"])).fit(
            disp=0, maxiter=300).llf

    lr = 2 * (llf(war[war["source"] == "a"]) - llf(war[war["source"].isin(["a", "c"])]))  # c's rate 0 adds nothing
    assert table.loc[("war", "a", "c"), "p_value"] == pytest.approx(stats.chi2.sf(lr, 1), rel=1e-3)

    from statsmodels.stats.multitest import multipletests

    testable = table[table["test"] != "untestable"]
    assert testable["p_adjusted"].tolist() == pytest.approx(multipletests(testable["p_value"], method="holm")[1].tolist())
    untestable = table[table["test"] == "untestable"]
    assert untestable["p_value"].isna().all() and untestable["p_adjusted"].isna().all() and not untestable["reject"].any()
    assert len(testable) == 5 and len(untestable) == 1 + 6


def test_rate_tests_of_hits_that_are_not_over_dispersed_are_a_poisson_regression(recwarn):
    """Regression: where α tends to 0 the negative binomial did not converge and every pair was untestable."""
    import statsmodels.api as sm

    rows = [(f"d{i}", "أبج"[i % 3], 100, {"war": [3, 1, 2][i % 3] + (i // 3) % 2}) for i in range(30)]  # under-dispersed
    dc = doc_counts(rows)
    table = pairwise_rate_tests(dc)
    assert not [w for w in recwarn if "did not converge" in str(w.message)]
    assert (table["test"] == "wald").all() and (table["dispersion"] == 0).all()
    code = pd.factorize(dc["source"], sort=True)[0]
    fit = sm.GLM(dc["hits"], np.eye(3)[code], family=sm.families.Poisson(), offset=np.log(dc["tokens"])).fit()
    cov = fit.cov_params().to_numpy()
    z = (fit.params.iloc[0] - fit.params.iloc[1]) / math.sqrt(cov[0, 0] + cov[1, 1] - 2 * cov[0, 1])
    assert table.loc[0, "z"] == pytest.approx(z, rel=1e-6)


def test_rate_tests_flag_small_expected_counts():
    hits = {"a": [3, 1, 0, 0], "b": [2, 0, 1, 0], "c": [40, 30, 25, 35]}
    tokens = {"a": 50, "b": 150, "c": 1000}
    rows = [(f"{s}{i}", s, tokens[s], {"war": h}) for s, column in hits.items() for i, h in enumerate(column)]
    table = pairwise_rate_tests(doc_counts(rows), min_expected=5).set_index(["source_a", "source_b"])
    # a and b: 7 hits over 800 tokens; a expects 7 · 200/800 = 1.75
    assert table.loc[("a", "b"), "min_expected"] == pytest.approx(1.75)
    assert table.loc[("a", "c"), "min_expected"] == pytest.approx(134 * 200 / 4200)  # 6.4: not flagged
    assert table["small_expected"].tolist() == [True, False, False]


@pytest.mark.parametrize("kwargs, message", [({"method": "tukey"}, "method must be one of"),
                                             ({"level": 0}, "level"),
                                             ({"by": ["source", "doc_id"]}, "one column")])
def test_rate_test_options_are_checked(kwargs, message):
    with pytest.raises(ValueError, match=message):
        pairwise_rate_tests(random_doc_counts(0, n_docs=4), **kwargs)


# --------------------------------------------------------------------------- co-occurrence


def test_cooccurrence_hand_counted():
    rows = [("1", "a", 10, {"war": 1, "peace": 2}), ("2", "a", 10, {"war": 3}), ("3", "a", 10, {"talks": 1}),
            ("4", "b", 10, {"war": 1, "peace": 1, "talks": 1})]
    dc = doc_counts(rows, frames=("war", "peace", "talks"))
    overall = frame_cooccurrence(dc)
    assert overall.values.tolist() == [
        ["war", "peace", 3, 2, 2, 2 / 3],
        ["war", "talks", 3, 2, 1, 1 / 4],
        ["peace", "talks", 2, 2, 1, 1 / 3],
    ]
    by_source = frame_cooccurrence(dc, by="source")
    assert by_source.query("source == 'a'")["docs_both"].tolist() == [1, 0, 0]
    assert list(by_source.columns) == ["source", "frame_a", "frame_b", "docs_a", "docs_b", "docs_both", "jaccard"]


def test_cooccurrence_of_frames_that_never_occur_is_undefined():
    dc = doc_counts([("1", "a", 10, {})], frames=("war", "peace"))
    assert frame_cooccurrence(dc)["jaccard"].isna().all()


# --------------------------------------------------------------------------- distinctive terms


def test_log_odds_recomputed_by_hand():
    tc = pd.DataFrame({"source": ["a", "a", "a", "b", "b"], "term": ["حرب", "سلام", "عقوبات", "حرب", "سلام"],
                       "count": [8, 2, 5, 1, 9]})
    table = log_odds_dirichlet(tc).set_index(["source", "term"])
    # y (a) = 8, 2, 5; y (b) = 1, 9, 0; N = 25; informative prior α_w = y_w: 9, 11, 5; α0 = 25
    n_a, n_b, a0 = 15, 10, 25
    for term, ya, yb, alpha in [("حرب", 8, 1, 9), ("سلام", 2, 9, 11), ("عقوبات", 5, 0, 5)]:
        delta = math.log((ya + alpha) / (n_a + a0 - ya - alpha)) - math.log((yb + alpha) / (n_b + a0 - yb - alpha))
        z = delta / math.sqrt(1 / (ya + alpha) + 1 / (yb + alpha))
        assert table.loc[("a", term), "log_odds"] == pytest.approx(delta)
        assert table.loc[("a", term), "z"] == pytest.approx(z)
        assert table.loc[("b", term), "z"] == pytest.approx(-z)  # two groups: mirror images
    assert table.loc[("b", "عقوبات"), "count"] == 0
    assert log_odds_dirichlet(tc)["term"].tolist()[:3] == ["حرب", "عقوبات", "سلام"]  # by z within a


def test_log_odds_need_two_terms():
    with pytest.raises(ValueError, match="two terms"):
        log_odds_dirichlet(pd.DataFrame({"source": ["a", "b"], "term": ["x", "x"], "count": [1, 2]}))


@pytest.mark.parametrize("compare", [log_odds_dirichlet, keyness_g2])
def test_missing_terms_or_groups_are_refused_not_counted_elsewhere(compare):
    tc = pd.DataFrame({"source": ["a", "a", "b", "b", None], "term": ["x", None, "x", "y", "y"],
                       "count": [1, 5, 2, 3, 4]})
    with pytest.raises(ValueError, match=r"1 row\(s\) without 'source', 1 row\(s\) without 'term'"):
        compare(tc)


def test_log_odds_prior_weight():
    tc = pd.DataFrame({"source": ["a", "a", "b", "b"], "term": ["x", "y"] * 2, "count": [8, 2, 1, 9]})
    table = log_odds_dirichlet(tc, alpha0=2.0).set_index(["source", "term"])
    alpha = 9 * 2 / 20  # α_w = α0 · y_w / N
    delta = math.log((8 + alpha) / (10 + 2 - 8 - alpha)) - math.log((1 + alpha) / (10 + 2 - 1 - alpha))
    assert table.loc[("a", "x"), "log_odds"] == pytest.approx(delta)
    with pytest.raises(ValueError, match="alpha0"):
        log_odds_dirichlet(tc, alpha0=0)


def test_g2_matches_scipy_power_divergence():
    tc = pd.DataFrame({"source": ["a", "a", "a", "b", "b", "c"], "term": ["حرب", "سلام", "عقوبات", "حرب", "سلام", "حرب"],
                       "count": [40, 5, 12, 10, 30, 7]})
    table = keyness_g2(tc)
    sizes = tc.groupby("source")["count"].sum()
    for row in table.itertuples():
        a, b = row.count_target, row.count_reference
        c, d = sizes[row.source], sizes.sum() - sizes[row.source]
        expected = [c * (a + b) / (c + d), d * (a + b) / (c + d)]
        g2, p = stats.power_divergence([a, b], f_exp=expected, lambda_="log-likelihood")
        assert row.g2 == pytest.approx(g2, abs=1e-9)
        assert row.p_value == pytest.approx(p)
    share = table["count_target"] / table["source"].map(sizes)
    rest = table["count_reference"] / (sizes.sum() - table["source"].map(sizes))
    signed = table["g2"].where(share >= rest, -table["g2"])
    assert signed.groupby(table["source"]).apply(lambda s: s.is_monotonic_decreasing).all()  # overused first


def test_g2_hand_computed_with_group_sizes_from_tokens():
    # a = 10, b = 0, c = d = 1000: E1 = E2 = 5, G² = 2 · 10 · ln 2; equal sizes: 0.5 added to each count
    tc = pd.DataFrame({"source": ["a", "b"], "term": ["عقوبات"] * 2, "count": [10, 0], "tokens": [1000, 1000]})
    row = keyness_g2(tc).iloc[0]
    assert row["g2"] == pytest.approx(20 * math.log(2))
    assert row["log_ratio"] == pytest.approx(math.log2(10.5 / 0.5))
    assert list(keyness_g2(tc).columns) == ["source", "term", "count_target", "count_reference", "g2", "p_value", "log_ratio"]


def test_log_ratio_of_a_term_a_small_group_never_uses_is_negative():
    """Regression: a zero count taken as 0.5 on its side only made the log ratio positive
    ("overused") for terms a small group never uses (68 % of SaudiNewsNet's rows)."""
    # Group a: 100 tokens, never uses x; the rest: 10,000 tokens, x once. Hand computation with
    # one pseudo-occurrence shared in proportion to size (n = 10,100): rates 0 + 1/n and 1/10,000 + 1/n.
    tc = pd.DataFrame({"source": ["a", "b", "a", "b"], "term": ["x", "x", "y", "y"], "count": [0, 1, 100, 9_999]})
    table = keyness_g2(tc).set_index(["source", "term"])
    n = 10_100
    assert table.loc[("a", "x"), "log_ratio"] == pytest.approx(math.log2((1 / n) / (1 / 10_000 + 1 / n)))
    assert table.loc[("a", "x"), "log_ratio"] < 0 < table.loc[("b", "x"), "log_ratio"]
    assert table.loc[("b", "x"), "log_ratio"] == pytest.approx(math.log2((1 / 10_000 + 1 / n) / (1 / n)))


def test_log_ratio_is_zero_at_a_tie_and_its_sign_is_that_of_observed_minus_expected():
    # a/c = b/d exactly (1/100 = 100/10,000): neither over- nor underused
    tie = pd.DataFrame({"source": ["a", "b"], "term": ["x"] * 2, "count": [1, 100], "tokens": [100, 10_000]})
    assert keyness_g2(tie)["log_ratio"].tolist() == [0.0, 0.0]
    rng = np.random.default_rng(3)
    tc = pd.DataFrame({"source": np.repeat(list("abcd"), 30), "term": np.tile([f"t{i}" for i in range(30)], 4),
                       "count": rng.poisson(rng.choice([0.05, 1, 20], size=120))})
    tc = tc.assign(tokens=tc["source"].map({"a": 50, "b": 5_000, "c": 500, "d": 900}))
    table = keyness_g2(tc)
    c = table["source"].map(tc.groupby("source")["tokens"].max()).astype(float)
    n = tc.groupby("source")["tokens"].max().sum()
    expected = c * (table["count_target"] + table["count_reference"]) / n
    assert (np.sign(table["log_ratio"]) == np.sign((table["count_target"] - expected).round(9))).all()


@pytest.mark.slow
def test_log_ratio_sign_agrees_with_over_and_underuse_on_saudinewsnet(saudinewsnet):
    from analysis.terms import count_terms

    counts = count_terms(saudinewsnet, by="source")
    table = keyness_g2(counts)
    sizes = counts.groupby("source")["tokens"].max()
    c = table["source"].map(sizes).to_numpy(dtype=np.int64)
    d = int(sizes.sum()) - c
    a = table["count_target"].to_numpy(dtype=np.int64)
    b = table["count_reference"].to_numpy(dtype=np.int64)
    observed_minus_expected = np.sign(a * d - b * c)  # sign of a − c(a+b)/(c+d), in exact integers
    assert len(table) > 1_000_000
    assert (np.sign(table["log_ratio"].to_numpy()) == observed_minus_expected).all()


@pytest.mark.parametrize("table, message", [
    (pd.DataFrame({"source": ["a"], "term": ["x"]}), "missing 'count'"),
    (pd.DataFrame({"source": ["a", "a"], "term": ["x", "y"], "count": [1, 2]}), "at least two values"),
    (pd.DataFrame({"source": ["a", "b"], "term": ["x", "y"], "count": [1, -2]}), "negative"),
    (pd.DataFrame({"source": ["a", "b", "b"], "term": ["x", "x", "y"], "count": [0, 1, 2]}), r"\['a'\] of 'source' have no counts"),
])
def test_term_tables_are_checked(table, message):
    with pytest.raises(ValueError, match=message):
        keyness_g2(table)
    with pytest.raises(ValueError, match=message):
        log_odds_dirichlet(table)


def test_distinctive_terms_work_on_the_term_counts_of_analysis_terms():
    from analysis.terms import count_terms

    docs = pd.DataFrame({"doc_id": ["1", "2", "3"], "source": ["أ", "أ", "ب"],
                         "text": ["عقوبات عقوبات على موسكو", "عقوبات جديدة", "محادثات محادثات في جنيف"]})
    counts = count_terms(docs, by="source")
    top_a = keyness_g2(counts).query("source == 'أ'").iloc[0]
    assert top_a["term"] == "عقوبات" and top_a["count_target"] == 3
    assert log_odds_dirichlet(counts).query("source == 'ب'").iloc[0]["term"] == "محادثات"


# --------------------------------------------------------------------------- invariants

count_tables = st.lists(
    st.tuples(st.sampled_from(["a", "b", "c"]), st.sampled_from(["حرب", "سلام", "عقوبات", "حوار"]), st.integers(0, 50)),
    min_size=2, max_size=20,
).map(lambda rows: pd.DataFrame(rows, columns=["source", "term", "count"])).filter(
    lambda t: t["source"].nunique() >= 2 and (t.groupby("source")["count"].sum() > 0).all()
    and (t.groupby("term")["count"].sum() > 0).sum() >= 2
)


@settings(max_examples=80, deadline=None)
@given(count_tables)
def test_keyness_invariants(tc):
    g2 = keyness_g2(tc)
    assert (g2["g2"] >= -1e-9).all()
    assert ((g2["p_value"] >= 0) & (g2["p_value"] <= 1)).all()
    totals = tc.groupby("term")["count"].sum()
    assert ((g2["count_target"] + g2["count_reference"]) == g2["term"].map(totals)).all()
    lo = log_odds_dirichlet(tc)
    assert np.isfinite(lo["z"]).all()
    assert lo.groupby("source")["count"].sum().to_dict() == tc.groupby("source")["count"].sum().astype(float).to_dict()


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000))
def test_cooccurrence_invariants(seed):
    dc = random_doc_counts(seed, n_docs=30, frames=("war", "peace", "talks"))
    table = frame_cooccurrence(dc, by="source")
    assert (table["docs_both"] <= np.minimum(table["docs_a"], table["docs_b"])).all()
    assert table["jaccard"].dropna().between(0, 1).all()
    assert len(table) == 2 * 3


def test_doc_frame_counts_feed_every_statistic():
    dc = doc_frame_counts(DOCS, "international-news", by="source")
    assert len(frame_rate_ci(dc, n_boot=20)) == 2 * 8
    assert len(pairwise_frame_tests(dc)) == 8
    assert len(frame_cooccurrence(dc)) == 8 * 7 // 2


def test_frame_table_keeps_undated_documents_as_their_own_period():
    table = frame_table(DOCS, "international-news", by="month", n_boot=50)
    assert table["month"].isna().sum() == 8  # the undated document's group, every frame
    undated = table[table["month"].isna()].set_index("frame")
    assert undated.loc["diplomacy", ["hits", "docs", "tokens"]].tolist() == [1, 1, 1]
    assert table[["ci_low", "ci_high"]].notna().all().all()


# --------------------------------------------------------------------------- distinctive terms: layout and memory

term_tables = st.lists(
    st.tuples(st.sampled_from(["أ", "ب", "c", "d"]), st.text("حربسلامxX ", max_size=3), st.integers(0, 6)),
    min_size=2, max_size=40,
).map(lambda rows: pd.DataFrame(rows, columns=["source", "term", "count"])).filter(
    lambda t: t["source"].nunique() >= 2 and (t.groupby("source")["count"].sum() > 0).all()
    and (t.groupby("term")["count"].sum() > 0).sum() >= 2
)


def keyness_by_cross_join(tc: pd.DataFrame, by: str = "source") -> pd.DataFrame:
    """:func:`keyness_g2` written plainly: every group × term in one long table, the formula, one sort."""
    counts = tc.pivot_table(index=by, columns="term", values="count", aggfunc="sum", fill_value=0)
    sizes = (tc.groupby(by)["tokens"].max() if "tokens" in tc else counts.sum(axis=1)).astype(float)
    table = counts.stack().astype(float).rename("count_target").reset_index()
    a = table["count_target"]
    b = table["term"].map(counts.sum()).astype(float) - a
    c = table[by].map(sizes)
    d = sizes.sum() - c
    e1, e2 = c * (a + b) / (c + d), d * (a + b) / (c + d)
    with np.errstate(divide="ignore", invalid="ignore"):
        g2 = 2 * (np.where(a > 0, a * np.log(a / e1), 0.0) + np.where(b > 0, b * np.log(b / e2), 0.0))
    n = c + d
    table = table.assign(count_reference=b, g2=g2, p_value=stats.chi2.sf(g2, 1),
                         log_ratio=np.log2((a + c / n) / c / ((b + d / n) / d)))
    table["_key"] = np.where(a * d >= b * c, g2, -g2)
    table = table.sort_values([by, "_key", "term"], ascending=[True, False, True])
    return table.drop(columns="_key").reset_index(drop=True)


@settings(max_examples=100, deadline=None)
@given(term_tables, st.booleans())
def test_distinctive_terms_match_a_plain_cross_join_and_sort(tc, with_tokens):
    if with_tokens:  # group sizes from a tokens column rather than from the counts
        tc = tc.assign(tokens=tc.groupby("source")["count"].transform("sum") * 2 + 5)
    pd.testing.assert_frame_equal(keyness_g2(tc), keyness_by_cross_join(tc))
    lo = log_odds_dirichlet(tc)
    resorted = lo.sample(frac=1, random_state=0).sort_values(["source", "z", "term"], ascending=[True, False, True])
    pd.testing.assert_frame_equal(lo, resorted.reset_index(drop=True))
    assert len(lo) == lo["source"].nunique() * lo["term"].nunique() == len(lo.drop_duplicates(["source", "term"]))


def test_distinctive_terms_of_many_terms_peak_near_their_output():
    """Regression: building the long table and then sorting it held the table, its sort keys and a sorted copy.

    Peak traced memory, in groups × terms matrices of floats: keyness 24 → 12, log-odds 16 → 8.
    """
    groups, terms = 14, 20_000
    tc = pd.DataFrame({"source": np.repeat([f"s{g}" for g in range(groups)], terms),
                       "term": np.tile([f"t{t}" for t in range(terms)], groups),
                       "count": np.random.default_rng(0).poisson(1.0, groups * terms)})
    matrix = groups * terms * 8
    for function, bound in [(keyness_g2, 16), (log_odds_dirichlet, 11)]:
        function(tc.sample(200, random_state=0))  # first-call allocations are not counted
        tracemalloc.start()
        try:
            function(tc)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < bound * matrix, f"{function.__name__}: peak {peak / matrix:.1f} matrices"
