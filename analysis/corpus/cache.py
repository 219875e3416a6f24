"""The corpus cache: what :func:`load_corpus` built, kept as Arrow columns per user, reused while its inputs are unchanged.

An entry holds every attribute of a :class:`Corpus` (the documents, the ingest
report's tables, duplicate and copy flags, and any DataFrame attribute a later
version adds) as Arrow IPC streams in one file, followed by a manifest and a SHA-1
checksum of all that precedes it. It is written beside its final name and renamed
over it (:func:`analysis.outputs.atomic_file`), so that a reader meets a whole entry
or none; a truncated, corrupt or foreign file fails the checksum and is rebuilt,
never trusted.

An entry is found by the corpus path and the loader options (one slot each) and is
valid only while its key holds: every input file's path, size, modification time and
content hash, the loader options, the package version and the fingerprint of the
package's code. Anything else — a file changed, added or removed, another option, a
new version — rebuilds it.

The folder is ``ARABIC_FRAMING_CACHE`` when set, else the per-user cache folder
(platformdirs: ``~/.cache/arabic-framing`` on Linux). ``python -m analysis cache
clear`` and ``make clean`` empty it.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib
import json
import mmap
import os
import stat
import struct
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd

from analysis.outputs import atomic_file

__all__ = ["CACHE_ENV", "CacheError", "cache_dir", "clear_cache", "input_files", "read_snapshot", "write_snapshot",
           "with_token_ids"]

CACHE_ENV = "ARABIC_FRAMING_CACHE"
"""Environment variable naming the cache folder (overrides the per-user default)."""

SUFFIX = ".corpus"
"""File name ending of a cache entry or report snapshot (:func:`write_snapshot`)."""

MAX_CACHE_BYTES = 20 * 1024**3
"""Entries beyond this total size are removed, least recently used first."""

_FORMAT = 3
_MAGIC = b"ARABIC-FRAMING-CORPUS\x00\x03\n"
_END = b"\nEND-CORPUS\n"
_DIGEST = 20  # bytes of the SHA-1 checksum: it detects damage (not tampering) 2.5x faster than BLAKE2b
_PIECE = 32 * 1024**2  # the checksum is the SHA-1 of the SHA-1s of pieces this long, verified in parallel
_TRAILER = struct.Struct("<Q")  # length of the manifest


class CacheError(ValueError):
    """A snapshot file that cannot be trusted: truncated, corrupt, foreign or of another format."""


class _Uncacheable(ValueError):
    """A corpus whose attributes would not come back identical from Arrow."""


def cache_dir() -> Path:
    """The cache folder: ``$ARABIC_FRAMING_CACHE``, else the per-user cache folder.

    Examples
    --------
    >>> import os
    >>> os.environ.get(CACHE_ENV) is None or str(cache_dir()) == os.environ[CACHE_ENV]
    True
    """
    given = os.environ.get(CACHE_ENV)
    if given:
        return Path(given).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("arabic-framing", appauthor=False)) / "corpora"


def clear_cache(directory: str | os.PathLike | None = None) -> int:
    """Remove every cache entry (and stale partial files) from ``directory`` (default: :func:`cache_dir`).

    Only files this module writes are removed, never anything else in the folder.

    Returns
    -------
    int
        The number of files removed.

    Examples
    --------
    >>> import tempfile
    >>> clear_cache(tempfile.mkdtemp())
    0
    """
    folder = Path(directory) if directory is not None else cache_dir()
    removed = 0
    for path in folder.glob(f"*{SUFFIX}") if folder.is_dir() else ():
        path.unlink(missing_ok=True)
        removed += 1
    for path in folder.glob(f".*{SUFFIX}.*.part") if folder.is_dir() else ():
        path.unlink(missing_ok=True)
        removed += 1
    return removed


# --- the key -------------------------------------------------------------------------------------

def input_files(root: Path, content: bool = True) -> list[list]:
    """``[relative path, size, mtime_ns, content hash]`` of every regular file under ``root``, sorted.

    The walk is the loader's: folders whose name starts with a dot and links to folders
    are not entered. ``content=False`` leaves the hash out (``""``): a cheap check that
    nothing changed while loading.

    Examples
    --------
    >>> from analysis.paths import DEMO_CORPUS
    >>> [row[0] for row in input_files(DEMO_CORPUS)]
    ['README.md', 'articles.jsonl']
    """
    if root.is_file():
        found = [(root.name, root)]
    else:
        found = []
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and not os.path.islink(os.path.join(dirpath, d)))
            found += [(Path(dirpath, name).relative_to(root).as_posix(), Path(dirpath, name)) for name in sorted(filenames)]
    rows, hashed = [], []
    for label, path in sorted(found):
        try:
            info = path.stat()
        except OSError:
            rows.append([label, -1, 0, "unreadable"])
            continue
        if not stat.S_ISREG(info.st_mode):  # a pipe would block for ever; the loader lists it as unreadable
            rows.append([label, -1, 0, "not a regular file"])
            continue
        rows.append([label, info.st_size, info.st_mtime_ns, ""])
        hashed.append((rows[-1], path))
    if content and hashed:  # on every CPU: hashlib releases the Python lock
        with ThreadPoolExecutor(min(len(hashed), os.cpu_count() or 1)) as pool:
            for (row, _), digest in zip(hashed, pool.map(_file_hash, [path for _, path in hashed])):
                row[3] = digest
    return rows


def _file_hash(path: Path) -> str:
    digest = hashlib.sha1()  # finds a changed file, as the entries' checksum does (not tampering)
    try:
        with open(path, "rb") as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
    except OSError as err:
        return f"unreadable: {err.strerror}"
    return digest.hexdigest()


@functools.cache
def _code_fingerprint() -> str:
    """The package version and a hash of its Python code: a checkout changes code without a new version."""
    from analysis import __version__
    from analysis.paths import PACKAGE_DIR

    digest = hashlib.blake2b(__version__.encode(), digest_size=16)
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        digest.update(path.relative_to(PACKAGE_DIR).as_posix().encode() + b"\0" + path.read_bytes())
    return f"{__version__}+{digest.hexdigest()}"


def _key(root: Path, options: dict, files: list[list]) -> dict:
    return {"format": _FORMAT, "code": _code_fingerprint(), "root": str(root.resolve()), "options": options,
            "files": files}


def _slot(folder: Path, root: Path, options: dict) -> Path:
    """The entry for this corpus path and these options: one slot each, so that changed inputs replace it."""
    name = json.dumps([str(root.resolve()), options], sort_keys=True, ensure_ascii=False)
    return folder / f"{hashlib.blake2b(name.encode(), digest_size=16).hexdigest()}{SUFFIX}"


def fingerprint(files: list[list]) -> str:
    """A hash of the input files' names, sizes and contents (not their times): what a snapshot was read from."""
    text = json.dumps([[label, size, content] for label, size, _, content in files], ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


# --- storing and reading a Corpus ----------------------------------------------------------------

def _encode(value, tables: list[pd.DataFrame]):
    """``value`` as JSON, its DataFrames replaced by their position in ``tables``."""
    if isinstance(value, pd.DataFrame):
        tables.append(value)
        return {"table": len(tables) - 1}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        kind = type(value)
        if not kind.__module__.startswith("analysis."):
            raise _Uncacheable(f"attribute of type {kind.__module__}.{kind.__qualname__}")
        return {"dataclass": f"{kind.__module__}:{kind.__qualname__}",
                "fields": {f.name: _encode(getattr(value, f.name), tables) for f in dataclasses.fields(value)}}
    if isinstance(value, (list, tuple)):
        return {"list" if isinstance(value, list) else "tuple": [_encode(v, tables) for v in value]}
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"dict": {k: _encode(v, tables) for k, v in value.items()}}
    if value is None or isinstance(value, (str, bool, int, float)):
        return {"value": value}
    if hasattr(value, "item") and getattr(value, "ndim", None) == 0:  # a numpy scalar
        return {"value": value.item()}
    raise _Uncacheable(f"attribute of type {type(value).__name__}")


