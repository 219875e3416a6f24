"""Choosing a story's documents (a boolean query of terms, mentions of a lexicon's actors, dates) and measuring its coverage."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from analysis.corpus.clean import cleaned_docs
from analysis.corpus.model import Corpus, Selection, group_keys
from analysis.corpus.select import select_dates

__all__ = ["select_documents", "story_coverage", "parse_query"]

_QUERY_TOKEN = re.compile(r'\s*(?:(?P<quoted>"[^"]*")|(?P<open>\()|(?P<close>\))|(?P<word>[^\s()"]+)|(?P<bad>"))')
_OPERATORS = ("AND", "OR", "NOT")
_SPEC_KEYS = ("query", "lexicon", "frames", "min_mentions", "min_actors", "date_from", "date_to")


# --------------------------------------------------------------------------- the query language


def _query_tokens(query: str) -> list[tuple[str, str, int]]:
    """(kind, text, position) of each token: ``term``, ``AND``/``OR``/``NOT``, ``(``, ``)``."""
    tokens, at = [], 0
    while at < len(query) and query[at:].strip():
        match = _QUERY_TOKEN.match(query, at)
        if match.group("bad"):
            raise ValueError(f"query {query!r}: the quote at position {match.start('bad')} is never closed")
        start = match.start(match.lastgroup)
        if match.lastgroup == "quoted":
            term = match.group("quoted")[1:-1].strip()
            if not term:
                raise ValueError(f"query {query!r}: empty quotes at position {start}")
            tokens.append(("term", term, start))
        elif match.lastgroup == "word":
            word = match.group("word")
            tokens.append((word, word, start) if word in _OPERATORS else ("term", word, start))
        else:
            tokens.append((match.group(match.lastgroup), match.group(match.lastgroup), start))
        at = match.end()
    return tokens


class _Parser:
    """Recursive descent over the query's tokens: OR of ANDs of (NOT) atoms."""

    def __init__(self, query: str):
        self.query, self.tokens, self.i, self.terms = query, _query_tokens(query), 0, []

    def fail(self, expected: str):
        if self.i < len(self.tokens):
            kind, text, at = self.tokens[self.i]
            raise ValueError(f"query {self.query!r}: expected {expected} at position {at}, found {text!r}")
        raise ValueError(f"query {self.query!r}: expected {expected} at the end")

    def peek(self) -> str | None:
        return self.tokens[self.i][0] if self.i < len(self.tokens) else None

    def parse(self):
        if not self.tokens:
            raise ValueError("the query is empty")
        tree = self.either()
        if self.i < len(self.tokens):
            kind = self.peek()
            self.fail("AND or OR between terms (quote a multi-word term)" if kind in ("term", "(", "NOT")
                      else "a term or '(' before it" if kind == ")" else "the end")
        return tree

    def either(self):
        tree = self.both()
        while self.peek() == "OR":
            self.i += 1
            tree = ("or", tree, self.both())
        return tree

    def both(self):
        tree = self.negated()
        while self.peek() == "AND":
            self.i += 1
            tree = ("and", tree, self.negated())
        return tree

    def negated(self):
        if self.peek() == "NOT":
            self.i += 1
            return ("not", self.negated())
        return self.atom()

    def atom(self):
        kind = self.peek()
        if kind == "term":
            term = self.tokens[self.i][1]
            self.i += 1
            if term not in self.terms:
                self.terms.append(term)
            return ("term", self.terms.index(term))
        if kind == "(":
            self.i += 1
            tree = self.either()
            if self.peek() != ")":
                self.fail("')'")
            self.i += 1
            return tree
        self.fail("a term or '('")


