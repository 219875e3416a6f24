"""Validate frame dictionaries by reading: seeded samples of hits, coding sheets, precision and coder agreement."""

from __future__ import annotations

import csv
import hashlib
import html
import io
import os
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.compare import group_rng
from analysis.corpus import Corpus
from analysis.frames import match_context
from analysis.outputs import write_atomic

__all__ = [
    "SAMPLE_COLUMNS",
    "SHEET_COLUMNS",
    "validation_sample",
    "write_coding_sheet",
    "write_judged_sample",
    "read_sample",
    "read_codings",
    "precision_table",
    "agreement",
    "adjusted_frame_table",
]

SAMPLE_COLUMNS = ("item_id", "frame", "term", "doc_id", "source", "before", "surface", "after", "start", "end")
"""Columns of a :func:`validation_sample` table, in order."""
SHEET_COLUMNS = ("item_id", "frame", "term", "before", "surface", "after", "code", "coder", "note",
                 "source", "doc_id", "start", "end")
"""Columns of a coding sheet, in order: what a coder reads and fills in first, the references last."""
_CODES = {"0": 0, "1": 1, "٠": 0, "١": 1, "۰": 0, "۱": 1, "0.0": 0, "1.0": 1}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_APOSTROPHE = "'"
_DELIMITERS = (",", ";", "\t")
_WHITESPACE = re.compile(r"\s+")
_SEPARATOR = "\x1f"  # the unit separator: in no id or frame name
_FRAME_TABLE_STATS = frozenset({"hits", "docs_with_hit", "docs", "tokens", "rate_per_1k", "doc_share", "ci_low",
                                "ci_high", "n_docs"})  # the columns of a frame table that are not its key


# --------------------------------------------------------------------------- sampling


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()


def _item_ids(matches: pd.DataFrame) -> pd.Series:
    """``v`` + 12 hex digits of a hash of doc_id, start offset and frame: the same hit always has the same id."""
    keys = zip(matches["doc_id"].astype(str), matches["start"].astype(int).astype(str), matches["frame"].astype(str))
    return pd.Series(["v" + _digest(_SEPARATOR.join(key))[:12] for key in keys], index=matches.index, dtype="str")


def _group_names(by: str | list[str] | None, table: pd.DataFrame, where: str) -> list[str]:
    names = [] if by is None else [by] if isinstance(by, str) else list(by)
    missing = [name for name in names if name not in table.columns]
    if missing:
        raise ValueError(f"{where}: grouping column(s) {missing} not in the table; it has {list(table.columns)}")
    return names


def validation_sample(
    matches: pd.DataFrame,
    corpus: Corpus | pd.DataFrame,
    per_frame: int = 40,
    seed: int = 0,
    by: str | list[str] | None = None,
    window: int = 12,
) -> pd.DataFrame:
    """A seeded random sample of frame hits, with their context, for coders to judge.

    Parameters
    ----------
    matches : a :func:`analysis.frames.frame_matches` table (``doc_id``, ``source``,
        ``frame``, ``term``, ``surface``, ``start``, ``end``).
    corpus : the Corpus (or documents DataFrame) the matches were found in.
    per_frame : hits drawn from each stratum: each frame, or each frame × ``by`` group
        (all of a stratum's hits when it has fewer).
    seed : the same seed, hits and ``per_frame`` give the same sample.
    by : None, or column(s) of ``matches`` to stratify by within each frame, such as
        ``"source"`` (every outlet gets ``per_frame`` hits of each frame) or ``"term"``.
    window : tokens of context on each side (see :func:`analysis.frames.match_context`).

    Returns
    -------
    DataFrame
        One row per sampled hit: ``item_id``, ``frame``, ``term``, ``doc_id``, ``source``,
        ``before``, ``surface``, ``after`` (context as written in the article, cut at
        token boundaries: read right to left, ``before`` is on the right of the hit),
        ``start``, ``end`` (character offsets of the hit), then any other ``by`` column.
        Sorted by frame, the ``by`` columns, ``doc_id`` and ``start``.

    Notes
    -----
    ``item_id`` is ``v`` and 12 hex digits of a BLAKE2b hash of the hit's ``doc_id``,
    ``start`` and ``frame``, so the same hit has the same id in every sample drawn from
    the same corpus. The draw ranks each stratum's hits by a hash of the seed and the
    item id and keeps the lowest ``per_frame`` (a simple random sample without
    replacement). It therefore does not depend on the order of ``matches`` or on other
    strata: editing one frame's terms leaves the other frames' samples unchanged, and
    adding documents only brings in hits that outrank sampled ones.

    Precision pooled over strata of unequal size (all outlets of a frame when
    ``by="source"``) weighs each outlet by its sampled items, not by its hits; give
    :func:`precision_table` the same ``by`` to report precision per stratum.

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": ["1"], "source": ["أ"], "text": ["فرضت واشنطن عقوبات جديدة على موسكو"]})
    >>> m = pd.DataFrame({"doc_id": ["1"], "source": ["أ"], "frame": ["sanctions"], "term": ["عقوبات"],
    ...                   "surface": ["عقوبات"], "start": [12], "end": [18]})
    >>> validation_sample(m, docs, window=2)[["frame", "before", "surface", "after"]].values.tolist()
    [['sanctions', 'فرضت واشنطن', 'عقوبات', 'جديدة على']]
    """
    if not isinstance(per_frame, (int, np.integer)) or per_frame < 1:
        raise ValueError(f"per_frame must be a positive integer, not {per_frame!r}")
    missing = [c for c in ("doc_id", "source", "frame", "term", "surface", "start", "end") if c not in matches.columns]
    if missing:
        raise ValueError(f"matches lack column(s) {missing}; pass a frame_matches table")
    names = _group_names(by, matches, "validation_sample")
    strata = ["frame"] + [name for name in names if name != "frame"]
    ids = _item_ids(matches)
    rank = pd.Series([_digest(f"{seed}{_SEPARATOR}{i}") for i in ids], index=matches.index)
    work = matches.assign(item_id=ids, _rank=rank).sort_values(strata + ["_rank"], kind="stable")
    chosen = work.groupby(strata, sort=False, dropna=False).head(per_frame)
    chosen = chosen.sort_values(strata + ["doc_id", "start"], kind="stable").reset_index(drop=True)
    try:
        context = match_context(corpus, chosen, window)
    except KeyError as err:
        raise ValueError(f"matches name document {err.args[0]!r}, which is not in the corpus") from None
    extra = [name for name in strata if name not in SAMPLE_COLUMNS]
    return context[list(SAMPLE_COLUMNS) + extra]


