"""Term counts, n-grams, TF-IDF and KWIC, checked against independent implementations."""

import dataclasses
import re
import unicodedata
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.terms import content_terms, count_terms, doc_token_counts, doc_tokens, kwic, label_terms, tfidf_terms, top_terms
from analysis.text import NormalizeOptions, normalize, stopwords, token_spans, tokenize

DOCS = pd.DataFrame({
    "doc_id": ["1", "2", "3", "4"],
    "source": ["الرائد", "الرائد", "الميزان", "الميزان"],
    "date": pd.to_datetime(["2021-11-02", "2021-12-03", "2021-11-20", "2021-11-21"]),
    "text": [
        "فرضت واشنطن عقوبات جديدة على موسكو، والعقوبات تتوسع.",
        "المحادثات في جنيف: «المحادثات» مستمرة.",
        "حلف شمال الأطلسي يحشد قوات على الحدود.",
        "عقوبات، عقوبات، عقوبات!",
    ],
})

# An independent reference: a plain regex split on whitespace and punctuation, then Counter.
_SPLIT = re.compile(r"[^\w]+|_")
# Runs of characters Unicode names ARABIC LETTER (ڤ, پ … included).
_ARABIC_WORD = re.compile("[" + "".join(
    chr(c) for c in range(0x0600, 0x0780) if unicodedata.name(chr(c), "").startswith("ARABIC LETTER")) + "]+")


def reference_counts(texts, stop=frozenset()):
    counter = Counter()
    for text in texts:
        counter.update(t for t in _SPLIT.split(normalize(text)) if t and t not in stop)
    return counter


def test_counts_per_source_match_a_plain_counter():
    table = count_terms(DOCS, by="source", stopwords=False)
    for source, group in DOCS.groupby("source"):
        mine = dict(table.loc[table["source"] == source, ["term", "count"]].values)
        assert mine == dict(reference_counts(group["text"])), source


def test_rates_doc_freq_and_totals():
    table = count_terms(DOCS, by="source", stopwords=False).set_index(["source", "term"])
    row = table.loc[("الميزان", "عقوبات")]
    assert row["count"] == 3 and row["doc_freq"] == 1
    assert row["tokens"] == 7 + 3  # tokens of both الميزان documents
    assert row["per_10k"] == pytest.approx(3 / 10 * 10_000)
    assert row["docs"] == 2


def test_overall_counts_have_no_group_column():
    table = count_terms(DOCS, stopwords=False)
    assert list(table.columns) == ["term", "count", "doc_freq", "tokens", "docs", "per_10k"]
    assert table["count"].sum() == table["tokens"].iloc[0]


def test_stopwords_are_removed_but_rates_still_use_all_tokens():
    with_stop = count_terms(DOCS, stopwords=False)
    without = count_terms(DOCS)
    assert not set(without["term"]) & stopwords()
    assert {"في", "علي"} <= set(with_stop["term"])
    assert without["tokens"].iloc[0] == with_stop["tokens"].iloc[0]


def test_custom_stopwords_are_normalized():
    table = count_terms(DOCS, stopwords={"عُقوبات"})
    assert "عقوبات" not in set(table["term"])


def test_bigrams_stay_inside_documents_and_keep_stopword_free_phrases():
    table = count_terms(DOCS, ngram=2)
    terms = set(table["term"])
    assert "حلف شمال" in terms and "شمال الاطلسي" in terms
    assert "موسكو والعقوبات" in terms
    assert not any(t.startswith("تتوسع ") for t in terms)  # no n-gram across the document boundary
    trigrams = count_terms(DOCS, ngram=3)
    assert "حلف شمال الاطلسي" in set(trigrams["term"])


def test_grouping_by_month_and_by_source_and_month():
    by_month = count_terms(DOCS, by="month", stopwords=False)
    assert sorted(by_month["month"].dt.strftime("%Y-%m").unique()) == ["2021-11", "2021-12"]
    both = count_terms(DOCS, by=["source", "month"], stopwords=False)
    assert set(map(tuple, both[["source", "month"]].astype(str).drop_duplicates().values)) == {
        ("الرائد", "2021-11-01"), ("الرائد", "2021-12-01"), ("الميزان", "2021-11-01")}


def test_invalid_options_fail_at_once():
    with pytest.raises(ValueError, match="ngram"):
        count_terms(DOCS, ngram=4)
    with pytest.raises(ValueError, match="min_count"):
        count_terms(DOCS, min_count=0)
    with pytest.raises(ValueError, match="cannot group by"):
        count_terms(DOCS, by="outlet")


