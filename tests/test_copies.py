"""Near-duplicate stories (analysis.corpus) and the copies option of the counting functions."""

import itertools
import re
import unicodedata

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.corpus.copies import (COPIES, SHINGLE_WORDS, THRESHOLD, copy_pairs, copy_partners, copy_shares, find_copies,
                             flag_copies, select_copies)
from analysis.chunks import text_array
from analysis.corpus import copies, load_corpus
from analysis.frames import actor_frame_counts, count_frames, doc_frame_counts, frame_matches
from analysis.terms import count_terms, kwic
from analysis.text import normalize

RELEASE = (
    "أعلنت وزارة الخارجية اليوم أن المملكة تدين بشدة الهجوم الذي استهدف المدنيين في مدينة عدن، "
    "وأكدت أن هذه الأعمال الإرهابية لن تثني الحكومة عن مواصلة جهودها لإعادة الأمن والاستقرار. "
    "وأوضح المتحدث الرسمي باسم الوزارة أن المملكة تقف إلى جانب الشعب اليمني الشقيق في مواجهة "
    "الإرهاب بكل أشكاله، وأن فرض عقوبات على الجماعات المسلحة مع الولايات المتحدة خطوة ضرورية لحماية المدنيين. "
    "ودعا المجتمع الدولي إلى تحمل مسؤولياته ودعم الحكومة الشرعية في اليمن."
)
# The release as a second outlet ran it: a dateline, two words changed, one word added.
EDITED = (
    "واس - الرياض: أعلنت وزارة الخارجية أمس أن المملكة تدين بشدة الهجوم الذي استهدف المدنيين في مدينة عدن، "
    "وأكدت أن هذه الأعمال الإرهابية لن تثني الحكومة عن مواصلة جهودها لإعادة الأمن والاستقرار. "
    "وأوضح المتحدث الرسمي باسم وزارة الخارجية أن المملكة تقف إلى جانب الشعب اليمني الشقيق في مواجهة "
    "الإرهاب بكل أشكاله، وأن فرض عقوبات على الجماعات المسلحة مع الولايات المتحدة خطوة ضرورية لحماية المدنيين. "
    "ودعا المجتمع الدولي إلى تحمل مسؤولياته ودعم الحكومة الشرعية في اليمن."
)
# Another article on the same topic, in the same vocabulary, written separately.
SAME_TOPIC = (
    "قال مسؤول في الحكومة اليمنية إن الهجوم على المدنيين في مدينة عدن يكشف حاجة البلاد إلى دعم دولي أوسع، "
    "مضيفا أن الجماعات المسلحة تواصل استهداف الأحياء السكنية رغم العقوبات الدولية. ونقل عن وزارة الخارجية السعودية "
    "قولها إن المملكة تقف إلى جانب الشعب اليمني الشقيق في مواجهة الإرهاب بكل أشكاله، وإن الحكومة الشرعية "
    "تعمل على إعادة الأمن إلى المدينة، داعيا المجتمع الدولي إلى تحمل مسؤولياته."
)
SPORTS = (
    "فاز فريق الهلال على ضيفه النصر بهدفين نظيفين في المباراة التي جمعتهما مساء أمس على ملعب الملك فهد "
    "الدولي بالرياض ضمن الجولة الخامسة من الدوري، وسجل الهدفين المهاجم الدولي في الشوط الثاني، "
    "ليرفع الهلال رصيده إلى خمس عشرة نقطة في صدارة الترتيب."
)


def _docs(rows) -> pd.DataFrame:
    """A documents table from (doc_id, source, date, text) rows."""
    return pd.DataFrame(rows, columns=["doc_id", "source", "date", "text"]).assign(date=lambda d: pd.to_datetime(d["date"], format="ISO8601"))


# --- the reference: shingle sets and Jaccard written out in plain Python ----------------

_SEPARATOR_CATEGORIES = "PSZC"


