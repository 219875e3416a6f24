"""Load a corpus from files, folders or archives without losing or hiding a row.

Every row read is either kept in :attr:`Corpus.docs` or listed in
:attr:`IngestReport.rejected` with its file, location and reason, so that
``report.rows_read == report.rows_kept + len(report.rejected)`` always holds.
"""

from __future__ import annotations

import csv
import dataclasses
import errno
import io
import json
import os
import re
import stat
import sys
import zipfile
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd

from analysis.text import normalize

__all__ = ["Corpus", "IngestReport", "CorpusError", "load_corpus", "as_docs", "doc_metadata", "COLUMN_ALIASES"]

TEXT_FORMATS = {".txt", ".csv", ".tsv", ".json", ".jsonl", ".ndjson"}
FORMATS = TEXT_FORMATS | {".parquet", ".zip"}
SIDECAR = "metadata.csv"
STANDARD = ["doc_id", "source", "date", "title", "url", "text"]
ADDED_COLUMNS = ["file", "location", "is_duplicate", "duplicate_of"]

# Column names recognised in the input (compared lower-cased, spaces and dashes as "_").
COLUMN_ALIASES = {
    "text": ["text", "content", "body", "article", "article_text", "full_text", "story",
             "النص", "نص", "المحتوى", "المتن", "نص_المقال"],
    "source": ["source", "outlet", "newspaper", "publisher", "publication", "media", "site",
               "المصدر", "الصحيفة", "الجريدة", "الناشر", "الموقع"],
    "date": ["date", "published", "published_at", "publish_date", "pub_date", "date_published",
             "datetime", "timestamp", "date_extracted", "التاريخ", "تاريخ", "تاريخ_النشر"],
    "title": ["title", "headline", "head_line", "heading", "العنوان", "عنوان"],
    "url": ["url", "link", "href", "الرابط", "رابط"],
    "doc_id": ["doc_id", "id", "article_id", "docid", "المعرف"],
}

# Dates outside this window are taken for another calendar (Hijri 1443, Persian 1400) or typos.
PLAUSIBLE_YEARS = (1800, 2100)

# Archive limits: a member larger than this, or (above RATIO_CHECKED_FROM bytes) compressed more
# than this ratio, is refused, and so is any member past MAX_ARCHIVE_BYTES in total per archive.
# Real text compresses 3-10 times; only a bomb reaches 200.
MAX_MEMBER_BYTES = 2 * 1024**3
MAX_ARCHIVE_BYTES = 2 * 1024**3
MAX_COMPRESSION_RATIO = 200
RATIO_CHECKED_FROM = 1024**2
MAX_ZIP_DEPTH = 2

# The encoding reported for a file whose lines are some UTF-8, some Windows-1256.
MIXED_ENCODING = "utf-8+cp1256"
# C1 controls (U+0080-U+009F: in valid UTF-8 the bytes C2 80-9F) are rare in real text, while
# Windows-1256 bytes such as آپ (C2 81) are valid UTF-8 for them.
_C1_CONTROLS = re.compile(rb"\xc2[\x80-\x9f]")
_BEYOND_LATIN1 = re.compile("[^\x00-\xff]")

# An article longer than csv's default field limit (128 KiB) is still an article.
csv.field_size_limit(2**31 - 1)


class CorpusError(ValueError):
    """The corpus cannot be loaded at all (missing path, bad option)."""


@dataclasses.dataclass
class IngestReport:
    """What :func:`load_corpus` read, kept and rejected.

    Attributes
    ----------
    files : one row per file met: ``file``, ``format``, ``encoding``, ``status``
        (``read``, ``skipped``, ``unreadable``), ``rows_read``, ``rows_kept``, ``note``.
    rejected : one row per rejected input row: ``file``, ``location``, ``reason``.
    warnings : rows kept with a caveat: ``file``, ``location``, ``column``, ``message``
        (e.g. an implausible date set to NaT, an ambiguous day/month order, NUL bytes
        removed from a file, whose location is then ``file``).
    duplicates : number of kept documents whose normalized text repeats an earlier one.
    """

    files: pd.DataFrame
    rejected: pd.DataFrame
    warnings: pd.DataFrame
    duplicates: int
    duplicates_dropped: bool = False

    @property
    def files_read(self) -> int:
        """Files whose rows were read (archives themselves not counted)."""
        return int(((self.files["status"] == "read") & (self.files["format"] != "zip")).sum())

    @property
    def rows_read(self) -> int:
        return int(self.files["rows_read"].sum())

    @property
    def rows_kept(self) -> int:
        return int(self.files["rows_kept"].sum())

    @property
    def encodings(self) -> dict[str, str]:
        """Detected (or given) encoding per text file."""
        enc = self.files.dropna(subset=["encoding"])
        return dict(zip(enc["file"], enc["encoding"]))

    def summary(self) -> str:
        """One paragraph for people: files, rows read/kept/rejected, reasons, duplicates."""
        lines = [
            f"{self.files_read} file(s) read, {int((self.files['status'] != 'read').sum())} skipped or unreadable; "
            f"{self.rows_read} row(s) read, {self.rows_kept} kept, {len(self.rejected)} rejected; "
            f"{self.duplicates} duplicate text(s) {'dropped' if self.duplicates_dropped else 'flagged'}."
        ]
        for reason, n in self.rejected["reason"].str.replace(r" \(.*", "", regex=True).value_counts().items():
            lines.append(f"  rejected {n}: {reason}")
        for _, row in self.files[self.files["status"] != "read"].iterrows():
            lines.append(f"  {row['status']}: {row['file']} ({row['note']})")
        if len(self.warnings):
            lines.append(f"  {len(self.warnings)} warning(s), e.g. {self.warnings.iloc[0]['message']}")
        return "\n".join(lines)


