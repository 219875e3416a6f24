"""Write output files atomically, so that a reader or a crash never meets half a file; CSV cells a spreadsheet would run are neutralized."""

from __future__ import annotations

import contextlib
import fcntl
import glob
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO

__all__ = ["atomic_file", "write_atomic", "write_csv", "neutralize_cell", "restore_cell", "FORMULA_START",
           "check_outputs", "replace_folder", "REPORT_MARKER"]

#: First characters that make a spreadsheet (Excel, LibreOffice, Google Sheets) read a cell as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_APOSTROPHE = "'"


@contextlib.contextmanager
def atomic_file(path: str | os.PathLike, binary: bool = False) -> Iterator[IO]:
    """Open a handle whose content replaces ``path`` only once the ``with`` block ends without error.

    The content is written to a hidden file beside the target and renamed over it:
    readers see the old file or the new one, never part of it, and an error (a full
    disk, an interrupt) leaves the old file as it was and no temporary file behind. A
    symbolic link is followed (the file it points to is replaced, the link kept); a
    target that is not a regular file (``/dev/stdout``, a named pipe) is written to
    directly, since renaming over it would replace the device or pipe itself. Text is
    written as UTF-8 with newlines untranslated.

    Parameters
    ----------
    path : the file to write; missing parent folders are created.
    binary : open for bytes instead of text.

    Yields
    ------
    file object

    Examples
    --------
    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp()) / "t.csv"
    >>> with atomic_file(out) as handle:
    ...     _ = handle.write("term\\nعقوبات\\n")
    >>> out.read_text(encoding="utf-8").splitlines(), [p.name for p in out.parent.iterdir()]
    (['term', 'عقوبات'], ['t.csv'])
    """
    path = Path(path)
    text = {} if binary else {"encoding": "utf-8", "newline": ""}
    if path.exists() and not path.is_file() and not path.is_dir():
        with open(path, "wb" if binary else "w", **text) as handle:
            yield handle
        return
    path = path.resolve() if path.is_symlink() and path.exists() else path
    partial = path.with_name(f".{path.name}.{uuid.uuid4().hex}.part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(partial, "xb" if binary else "x", **text)
    except OSError as err:  # name the file asked for, not the temporary one
        raise OSError(err.errno, f"cannot write {path}: {err.strerror}") from None
    try:
        with handle:
            yield handle
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def write_atomic(path: str | os.PathLike, data: str | bytes) -> Path:
    """Write ``data`` (text as UTF-8, or bytes) to ``path`` atomically (see :func:`atomic_file`).

    Returns
    -------
    Path
        ``path``.

    Examples
    --------
    >>> import tempfile
    >>> out = write_atomic(Path(tempfile.mkdtemp()) / "page.html", "<p>عاجل</p>")
    >>> out.read_bytes() == "<p>عاجل</p>".encode("utf-8")
    True
    """
    with atomic_file(path, binary=isinstance(data, bytes)) as handle:
        handle.write(data)
    return Path(path)


def neutralize_cell(value):
    """A text cell as a spreadsheet will show it, never run it: ``'`` before a formula's first character.

    A text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (or with
    ``'`` itself, so that :func:`restore_cell` is exact) gets a leading apostrophe, which
    spreadsheets hide and take as "text". Other values are returned unchanged.

    Examples
    --------
    >>> neutralize_cell("=SUM(A1:A9)"), neutralize_cell("عقوبات"), neutralize_cell(-1)
    ("'=SUM(A1:A9)", 'عقوبات', -1)
    """
    if isinstance(value, str) and value.startswith(FORMULA_START + (_APOSTROPHE,)):
        return _APOSTROPHE + value
    return value


def restore_cell(value):
    """Undo :func:`neutralize_cell`.

    Examples
    --------
    >>> restore_cell(neutralize_cell("+966 11")), restore_cell("'quoted")
    ('+966 11', "'quoted")
    """
    if isinstance(value, str) and value.startswith(_APOSTROPHE) and value[1:].startswith(FORMULA_START + (_APOSTROPHE,)):
        return value[1:]
    return value


def write_csv(table, path: str | os.PathLike, raw: bool = False) -> None:
    """Write a table as UTF-8 CSV atomically (see :func:`atomic_file`), formulas neutralized.

    Cells that a spreadsheet would run as a formula (a text starting with ``=``, ``+``,
    ``-``, ``@``, tab or carriage return) are written with a leading apostrophe
    (:func:`neutralize_cell`): corpus text is data, and a coding sheet or a table of
    matches is opened in Excel. Column names are neutralized too. ``raw=True`` writes
    every value as it is (for programs, not spreadsheets; ``--raw-cells`` on the command
    line). Lines end in CRLF (RFC 4180), so that a cell holding a lone carriage return is
    quoted rather than read back as two rows.

    Examples
    --------
    >>> import pandas as pd, tempfile
    >>> out = Path(tempfile.mkdtemp()) / "t.csv"
    >>> write_csv(pd.DataFrame({"term": ["عقوبات", "=1+1"], "n": [-2, 3]}), out)
    >>> out.read_text(encoding="utf-8").splitlines()
    ['term,n', 'عقوبات,-2', "'=1+1,3"]
    """
    if not raw:
        import pandas as pd

        table = table.copy()
        table.columns = [neutralize_cell(column) for column in table.columns]
        for i, dtype in enumerate(table.dtypes):
            if dtype == object or pd.api.types.is_string_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype):
                table.isetitem(i, table.iloc[:, i].map(neutralize_cell))
    with atomic_file(path) as handle:
        table.to_csv(handle, index=False, lineterminator="\r\n")  # CRLF, so a lone CR in a cell is quoted