def _reference_words(text: str) -> list[str]:
    """Words as the module documents them: normalize, then split at every character that is
    not a letter, mark or digit."""
    chars = [c if unicodedata.category(c)[0] not in _SEPARATOR_CATEGORIES else " " for c in normalize(text)]
    return "".join(chars).split()


def _reference_jaccard(x: str, y: str, k: int = SHINGLE_WORDS) -> float:
    def shingles(text):
        words = _reference_words(text)
        return {tuple(words[i:i + k]) for i in range(len(words) - k + 1)}

    a, b = shingles(x), shingles(y)
    return len(a & b) / len(a | b) if a | b else 0.0


# --- finding copies ---------------------------------------------------------------------


def test_an_edited_republication_in_another_source_is_a_copy_of_the_original():
    docs = _docs([("1", "أ", "2015-08-01", RELEASE), ("2", "ب", "2015-08-02", SPORTS),
                  ("3", "ج", "2015-08-01 12:00", EDITED)])
    stories = find_copies(docs)
    assert stories["story_id"].tolist() == ["1", "2", "1"]
    assert stories["is_near_duplicate"].tolist() == [False, False, True]
    assert stories["copy_of"].tolist() == [None, None, "1"]
    assert _reference_jaccard(RELEASE, EDITED) >= THRESHOLD


def test_the_original_is_the_earliest_document_whatever_the_order():
    docs = _docs([("late", "أ", "2015-08-03", RELEASE), ("early", "ب", "2015-08-01", EDITED),
                  ("undated", "ج", None, RELEASE)])
    stories = find_copies(docs)
    assert stories["story_id"].tolist() == ["early"] * 3
    assert stories["copy_of"].tolist() == ["early", None, "early"]


def test_articles_on_the_same_topic_written_separately_are_not_copies():
    docs = _docs([("1", "أ", "2015-08-01", RELEASE), ("2", "ب", "2015-08-01", SAME_TOPIC),
                  ("3", "ج", "2015-08-01", SPORTS)])
    assert 0 < _reference_jaccard(RELEASE, SAME_TOPIC) < THRESHOLD  # they do share phrases
    stories = find_copies(docs)
    assert stories["story_id"].tolist() == ["1", "2", "3"]
    assert not stories["is_near_duplicate"].any()


def test_repeats_within_one_source_form_one_story():
    docs = _docs([("1", "أ", "2015-08-01", RELEASE), ("2", "أ", "2015-08-02", EDITED),
                  ("3", "أ", "2015-08-03", RELEASE + " انتهى")])
    stories = find_copies(docs)
    assert stories["story_id"].tolist() == ["1", "1", "1"]
    assert stories["is_near_duplicate"].tolist() == [False, True, True]


def test_exact_duplicates_are_flagged_as_before_and_share_their_story(tmp_path):
    short = "عاجل"  # too short for any shingle: its story comes from duplicate_of alone
    rows = [{"id": "1", "source": "أ", "text": RELEASE}, {"id": "2", "source": "ب", "text": RELEASE},
            {"id": "3", "source": "أ", "text": short}, {"id": "4", "source": "ب", "text": short},
            {"id": "5", "source": "ب", "text": SPORTS}]
    pd.DataFrame(rows).to_csv(tmp_path / "docs.csv", index=False)
    corpus = load_corpus(tmp_path / "docs.csv")
    docs = corpus.docs
    assert docs["is_duplicate"].tolist() == [False, True, False, True, False]
    assert docs["duplicate_of"].tolist() == [None, "1", None, "3", None]
    assert docs["story_id"].tolist() == ["1", "1", "3", "3", "5"]
    assert docs["copy_of"].tolist() == [None, "1", None, "3", None]
    without = load_corpus(tmp_path / "docs.csv", near_duplicates=False).docs
    assert "story_id" not in without.columns
    pd.testing.assert_frame_equal(without, docs.drop(columns=["story_id", "is_near_duplicate", "copy_of"]))


