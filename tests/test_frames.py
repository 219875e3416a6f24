"""Tests for analysis.frames: clitic-aware matching, auditable hits and counts by group."""

import glob
import json
import random
import re
import zipfile

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis import charsets
from analysis import frames as frames_module
from analysis.corpus import load_corpus
from analysis.frames import (
    ENCLITICS,
    actor_frame_counts,
    aggregate_frame_counts,
    clitic_words,
    count_frames,
    doc_frame_counts,
    frame_matches,
)
from analysis.lexicon import Frame, Lexicon, load_lexicon, term_words
from analysis.text import NormalizeOptions, normalize, token_spans, tokenize


def make_lexicon(tmp_path, frames: dict, name="test"):
    """Write a lexicon file from {frame id: terms or (terms, exclude)} and load it."""
    lines = [f"name: {name}", "frames:"]
    for frame_id, spec in frames.items():
        terms, exclude = spec if isinstance(spec, tuple) else (spec, [])
        lines.append(f"  - id: {frame_id}")
        lines.append("    terms: [" + ", ".join(json.dumps(t, ensure_ascii=False) for t in terms) + "]")
        if exclude:
            lines.append("    exclude: [" + ", ".join(json.dumps(t, ensure_ascii=False) for t in exclude) + "]")
    path = tmp_path / f"{name}-{abs(hash(str(frames)))}.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return load_lexicon(path)


def docs_of(*texts, sources=None, dates=None):
    n = len(texts)
    table = pd.DataFrame({
        "doc_id": [f"d{i}" for i in range(n)],
        "source": sources or ["src"] * n,
        "text": list(texts),
    })
    if dates is not None:
        table["date"] = pd.to_datetime(dates)
    return table


def surfaces(tmp_path, term, text, options=None):
    lex = make_lexicon(tmp_path, {"f": [term]})
    return frame_matches(docs_of(text), lex, options)["surface"].tolist()


# --------------------------------------------------------------------------- clitic rules


@pytest.mark.parametrize(
    "term, token",
    [
        # proclitics: و/ف, then ب/ك/ل, then ال (ل + ال = لل)
        ("عقوبات", "والعقوبات"),
        ("عقوبات", "فالعقوبات"),
        ("عقوبات", "بالعقوبات"),
        ("عقوبات", "كالعقوبات"),
        ("عقوبات", "للعقوبات"),
        ("عقوبات", "وللعقوبات"),
        ("عقوبات", "فبالعقوبات"),
        ("عقوبات", "وبعقوبات"),
        ("عقوبات", "لعقوبات"),
        ("عقوبات", "العقوبات"),
        # enclitic pronouns, ة written ت before them
        *[("مواجهة", "مواجهت" + enclitic) for enclitic in ENCLITICS],
        ("حرب", "حربها"),
        ("عدو", "عدوها"),
        ("حرب", "وحربهم"),
        ("مواجهة", "ومواجهتها"),
        # the accusative tanween alef
        ("تهديد", "تهديدًا"),
        # a term that begins with the article takes the same proclitics
        ("الحرب الباردة", "والحرب الباردة"),
        ("الحرب الباردة", "بالحرب الباردة"),
        ("الحرب الباردة", "للحرب الباردة"),
        ("الحرب الباردة", "فالحرب الباردة"),
        # multi-word terms: proclitics on the first word, a suffix on the last
        ("حظر اقتصادي", "وبحظر اقتصادي"),
        ("تبادل الاتهامات", "وتبادل الاتهامات"),
        ("وزير الخارجية", "لوزير الخارجية"),
        # normalization applies to text and terms alike
        ("عقوبات", "العقوبـــاتُ"),
        ("أزمة", "الازمة"),
        ("روسي", "روسی"),  # Persian yeh U+06CC
        ("NATO", "Nato"),
        # wildcard prefix
        ("تفاوض*", "التفاوضية"),
        ("تفاوض*", "والتفاوضي"),
        ("تفاوض*", "تفاوض"),
        ("عقوبات اقتصادي*", "وعقوبات اقتصادية"),
    ],
)
def test_a_term_matches_the_whole_token_with_clitics(tmp_path, term, token):
    assert surfaces(tmp_path, term, f"قال إن {token} اليوم") == [token]


@pytest.mark.parametrize(
    "term, text",
    [
        ("سلام", "الإسلام"),  # never inside another word
        ("سلام", "استسلام"),
        ("عدو", "عدوان"),
        ("حرب", "محارب"),
        ("حرب", "حروب"),  # broken plurals are listed, not inferred
        ("مواجهة", "الموجهة"),
        ("مواجهة", "مواجهةها"),  # ة must be written ت before a suffix
        ("حرب", "الحربي"),  # a word with the article takes no suffix
        ("الحرب الباردة", "حرب باردة"),  # a definite term needs its article
        ("حظر اقتصادي", "حظر ما اقتصادي"),  # words must be consecutive
        ("حظر اقتصادي", "الحظر الاقتصادي"),  # the article is not added to later words
        ("حلف شمال الأطلسي", "حلف وشمال الأطلسي"),  # inner words match exactly
        ("حظر اقتصادي", "حظرها اقتصادي"),  # no suffix on the first word
        ("تفاوض*", "مفاوضات"),  # a prefix starts the word
    ],
)
def test_a_term_does_not_match(tmp_path, term, text):
    assert surfaces(tmp_path, term, f"قال إن {text} اليوم") == []


# --------------------------------------------------------------------------- morphology (issue 13)