@dataclasses.dataclass
class Corpus:
    """Documents and the record of how they were read.

    Attributes
    ----------
    docs : one row per kept document: ``doc_id``, ``source``, ``date`` (datetime64,
        NaT where unknown), ``title``, ``url``, ``text`` (exactly as read), any other
        metadata columns found, then ``file`` and ``location`` (where the row came
        from), ``is_duplicate`` and ``duplicate_of``.
    report : the :class:`IngestReport`.
    path : what was loaded.
    """

    docs: pd.DataFrame
    report: IngestReport
    path: str = ""

    def __len__(self) -> int:
        return len(self.docs)

    def __repr__(self) -> str:
        return f"<Corpus {self.path!r}: {len(self.docs)} docs from {self.docs['source'].nunique()} sources>"


def as_docs(corpus: Corpus | pd.DataFrame) -> pd.DataFrame:
    """The documents table of a Corpus, or a DataFrame passed as is.

    Examples
    --------
    >>> as_docs(pd.DataFrame({"doc_id": ["a"], "source": ["s"], "text": ["نص"]})).shape
    (1, 3)
    """
    docs = getattr(corpus, "docs", corpus)
    if not isinstance(docs, pd.DataFrame):
        raise TypeError(f"expected a Corpus or a DataFrame, got {type(corpus).__name__}")
    missing = {"doc_id", "source", "text"} - set(docs.columns)
    if missing:
        raise ValueError(f"documents table lacks column(s) {sorted(missing)}; it has {list(docs.columns)}")
    return docs


def doc_metadata(docs: pd.DataFrame, rows) -> pd.DataFrame:
    """``doc_id``, ``source`` and ``date`` of the documents at positions ``rows`` (repeats
    allowed), dtypes kept, on a fresh index; ``date`` is NaT where the documents have none.

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": ["a", "b"], "source": ["أ", "ب"], "text": ["", ""]})
    >>> doc_metadata(docs, [1, 1]).values.tolist()
    [['b', 'ب', NaT], ['b', 'ب', NaT]]
    """
    dates = docs["date"] if "date" in docs.columns else pd.Series(pd.NaT, index=docs.index, dtype="datetime64[ns]")
    return pd.DataFrame({name: column.iloc[rows].reset_index(drop=True) for name, column in
                         (("doc_id", docs["doc_id"]), ("source", docs["source"]), ("date", dates))})


# --------------------------------------------------------------------------- decoding

_BOMS = [
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
]


def detect_encoding(data: bytes) -> str:
    """Guess the encoding of ``data``: BOM, then BOM-less UTF-16, then strict UTF-8, then line by line.

    A file that is UTF-8 except for a few corrupt bytes stays ``utf-8`` (the rows
    holding those bytes are rejected); Windows-1256 decodes almost any bytes, so it
    is the last guess, never the first. A file joining UTF-8 lines and Windows-1256
    lines (archives concatenated over the years) is ``utf-8+cp1256``: each line is
    decoded in its own encoding, rather than the UTF-8 ones turned to mojibake.

    Examples
    --------
    >>> detect_encoding("سلام".encode("utf-8"))
    'utf-8'
    >>> detect_encoding("سلام".encode("cp1256"))
    'cp1256'
    >>> detect_encoding("\\ufeffسلام".encode("utf-16-le"))
    'utf-16'
    >>> detect_encoding("سلام\\n".encode("utf-8") + "كلام".encode("cp1256"))
    'utf-8+cp1256'
    """
    return _detect(data)[0]


