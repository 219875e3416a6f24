"""Tests for analysis.corpus.story: the query language, select_documents and story_coverage."""

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from analysis.corpus import load_corpus, parse_query, select_documents, story_coverage

DOCS = pd.DataFrame({
    "doc_id": ["1", "2", "3", "4", "5", "6"],
    "source": ["عكاظ", "عكاظ", "عكاظ", "سبق", "سبق", "سبق"],
    "date": pd.to_datetime(["2015-07-03", "2015-08-10", "2015-08-20", "2015-08-01", None, "2015-09-02"]),
    "text": [
        "موسكو ترد على وبالعقوبات الأمريكية",         # Moscow, sanctions (with clitics), American
        "محادثات بين روسيا والولايات المتحدة في جنيف",  # talks, Russia, the United States
        "مباراة كرة القدم انتهت بالتعادل",             # sports: no actor
        "الإسلام دين السلام وواشنطن وواشنطن",          # السلام is ال + سلام; الإسلام is not
        "روسيا روسيا بوتين",                           # Russia three times, undated
        "عقوبات على روسيا من واشنطن",                   # sanctions, Russia, Washington
    ],
})


@pytest.fixture
def corpus():
    return dataclasses.replace(load_corpus(), docs=DOCS.copy(), path="test")


# --------------------------------------------------------------------------- the query language


@pytest.mark.parametrize("query, tree", [
    ("روسيا", ("term", 0)),
    ("روسيا OR موسكو AND عقوبات", ("or", ("term", 0), ("and", ("term", 1), ("term", 2)))),
    ("(روسيا OR موسكو) AND عقوبات", ("and", ("or", ("term", 0), ("term", 1)), ("term", 2))),
    ("NOT روسيا AND موسكو", ("and", ("not", ("term", 0)), ("term", 1))),
    ("NOT (روسيا OR موسكو)", ("not", ("or", ("term", 0), ("term", 1)))),
    ('"الولايات المتحدة" OR واشنطن', ("or", ("term", 0), ("term", 1))),
    ("روسيا OR روسيا", ("or", ("term", 0), ("term", 0))),
])
def test_query_precedence_is_not_then_and_then_or(query, tree):
    assert parse_query(query)[0] == tree


def test_query_terms_are_listed_once_with_quoted_expressions_whole():
    assert parse_query('"الولايات المتحدة" AND (تفاوض* OR روسيا) AND روسيا')[1] == ["الولايات المتحدة", "تفاوض*", "روسيا"]


@pytest.mark.parametrize("query, message", [
    ("", "the query is empty"),
    ("   ", "the query is empty"),
    ("روسيا AND", "expected a term or '\\(' at the end"),
    ("OR روسيا", "expected a term or '\\(' at position 0, found 'OR'"),
    ("(روسيا OR موسكو", "expected '\\)' at the end"),
    ("روسيا OR موسكو)", "expected a term or '\\(' before it at position 14"),
    ("روسيا موسكو", "expected AND or OR between terms \\(quote a multi-word term\\) at position 6"),
    ('"الولايات المتحدة', "the quote at position 0 is never closed"),
    ('روسيا OR ""', "empty quotes at position 9"),
    ("()", "expected a term or '\\(' at position 1, found '\\)'"),
])
def test_malformed_queries_are_refused_in_one_line_naming_the_place(query, message):
    with pytest.raises(ValueError, match=message) as error:
        parse_query(query)
    assert "\n" not in str(error.value)


# --------------------------------------------------------------------------- select_documents


def test_query_terms_match_with_the_frame_matchers_rules(corpus):
    assert select_documents(corpus, "عقوبات").docs["doc_id"].tolist() == ["1", "6"]  # وبالعقوبات counts
    assert select_documents(corpus, "سلام").docs["doc_id"].tolist() == ["4"]  # السلام, never الإسلام
    assert select_documents(corpus, "إسلام").docs["doc_id"].tolist() == ["4"]
    assert select_documents(corpus, '"الولايات المتحدة"').docs["doc_id"].tolist() == ["2"]
    assert select_documents(corpus, "المتحدة").docs["doc_id"].tolist() == ["2"]
    assert select_documents(corpus, "أمريكي*").docs["doc_id"].tolist() == ["1"]  # الأمريكية by prefix


def test_query_combines_terms_as_written(corpus):
    ids = lambda q: select_documents(corpus, q).docs["doc_id"].tolist()  # noqa: E731
    assert ids("(روسيا OR موسكو) AND (عقوبات OR محادثات)") == ["1", "2", "6"]
    assert ids("روسيا OR موسكو AND عقوبات") == ["1", "2", "5", "6"]  # روسيا OR (موسكو AND عقوبات)
    assert ids("روسيا AND NOT عقوبات") == ["2", "5"]
    assert ids("NOT (روسيا OR موسكو OR واشنطن)") == ["3"]


def test_selection_by_mentions_of_actors(corpus):
    russia_or_us = {"lexicon": "actors", "frames": ["russia", "united_states"], "min_mentions": 2}
    # 4: واشنطن twice; 5: روسيا twice and بوتين; 6: once each, not enough
    assert select_documents(corpus, russia_or_us).docs["doc_id"].tolist() == ["4", "5"]
    both = select_documents(corpus, lexicon="actors", frames=["russia", "united_states"], min_actors=2)
    assert both.docs["doc_id"].tolist() == ["1", "2", "6"]  # موسكو + الأمريكية, روسيا + الولايات المتحدة, روسيا + واشنطن
    assert select_documents(corpus, lexicon="actors").docs["doc_id"].tolist() == ["1", "2", "4", "5", "6"]