def test_top_terms_breaks_ties_alphabetically_and_is_stable():
    table = count_terms(DOCS, by="source", stopwords=False)
    top = top_terms(table, 2, by="source")
    assert top.groupby("source").size().tolist() == [2, 2]
    mizan = top[top["source"] == "الميزان"]["term"].tolist()
    assert mizan[0] == "عقوبات"
    tied = table[(table["source"] == "الميزان") & (table["count"] == 1)]["term"]
    assert mizan[1] == sorted(tied)[0]
    assert top.equals(top_terms(table.sample(frac=1, random_state=1), 2, by="source"))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["أ", "ب", None]), st.sampled_from(["روسيا", "حرب", "سلام", "a", "Z"]),
                          st.integers(1, 4)), max_size=40), st.integers(1, 3), st.booleans())
def test_top_terms_equals_sorting_with_pandas(rows, n, as_float):
    """Counts in any order, ties, a missing source, float counts: the same as a plain sort and cut."""
    table = pd.DataFrame(rows, columns=["source", "term", "count"]).drop_duplicates(["source", "term"])
    table["count"] = table["count"].astype(float if as_float else np.int64)
    expected = table.sort_values(["source", "count", "term"], ascending=[True, False, True], kind="stable")
    expected = expected.assign(rank=expected.groupby("source", dropna=False).cumcount() + 1)
    expected = expected[expected["rank"] <= n].reset_index(drop=True)
    assert top_terms(table, n, by="source").equals(expected)
    by_rank = count_terms(DOCS, by="source", stopwords=False)  # already in order: not sorted again
    assert top_terms(by_rank, n, by="source").equals(top_terms(by_rank.iloc[::-1], n, by="source"))


def test_tfidf_idf_matches_scikit_learn():
    sklearn = pytest.importorskip("sklearn.feature_extraction.text")
    vectorizer = sklearn.TfidfVectorizer(analyzer=lambda t: doc_tokens(pd.DataFrame(
        {"doc_id": ["x"], "source": ["x"], "text": [t]})).iloc[0], smooth_idf=True)
    vectorizer.fit(DOCS["text"])
    expected = dict(zip(vectorizer.get_feature_names_out(), vectorizer.idf_))
    table = tfidf_terms(DOCS, by="source", stopwords=False)
    for term, idf in table[["term", "idf"]].drop_duplicates().values:
        assert idf == pytest.approx(expected[term])
    assert (table["tfidf"] == table["tf"] * table["idf"]).all()


def test_kwic_rows_equal_counts_and_cut_contexts_from_the_original_text():
    lines = kwic(DOCS, "المحادثات", window=2)
    assert len(lines) == count_terms(DOCS, stopwords=False).set_index("term").loc["المحادثات", "count"] == 2
    for row in lines.itertuples():
        text = DOCS.set_index("doc_id").loc[row.doc_id, "text"]
        assert text[row.start:row.end] == row.keyword
    assert lines["right"].iloc[0].startswith("في جنيف")


def test_kwic_matches_phrases_and_normalized_spelling():
    lines = kwic(DOCS, "حلف شمال الأطلسي", window=1)
    assert lines[["left", "keyword", "right"]].values.tolist() == [["", "حلف شمال الأطلسي", "يحشد"]]
    with pytest.raises(ValueError, match="no word"):
        kwic(DOCS, "«»")


@pytest.mark.shared
def test_seed_article_confrontation_family(seed_text):
    docs = pd.DataFrame({"doc_id": ["seed"], "source": ["seed"], "text": [seed_text]})
    counts = count_terms(docs, stopwords=False).set_index("term")["count"]
    # Hand count over the text (every spelling, with and without ال, quote-glued or not).
    for term in ["المواجهة", "مواجهة"]:
        assert counts[term] == len(re.findall(rf"(?<![\w]){term}(?![\w])", seed_text))
    assert counts["المواجهة"] == 6 and counts["مواجهة"] == 2


@pytest.mark.shared
@pytest.mark.slow
def test_saudinewsnet_counts_match_a_plain_counter_on_one_day(saudinewsnet_dir):
    from analysis.corpus import load_corpus

    corpus = load_corpus(saudinewsnet_dir / "2015-08-01.zip", clean=False)  # the plain counter reads the text as written
    table = count_terms(corpus, by="source", stopwords=False)
    for source, group in corpus.docs.groupby("source"):
        expected = Counter(t for text in group["text"] for t in _ARABIC_WORD.findall(normalize(text)))
        mine = dict(table.loc[table["source"] == source, ["term", "count"]].values)
        arabic = lambda d: {k: v for k, v in d.items() if _ARABIC_WORD.fullmatch(k)}  # noqa: E731
        assert arabic(mine) == arabic(expected), source


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="ابتثجحخ دذرزسش،.", max_size=40), min_size=1, max_size=6))
def test_group_counts_add_up_to_overall_counts(texts):
    docs = pd.DataFrame({"doc_id": [str(i) for i in range(len(texts))],
                         "source": [f"s{i % 2}" for i in range(len(texts))], "text": texts})
    by = count_terms(docs, by="source", stopwords=False).groupby("term")["count"].sum()
    overall = count_terms(docs, stopwords=False).set_index("term")["count"]
    assert by.sort_index().to_dict() == overall.sort_index().to_dict()
    assert overall.sum() == sum(len(t) for t in doc_tokens(docs))
    assert np.all(count_terms(docs, by="source", stopwords=False)["doc_freq"] >= 1)


