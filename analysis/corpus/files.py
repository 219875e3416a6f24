"""Finding a corpus's files: folder walking, zip archive members read in memory, and the limits that refuse bombs."""

from __future__ import annotations

import dataclasses
import errno
import io
import os
import re
import stat
import zipfile
from pathlib import Path, PurePosixPath

from analysis.corpus.model import _file_row, _reason
from analysis.text import visible


TEXT_FORMATS = {".txt", ".csv", ".tsv", ".json", ".jsonl", ".ndjson"}
FORMATS = TEXT_FORMATS | {".parquet", ".zip"}
SIDECAR = "metadata.csv"


# Archive limits: a member larger than this, or (above RATIO_CHECKED_FROM bytes) compressed more
# than this ratio, is refused, and so is any member past MAX_ARCHIVE_BYTES in total per archive.
# Real text compresses 3-10 times; only a bomb reaches 200.
MAX_MEMBER_BYTES = 2 * 1024**3
MAX_ARCHIVE_BYTES = 2 * 1024**3
MAX_COMPRESSION_RATIO = 200
RATIO_CHECKED_FROM = 1024**2
MAX_ZIP_DEPTH = 2


@dataclasses.dataclass
class _Member:
    label: str  # shown in reports: relative path, "archive.zip!inner/file.json", controls escaped (text.visible)
    suffix: str
    folder: str  # first sub-folder under the root ("" for top level): source of .txt files
    read: object  # () -> bytes
    note: str = ""  # carried to the file's row in the report


def _walk(root: Path, follow_links: bool = False) -> tuple[list[_Member], list[dict]]:
    """Files under root (sorted), and the ones skipped with a note.

    Symbolic links to files inside the root are read; links to files outside it are
    skipped with a note unless ``follow_links`` (a link to ``/etc/passwd.txt`` would
    pull a system file into the articles); links to folders are not followed (a link
    to ``..`` or ``/`` would never end). Broken links, link loops and anything that is
    not a regular file (a named pipe would block for ever) are listed with a note.
    """
    if root.is_file():
        return [_Member(visible(root.name), root.suffix.lower(), root.parent.name, root.read_bytes)], []
    members, skipped = [], []
    inside = root.resolve()
    for dirpath, dirnames, filenames in os.walk(root):
        links = sorted(d for d in dirnames if not d.startswith(".") and os.path.islink(os.path.join(dirpath, d)))
        for name in links:
            label = visible((Path(dirpath) / name).relative_to(root).as_posix())
            skipped.append(_file_row(label, "", None, "skipped", note="symbolic link to a folder, not followed"))
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in links)
        for name in sorted(filenames):
            path = Path(dirpath) / name
            rel = path.relative_to(root)
            label = visible(rel.as_posix())
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
            if not follow_links and path.is_symlink() and not path.resolve().is_relative_to(inside):
                skipped.append(_file_row(label, suffix, None, "skipped", note=(
                    f"symbolic link to {visible(str(path.resolve()))}, outside the corpus folder; not read "
                    "(follow_links=True reads it)")))
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
        label = f"{member.label}!{visible(name)}"
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