def check_outputs(outputs: dict[str, str | os.PathLike | None], inputs: dict[str, str | os.PathLike | None]) -> None:
    """Refuse outputs that would destroy or pollute an input, or each other.

    Parameters
    ----------
    outputs : what will be written, by the name a user knows it by (``{"--out": "t.csv"}``);
        None for an output not asked for.
    inputs : files and folders read, by name (``{"--corpus": "news/"}``); None for none.

    Raises
    ------
    ValueError
        For an empty output path; two outputs that are one file; an output that is an
        input file, lies inside an input folder (a table written into the corpus folder
        is read back as corpus on the next run) or holds an input (a report folder is
        replaced as a whole).

    Examples
    --------
    >>> check_outputs({"--out": "news.csv"}, {"--corpus": "news.csv"})
    Traceback (most recent call last):
    ...
    ValueError: --out news.csv is the input --corpus: it would be overwritten; choose another output
    """
    given = {name: value for name, value in outputs.items() if value is not None}
    for name, value in given.items():
        if not str(value).strip():
            raise ValueError(f"{name}: an empty path; name the output to write")
    resolved = {name: Path(value).resolve() for name, value in given.items()}
    names = list(resolved)
    for i, first in enumerate(names):
        for second in names[i + 1:]:
            if resolved[first] == resolved[second]:
                raise ValueError(f"{first} and {second} are the same file ({given[first]}); give each its own")
    for in_name, value in inputs.items():
        if value is None:
            continue
        source = Path(value).resolve()
        for name, target in resolved.items():
            shown = f"{name} {given[name]}"
            if target == source:
                raise ValueError(f"{shown} is the input {in_name}: it would be overwritten; choose another output")
            if source in target.parents and source.is_dir():
                raise ValueError(f"{shown} lies inside the folder of {in_name} ({value}): it would be read as input "
                                 "on the next run; write it elsewhere")
            if target in source.parents:
                raise ValueError(f"{shown} holds the input {in_name} ({value}); choose an output folder of its own")


#: The file that marks a folder as a report :func:`replace_folder` may replace.
REPORT_MARKER = ".arabic-framing-report"


@contextlib.contextmanager
def replace_folder(path: str | os.PathLike, marker: str = REPORT_MARKER) -> Iterator[Path]:
    """A fresh folder beside ``path`` to build in, swapped in for ``path`` only when the ``with`` block ends without error.

    A failed or interrupted build leaves the previous folder whole and its partial
    folder removed. Runs into one folder are serialized by a lock beside it
    (``.<name>.lock``): a second run is refused at once. Partial folders of a killed
    run (``.<name>.building-*``) are removed by the next run. An existing folder is
    replaced only if it is empty or holds ``marker`` (written into every folder built
    here), so a folder of other files is never deleted.

    Yields
    ------
    Path
        The folder to build in.

    Raises
    ------
    OSError
        When another run holds the lock, or ``path`` is a file or a folder of other files.

    Examples
    --------
    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp()) / "report"
    >>> with replace_folder(out) as staging:
    ...     _ = (staging / "index.html").write_text("<p>عاجل</p>", encoding="utf-8")
    >>> sorted(p.name for p in out.iterdir()), sorted(p.name for p in out.parent.iterdir())
    (['.arabic-framing-report', 'index.html'], ['.report.lock', 'report'])
    """
    path = Path(path).resolve()
    if path.exists() and not path.is_dir():
        raise OSError(f"{path}: exists and is not a folder")
    if path.is_dir() and any(path.iterdir()) and not (path / marker).is_file():
        raise OSError(f"{path}: a folder of other files (no {marker}); it would be replaced: choose a new folder")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.parent / f".{path.name}.lock", "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OSError(f"{path}: another run is writing into this folder; wait for it or choose another") from None
        for stale in path.parent.glob(f".{glob.escape(path.name)}.building-*"):
            shutil.rmtree(stale, ignore_errors=True)
        for stale in path.parent.glob(f".{glob.escape(path.name)}.old-*"):
            shutil.rmtree(stale, ignore_errors=True)
        staging = path.with_name(f".{path.name}.building-{uuid.uuid4().hex}")
        staging.mkdir()
        try:
            (staging / marker).write_text("built by arabic-framing; the whole folder is replaced by the next run\n",
                                          encoding="utf-8")
            yield staging
            old = path.with_name(f".{path.name}.old-{uuid.uuid4().hex}")
            if path.exists():
                os.rename(path, old)
            os.rename(staging, path)
            shutil.rmtree(old, ignore_errors=True)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