# --------------------------------------------------------------------------- against a plain reference
# count_terms counts in batches and tokenizes each whitespace-separated chunk once; this
# reference normalizes and tokenizes every document whole, with a Counter per group.


def reference_count_terms(docs, by=None, ngram=1, stop=frozenset()):
    from analysis.corpus import group_keys
    from analysis.text import TOKEN_PATTERN

    keys, names = group_keys(docs, by)
    count, doc_freq, tokens, n_docs = Counter(), Counter(), Counter(), Counter()
    for key, text in zip(keys[names].itertuples(index=False, name=None), docs["text"]):
        words = TOKEN_PATTERN.findall(normalize(text))
        grams = [words[i:i + ngram] for i in range(len(words) - ngram + 1)]
        grams = [" ".join(g) for g in grams if g[0] not in stop and g[-1] not in stop]
        count.update((key, g) for g in grams)
        doc_freq.update((key, g) for g in set(grams))
        tokens[key] += len(words)
        n_docs[key] += 1
    return {(*key, term): (n, doc_freq[key, term], tokens[key], n_docs[key]) for (key, term), n in count.items()}


def as_reference(table, by=None):
    names = [] if by is None else [by] if isinstance(by, str) else list(by)
    rows = table[names + ["term", "count", "doc_freq", "tokens", "docs"]].itertuples(index=False, name=None)
    return {row[:-4]: row[-4:] for row in rows}


@pytest.fixture(scope="module")
def demo_docs():
    from analysis.corpus import load_corpus

    return load_corpus(progress=False).docs


@pytest.mark.parametrize("by, ngram, stop", [
    ("source", 1, False), ("source", 1, True), ("month", 2, True), (None, 3, False), (["source", "year"], 2, False)])
def test_count_terms_equals_the_reference_on_the_demo_corpus(demo_docs, by, ngram, stop):
    table = count_terms(demo_docs, by, ngram=ngram, stopwords=stop)
    assert as_reference(table, by) == reference_count_terms(demo_docs, by, ngram, stopwords() if stop else frozenset())


@pytest.mark.parametrize("ngram", [2, 3])
def test_small_batches_give_the_same_table(demo_docs, monkeypatch, ngram):
    import analysis.chunks as chunks
    import analysis.terms as terms

    whole = count_terms(demo_docs, by="source", ngram=ngram)
    monkeypatch.setattr(chunks, "BATCH_BYTES", 3_000)  # a few documents per batch: n-grams met again in later ones
    monkeypatch.setattr(terms, "_MERGE_ROWS", 50)  # pending counts merged many times
    assert len(chunks.batches(chunks.text_array(demo_docs["text"]))) > 5
    batched = count_terms(demo_docs, by="source", ngram=ngram)
    assert batched.equals(whole)
    assert as_reference(batched, "source") == reference_count_terms(demo_docs, "source", ngram, stopwords())