# --------------------------------------------------------------------------- coding sheets


def _neutralize(value):
    """A text cell as a spreadsheet will show it, never run it: see :func:`write_coding_sheet`."""
    if isinstance(value, str) and value.startswith(_FORMULA_START + (_APOSTROPHE,)):
        return _APOSTROPHE + value
    return value


def _restore(value):
    """Undo :func:`_neutralize`."""
    if isinstance(value, str) and value.startswith(_APOSTROPHE) and value[1:].startswith(_FORMULA_START + (_APOSTROPHE,)):
        return value[1:]
    return value


def _check_sample(sample: pd.DataFrame, where: str) -> None:
    missing = [c for c in SAMPLE_COLUMNS if c not in sample.columns]
    if missing:
        raise ValueError(f"{where}: the sample lacks column(s) {missing}; pass a validation_sample table")
    repeated = sample["item_id"][sample["item_id"].duplicated()]
    if len(repeated):
        raise ValueError(f"{where}: item {repeated.iloc[0]!r} appears more than once in the sample")


_HTML_STYLE = """
body{font-family:"Noto Naskh Arabic","Amiri","Noto Sans Arabic","DejaVu Sans",sans-serif;margin:2em auto;max-width:60em;
line-height:1.7;color:#222}
h1,h2{font-weight:600}section{margin-bottom:2.5em}.description{color:#444}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #ddd;padding:0.35em 0.6em;vertical-align:top;
text-align:start}
td.id,td.ref{font-family:monospace;font-size:0.85em;white-space:nowrap;direction:ltr;unicode-bidi:isolate}
td.context{font-size:1.15em}mark{background:#ffe08a;padding:0 0.15em;border-radius:0.2em}
"""


def _sheet_html(sample: pd.DataFrame, sheet_name: str, lexicon) -> str:
    """The reading view: every value escaped, contexts right-to-left with the hit marked."""
    esc = html.escape
    frames = {f.id: f for f in lexicon.frames} if lexicon is not None else {}
    sections = []
    for frame, items in sample.groupby("frame", sort=False):
        info = frames.get(frame)
        title = esc(str(frame)) if info is None else (
            f'{esc(info.label_en)} — <span lang="ar" dir="rtl">{esc(info.label_ar)}</span> '
            f'(<code>{esc(str(frame))}</code>)')
        description = f'<p class="description">{esc(info.description)}</p>' if info is not None and info.description else ""
        rows = "".join(
            f'<tr><td class="id">{esc(str(r.item_id))}</td>'
            f'<td class="context" dir="rtl" lang="ar">{esc(str(r.before))} <mark>{esc(str(r.surface))}</mark> '
            f'{esc(str(r.after))}</td><td dir="auto">{esc(str(r.term))}</td><td dir="auto">{esc(str(r.source))}</td>'
            f'<td class="ref">{esc(str(r.doc_id))}</td></tr>'
            for r in items.itertuples(index=False))
        sections.append(
            f'<section><h2>{title}</h2>{description}<p>{len(items):,} items.</p><table><thead><tr><th>item_id</th>'
            f'<th dir="rtl">السياق</th><th>term</th><th>source</th><th>doc_id</th></tr></thead>'
            f"<tbody>{rows}</tbody></table></section>")
    name = esc(sheet_name)
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Coding sheet {name}</title>'
        f"<style>{_HTML_STYLE}</style></head><body><h1>Coding sheet {name}</h1>"
        f"<p>For each item, read the hit (highlighted) in its context and write in the <code>code</code> column of "
        f"<code>{name}</code>: <b>1</b> if the hit expresses the frame, <b>0</b> if it does not; leave it blank "
        f"if you cannot tell. Write your name in the <code>coder</code> column (one row is enough) and anything "
        f"worth saying in <code>note</code>. Find an item by its <code>item_id</code>; do not change the ids.</p>"
        f'<p dir="rtl" lang="ar">لكل بند: اقرأ الكلمة المظللة في سياقها، واكتب في عمود <code>code</code> 1 إذا كانت '
        f"تعبّر عن الإطار و0 إذا لم تكن كذلك، واتركه فارغًا إذا تعذّر الحكم. اكتب اسمك في عمود <code>coder</code>.</p>"
        f"{''.join(sections)}</body></html>\n")