@pytest.mark.parametrize(
    "term, text, expected",
    [
        # a token that is a word of its own is not proclitic + term (clitic_words.txt)
        ("أمل", "جاء كامل الفريق وكامل اللاعبين", []),
        ("أمل", "عاد كاملا", []),
        ("أسر", "العالم بأسره والمنطقة بأسرها", []),
        ("أزمة", "الإجراءات لازمة", []),
        ("أمل", "بأمل جديد", ["بأمل"]),
        # ... unless the writer's hamza shows the clitic reading: لأزمة is ل + أزمة
        ("أزمة", "حلول لأزمة اليمن", ["لأزمة"]),
        # the article after proclitics is evidence of the clitic reading
        ("أمل", "بالأمل والأمل", ["بالأمل", "والأمل"]),
        # hamza and madda the writer typed must be the term's
        ("أمن", "مكان آمن", []),
        ("أنفاق", "إنفاق الحكومة", []),
        ("إنفاق", "حفر أنفاق", []),
        ("الأم", "آلام الظهر", []),
        ("أمن", "الامن وامن", ["الامن", "وامن"]),  # a bare alef stands for any
        ("اتفاق", "إتفاق الرياض", ["إتفاق"]),  # a hamza on a wasl alef is a misspelling
        # a final ى is never stem + the pronoun ي
        ("أسر", "الأسرى أسرى", []),
        ("سلم", "سلمى", []),
        ("تقو", "تقوّى", []),
        ("أسر", "أسري", ["أسري"]),
        # a stem in ى takes suffixes as ا, a stem in ء changes seat
        ("جرحى", "وجرحاهم جرحى", ["وجرحاهم", "جرحى"]),
        ("أعداء", "أعداءه وأعدائه وأعداؤه", ["أعداءه", "وأعدائه", "وأعداؤه"]),
        # ل + ال + ل: one lam is written (لله, للجنة)
        ("الله", "ولله فلله لله بالله", ["ولله", "فلله", "لله", "بالله"]),
        ("لجنة", "للجنة واللجنة", ["للجنة", "واللجنة"]),
        ("الله", "للله", []),
    ],
)
def test_morphology_rules(tmp_path, term, text, expected):
    assert surfaces(tmp_path, term, text) == expected


@pytest.mark.parametrize("term, token", [("عقوبات", "والعقوبات"), ("مواجهة", "مواجهتها"), ("أمن", "بالأمن"),
                                         ("أمن", "الامن"), ("أمل", "وبأمل"), ("أزمة", "الأزمة")])
def test_positive_controls_keep_matching(tmp_path, term, token):
    assert surfaces(tmp_path, term, f"قال إن {token} اليوم") == [token]


def test_multi_word_terms_never_cross_sentence_punctuation_or_line_breaks(tmp_path):
    lex = make_lexicon(tmp_path, {"s": ["عقوبات", "العقوبات الاقتصادية"]})
    text = "للعقوبات. الاقتصادية والعقوبات\nالاقتصادية العقوبات؛ الاقتصادية العقوبات، الاقتصادية"
    m = frame_matches(docs_of(text), lex)
    assert m["surface"].tolist() == ["للعقوبات", "والعقوبات", "العقوبات", "العقوبات، الاقتصادية"]
    for mark in ".!?؟؛\r\u2028":
        assert frame_matches(docs_of(f"العقوبات{mark}الاقتصادية"), lex)["term"].tolist() == ["عقوبات"], mark
    # a number's decimal point is no break
    lex = make_lexicon(tmp_path, {"s": ["نمو 3.5 بالمئة"]})
    assert surfaces(tmp_path, "نمو 3.5 بالمئة", "نمو 3.5 بالمئة") == ["نمو 3.5 بالمئة"]


def verb_lexicon(tmp_path, verbs, terms=()):
    path = tmp_path / f"verbs-{abs(hash((tuple(verbs), tuple(terms))))}.yaml"
    lines = ["name: v", "frames:", "  - id: threat",
             "    verbs: [" + ", ".join(verbs) + "]"] + (["    terms: [" + ", ".join(terms) + "]"] if terms else [])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return load_lexicon(path)


@pytest.mark.parametrize("token", ["اتهم", "اتهمت", "اتهموا", "واتهمت", "فاتهمه", "اتهموه", "اتهمتهم", "اتهمتا"])
def test_a_verb_takes_verb_prefixes_and_suffixes(tmp_path, token):
    m = frame_matches(docs_of(f"قال إنه {token} اليوم"), verb_lexicon(tmp_path, ["اتهم"]))
    assert m["surface"].tolist() == [token]


@pytest.mark.parametrize("token", ["يتهم", "سيتهم", "وسيتهم", "ليتهم", "يتهمون", "يتهمونه", "يتهمان"])
def test_an_imperfect_verb_takes_sa_and_li(tmp_path, token):
    m = frame_matches(docs_of(f"قال إنه {token} اليوم"), verb_lexicon(tmp_path, ["يتهم"]))
    assert m["surface"].tolist() == [token]


@pytest.mark.parametrize("token", ["الحذر", "بحذر", "كحذر", "للحذر", "والحذر", "وبحذر"])
def test_a_verb_never_takes_the_article_or_b_k(tmp_path, token):
    assert frame_matches(docs_of(f"قال {token} اليوم"), verb_lexicon(tmp_path, ["حذر"])).empty


def test_a_verb_ending_in_alef_maqsura(tmp_path):
    m = frame_matches(docs_of("نفى ونفت ونفوا نفاه"), verb_lexicon(tmp_path, ["نفى"]))
    assert m["surface"].tolist() == ["نفى", "ونفت", "ونفوا", "نفاه"]


def test_a_multi_word_verb_term(tmp_path):
    m = frame_matches(docs_of("فرضت عقوبات وفرضوا عقوبات فرض العقوبات"), verb_lexicon(tmp_path, ["فرض عقوبات"]))
    assert m["surface"].tolist() == ["فرضت عقوبات", "وفرضوا عقوبات"]


def test_clitic_words_are_found_by_corpus_evidence():
    text = " ".join(["الكامل كامل أمل بأمل"] * 5 + ["بأسره"] * 25 + ["أسره", "أسرة"] + ["وقال قال"] * 30)
    table = clitic_words(docs_of(text))
    assert table[["word", "evidence"]].values.tolist() == [["بأسره", "suffixed"], ["كامل", "article"]]
    assert table.set_index("word").loc["كامل", "article_count"] == 5


def test_clitic_words_keep_the_spelling_of_the_word_that_takes_the_article():
    text = " ".join(["اللازمة لازمة لأزمة أزمة الأزمة"] * 6)
    assert clitic_words(docs_of(text))["word"].tolist() == ["لازمة"]


