"""One reader per format (CSV/TSV, JSON, JSON Lines, Parquet, .txt with its metadata.csv sidecar), each giving rows, locations and rejections."""

from __future__ import annotations

import csv
import io
import json
import posixpath
import re
import unicodedata
from array import array
from collections import Counter
from collections.abc import Iterator
from pathlib import PurePosixPath

import pandas as pd

from analysis.corpus.columns import COLUMN_ALIASES, _canonical, _map_columns
from analysis.corpus.encodings import _decode, detect_encoding
from analysis.corpus.files import SIDECAR, _Member
from analysis.corpus.model import _file_row, _reason
from analysis.limits import MAX_RECORD_COLUMNS, shorten
from analysis.text import visible


# An article longer than csv's default field limit (128 KiB) is still an article.
csv.field_size_limit(2**31 - 1)

# Each reader turns one file's bytes into (rows DataFrame of strings, location list, rejections).

_Rejects = list  # of (location, reason)

_LINE_END = re.compile(r"\r\n|\r|\n")


def _read_delimited(text: str, delimiter: str) -> tuple[pd.DataFrame, list[str], _Rejects]:
    """Rows of a CSV/TSV text; a broken row is rejected and reading goes on after it.

    Quoting is parsed strictly. A quoted field that never closes, or closes lines later
    with text after it, swallows the rows below it: that row is rejected naming the
    lines it ran over, and reading starts again on the line after it. A quoting fault
    within one line (``"a"b``) is read leniently, as the csv module does by default.
    """
    lines = _Lines(text)
    header: list[str] | None = None
    rows, locations, rejects = [], [], []

    def take(record: list[str], first: int) -> None:
        nonlocal header
        if header is None:
            header = [h.strip() for h in record] if record else None
        elif record and _repeats_header(record, header):
            rejects.append((f"line {first + 1}", "repeated header row (files concatenated?)"))
        elif record:
            _take_record(record, header, f"line {first + 1}", rows, locations, rejects)

    start = 0  # index of the line the current reader starts on
    while lines.has(start):
        first = start  # index of the line the current record starts on

        def plain(i: int) -> bool:
            """Whether line ``i`` is a long line without quotes that starts a record: it is
            split apart from the csv module, which would hold it in four bytes a character."""
            return i == first and header is not None and lines.plain(i)

        reader = csv.reader(lines.starting(start, plain), delimiter=delimiter, strict=True)
        try:
            for record in reader:
                take(record, first)
                first = start + reader.line_num
        except csv.Error as err:
            last = start + reader.line_num  # 1-based number of the line the error was met on
            if last > first + 1 or header is None:
                if header is None:
                    raise ValueError(f"unbalanced quote in the header (lines {first + 1}–{last}: {err})") from None
                rejects.append((f"line {first + 1}", f"unbalanced quote (the field opened on line {first + 1} runs "
                                                     f"on to line {last}: {err}; reading resumed on line {first + 2})"))
            else:
                lenient = next(csv.reader([lines[first]], delimiter=delimiter, strict=False), [])
                if lenient:
                    _take_record(lenient, header, f"line {first + 1}", rows, locations, rejects)
            start = first + 1
            continue
        if not lines.has(first):
            break
        take(lines.fields(first, delimiter), first)
        start = first + 1
    if header is None:
        return pd.DataFrame(), [], rejects
    return pd.DataFrame(rows, columns=_unique(header), dtype=object), locations, rejects


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
"""A line with its end (``\\r\\n``, ``\\r`` or ``\\n``), as ``io.StringIO(text, newline="").readlines()`` reads
it, without that buffer of four bytes a character."""


_LONG_LINE = 2**16
"""Characters from which a line without quotes is split at its delimiter by :meth:`_Lines.fields`."""


