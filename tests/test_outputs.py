"""Tests for analysis.outputs: files replaced whole or not at all."""

import errno
import os

import pytest

from analysis.outputs import atomic_file, write_atomic


def test_write_atomic_writes_text_as_utf8_without_translating_newlines(tmp_path):
    out = write_atomic(tmp_path / "new" / "page.html", "<p>عاجل</p>\r\n")
    assert out.read_bytes() == "<p>عاجل</p>\r\n".encode("utf-8")
    assert [p.name for p in out.parent.iterdir()] == ["page.html"]


def test_write_atomic_writes_bytes_as_they_are(tmp_path):
    data = "سلام".encode("cp1256") + b"\x00\xff"
    assert write_atomic(tmp_path / "figure.png", data).read_bytes() == data


def test_a_failure_inside_atomic_file_keeps_the_old_file_and_leaves_no_temporary_file(tmp_path):
    out = write_atomic(tmp_path / "terms.csv", "old\n")
    with pytest.raises(OSError, match="No space left"):
        with atomic_file(out, binary=True) as handle:
            handle.write(b"half")
            raise OSError(errno.ENOSPC, "No space left on device")
    assert out.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["terms.csv"]


def test_write_atomic_through_a_symlink_replaces_its_target_and_keeps_the_link(tmp_path):
    real = write_atomic(tmp_path / "shared" / "index.html", "old")
    link = tmp_path / "index.html"
    os.symlink(real, link)
    write_atomic(link, "جديد")
    assert link.is_symlink() and real.read_text(encoding="utf-8") == "جديد"


def test_a_folder_that_cannot_be_created_is_named_in_the_error(tmp_path):
    blocker = write_atomic(tmp_path / "file", "x")
    with pytest.raises(OSError, match=f"cannot write {blocker / 'out.csv'}"):
        write_atomic(blocker / "out.csv", "x")