def _decode(node, tables: list[pd.DataFrame]):
    if "table" in node:
        return tables[node["table"]]
    if "dataclass" in node:
        module, name = node["dataclass"].split(":")
        if not module.startswith("analysis."):
            raise CacheError(f"snapshot names a class outside the package: {module}")
        kind = getattr(importlib.import_module(module), name)
        fields = {f.name: f for f in dataclasses.fields(kind)}
        values = {k: _decode(v, tables) for k, v in node["fields"].items() if k in fields}
        made = kind(**{k: v for k, v in values.items() if fields[k].init})
        for k, v in values.items():
            if not fields[k].init:
                object.__setattr__(made, k, v)
        return made
    if "list" in node:
        return [_decode(v, tables) for v in node["list"]]
    if "tuple" in node:
        return tuple(_decode(v, tables) for v in node["tuple"])
    if "dict" in node:
        return {k: _decode(v, tables) for k, v in node["dict"].items()}
    return node["value"]


def _to_arrow(table: pd.DataFrame):
    """The table as Arrow and the pandas dtypes to restore; raises _Uncacheable unless it comes back equal."""
    import pyarrow as pa

    try:
        arrow = pa.Table.from_pandas(table, preserve_index=None)
    except (pa.ArrowException, TypeError, ValueError) as err:
        raise _Uncacheable(f"a table Arrow cannot hold ({type(err).__name__}: {str(err)[:200]})") from None
    objects = [str(c) for c in table.columns if table[c].dtype == object]
    if not _from_arrow(arrow, objects).equals(table) or list(map(str, table.columns)) != list(table.columns):
        raise _Uncacheable("a table that would not come back identical from Arrow")
    return arrow, objects