def _detect(data: bytes) -> tuple[str, str | None]:
    """:func:`detect_encoding`, and the text when it was found by decoding it all as UTF-8."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name, None
    utf16 = _utf16_byte_order(data[:4096])
    if utf16:
        return utf16, None
    try:
        return "utf-8", data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    kinds = {_line_encoding(line) for line in data.split(b"\n")}
    if "cp1256" not in kinds:
        return "utf-8", None  # valid UTF-8 but for a few damaged lines: keep it, reject their rows
    return (MIXED_ENCODING if "utf-8" in kinds else "cp1256"), None


def _line_encoding(line: bytes) -> str:
    """'ascii', 'utf-8', 'damaged' (UTF-8 with a few bad bytes), 'cp1256', or 'c1' for one line of bytes.

    'c1' is valid UTF-8 whose only non-ASCII characters are C1 controls or Latin-1: in a
    file that also has Windows-1256 lines it is one of them (آپ is C2 81), else UTF-8.
    """
    if line.isascii():
        return "ascii"
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        replaced = line.decode("utf-8", errors="replace")
        non_ascii = sum(1 for ch in replaced if ord(ch) > 127)
        # Windows-1256 Arabic is hardly ever valid UTF-8: nearly every high byte becomes U+FFFD.
        return "damaged" if replaced.count("\ufffd") <= 0.3 * non_ascii else "cp1256"
    return "c1" if _C1_CONTROLS.search(line) and not _BEYOND_LATIN1.search(text) else "utf-8"


def _utf16_byte_order(sample: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' when every other byte is NUL (Latin) or 0x06 (Arabic), else None.

    Checked before UTF-8: Arabic in UTF-16 is often valid (if meaningless) UTF-8.
    """
    if len(sample) < 4:
        return None
    half = len(sample) / 2
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) + odd.count(6) > 0.6 * half and even.count(0) < 0.05 * half:
        return "utf-16-le"
    if even.count(0) + even.count(6) > 0.6 * half and odd.count(0) < 0.05 * half:
        return "utf-16-be"
    return None


def _decode(data: bytes, encoding: str) -> tuple[str, bool]:
    """The text, and whether some bytes did not decode (replaced by U+FFFD)."""
    if encoding == MIXED_ENCODING:
        return _decode_lines(data)[:2]
    try:
        return data.decode(encoding), False
    except UnicodeDecodeError:
        return data.decode(encoding, errors="replace"), True


def _decode_lines(data: bytes) -> tuple[str, bool, int]:
    """Each line in its own encoding (UTF-8 or Windows-1256): the text, whether bytes were lost, Windows-1256 lines."""
    lines, lossy, legacy = [], False, 0
    for line in data.split(b"\n"):
        kind = _line_encoding(line)
        kind = "cp1256" if kind == "c1" else kind  # a MIXED file has Windows-1256 lines: so is this one
        legacy += kind == "cp1256"
        lossy = lossy or kind == "damaged"
        lines.append(line.decode("cp1256") if kind == "cp1256" else line.decode("utf-8", errors="replace"))
    return "\n".join(lines), lossy, legacy


# --------------------------------------------------------------------------- readers
# Each reader turns one file's bytes into (rows DataFrame of strings, location list, rejections).

_Rejects = list  # of (location, reason)


def _read_delimited(text: str, delimiter: str) -> tuple[pd.DataFrame, list[str], _Rejects]:
    """Rows of a CSV/TSV text; a broken row is rejected and reading goes on after it.

    Quoting is parsed strictly. A quoted field that never closes, or closes lines later
    with text after it, swallows the rows below it: that row is rejected naming the
    lines it ran over, and reading starts again on the line after it. A quoting fault
    within one line (``"a"b``) is read leniently, as the csv module does by default.
    """
    lines = io.StringIO(text, newline="").readlines()
    header: list[str] | None = None
    rows, locations, rejects = [], [], []
    start = 0  # index of the line the current reader starts on
    while start < len(lines):
        reader = csv.reader(map(lines.__getitem__, range(start, len(lines))), delimiter=delimiter, strict=True)
        first = start  # index of the line the current record starts on
        try:
            for record in reader:
                if header is None:
                    header = [h.strip() for h in record] if record else None
                elif record:
                    _take_record(record, header, f"line {first + 1}", rows, locations, rejects)
                first = start + reader.line_num
            break
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
    if header is None:
        return pd.DataFrame(), [], rejects
    return pd.DataFrame(rows, columns=_unique(header), dtype=object), locations, rejects


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
    return pd.DataFrame.from_records(rows), locations, rejects


def _scalar(value):
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return value