class _Lines:
    r"""The lines of a text (:data:`_LINE`), each cut from the text when it is read: where
    lines end is found as reading goes, and no list of all lines (a second copy of the
    text) is ever made.

    Examples
    --------
    >>> lines = _Lines("أ,ب\r\nج\rد")
    >>> list(lines.starting(1)), lines[0], lines.has(2), lines.has(3)
    (['ج\r', 'د'], 'أ,ب\r\n', True, False)
    >>> lines.fields(0, ",")
    ['أ', 'ب']
    """

    def __init__(self, text: str):
        self.text = text
        self.ends = array("q")  # where each line found so far ends
        self._found = _LINE.finditer(text)

    def has(self, i: int) -> bool:
        """Whether the text has a line ``i`` (counted from 0)."""
        while len(self.ends) <= i:
            line = next(self._found, None)
            if line is None:
                return False
            self.ends.append(line.end())
        return True

    def __getitem__(self, i: int) -> str:
        self.has(i)
        return self.text[self.ends[i - 1] if i else 0:self.ends[i]]

    def starting(self, i: int, until=lambda i: False) -> Iterator[str]:
        """Lines ``i``, ``i + 1``, … to the end, or to the first line ``j`` with ``until(j)``."""
        while self.has(i) and not until(i):
            yield self.text[self.ends[i - 1] if i else 0:self.ends[i]]
            i += 1

    def _bounds(self, i: int) -> tuple[int, int]:
        """Where line ``i`` starts and ends in the text, without its line end."""
        self.has(i)
        start, end = self.ends[i - 1] if i else 0, self.ends[i]
        while end > start and self.text[end - 1] in "\r\n":
            end -= 1
        return start, end

    def plain(self, i: int) -> bool:
        """Whether line ``i`` is long (:data:`_LONG_LINE` characters or more) and has no
        quote or NUL character: the csv module reads its fields as they are, split at the delimiter."""
        start, end = self._bounds(i)
        return end - start >= _LONG_LINE and self.text.find('"', start, end) < 0 and self.text.find("\0", start, end) < 0

    def fields(self, i: int, delimiter: str) -> list[str]:
        """The fields of line ``i`` (a :meth:`plain` line), cut from the text."""
        at, end = self._bounds(i)
        fields = []
        while (cut := self.text.find(delimiter, at, end)) >= 0:
            fields.append(self.text[at:cut])
            at = cut + 1
        return fields + [self.text[at:end]]


def _repeats_header(record: list[str], header: list[str]) -> bool:
    """Whether a record is the header again (two exports concatenated); a long field is not copied to tell."""
    return len(record) == len(header) and all(h in field and field.strip() == h for field, h in zip(record, header))


def _take_record(record: list[str], header: list[str], location: str, rows: list, locations: list, rejects: _Rejects) -> None:
    """Keep a record with as many fields as the header (extra empty trailing fields dropped), else reject it."""
    if len(record) > len(header) and not any(field.strip() for field in record[len(header):]):
        record = record[:len(header)]
    if len(record) != len(header):
        rejects.append((location, f"malformed row: {len(record)} fields, header has {len(header)}"))
        return
    rows.append(record)
    locations.append(location)


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for i, name in enumerate(names):
        name = name or f"column_{i + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name}_{seen[name]}"
        else:
            seen[name] = 0
        out.append(name)
    return out


def _records_frame(items: list, label: str) -> tuple[pd.DataFrame, list[str], _Rejects]:
    rows, locations, rejects = [], [], []
    for i, (location, item) in enumerate(items):
        if isinstance(item, dict):
            rows.append({k: _scalar(v) for k, v in item.items()})
            locations.append(location)
        else:
            rejects.append((location, f"not a {label} object ({type(item).__name__})"))
    keys = Counter(key for row in rows for key in row)
    if len(keys) <= MAX_RECORD_COLUMNS:
        # Object columns: an integer id stays 7 (not 7.0 beside a missing one), and every digit beyond 2**53.
        return pd.DataFrame(rows, columns=list(keys), dtype=object), locations, rejects
    return _fold_rare_keys(rows, keys), locations, rejects


_ALIASES = {alias for aliases in COLUMN_ALIASES.values() for alias in aliases}
#: A key gets a column of its own (beyond MAX_RECORD_COLUMNS keys) when at least one record in this many has it.
_SPARSE = 16


def _fold_rare_keys(rows: list[dict], keys: Counter) -> pd.DataFrame:
    """Records with more distinct keys than :data:`~analysis.limits.MAX_RECORD_COLUMNS` as a table of bounded size.

    Keys naming a standard column, then the commonest keys that at least one record in
    ``_SPARSE`` has, get a column each (at most ``MAX_RECORD_COLUMNS``); the other keys of
    each record are kept together in one JSON column, ``extra_keys``. A dense table over
    the union of keys would cost records × keys cells (gigabytes from a file of a few MB).
    """
    ranked = [key for key, _ in keys.most_common()]
    kept = [key for key in ranked if _canonical(key) in _ALIASES]
    kept += [key for key in ranked if keys[key] * _SPARSE >= len(rows) and key not in kept]
    kept = kept[:MAX_RECORD_COLUMNS]
    extra = "extra_keys"
    while extra in keys:
        extra += "_"
    columns = {key: [] for key in kept}
    rest = []
    kept_set = set(kept)
    for row in rows:
        for key, values in columns.items():
            values.append(row.get(key))
        more = {key: value for key, value in row.items() if key not in kept_set}
        rest.append(json.dumps(more, ensure_ascii=False) if more else None)
    frame = pd.DataFrame({**columns, extra: rest}, dtype=object)
    frame.attrs["note"] = (f"{len(keys):,} distinct keys: {len(kept)} kept as columns, the other "
                           f"{len(keys) - len(kept):,} (rarer) in the JSON column {extra!r}")
    return frame