def _from_arrow(arrow, objects: list[str]) -> pd.DataFrame:
    # A block per column: numbers without nulls stay in the snapshot's pages (read-only,
    # no copy) instead of being copied into one block (SaudiNewsNet's token ids: 78 MB, 0.35 s).
    table = arrow.to_pandas(split_blocks=True)
    for column in objects:  # Arrow turns object columns of strings into str: give them back as written
        values = table[column].astype(object)
        table[column] = values.where(values.notna(), None)
    return table


def write_snapshot(corpus, path: str | os.PathLike, key: dict | None = None) -> Path:
    """Write ``corpus`` (every attribute) to ``path`` as one checksummed file, atomically.

    Parameters
    ----------
    corpus : the :class:`analysis.corpus.Corpus`.
    path : the file to write (conventionally ending in ``.corpus``).
    key : what the snapshot was built from (the cache's key); stored in the manifest.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    ValueError
        When an attribute would not come back identical (e.g. a metadata column
        mixing numbers and text); nothing is written then.

    Examples
    --------
    >>> import tempfile
    >>> from analysis.corpus import load_corpus
    >>> corpus = load_corpus(cache=False)
    >>> path = write_snapshot(corpus, Path(tempfile.mkdtemp()) / "demo.corpus")
    >>> read_snapshot(path).docs.equals(corpus.docs)
    True
    """
    import pyarrow as pa

    tables: list[pd.DataFrame] = []
    tree = _encode(corpus, tables)
    converted = [_to_arrow(t) for t in tables]
    digest = _Checksum()
    with atomic_file(path, binary=True) as handle:
        def put(data) -> None:
            handle.write(data)
            digest.update(data)

        put(_MAGIC)
        spans, offset = [], len(_MAGIC)
        for arrow, _ in converted:
            sink = pa.BufferOutputStream()
            with pa.ipc.new_stream(sink, arrow.schema) as writer:
                writer.write_table(arrow)
            data = sink.getvalue()
            put(memoryview(data))
            spans.append([offset, data.size])
            offset += data.size
        manifest = json.dumps({"format": _FORMAT, "key": key, "written": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                               "corpus": tree, "tables": spans, "objects": [o for _, o in converted]},
                              ensure_ascii=False).encode()
        put(manifest)
        put(_TRAILER.pack(len(manifest)))
        handle.write(digest.digest() + _END)
    return Path(path)


class _Checksum:
    """The snapshot checksum of the bytes fed to :meth:`update`, as they are written (see :func:`_checksum`)."""

    def __init__(self) -> None:
        self._digests: list[bytes] = []
        self._piece, self._filled = hashlib.sha1(), 0

    def update(self, data) -> None:
        view = memoryview(data).cast("B")
        while len(view):
            take = min(len(view), _PIECE - self._filled)
            self._piece.update(view[:take])
            self._filled, view = self._filled + take, view[take:]
            if self._filled == _PIECE:
                self._digests.append(self._piece.digest())
                self._piece, self._filled = hashlib.sha1(), 0

    def digest(self) -> bytes:
        last = [self._piece.digest()] if self._filled or not self._digests else []
        return hashlib.sha1(b"".join(self._digests + last)).digest()