def parse_query(query: str) -> tuple[tuple, list[str]]:
    """Parse a boolean query of terms into a tree and its distinct terms.

    The syntax:

    * a **term** is a word or expression written as in a lexicon and matched with the
      frame matcher's rules (:func:`analysis.frames.frame_matches`: proclitics and
      suffixes allowed, never inside another word, a trailing ``*`` for a prefix);
      a multi-word term is written in double quotes: ``"الولايات المتحدة"``;
    * ``AND``, ``OR`` and ``NOT``, in capitals, combine terms; ``NOT`` binds tightest,
      then ``AND``, then ``OR`` (as in SQL or Lucene), so
      ``روسيا OR موسكو AND عقوبات`` means ``روسيا OR (موسكو AND عقوبات)``;
    * parentheses group: ``(روسيا OR موسكو) AND (عقوبات OR محادثات)``.

    Two terms need an operator between them; an unclosed quote or parenthesis, an
    operator without its term or empty quotes is an error naming the position.

    Returns
    -------
    tuple
        The tree (``("term", i)``, ``("not", x)``, ``("and", x, y)``, ``("or", x, y)``)
        and the list of distinct terms, ``i`` indexing it.

    Examples
    --------
    >>> parse_query('روسيا OR موسكو AND (عقوبات OR "حظر اقتصادي")')
    (('or', ('term', 0), ('and', ('term', 1), ('or', ('term', 2), ('term', 3)))), ['روسيا', 'موسكو', 'عقوبات', 'حظر اقتصادي'])
    >>> parse_query("روسيا عقوبات")
    Traceback (most recent call last):
    ...
    ValueError: query 'روسيا عقوبات': expected AND or OR between terms (quote a multi-word term) at position 6, found 'عقوبات'
    """
    if not isinstance(query, str):
        raise ValueError(f"the query must be a string, not {type(query).__name__}")
    parser = _Parser(query)
    return parser.parse(), parser.terms


def _evaluate(tree: tuple, present: np.ndarray) -> np.ndarray:
    """Whether each document (row of ``present``, documents × terms) satisfies the query tree."""
    kind = tree[0]
    if kind == "term":
        return present[:, tree[1]]
    if kind == "not":
        return ~_evaluate(tree[1], present)
    left, right = _evaluate(tree[1], present), _evaluate(tree[2], present)
    return left & right if kind == "and" else left | right


# --------------------------------------------------------------------------- selecting documents


def _mentions(docs: pd.DataFrame, lexicon, options) -> np.ndarray:
    """Hits of every frame of ``lexicon`` in every document (documents × frames), with the frame matcher."""
    from analysis.frames import doc_frame_counts

    counts = doc_frame_counts(docs, lexicon, by=None, options=options)
    return counts["hits"].to_numpy().reshape(len(docs), -1)


def _spec(query) -> dict:
    """The keyword arguments of a selection given as a query string, a JSON object or a mapping."""
    if query is None:
        return {}
    if isinstance(query, str) and query.lstrip().startswith("{"):
        try:
            query = json.loads(query)
        except json.JSONDecodeError as err:
            raise ValueError(f"selection {query!r} is not valid JSON: {err.msg} at position {err.pos}") from None
    if isinstance(query, Mapping):
        unknown = sorted(set(query) - set(_SPEC_KEYS))
        if unknown:
            raise ValueError(f"selection has unknown key(s) {unknown}; known: {', '.join(_SPEC_KEYS)}")
        return dict(query)
    return {"query": query}