def _loads(text: str):
    """``json.loads`` whose failures are all ValueErrors that say where (nesting is limited by recursion)."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("nested too deeply to read (more levels than Python's recursion limit)") from None


def _read_json(text: str) -> tuple[pd.DataFrame, list[str], _Rejects]:
    data = _loads(text)
    if isinstance(data, dict):
        lists = [v for v in data.values() if isinstance(v, list)]
        if len(lists) != 1:
            data = [data]  # a single article
        else:
            data = lists[0]
    if not isinstance(data, list):
        raise ValueError(f"expected a JSON array of objects, found {type(data).__name__}")
    return _records_frame([(f"item {i + 1}", item) for i, item in enumerate(data)], "JSON")


def _read_jsonl(text: str) -> tuple[pd.DataFrame, list[str], _Rejects]:
    items, rejects = [], []
    # Only "\n" ends a record: JSON strings may hold U+2028, U+0085 and friends unescaped.
    for n, line in enumerate(text.split("\n"), start=1):
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
    header = text.split("\n", 1)[0]
    return max([",", ";", "\t"], key=header.count)


# --------------------------------------------------------------------------- walking

@dataclasses.dataclass
class _Member:
    label: str  # shown in reports: relative path, "archive.zip!inner/file.json"
    suffix: str
    folder: str  # first sub-folder under the root ("" for top level): source of .txt files
    read: object  # () -> bytes
    note: str = ""  # carried to the file's row in the report


def _walk(root: Path) -> tuple[list[_Member], list[dict]]:
    """Files under root (sorted), and the ones skipped with a note.

    Symbolic links to files are read; links to folders are not followed (a link to
    ``..`` or ``/`` would never end). Broken links, link loops and anything that is not
    a regular file (a named pipe would block for ever) are listed with a note.
    """
    if root.is_file():
        return [_Member(root.name, root.suffix.lower(), root.parent.name, root.read_bytes)], []
    members, skipped = [], []
    for dirpath, dirnames, filenames in os.walk(root):
        links = sorted(d for d in dirnames if not d.startswith(".") and os.path.islink(os.path.join(dirpath, d)))
        for name in links:
            label = (Path(dirpath) / name).relative_to(root).as_posix()
            skipped.append(_file_row(label, "", None, "skipped", note="symbolic link to a folder, not followed"))
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in links)
        for name in sorted(filenames):
            path = Path(dirpath) / name
            rel = path.relative_to(root)
            label = rel.as_posix()
            if name.startswith("."):
                continue
            suffix = path.suffix.lower()
            if suffix not in FORMATS:
                skipped.append(_file_row(label, suffix, None, "skipped", note=f"not a corpus format ({suffix or 'no extension'})"))
                continue
            problem = _not_a_regular_file(path)
            if problem:
                skipped.append(_file_row(label, suffix, None, "unreadable", note=problem))
                continue
            folder = rel.parts[0] if len(rel.parts) > 1 else ""
            members.append(_Member(label, suffix, folder, path.read_bytes))
    return members, skipped


def _not_a_regular_file(path: Path) -> str | None:
    """Why ``path`` cannot be read as a file (broken link, link loop, pipe, device…), or None."""
    try:
        mode = path.stat().st_mode
    except OSError as err:
        if path.is_symlink():
            if err.errno == errno.ELOOP:
                return "symbolic link loop"
            return f"broken symbolic link to {os.readlink(path)!r}"
        return _reason(err)
    if stat.S_ISREG(mode):
        return None
    kind = "named pipe" if stat.S_ISFIFO(mode) else "device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "socket or other"
    return f"not a regular file ({kind})"


def _zip_members(member: _Member, data: bytes, depth: int) -> tuple[list[_Member], list[dict]]:
    """Corpus files inside an archive, read in memory on demand; size limits checked from the directory.

    Nothing is extracted, so a member named ``../../etc/passwd.txt`` is only a label;
    it is read like any other and noted as an unsafe name.
    """
    members, skipped = [], []
    total = 0
    # Left open for the members to read from: opening it again per member is quadratic in their number.
    archive = zipfile.ZipFile(io.BytesIO(data))
    for info in sorted(archive.infolist(), key=lambda i: i.filename):
        name = info.filename
        if info.is_dir() or name.startswith("__MACOSX/") or PurePosixPath(name).name.startswith("."):
            continue
        label = f"{member.label}!{name}"
        suffix = PurePosixPath(name).suffix.lower()
        if suffix not in FORMATS:
            skipped.append(_file_row(label, suffix, None, "skipped", note=f"not a corpus format ({suffix or 'no extension'})"))
            continue
        refusal = _zip_refusal(info, total, depth)
        if refusal:
            skipped.append(_file_row(label, suffix, None, "unreadable", note=refusal))
            continue
        total += info.file_size
        parts = [part for part in PurePosixPath(name).parts if part not in ("..", "/")]
        folder = parts[-2] if len(parts) > 1 else member.folder
        note = "unsafe name in archive (absolute or with ..); read in memory, nothing extracted" if _unsafe(name) else ""
        members.append(_Member(label, suffix, folder, lambda i=info: _read_zip_member(archive, i), note))
    return members, skipped


def _zip_refusal(info: zipfile.ZipInfo, total: int, depth: int) -> str | None:
    """Why an archive member is not read (size limits, nesting), or None."""
    size, packed = info.file_size, info.compress_size
    if size > MAX_MEMBER_BYTES or (size > RATIO_CHECKED_FROM and size > MAX_COMPRESSION_RATIO * max(packed, 1)):
        return (f"refused: {size} bytes uncompressed from {packed} (size limit: {MAX_MEMBER_BYTES} bytes, "
                f"compression ratio {MAX_COMPRESSION_RATIO})")
    if total + size > MAX_ARCHIVE_BYTES:
        return f"refused: the archive's members exceed {MAX_ARCHIVE_BYTES} bytes uncompressed in total (size limit)"
    if PurePosixPath(info.filename).suffix.lower() == ".zip" and depth >= MAX_ZIP_DEPTH:
        return f"refused: archives nested more than {MAX_ZIP_DEPTH} deep"
    return None


def _unsafe(name: str) -> bool:
    return name.startswith(("/", "\\")) or bool(re.match(r"[A-Za-z]:", name)) or ".." in re.split(r"[/\\]", name)


def _read_zip_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """The member's bytes, inflating no more than its declared (and already checked) size.

    ``read(n)`` inflates up to ``n`` bytes before cutting to the declared size, so asking
    for more would let a header that lies about the size expand a bomb in memory; a
    lying member then fails its CRC check (``BadZipFile``).
    """
    with archive.open(info) as fh:
        return fh.read(info.file_size)


def _file_row(file, fmt, encoding, status, rows_read=0, rows_kept=0, note=""):
    return {"file": file, "format": fmt.lstrip("."), "encoding": encoding, "status": status,
            "rows_read": rows_read, "rows_kept": rows_kept, "note": note}


# --------------------------------------------------------------------------- assembling

def _canonical(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", str(name).strip().lower())


def _map_columns(columns: list[str], overrides: dict[str, str | None]) -> dict[str, str]:
    """Input column → standard name, from overrides first, then aliases."""
    mapping: dict[str, str] = {}
    canonical = {_canonical(c): c for c in reversed(columns)}
    for standard, aliases in COLUMN_ALIASES.items():
        given = overrides.get(standard)
        if given is not None:
            if given in columns:
                mapping[given] = standard
            continue
        for alias in aliases:
            if alias in canonical and canonical[alias] not in mapping:
                mapping[canonical[alias]] = standard
                break
    # An unmapped input column already named like a standard one, or like a column the
    # loader adds (file, location…), keeps its data under another name.
    for column in columns:
        if column not in mapping and (column in mapping.values() or column in ADDED_COLUMNS):
            mapping[column] = f"{column}_input"
    return mapping


def _read_sidecars(members: list[_Member], root_label: str) -> tuple[dict[str, dict], list[dict], list[_Member]]:
    """metadata.csv files: file name → metadata row; they are not corpus files themselves."""
    meta: dict[str, dict] = {}
    rows, rest = [], []
    for m in members:
        if PurePosixPath(m.label.split("!")[-1]).name.lower() != SIDECAR:
            rest.append(m)
            continue
        encoding = None
        try:
            data = m.read()
            encoding = detect_encoding(data)
            frame, _, rejects = _read_delimited(_decode(data, encoding)[0].replace("\x00", ""), ",")
        except (OSError, ValueError) as err:
            rows.append(_file_row(m.label, ".csv", encoding, "unreadable", note=f"sidecar metadata: {_reason(err)}"))
            continue
        key = next((c for c in frame.columns if _canonical(c) in {"file", "filename", "file_name", "path", "الملف"}), None)
        base = str(PurePosixPath(m.label).parent)
        for record in frame.to_dict("records") if key else []:
            path = str(PurePosixPath(base) / record.pop(key)) if base != "." else record.pop(key)
            meta[path] = record
        note = f"sidecar metadata for {len(frame)} file(s)" if key else "metadata.csv lacks a 'file' column"
        if rejects:
            note += f"; {len(rejects)} row(s) unreadable, first {rejects[0][0]}: {rejects[0][1]}"
        rows.append(_file_row(m.label, ".csv", encoding, "read" if key else "unreadable", note=note))
    return meta, rows, rest


def load_corpus(
    path: str | os.PathLike | None = None,
    *,
    text: str | None = None,
    source: str | None = None,
    date: str | None = None,
    title: str | None = None,
    url: str | None = None,
    doc_id: str | None = None,
    default_source: str | None = None,
    encoding: str | None = None,
    dayfirst: bool | None = None,
    drop_duplicates: bool = False,
    progress: bool | None = None,
) -> Corpus:
    """Read every document under ``path`` and account for every row.

    Parameters
    ----------
    path : a file (.txt, .csv, .tsv, .json, .jsonl, .parquet, .zip) or a folder
        mixing them (searched recursively; zip archives are read in place).
        Defaults to the bundled demo corpus.
    text, source, date, title, url, doc_id : the input column to use for each
        standard column, overriding the automatic detection (see ``COLUMN_ALIASES``).
    default_source : source for rows that have none (otherwise they are rejected).
        Plain .txt files take their source from ``metadata.csv`` beside them, else from
        the sub-folder they are in.
    encoding : force this encoding for every text file instead of detecting it.
    dayfirst : read ambiguous dates such as 03/04/2021 as day/month (True) or
        month/day (False). By default each file decides where a date such as
        25/04/2021 shows its order, else month/day with a warning.
    drop_duplicates : drop documents whose normalized text repeats an earlier one
        (by default they are kept and flagged in ``is_duplicate``).
    progress : show a progress bar over files (default: when writing to a terminal).

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
        raise CorpusError(f"{root}: {_not_a_regular_file(root) if root.is_symlink() else 'no such file or folder'}")
    problem = None if root.is_dir() else _not_a_regular_file(root)
    if problem:
        raise CorpusError(f"{root}: {problem}")
    if root.is_file() and root.suffix.lower() not in FORMATS:
        raise CorpusError(f"{root}: not a corpus format ({root.suffix or 'no extension'}); "
                          f"expected one of {', '.join(sorted(FORMATS))}")
    if encoding is not None:
        try:
            "".encode(encoding)
        except LookupError:
            raise CorpusError(f"unknown encoding {encoding!r}") from None
    overrides = {"text": text, "source": source, "date": date, "title": title, "url": url, "doc_id": doc_id}

    members, file_rows = _walk(root)
    meta, sidecar_rows, members = _read_sidecars(members, root.name)
    file_rows += sidecar_rows
    pieces, rejected, warnings = [], [], []  # pieces: DataFrames, and runs of .txt records, in reading order

    from tqdm.std import tqdm  # tqdm.auto warns in notebooks without ipywidgets

    queue = list(members)
    bar = tqdm(total=len(queue), desc="reading", unit="file", disable=progress is False or (progress is None and not sys.stderr.isatty()))
    depth = {m.label: 0 for m in queue}
    while queue:
        member = queue.pop(0)
        bar.update(1)
        try:
            data = member.read()
        except (OSError, ValueError, zipfile.BadZipFile, MemoryError) as err:
            file_rows.append(_file_row(member.label, member.suffix, None, "unreadable", note=_reason(err)))
            continue
        if member.suffix == ".zip":
            try:
                inner, skipped = _zip_members(member, data, depth[member.label] + 1)
            except (zipfile.BadZipFile, OSError, ValueError) as err:
                file_rows.append(_file_row(member.label, member.suffix, None, "unreadable", note=f"not a readable zip archive ({_reason(err)})"))
                continue
            inner_meta, sidecar_rows, inner = _read_sidecars(inner, root.name)  # metadata.csv inside the archive
            meta.update(inner_meta)
            file_rows += sidecar_rows
            for m in inner:
                depth[m.label] = depth[member.label] + 1
            queue[:0] = inner
            bar.total += len(inner)
            file_rows += skipped
            file_rows.append(_file_row(member.label, member.suffix, None, "read", note=f"archive with {len(inner)} corpus file(s)"))
            continue
        result = _read_member(member, data, encoding, overrides, meta)
        file_rows.append(result["file_row"])
        rejected += result["rejected"]
        warnings += result["warnings"]
        if isinstance(result["rows"], dict) and pieces and isinstance(pieces[-1], list):
            pieces[-1].append(result["rows"])
        elif result["rows"] is not None:
            pieces.append([result["rows"]] if isinstance(result["rows"], dict) else result["rows"])
    bar.close()

    frames = [pd.DataFrame.from_records(p) if isinstance(p, list) else p for p in pieces]
    docs, invalid, date_warnings = _validate(frames, default_source, dayfirst)
    rejected += invalid
    warnings += date_warnings
    docs = _assemble(docs)
    docs, dropped = _flag_duplicates(docs, drop_duplicates)
    rejected += [(f, loc, f"duplicate of {of} (drop_duplicates=True)")
                 for f, loc, of in zip(dropped["file"], dropped["location"], dropped["duplicate_of"])]
    files = pd.DataFrame(file_rows, columns=list(_file_row("", "", None, "").keys()))
    files["rows_kept"] = files["file"].map(docs["file"].value_counts()).fillna(0).astype(int)
    report = IngestReport(
        files=files.sort_values("file", kind="stable").reset_index(drop=True),
        rejected=_in_reading_order(pd.DataFrame(rejected, columns=["file", "location", "reason"])),
        warnings=_in_reading_order(pd.DataFrame(warnings, columns=["file", "location", "column", "message"])),
        duplicates=int(docs["is_duplicate"].sum()) + len(dropped),
        duplicates_dropped=drop_duplicates,
    )
    return Corpus(docs=docs, report=report, path=str(root))