def test_words_counted_densely_then_by_sorting_give_the_same_table(demo_docs, monkeypatch):
    import analysis.chunks as chunks
    import analysis.terms as terms

    whole = count_terms(demo_docs, by="source")
    n_words = len(count_terms(demo_docs, stopwords=False))
    monkeypatch.setattr(chunks, "BATCH_BYTES", 3_000)  # the vocabulary grows batch after batch
    monkeypatch.setattr(terms, "_DENSE_CELLS", demo_docs["source"].nunique() * n_words // 2)
    paths = []
    for name in ("_add_dense", "_append"):
        method = getattr(terms._Counter, name)
        monkeypatch.setattr(terms._Counter, name, lambda self, *a, _m=method, _n=name: paths.append(_n) or _m(self, *a))
    assert count_terms(demo_docs, by="source").equals(whole)
    assert {"_add_dense", "_append"} <= set(paths) and paths.index("_add_dense") < paths.index("_append")


@pytest.mark.parametrize("ngram", [1, 2])
def test_sorted_and_dense_sums_give_the_same_table(demo_docs, monkeypatch, ngram):
    import analysis.terms as terms

    dense = count_terms(demo_docs, by=["source", "month"], ngram=ngram)
    monkeypatch.setattr(terms, "_DENSE_CELLS", 0)  # every batch summed by sorting its keys
    assert count_terms(demo_docs, by=["source", "month"], ngram=ngram).equals(dense)


# Letters, marks, tatweel, presentation forms, Persian look-alikes, digits of three scripts,
# decimal separators, Latin, invisible controls and many kinds of whitespace.
_TRICKY = ("ابةيىأإآكلم" "\u064b\u064e\u0651\u0670\u0640" "\ufefb\ufe8d\ufb50" "یکۀ" "0٣۴" ".,٫٬"
           "aZé" "\u200c\u200f\ufeff" " \n\t\u00a0\u2003\u202f\u3000" "،؟«»-_")


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(alphabet=_TRICKY, max_size=30), min_size=1, max_size=5), st.sampled_from([1, 2]))
def test_chunked_counting_equals_whole_document_tokenization(texts, ngram):
    docs = pd.DataFrame({"doc_id": [str(i) for i in range(len(texts))],
                         "source": [f"s{i % 2}" for i in range(len(texts))], "text": texts})
    table = count_terms(docs, by="source", ngram=ngram, stopwords=False)
    assert as_reference(table, "source") == reference_count_terms(docs, "source", ngram)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(alphabet=_TRICKY, max_size=30), min_size=1, max_size=5))
def test_doc_token_counts_are_the_lengths_of_doc_tokens(texts):
    from analysis.chunks import skipped_chars, token_ids
    from analysis.corpus import Corpus, clean_corpus, cleaned_docs

    docs = pd.DataFrame({"doc_id": [str(i) for i in range(len(texts))], "source": "s", "text": texts})
    corpus = clean_corpus(Corpus(docs=docs, report=None))
    expected = doc_tokens(corpus).map(len).tolist()
    assert doc_token_counts(corpus).tolist() == expected
    assert doc_token_counts(corpus, clean=False).tolist() == doc_tokens(docs).map(len).tolist()
    cleaned = cleaned_docs(corpus)  # with stored token ids, read from them
    stored = dataclasses.replace(corpus, tokens=token_ids(cleaned["text"], cleaned["doc_id"],
                                                          skipped_chars(docs["doc_id"], corpus.cleaning)))
    assert doc_token_counts(stored).tolist() == expected


def test_doc_token_counts_read_stored_token_ids_without_tokenizing(monkeypatch):
    import analysis.chunks as chunks
    from analysis.corpus import load_corpus
    from analysis.corpus.cache import with_token_ids

    stored = with_token_ids(load_corpus(cache=False, progress=False))
    expected = doc_tokens(stored).map(len).tolist()

    def no_tokenizing(*args, **kwargs):
        raise AssertionError("tokenized although the token ids are stored")

    monkeypatch.setattr(chunks.TokenVocabulary, "tokens", no_tokenizing)
    assert doc_token_counts(stored).tolist() == expected


@pytest.mark.shared
@pytest.mark.slow
def test_saudinewsnet_day_equals_the_reference(saudinewsnet_dir):
    from analysis.corpus import load_corpus

    docs = load_corpus(saudinewsnet_dir / "2015-08-01.zip", progress=False).docs
    for ngram, stop in [(1, True), (2, False)]:
        table = count_terms(docs, by="source", ngram=ngram, stopwords=stop)
        assert as_reference(table, "source") == reference_count_terms(
            docs, "source", ngram, stopwords() if stop else frozenset())


@pytest.mark.parametrize("ngram", [1, 3])
def test_forked_workers_give_the_same_table(demo_docs, monkeypatch, ngram):
    import analysis.chunks as chunks
    import analysis.terms as terms

    alone = count_terms(demo_docs, by="month", ngram=ngram, workers=1)
    monkeypatch.setattr(chunks, "BATCH_BYTES", 5_000)
    if terms._n_workers(2, 4) == 2:  # Linux: two processes, each with its own vocabulary
        assert count_terms(demo_docs, by="month", ngram=ngram, workers=2).equals(alone)
    assert count_terms(demo_docs, by="month", ngram=ngram, workers=3).equals(alone)


def test_workers_must_be_a_positive_integer():
    for bad in (0, -1, 1.5):
        with pytest.raises(ValueError, match="workers"):
            count_terms(DOCS, workers=bad)