def test_texts_given_replace_the_documents_text():
    docs = _docs([("1", "أ", "2015-08-01", RELEASE), ("2", "ب", "2015-08-01", SPORTS)])
    stories = find_copies(docs, texts=[SPORTS, SPORTS])
    assert stories["story_id"].tolist() == ["1", "1"]
    assert docs["text"].tolist() == [RELEASE, SPORTS]


def test_flag_copies_adds_the_columns_and_keeps_the_text():
    corpus = load_corpus(near_duplicates=False)
    flagged = flag_copies(corpus)
    assert list(flagged.docs.columns) == list(corpus.docs.columns) + ["story_id", "is_near_duplicate", "copy_of"]
    pd.testing.assert_series_equal(flagged.docs["text"], corpus.docs["text"])
    again = flag_copies(flagged)  # replaces the columns, never repeats them
    pd.testing.assert_frame_equal(again.docs, flagged.docs)


def test_the_same_seed_gives_the_same_stories_and_other_seeds_the_same_clear_cases():
    rng = np.random.default_rng(7)
    vocabulary = _reference_words(RELEASE + " " + SAME_TOPIC + " " + SPORTS)
    originals = [" ".join(rng.choice(vocabulary, 80)) for _ in range(30)]
    texts = originals + [t.replace(t.split()[40], "تعديل", 1) for t in originals[:10]]
    docs = pd.DataFrame({"doc_id": [str(i) for i in range(len(texts))], "source": "أ", "text": texts})
    first = find_copies(docs, seed=3)
    pd.testing.assert_frame_equal(find_copies(docs, seed=3), first)
    for seed in (0, 1, 2):
        pd.testing.assert_frame_equal(find_copies(docs, seed=seed), first)
    assert first["copy_of"].iloc[30:].tolist() == [str(i) for i in range(10)]


_WORDS = ["الحكومة", "أعلنت", "إن", "المملكة", "عقوبات", "مواجهة", "اليوم", "في", "على", "٢٠١٥",
          "الأمن", "والاستقرار", "وزارة", "الخارجية", "مُهمّة", "جديدة", "Saudi", "2015"]
_GLUE = [" ", "، ", ". ", " «", "» ", " (", ") ", "\n", ": ", "؟ ", " - "]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_WORDS), min_size=0, max_size=30), min_size=2, max_size=6),
       st.lists(st.sampled_from(_GLUE), min_size=30, max_size=30), st.integers(1, 4))
def test_jaccard_is_exact_on_the_shingle_sets_the_module_describes(word_lists, glue, shingle):
    texts = ["".join(w + glue[i] for i, w in enumerate(words)) for words in word_lists]
    pairs = copy_pairs(texts, threshold=0.01, shingle=shingle)
    found = {(a, b): j for a, b, j in pairs[["a", "b", "jaccard"]].itertuples(index=False)}
    for a, b in found:
        assert found[(a, b)] == pytest.approx(_reference_jaccard(texts[a], texts[b], shingle))
    linked = find_copies(pd.DataFrame({"doc_id": [str(i) for i in range(len(texts))], "source": "أ", "text": texts}),
                         threshold=0.01, shingle=shingle)["story_id"].tolist()
    for a, b in itertools.combinations(range(len(texts)), 2):  # identical sets always share a story
        if _reference_jaccard(texts[a], texts[b], shingle) == 1:
            assert linked[a] == linked[b]


def _shingle_multiset(texts, shingle):
    array = text_array(texts)
    parts = [(s, d) for s, d, _ in copies._shingles(array, copies._jobs(array), shingle, copies._constants(0, shingle))]
    return sorted(zip(*(np.concatenate(column).tolist() for column in zip(*parts)))) if parts else []


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_WORDS), min_size=0, max_size=30), min_size=2, max_size=6),
       st.lists(st.sampled_from(_GLUE), min_size=30, max_size=30), st.integers(1, 4), st.integers(1, 60))