def _reason(err: Exception) -> str:
    return f"{type(err).__name__}: {err}" if str(err) else type(err).__name__


def _text_of(member: _Member, data: bytes, encoding: str | None) -> tuple[str, str, bool, list, list[str]]:
    """Decoded text of a text file: (text, encoding, lossy, warnings, notes).

    BOMs and NUL bytes are removed (NULs with a warning); a forced encoding that does
    not fit is noted with the detected one.
    """
    enc, decoded = (encoding, None) if encoding else _detect(data)  # a whole-file UTF-8 text comes decoded
    warnings, notes, lossy = [], [], False
    if enc == MIXED_ENCODING:
        decoded, lossy, legacy = _decode_lines(data)
        warnings.append((member.label, "file", "", f"{legacy} line(s) in Windows-1256 among UTF-8 ones; "
                                                     "each line decoded in its own encoding"))
    elif decoded is None:
        decoded, lossy = _decode(data, enc)
    decoded = decoded.lstrip("\ufeff")
    if "\x00" in decoded:
        warnings.append((member.label, "file", "", f"{decoded.count(chr(0))} NUL byte(s) removed "
                                                       "(a damaged file, or a wrong encoding)"))
        decoded = decoded.replace("\x00", "")
    if lossy and encoding:
        notes.append(f"encoding {encoding} was forced but does not fit every byte; detection suggests {detect_encoding(data)}")
    return decoded, enc, lossy, warnings, notes