def test_empty_corpus_and_wordless_texts_give_empty_tables():
    empty = DOCS.iloc[:0]
    assert count_terms(empty, by="source").columns.tolist() == [
        "source", "term", "count", "doc_freq", "tokens", "docs", "per_10k"]
    assert count_terms(empty, ngram=2).empty
    wordless = DOCS.assign(text=["، ؟ «»", "", None, "!"])
    assert count_terms(wordless, by="source", stopwords=False).empty


def test_row_order_is_the_same_with_and_without_a_packed_sort_key():
    from analysis.terms import _order

    rng = np.random.default_rng(0)
    group, count, term = rng.integers(0, 5, 500), rng.integers(1, 20, 500), rng.permutation(500)
    expected = np.lexsort((term, -count, group))
    assert (_order(group, count, term) == expected).all()
    huge = count + 2**55  # too large to pack with 5 groups and 500 terms: sorted with lexsort instead
    assert (_order(group, huge, term) == np.lexsort((term, -huge, group))).all()


def reference_kwic(docs, term, window, options=None):
    """KWIC rows by the plain loop: every token of every text normalized one by one."""
    wanted = tokenize(normalize(term, options))
    n, rows = len(wanted), []
    for doc_id, text in zip(docs["doc_id"], docs["text"]):
        spans = token_spans(text)
        normed = [normalize(token, options) for token, _, _ in spans]
        for i in range(len(spans) - n + 1):
            if normed[i:i + n] == wanted:
                start, end = spans[i][1], spans[i + n - 1][2]
                lo, hi = spans[max(i - window, 0)][1], spans[min(i + n - 1 + window, len(spans) - 1)][2]
                rows.append([doc_id, text[lo:start].strip(), text[start:end], text[end:hi].strip(), start, end])
    return rows


# Words the terms below match, spelled with marks, tatweel, presentation forms, controls,
# clitics and digits of two scripts, among tricky characters and every kind of whitespace.
KWIC_PIECES = ["المحادثات", "محادثات", "مُحادَثاتٌ", "محـــادثات", "ﻣﺤﺎﺩﺛﺎﺕ", "محا\u200cدثات", "والمحادثات",
               "حلف", "شمال", "الأطلسي", "NATO", "2021", "٢٠٢١", "3.5", " ", "  ", "\t", "\r\n", "\x0b\x0c",
               "\x1c", "\x85", "\u00a0", "«", "»", "،", "\u200b", "\u200f"]
tricky_texts = st.lists(st.one_of(st.sampled_from(KWIC_PIECES), st.text(alphabet=_TRICKY, max_size=4)),
                        max_size=30).map("".join)
KWIC_TERMS = ["المحادثات", "محادثات", "حلف شمال", "شمال الأطلسي", "محادثات محادثات", "2021", "NATO", "ا"]
every_option = st.builds(NormalizeOptions, **{f: st.booleans() for f in NormalizeOptions().as_dict()})


@settings(max_examples=200, deadline=None)
@given(st.lists(tricky_texts, min_size=1, max_size=5), st.sampled_from(KWIC_TERMS), st.integers(0, 3),
       st.one_of(st.none(), every_option), st.sampled_from([40, None]))
def test_kwic_equals_a_per_token_loop_on_tricky_text(texts, term, window, options, batch_bytes):
    import analysis.chunks as chunks

    docs = pd.DataFrame({"doc_id": [f"d{i}" for i in range(len(texts))], "source": ["s"] * len(texts),
                         "text": texts})
    with pytest.MonkeyPatch.context() as patch:
        if batch_bytes:
            patch.setattr(chunks, "BATCH_BYTES", batch_bytes)  # a text or two per batch
        lines = kwic(docs, term, window, exact=True, options=options)
    assert lines[["doc_id", "left", "keyword", "right", "start", "end"]].values.tolist() == reference_kwic(
        docs, term, window, options)


@pytest.mark.parametrize("batch_bytes", [10, None])  # one text per batch, or all in one
def test_kwic_phrases_do_not_cross_documents_and_missing_texts_have_none(monkeypatch, batch_bytes):
    import analysis.chunks as chunks

    docs = pd.DataFrame({"doc_id": ["1", "2", "3", "4"], "source": ["s"] * 4,
                         "text": ["قال حلف", "شمال الأطلسي", None, "حلف شمال"]})
    if batch_bytes:
        monkeypatch.setattr(chunks, "BATCH_BYTES", batch_bytes)
    for exact in (True, False):
        lines = kwic(docs, "حلف شمال", window=3, exact=exact)
        assert lines[["doc_id", "left", "keyword", "right", "start", "end"]].values.tolist() == [
            ["4", "", "حلف شمال", "", 0, 8]]
    assert lines["date"].isna().all()


