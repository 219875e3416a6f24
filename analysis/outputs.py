"""Write output files atomically, so that a reader or a crash never meets half a file."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO

__all__ = ["atomic_file", "write_atomic"]


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