def _read_member(member, data, encoding, overrides, meta) -> dict:
    """One file's rows under standard column names, with ``file`` and ``location``.

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
        if member.suffix == ".parquet":
            raw, lossy = _read_parquet(data)
            enc = "utf-8" if lossy else None
            locations, rejects = [f"row {i + 1}" for i in range(len(raw))], []
        else:
            decoded, enc, lossy, warnings, more_notes = _text_of(member, data, encoding)
            notes += more_notes
            if member.suffix == ".txt":
                return outcome("read", rows=_txt_record(member, decoded, lossy and _damage(enc), overrides, meta), n_read=1)
            if not decoded.strip():
                notes.append("empty file")
                return outcome("read")
            raw, locations, rejects, misnamed = _parse_text(member.suffix, decoded)
            notes += [misnamed] if misnamed else []
    except (ValueError, OSError, UnicodeError, ImportError, RecursionError, MemoryError) as err:
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
        reason = f"{wanted} among {columns}; name it with text=..."
        return outcome("read", rejected + [(member.label, loc, reason) for loc in locations], n_read=n_read)
    rows["file"] = member.label
    rows["location"] = locations
    rows["_damage"] = _damage(enc) if lossy else None
    return outcome("read", rejected, rows, n_read)


def _damage(enc: str) -> str:
    return f"undecodable bytes (not valid {enc})"


def _absent_overrides(columns: list, overrides: dict[str, str | None]) -> dict[str, str]:
    """A column asked for (``text="body"``) that a file lacks is never replaced by its "text" column."""
    return {standard: f"{standard}_input" for standard, given in overrides.items()
            if given is not None and given not in columns and standard in columns}


def _txt_record(member: _Member, text: str, damage: str | bool, overrides: dict, meta: dict) -> dict:
    """The one document of a .txt file: its text, first line as title, sidecar metadata, folder as source."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    record = {"text": text, "title": first[:300]}
    extra = meta.get(member.label.split("!")[-1]) or meta.get(member.label) or {}
    for key, value in extra.items():
        record[_map_columns([key], overrides).get(key, key)] = value
    if "source" not in record and member.folder:
        record["source"] = member.folder
    record.update(file=member.label, location="file", _damage=damage or None)
    return record


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
    reasons[~_present(rows["source"]) & reasons.isna()] = "missing source (give default_source=... or a source column)"
    bad = reasons.notna()
    rejected = list(zip(rows.loc[bad, "file"], rows.loc[bad, "location"], reasons[bad]))
    docs = rows.loc[~bad].drop(columns="_damage").reset_index(drop=True)

    docs["date"], date_warnings = _parse_dates(docs["date"], dayfirst, docs["file"])
    warnings = [(docs["file"].iloc[i], docs["location"].iloc[i], "date", msg) for i, msg in date_warnings]
    for column in ("text", "source", "title", "url"):
        docs[column] = docs[column].where(docs[column].notna(), "").astype(str)
    docs["source"] = docs["source"].str.strip()
    own_id = docs["file"] + ":" + docs["location"].str.replace(" ", "", regex=False)
    docs["doc_id"] = own_id if "doc_id" not in docs else docs["doc_id"].astype(object).where(
        docs["doc_id"].notna(), own_id).astype(str)
    return [docs], rejected, warnings


