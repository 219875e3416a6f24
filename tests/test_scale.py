"""Partitioned and Dask counts equal the counts of the whole corpus loaded at once."""

import pandas as pd
import pytest

from analysis.corpus import load_corpus
from analysis.frames import count_frames
from analysis.paths import DEMO_CORPUS
from analysis.scale import (
    add_frame_counts,
    corpus_partitions,
    count_frames_by_partition,
    count_frames_dask,
    count_terms_by_partition,
    count_terms_dask,
    sum_term_counts,
)
from analysis.terms import count_terms, term_counts, top_terms

LEXICON = "international-news"


@pytest.fixture(scope="module")
def demo_parts(tmp_path_factory):
    """The demo corpus split into three JSONL files (sources and months spread across them).

    Its parts are counted as written (``clean=False``); partitions counted with cleaning are
    tested on ``template_parts``."""
    folder = tmp_path_factory.mktemp("demo_parts")
    lines = (DEMO_CORPUS / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    for k in range(3):
        (folder / f"part{k}.jsonl").write_text("\n".join(lines[k::3]) + "\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def snn_parts(saudinewsnet_dir, tmp_path_factory):
    """The three smallest SaudiNewsNet zips, linked (not copied) into one folder."""
    folder = tmp_path_factory.mktemp("snn_parts")
    for zip_path in sorted(saudinewsnet_dir.glob("*.zip"), key=lambda p: (p.stat().st_size, p.name))[:3]:
        (folder / zip_path.name).symlink_to(zip_path)
    return folder


def test_demo_parts_really_split_sources_and_months(demo_parts):
    parts = [load_corpus(p, progress=False).docs for p in corpus_partitions(demo_parts)]
    assert len(parts) == 3
    assert all(docs["source"].nunique() > 1 for docs in parts)
    assert sum(len(docs) for docs in parts) == len(load_corpus(DEMO_CORPUS, progress=False))


@pytest.mark.parametrize("by, ngram", [("source", 1), ("month", 2), (None, 1), (["source", "month"], 3)])
def test_terms_by_partition_equal_the_whole_corpus(demo_parts, by, ngram):
    whole = count_terms(load_corpus(demo_parts, progress=False, clean=False), by, ngram=ngram)
    parts = count_terms_by_partition(corpus_partitions(demo_parts), by, ngram=ngram, clean=False)
    pd.testing.assert_frame_equal(parts, whole)


@pytest.mark.parametrize("by, ngram", [("source", 1), ("month", 2), (None, 1), (["source", "month"], 3)])
def test_integer_totals_equal_the_counts_added_as_tables(demo_parts, by, ngram):
    counts = [term_counts(load_corpus(p, progress=False, clean=False), by, ngram=ngram)
              for p in corpus_partitions(demo_parts)]
    added = counts[0] + counts[1] + counts[2]
    totals = sum_term_counts(counts)
    pd.testing.assert_frame_equal(totals.table(), added.table())
    pd.testing.assert_frame_equal(totals.table(min_count=2), added.table(min_count=2))
    for n in (1, 7):
        pd.testing.assert_frame_equal(totals.top(n), top_terms(added.table(), n, by))


def test_integer_totals_keep_a_missing_group_and_terms_new_in_a_later_part():
    docs = pd.DataFrame({"doc_id": list("abcd"), "source": ["أ", None, "ب", None],
                         "text": ["روسيا تفاوض", "عقوبات", "روسيا تهدد روسيا", "عقوبات جديدة"]})
    counts = [term_counts(docs.iloc[[k]], by="source", stopwords=False) for k in range(4)]
    pd.testing.assert_frame_equal(sum_term_counts(counts).table(), term_counts(docs, by="source", stopwords=False).table())


def test_integer_totals_refuse_counts_grouped_otherwise(demo_parts):
    part = corpus_partitions(demo_parts)[0]
    corpus = load_corpus(part, progress=False, clean=False)
    with pytest.raises(ValueError, match="grouped by"):
        sum_term_counts([term_counts(corpus, "source"), term_counts(corpus, "month")])
    with pytest.raises(ValueError, match="no partitions"):
        sum_term_counts([])


def test_min_count_applies_to_the_total_not_to_each_partition(demo_parts):
    whole = count_terms(load_corpus(demo_parts, progress=False, clean=False), "source", min_count=2)
    parts = count_terms_by_partition(corpus_partitions(demo_parts), "source", min_count=2, clean=False)
    pd.testing.assert_frame_equal(parts, whole)
    assert (parts["count"] >= 2).all()


def test_term_counts_of_different_groupings_do_not_add():
    docs = pd.DataFrame({"doc_id": ["1"], "source": ["أ"], "text": ["روسيا"]})
    with pytest.raises(ValueError, match="cannot add"):
        term_counts(docs, "source") + term_counts(docs, None)


@pytest.mark.parametrize("by", ["source", ["source", "month"], None])
def test_frames_by_partition_equal_the_whole_corpus(demo_parts, by):
    whole = count_frames(load_corpus(demo_parts, progress=False, clean=False), LEXICON, by)
    parts = count_frames_by_partition(corpus_partitions(demo_parts), LEXICON, by, clean=False)
    pd.testing.assert_frame_equal(parts, whole)


def test_adding_frame_counts_recomputes_rates():
    one = pd.DataFrame({"source": ["أ", "أ"], "frame": ["threat", "cyber"], "hits": [1, 0], "docs_with_hit": [1, 0],
                        "docs": [1, 1], "tokens": [10, 10], "rate_per_1k": [100.0, 0.0], "doc_share": [1.0, 0.0]})
    two = one.assign(source=["ب", "ب"], hits=[0, 3], docs_with_hit=[0, 1], tokens=[0, 0])
    total = add_frame_counts(one, two)
    assert total["frame"].tolist() == ["threat", "cyber", "threat", "cyber"]  # lexicon order kept
    assert total["rate_per_1k"].iloc[:2].tolist() == [100.0, 0.0]
    assert total["rate_per_1k"].iloc[2:].isna().all()  # no tokens: no rate
    assert total["doc_share"].tolist() == [1.0, 0.0, 0.0, 1.0]


@pytest.fixture(scope="module")
def cluster_client():
    """A local Dask cluster of two worker processes, closed after the module."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        yield client


def _run_on(client, compute):
    """Run ``compute()`` and return its result and the workers that ran tasks."""
    from distributed import get_task_stream

    with get_task_stream(client) as stream:
        result = compute()
    return result, {task["worker"] for task in stream.data}


@pytest.mark.slow
def test_dask_counts_on_two_workers_equal_in_memory_counts(cluster_client, demo_parts):
    whole = load_corpus(demo_parts, progress=False, clean=False)
    parts = corpus_partitions(demo_parts)
    terms, workers = _run_on(cluster_client, lambda: count_terms_dask(parts, "source", split_every=2, clean=False))
    pd.testing.assert_frame_equal(terms, count_terms(whole, "source"))
    assert len(workers) == 2
    frames, _ = _run_on(cluster_client, lambda: count_frames_dask(parts, LEXICON, "month", split_every=2, clean=False))
    pd.testing.assert_frame_equal(frames, count_frames(whole, LEXICON, "month"))


@pytest.mark.shared
@pytest.mark.slow
def test_dask_counts_on_saudinewsnet_zips_equal_in_memory_counts(cluster_client, snn_parts):
    # Cleaning learns each partition's boilerplate from the partition: the texts as written add up exactly.
    whole = load_corpus(snn_parts, progress=False, clean=False, follow_links=True)  # the zips are linked in
    parts = corpus_partitions(snn_parts)
    terms, workers = _run_on(cluster_client, lambda: count_terms_dask(parts, "source", stopwords=False, clean=False))
    pd.testing.assert_frame_equal(terms, count_terms(whole, "source", stopwords=False))
    assert len(workers) == 2
    frames, _ = _run_on(cluster_client, lambda: count_frames_dask(parts, LEXICON, "source", clean=False))
    pd.testing.assert_frame_equal(frames, count_frames(whole, LEXICON, "source"))


def test_many_partitions_add_up_like_one(tmp_path):
    lines = (DEMO_CORPUS / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    for k in range(7):  # 7 = 4 + 2 + 1: every level of the pairwise sum is left over once
        (tmp_path / f"part{k}.jsonl").write_text("\n".join(lines[k::7]) + "\n", encoding="utf-8")
    whole = load_corpus(tmp_path, progress=False, clean=False)  # as written: see demo_parts
    parts = corpus_partitions(tmp_path)
    assert len(parts) == 7
    pd.testing.assert_frame_equal(count_terms_by_partition(parts, "source", clean=False), count_terms(whole, "source"))
    pd.testing.assert_frame_equal(count_frames_by_partition(parts, LEXICON, clean=False), count_frames(whole, LEXICON))


def test_no_partitions_is_an_error():
    with pytest.raises(ValueError, match="no partitions"):
        count_terms_by_partition([])


@pytest.fixture(scope="module")
def template_parts(tmp_path_factory):
    """Two outlets whose sign-off recurs in 6 of 12 articles, 3 in each of two files:
    fewer than ``min_docs`` (5) in either file, enough in the corpus."""
    import json

    folder = tmp_path_factory.mktemp("template_parts")
    bodies = ["فرضت واشنطن عقوبات جديدة على موسكو", "بحث الوزير مع نظيره سبل التعاون", "ارتفعت أسعار النفط في الأسواق",
              "افتتح الأمير مشروعا للإسكان", "فاز الهلال على النصر في الدوري", "عقدت القمة الخليجية في الرياض"]
    for k in range(2):
        rows = []
        for source, sign_off in (("واس", "// انتهى //"), ("عكاظ", "للتواصل مع الكاتب ارسل رسالة")):
            for j, body in enumerate(bodies):
                text = f"{('صباح', 'مساء')[k]} {body}" + (f"\n{sign_off}" if j < 3 else "")
                rows.append({"id": f"{source}-{k}-{j}", "source": source, "date": f"2015-0{k + 7}-1{j}", "text": text})
        (folder / f"part{k}.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n",
                                              encoding="utf-8")
    return folder


def test_partitioned_counts_with_cleaning_learn_the_template_once_over_the_corpus(template_parts):
    whole_corpus = load_corpus(template_parts, progress=False, cache=False)
    assert (whole_corpus.cleaning["pattern"] == "// انتهى //").sum() == 6  # found in the corpus at once
    per_part = [load_corpus(p, progress=False, cache=False) for p in corpus_partitions(template_parts)]
    assert all(not len(part.cleaning) for part in per_part)  # and in neither file alone
    whole = count_terms(whole_corpus, "source")
    parts = count_terms_by_partition(corpus_partitions(template_parts), "source", cache=False)
    pd.testing.assert_frame_equal(parts, whole)
    assert "انتهى" not in set(parts["term"])
    frames_whole = count_frames(whole_corpus, LEXICON, "source")
    frames_parts = count_frames_by_partition(corpus_partitions(template_parts), LEXICON, "source", cache=False)
    pd.testing.assert_frame_equal(frames_parts, frames_whole)


def test_dask_counts_with_cleaning_learn_the_template_once_over_the_corpus(template_parts):
    dask = pytest.importorskip("dask")
    whole = count_terms(load_corpus(template_parts, progress=False, cache=False), "source")
    with dask.config.set(scheduler="synchronous"):
        parts = count_terms_dask(corpus_partitions(template_parts), "source", split_every=2, cache=False)
    pd.testing.assert_frame_equal(parts, whole)