@settings(max_examples=100, deadline=None)
@given(st.lists(tricky_texts, min_size=1, max_size=6), st.randoms(use_true_random=False), st.sampled_from([40, None]))
def test_token_offsets_are_where_the_tokenizer_finds_each_token(texts, random, batch_bytes):
    import analysis.chunks as chunks

    expected = [(d, i, start, end) for d, text in enumerate(texts) for i, (_, start, end) in enumerate(token_spans(text))]
    asked = random.sample(expected, len(expected)) * 2  # any order, twice
    with pytest.MonkeyPatch.context() as patch:
        if batch_bytes:
            patch.setattr(chunks, "BATCH_BYTES", batch_bytes)
        start, end = chunks.token_offsets(chunks.text_array(texts), np.array([a[0] for a in asked], dtype=np.int64),
                                          np.array([a[1] for a in asked], dtype=np.int64))
    assert list(zip(start.tolist(), end.tolist())) == [(a[2], a[3]) for a in asked]



def test_kwic_uses_the_frame_matcher_rules_by_default():
    """Regression: kwic(corpus, "العقوبات") missed والعقوبات, which the frame matcher finds."""
    from analysis.frames import frame_matches
    from analysis.lexicon import Frame, Lexicon

    docs = pd.DataFrame({"doc_id": ["1", "2"], "source": ["أ", "ب"],
                         "text": ["فرضت والعقوبات الجديدة، وبالعقوبات", "لا عقوبات هنا بل العقوبات وعقوباتهم"]})
    lines = kwic(docs, "العقوبات", window=1)
    assert lines["keyword"].tolist() == ["والعقوبات", "وبالعقوبات", "العقوبات"]
    hits = frame_matches(docs, Lexicon("x", (Frame("x", terms=("العقوبات",)),)))
    assert lines[["doc_id", "start", "end"]].values.tolist() == hits[["doc_id", "start", "end"]].values.tolist()
    assert lines["left"].tolist() == ["فرضت", "الجديدة،", "بل"]
    assert kwic(docs, "العقوبات", exact=True)["keyword"].tolist() == ["العقوبات"]
    assert kwic(docs, "عقوبات")["keyword"].tolist() == [  # a bare term takes the article and suffixes too
        "والعقوبات", "وبالعقوبات", "عقوبات", "العقوبات", "وعقوباتهم"]


def test_kwic_contexts_can_stop_at_sentence_ends():
    docs = pd.DataFrame({"doc_id": ["1"], "source": ["أ"],
                         "text": ["انتهى الاجتماع. بدأت المحادثات أمس؟ ثم توقفت\nالمفاوضات"]})
    wide = kwic(docs, "المحادثات", window=4)
    assert wide[["left", "right"]].values.tolist() == [["انتهى الاجتماع. بدأت", "أمس؟ ثم توقفت\nالمفاوضات"]]
    cut = kwic(docs, "المحادثات", window=4, sentence=True)
    assert cut[["left", "keyword", "right"]].values.tolist() == [["بدأت", "المحادثات", "أمس"]]


@pytest.mark.parametrize("window", [-1, 1.5, True, "3"])
def test_kwic_refuses_a_window_that_is_not_a_count(window):
    with pytest.raises(ValueError, match="window"):
        kwic(DOCS, "المحادثات", window=window)


def test_label_terms_gives_each_term_its_most_frequent_spelling_and_keeps_the_term():
    docs = pd.DataFrame({"doc_id": list("1234"), "source": "أ",
                         "text": ["أوكرانيا وأوكرانيا", "اوكرانيا", "أدنى مستوى", "ادني مستوي ادنى"]})
    table = pd.DataFrame({"term": ["اوكرانيا", "ادني مستوي", "غائب"], "count": [3, 2, 0]})
    labelled = label_terms(table, docs)
    assert labelled["term"].tolist() == table["term"].tolist()
    assert labelled["display"].tolist() == ["أوكرانيا", "أدنى مستوى", "غائب"]  # ادنى and أدنى tie: alphabetical first
    assert normalize("أدنى") == "ادني"
    with pytest.raises(ValueError, match="term"):
        label_terms(table.rename(columns={"term": "word"}), docs)


def test_label_terms_spelling_drops_diacritics_and_tatweel_but_keeps_hamza():
    docs = pd.DataFrame({"doc_id": ["1", "2"], "source": "أ", "text": ["أُوكْرانيـا", "أُوكْرانيـا اوكرانيا"]})
    assert label_terms(pd.DataFrame({"term": ["اوكرانيا"]}), docs)["display"].tolist() == ["أوكرانيا"]