def test_the_shipped_clitic_words_are_read_back_and_sorted():
    from analysis.frames import _OWN_WORDS_FILE, _own_words

    lines = [line for line in _OWN_WORDS_FILE.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    words = [line.split("\t")[0] for line in lines]
    assert words == sorted(words) and len(set(words)) == len(words) > 500
    assert {"كامل", "بأسره", "لازمة"} <= set(words)
    assert _own_words(NormalizeOptions())["باسره"] == "بأسره"


BREAK_WORDS = ["الحرب", "الباردة", "حرب", "3.5", "كامل"]
BREAK_SEPARATORS = [" ", ". ", "\n", "، ", "؟", "!", "\r\n", " ؛ ", "\u2028", ".", "\t", " « "]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(BREAK_WORDS), st.sampled_from(BREAK_SEPARATORS)), max_size=20))
def test_multi_word_hits_are_exactly_the_pairs_without_a_break_between(hypothesis_lexicon, pairs):
    text = "".join(w + s for w, s in pairs)
    spans = token_spans(text)
    expected = [spans[i][1] for i in range(len(spans) - 1)
                if (spans[i][0], spans[i + 1][0]) == ("الحرب", "الباردة")
                and not re.search("[.!?؟؛\n\r\u2028]", text[spans[i][2]:spans[i + 1][1]])]
    m = frame_matches(docs_of(text), hypothesis_lexicon)
    assert m.query("term == 'الحرب الباردة'")["start"].tolist() == expected


def test_punctuation_and_digits_separate_tokens(tmp_path):
    text = "“المواجهة” (مواجهة)، مواجهة؟ 2021مواجهة"
    assert surfaces(tmp_path, "مواجهة", text) == ["المواجهة", "مواجهة", "مواجهة", "مواجهة"]


def test_regression_word_starting_with_alef_lam_takes_the_article(tmp_path):
    # إلكتروني and ألمانيا normalize to words that begin with ال; they still take the article
    # and ل (لألمانيا), not only the forms of an already definite word.
    assert surfaces(tmp_path, "إلكتروني", "الإلكتروني وللإلكتروني") == ["الإلكتروني", "وللإلكتروني"]
    assert surfaces(tmp_path, "ألمانيا", "لألمانيا وبألمانيا") == ["لألمانيا", "وبألمانيا"]


def test_options_apply_to_terms_and_text(tmp_path):
    options = NormalizeOptions(teh_marbuta=True)
    assert surfaces(tmp_path, "مواجهة", "المواجهه ومواجهتها", options) == ["المواجهه", "ومواجهتها"]
    assert surfaces(tmp_path, "وجه", "وجهها", options) == ["وجهها"]  # a plain final ه still takes suffixes
    assert surfaces(tmp_path, "مواجهة", "المواجهه") == []  # default options keep ة apart from ه
    assert surfaces(tmp_path, "أزمة", "الأزمة", {"alef": False}) == ["الأزمة"]
    assert surfaces(tmp_path, "أزمة", "الازمة", {"alef": False}) == []


def test_invalid_options_fail_at_once(tmp_path):
    with pytest.raises(ValueError, match="options must be"):
        frame_matches(docs_of("حرب"), make_lexicon(tmp_path, {"f": ["حرب"]}), options="teh_marbuta")


# --------------------------------------------------------------------------- overlaps and exclusions


def test_longest_match_wins_within_a_frame(tmp_path):
    lex = make_lexicon(tmp_path, {"sanctions": ["عقوبات", "عقوبات جديدة"]})
    m = frame_matches(docs_of("فرض عقوبات جديدة ثم عقوبات"), lex)
    assert m[["term", "surface"]].values.tolist() == [["عقوبات جديدة", "عقوبات جديدة"], ["عقوبات", "عقوبات"]]


def test_overlapping_expressions_of_one_frame_count_once(tmp_path):
    lex = make_lexicon(tmp_path, {"security": ["مجلس الأمن", "الأمن القومي"]})
    m = frame_matches(docs_of("اجتمع مجلس الأمن القومي"), lex)
    assert m["term"].tolist() == ["الأمن القومي"]  # as many tokens: the longer term


@pytest.mark.parametrize("terms", [["سلام دائم", "دائم عادل"], ["دائم عادل", "سلام دائم"]])
def test_among_equally_long_overlapping_terms_the_one_listed_first_wins(tmp_path, terms):
    m = frame_matches(docs_of("سلام دائم عادل"), make_lexicon(tmp_path, {"peace": terms}))
    assert m["term"].tolist() == terms[:1]


def test_exact_term_beats_wildcard_and_longer_term_beats_shorter(tmp_path):
    lex = make_lexicon(tmp_path, {"a": ["عقوب*", "عقوبات"], "b": ["ناتو", "الناتو"]})
    m = frame_matches(docs_of("العقوبات والناتو"), lex)
    assert m[["frame", "term"]].values.tolist() == [["a", "عقوبات"], ["b", "الناتو"]]


def test_frames_are_counted_independently(tmp_path):
    lex = make_lexicon(tmp_path, {"threat": ["تهديد"], "nuclear": ["تهديد نووي", "نووي"]})
    m = frame_matches(docs_of("تهديد نووي"), lex)
    assert m[["frame", "term", "token_index"]].values.tolist() == [["threat", "تهديد", 0], ["nuclear", "تهديد نووي", 0]]


def test_exclude_drops_hits_inside_an_excluded_expression(tmp_path):
    lex = make_lexicon(tmp_path, {"peace": (["سلام"], ["عليه السلام", "دار السلام"]), "other": ["سلام"]})
    m = frame_matches(docs_of("قال عليه السلام إن السلام ممكن في دار السلام"), lex)
    assert m.query("frame == 'peace'")["token_index"].tolist() == [4]
    assert m.query("frame == 'other'")["token_index"].tolist() == [2, 4, 8]  # exclusions are per frame


def test_exclude_handles_a_word_read_as_clitic_plus_term(tmp_path):
    # بخلاف ("unlike") is also ب + خلاف, and the corpus gives no evidence either way.
    plain = make_lexicon(tmp_path, {"c": ["خلاف"]})
    guarded = make_lexicon(tmp_path, {"c": (["خلاف"], ["بخلاف"])})
    text = "بخلاف ما قيل لا خلاف بينهما"
    assert frame_matches(docs_of(text), plain)["surface"].tolist() == ["بخلاف", "خلاف"]
    assert frame_matches(docs_of(text), guarded)["surface"].tolist() == ["خلاف"]


def test_a_hit_only_partly_inside_an_exclusion_is_kept(tmp_path):
    lex = make_lexicon(tmp_path, {"s": (["الأمن القومي"], ["مجلس الأمن"])})
    assert frame_matches(docs_of("مجلس الأمن القومي"), lex)["surface"].tolist() == ["الأمن القومي"]


def test_multi_word_terms_do_not_cross_documents(tmp_path):
    lex = make_lexicon(tmp_path, {"s": ["حظر اقتصادي"]})
    assert frame_matches(docs_of("فرض حظر", "اقتصادي شامل"), lex).empty


# --------------------------------------------------------------------------- the seed article


