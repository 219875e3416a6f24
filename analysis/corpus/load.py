""":func:`load_corpus`: read every file, validate the rows, assemble the documents table and flag duplicates, accounting for every row."""

from __future__ import annotations

import json
import os
import re
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.corpus.cache import SUFFIX, cached_load, read_snapshot
from analysis.corpus.clean import CleanOptions, _options as _clean_options, clean_corpus, cleaned_docs
from analysis.corpus.columns import STANDARD, _absent_overrides, _map_columns, _present
from analysis.corpus.copies import flag_copies
from analysis.corpus.dates import _parse_dates
from analysis.corpus.duplicates import flag_duplicates
from analysis.corpus.encodings import _text_of
from analysis.corpus.files import FORMATS, _not_a_regular_file, _walk, _zip_members
from analysis.corpus.model import Corpus, CorpusError, IngestReport, _file_row, _reason
from analysis.corpus.readers import _parse_text, _read_parquet, _read_sidecars, _sidecar_warnings, _txt_record
from analysis.limits import shorten
from analysis.text import clean_name, visible


def load_corpus(
    path: str | os.PathLike | None = None,
    *,
    text: str | list[str] | None = None,
    source: str | list[str] | None = None,
    date: str | list[str] | None = None,
    title: str | list[str] | None = None,
    url: str | list[str] | None = None,
    doc_id: str | list[str] | None = None,
    default_source: str | None = None,
    encoding: str | None = None,
    dayfirst: bool | None = None,
    drop_duplicates: bool = False,
    near_duplicates: bool = True,
    clean: bool | CleanOptions | dict = True,
    follow_links: bool = False,
    progress: bool | None = None,
    cache: bool | str | os.PathLike = True,
    token_ids: bool = False,
) -> Corpus:
    """Read every document under ``path`` and account for every row.

    Parameters
    ----------
    path : a file (.txt, .csv, .tsv, .json, .jsonl, .parquet, .zip) or a folder
        mixing them (searched recursively; zip archives are read in place).
        Defaults to the bundled demo corpus.
    text, source, date, title, url, doc_id : the input column to use for each
        standard column, overriding the automatic detection from the names in
        ``analysis.corpus.COLUMN_ALIASES`` (which knows Media Cloud's ``media_name`` and
        ``publish_date``, GDELT's and Event Registry's ``source_name``, ``dateTime``,
        ``body``, and Arabic names). A list gives several names, the first a file has
        wins: ``source=["media_name", "outlet"]`` reads exports of two tools at once.
    default_source : source for rows that have none (otherwise they are rejected).
        Plain .txt files take their source from ``metadata.csv`` beside them, else from
        the sub-folder they are in.
    encoding : force this encoding for every text file instead of detecting it.
    dayfirst : read ambiguous dates such as 03/04/2021 as day/month (True) or
        month/day (False). By default each file decides where a date such as
        25/04/2021 shows its order, else month/day with a warning.
    drop_duplicates : drop documents whose normalized text repeats an earlier one
        (by default they are kept and flagged in ``is_duplicate``).
    near_duplicates : find copies and near-duplicates (wire copy republished with small
        edits, an outlet's own repeats) and add ``story_id``, ``is_near_duplicate`` and
        ``copy_of`` (:func:`analysis.corpus.flag_copies`), compared on the cleaned text
        where ``clean`` is on; False leaves them out.
    clean : find each source's boilerplate and the web debris
        (:func:`analysis.corpus.clean_corpus`), which every counting function then skips;
        a :class:`~analysis.corpus.CleanOptions` (or dict of its fields) chooses what;
        False counts every text as written, as before cleaning existed.
    follow_links : read files that symbolic links in the folder point to outside it
        (by default they are skipped with a note).
    progress : show a progress bar over files (default: in a terminal, and in Jupyter,
        where it is a notebook progress bar rather than text on stderr).
    cache : reuse what an earlier load of the same files with the same options built
        (see :mod:`analysis.corpus.cache`): True uses the cache folder
        (``$ARABIC_FRAMING_CACHE``, else the per-user cache folder), a path uses that
        folder, False reads afresh and stores nothing. ``report.cache`` says which
        happened. A file written by :func:`analysis.corpus.write_snapshot` (``.corpus``)
        is read back as the corpus it holds, whatever the other options.
    token_ids : with the cache, also give the documents' tokens as term ids
        (``corpus.tokens``, kept in the cache beside the corpus), which
        :func:`analysis.terms.count_terms` adds up instead of tokenizing: what the
        command line's ``terms`` and the report ask for. The documents are the same.

    Returns
    -------
    Corpus
        ``docs`` (see :class:`Corpus`) and ``report`` (see :class:`IngestReport`).

    Examples
    --------
    >>> corpus = load_corpus()
    >>> corpus.report.rows_read == corpus.report.rows_kept + len(corpus.report.rejected)
    True
    >>> corpus.docs[["doc_id", "source", "date", "text"]].dtypes["date"].kind
    'M'
    """
    from analysis.paths import DEMO_CORPUS

    root = Path(path) if path is not None else DEMO_CORPUS
    if not root.exists():
        where = "" if root.is_absolute() else f" (resolved to {root.absolute()} from the working directory {Path.cwd()})"
        raise CorpusError(f"{root}: {_not_a_regular_file(root) if root.is_symlink() else 'no such file or folder'}{where}")
    problem = None if root.is_dir() else _not_a_regular_file(root)
    if problem:
        raise CorpusError(f"{root}: {problem}")
    if root.is_file() and root.suffix.lower() == SUFFIX:
        return read_snapshot(root)
    if root.is_file() and root.suffix.lower() not in FORMATS:
        raise CorpusError(f"{root}: not a corpus format ({root.suffix or 'no extension'}); "
                          f"expected one of {', '.join(sorted(FORMATS))}")
    if encoding is not None:
        try:
            "".encode(encoding)
        except LookupError:
            raise CorpusError(f"unknown encoding {encoding!r}") from None
    try:
        clean_options = None if clean is False else _clean_options(clean)
    except (TypeError, ValueError) as err:
        raise CorpusError(f"clean={clean!r:.80}: {err}") from None
    overrides = {"text": text, "source": source, "date": date, "title": title, "url": url, "doc_id": doc_id}
    for name, given in overrides.items():
        if given is not None and not (isinstance(given, str) or (
                isinstance(given, (list, tuple)) and given and all(isinstance(g, str) for g in given))):
            raise CorpusError(f"{name}= must be a column name or a list of column names, not {given!r:.80}")
    if not isinstance(cache, (bool, str, os.PathLike)):
        raise CorpusError(f"cache= must be True, False or a folder, not {cache!r:.80}")
    options = {**overrides, "default_source": default_source, "encoding": encoding, "dayfirst": dayfirst,
               "drop_duplicates": drop_duplicates, "near_duplicates": near_duplicates, "follow_links": follow_links,
               "clean": clean_options.as_dict() if clean_options is not None else False}
    return cached_load(root, options, cache, lambda: _load(root, options, progress), token_ids=token_ids)