def _scalar(value):
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return value


def _unique_keys(pairs: list) -> dict:
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"duplicate key {shorten(key)} in one object")
        seen[key] = value
    return seen


def _loads(text: str):
    """``json.loads`` whose failures are all ValueErrors that say where (nesting is limited by recursion).

    A key written twice in one object is an error naming it (the last value would
    otherwise win silently).
    """
    try:
        return json.loads(text, object_pairs_hook=_unique_keys)
    except RecursionError:
        raise ValueError("nested too deeply to read (more levels than Python's recursion limit)") from None


def _read_json(text: str) -> tuple[pd.DataFrame, list[str], _Rejects]:
    data = _loads(text)
    if isinstance(data, dict):
        lists = [v for v in data.values() if isinstance(v, list)]
        if len(lists) == 1:  # an API answer: {"status": "ok", "articles": [...]}
            data = lists[0]
        elif data and all(isinstance(v, dict) for v in data.values()):  # articles by key: {"a1": {...}, ...}
            return _records_frame([(f"key {shorten(k)}", v) for k, v in data.items()], "JSON")
        else:
            data = [data]  # a single article
    if not isinstance(data, list):
        raise ValueError(f"expected a JSON array of objects, found {type(data).__name__}")
    return _records_frame([(f"item {i + 1}", item) for i, item in enumerate(data)], "JSON")


def _split_lines(text: str) -> Iterator[str]:
    r"""``_LINE_END.split(text)``, one line at a time: no list of every line (a second copy of the text).

    Examples
    --------
    >>> list(_split_lines("أ\r\nب\rج\n"))
    ['أ', 'ب', 'ج', '']
    """
    at = 0
    for end in _LINE_END.finditer(text):
        yield text[at:end.start()]
        at = end.end()
    yield text[at:]


def _read_jsonl(text: str) -> tuple[pd.DataFrame, list[str], _Rejects]:
    items, rejects = [], []
    # LF, CRLF or a lone CR end a record (JSON strings hold no raw CR or LF); U+2028, U+0085
    # and friends may stand unescaped inside strings.
    for n, line in enumerate(_split_lines(text), start=1):
        if not line.strip():
            continue
        try:
            items.append((f"line {n}", _loads(line)))
        except json.JSONDecodeError as err:
            rejects.append((f"line {n}", f"invalid JSON ({err.msg} at column {err.colno})"))
        except ValueError as err:
            rejects.append((f"line {n}", f"invalid JSON ({err})"))
    frame, locations, more = _records_frame(items, "JSON")
    return frame, locations, rejects + more


_TEXT_READERS = {
    ".csv": lambda t: _read_delimited(t, _sniff_delimiter(t)),
    ".tsv": lambda t: _read_delimited(t, "\t"),
    ".json": _read_json,
    ".jsonl": _read_jsonl,
    ".ndjson": _read_jsonl,
}


def _parse_text(suffix: str, text: str) -> tuple[pd.DataFrame, list[str], _Rejects, str]:
    """A text file's rows, locations and rejections, and a note when its content belies its extension.

    JSON Lines saved as .json, and a JSON array saved as .jsonl, are common; each is
    read as what it is rather than refused.
    """
    frame, locations, rejects, note = _parse_as(suffix, text)
    return frame, locations, rejects, "; ".join(filter(None, [note, frame.attrs.pop("note", "")]))


def _parse_as(suffix: str, text: str) -> tuple[pd.DataFrame, list[str], _Rejects, str]:
    if suffix in (".jsonl", ".ndjson") and text.lstrip().startswith("["):
        try:
            return (*_read_json(text), f"a JSON array in a {suffix} file; read as JSON")
        except ValueError:
            pass  # not one array: line by line
    try:
        return (*_TEXT_READERS[suffix](text), "")
    except json.JSONDecodeError as err:
        if suffix == ".json" and err.msg == "Extra data" and text[:err.pos].rstrip(" \t\r").endswith("\n"):
            return (*_read_jsonl(text), "JSON Lines in a .json file; read line by line")
        raise