def test_long_texts_read_in_pieces_give_the_shingles_and_pairs_of_the_whole(word_lists, glue, shingle, piece):
    """Texts longer than a batch are cut between words into pieces; shingles running across
    pieces (and across batches) are counted once, so nothing changes but the memory."""
    texts = ["".join(w + glue[i] for i, w in enumerate(words)) for words in word_lists]
    whole, pairs = _shingle_multiset(texts, shingle), copy_pairs(texts, threshold=0.01, shingle=shingle)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(copies, "_BATCH_BYTES", 2 * piece)
        patch.setattr(copies, "_PIECE_BYTES", piece)
        assert _shingle_multiset(texts, shingle) == whole
        pd.testing.assert_frame_equal(copy_pairs(texts, threshold=0.01, shingle=shingle), pairs)


def test_repeats_of_a_text_pair_with_its_first_occurrence_only():
    pairs = copy_pairs([SPORTS, RELEASE, SPORTS, EDITED, SPORTS, RELEASE])
    assert pairs[["a", "b"]].values.tolist() == [[0, 2], [0, 4], [1, 3], [1, 5]]
    assert pairs["jaccard"].tolist() == [1.0, 1.0, pytest.approx(_reference_jaccard(RELEASE, EDITED)), 1.0]


def test_missing_empty_and_short_texts_have_no_copies():
    pairs = copy_pairs(pd.Series([None, "", "قال", "قال", RELEASE]))
    assert pairs.empty
    assert copy_pairs([]).empty


@pytest.mark.parametrize("threshold", [0, 1.5, -1])
def test_a_threshold_outside_0_1_is_refused(threshold):
    with pytest.raises(ValueError, match="threshold"):
        copy_pairs([RELEASE, EDITED], threshold=threshold)


def test_texts_of_another_length_than_the_documents_are_refused():
    with pytest.raises(ValueError, match="2 entries for 1 documents"):
        find_copies(_docs([("1", "أ", "2015-08-01", RELEASE)]), texts=[RELEASE, RELEASE])


# --- the copies option --------------------------------------------------------------------

# Story "1": the release in أ, then in ب twice (its own repeat); story "4": the same-topic article in أ.
OPTION_ROWS = [("1", "أ", "2015-08-01", RELEASE), ("2", "ب", "2015-08-02", EDITED),
               ("3", "ب", "2015-08-03", RELEASE), ("4", "أ", "2015-08-03", SAME_TOPIC)]


@pytest.fixture
def stories() -> pd.DataFrame:
    docs = _docs(OPTION_ROWS)
    return docs.join(find_copies(docs))


def test_select_copies_keeps_what_each_option_says(stories):
    assert stories["story_id"].tolist() == ["1", "1", "1", "4"]
    kept = {copies: select_copies(stories, copies)["doc_id"].tolist() for copies in COPIES}
    assert kept == {"all": ["1", "2", "3", "4"], "one": ["1", "4"], "one_per_source": ["1", "2", "4"]}


def test_the_copies_option_changes_term_counts_as_counted_by_hand(stories):
    # عدن is in the release (once) and in the same-topic article (once).
    def aden(copies):
        table = count_terms(stories, by="source", copies=copies)
        return table.loc[table["term"] == "عدن", ["source", "count", "docs"]].values.tolist()

    assert aden("all") == [["أ", 2, 2], ["ب", 2, 2]]
    assert aden("one") == [["أ", 2, 2]]
    assert aden("one_per_source") == [["أ", 2, 2], ["ب", 1, 1]]