def _load(root: Path, options: dict, progress: bool | None) -> Corpus:
    """Read, validate and assemble the corpus under ``root`` (the work :func:`load_corpus` caches)."""
    overrides = {name: options[name] for name in ("text", "source", "date", "title", "url", "doc_id")}
    encoding, default_source, dayfirst = options["encoding"], options["default_source"], options["dayfirst"]
    drop_duplicates, near_duplicates = options["drop_duplicates"], options["near_duplicates"]
    clean_options = CleanOptions(**options["clean"]) if options["clean"] is not False else None
    members, file_rows = _walk(root, options["follow_links"])
    meta, sidecar_rows, members = _read_sidecars(members, root.name)
    file_rows += sidecar_rows
    pieces, rejected, warnings = [], [], []  # pieces: DataFrames, and runs of .txt records, in reading order
    txt_labels = []

    from tqdm.auto import tqdm  # in Jupyter a notebook bar (an ipywidgets widget), elsewhere text on stderr

    queue = list(members)
    shown = progress if progress is not None else sys.stderr.isatty() or _in_jupyter()
    bar = tqdm(total=len(queue), desc="reading", unit="file", disable=not shown)
    depth = {m.label: 0 for m in queue}
    while queue:
        member = queue.pop(0)
        bar.update(1)
        if member.suffix != ".zip":
            if member.suffix == ".txt":
                txt_labels.append(member.label)
            result = _read_member(member, encoding, overrides, meta)
            file_rows.append(result["file_row"])
            rejected += result["rejected"]
            warnings += result["warnings"]
            if isinstance(result["rows"], dict) and pieces and isinstance(pieces[-1], list):
                pieces[-1].append(result["rows"])
            elif result["rows"] is not None:
                pieces.append([result["rows"]] if isinstance(result["rows"], dict) else result["rows"])
            del result  # its rows live on in pieces only
            continue
        try:  # an archive; any other file is read by _read_member, which lets go of its bytes once decoded
            data = member.read()
        except (OSError, ValueError, zipfile.BadZipFile, MemoryError) as err:
            file_rows.append(_file_row(member.label, member.suffix, None, "unreadable", note=_reason(err)))
            continue
        try:
            inner, skipped = _zip_members(member, data, depth[member.label] + 1)
        except (zipfile.BadZipFile, OSError, ValueError) as err:
            file_rows.append(_file_row(member.label, member.suffix, None, "unreadable", note=f"not a readable zip archive ({_reason(err)})"))
            continue
        inner_meta, sidecar_rows, inner = _read_sidecars(inner, root.name)  # metadata.csv inside the archive
        meta.merge(inner_meta)
        file_rows += sidecar_rows
        for m in inner:
            depth[m.label] = depth[member.label] + 1
        queue[:0] = inner
        bar.total += len(inner)
        file_rows += skipped
        file_rows.append(_file_row(member.label, member.suffix, None, "read", note=f"archive with {len(inner)} corpus file(s)"))
    bar.close()
    warnings += _sidecar_warnings(meta, txt_labels)

    frames = [pd.DataFrame.from_records(p) if isinstance(p, list) else p for p in pieces]
    del pieces  # the rows as read are let go once validated (they would double a huge text's memory)
    docs, invalid, date_warnings = _validate(frames, default_source, dayfirst)
    del frames
    rejected += invalid
    warnings += date_warnings
    docs = _assemble(docs)
    calendars = docs.pop("_calendar").dropna() if "_calendar" in docs else pd.Series(dtype=object)
    calendars = calendars.groupby(docs["file"].loc[calendars.index]).unique().map(lambda c: "+".join(sorted(c)),
                                                                                  na_action="ignore")
    docs, dropped = flag_duplicates(docs, drop_duplicates)
    rejected += [(f, loc, f"duplicate of {of} (drop_duplicates=True)")
                 for f, loc, of in zip(dropped["file"], dropped["location"], dropped["duplicate_of"])]
    files = pd.DataFrame(file_rows, columns=list(_file_row("", "", None, "").keys()))
    files["rows_kept"] = files["file"].map(docs["file"].value_counts()).fillna(0).astype(int)
    files["calendar"] = files["file"].map(calendars).astype(object).fillna("")
    report = IngestReport(
        files=files.sort_values("file", kind="stable").reset_index(drop=True),
        rejected=_in_reading_order(pd.DataFrame(rejected, columns=["file", "location", "reason"])),
        warnings=_in_reading_order(pd.DataFrame(warnings, columns=["file", "location", "column", "message"])),
        duplicates=int(docs["is_duplicate"].sum()) + len(dropped),
        duplicates_dropped=drop_duplicates,
    )
    corpus = Corpus(docs=docs, report=report, path=str(root))
    corpus = clean_corpus(corpus, clean_options) if clean_options is not None else corpus
    # Copies are compared on the cleaned text: an outlet's template makes none of its
    # articles alike, and two outlets' templates hide no shared story.
    return flag_copies(corpus, cleaned_docs(corpus)["text"]) if near_duplicates else corpus