def _in_reading_order(table: pd.DataFrame) -> pd.DataFrame:
    """Rows sorted by file, then by the number in their location (line 2 before line 10)."""
    position = table["location"].str.extract(r"(\d+)", expand=False).astype(float).fillna(0)
    return table.assign(_position=position).sort_values(["file", "_position"], kind="stable").drop(
        columns="_position").reset_index(drop=True)


# Arabic-Indic and Persian digits, for dates written ٢٠٢١-٠٣-٠١.
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "0123456789" * 2)
# dd/mm/yyyy or mm/dd/yyyy (also with . or -): the first two numbers.
_DAY_MONTH = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-]\d{2,4}(?!\d)")


def _present(values: pd.Series) -> pd.Series:
    return values.notna() & (values.astype(str).str.strip() != "") & (values.astype(str) != "nan")


def _parse_dates(values: pd.Series, dayfirst: bool | None, files: pd.Series) -> tuple[pd.Series, list[tuple[int, str]]]:
    """Dates as naive UTC datetime64[ns], and (position, message) warnings for those not kept.

    ISO 8601 first, then any other layout; Arabic-Indic and Persian digits are read as
    digits. Offsets may differ from row to row. "now" and "today" are not dates of
    publication. Years outside ``PLAUSIBLE_YEARS`` (Hijri 1443, Persian 1400) become NaT.
    The day/month order of dates such as 03/04/2021 is decided per file (``files``).
    """
    given = _present(values)
    strings = values[given].astype(str).str.translate(_DIGITS).str.strip()
    strings = strings[~strings.str.lower().isin(["now", "today"])]
    parsed = pd.to_datetime(strings, errors="coerce", format="ISO8601", utc=True).astype("datetime64[us, UTC]")
    retry = parsed.isna()
    position = pd.Series(np.arange(len(values)), index=values.index)
    warnings = []
    for _, group in strings[retry].groupby(files[retry[retry].index], sort=False):
        order, order_warning = _day_month_order(group, dayfirst)
        if order_warning:
            warnings.append((position[order_warning[0]], order_warning[1]))
        parsed[group.index] = pd.to_datetime(group, errors="coerce", format="mixed", dayfirst=order,
                                             utc=True).astype("datetime64[us, UTC]")
    years = parsed.dt.year
    implausible = parsed.index[(years < PLAUSIBLE_YEARS[0]) | (years > PLAUSIBLE_YEARS[1])]
    parsed[implausible] = pd.NaT
    dates = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    dates[parsed.index] = parsed.dt.tz_convert(None).astype("datetime64[ns]")
    for label in values.index[given & dates.isna()]:
        if label in implausible:
            message = (f"date {values[label]!r} is outside {PLAUSIBLE_YEARS[0]}–{PLAUSIBLE_YEARS[1]} "
                       "(another calendar, e.g. Hijri or Persian?); kept with no date")
        else:
            message = f"date {values[label]!r} not understood; kept with no date"
        warnings.append((position[label], message))
    return dates, sorted(warnings)