def _checksum(data: memoryview) -> bytes:
    """SHA-1 of the SHA-1 of each :data:`_PIECE` bytes of ``data``, the pieces hashed on every CPU
    (hashlib releases the Python lock): a 240 MB entry is verified in about half the time.

    Examples
    --------
    >>> data = bytes(range(256)) * 5
    >>> writer = _Checksum()
    >>> writer.update(data[:700]); writer.update(data[700:])
    >>> _checksum(memoryview(data)) == writer.digest()
    True
    """
    pieces = [data[i:i + _PIECE] for i in range(0, len(data), _PIECE)] or [data]
    if len(pieces) == 1:
        return hashlib.sha1(hashlib.sha1(pieces[0]).digest()).digest()
    with ThreadPoolExecutor(min(len(pieces), os.cpu_count() or 1)) as pool:
        return hashlib.sha1(b"".join(pool.map(lambda piece: hashlib.sha1(piece).digest(), pieces))).digest()


def _open(path: Path) -> tuple[memoryview, dict]:
    """The verified bytes and manifest of a snapshot, or CacheError."""
    try:
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size < len(_MAGIC) + _TRAILER.size + _DIGEST + len(_END):
                raise CacheError(f"{path}: truncated ({size} bytes)")
            data = memoryview(mmap.mmap(handle.fileno(), 0, flags=mmap.MAP_SHARED | getattr(mmap, "MAP_POPULATE", 0),
                                        prot=mmap.PROT_READ))
    except OSError as err:
        raise CacheError(f"{path}: cannot be read ({err.strerror})") from None
    body_end = len(data) - _DIGEST - len(_END)
    if bytes(data[:len(_MAGIC)]) != _MAGIC or bytes(data[-len(_END):]) != _END:
        raise CacheError(f"{path}: not a corpus snapshot of this format, or half-written")
    if _checksum(data[:body_end]) != bytes(data[body_end:body_end + _DIGEST]):
        raise CacheError(f"{path}: checksum mismatch (corrupt)")
    (length,) = _TRAILER.unpack(data[body_end - _TRAILER.size:body_end])
    start = body_end - _TRAILER.size - length
    try:
        manifest = json.loads(bytes(data[start:body_end - _TRAILER.size]))
    except ValueError:
        raise CacheError(f"{path}: unreadable manifest") from None
    if manifest.get("format") != _FORMAT:
        raise CacheError(f"{path}: snapshot format {manifest.get('format')}, expected {_FORMAT}")
    return data, manifest


def read_snapshot(path: str | os.PathLike):
    """The :class:`analysis.corpus.Corpus` stored by :func:`write_snapshot`, checksum verified.

    Raises
    ------
    CacheError
        When the file is truncated, corrupt, of another format or not a snapshot.

    Examples
    --------
    >>> import tempfile
    >>> from analysis.corpus import load_corpus
    >>> path = write_snapshot(load_corpus(cache=False), Path(tempfile.mkdtemp()) / "demo.corpus")
    >>> read_snapshot(path).report.rows_read > 0
    True
    """
    path = Path(path)
    corpus = _corpus_of(*_open(path))
    corpus.report.cache = f"read from the snapshot {path}"
    return corpus


def _corpus_of(data: memoryview, manifest: dict):
    import pyarrow as pa

    tables = []
    for (offset, length), objects in zip(manifest["tables"], manifest["objects"]):
        arrow = pa.ipc.open_stream(pa.py_buffer(data[offset:offset + length])).read_all()
        tables.append(_from_arrow(arrow, objects))
    return _decode(manifest["corpus"], tables)


def with_token_ids(corpus):
    """``corpus`` with :attr:`~analysis.corpus.Corpus.tokens`: its documents' tokens as counted, as term ids.

    What a cache entry or report snapshot stores beside the documents, so that counting
    the corpus read back does not tokenize it again (:class:`analysis.chunks.TokenIds`).

    Examples
    --------
    >>> from analysis.corpus import load_corpus
    >>> corpus = with_token_ids(load_corpus(cache=False))
    >>> int(corpus.tokens.docs["tokens"].sum()) == len(corpus.tokens.ids)
    True
    """
    from analysis.chunks import skipped_chars, token_ids
    from analysis.corpus.clean import cleaned_docs

    if corpus.tokens is not None:
        return corpus
    docs = cleaned_docs(corpus)
    return dataclasses.replace(corpus, tokens=token_ids(docs["text"], docs["doc_id"],
                                                         skipped_chars(docs["doc_id"], corpus.cleaning)))


# --- the cache as load_corpus uses it --------------------------------------------------------------