def _read_member(member, encoding, overrides, meta) -> dict:
    """One file's rows under standard column names, with ``file`` and ``location``.

    The file's bytes are let go once decoded, so a huge file is not held twice while parsed.

    Returns a dict: ``file_row`` (``rows_kept`` is filled in after validation),
    ``rejected`` and ``warnings`` met while parsing, and ``rows``: a DataFrame, a dict
    (the one record of a .txt file: a frame per file would make a folder of thousands
    of articles slow) or None.
    """
    notes = [member.note] if member.note else []
    enc, lossy, warnings = None, False, []

    def outcome(status, rejected=(), rows=None, n_read=0):
        return {"file_row": _file_row(member.label, member.suffix, enc, status, n_read, note="; ".join(notes)),
                "rejected": list(rejected), "warnings": warnings, "rows": rows}

    try:
        data = member.read()
        if member.suffix == ".parquet":
            raw, lossy = _read_parquet(data)
            enc = "utf-8" if lossy else None
            locations, rejects = [f"row {i + 1}" for i in range(len(raw))], []
        else:
            decoded, enc, lossy, warnings, more_notes = _text_of(member, data, encoding)
            del data
            notes += more_notes
            if member.suffix == ".txt":
                return outcome("read", rows=_txt_record(member, decoded, lossy and _damage(enc), overrides, meta), n_read=1)
            if not decoded.strip():
                notes.append("empty file")
                return outcome("read")
            raw, locations, rejects, misnamed = _parse_text(member.suffix, decoded)
            notes += [misnamed] if misnamed else []
    except (ValueError, OSError, UnicodeError, ImportError, RecursionError, MemoryError, zipfile.BadZipFile) as err:
        where = f" at line {err.lineno}, column {err.colno}" if isinstance(err, json.JSONDecodeError) else ""
        notes.append("nested too deeply to read" if isinstance(err, RecursionError)
                     else "too large to read in the memory available" if isinstance(err, MemoryError)
                     else f"{_reason(err)}{where}")
        return outcome("unreadable")

    rejected = [(member.label, loc, reason) for loc, reason in rejects]
    n_read = len(raw) + len(rejects)
    if len(raw) == 0:
        notes += [] if n_read else ["no rows"]
        return outcome("read", rejected, n_read=n_read)
    columns = list(raw.columns)
    rows = raw.rename(columns={**_map_columns(columns, overrides), **_absent_overrides(columns, overrides)})
    if "text" not in rows:
        wanted = f"text column {overrides['text']!r} not found" if overrides.get("text") else "no text column"
        reason = f"{wanted} among {shorten(columns)}; name it with text=... (command line: --text-column)"
        return outcome("read", rejected + [(member.label, loc, reason) for loc in locations], n_read=n_read)
    rows["file"] = member.label
    rows["location"] = locations
    rows["_damage"] = _damage(enc) if lossy else None
    return outcome("read", rejected, rows, n_read)