def test_the_copies_option_changes_frame_counts_matches_and_kwic_alike(stories):
    # The release has one sanctions hit (فرض عقوبات); the same-topic article one (العقوبات الدولية).
    expected = {"all": (4, 4), "one": (2, 2), "one_per_source": (3, 3)}
    for copies, (hits, docs) in expected.items():
        table = count_frames(stories, "international-news", by=None, copies=copies)
        sanctions = table.loc[table["frame"] == "sanctions"].iloc[0]
        assert (sanctions["hits"], sanctions["docs"]) == (hits, docs)
        matches = frame_matches(stories, "international-news", copies=copies)
        assert (matches["frame"] == "sanctions").sum() == hits
        assert doc_frame_counts(stories, "international-news", copies=copies)["doc_id"].nunique() == docs
        assert len(kwic(stories, "عدن", copies=copies)) == {"all": 4, "one": 2, "one_per_source": 3}[copies]
        kept = select_copies(stories, copies)
        text = kept.set_index("doc_id")["text"]
        assert all(text[m.doc_id][m.start:m.end] == m.surface for m in matches.itertuples())
    # The release's sanctions hit is two tokens from الولايات المتحدة; the same-topic article names no actor.
    def near_us(copies):
        table = actor_frame_counts(stories, "international-news", window=5, by=None, copies=copies)
        return table.query("actor == 'united_states' and frame == 'sanctions'")["hits"].item()

    assert {c: near_us(c) for c in COPIES} == {"all": 3, "one": 1, "one_per_source": 2}


def test_copies_other_than_all_need_the_story_columns():
    docs = _docs(OPTION_ROWS)
    assert len(count_terms(docs, copies="all")) > 0
    with pytest.raises(ValueError, match="story_id"):
        count_terms(docs, copies="one")
    with pytest.raises(ValueError, match="copies must be one of"):
        count_frames(docs, "international-news", copies="none")


# --- how much of each outlet is copy --------------------------------------------------------


def test_copy_shares_and_partners_count_each_outlet_by_hand(stories):
    shares = copy_shares(stories)
    assert shares[["source", "docs", "near_duplicates", "shared", "repeats", "top_partners"]].values.tolist() == [
        ["أ", 2, 0, 1, 0, "ب 1"], ["ب", 2, 2, 2, 1, "أ 2"]]
    assert shares["near_duplicate_share"].tolist() == [0.0, 1.0]
    assert copy_partners(stories).values.tolist() == [["أ", "ب", 1, 0.5], ["ب", "أ", 2, 1.0]]


def test_provenance_states_the_copies_option():
    from analysis.provenance import provenance

    corpus = load_corpus()
    rows = provenance(corpus, copies="one_per_source").rows().set_index("item")["value"]
    assert rows["copies"] == "one document per story and source"
    assert provenance(corpus).copies == "all"
    with pytest.raises(ValueError, match="copies must be one of"):
        provenance(corpus, copies="some")


@pytest.mark.slow
def test_saudinewsnet_a_statement_run_by_many_outlets_is_one_story(saudinewsnet):
    docs = saudinewsnet.docs
    span = docs["text"].str.contains("حققت الشبكة السعودية للمدفوعات", regex=False)
    stories = docs.loc[span, "story_id"]
    story = stories.mode().iloc[0]
    assert docs.loc[docs["story_id"] == story, "source"].nunique() >= 8
    kept = select_copies(docs, "one")
    assert len(kept) == docs["story_id"].nunique() < len(docs)
    shares = copy_shares(docs).set_index("source")
    assert shares["near_duplicates"].sum() == docs["is_near_duplicate"].sum()
    assert (shares["near_duplicates"] <= shares["docs"]).all()


def test_copy_partners_of_a_corpus_where_no_story_is_shared_is_an_empty_table():
    """Regression: with no copies, the share column was divided as strings and raised TypeError (notebook 01 failed)."""
    docs = pd.DataFrame({"doc_id": ["1", "2"], "source": ["أ", "ب"], "text": ["نص أول هنا", "خبر آخر مختلف"],
                         "story_id": ["1", "2"], "is_near_duplicate": [False, False]})
    table = copy_partners(docs)
    assert table.empty and list(table.columns) == ["source", "partner", "docs", "share"]


def test_word_bytes_are_non_ascii_bytes_and_ascii_letters_and_digits():
    every = np.arange(256, dtype=np.uint8)
    assert copies._word_bytes(every).tolist() == [b >= 0x80 or chr(b).isalnum() for b in range(256)]