def _read_parquet(data: bytes) -> tuple[pd.DataFrame, bool]:
    """A Parquet table as object columns; binary columns decoded as UTF-8. Also: whether bytes did not decode."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(io.BytesIO(data))
    raw = table.to_pandas()
    raw = raw.astype({c: object for c in raw.columns})
    lossy = False
    for field in table.schema:
        if pa.types.is_binary(field.type) or pa.types.is_large_binary(field.type):
            decoded = raw[field.name].map(lambda v: v.decode("utf-8", errors="replace") if isinstance(v, bytes) else v)
            lossy = lossy or bool(decoded.map(lambda v: isinstance(v, str) and "\ufffd" in v).any())
            raw[field.name] = decoded
    return raw, lossy


def _sniff_delimiter(text: str) -> str:
    end = _LINE_END.search(text)
    header = text[:end.start()] if end else text  # not split: the rest would be a copy of the text
    return max([",", ";", "\t"], key=header.count)


class _Sidecars(dict):
    """Sidecar metadata: normalized file name (:func:`_sidecar_key`) → row; where each row was, which were used."""

    def __init__(self):
        super().__init__()
        self.origin: dict[str, tuple[str, str]] = {}  # key -> (metadata.csv label, "line N")
        self.folders: set[str] = set()  # keys of the folders holding a metadata.csv
        self.used: set[str] = set()

    def merge(self, other: _Sidecars) -> None:
        self.update(other)
        self.origin.update(other.origin)
        self.folders |= other.folders

    def find(self, label: str) -> dict | None:
        for key in (_sidecar_key(label.split("!")[-1]), _sidecar_key(label)):
            if key in self:
                self.used.add(key)
                return self[key]
        return None


def _sidecar_key(path: str) -> str:
    """A file name as metadata.csv may write it: ``./a.txt``, ``A.TXT``, ``sub\\a.txt`` and ``sub/a.txt`` alike."""
    return visible(posixpath.normpath(unicodedata.normalize("NFC", path.strip()).replace("\\", "/"))).casefold()


def _read_sidecars(members: list[_Member], root_label: str) -> tuple[_Sidecars, list[dict], list[_Member]]:
    """metadata.csv files: file name → metadata row; they are not corpus files themselves."""
    meta = _Sidecars()
    rows, rest = [], []
    for m in members:
        if PurePosixPath(m.label.split("!")[-1]).name.lower() != SIDECAR:
            rest.append(m)
            continue
        encoding = None
        try:
            data = m.read()
            encoding = detect_encoding(data)
            frame, locations, rejects = _read_delimited(_decode(data, encoding)[0].replace("\x00", ""), ",")
        except (OSError, ValueError) as err:
            rows.append(_file_row(m.label, ".csv", encoding, "unreadable", note=f"sidecar metadata: {_reason(err)}"))
            continue
        key = next((c for c in frame.columns if _canonical(c) in {"file", "filename", "file_name", "path", "الملف"}), None)
        base = str(PurePosixPath(m.label).parent)
        meta.folders.add(_sidecar_key(base))
        for record, location in zip(frame.to_dict("records"), locations) if key else []:
            name = str(record.pop(key))
            path = _sidecar_key(f"{base}/{name}" if base != "." else name)
            meta[path] = record
            meta.origin[path] = (m.label, location)
        note = f"sidecar metadata for {len(frame)} file(s)" if key else "metadata.csv lacks a 'file' column"
        if rejects:
            note += f"; {len(rejects)} row(s) unreadable, first {rejects[0][0]}: {rejects[0][1]}"
        rows.append(_file_row(m.label, ".csv", encoding, "read" if key else "unreadable", note=note))
    return meta, rows, rest


def _sidecar_warnings(meta: _Sidecars, txt_labels: list[str]) -> list[tuple[str, str, str, str]]:
    """Rows of metadata.csv that name no .txt file read, and .txt files beside a metadata.csv that has no row for them."""
    warnings = [(*meta.origin[key], "file", "this metadata row names no .txt file of the corpus")
                for key in meta if key not in meta.used]
    for label in txt_labels:
        folder = _sidecar_key(str(PurePosixPath(label).parent))
        if folder in meta.folders and _sidecar_key(label) not in meta.used:
            warnings.append((label, "file", "file", "no row for this file in the metadata.csv beside it"))
    return warnings


def _txt_record(member: _Member, text: str, damage: str | bool, overrides: dict, meta: dict) -> dict:
    """The one document of a .txt file: its text, first line as title, sidecar metadata, folder as source."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    record = {"text": text, "title": first[:300]}
    extra = meta.find(member.label) or {}
    for key, value in extra.items():
        record[_map_columns([key], overrides).get(key, key)] = value
    if "source" not in record and member.folder:
        record["source"] = member.folder
    record.update(file=member.label, location="file", _damage=damage or None)
    return record