def test_content_terms_drop_function_words_behind_proclitics_letters_and_numbers():
    terms = pd.Series(["وذلك", "والتي", "فإن", "بهذا", "لذلك", "م", "2015", "1.5", "الرياض", "ولي", "كامل",
                       "ولي العهد", "في الرياض", None])
    assert content_terms(terms.map(normalize, na_action="ignore")).tolist() == [
        False, False, False, False, False, False, False, False, True, True, True, True, False, False]


# --- counting from the token ids a cached corpus carries (analysis.chunks.TokenIds) ---------------

@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["أ", "ب"]), st.text(alphabet="روسيا حرب\nسلام،. «»ًaأإآىی؟", max_size=40)),
                min_size=1, max_size=8),
       st.sampled_from([1, 2, 3]), st.sampled_from(["source", None]), st.booleans())
def test_counts_from_stored_token_ids_equal_counts_that_tokenize(rows, ngram, by, stop):
    import dataclasses

    from analysis.corpus import Corpus, clean_corpus
    from analysis.corpus.cache import with_token_ids

    docs = pd.DataFrame({"doc_id": [str(i) for i in range(len(rows))], "source": [s for s, _ in rows],
                         "text": [t for _, t in rows]})
    corpus = clean_corpus(Corpus(docs=docs, report=None))
    stored = with_token_ids(corpus)
    assert stored.tokens is not None and corpus.tokens is None
    for kwargs in ({}, {"clean": False}, {"options": NormalizeOptions(teh_marbuta=True)}):
        expected = count_terms(corpus, by, ngram=ngram, stopwords=stop, **kwargs)
        assert count_terms(stored, by, ngram=ngram, stopwords=stop, **kwargs).equals(expected), kwargs
    # a subset of the documents is counted from the same ids
    subset = dataclasses.replace(stored, docs=stored.docs.iloc[::-2].reset_index(drop=True))
    assert count_terms(subset, by, ngram=ngram).equals(count_terms(dataclasses.replace(subset, tokens=None), by, ngram=ngram))


def test_words_of_stored_tokens_are_added_up_from_their_bags_in_runs(demo_docs, monkeypatch):
    import analysis.chunks as chunks
    from analysis.corpus import Corpus
    from analysis.corpus.cache import with_token_ids

    stored = with_token_ids(Corpus(docs=demo_docs, report=None))
    expected = count_terms(demo_docs, by="source", clean=False)
    bags = stored.tokens.bags
    assert len(bags) == len(stored.tokens.ids.groupby([np.repeat(np.arange(len(demo_docs)), stored.tokens.docs["tokens"]),
                                                       stored.tokens.terms["counted"].to_numpy()[stored.tokens.ids["term"]]]))
    assert int(bags["count"].sum()) == len(stored.tokens.ids)
    runs = []
    bag_runs = chunks.TokenIds.bag_runs
    monkeypatch.setattr(chunks.TokenIds, "bag_runs", lambda self, rows: runs.append(1) or bag_runs(self, rows, size=50))
    monkeypatch.setattr(chunks.TokenIds, "runs", lambda *a, **k: pytest.fail("words read the token ids"))
    assert count_terms(stored, by="source").equals(expected)
    assert runs and len(list(bag_runs(stored.tokens, np.arange(len(demo_docs)), size=50))) > 10


def test_stored_token_ids_of_another_text_are_not_used():
    import dataclasses

    from analysis.corpus import Corpus
    from analysis.corpus.cache import with_token_ids

    stored = with_token_ids(Corpus(docs=DOCS.copy(), report=None))
    edited = DOCS.assign(text=DOCS["text"].str.replace("عقوبات", "حوار", regex=False))
    changed = dataclasses.replace(stored, docs=edited)  # same ids, other texts: the ids no longer describe them
    assert count_terms(changed, "source").equals(count_terms(edited, "source"))
    assert "عقوبات" not in set(count_terms(changed)["term"])
def test_written_token_counts_count_each_spelling_as_written_across_texts():
    from analysis.chunks import text_array, written_token_counts

    texts = text_array(pd.Series(["أوكرانيا  واوكرانيا\nأوكرانيا،", None, "S-400 أوكرانيا"]))
    assert written_token_counts(texts) == {"أوكرانيا": 3, "واوكرانيا": 1, "S": 1, "400": 1}


# --- kwic and label_terms from the tokens a cached corpus or a report's snapshot carries ----------------------------

