"""CSV reading (analysis/corpus/readers.py) of long lines and texts."""

from __future__ import annotations

import csv
import io
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.corpus import readers

_FIELD = st.text(st.sampled_from(list('أبة إ,"x\t\n\r\u064e')), max_size=12)
_ROW = st.lists(_FIELD, min_size=2, max_size=2)


def _csv_text(rows: list[list[str]], ends: list[str]) -> str:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    for row, end in zip(rows, ends):
        writer.writerow(row)
        buffer.seek(buffer.tell() - 2)  # csv ends every row with \r\n; put the drawn line end instead
        buffer.truncate()
        buffer.write(end)
    return buffer.getvalue()


@settings(max_examples=200, deadline=None)
@given(st.lists(_ROW, min_size=1, max_size=6).flatmap(
    lambda rows: st.tuples(st.just(rows), st.lists(st.sampled_from(["\n", "\r\n", "\r"]), min_size=len(rows),
                                                   max_size=len(rows)))))
def test_long_lines_split_at_the_delimiter_read_as_the_csv_module_reads_them(drawn):
    """Every line of 3 characters or more without quotes is split apart from the csv module; rows,
    fields and line numbers are those the csv module reads, quoted fields over several lines included."""
    rows, ends = drawn
    text = _csv_text([["source", "text"], *rows], ["\n", *ends])
    expected = [r for r in csv.reader(io.StringIO(text, newline=""), strict=True)][1:]
    with mock.patch.object(readers, "_LONG_LINE", 3):
        frame, locations, rejects = readers._read_delimited(text, ",")
    assert not rejects
    assert frame.values.tolist() == [r for r in expected if r]


def test_a_long_plain_line_is_cut_from_the_text():
    text = "source,text\nأ," + "كلمة " * 20_000 + ",\r\nب,\"نص, قصير\"\n"
    lines = readers._Lines(text)
    assert lines.plain(1) and not lines.plain(2)
    frame, locations, rejects = readers._read_delimited(text, ",")
    assert frame.values.tolist() == [["أ", "كلمة " * 20_000], ["ب", "نص, قصير"]] and locations == ["line 2", "line 3"]