def _damage(enc: str) -> str:
    return f"undecodable bytes (not valid {enc})"


def _validate(frames: list[pd.DataFrame], default_source, dayfirst) -> tuple[list[pd.DataFrame], list, list]:
    """Reject rows without text or source (or with undecodable bytes), parse dates, fill ids: one pass over all files."""
    if not frames:
        return [], [], []
    rows = pd.concat(frames, ignore_index=True, sort=False)
    for column in ("source", "date", "title", "url"):
        if column not in rows:
            rows[column] = None
    if default_source is not None:
        rows["source"] = rows["source"].where(_present(rows["source"]), default_source)
    reasons = pd.Series(None, index=rows.index, dtype=object)
    has_text = _present(rows["text"])
    reasons[~has_text] = "empty text"
    lossy = has_text & rows["_damage"].notna()
    damaged = lossy & rows["text"].where(lossy, "").astype(str).str.contains("\ufffd", regex=False)
    reasons[damaged] = rows["_damage"][damaged]
    rows["source"], merged = _clean_sources(rows["source"])
    reasons[~_present(rows["source"]) & reasons.isna()] = "missing source (give default_source=... or a source column; command line: --default-source or --source-column)"
    bad = reasons.notna()
    rejected = list(zip(rows.loc[bad, "file"], rows.loc[bad, "location"], reasons[bad]))
    docs = rows.loc[~bad].drop(columns="_damage").reset_index(drop=True)

    docs["date"], docs["_calendar"], date_warnings = _parse_dates(docs["date"], dayfirst, docs["file"])
    warnings = [(docs["file"].iloc[i], docs["location"].iloc[i], "date", msg) for i, msg in date_warnings]
    warnings += [(rows["file"].iloc[i], rows["location"].iloc[i], "source", msg) for i, msg in merged]
    for column in ("text", "source", "title", "url"):
        docs[column] = docs[column].where(docs[column].notna(), "").astype(str)
    docs["source"] = docs["source"].str.strip()
    own_id = docs["file"] + ":" + docs["location"].str.replace(" ", "", regex=False)
    docs["doc_id"] = own_id if "doc_id" not in docs else docs["doc_id"].astype(object).where(
        docs["doc_id"].notna(), own_id).astype(str)
    return [docs], rejected, warnings