def select_documents(
    corpus: Corpus,
    query: str | Mapping | None = None,
    *,
    lexicon=None,
    frames: list[str] | tuple[str, ...] | None = None,
    min_mentions: int = 1,
    min_actors: int = 1,
    date_from=None,
    date_to=None,
    options=None,
) -> Corpus:
    """The documents about a story: those matching a boolean query, mentioning a lexicon's actors, in a date range.

    Every criterion given must hold; with none, ``corpus`` itself is returned. The
    selection and how many documents it kept per source are recorded on the returned
    corpus (:class:`Selection`, as ``corpus.selection``), which
    :func:`analysis.provenance.provenance` reports. Terms and mentions are matched in the
    text the counts read: a cleaned corpus's boilerplate (a repeated title, a dateline)
    never selects a document.

    Parameters
    ----------
    corpus : the Corpus to choose from.
    query : a boolean query of terms (syntax in :func:`parse_query`), e.g.
        ``'(روسيا OR موسكو) AND (عقوبات OR محادثات)'``; or the whole selection as a
        mapping (or a JSON object string) of this function's keyword arguments plus
        ``query``, as the notebooks' ``select`` parameter and the command line's
        ``--select`` pass it; None for no query.
    lexicon : a lexicon (name, path or Lexicon, e.g. ``"actors"``) whose mentions are
        counted with the frame matcher; None for none.
    frames : the lexicon's frames (actors) that count (default: all).
    min_mentions : mentions of a frame a document needs for the frame to count.
    min_actors : number of those frames a document needs.
    date_from, date_to : date bounds, as in :func:`analysis.corpus.select_dates`.
    options : normalization options for the matcher.

    Returns
    -------
    Corpus
        The chosen documents in corpus order, the ingestion report unchanged, and
        ``selection`` recording the criteria and, per source, ``docs`` (before) and
        ``selected``.

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": ["1", "2", "3"], "source": ["أ", "أ", "ب"], "text": [
    ...     "موسكو ترد على العقوبات", "روسيا وروسيا وواشنطن", "مباراة كرة القدم"]})
    >>> from analysis.corpus import load_corpus
    >>> corpus = dataclasses.replace(load_corpus(), docs=docs)
    >>> select_documents(corpus, "(روسيا OR موسكو) AND عقوبات").docs["doc_id"].tolist()
    ['1']
    >>> story = select_documents(corpus, {"lexicon": "actors", "frames": ["russia", "united_states"],
    ...                                   "min_mentions": 2})
    >>> story.docs["doc_id"].tolist(), story.selection.counts.values.tolist()
    (['2'], [['أ', 2, 1], ['ب', 1, 0]])
    """
    given = {"lexicon": lexicon, "frames": frames, "min_mentions": min_mentions, "min_actors": min_actors,
             "date_from": date_from, "date_to": date_to}
    defaults = {"lexicon": None, "frames": None, "min_mentions": 1, "min_actors": 1, "date_from": None, "date_to": None}
    spec = _spec(query)
    overlap = sorted(key for key in spec if key != "query" and given[key] != defaults[key] and spec[key] != given[key])
    if overlap:
        raise ValueError(f"{', '.join(overlap)} given both in the selection and as keyword arguments")
    settings = {**given, **{key: value for key, value in spec.items() if key != "query"}}
    query = spec.get("query")
    lexicon, frames = settings["lexicon"], settings["frames"]
    min_mentions, min_actors = settings["min_mentions"], settings["min_actors"]
    date_from, date_to = settings["date_from"], settings["date_to"]
    for name, value in (("min_mentions", min_mentions), ("min_actors", min_actors)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive integer, not {value!r}")

    if query is None and lexicon is None and date_from is None and date_to is None:
        if frames is not None or min_mentions != 1 or min_actors != 1:
            raise ValueError("frames, min_mentions and min_actors count a lexicon's mentions: give lexicon= too")
        return corpus
    chosen = select_dates(corpus, date_from, date_to)
    docs = chosen.docs
    counted = cleaned_docs(chosen)  # mentions in the text the counts read: boilerplate skipped
    keep = np.ones(len(docs), dtype=bool)
    if query is not None:
        from analysis.lexicon import Frame, Lexicon

        tree, terms = parse_query(query)
        terms_lexicon = Lexicon("query", tuple(Frame(f"term{i}", terms=(term,)) for i, term in enumerate(terms)))
        keep &= _evaluate(tree, _mentions(counted, terms_lexicon, options) > 0)
    lexicon_name, frame_ids = None, ()
    if lexicon is not None:
        from analysis.lexicon import load_lexicon

        lex = load_lexicon(lexicon)
        frame_ids = tuple(lex.frame_ids if frames is None else frames)
        unknown = [f for f in frame_ids if f not in lex.frame_ids]
        if unknown or not frame_ids:
            raise ValueError(f"frames {unknown or list(frame_ids)} are not in lexicon {lex.name!r}; "
                             f"it has {', '.join(lex.frame_ids)}")
        if min_actors > len(frame_ids):
            raise ValueError(f"min_actors {min_actors} is more than the {len(frame_ids)} frame(s) counted")
        lex = dataclasses.replace(lex, frames=tuple(f for f in lex.frames if f.id in frame_ids))
        keep &= ((_mentions(counted, lex, options) >= min_mentions).sum(axis=1) >= min_actors)
        lexicon_name = lex.name
    elif frames is not None or min_mentions != 1 or min_actors != 1:
        raise ValueError("frames, min_mentions and min_actors count a lexicon's mentions: give lexicon= too")
    before = docs["source"].value_counts(dropna=False)
    after = docs.loc[keep, "source"].value_counts(dropna=False)
    counts = pd.DataFrame({"docs": before, "selected": after.reindex(before.index, fill_value=0)})
    counts = counts.rename_axis("source").sort_index().reset_index().astype({"docs": np.int64, "selected": np.int64})
    selection = Selection(query=query, lexicon=lexicon_name, frames=frame_ids, min_mentions=int(min_mentions),
                          min_actors=int(min_actors), date_from=None if date_from is None else str(date_from),
                          date_to=None if date_to is None else str(date_to), counts=counts)
    return dataclasses.replace(chosen, docs=docs[keep].reset_index(drop=True), selection=selection)


# --------------------------------------------------------------------------- coverage


def story_coverage(
    corpus: Corpus,
    selected: Corpus,
    by: str | list[str] | None = "source",
    level: float = 0.95,
) -> pd.DataFrame:
    """Attention to a story: per group (outlet, period), its selected articles and their share of all its articles.

    Parameters
    ----------
    corpus : all the documents (the corpus the selection was made from). When
        ``selected`` records a date range, only ``corpus``'s documents in it count.
    selected : the story's documents (:func:`select_documents`), a subset of ``corpus``.
    by : grouping as in :func:`analysis.corpus.group_keys`: a column, a period
        (``"day"``, ``"week"``, ``"month"``, ``"year"``) or a list, e.g.
        ``["source", "month"]``; None for the whole corpus.
    level : coverage of the Wilson interval of the share.

    Returns
    -------
    DataFrame
        One row per group of ``corpus`` (groups sorted, undated documents a group of
        their own): the ``by`` columns, ``selected``, ``articles``, ``share``
        (selected / articles), ``ci_low``, ``ci_high`` (Wilson score interval,
        ``statsmodels`` ``proportion_confint``).

    Examples
    --------
    >>> from analysis.corpus import load_corpus
    >>> corpus = load_corpus()
    >>> story = select_documents(corpus, "عقوبات")
    >>> table = story_coverage(corpus, story)
    >>> bool((table["selected"] <= table["articles"]).all()), list(table.columns)[1:]
    (True, ['selected', 'articles', 'share', 'ci_low', 'ci_high'])
    >>> int(table["selected"].sum()) == len(story)
    True
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, not {level!r}")
    record = selected.selection
    everything = select_dates(corpus, record.date_from, record.date_to) if record else corpus
    chosen = everything.docs["doc_id"].isin(selected.docs["doc_id"])
    if chosen.sum() != len(selected.docs):
        raise ValueError(f"{len(selected.docs) - int(chosen.sum())} selected document(s) are not in the corpus "
                         "(or not in its date range): pass the corpus the selection was made from")
    keys, names = group_keys(everything.docs, by)
    table = keys[names].assign(selected=chosen.to_numpy(), articles=1)
    table = (table.groupby(names, sort=True, dropna=False).sum().reset_index() if names
             else table[["selected", "articles"]].sum().to_frame().T)
    from statsmodels.stats.proportion import proportion_confint

    low, high = proportion_confint(table["selected"], table["articles"], alpha=1 - level, method="wilson")
    return table.astype({"selected": np.int64, "articles": np.int64}).assign(
        share=table["selected"] / table["articles"], ci_low=np.asarray(low, dtype=float), ci_high=np.asarray(high, dtype=float))