@pytest.fixture(scope="module")
def seed_docs(seed_text):
    return pd.DataFrame({"doc_id": ["seed"], "source": ["irna"], "date": [pd.NaT], "text": [seed_text]})


@pytest.mark.shared
def test_seed_article_confrontation_family_hand_counted(tmp_path, seed_docs):
    # Read in the article: وسط مواجهة شرسة (title), وصلت فيه المواجهة, “المواجهة الموجهة
    # (glued to the quote mark), تصاعد المواجهة, حدة المواجهة, أن المواجهة العالمية,
    # ” مواجهة موجهة, هذه المواجهة — 8, and الموجهة/موجهة are other words.
    m = frame_matches(seed_docs, make_lexicon(tmp_path, {"c": ["مواجهة"]}))
    assert len(m) == 8
    assert sorted(m["surface"]) == ["المواجهة"] * 6 + ["مواجهة"] * 2
    glued = m[m["start"].map(lambda s: seed_docs["text"][0][s - 1]) == "“"]
    assert len(glued) == 1


@pytest.mark.shared
def test_seed_article_other_families_hand_counted(tmp_path, seed_docs):
    lex = make_lexicon(tmp_path, {"talks": ["محادثات"], "sanctions": ["عقوبات"], "arms": ["أسلحة"],
                                  "enemy": ["عدو"], "threat": ["تهديد"]})
    counts = count_frames(seed_docs, lex, by=None).set_index("frame")["hits"].to_dict()
    # محادثات: لإجراء محادثات (title), استئناف محادثات, استئناف المحادثات, أن المحادثات,
    # هذه المحادثات, من المحادثات, في المحادثات المقبلة (twice), لإجراء محادثات بين الزعيمين,
    # ووصفت روسيا المحادثات — 10.
    # عقوبات: مع العقوبات الأمريكية (twice), بفرض عقوبات جديدة, جانب العقوبات — 4.
    # أسلحة: الأسلحة الاستراتيجية, الأسلحة النووية, وتحديد الأسلحة, مراقبة الأسلحة — 4.
    # عدو: عدوها الأول, عدو واشنطن — 2. تهديد: يشكل تهديدًا — 1.
    assert counts == {"talks": 10, "sanctions": 4, "arms": 4, "enemy": 2, "threat": 1}


@pytest.mark.shared
def test_seed_article_with_the_bundled_lexicon(seed_docs):
    m = frame_matches(seed_docs, "international-news")
    text = seed_docs["text"][0]
    assert all(text[s:e] == surface for s, e, surface in zip(m["start"], m["end"], m["surface"]))
    sanctions = m.query("frame == 'sanctions'")
    # three of the four عقوبات above: مع العقوبات الأمريكية (twice) and بفرض عقوبات جديدة;
    # عقوبات alone is no sanctions term since the revision on cleaned SaudiNewsNet (mostly
    # penalties of law and sport there), so إلى جانب العقوبات does not count; nor does ضغط
    # alone (mostly blood pressure), so للضغط and الضغط do not count
    assert sorted(sanctions["surface"]) == sorted(["العقوبات الأمريكية", "عقوبات جديدة", "العقوبات الأمريكية"])
    # بتخفيف التوترات is de-escalation, and excluded from confrontation
    easing = text.index("بتخفيف التوترات")
    assert "بتخفيف التوترات" in m.query("frame == 'deescalation'")["surface"].tolist()
    assert not m.query("frame == 'confrontation'")["start"].between(easing, easing + 15).any()


# --------------------------------------------------------------------------- output tables


def test_frame_matches_columns_and_order(tmp_path):
    lex = make_lexicon(tmp_path, {"b": ["حرب"], "a": ["سلام", "حرب"]})
    docs = docs_of("سلام ثم حرب", "حرب", dates=["2021-01-02", None])
    docs = docs.iloc[::-1]  # order of the input does not matter
    m = frame_matches(docs, lex)
    assert list(m.columns) == ["doc_id", "source", "date", "frame", "term", "surface", "token_index", "start", "end"]
    assert m[["doc_id", "frame", "token_index"]].values.tolist() == [
        ["d0", "a", 0], ["d0", "b", 2], ["d0", "a", 2], ["d1", "b", 0], ["d1", "a", 0],
    ]
    assert m["date"].iloc[0] == pd.Timestamp("2021-01-02") and pd.isna(m["date"].iloc[-1])
    assert pd.api.types.is_datetime64_any_dtype(m["date"])


def test_frame_matches_without_a_date_column(tmp_path):
    m = frame_matches(docs_of("حرب"), make_lexicon(tmp_path, {"a": ["حرب"]}))
    assert m["date"].isna().all()


def test_documents_without_text_have_no_hits_and_no_tokens(tmp_path):
    docs = docs_of("حرب", None, "")
    dc = doc_frame_counts(docs, make_lexicon(tmp_path, {"a": ["حرب"]}))
    assert dc["hits"].tolist() == [1, 0, 0] and dc["tokens"].tolist() == [1, 0, 0]


def test_count_frames_hand_counted(tmp_path):
    lex = make_lexicon(tmp_path, {"war": ["حرب"], "peace": ["سلام"]})
    docs = docs_of("حرب وحرب ثم سلام", "كلام فقط", "الحرب", sources=["a", "a", "b"])
    t = count_frames(docs, lex)
    assert list(t.columns) == ["source", "frame", "hits", "docs_with_hit", "docs", "tokens", "rate_per_1k", "doc_share"]
    assert t.drop(columns="rate_per_1k").values.tolist() == [
        ["a", "war", 2, 1, 2, 6, 0.5],
        ["a", "peace", 1, 1, 2, 6, 0.5],
        ["b", "war", 1, 1, 1, 1, 1.0],
        ["b", "peace", 0, 0, 1, 1, 0.0],  # complete grid
    ]
    assert t["rate_per_1k"].tolist() == pytest.approx([333.3333, 166.6667, 1000.0, 0.0])


def test_count_frames_by_month_and_source_by_month(tmp_path):
    lex = make_lexicon(tmp_path, {"war": ["حرب"]})
    docs = docs_of("حرب", "حرب حرب", "سلام", "حرب", sources=["a", "a", "b", "a"],
                   dates=["2021-11-03", "2021-11-30", "2021-12-09", None])
    by_month = count_frames(docs, lex, by="month")
    assert by_month["month"].iloc[:2].tolist() == [pd.Timestamp("2021-11-01"), pd.Timestamp("2021-12-01")]
    assert by_month["hits"].tolist() == [3, 0, 1]  # undated documents form their own group, last
    assert pd.isna(by_month["month"].iloc[2])
    grid = count_frames(docs, lex, by=["source", "month"])
    assert grid[["source", "hits", "docs"]].values.tolist() == [["a", 3, 2], ["a", 1, 1], ["b", 0, 1]]