def write_coding_sheet(sample: pd.DataFrame, path: str | os.PathLike, lexicon=None) -> tuple[Path, Path]:
    """Write a coding sheet (CSV) and a reading view (HTML) beside it, for coders without Python.

    Parameters
    ----------
    sample : a :func:`validation_sample` table.
    path : the sheet to write: an Excel workbook if it ends in ``.xlsx``, otherwise CSV.
        The HTML view is written to the same name ending ``.html``.
    lexicon : the lexicon (Lexicon, YAML path or bundled name) whose frame labels and
        descriptions the HTML view shows; None shows frame ids only.

    Returns
    -------
    (Path, Path)
        The CSV and HTML files written.

    Notes
    -----
    The CSV has the columns :data:`SHEET_COLUMNS`, with ``code``, ``coder`` and ``note``
    empty: a coder writes 1 in ``code`` where the hit expresses the frame and 0 where it
    does not, and their name in ``coder``. It is UTF-8 with a byte-order mark, so Excel
    opens the Arabic as Arabic, with CRLF line ends.

    A text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
    would run as a formula in a spreadsheet (CSV injection); it is written with a leading
    apostrophe ``'``, as is a cell that already begins with one, so spreadsheets show it as
    text. :func:`read_sample` and :func:`read_codings` remove that one apostrophe again.

    An ``.xlsx`` workbook (openpyxl) holds the same columns as text cells (never
    formulas, so no apostrophe), on a right-to-left sheet named ``coding``, where
    ``before`` stands right of ``surface`` as in the sentence, and the lexicon's frames
    with their descriptions on a sheet named ``frames``. Control characters that a
    workbook cannot hold are written as U+FFFD.

    The HTML view escapes every value (corpus text is data, never markup), shows each
    frame's label and description, and every item's context right to left with the hit
    highlighted. It needs no network or script.

    Examples
    --------
    >>> import tempfile
    >>> sample = pd.DataFrame({"item_id": ["v0"], "frame": ["sanctions"], "term": ["عقوبات"], "doc_id": ["1"],
    ...                        "source": ["أ"], "before": ["- فرضت"], "surface": ["عقوبات"], "after": ["جديدة"],
    ...                        "start": [7], "end": [13]})
    >>> csv_path, html_path = write_coding_sheet(sample, Path(tempfile.mkdtemp()) / "sheet.csv")
    >>> csv_path.read_bytes()[:3], html_path.name
    (b'\\xef\\xbb\\xbf', 'sheet.html')
    >>> csv_path.read_text(encoding="utf-8-sig").splitlines()[1]
    "v0,sanctions,عقوبات,'- فرضت,عقوبات,جديدة,,,,أ,1,7,13"
    """
    _check_sample(sample, "write_coding_sheet")
    path = Path(path)
    html_path = path.with_suffix(".html")
    if html_path == path:
        raise ValueError(f"{path}: the coding sheet must not end in .html (the reading view is written there)")
    if lexicon is not None:
        from analysis.lexicon import load_lexicon

        lexicon = load_lexicon(lexicon)
    sheet = sample.assign(code="", coder="", note="")[list(SHEET_COLUMNS)]
    if path.suffix.lower() == ".xlsx":
        write_atomic(path, _workbook(sheet, lexicon))
    else:
        _write_csv(sheet, path)
    write_atomic(html_path, _sheet_html(sample, path.name, lexicon))
    return path, html_path