def cached_load(root: Path, options: dict, cache, build, token_ids: bool = False):
    """``build()``'s Corpus for ``root`` and ``options``, from the cache when its key still holds.

    ``cache``: True (the default folder), False (no cache) or a folder. The Corpus's
    ``report.cache`` says where it came from, and ``report.fingerprint`` hashes the inputs.
    With ``token_ids`` and a cache, the Corpus has its ``tokens``, from an entry of their
    own beside the corpus's (same key), built and stored when missing.
    """
    files = input_files(root)
    folder = None if cache is False else cache_dir() if cache in (True, None) else Path(cache)
    if folder is None:
        corpus = build()
        corpus.report.cache, corpus.report.fingerprint = "not used (cache=False)", fingerprint(files)
        return corpus
    key = _key(root, options, files)
    slot = _slot(folder, root, options)
    note = ""
    if slot.exists():
        try:
            data, manifest = _open(slot)
            if manifest["key"] == key:
                corpus = _corpus_of(data, manifest)
                corpus.report.cache = f"read from the cache ({slot}, written {manifest['written']})"
                corpus.report.fingerprint = fingerprint(files)
                _touch(slot)
                return _with_stored_tokens(corpus, slot, key) if token_ids else corpus
            note = "; the earlier entry was stale (" + _what_changed(manifest["key"], key) + ")"
        except CacheError as err:
            note = f"; the earlier entry was rebuilt: {err}"
    corpus = build()
    corpus.report.fingerprint = fingerprint(files)
    after = input_files(root, content=False)
    if [row[:3] for row in after] != [row[:3] for row in files]:
        corpus.report.cache = "not stored: input files changed while they were read" + note
        return corpus
    try:
        write_snapshot(corpus, slot, key)
    except _Uncacheable as err:
        corpus.report.cache = f"not stored: {err}" + note
        return corpus
    except OSError as err:
        corpus.report.cache = f"not stored: cannot write {folder} ({err.strerror or err})" + note
        return corpus
    corpus.report.cache = f"stored in the cache ({slot})" + note
    corpus = _with_stored_tokens(corpus, slot, key) if token_ids else corpus
    _prune(folder, keep=slot)
    return corpus


def _tokens_slot(slot: Path) -> Path:
    return slot.with_name(slot.name[:-len(SUFFIX)] + ".tokens" + SUFFIX)


def _with_stored_tokens(corpus, slot: Path, key: dict):
    """``corpus`` with the token ids of the entry beside ``slot`` when its key is ``key``,
    else computed (:func:`with_token_ids`) and stored there; a damaged entry is rebuilt."""
    from analysis.chunks import TokenIds

    path = _tokens_slot(slot)
    if path.exists():
        try:
            data, manifest = _open(path)
            if manifest["key"] == key:
                tokens = _corpus_of(data, manifest)
                if isinstance(tokens, TokenIds):
                    _touch(path)
                    return dataclasses.replace(corpus, tokens=tokens)
        except (CacheError, KeyError, TypeError):
            pass
    corpus = with_token_ids(corpus)
    try:
        write_snapshot(corpus.tokens, path, key)
    except (_Uncacheable, OSError):
        pass  # counting tokenizes, as without them
    return corpus


def _what_changed(old: dict, new: dict) -> str:
    if old.get("code") != new["code"]:
        return "package version or code changed"
    if old.get("options") != new["options"]:
        return "loader options changed"
    before = {row[0]: row for row in old.get("files", [])}
    after = {row[0]: row for row in new["files"]}
    changes = [f"{len(set(after) - set(before))} file(s) added", f"{len(set(before) - set(after))} removed",
               f"{sum(before[f] != after[f] for f in set(before) & set(after))} changed"]
    return ", ".join(c for c in changes if not c.startswith("0 "))


def _touch(path: Path) -> None:
    try:
        os.utime(path)
    except OSError:
        pass


def _prune(folder: Path, keep: Path) -> None:
    """Remove the least recently used entries while the folder holds more than MAX_CACHE_BYTES."""
    entries = []
    for path in folder.glob(f"*{SUFFIX}"):
        try:
            info = path.stat()
        except OSError:
            continue
        entries.append((info.st_mtime, info.st_size, path))
    total = sum(size for _, size, _ in entries)
    for _, size, path in sorted(entries):
        if total <= MAX_CACHE_BYTES:
            break
        if path != keep:
            path.unlink(missing_ok=True)
            total -= size