def test_count_frames_for_the_whole_corpus(tmp_path):
    lex = make_lexicon(tmp_path, {"war": ["حرب"]})
    t = count_frames(docs_of("حرب", "حرب"), lex, by=None)
    assert t.values.tolist() == [["war", 2, 2, 2, 2, 1000.0, 1.0]]


def test_count_frames_tokens_use_the_tokenizer(tmp_path):
    texts = ["“المواجهة” بين واشنطن، وموسكو؟ S-400 و 3.5%", "عقوبـــات ٢٠٢١"]
    t = count_frames(docs_of(*texts), make_lexicon(tmp_path, {"a": ["حرب"]}))
    assert t["tokens"].tolist() == [sum(len(tokenize(x)) for x in texts)]


def test_unknown_grouping_fails_clearly(tmp_path):
    with pytest.raises(ValueError, match="outlet"):
        count_frames(docs_of("حرب"), make_lexicon(tmp_path, {"a": ["حرب"]}), by="outlet")
    with pytest.raises(ValueError, match="grouping column"):
        aggregate_frame_counts(pd.DataFrame({"doc_id": [], "frame": [], "hits": [], "tokens": []}), by="source")


def test_corpus_objects_are_accepted(tmp_path):
    from analysis.corpus import load_corpus

    path = tmp_path / "news.jsonl"
    rows = [{"source": "أ", "date": "2021-11-03", "title": "t", "text": "فرضت عقوبات"},
            {"source": "ب", "date": "2021-11-04", "title": "t", "text": "محادثات"}]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    corpus = load_corpus(path, progress=False)
    t = count_frames(corpus, "international-news")
    assert t.query("hits > 0")[["source", "frame", "hits"]].values.tolist() == [["أ", "sanctions", 1], ["ب", "diplomacy", 1]]


# --------------------------------------------------------------------------- actors


def test_actor_frame_counts_respects_the_window(tmp_path):
    frames = make_lexicon(tmp_path, {"s": ["عقوبات"]}, name="frames")
    actors = make_lexicon(tmp_path, {"ru": ["موسكو"], "us": ["واشنطن"]}, name="actors")
    filler = " ".join(["كلام"] * 3)
    docs = docs_of(
        f"موسكو {filler} عقوبات",  # 4 tokens apart
        f"عقوبات {filler} {filler} واشنطن",  # 7 tokens apart
        "موسكو",  # another document: windows never cross
        "عقوبات على موسكو وواشنطن",
        sources=["a", "a", "a", "b"],
    )
    t = actor_frame_counts(docs, frames, actors, window=4)
    assert list(t.columns) == ["source", "actor", "frame", "hits"]
    assert t.values.tolist() == [["a", "ru", "s", 1], ["a", "us", "s", 0], ["b", "ru", "s", 1], ["b", "us", "s", 1]]
    assert actor_frame_counts(docs, frames, actors, window=3)["hits"].tolist() == [0, 0, 1, 1]
    assert actor_frame_counts(docs, frames, actors, window=7)["hits"].tolist() == [1, 1, 1, 1]


def test_actor_frame_counts_counts_a_hit_once_per_actor(tmp_path):
    frames = make_lexicon(tmp_path, {"s": ["عقوبات"]}, name="frames")
    actors = make_lexicon(tmp_path, {"ru": ["موسكو", "الكرملين"]}, name="actors")
    t = actor_frame_counts(docs_of("موسكو والكرملين وموسكو ضد عقوبات"), frames, actors, by=None)
    assert t.values.tolist() == [["ru", "s", 1]]


def test_actor_frame_counts_stops_windows_at_sentence_ends_by_default(tmp_path):
    frames = make_lexicon(tmp_path, {"s": ["عقوبات"]}, name="frames")
    actors = make_lexicon(tmp_path, {"ru": ["موسكو"]}, name="actors")
    docs = docs_of("موسكو. عقوبات", "موسكو؟ عقوبات", "موسكو\nعقوبات", "موسكو؛ عقوبات", "موسكو، عقوبات",
                   "موسكو دفعت 3.5 مليار عقوبات", sources=list("abcdef"))
    hits = lambda **kw: actor_frame_counts(docs, frames, actors, window=5, **kw)["hits"].tolist()  # noqa: E731
    assert hits() == [0, 0, 0, 0, 1, 1]  # a comma or a decimal point ends no sentence
    assert hits(sentence=False) == [1, 1, 1, 1, 1, 1]


def test_actor_frame_counts_sentences_are_those_of_each_document(tmp_path):
    frames = make_lexicon(tmp_path, {"s": ["عقوبات"]}, name="frames")
    actors = make_lexicon(tmp_path, {"ru": ["موسكو"]}, name="actors")
    docs = docs_of("كلام. كلام. عقوبات موسكو", "عقوبات. موسكو", "عقوبات", "موسكو. كلام عقوبات موسكو")
    assert actor_frame_counts(docs, frames, actors, by="doc_id")["hits"].tolist() == [1, 0, 0, 1]


def test_actor_frame_counts_does_not_count_an_actor_name_as_a_frame_hit(tmp_path):
    frames = make_lexicon(tmp_path, {"military": ["البنتاغون", "قوات"], "s": ["عقوبات أمريكية"]}, name="frames")
    actors = make_lexicon(tmp_path, {"us": ["البنتاغون", "أمريكية"]}, name="actors")
    t = actor_frame_counts(docs_of("أعلن البنتاغون", "قال البنتاغون إن قوات", "عقوبات أمريكية"),
                           frames, actors, by="doc_id")
    assert t.query("hits > 0")[["doc_id", "frame", "hits"]].values.tolist() == [
        ["d1", "military", 1], ["d2", "s", 1]]  # قوات near البنتاغون counts; البنتاغون itself does not


def test_actor_frame_counts_rejects_a_negative_window(tmp_path):
    with pytest.raises(ValueError, match="window"):
        actor_frame_counts(docs_of("حرب"), "international-news", window=-1)


# --------------------------------------------------------------------------- invariants