def _write_csv(sheet: pd.DataFrame, path: Path) -> None:
    """A sheet as CSV: UTF-8 with a byte-order mark, CRLF line ends, formula cells neutralized."""
    text = sheet.map(_neutralize).to_csv(index=False, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    write_atomic(path, "\ufeff" + text)


def write_judged_sample(
    sample: pd.DataFrame,
    judgements: pd.DataFrame,
    path: str | os.PathLike,
    coder: str,
    lexicon,
) -> Path:
    """Write a validation record: a sample with one coder's judgement and reason for every hit.

    Parameters
    ----------
    sample : a :func:`validation_sample` table.
    judgements : ``item_id``, ``code`` (1: the hit expresses its frame in its sentence,
        0: it does not) and ``note`` (the reason), one row for every item of ``sample``.
    path : the CSV to write.
    coder : the name written in the ``coder`` column.
    lexicon : the lexicon (Lexicon, YAML path or bundled name) the sample was drawn with;
        its SHA-256 is written in the ``lexicon_sha256`` column.

    Returns
    -------
    Path
        ``path``: a coding sheet (:data:`SHEET_COLUMNS`, then ``lexicon_sha256``) written
        as :func:`write_coding_sheet` writes its CSV, filled in, so :func:`read_sample`
        and :func:`read_codings` read it back and notebook 03 takes it as ``codings``.
        The hit is ``surface``, its context ``before`` and ``after``, the judgement
        ``code`` and the reason ``note``.

    Raises
    ------
    ValueError
        An item of the sample without a judgement, a judgement of no sample item or two
        of one item, a code other than 0 or 1, an empty reason or coder.

    Examples
    --------
    >>> import tempfile
    >>> sample = pd.DataFrame({"item_id": ["v0"], "frame": ["sanctions"], "term": ["عقوبات"], "doc_id": ["1"],
    ...                        "source": ["أ"], "before": ["فرضت"], "surface": ["عقوبات"], "after": ["جديدة"],
    ...                        "start": [5], "end": [11]})
    >>> judged = pd.DataFrame({"item_id": ["v0"], "code": [1], "note": ["عقوبات على دولة"]})
    >>> path = write_judged_sample(sample, judged, Path(tempfile.mkdtemp()) / "v.csv", "سارة", "international-news")
    >>> read_codings(path, read_sample(path)).values.tolist()
    [['v0', 'سارة', 1]]
    """
    from analysis.lexicon import load_lexicon

    _check_sample(sample, "write_judged_sample")
    missing = [c for c in ("item_id", "code", "note") if c not in judgements.columns]
    if missing:
        raise ValueError(f"write_judged_sample: judgements lack column(s) {missing}")
    if not str(coder).strip():
        raise ValueError("write_judged_sample: no coder's name")
    twice = judgements["item_id"][judgements["item_id"].duplicated()]
    if len(twice):
        raise ValueError(f"write_judged_sample: item {twice.iloc[0]!r} is judged twice")
    unknown = sorted(set(judgements["item_id"]) - set(sample["item_id"]))
    unjudged = [i for i in sample["item_id"] if i not in set(judgements["item_id"])]
    if unknown or unjudged:
        problem = f"item {unknown[0]!r} is not in the sample" if unknown else f"item {unjudged[0]!r} has no judgement"
        raise ValueError(f"write_judged_sample: {problem}")
    judged = judgements.set_index("item_id")
    bad = judged.index[~judged["code"].isin([0, 1])]
    if len(bad):
        raise ValueError(f"write_judged_sample: item {bad[0]!r} has code {judged.loc[bad[0], 'code']!r}, not 0 or 1")
    empty = judged.index[judged["note"].fillna("").astype(str).str.strip() == ""]
    if len(empty):
        raise ValueError(f"write_judged_sample: item {empty[0]!r} has no reason")
    sheet = sample.assign(code=sample["item_id"].map(judged["code"]).astype(int).astype(str), coder=str(coder),
                          note=sample["item_id"].map(judged["note"]).astype(str))[list(SHEET_COLUMNS)]
    path = Path(path)
    _write_csv(sheet.assign(lexicon_sha256=load_lexicon(lexicon).sha256), path)
    return path


_XLSX_WIDTHS = {"item_id": 16, "frame": 14, "term": 16, "before": 48, "surface": 16, "after": 48, "code": 6,
                "coder": 12, "note": 30, "source": 12, "doc_id": 24, "start": 8, "end": 8}


def _workbook(sheet: pd.DataFrame, lexicon) -> bytes:
    """The coding sheet as an .xlsx workbook: a right-to-left sheet of text cells, and the frames."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    coding = book.active
    coding.title = "coding"
    coding.sheet_view.rightToLeft = True
    coding.freeze_panes = "A2"
    wrap = Alignment(wrap_text=True, vertical="top")
    coding.append(list(sheet.columns))
    for cell in coding[1]:
        cell.font = Font(bold=True)
    for values in sheet.itertuples(index=False, name=None):
        coding.append([ILLEGAL_CHARACTERS_RE.sub("\ufffd", v) if isinstance(v, str) else None if pd.isna(v) else v
                       for v in values])
    for k, column in enumerate(sheet.columns, 1):
        coding.column_dimensions[get_column_letter(k)].width = _XLSX_WIDTHS.get(column, 12)
    if lexicon is not None:
        frames = book.create_sheet("frames")
        frames.append(["frame", "label_en", "label_ar", "description"])
        for frame in lexicon.frames:
            frames.append([frame.id, frame.label_en, frame.label_ar, frame.description])
    for page in book.worksheets:
        for row in page.iter_rows(min_row=2):
            for cell in row:
                if cell.data_type == "f":  # openpyxl takes a text that begins with "=" for a formula
                    cell.data_type = "s"
                cell.alignment = wrap
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _read_workbook(path: Path) -> pd.DataFrame:
    """The first sheet (or the one named ``coding``) of an .xlsx workbook, every cell as a string."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as err:
        raise ValueError(f"{path}: not a readable .xlsx workbook ({type(err).__name__})") from None
    try:
        rows = list((book["coding"] if "coding" in book.sheetnames else book.worksheets[0]).iter_rows(values_only=True))
    finally:
        book.close()
    if not rows:
        raise ValueError(f"{path}: the workbook's sheet is empty")
    cells = [["" if v is None else str(int(v)) if isinstance(v, float) and v.is_integer() else str(v) for v in row]
             for row in rows]
    width = len(cells[0])
    return pd.DataFrame([(row + [""] * width)[:width] for row in cells[1:]], columns=cells[0], dtype="str")


def _read_sheet(path: str | os.PathLike) -> pd.DataFrame:
    """A sheet's cells as strings ('' for empty), indexed by spreadsheet row number (the header is row 1).

    The delimiter is the one of ``,``, ``;`` and tab that finds ``item_id`` in the header
    (spreadsheets save CSV with ``;`` in some locales). Empty rows are left out.
    """
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        table = _read_workbook(path)
        return _numbered(table.set_axis([str(c).strip() for c in table.columns], axis=1))
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(f"{path}: not UTF-8 text; save it as 'CSV UTF-8'") from None
    header = text.split("\n", 1)[0]
    delimiter = max(_DELIMITERS, key=lambda d: ("item_id" in [c.strip().strip('"') for c in header.split(d)],
                                                header.count(d)))
    try:
        table = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False, skip_blank_lines=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise ValueError(f"{path}: not a readable CSV: {_WHITESPACE.sub(' ', str(err)).strip()}") from None
    table.columns = [str(c).strip() for c in table.columns]
    return _numbered(table.fillna("").map(_restore))


def _numbered(table: pd.DataFrame) -> pd.DataFrame:
    """Index the rows by spreadsheet row number (the header is row 1), then leave out empty rows."""
    table.index = np.arange(len(table)) + 2
    return table[table.apply(lambda column: column.str.strip() != "").any(axis=1)]


def _require(table: pd.DataFrame, columns, path) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(f"{path}: no column {missing[0]!r} (the sheet has {list(table.columns)})")


def read_sample(path: str | os.PathLike) -> pd.DataFrame:
    """The sample a coding sheet (CSV or ``.xlsx``) was written from: its :data:`SAMPLE_COLUMNS`.

    Examples
    --------
    >>> import tempfile
    >>> sample = pd.DataFrame({"item_id": ["v0"], "frame": ["sanctions"], "term": ["عقوبات"], "doc_id": ["1"],
    ...                        "source": ["أ"], "before": ["=1+1"], "surface": ["عقوبات"], "after": [""],
    ...                        "start": [7], "end": [13]})
    >>> csv_path, _ = write_coding_sheet(sample, Path(tempfile.mkdtemp()) / "sheet.csv")
    >>> read_sample(csv_path).equals(sample)
    True
    """
    table = _read_sheet(path)
    _require(table, SAMPLE_COLUMNS, path)
    sample = table[list(SAMPLE_COLUMNS)].reset_index(drop=True)
    for column in ("start", "end"):
        try:
            sample[column] = sample[column].astype(np.int64)
        except ValueError:
            raise ValueError(f"{path}: column {column!r} holds a value that is not a whole number") from None
    _check_sample(sample, str(path))
    return sample


def _code(value: str, path, row: int, item: str) -> float:
    text = value.strip()
    if not text:
        return np.nan
    if text not in _CODES:
        raise ValueError(f"{path} row {row} (item {item}): code {value!r} is not 0, 1 or blank")
    return _CODES[text]


def read_codings(paths, sample: pd.DataFrame | None = None) -> pd.DataFrame:
    """The codes of one or more filled-in coding sheets, one sheet per coder.

    Parameters
    ----------
    paths : a path or a list of paths of coding sheets as written by
        :func:`write_coding_sheet`: ``.xlsx``, or CSV (perhaps re-saved by a spreadsheet
        with ``,``, ``;`` or tab between cells).
    sample : the :func:`validation_sample` the sheets were written from; when given,
        an item not in it is an error.

    Returns
    -------
    DataFrame
        ``item_id``, ``coder``, ``code`` (0 or 1): one row per coded item and coder,
        sorted by coder and item. Items left blank are not listed.

    Notes
    -----
    A sheet's coder is the name written in its ``coder`` column (on any row, the same
    name wherever written). Codes are 0, 1 (also Arabic-Indic ٠ ١ or Persian ۰ ۱, and
    0.0 and 1.0 as some spreadsheets write them) or blank. Every problem is one
    ``ValueError`` line naming the file and the row as a spreadsheet numbers it (the
    header is row 1): a missing column, a code that is not 0, 1 or blank, an item twice
    in a sheet, an item not in the sample, a sheet naming no coder or several, two
    sheets of one coder.

    Examples
    --------
    >>> import tempfile
    >>> sample = pd.DataFrame({"item_id": ["v0", "v1"], "frame": ["sanctions"] * 2, "term": ["عقوبات"] * 2,
    ...                        "doc_id": ["1", "2"], "source": ["أ"] * 2, "before": [""] * 2,
    ...                        "surface": ["عقوبات"] * 2, "after": [""] * 2, "start": [0] * 2, "end": [6] * 2})
    >>> path, _ = write_coding_sheet(sample, Path(tempfile.mkdtemp()) / "sheet.csv")
    >>> sheet = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    >>> sheet.assign(code=["1", ""], coder=["سارة", ""]).to_csv(path, index=False)
    >>> read_codings(path, sample).values.tolist()
    [['v0', 'سارة', 1]]
    """
    paths = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    if not paths:
        raise ValueError("read_codings: no coding sheets given")
    known = None if sample is None else set(sample["item_id"])
    seen: dict[str, Path] = {}
    parts = []
    for path in map(Path, paths):
        table = _read_sheet(path)
        _require(table, ("item_id", "code", "coder"), path)
        items, rows = table["item_id"].str.strip(), table.index.to_numpy()
        for item, row in zip(items, rows):
            if not item:
                raise ValueError(f"{path} row {row}: no item_id")
            if known is not None and item not in known:
                raise ValueError(f"{path} row {row}: item {item!r} is not in the sample")
        repeated = items.duplicated(keep=False)
        if repeated.any():
            first = rows[repeated.to_numpy()][:2]
            raise ValueError(f"{path} rows {first[0]} and {first[1]}: item {items[repeated].iloc[0]!r} appears twice")
        codes = [_code(value, path, row, item) for value, row, item in zip(table["code"], rows, items)]
        names = sorted(set(table["coder"].str.strip()) - {""})
        if len(names) != 1:
            problem = "names no coder" if not names else f"names several coders {names}"
            raise ValueError(f"{path}: column 'coder' {problem}; write one coder's name in it (one sheet per coder)")
        coder = names[0]
        if coder in seen:
            raise ValueError(f"{path}: coder {coder!r} also coded {seen[coder]}; give each coder one sheet")
        seen[coder] = path
        parts.append(pd.DataFrame({"item_id": items, "coder": coder, "code": codes}).dropna(subset="code"))
    codings = pd.concat(parts, ignore_index=True).astype({"item_id": "str", "coder": "str", "code": np.int64})
    return codings.sort_values(["coder", "item_id"], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------- scores


def _check_codings(codings: pd.DataFrame, where: str) -> None:
    missing = [c for c in ("item_id", "coder", "code") if c not in codings.columns]
    if missing:
        raise ValueError(f"{where}: codings lack column(s) {missing}; pass a read_codings table")
    bad = codings.loc[~codings["code"].isin([0, 1]), "code"]
    if len(bad):
        raise ValueError(f"{where}: code {bad.iloc[0]} (item {codings.loc[bad.index[0], 'item_id']!r}) is not 0 or 1")
    twice = codings.duplicated(["item_id", "coder"])
    if twice.any():
        row = codings[twice].iloc[0]
        raise ValueError(f"{where}: coder {row['coder']!r} coded item {row['item_id']!r} twice")


def _majority(codings: pd.DataFrame) -> pd.DataFrame:
    """Per item: ``code`` (1 where more than half the coders wrote 1), ``tie``."""
    share = codings.groupby("item_id", sort=True)["code"].mean()
    return pd.DataFrame({"code": (share > 0.5).astype(np.int64), "tie": share == 0.5})


def precision_table(
    codings: pd.DataFrame,
    sample: pd.DataFrame,
    by: str | list[str] = "frame",
    level: float = 0.95,
) -> pd.DataFrame:
    """Precision of the dictionary per frame (or per frame and term, source…): the share of hits coded 1.

    Parameters
    ----------
    codings : a :func:`read_codings` table (``item_id``, ``coder``, ``code``).
    sample : the :func:`validation_sample` that was coded.
    by : column(s) of ``sample``: ``"frame"``, ``["frame", "term"]``, ``["frame", "source"]``.
    level : coverage of the interval.

    Returns
    -------
    DataFrame
        One row per group of the sample (groups sorted): the ``by`` columns, ``n`` (items
        with a code), ``valid`` (items whose code is 1), ``precision`` (valid / n, NaN
        when n is 0), ``ci_low``, ``ci_high`` (Wilson score interval,
        ``statsmodels.stats.proportion.proportion_confint(method="wilson")``), ``ties``
        (items that coders split evenly on) and ``uncoded`` (sample items nobody coded).

    Notes
    -----
    Where several coders coded an item, its code is the majority's; an even split
    counts as 0, since a hit is valid only when most of its coders say so (``ties``
    says how often that happened).

    Examples
    --------
    >>> sample = pd.DataFrame({"item_id": ["a", "b", "c"], "frame": ["threat"] * 3})
    >>> codings = pd.DataFrame({"item_id": ["a", "b", "a", "b"], "coder": ["س", "س", "ع", "ع"], "code": [1, 1, 1, 0]})
    >>> precision_table(codings, sample)[["frame", "n", "valid", "precision", "ties", "uncoded"]].values.tolist()
    [['threat', 2, 1, 0.5, 1, 1]]
    """
    from statsmodels.stats.proportion import proportion_confint

    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, not {level!r}")
    _check_codings(codings, "precision_table")
    names = _group_names(by, sample, "precision_table")
    unknown = sorted(set(codings["item_id"]) - set(sample["item_id"]))
    if unknown:
        raise ValueError(f"precision_table: item {unknown[0]!r} (and {len(unknown) - 1} more) is not in the sample")
    majority = _majority(codings)
    code = sample["item_id"].map(majority["code"])
    table = (
        sample[names].assign(code=code, coded=code.notna(), uncoded=code.isna(),
                             tie=sample["item_id"].map(majority["tie"]).fillna(False).astype(bool))
        .groupby(names, sort=True, dropna=False)
        .agg(n=("coded", "sum"), valid=("code", "sum"), ties=("tie", "sum"), uncoded=("uncoded", "sum"))
        .reset_index()
        .astype({"n": np.int64, "valid": np.int64, "ties": np.int64, "uncoded": np.int64})
    )
    coded = table["n"] > 0
    low, high = np.full(len(table), np.nan), np.full(len(table), np.nan)
    if coded.any():
        low[coded], high[coded] = proportion_confint(table.loc[coded, "valid"], table.loc[coded, "n"],
                                                     alpha=1 - level, method="wilson")
    precision = np.divide(table["valid"], table["n"], out=np.full(len(table), np.nan), where=coded.to_numpy())
    table = table.assign(precision=precision, ci_low=low, ci_high=high)
    return table[names + ["n", "valid", "precision", "ci_low", "ci_high", "ties", "uncoded"]]


def agreement(codings: pd.DataFrame, sample: pd.DataFrame | None = None, by: str | list[str] | None = None) -> pd.DataFrame:
    """Agreement between coders: Krippendorff's α (nominal) and percent agreement.

    Parameters
    ----------
    codings : a :func:`read_codings` table (``item_id``, ``coder``, ``code``).
    sample : the coded :func:`validation_sample`; needed only with ``by``.
    by : None for one row over all items, or column(s) of ``sample`` (``"frame"``).

    Returns
    -------
    DataFrame
        One row (per group): the ``by`` columns, ``alpha`` (``krippendorff.alpha`` on the
        coders × items matrix, nominal), ``percent_agreement`` (the share of pairs of
        coders of one item who wrote the same code, over all items), ``items`` (items
        coded by at least two coders: the others do not enter either measure),
        ``coders`` (coders with at least one such item). ``alpha`` is NaN when fewer
        than two coders coded an item or when every code is the same (α is then
        undefined: there is no variation to agree on).

    Examples
    --------
    >>> codings = pd.DataFrame({"item_id": ["a", "b", "c", "a", "b", "c"], "coder": ["س"] * 3 + ["ع"] * 3,
    ...                         "code": [1, 0, 1, 1, 0, 0]})
    >>> row = agreement(codings).iloc[0]
    >>> round(float(row["alpha"]), 4), round(float(row["percent_agreement"]), 4), int(row["items"]), int(row["coders"])
    (0.4444, 0.6667, 3, 2)
    """
    import krippendorff

    _check_codings(codings, "agreement")
    if by is not None and sample is None:
        raise ValueError("agreement: by needs the sample, to know each item's group")
    names = [] if by is None else _group_names(by, sample, "agreement")
    work = codings if not names else codings.merge(sample[names + ["item_id"]], on="item_id", how="left")
    if names and work[names].isna().all(axis=1).any():
        raise ValueError(f"agreement: item {work.loc[work[names].isna().all(axis=1), 'item_id'].iloc[0]!r} "
                         "is not in the sample")
    groups = work.groupby(names, sort=True, dropna=False) if names else [((), work)]
    rows = []
    for key, part in groups:
        pairable = part[part.groupby("item_id")["coder"].transform("size") >= 2]
        matrix = pairable.pivot(index="coder", columns="item_id", values="code").to_numpy(dtype=float)
        ones = pairable.groupby("item_id")["code"].agg(["sum", "size"])
        pairs = ones["size"] * (ones["size"] - 1) / 2
        agreeing = ones["sum"] * (ones["sum"] - 1) / 2 + (ones["size"] - ones["sum"]) * (ones["size"] - ones["sum"] - 1) / 2
        varied = pairable["code"].nunique() > 1
        alpha = float(krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")) if varied else np.nan
        rows.append(dict(zip(names, key if isinstance(key, tuple) else (key,)),
                         alpha=alpha,
                         percent_agreement=float(agreeing.sum() / pairs.sum()) if len(pairs) else np.nan,
                         items=int(len(ones)), coders=int(pairable["coder"].nunique())))
    return pd.DataFrame(rows, columns=names + ["alpha", "percent_agreement", "items", "coders"])


# --------------------------------------------------------------------------- adjusted rates


def adjusted_frame_table(
    frame_table: pd.DataFrame,
    precision: pd.DataFrame,
    n_draws: int = 10_000,
    seed: int = 0,
    level: float = 0.95,
) -> pd.DataFrame:
    """Frame rates × precision, with an interval that carries both the bootstrap's and the precision's uncertainty.

    Parameters
    ----------
    frame_table : a :func:`analysis.compare.frame_table` table (``frame``,
        ``rate_per_1k``, ``ci_low``, ``ci_high`` and its grouping columns).
    precision : a :func:`precision_table`; its grouping columns (``frame``, and perhaps
        ``source``) must be columns of ``frame_table``.
    n_draws : Monte Carlo draws per row.
    seed : seed of the random streams (:func:`analysis.compare.group_rng`); the same seed
        gives the same intervals.
    level : coverage of the interval, also the level ``frame_table``'s interval was
        computed at.

    Returns
    -------
    DataFrame
        ``frame_table`` with ``precision`` (point estimate), ``adjusted_rate_per_1k``
        (rate × precision), ``adjusted_ci_low``, ``adjusted_ci_high``; NaN where the
        frame has no coded item.

    Notes
    -----
    Monte Carlo propagation, each row drawn ``n_draws`` times independently, from its own
    random stream derived from ``seed`` and the row's key (its grouping columns, such as
    ``source``, and ``frame``: every column but the statistics of ``frame_table`` and the
    ``*_label`` columns of :func:`analysis.lexicon.label_frames`;
    :func:`analysis.compare.group_rng`, as the bootstrap of
    :func:`analysis.compare.frame_rate_ci` does), so dropping an outlet or a frame leaves
    every other row's interval unchanged:

    * the rate from a normal distribution centred on ``rate_per_1k`` whose standard error
      is the bootstrap interval's width over 2 z (z the normal quantile of ``level``),
      clipped at 0;
    * the precision from its Jeffreys posterior Beta(valid + ½, n − valid + ½);

    the interval is the percentile interval of their product. Where the rate's interval
    has no width, it is the Jeffreys interval of the precision times the rate.

    Examples
    --------
    >>> ft = pd.DataFrame({"source": ["أ"], "frame": ["threat"], "rate_per_1k": [4.0], "ci_low": [3.0], "ci_high": [5.0]})
    >>> pt = pd.DataFrame({"frame": ["threat"], "n": [40], "valid": [30], "precision": [0.75]})
    >>> row = adjusted_frame_table(ft, pt).iloc[0]
    >>> float(row["adjusted_rate_per_1k"]), bool(row["adjusted_ci_low"] < 3.0 * 0.75 < 5.0 * 0.75 < row["adjusted_ci_high"])
    (3.0, True)
    """
    from scipy.stats import norm

    if not isinstance(n_draws, (int, np.integer)) or n_draws < 1:
        raise ValueError(f"n_draws must be a positive integer, not {n_draws!r}")
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, not {level!r}")
    missing = [c for c in ("frame", "rate_per_1k", "ci_low", "ci_high") if c not in frame_table.columns]
    if missing:
        raise ValueError(f"adjusted_frame_table: frame_table lacks column(s) {missing}; pass a frame_table table")
    stats = {"n", "valid", "precision", "ci_low", "ci_high", "ties", "uncoded"}
    keys = [c for c in precision.columns if c not in stats]
    if "frame" not in keys or not {"n", "valid", "precision"} <= set(precision.columns):
        raise ValueError("adjusted_frame_table: precision must be a precision_table with a 'frame' column")
    absent = [c for c in keys if c not in frame_table.columns]
    if absent:
        raise ValueError(f"adjusted_frame_table: precision is grouped by {absent}, which frame_table lacks")
    table = frame_table.merge(precision[keys + ["n", "valid", "precision"]], on=keys, how="left", validate="m:1")
    row_keys = [c for c in frame_table.columns
                if c not in _FRAME_TABLE_STATS and c != "frame" and not c.endswith("_label")] + ["frame"]
    z = norm.ppf(0.5 + level / 2)
    low, high = np.full(len(table), np.nan), np.full(len(table), np.nan)
    tail = (1 - level) / 2 * 100
    rows = table[["rate_per_1k", "ci_low", "ci_high", "n", "valid"]].itertuples(index=False)
    for i, (row, key) in enumerate(zip(rows, table[row_keys].itertuples(index=False))):
        if not (row.n > 0) or np.isnan(row.rate_per_1k):
            continue
        rng = group_rng(seed, list(key))
        se = (row.ci_high - row.ci_low) / (2 * z) if np.isfinite(row.ci_high - row.ci_low) else 0.0
        rates = np.clip(rng.normal(row.rate_per_1k, se, n_draws), 0, None)
        shares = rng.beta(row.valid + 0.5, row.n - row.valid + 0.5, n_draws)
        low[i], high[i] = np.percentile(rates * shares, [tail, 100 - tail])
    adjusted = table.assign(adjusted_rate_per_1k=table["rate_per_1k"] * table["precision"],
                            adjusted_ci_low=low, adjusted_ci_high=high)
    return adjusted.drop(columns=["n", "valid"])