def _clean_sources(sources: pd.Series) -> tuple[pd.Series, list[tuple[int, str]]]:
    """Outlet names as people see them (:func:`analysis.text.clean_name`), and a note where written forms merged.

    Names differing only by invisible characters (ZWSP, RLM, BOM, an override) or by
    NFD against NFC render identically; kept apart, they would be separate groups that
    look like one. The notes give the row of the first document of each merged form.
    """
    written = pd.Series(sources.unique())
    text = written[written.map(lambda v: isinstance(v, str))]
    cleaned = text.map(clean_name)
    mapping = dict(zip(text, cleaned))
    notes = []
    for name, forms in pd.Series(text.to_numpy(), index=cleaned.to_numpy()).groupby(level=0, sort=True):
        if len(forms) > 1 and name:
            first = int(np.flatnonzero((sources == forms.iloc[0]).to_numpy())[0])
            shown = ", ".join(repr(visible(form)) for form in forms.iloc[:5])
            notes.append((first, f"{len(forms)} written forms of the outlet name {name!r} ({shown}) differ only in "
                                 "invisible characters or Unicode normalization: counted as one outlet"))
    changed = {k: v for k, v in mapping.items() if k != v}
    return (sources.map(lambda v: changed.get(v, v) if isinstance(v, str) else v) if changed else sources), notes


def _in_reading_order(table: pd.DataFrame) -> pd.DataFrame:
    """Rows sorted by file, then by the number in their location (line 2 before line 10)."""
    position = table["location"].str.extract(r"(\d+)", expand=False).astype(float).fillna(0)
    return table.assign(_position=position).sort_values(["file", "_position"], kind="stable").drop(
        columns="_position").reset_index(drop=True)


def _assemble(frames: list[pd.DataFrame]) -> pd.DataFrame:
    if not frames:
        empty = pd.DataFrame({c: pd.Series(dtype="datetime64[ns]" if c == "date" else object) for c in STANDARD})
        for c in ("file", "location"):
            empty[c] = pd.Series(dtype=object)
        return empty
    docs = pd.concat(frames, ignore_index=True, sort=False)
    extras = sorted(c for c in docs.columns if c not in STANDARD + ["file", "location"])
    docs = docs[STANDARD + extras + ["file", "location"]]
    if docs["doc_id"].duplicated().any():
        dup = docs["doc_id"].duplicated(keep=False)
        docs.loc[dup, "doc_id"] = docs.loc[dup, "doc_id"] + "@" + docs.loc[dup, "file"] + ":" + docs.loc[dup, "location"].str.replace(" ", "")
    return docs.reset_index(drop=True)


def _in_jupyter() -> bool:
    """Whether this runs in a Jupyter kernel (where a notebook progress bar can show)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and "IPKernelApp" in shell.config