WORDS = ["حرب", "الحرب", "والحرب", "حربها", "سلام", "الإسلام", "عقوبات", "جديدة", "عقوباتٍ", "مواجهتها",
         "الباردة", "باردة", "NATO", "كلام", "2021", "عدوان", "عدو", "مُواجَهة", "عقوبـات"]
SEPARATORS = [" ", "، ", "“", "” ", "\n", " (", ") ", ".", "\u200c", "ـ", "ًً "]
LEXICON_TERMS = {"war": ["حرب", "الحرب الباردة"], "sanctions": ["عقوبات", "عقوبات جديدة", "عقوب*"],
                 "peace": (["سلام"], ["سلام حرب"]), "clash": ["مواجهة", "nato"]}

texts = st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(SEPARATORS)), max_size=25).map(
    lambda pairs: "".join(w + s for w, s in pairs)
)


@pytest.fixture(scope="module")
def hypothesis_lexicon(tmp_path_factory):
    return make_lexicon(tmp_path_factory.mktemp("lex"), LEXICON_TERMS)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(texts, min_size=1, max_size=4))
def test_every_hit_points_at_its_surface_and_counts_add_up(hypothesis_lexicon, batch):
    docs = docs_of(*batch, sources=[f"s{i % 2}" for i in range(len(batch))])
    m = frame_matches(docs, hypothesis_lexicon)
    by_id = dict(zip(docs["doc_id"], docs["text"]))
    for doc_id, start, end, surface in zip(m["doc_id"], m["start"], m["end"], m["surface"]):
        assert by_id[doc_id][start:end] == surface
        assert start < end
    # one hit per frame and token
    tokens = m.assign(n=m["surface"].map(lambda s: len(tokenize(s))))
    covered = [(d, f, t) for d, f, i, n in zip(tokens["doc_id"], tokens["frame"], tokens["token_index"], tokens["n"])
               for t in range(i, i + n)]
    assert len(covered) == len(set(covered))
    counts = count_frames(docs, hypothesis_lexicon)
    assert counts["hits"].sum() == len(m)
    assert len(counts) == docs["source"].nunique() * 4
    per_doc = doc_frame_counts(docs, hypothesis_lexicon, by=None).groupby("doc_id")["hits"].sum()
    assert per_doc.to_dict() == {d: int((m["doc_id"] == d).sum()) for d in docs["doc_id"]}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts, texts)