def test_selection_is_recorded_with_its_counts_per_source(corpus):
    story = select_documents(corpus, "روسيا", date_from="2015-08-01")
    assert story.selection.counts.values.tolist() == [["سبق", 2, 1], ["عكاظ", 2, 1]]  # undated and July left out
    assert story.selection.describe() == "query: روسيا; dates from 2015-08-01"
    assert story.docs["text"].tolist() == DOCS.set_index("doc_id").loc[["2", "6"], "text"].tolist()
    assert story.report is corpus.report and story.path == "test"
    assert select_documents(corpus) is corpus and select_documents(corpus, None).selection is None
    actors = select_documents(corpus, lexicon="actors", frames=["russia"], min_mentions=2).selection
    assert actors.describe() == "at least 2 mention(s) of at least 1 of russia (actors lexicon)"


def test_the_selection_can_be_given_as_json_as_the_command_line_does(corpus):
    spec = '{"query": "روسيا", "lexicon": "actors", "frames": ["united_states"], "date_to": "2015-08-31"}'
    assert select_documents(corpus, spec).docs["doc_id"].tolist() == ["2"]


@pytest.mark.parametrize("kwargs, message", [
    ({"query": {"querry": "روسيا"}}, "unknown key\\(s\\) \\['querry'\\]"),
    ({"query": '{"query": "روسيا",}'}, "is not valid JSON"),
    ({"query": {"lexicon": "actors"}, "lexicon": "international-news"}, "lexicon given both"),
    ({"lexicon": "actors", "frames": ["mars"]}, "frames \\['mars'\\] are not in lexicon 'actors'"),
    ({"lexicon": "actors", "frames": ["russia"], "min_actors": 2}, "min_actors 2 is more than the 1 frame"),
    ({"lexicon": "actors", "min_mentions": 0}, "min_mentions must be a positive integer"),
    ({"min_mentions": 2}, "give lexicon= too"),
    ({"query": "روسيا AND"}, "expected a term"),
    ({"query": 'ـ OR روسيا'}, "no word left"),
])
def test_selection_input_is_checked(corpus, kwargs, message):
    with pytest.raises(ValueError, match=message):
        select_documents(corpus, **kwargs)


# --------------------------------------------------------------------------- coverage


def wilson(k, n, z=1.959963984540054):
    centre = (k + z * z / 2) / (n + z * z)
    half = z * math.sqrt(k * (n - k) / n + z * z / 4) / (n + z * z)
    return centre - half, centre + half


def test_coverage_is_the_share_of_each_outlets_articles_with_wilson_intervals(corpus):
    story = select_documents(corpus, "روسيا OR موسكو")
    table = story_coverage(corpus, story)
    assert table[["source", "selected", "articles"]].values.tolist() == [["سبق", 2, 3], ["عكاظ", 2, 3]]
    assert table["share"].tolist() == pytest.approx([2 / 3, 2 / 3])
    assert table.loc[0, ["ci_low", "ci_high"]].tolist() == pytest.approx(wilson(2, 3))
    assert list(table.columns) == ["source", "selected", "articles", "share", "ci_low", "ci_high"]


def test_coverage_per_period_counts_within_the_selections_dates(corpus):
    story = select_documents(corpus, "روسيا OR موسكو", date_from="2015-08-01")
    table = story_coverage(corpus, story, by=["source", "month"])
    assert table.assign(month=table["month"].dt.strftime("%Y-%m"))[["source", "month", "selected", "articles"]].values.tolist() == [
        ["سبق", "2015-08", 0, 1], ["سبق", "2015-09", 1, 1], ["عكاظ", "2015-08", 1, 2]]
    assert table.loc[0, ["ci_low", "ci_high"]].tolist() == pytest.approx(wilson(0, 1))
    whole = story_coverage(corpus, story, by=None)
    assert whole[["selected", "articles"]].values.tolist() == [[2, 4]]


def test_coverage_needs_the_corpus_the_selection_came_from(corpus):
    story = select_documents(corpus, "روسيا")
    other = dataclasses.replace(corpus, docs=DOCS[DOCS["doc_id"] != "2"].reset_index(drop=True))
    with pytest.raises(ValueError, match="1 selected document\\(s\\) are not in the corpus"):
        story_coverage(other, story)


def test_coverage_without_a_selection_is_everything(corpus):
    table = story_coverage(corpus, corpus)
    assert (table["share"] == 1).all() and table["ci_high"].tolist() == pytest.approx([1, 1])


@pytest.mark.slow
def test_articles_mentioning_russia_or_the_united_states_twice_on_saudinewsnet(saudinewsnet):
    from analysis.frames import frame_matches

    story = select_documents(saudinewsnet, lexicon="actors", frames=["russia", "united_states"], min_mentions=2)
    mentions = frame_matches(saudinewsnet, "actors").query("frame in ['russia', 'united_states']")
    per_doc = mentions.groupby(["doc_id", "frame"]).size()
    expected = per_doc[per_doc >= 2].index.get_level_values("doc_id").unique()
    assert sorted(story.docs["doc_id"]) == sorted(expected)
    counts = story.selection.counts.set_index("source")
    assert counts["docs"].sum() == len(saudinewsnet) and counts["selected"].sum() == len(story)
    assert counts["selected"].to_dict() == story.docs["source"].value_counts().reindex(counts.index, fill_value=0).to_dict()