def _day_month_order(strings: pd.Series, dayfirst: bool | None) -> tuple[bool, tuple | None]:
    """Whether to read dd/mm/yyyy-like dates day first, and a (label, message) warning when unsure.

    The file decides when it can: 25/04/2021 is day first, 04/25/2021 month first.
    Without such evidence ``dayfirst`` decides (month first when None), with a warning
    that 03/04/2021 could be read either way.
    """
    parts = strings.str.extract(_DAY_MONTH).dropna().astype(int)
    day_first = parts[(parts[0] > 12) & (parts[1] <= 12)]
    month_first = parts[(parts[1] > 12) & (parts[0] <= 12)]
    ambiguous = parts[(parts[0] <= 12) & (parts[1] <= 12) & (parts[0] != parts[1])]
    if len(day_first) and len(month_first):
        label = day_first.index[0]
        return bool(dayfirst), (label, f"dates mix day/month ({strings[day_first.index[0]]!r}) and month/day "
                                       f"({strings[month_first.index[0]]!r}) orders; ambiguous ones read "
                                       f"{'day' if dayfirst else 'month'} first")
    evidence = True if len(day_first) else False if len(month_first) else None
    if evidence is not None and dayfirst in (None, evidence):
        return evidence, None
    if evidence is not None:
        label = (day_first if evidence else month_first).index[0]
        return evidence, (label, f"dayfirst={dayfirst} given, but dates such as {strings[label]!r} can only be "
                                 f"{'day' if evidence else 'month'} first; the file is read that way")
    if len(ambiguous) and dayfirst is None:
        label = ambiguous.index[0]
        return False, (label, f"{len(ambiguous)} date(s) such as {strings[label]!r} read month/day "
                              "(ambiguous: pass dayfirst=True for day/month)")
    return bool(dayfirst), None


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


def _flag_duplicates(docs: pd.DataFrame, drop: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Flag documents whose normalized text repeats an earlier one; return (docs, dropped)."""
    key = [" ".join(normalize(t).split()) for t in docs["text"]]
    codes, _ = pd.factorize(pd.Series(key, dtype=object))
    _, first_index = np.unique(codes, return_index=True)
    first = first_index[codes] if len(codes) else np.array([], dtype=int)
    is_dup = first != np.arange(len(docs))
    docs["is_duplicate"] = is_dup
    docs["duplicate_of"] = pd.Series(np.where(is_dup, docs["doc_id"].to_numpy()[first], None), index=docs.index, dtype=object)
    if not drop:
        return docs, docs.iloc[0:0]
    return docs.loc[~is_dup].reset_index(drop=True), docs.loc[is_dup]


PERIODS = {"day": "D", "week": "W-SUN", "month": "M", "year": "Y"}


def group_keys(docs: pd.DataFrame, by: str | list[str] | None) -> tuple[pd.DataFrame, list[str]]:
    """The grouping columns for ``by``, one row per document, and their names.

    ``by`` names metadata columns; ``"day"``, ``"week"``, ``"month"`` and ``"year"``
    (unless the documents have such a column) are periods derived from ``date``,
    given as the period's first day (weeks start on Monday). ``None`` means one group for the whole corpus.

    Examples
    --------
    >>> docs = pd.DataFrame({"source": ["أ", "ب"], "date": pd.to_datetime(["2021-11-03", "2021-12-09"])})
    >>> keys, names = group_keys(docs, ["source", "month"])
    >>> names, keys["month"].dt.strftime("%Y-%m-%d").tolist()
    (['source', 'month'], ['2021-11-01', '2021-12-01'])
    """
    names = [] if by is None else [by] if isinstance(by, str) else list(by)
    keys = {}
    for name in names:
        if name in docs.columns:
            keys[name] = docs[name]
        elif name in PERIODS:
            if "date" not in docs.columns:
                raise ValueError(f"cannot group by {name!r}: the documents have no 'date' column")
            keys[name] = docs["date"].dt.to_period(PERIODS[name]).dt.start_time
        else:
            raise ValueError(f"cannot group by {name!r}: not a column ({', '.join(map(str, docs.columns))}) "
                             f"nor a period ({', '.join(PERIODS)})")
    return pd.DataFrame(keys, index=docs.index), names
