"""Load a corpus from files, folders or archives without losing or hiding a row, then choose and count its documents.

Every row read is either kept in :attr:`Corpus.docs` or listed in
:attr:`IngestReport.rejected` with its file, location and reason, so that
``report.rows_read == report.rows_kept + len(report.rejected)`` always holds.

One module per concern: ``model`` (the nouns), ``files`` (walking, archives and their
limits), ``encodings``, ``readers`` (one per format), ``columns``, ``dates``, ``load``
(:func:`load_corpus`), ``cache`` (the corpus cache and snapshots), ``select`` (date ranges and document counts), ``story`` (a
story's documents by query, actors and dates, and its coverage), ``copies`` (wire
copy and near-duplicate stories, and the ``copies`` option of the counting functions)
and ``clean`` (each source's boilerplate and web debris, the spans counting skips). The public
names are all importable from ``analysis.corpus``.
"""

from analysis.corpus.cache import CacheError, cache_dir, clear_cache, read_snapshot, write_snapshot
from analysis.corpus.clean import (DEBRIS_KINDS, Boilerplate, CleanOptions, boilerplate_patterns, clean_corpus,
                                   clean_spans, cleaned_docs, cleaning_summary, learn_boilerplate)
from analysis.corpus.columns import COLUMN_ALIASES
from analysis.corpus.copies import COPIES, copy_pairs, copy_partners, copy_shares, find_copies, flag_copies, select_copies
from analysis.corpus.encodings import detect_encoding
from analysis.corpus.files import FORMATS
from analysis.corpus.load import load_corpus
from analysis.corpus.model import PERIODS, Corpus, CorpusError, IngestReport, Selection, as_docs, doc_metadata, group_keys
from analysis.corpus.select import choose_period, count_documents, duplicate_groups, select_dates
from analysis.corpus.story import parse_query, select_documents, story_coverage

__all__ = [
    "Corpus",
    "IngestReport",
    "Selection",
    "CorpusError",
    "load_corpus",
    "CacheError",
    "cache_dir",
    "clear_cache",
    "read_snapshot",
    "write_snapshot",
    "as_docs",
    "doc_metadata",
    "group_keys",
    "COLUMN_ALIASES",
    "FORMATS",
    "PERIODS",
    "detect_encoding",
    "select_dates",
    "count_documents",
    "duplicate_groups",
    "choose_period",
    "select_documents",
    "story_coverage",
    "parse_query",
    "COPIES",
    "copy_pairs",
    "find_copies",
    "flag_copies",
    "select_copies",
    "copy_shares",
    "copy_partners",
    "CleanOptions",
    "DEBRIS_KINDS",
    "Boilerplate",
    "learn_boilerplate",
    "clean_spans",
    "clean_corpus",
    "cleaned_docs",
    "cleaning_summary",
    "boilerplate_patterns",
]
