"""Tests for analysis.corpus.clean: each source's boilerplate, web debris, and counting with them skipped."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.corpus import (DEBRIS_KINDS, CleanOptions, Corpus, CorpusError, boilerplate_patterns, clean_corpus,
                             clean_spans, cleaned_docs, cleaning_summary, learn_boilerplate, load_corpus)
from analysis.frames import actor_frame_counts, count_frames, doc_frame_counts, frame_matches
from analysis.provenance import provenance
from analysis.terms import count_terms, doc_tokens, kwic, tfidf_terms

BODIES = [
    "فرضت واشنطن عقوبات جديدة على موسكو بسبب الأزمة",
    "بدأت المحادثات في جنيف بين الوفدين أمس",
    "قال الوزير إن الحوار هو الطريق الوحيد",
    "ارتفعت أسعار النفط بعد إعلان الاتفاق",
    "افتتح الأمير معرض الكتاب في الرياض",
    "أعلنت الوزارة خطة لتطوير التعليم العام",
    "حذر الخبراء من تهديد الأمن الإلكتروني",
    "عقد المجلس جلسته الأسبوعية برئاسة الملك",
]


def _corpus(texts_by_source: dict[str, list[str]], titles: dict[str, list[str]] | None = None) -> Corpus:
    rows = []
    for source, texts in texts_by_source.items():
        for i, text in enumerate(texts):
            rows.append({"doc_id": f"{source}-{i}", "source": source, "text": text,
                         "title": (titles or {}).get(source, [""] * len(texts))[i]})
    return clean_corpus(Corpus(docs=pd.DataFrame(rows), report=None))


def _skipped(corpus: Corpus, doc_id: str) -> list[str]:
    text = corpus.docs.set_index("doc_id").loc[doc_id, "text"]
    spans = corpus.cleaning[corpus.cleaning["doc_id"] == doc_id]
    return [text[a:b] for a, b in zip(spans["start"], spans["end"])]


def _terms(corpus, **options) -> set[str]:
    return set(count_terms(corpus, stopwords=False, **options)["term"])


# --------------------------------------------------------------------------- boilerplate


def test_a_sign_off_line_recurring_in_one_source_is_skipped_there_only():
    corpus = _corpus({"واس": [f"{body}\n// انتهى //" for body in BODIES],
                      "سبق": [BODIES[0] + "\n// انتهى //"] + BODIES[1:4]})
    assert _skipped(corpus, "واس-0") == ["// انتهى //"]
    assert _skipped(corpus, "سبق-0") == []  # one document of its source: no pattern there
    counts = count_terms(corpus, by="source", stopwords=False)
    assert "انتهي" not in set(counts.loc[counts["source"] == "واس", "term"])  # counted normalized: ى → ي
    assert "انتهي" in set(counts.loc[counts["source"] == "سبق", "term"])


def test_a_dateline_with_varying_city_and_digits_is_skipped_as_a_whole_line():
    cities = ["الرياض", "جدة", "الطائف", "أبها", "الدمام", "تبوك", "مكة المكرمة", "بريدة"]
    texts = [f"{city} {10 + i} رمضان 1436 هـ الموافق {i + 1} يوليو 2015 م واس\n{body}"
             for i, (city, body) in enumerate(zip(cities, BODIES))]
    corpus = _corpus({"واس": texts})
    for i, text in enumerate(texts):
        assert _skipped(corpus, f"واس-{i}") == [text.split("\n")[0]]
    assert not {"واس", "الموافق", "1436", "رمضان", "يوليو", "الدمام"} & _terms(corpus)
    assert {"واس", "الموافق", "1436"} <= _terms(corpus, clean=False)
    assert {"فرضت", "جنيف"} <= _terms(corpus)  # the articles themselves stay


def test_the_link_line_with_the_title_in_its_slot_is_found():
    titles = [f"عنوان الخبر رقم {w} عن {w}" for w in ("الطقس", "النفط", "التعليم", "الصحة", "الرياضة", "السياحة")]
    texts = [f"{body} رابط الخبر بصحيفة الوئام: {title}" for body, title in zip(BODIES, titles)]
    corpus = _corpus({"الوئام": texts}, {"الوئام": titles})
    assert set(corpus.cleaning["pattern"]) == {"… رابط الخبر بصحيفة الوئام: <title>"}
    for i, title in enumerate(titles):
        assert _skipped(corpus, f"الوئام-{i}") == [f"رابط الخبر بصحيفة الوئام: {title}"]
    assert not {"الوئام", "بصحيفة", "رابط", "عنوان", "الطقس", "الصحة"} & _terms(corpus)
    assert {"فرضت", "جنيف", "المحادثات"} <= _terms(corpus)


def test_a_leading_edge_is_skipped_and_the_rest_of_its_line_counted():
    texts = [f"Next Previous شارك عبر فيسبوك {body}" for body in BODIES]
    corpus = _corpus({"عين اليوم": texts}, None)
    assert "Next Previous شارك عبر فيسبوك" in _skipped(corpus, "عين اليوم-0")
    assert [t.strip() for t in cleaned_docs(corpus)["text"]] == BODIES
    assert not {"Next", "فيسبوك", "شارك"} & _terms(corpus)
    assert {"فرضت", "واشنطن"} <= _terms(corpus)


def _closing_formula_corpus(formula_in_middle: bool) -> Corpus:
    """Six articles end with a related list glued to their last sentence, twelve with a
    ``يذكر أن`` sentence (six as the last line, six glued to the one before), and, where
    ``formula_in_middle``, two open a middle paragraph with the same formula."""
    towns = ["جدة", "أبها", "تبوك", "الطائف", "الدمام", "بريدة", "حائل", "نجران", "جازان",
             "ينبع", "الخبر", "عرعر", "سكاكا", "الباحة", "القطيف", "عنيزة", "الرس", "المجمعة"]
    lines = [[f"{BODIES[(i + j) % 8]} في {town}" for j in range(3)] for i, town in enumerate(towns)]
    names = ["خالد السالم", "منى العتيبي", "سعد الحربي", "نورة القحطاني", "فهد الشمري", "ريم الدوسري"]
    facts = ["المعرض يقام سنويا منذ عشرين عاما", "الشركة حققت أرباحا في الربع الأول",
             "المسابقة تهدف إلى إثراء فن الخط", "الوزارة أطلقت الخطة العام الماضي",
             "الفريق فاز بالبطولة مرتين", "المهرجان يستقبل الزوار حتى نهاية الشهر"]
    texts = []
    for i, (first, second, third) in enumerate(lines):
        if i < 6:  # a related list glued to the last sentence
            second = f"يذكر أن اللجنة اجتمعت في {towns[i - 1]}" if formula_in_middle and i < 2 else second
            last = f"{third}. مقالات أخرى للكاتب {names[i]} مقال عن {towns[i + 1]} ومقال عن {towns[i + 2]}"
        elif i < 12:  # the formula opens the last line
            last = f"يذكر أن {facts[i - 6]} في {towns[i]}."
        else:  # the formula opens the last sentence
            last = f"{third}. يذكر أن {facts[i - 12]} في {towns[i]}."
        texts.append("\n".join([first, second, last]))
    return _corpus({"الجزيرة": texts})


@pytest.mark.parametrize("formula_in_middle", [True, False])
def test_a_closing_formula_that_opens_paragraphs_is_kept_and_a_glued_list_cut(formula_in_middle):
    # Regression: SaudiNewsNet's «يذكر أن» ("it is worth noting that") ends many articles
    # with varied content and was cut as if it began a related-articles list.
    corpus = _closing_formula_corpus(formula_in_middle)
    for i in range(6):
        text = corpus.docs["text"][i]
        assert _skipped(corpus, f"الجزيرة-{i}") == [text[text.index("مقالات أخرى"):]]
    formula = [s for i in range(6, 18) for s in _skipped(corpus, f"الجزيرة-{i}")]
    if formula_in_middle:  # it opens paragraphs inside articles too: a formula, kept
        assert formula == []
        assert {"يذكر", "المعرض", "المهرجان"} <= _terms(corpus)
    else:  # it only ever closes articles: template like the list
        assert len(formula) == 12 and all(s.startswith("يذكر أن") for s in formula)
    assert "مقالات" not in _terms(corpus)
    docs = corpus.docs
    assert clean_spans(docs, boilerplate=learn_boilerplate(docs.iloc[:9]) + learn_boilerplate(docs.iloc[9:])).equals(
        corpus.cleaning)


def test_a_related_list_on_a_line_of_its_own_is_cut_with_its_titles():
    # Regression: aljazirah's «مقالات أخرى للكاتب» list on its own last line lost only its
    # first words; the writer's other titles were counted as the article's.
    titles = ["مقال عن الطقس", "حوار عن النفط", "رأي في التعليم", "قراءة في الصحة", "تقرير عن الرياضة",
              "نظرة إلى السياحة", "خواطر عن البحر", "ذكريات من القرية"]
    texts = [f"{body}\nمقالات أخرى للكاتب{title}{titles[i - 1]}" for i, (body, title) in enumerate(zip(BODIES, titles))]
    corpus = _corpus({"الجزيرة": texts})
    for i, text in enumerate(texts):
        assert _skipped(corpus, f"الجزيرة-{i}") == [text.split("\n")[1]]
    assert not {"مقالات", "الطقس", "السياحة", "القرية"} & _terms(corpus)
    assert {"فرضت", "جنيف"} <= _terms(corpus)


def test_a_recurring_head_of_an_article_of_one_line_does_not_cut_the_article():
    texts = [f"قال الوزير إن {body}" for body in BODIES]
    corpus = _corpus({"واس": texts})
    for i, text in enumerate(texts):
        assert _skipped(corpus, f"واس-{i}") == ["قال الوزير إن"]
    assert {"فرضت", "جنيف", "الرياض"} <= _terms(corpus)


def test_min_share_and_min_docs_decide_what_recurs():
    texts = [f"{body}\nتابعونا على تويتر" for body in BODIES[:5]] + BODIES[5:]
    assert len(clean_spans(_corpus({"أ": texts}).docs)) == 5  # 5 of 8 documents
    assert clean_spans(_corpus({"أ": texts}).docs, CleanOptions(min_docs=6)).empty
    assert clean_spans(_corpus({"أ": texts}).docs, CleanOptions(min_share=0.7)).empty
    assert clean_spans(_corpus({"أ": texts}).docs, CleanOptions(boilerplate=False)).empty


# --------------------------------------------------------------------------- web debris

DEBRIS = {
    "html": ("قال الوزير <b>اليوم</b> .box_vote h5 { margin: 10px; } إن jQuery('#vote').html(data);\nالحوار مستمر",
             ["<b>", "</b>", ".box_vote h5 { margin: 10px; }", "jQuery('#vote').html(data);"]),
    "email_protection": ("راسلوا البريد [email\xa0protected] للاستفسار", ["[email\xa0protected]"]),
    "url": ("التفاصيل على https://example.com/news?id=5 والموقع www.example.org أيضا",
            ["https://example.com/news?id=5", "www.example.org"]),
    "email": ("للتواصل: turki@alriyadh.net مع الكاتب", ["turki@alriyadh.net"]),
    "phone": ("اتصلوا على الرقم 0501234567 أو 635031 - Mobily للاشتراك",
              ["0501234567", "635031 - Mobily"]),
    "pager": ("Next Previous أعلنت الوزارة خطة جديدة", ["Next Previous"]),
    "tags": ("أعلنت الوزارة خطة جديدة للتعليم. سمات التعليم الوزارة خطة", ["سمات التعليم الوزارة خطة"]),
}


@pytest.mark.parametrize("kind", DEBRIS_KINDS)
def test_each_kind_of_debris_is_found_and_switchable(kind):
    text, expected = DEBRIS[kind]
    docs = pd.DataFrame({"doc_id": ["d"], "source": ["أ"], "text": [text]})
    spans = clean_spans(docs, CleanOptions(boilerplate=False))
    found = [text[a:b] for a, b, k in zip(spans["start"], spans["end"], spans["kind"]) if k == kind]
    assert found == expected
    off = clean_spans(docs, CleanOptions(boilerplate=False, **{kind: False}))
    assert kind not in set(off["kind"])


def test_debris_after_an_earlier_hint_is_found():
    # RE2 (the hint) reads a word boundary between an Arabic letter and a digit, Python
    # does not: the glued number is no phone, the later one is; the same for a glued سمات.
    text = "رقم الطلب0501234567 مسجل\nاتصلوا على 0501234567 اليوم\nبسمات واضحة\nسمات التعليم الوزارة"
    docs = pd.DataFrame({"doc_id": ["d"], "source": ["أ"], "text": [text]})
    spans = clean_spans(docs, CleanOptions(boilerplate=False))
    assert [(text[a:b], k) for a, b, k in zip(spans["start"], spans["end"], spans["kind"])] == [
        ("0501234567", "phone"), ("سمات التعليم الوزارة", "tags")]
    assert spans["start"].iloc[0] == text.index("على") + 4


def test_html_entities_and_comments_are_found():
    text = "قال &quot;الوزير&quot; إن الخطة &#8220;جاهزة&#8221; /* تعليق */ اليوم"
    docs = pd.DataFrame({"doc_id": ["d"], "source": ["أ"], "text": [text]})
    spans = clean_spans(docs, CleanOptions(boilerplate=False))
    assert [text[a:b] for a, b in zip(spans["start"], spans["end"])] == [
        "&quot;", "&quot;", "&#8220;", "&#8221;", "/* تعليق */"]


def test_sms_subscription_line_goes_whole():
    text = "مقال الكاتب\nللتواصل مع الكاتب ارسل رسالة SMS تبدأ بالرمز (55) ثم مسافة ثم نص الرسالة إلى 635031 - Stc 635031 - Mobily 635031 - Zain"
    docs = pd.DataFrame({"doc_id": ["d"], "source": ["أ"], "text": [text]})
    spans = clean_spans(docs, CleanOptions(boilerplate=False))
    corpus = clean_corpus(Corpus(docs=docs, report=None), CleanOptions(boilerplate=False))
    assert not {"Mobily", "Zain", "SMS", "635031", "Stc"} & _terms(corpus)
    assert (spans["end"] <= len(text)).all()


def test_a_quranic_verse_in_braces_is_no_css():
    text = "قال تعالى {وَإِذَا كُنتَ فِيهِمْ فَأَقَمْتَ لَهُمُ الصَّلاَةَ} صدق الله العظيم. .box { margin: 0; }"
    docs = pd.DataFrame({"doc_id": ["d"], "source": ["أ"], "text": [text]})
    spans = clean_spans(docs, CleanOptions(boilerplate=False))
    assert [text[a:b] for a, b in zip(spans["start"], spans["end"])] == [".box { margin: 0; }"]


def test_ordinary_text_has_no_debris_nor_boilerplate():
    docs = pd.DataFrame({"doc_id": [str(i) for i in range(len(BODIES))], "source": ["أ"] * len(BODIES),
                         "text": [f"{b} في عام {2000 + i} بنسبة {i}% (وفق {b.split()[-1]}: ٢٠١٥)" for i, b in enumerate(BODIES)]})
    assert clean_spans(docs).empty


def test_the_demo_corpus_template_is_skipped_and_nothing_else():
    corpus = load_corpus()
    assert set(corpus.cleaning["pattern"]) == {"للاشتراك في نشرة «الحصن» اليومية أرسل كلمة «حصن» في رسالة نصية",
                                               "… اقرأ الخبر على موقع النذير: <title>"}
    docs = corpus.docs
    # The articles without the template the demo's outlets add to them.
    bare = docs.assign(text=[text.split("\n")[0] if source == "al-hisn"
                             else text.removesuffix(f" اقرأ الخبر على موقع النذير: {title}") if source == "al-nadhir"
                             else text for source, text, title in zip(docs["source"], docs["text"], docs["title"])])
    assert (bare["text"] != docs["text"]).sum() == 24
    assert count_terms(corpus, by="source").equals(count_terms(bare, by="source"))
    assert count_frames(corpus, "international-news").equals(count_frames(bare, "international-news"))


# --------------------------------------------------------------------------- counting with cleaning


def _noisy() -> Corpus:
    texts = [f"Next Previous شارك عبر تويتر\n{body} ضد العقوبات على روسيا\nرابط الخبر www.site.com/{i} // انتهى //"
             for i, body in enumerate(BODIES)]
    return _corpus({"أ": texts, "ب": BODIES[:4]})


def test_cleaning_off_counts_exactly_as_the_text_as_written():
    corpus = _noisy()
    plain = corpus.docs  # a DataFrame: counted as written, as before cleaning existed
    assert len(corpus.cleaning) > 0
    pairs = [
        (count_terms(corpus, by="source", clean=False), count_terms(plain, by="source")),
        (count_terms(corpus, ngram=2, clean=False), count_terms(plain, ngram=2)),
        (tfidf_terms(corpus, clean=False), tfidf_terms(plain)),
        (kwic(corpus, "العقوبات", clean=False), kwic(plain, "العقوبات")),
        (frame_matches(corpus, "international-news", clean=False), frame_matches(plain, "international-news")),
        (doc_frame_counts(corpus, "international-news", clean=False), doc_frame_counts(plain, "international-news")),
        (count_frames(corpus, "international-news", clean=False), count_frames(plain, "international-news")),
        (actor_frame_counts(corpus, "actors", "international-news", clean=False),
         actor_frame_counts(plain, "actors", "international-news")),
    ]
    for off, today in pairs:
        assert off.equals(today)
    assert doc_tokens(corpus, clean=False).equals(doc_tokens(plain))
    uncleaned = dataclasses.replace(corpus, cleaning=None, clean_options=None)
    assert count_terms(uncleaned, by="source").equals(count_terms(plain, by="source"))


def test_load_corpus_clean_false_is_the_corpus_as_before():
    cleaned, plain = load_corpus(), load_corpus(clean=False)
    assert plain.cleaning is None and plain.clean_options is None
    assert cleaned.clean_options == CleanOptions()
    assert cleaned.docs.equals(plain.docs)  # docs["text"] never changes
    assert count_terms(plain, by="source").equals(count_terms(plain.docs, by="source"))
    with pytest.raises(CorpusError, match="bogus"):
        load_corpus(clean={"bogus": True})
    assert load_corpus(clean={"tags": False}).clean_options.tags is False


def test_counts_skip_the_spans_and_offsets_point_into_the_text_as_written():
    corpus = _noisy()
    cleaned = count_terms(corpus, by="source", stopwords=False)
    raw = count_terms(corpus, by="source", stopwords=False, clean=False)
    a = cleaned[cleaned["source"] == "أ"]
    assert not {"Next", "Previous", "تويتر", "انتهي", "www"} & set(a["term"])
    assert a["tokens"].iloc[0] < raw.loc[raw["source"] == "أ", "tokens"].iloc[0]
    assert cleaned[cleaned["source"] == "ب"].reset_index(drop=True).equals(raw[raw["source"] == "ب"].reset_index(drop=True))
    texts = corpus.docs.set_index("doc_id")["text"]
    hits = frame_matches(corpus, "international-news")
    assert len(hits) and all(texts[d][s:e] == surface for d, s, e, surface in
                             zip(hits["doc_id"], hits["start"], hits["end"], hits["surface"]))
    lines = kwic(corpus, "العقوبات", window=3)
    assert all(texts[d][s:e] == k for d, s, e, k in zip(lines["doc_id"], lines["start"], lines["end"], lines["keyword"]))
    raw = kwic(corpus, "العقوبات", window=3, clean=False)
    assert lines[["doc_id", "start", "end"]].equals(raw[["doc_id", "start", "end"]])  # no keyword in the template
    # Contexts as written, their window in tokens counted: they stop where the template starts.
    assert lines["right"].tolist() == ["على روسيا"] * len(BODIES)
    assert raw["right"].str.endswith("رابط").all()


def test_cleaned_docs_keeps_offsets_and_line_breaks():
    corpus = _noisy()
    counted, written = cleaned_docs(corpus), corpus.docs
    assert (counted["text"].str.len() == written["text"].str.len()).all()
    assert (counted["text"].str.count("\n") == written["text"].str.count("\n")).all()
    assert cleaned_docs(corpus, clean=False) is written
    assert corpus.docs["text"].equals(written["text"])


def test_selections_keep_the_cleaning_of_their_documents():
    from analysis.corpus import select_documents

    corpus = _noisy()
    story = select_documents(corpus, "العقوبات")
    assert story.cleaning is corpus.cleaning
    assert "انتهي" not in _terms(story) and "انتهي" in _terms(story, clean=False)


def test_summary_and_patterns_account_for_what_was_removed():
    corpus = _noisy()
    summary = cleaning_summary(corpus).set_index("source")
    raw = count_terms(corpus, by="source", clean=False).groupby("source")["tokens"].first()
    clean = count_terms(corpus, by="source").groupby("source")["tokens"].first()
    assert summary["tokens_before"].to_dict() == raw.to_dict()
    assert summary["tokens_after"].to_dict() == clean.to_dict()
    assert summary.loc["أ", "docs_cleaned"] == len(BODIES) and summary.loc["ب", "docs_cleaned"] == 0
    patterns = boilerplate_patterns(corpus, top=3)
    assert set(patterns["source"]) == {"أ"} and len(patterns) == 3
    assert (patterns["doc_share"] == 1.0).all()
    assert patterns["tokens"].is_monotonic_decreasing
    assert (patterns["token_share"] > 0).all() and (patterns["token_share"] < 1).all()



def test_summary_and_patterns_of_stored_tokens_equal_tokenizing_and_read_only_the_cleaned_texts(monkeypatch):
    import analysis.chunks as chunks
    from analysis.corpus.cache import with_token_ids

    corpus = _noisy()
    stored = with_token_ids(corpus)
    expected = cleaning_summary(corpus), boilerplate_patterns(corpus, top=3)
    untouched = set(corpus.docs.loc[~corpus.docs["doc_id"].isin(corpus.cleaning["doc_id"]), "text"])
    assert untouched
    counted = chunks.token_counts

    def only_cleaned(texts, *args, **kwargs):
        assert not set(texts) & untouched, "tokenized a text that cleaning did not touch"
        return counted(texts, *args, **kwargs)

    monkeypatch.setattr(chunks, "token_counts", only_cleaned)
    assert cleaning_summary(stored).equals(expected[0])
    assert boilerplate_patterns(stored, top=3).equals(expected[1])

def test_provenance_states_the_cleaning():
    corpus = _noisy()
    assert "boilerplate" in provenance(corpus).cleaning and "debris: html" in provenance(corpus).cleaning
    assert provenance(corpus, clean=False).cleaning.startswith("none")


def test_bad_options_fail_at_once():
    with pytest.raises(ValueError, match="min_share"):
        CleanOptions(min_share=0)
    with pytest.raises(ValueError, match="min_docs"):
        CleanOptions(min_docs=1)
    with pytest.raises(ValueError, match="unknown cleaning option"):
        clean_spans(pd.DataFrame({"doc_id": ["a"], "source": ["s"], "text": ["نص"]}), {"html": True, "css": False})


def test_empty_and_missing_texts():
    docs = pd.DataFrame({"doc_id": ["a", "b", "c"], "source": ["s"] * 3, "text": ["", "\n\n", "نص قصير"]})
    assert clean_spans(docs).empty
    assert clean_spans(docs.iloc[0:0]).empty


# --------------------------------------------------------------------------- invariants

_WORDS = st.sampled_from(["عقوبات", "والعقوبات", "روسيا", "موسكو", "المحادثات", "الحوار", "2015", "Next",
                          "Previous", "«تهديد»", "www.x.com", "<b>", "}", "{", "واس", "انتهى", "//", "\xa0", "١٤٣٦"])
_LINE = st.lists(_WORDS, min_size=0, max_size=8).map(" ".join)
_TEXT = st.lists(st.one_of(_LINE, st.just("// انتهى //"), st.just("Next Previous تابعونا")), min_size=1, max_size=5
                 ).map("\n".join)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_TEXT, min_size=1, max_size=12))
def test_skipped_spans_never_break_offsets(texts):
    docs = pd.DataFrame({"doc_id": [str(i) for i in range(len(texts))], "source": ["أ"] * len(texts), "text": texts,
                         "title": ["روسيا موسكو المحادثات الحوار"] * len(texts)})
    corpus = clean_corpus(Corpus(docs=docs, report=None), CleanOptions(min_docs=2))
    spans = corpus.cleaning
    lengths = docs.set_index("doc_id")["text"].str.len()
    assert ((spans["start"] >= 0) & (spans["start"] < spans["end"]) &
            (spans["end"] <= spans["doc_id"].map(lengths))).all()
    counted = cleaned_docs(corpus)["text"]
    assert (counted.str.len() == docs["text"].str.len()).all()
    hits = frame_matches(corpus, "international-news")
    assert all(texts[int(d)][s:e] == surface for d, s, e, surface in
               zip(hits["doc_id"], hits["start"], hits["end"], hits["surface"]))
    lines = kwic(corpus, "عقوبات")
    assert all(texts[int(d)][s:e] == k for d, s, e, k in zip(lines["doc_id"], lines["start"], lines["end"], lines["keyword"]))
    # Every token counted lies outside every span.
    for d, text in enumerate(texts):
        mine = spans[spans["doc_id"] == str(d)]
        blank = np.zeros(len(text), bool)
        for a, b in zip(mine["start"], mine["end"]):
            blank[a:b] = True
        assert all(not blank[s:e].any() for s, e in zip(hits.loc[hits["doc_id"] == str(d), "start"],
                                                        hits.loc[hits["doc_id"] == str(d), "end"]))


# --------------------------------------------------------------------------- the keying helpers, against plain Python

_CHARS = st.sampled_from(["a", "0", "٣", "۷", "ع", "ـ", "\xa0", " ", "  ", "\t", "€", "𝕏", "«", "\n"])
_STRING = st.lists(_CHARS, max_size=30).map("".join)


def _as_large(strings):
    import pyarrow as pa

    return pa.array(strings, pa.large_string())


@settings(max_examples=150, deadline=None)
@given(st.lists(_STRING, min_size=1, max_size=8), st.integers(1, 12), st.booleans())
def test_a_window_of_a_line_cuts_as_utf8_slice_does(strings, chars, last):
    """The first or last characters read from a byte window at that end of each line
    (lines of one buffer, as the texts' lines are) are those of the whole line."""
    from analysis.corpus.clean import _byte_views, _window

    texts = _as_large(["".join(strings)])
    _, offsets = _byte_views(texts)
    ends = offsets[0] + np.cumsum([len(s.encode()) for s in strings])
    got = _window(texts.buffers()[2], np.r_[offsets[0], ends[:-1]], ends, chars, last).to_pylist()
    assert got == [s[-chars:] if last else s[:chars] for s in strings]


@settings(max_examples=150, deadline=None)
@given(st.lists(_STRING, min_size=1, max_size=8), st.integers(1, 6))
def test_keying_the_first_words_is_the_first_words_of_the_key(strings, n):
    from analysis.corpus.clean import _first_words, _keys

    got = _keys(_first_words(_as_large(strings), n)).to_pylist()
    assert got == [" ".join(k.split(" ")[:n]) if k else "" for k in _keys(_as_large(strings)).to_pylist()]


@settings(max_examples=100, deadline=None)
@given(st.lists(_STRING, min_size=1, max_size=8))
def test_the_last_word_of_a_key_and_its_word_count(strings):
    from analysis.corpus.clean import _keys, _last_word

    keys = _keys(_as_large(strings)).to_pylist()
    words, n = _last_word(_as_large(keys))
    assert words.to_pylist() == [k.split(" ")[-1] if k else "" for k in keys]
    assert n.tolist() == [len(k.split(" ")) if k else 0 for k in keys]