def test_a_document_has_the_same_hits_alone_and_in_a_corpus(hypothesis_lexicon, first, second):
    alone = frame_matches(docs_of(second), hypothesis_lexicon).drop(columns="doc_id")
    together = frame_matches(docs_of(first, second), hypothesis_lexicon)
    together = together[together["doc_id"] == "d1"].drop(columns="doc_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(alone, together)


# The words above, some spelled with presentation forms, tatweel, marks and controls, or
# two to a chunk, between characters that are no token and every kind of whitespace.
TRICKY_WORDS = WORDS + ["ﺣﺮﺏ", "ﺍﻟﺤﺮﺏ", "الحر\u200cب", "عقـــوبات", "سَلامٌ", "الحرب\u00a0الباردة", "عقوبات،جديدة",
                        "٢٠٢١", "3.5", "é"]
TRICKY_SEPARATORS = SEPARATORS + ["\t", "\r\n", "\x0b\x0c", "\x1c", "\x85", "\u00a0", "\u2003", "\ufeff", "«", ""]
tricky_texts = st.lists(st.tuples(st.sampled_from(TRICKY_WORDS), st.sampled_from(TRICKY_SEPARATORS)), max_size=25).map(
    lambda pairs: "".join(w + s for w, s in pairs)
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(tricky_texts, min_size=1, max_size=5), st.booleans(),
       st.builds(NormalizeOptions, **{f: st.booleans() for f in NormalizeOptions().as_dict()}))
def test_hit_offsets_equal_a_per_token_loop_over_the_original_text(hypothesis_lexicon, batch, small_batches, options):
    import analysis.chunks as chunks

    docs = docs_of(*batch)
    with pytest.MonkeyPatch.context() as patch:
        if small_batches:
            patch.setattr(chunks, "BATCH_BYTES", 40)  # a text or two per batch
        m = frame_matches(docs, hypothesis_lexicon, options)
    by_id = dict(zip(docs["doc_id"], docs["text"]))
    for doc_id, term, index, start, end, surface in m[["doc_id", "term", "token_index", "start", "end", "surface"]].values:
        spans = token_spans(by_id[doc_id])
        size = len(term_words(term, options)[0])
        assert (start, end) == (spans[index][1], spans[index + size - 1][2])
        assert surface == by_id[doc_id][start:end]


# --------------------------------------------------------------------------- large lexicons: forms per vocabulary


def both_ways(compute):
    """``compute()`` with every lexicon's forms compiled in full, then per vocabulary (as for a large lexicon)."""
    frames_module._compile.cache_clear()
    try:
        full = compute()
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(frames_module, "_EXPAND_LIMIT", 0)
            frames_module._compile.cache_clear()
            filtered = compute()
    finally:
        frames_module._compile.cache_clear()
    return full, filtered


def mixed_lexicon(texts, seed: int = 0, size: int = 400, min_letters: int = 1) -> Lexicon:
    """Terms drawn from ``texts``: words, words with a letter changed, wildcards, bigrams, verbs and excludes."""
    rng = random.Random(seed)
    tokens = [t for text in texts for t in tokenize(text) if t.isalpha() and len(t) >= min_letters]
    words = sorted(set(tokens))
    bigrams = sorted({f"{a} {b}" for a, b in zip(tokens, tokens[1:])})
    imperfect = [w for w in words if w[0] in "يتنأ" and len(w) > 3]
    terms = rng.sample(words, size) + [w[:-1] + "ب" for w in rng.sample(words, size // 4)]
    terms += [w[: rng.randint(3, 5)] + "*" for w in rng.sample([w for w in words if len(w) > 5], size // 8)]
    terms += rng.sample(bigrams, size // 4) + [b + "*" for b in rng.sample(bigrams, size // 10)]
    seen, unique = set(), []
    for term in terms:
        if term_words(term) not in seen:
            seen.add(term_words(term))
            unique.append(term)
    verbs = [w for w in rng.sample(imperfect, min(len(imperfect), size // 8)) if term_words(w) not in seen]
    return Lexicon("mixed", tuple(
        Frame(f"f{i}", terms=tuple(unique[i::4]), verbs=tuple(verbs[i::4]), exclude=tuple(rng.sample(bigrams, 5)))
        for i in range(4)))


@pytest.mark.parametrize("lexicon", ["international-news", "actors", "semetko-valkenburg", "mixed"])
def test_forms_compiled_per_vocabulary_find_what_full_compilation_finds(lexicon):
    corpus = load_corpus()
    lexicon = mixed_lexicon(corpus.docs["text"]) if lexicon == "mixed" else load_lexicon(lexicon)
    full, filtered = both_ways(lambda: frame_matches(corpus, lexicon))
    assert len(full) > 80 and full["frame"].nunique() >= 3
    assert filtered.equals(full)
    pair = ("international-news", lexicon) if lexicon.name == "actors" else (lexicon, "actors")  # frames, actors
    counts = both_ways(lambda: actor_frame_counts(corpus, *pair, by=None))
    assert counts[0]["hits"].sum() > 0 and counts[1].equals(counts[0])


def test_a_lexicon_above_the_limit_is_compiled_per_vocabulary_for_the_words_it_can_match(monkeypatch):
    corpus = load_corpus()
    rng = random.Random(3)
    absent = sorted({"".join(rng.choice("ثخذضظغ") for _ in range(5)) for _ in range(60)})  # in no demo word
    mixed = mixed_lexicon(corpus.docs["text"])
    lexicon = Lexicon("with-absent", mixed.frames + (Frame("absent", terms=tuple(absent)),))
    words = sum(len(term_words(t)[0]) for f in lexicon.frames for t in f.terms + f.verbs + f.exclude)
    monkeypatch.setattr(frames_module, "_EXPAND_LIMIT", words - 1)
    frames_module._compile.cache_clear()
    try:
        assert frames_module._compile(load_lexicon("actors"), NormalizeOptions()).forms  # below the limit: in full
        matcher = frames_module._compile(lexicon, NormalizeOptions())
        hit = set(frame_matches(corpus, lexicon)["term"])
    finally:
        frames_module._compile.cache_clear()
    assert matcher.forms is None
    keys = frames_module.merge_spellings(frames_module._scan(corpus, corpus.docs, NormalizeOptions(), clean=False).vocabulary, matcher.merging)
    kept = {matcher.patterns[p].term for p in frames_module._vocabulary_patterns(matcher, keys)}
    assert len(hit) > 100 and hit <= kept and kept.isdisjoint(absent)


ROLE_LETTERS = "ابتثجحخدذرسصطعفقكلمنهويىةءأإآ"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ROLE_LETTERS, min_size=1, max_size=9), st.booleans(), st.sampled_from(["ة", "ه"]))
def test_every_form_of_a_word_holds_one_of_its_keys_within_reach(word, article, marbuta):
    """The necessary condition the per-vocabulary compilation relies on, for the rules as they are."""
    word = "ال" + word if article else word
    head, tail = frames_module._reach(marbuta)
    keys = (word[1:], word[:-1])
    whole = [((word,), 0, False), ((word,), 0, True)] + [
        (words, k, verb) for n in (2, 3) for words in [(word,) * n] for k in range(n) for verb in (False, True)]
    for words, k, verb in whole:
        for form in frames_module._position_forms(words, k, marbuta, verb):
            assert any(form.startswith(key, i) and len(form) - i - len(key) <= tail
                       for key in keys for i in range(head + 1)), (word, k, verb, form)
    for form in frames_module._with_proclitics(word):  # a one-word wildcard's heads: a token's start
        assert any(form.startswith(key, i) for key in keys for i in range(head + 1)), (word, form)


CLITIC_TEXT_WORDS = st.text(alphabet="وفبكلالتهيىةءأإآنمر", min_size=1, max_size=7)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(CLITIC_TEXT_WORDS, st.sampled_from([" ", " ", ". ", "، "])), min_size=1, max_size=30),
       st.lists(st.tuples(st.lists(CLITIC_TEXT_WORDS, min_size=1, max_size=2), st.booleans(), st.booleans()),
                min_size=1, max_size=12))
def test_forms_per_vocabulary_equal_full_forms_on_generated_text_and_terms(pairs, specs):
    text = "".join(w + s for w, s in pairs)
    terms, verbs = {}, {}
    for words, wildcard, verb in specs:
        term = " ".join(words) + ("*" if wildcard else "")
        if term_words(term)[0]:
            (verbs if verb and not wildcard else terms).setdefault(term_words(term), term)
    verbs = {key: v for key, v in verbs.items() if key not in terms}
    if not terms:
        return
    lexicon = Lexicon("generated", (Frame("a", terms=tuple(terms.values()), verbs=tuple(verbs.values())),
                                    Frame("b", terms=tuple(list(terms.values())[::2]))))
    docs = docs_of(text, text[::-1])
    full, filtered = both_ways(lambda: frame_matches(docs, lexicon))
    assert filtered.equals(full)


# --------------------------------------------------------------------------- SaudiNewsNet


_LETTERS = f"{charsets.ARABIC_LETTERS}{charsets.ARABIC_MARKS}"
_SUFFIXES = "|".join(sorted(ENCLITICS, key=len, reverse=True))
SPELLED = NormalizeOptions(alef=False, alef_maqsura=False)


def reference_pattern(term: str) -> re.Pattern:
    """An independent regular expression for one-word terms over text normalized with hamzas and ى kept.

    Group 1 holds the proclitics read before a word without the article.
    """
    def letters(word):  # a bare alef may stand for a hamzated one; ي may be written ى
        return "".join({"أ": "[أا]", "إ": "[إا]", "آ": "[آا]", "ا": "[اأإ]", "ي": "[يى]"}.get(c, c) for c in word)

    definite = r"[وف]?(?:[بك]?ال|لل)"
    if term.endswith("ة"):
        indefinite = f"{letters(term[:-1])}(?:ة|ت(?:{_SUFFIXES}))"
    else:
        indefinite = f"{letters(term)}(?:{_SUFFIXES}|ا)?"
    return re.compile(f"(?<![{_LETTERS}])(?:{definite}{letters(term)}|([وف]?[بكل]?){indefinite})(?![{_LETTERS}])")


def shipped_clitic_words() -> dict[str, str]:
    """Normalized word -> spelling, read from clitic_words.txt."""
    from analysis.frames import _OWN_WORDS_FILE

    words = [line.split("\t")[0] for line in _OWN_WORDS_FILE.read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#")]
    return {normalize(w): normalize(w, SPELLED) for w in words}


def is_clitic_word(token: str, clitics: str, words: dict[str, str]) -> bool:
    """Whether the token (spelled), from one of its proclitic letters on, is a shipped word of its own."""
    for j in range(len(clitics)):
        rest = token[j:]
        spelling = words.get(normalize(rest))
        if spelling and all(t == w or (t == "ا" and w in "أإآ") or {t, w} <= {"ي", "ى"} for t, w in zip(rest, spelling)):
            return True
    return False


@pytest.fixture(scope="module")
def saudinewsnet_sample(saudinewsnet_dir):
    rows = []
    for path in sorted(glob.glob(str(saudinewsnet_dir / "*.zip")))[:2]:
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                rows += json.loads(archive.read(name))
    return pd.DataFrame({
        "doc_id": [str(i) for i in range(len(rows))],
        "source": [r["source"] for r in rows],
        "text": [r.get("content") or "" for r in rows],
    })


REFERENCE_TERMS = ["عقوبات", "مواجهة", "روسيا", "محادثات", "أزمة", "حرب", "سلام", "إيران", "أمل", "أمن"]


@pytest.mark.shared
def test_counts_on_saudinewsnet_agree_with_an_independent_regex(tmp_path, saudinewsnet_sample):
    lex = make_lexicon(tmp_path, {f"t{i}": [term] for i, term in enumerate(REFERENCE_TERMS)})
    got = count_frames(saudinewsnet_sample, lex, by=None).set_index("frame")["hits"]
    spelled = [normalize(text, SPELLED) for text in saudinewsnet_sample["text"]]
    words = shipped_clitic_words()
    for i, term in enumerate(REFERENCE_TERMS):
        pattern = reference_pattern(normalize(term, SPELLED))
        expected = sum(not (m.group(1) and is_clitic_word(m.group(), m.group(1), words))
                       for text in spelled for m in pattern.finditer(text))
        assert got[f"t{i}"] == expected, term
    assert got.sum() > 1000  # the sample really exercises the matcher


@pytest.mark.shared
def test_saudinewsnet_tokens_agree_with_tokenize(saudinewsnet_sample):
    sample = saudinewsnet_sample.iloc[:300]
    dc = doc_frame_counts(sample, "actors", by=None)
    per_doc = dc.groupby("doc_id", sort=False)["tokens"].first()
    assert per_doc.tolist() == [len(tokenize(text)) for text in sample["text"]]


@pytest.mark.shared
def test_saudinewsnet_matches_point_at_their_surface(saudinewsnet_sample):
    m = frame_matches(saudinewsnet_sample, "international-news")
    texts = dict(zip(saudinewsnet_sample["doc_id"], saudinewsnet_sample["text"]))
    assert len(m) > 1000
    assert all(texts[d][s:e] == x for d, s, e, x in zip(m["doc_id"], m["start"], m["end"], m["surface"]))


@pytest.mark.shared
@pytest.mark.slow
def test_forms_per_vocabulary_find_what_full_compilation_finds_on_saudinewsnet(saudinewsnet):
    docs = frames_module.cleaned_docs(saudinewsnet, True)
    tokens = frames_module._scan(saudinewsnet, docs, NormalizeOptions(), True)

    def hits(lexicon):
        found, _ = frames_module._find(tokens, lexicon, NormalizeOptions())
        return pd.DataFrame({"pos": found.pos, "size": found.size, "pattern": found.pattern, "frame": found.frame})

    mixed = mixed_lexicon(docs["text"].iloc[::50], seed=1, size=400, min_letters=4)
    for lexicon in ["international-news", "actors", "semetko-valkenburg", mixed]:
        lexicon = load_lexicon(lexicon)
        full, filtered = both_ways(lambda: hits(lexicon))
        assert len(full) > 50_000 and full["pattern"].nunique() > 150, lexicon.name
        assert filtered.equals(full), lexicon.name


# --- matching the tokens a cached corpus or a report's snapshot carries (analysis.chunks.TokenIds) ---------------

@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["أ", "ب"]),
                          st.lists(st.sampled_from(["عقوبات", "العقوبات", "أمن", "آمن", "إلى", "على", "موسكو", "واشنطن",
                                                    "المحادثات", "مواجهة", ".", "؟", "\n", "،", "جديدة"]), max_size=25)),
                min_size=1, max_size=6), st.booleans())
def test_matches_from_stored_tokens_equal_matches_that_tokenize(tmp_path, rows, sentence):
    import dataclasses

    from analysis.corpus import Corpus, clean_corpus
    from analysis.corpus.cache import with_token_ids

    docs = pd.DataFrame({"doc_id": [str(i) for i in range(len(rows))], "source": [s for s, _ in rows],
                         "text": [" ".join(words) for _, words in rows]})
    corpus = clean_corpus(Corpus(docs=docs, report=None))
    stored = with_token_ids(corpus)
    for kwargs in ({}, {"clean": False}, {"options": NormalizeOptions(alef=False)}):
        assert frame_matches(stored, "international-news", **kwargs).equals(
            frame_matches(corpus, "international-news", **kwargs)), kwargs
        assert doc_frame_counts(stored, "international-news", **kwargs).equals(
            doc_frame_counts(corpus, "international-news", **kwargs)), kwargs
        assert actor_frame_counts(stored, "international-news", "actors", sentence=sentence, **kwargs).equals(
            actor_frame_counts(corpus, "international-news", "actors", sentence=sentence, **kwargs)), kwargs
    # a subset of the documents, in another order, is matched from the same tokens, sentences included
    subset = dataclasses.replace(stored, docs=stored.docs.iloc[::-2].reset_index(drop=True))
    alone = dataclasses.replace(subset, tokens=None)
    assert actor_frame_counts(subset, "international-news", "actors", window=30).equals(
        actor_frame_counts(alone, "international-news", "actors", window=30))
    assert frame_matches(subset, "international-news").equals(frame_matches(alone, "international-news"))


def test_frames_of_a_corpus_with_stored_tokens_do_not_tokenize_again(monkeypatch):
    from analysis.corpus.cache import with_token_ids

    stored = with_token_ids(load_corpus(cache=False))
    expected = count_frames(stored, "international-news", by="source")

    def tokenize_again(*args, **kwargs):
        raise AssertionError("the corpus's stored tokens were not used")

    monkeypatch.setattr(frames_module, "token_ids", tokenize_again)
    assert count_frames(stored, "international-news", by="source").equals(expected)
    assert len(frame_matches(stored, "international-news", copies="one_per_source")) > 0