_STORED_WORDS = ["عقوبات", "العقوبات", "والعقوبات", "أمن", "آمن", "الامن", "إلى", "الى", "حزب", "الله", "حزب الله",
                 "2015", "٢٠١٥", "۲۰۱۵", "3.5", "٣٫٥", "عُقُوبَات", "عقوبـات", ".", "؟", "\n", "،", "// انتهى //"]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["أ", "ب"]), st.lists(st.sampled_from(_STORED_WORDS), max_size=20)),
                min_size=1, max_size=7),
       st.sampled_from(["العقوبات", "حزب الله", "الامن", "الى", "2015", "3.5", "عقوب*"]))
def test_kwic_and_label_terms_from_stored_tokens_equal_tokenizing(rows, term):
    from analysis.corpus import Corpus, clean_corpus, flag_copies
    from analysis.corpus.cache import with_token_ids

    docs = pd.DataFrame({"doc_id": [str(i) for i in range(len(rows))], "source": [s for s, _ in rows],
                         "text": [" ".join(words) for _, words in rows]})
    corpus = flag_copies(clean_corpus(Corpus(docs=docs, report=None)))
    stored = with_token_ids(corpus)
    subset = dataclasses.replace(stored, docs=stored.docs.iloc[::-2].reset_index(drop=True))
    for with_ids in (stored, subset):
        without = dataclasses.replace(with_ids, tokens=None)
        for kwargs in ({}, {"exact": True}, {"sentence": True}, {"copies": "one"}, {"clean": False}):
            if kwargs.get("exact") and term.endswith("*"):
                continue
            assert kwic(with_ids, term, 2, **kwargs).equals(kwic(without, term, 2, **kwargs)), kwargs
        table = pd.DataFrame({"term": ["العقوبات", "الامن", "الي", "2015", "3.5", "حزب الله", "غائب"]})
        for clean in (True, False):
            assert label_terms(table, with_ids, clean=clean).equals(label_terms(table, without, clean=clean)), clean


def test_label_terms_keeps_the_digits_as_the_corpus_writes_them_most():
    from analysis.corpus import Corpus
    from analysis.corpus.cache import with_token_ids

    docs = pd.DataFrame({"doc_id": ["1", "2", "3"], "source": "أ",
                         "text": ["عام ٢٠١٥ وعام ٢٠١٥", "عام 2015", "نمو ٣٫٥ في المائة ونمو ٣٫٥"]})
    table = pd.DataFrame({"term": ["2015", "3.5", "عام"]})
    expected = ["٢٠١٥", "٣٫٥", "عام"]
    assert label_terms(table, docs)["display"].tolist() == expected
    assert label_terms(table, with_token_ids(Corpus(docs=docs, report=None)))["display"].tolist() == expected


def test_kwic_and_label_terms_of_a_corpus_with_stored_tokens_do_not_tokenize_again(monkeypatch):
    import analysis.chunks as chunks
    from analysis.corpus import load_corpus
    from analysis.corpus.cache import with_token_ids

    stored = with_token_ids(load_corpus(cache=False, progress=False))
    top = top_terms(count_terms(stored, "source"), 5, by="source")
    top = top[~top["term"].str.contains("[0-9]")]  # digits are read again from the texts that write ٠-٩
    expected = kwic(stored, "العقوبات"), kwic(stored, "روسيا", exact=True), label_terms(top, stored)

    def no_tokenizing(*args, **kwargs):
        raise AssertionError("tokenized although the token ids are stored")

    monkeypatch.setattr(chunks.TokenVocabulary, "tokens", no_tokenizing)
    monkeypatch.setattr(chunks, "written_token_counts", no_tokenizing)
    import analysis.terms as terms
    monkeypatch.setattr(terms, "written_token_counts", no_tokenizing)
    assert len(expected[0]) > 0 and len(expected[1]) > 0
    assert kwic(stored, "العقوبات").equals(expected[0])
    assert kwic(stored, "روسيا", exact=True).equals(expected[1])
    assert label_terms(top, stored).equals(expected[2])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["أ", "ب", "ج"]),
                          st.lists(st.sampled_from(["روسيا", "موسكو", "عقوبات", "حوار", "تهديد", "في"]), max_size=12)),
                min_size=1, max_size=8),
       st.integers(1, 6), st.sampled_from([1, 2]), st.sampled_from(["source", None]))
def test_top_of_term_counts_equals_top_terms_of_the_whole_table(rows, n, ngram, by):
    from analysis.terms import term_counts

    docs = pd.DataFrame({"doc_id": [str(i) for i in range(len(rows))], "source": [s for s, _ in rows],
                         "text": [" ".join(words) for _, words in rows]})
    counts = term_counts(docs, by, ngram=ngram)  # many ties: the n-th count is shared
    assert counts.top(n).equals(top_terms(counts.table(), n, by))
    with pytest.raises(ValueError, match="at least 1"):
        counts.top(0)
