"""analysis.validation: samples, coding sheets, codings, precision, agreement, adjusted rates."""

import csv
import math

import krippendorff
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import beta, norm

from analysis.corpus import load_corpus
from analysis.frames import frame_matches
from analysis.validation import (
    SAMPLE_COLUMNS,
    SHEET_COLUMNS,
    adjusted_frame_table,
    agreement,
    precision_table,
    read_codings,
    read_sample,
    validation_sample,
    write_coding_sheet,
    write_judged_sample,
)


@pytest.fixture(scope="module")
def demo():
    return load_corpus(None, progress=False)


@pytest.fixture(scope="module")
def matches(demo):
    return frame_matches(demo, "international-news")


@pytest.fixture(scope="module")
def sample(matches, demo):
    return validation_sample(matches, demo, per_frame=6, seed=3)


def fill_sheet(path, out, codes: dict, coder: str, delimiter=","):
    """A coder's copy of the sheet at ``path``: ``codes`` by item id, their name on the first row."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for i, row in enumerate(rows):
        row["code"] = codes.get(row["item_id"], "")
        row["coder"] = coder if i == 0 else ""
    with open(out, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), delimiter=delimiter)
        writer.writeheader()
        writer.writerows(rows)
    return out


def wilson(k, n, z=norm.ppf(0.975)):
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


# --------------------------------------------------------------------------- the round trip


def test_coding_round_trip_with_two_coders_equals_a_hand_computation(sample, tmp_path):
    sheet, _ = write_coding_sheet(sample, tmp_path / "sheet.csv", "international-news")
    rng = np.random.default_rng(7)
    items = sample["item_id"].tolist()
    first = {item: int(rng.random() < 0.7) for item in items}
    # the second coder agrees on 80 % of the items and leaves two blank
    second = {item: (code if rng.random() < 0.8 else 1 - code) for item, code in first.items()}
    for item in items[:2]:
        del second[item]
    paths = [fill_sheet(sheet, tmp_path / "a.csv", {k: str(v) for k, v in first.items()}, "سارة"),
             fill_sheet(sheet, tmp_path / "b.csv", {k: str(v) for k, v in second.items()}, "Omar", delimiter=";")]
    codings = read_codings(paths, read_sample(sheet))
    assert len(codings) == len(first) + len(second)

    table = precision_table(codings, sample).set_index("frame")
    for frame, mine in sample.groupby("frame"):
        valid = n = ties = 0
        for item in mine["item_id"]:
            codes = [first[item]] + ([second[item]] if item in second else [])
            n += 1
            valid += sum(codes) * 2 > len(codes)
            ties += sum(codes) * 2 == len(codes)
        low, high = wilson(valid, n)
        row = table.loc[frame]
        assert (row["n"], row["valid"], row["ties"], row["uncoded"]) == (n, valid, ties, 0)
        assert row["precision"] == pytest.approx(valid / n)
        assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high), abs=1e-12)

    matrix = np.array([[first[i] for i in items], [second.get(i, np.nan) for i in items]], dtype=float)
    agreed = [first[i] == second[i] for i in items if i in second]
    result = agreement(codings).iloc[0]
    assert result["alpha"] == pytest.approx(krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal"))
    assert result["percent_agreement"] == pytest.approx(np.mean(agreed))
    assert (result["items"], result["coders"]) == (len(items) - 2, 2)


def test_precision_by_frame_and_term_adds_up_to_precision_by_frame(sample):
    codings = pd.DataFrame({"item_id": sample["item_id"], "coder": "a", "code": np.arange(len(sample)) % 2})
    by_term = precision_table(codings, sample, by=["frame", "term"])
    by_frame = precision_table(codings, sample).set_index("frame")
    summed = by_term.groupby("frame")[["n", "valid"]].sum()
    assert summed.equals(by_frame[["n", "valid"]])


def test_an_even_split_counts_as_not_valid_and_is_counted_as_a_tie():
    sample = pd.DataFrame({"item_id": ["a", "b"], "frame": ["threat", "threat"]})
    codings = pd.DataFrame({"item_id": ["a", "a", "b", "b", "b"], "coder": ["x", "y", "x", "y", "z"],
                            "code": [1, 0, 1, 0, 1]})
    row = precision_table(codings, sample).iloc[0]
    assert (row["n"], row["valid"], row["ties"]) == (2, 1, 1)


def test_a_frame_nobody_coded_has_no_precision(sample):
    codings = pd.DataFrame({"item_id": sample["item_id"].iloc[:1], "coder": "a", "code": [1]})
    table = precision_table(codings, sample)
    uncoded = table[table["n"] == 0]
    assert len(uncoded) == sample["frame"].nunique() - 1
    assert uncoded[["precision", "ci_low", "ci_high"]].isna().all().all()
    assert (uncoded["uncoded"] > 0).all()


def test_agreement_per_frame_equals_krippendorff_on_each_frames_items(sample):
    rng = np.random.default_rng(1)
    codings = pd.DataFrame({"item_id": np.tile(sample["item_id"], 3), "coder": np.repeat(["a", "b", "c"], len(sample)),
                            "code": rng.integers(0, 2, 3 * len(sample))})
    table = agreement(codings, sample, by="frame").set_index("frame")
    for frame, mine in sample.groupby("frame"):
        part = codings[codings["item_id"].isin(mine["item_id"])]
        matrix = part.pivot(index="coder", columns="item_id", values="code").to_numpy(dtype=float)
        if len(np.unique(matrix)) > 1:
            assert table.loc[frame, "alpha"] == pytest.approx(krippendorff.alpha(reliability_data=matrix,
                                                                                 level_of_measurement="nominal"))
        assert table.loc[frame, "items"] == len(mine)


def test_agreement_is_undefined_without_variation_or_a_second_coder():
    same = pd.DataFrame({"item_id": ["a", "b", "a", "b"], "coder": ["x", "x", "y", "y"], "code": [1, 1, 1, 1]})
    assert np.isnan(agreement(same).iloc[0]["alpha"])
    assert agreement(same).iloc[0]["percent_agreement"] == 1.0
    alone = pd.DataFrame({"item_id": ["a", "b"], "coder": ["x", "x"], "code": [1, 0]})
    row = agreement(alone).iloc[0]
    assert np.isnan(row["alpha"]) and (row["items"], row["coders"]) == (0, 0)


def test_precision_interval_at_another_level_equals_wilson_by_hand():
    sample = pd.DataFrame({"item_id": list("abcdefg"), "frame": ["cyber"] * 7})
    codings = pd.DataFrame({"item_id": list("abcdefg"), "coder": "x", "code": [1, 1, 1, 1, 1, 0, 0]})
    row = precision_table(codings, sample, level=0.9).iloc[0]
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(wilson(5, 7, norm.ppf(0.95)), abs=1e-12)


def test_scores_refuse_codings_of_items_not_in_the_sample():
    sample = pd.DataFrame({"item_id": ["a"], "frame": ["cyber"]})
    codings = pd.DataFrame({"item_id": ["a", "z"], "coder": ["x", "x"], "code": [1, 0]})
    with pytest.raises(ValueError, match="precision_table: item 'z' .* is not in the sample"):
        precision_table(codings, sample)
    with pytest.raises(ValueError, match="agreement: item 'z' is not in the sample"):
        agreement(codings, sample, by="frame")
    with pytest.raises(ValueError, match="agreement: by needs the sample"):
        agreement(codings, by="frame")
    with pytest.raises(ValueError, match=r"agreement: code 2 \(item 'z'\) is not 0 or 1"):
        agreement(codings.assign(code=[1, 2]))


# --------------------------------------------------------------------------- errors of read_codings


@pytest.fixture
def sheet(sample, tmp_path):
    return write_coding_sheet(sample, tmp_path / "sheet.csv")[0]


def test_read_codings_names_the_file_and_row_of_an_unknown_item(sample, sheet, tmp_path):
    path = fill_sheet(sheet, tmp_path / "a.csv", {}, "a")
    text = path.read_text(encoding="utf-8-sig").replace(sample["item_id"].iloc[2], "vdeadbeef0000")
    path.write_text(text, encoding="utf-8-sig")
    with pytest.raises(ValueError, match=r"a\.csv row 4: item 'vdeadbeef0000' is not in the sample"):
        read_codings(path, sample)
    assert len(read_codings(path)) == 0  # without the sample nothing tells it is unknown


@pytest.mark.parametrize("code", ["2", "yes", "-1", "0.5"])
def test_read_codings_refuses_a_code_other_than_0_1_or_blank(sample, sheet, tmp_path, code):
    item = sample["item_id"].iloc[1]
    path = fill_sheet(sheet, tmp_path / "a.csv", {item: code}, "a")
    with pytest.raises(ValueError, match=rf"a\.csv row 3 \(item {item}\): code '{code}' is not 0, 1 or blank"):
        read_codings(path, sample)


def test_read_codings_accepts_arabic_indic_digits_and_spreadsheet_floats(sample, sheet, tmp_path):
    items = sample["item_id"].tolist()
    path = fill_sheet(sheet, tmp_path / "a.csv", {items[0]: "١", items[1]: "٠", items[2]: "1.0", items[3]: " 0 "}, "a")
    assert read_codings(path, sample).set_index("item_id")["code"].to_dict() == {
        items[0]: 1, items[1]: 0, items[2]: 1, items[3]: 0}


@pytest.mark.parametrize("column", ["item_id", "code", "coder"])
def test_read_codings_names_a_missing_column(sheet, tmp_path, column):
    table = pd.read_csv(sheet, dtype=str, keep_default_na=False, encoding="utf-8-sig").assign(coder="a")
    path = tmp_path / "a.csv"
    table.drop(columns=column).to_csv(path, index=False)
    with pytest.raises(ValueError, match=rf"a\.csv: no column '{column}'"):
        read_codings(path)


def test_read_codings_refuses_two_sheets_from_one_coder(sheet, tmp_path):
    paths = [fill_sheet(sheet, tmp_path / "a.csv", {}, "سارة"), fill_sheet(sheet, tmp_path / "b.csv", {}, "سارة")]
    with pytest.raises(ValueError, match=r"b\.csv: coder 'سارة' also coded .*a\.csv"):
        read_codings(paths)


def test_read_codings_wants_one_coder_named_per_sheet(sheet, tmp_path):
    with pytest.raises(ValueError, match=r"a\.csv: column 'coder' names no coder"):
        read_codings(fill_sheet(sheet, tmp_path / "a.csv", {}, ""))
    table = pd.read_csv(sheet, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    table["coder"] = ["x", "y"] + [""] * (len(table) - 2)
    table.to_csv(tmp_path / "b.csv", index=False)
    with pytest.raises(ValueError, match=r"b\.csv: column 'coder' names several coders \['x', 'y'\]"):
        read_codings(tmp_path / "b.csv")


def test_read_codings_refuses_an_item_twice_in_a_sheet(sheet, tmp_path):
    table = pd.read_csv(sheet, dtype=str, keep_default_na=False, encoding="utf-8-sig").assign(coder="a")
    pd.concat([table, table.iloc[[0]]]).to_csv(tmp_path / "a.csv", index=False)
    with pytest.raises(ValueError, match=rf"a\.csv rows 2 and {len(table) + 2}: item '{table['item_id'][0]}' appears twice"):
        read_codings(tmp_path / "a.csv")


def test_read_codings_skips_empty_rows_and_still_numbers_rows_as_a_spreadsheet_does(sample, sheet, tmp_path):
    path = fill_sheet(sheet, tmp_path / "a.csv", {sample["item_id"].iloc[0]: "1"}, "a")
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    path.write_text("\n".join(lines[:2] + [",,,,,,,,,,,,", ""] + lines[2:] + [",,,"]) + "\n", encoding="utf-8-sig")
    codings = read_codings(path, sample)
    assert codings.values.tolist() == [[sample["item_id"].iloc[0], "a", 1]]
    bad = fill_sheet(sheet, tmp_path / "b.csv", {sample["item_id"].iloc[1]: "نعم"}, "b")
    lines = bad.read_text(encoding="utf-8-sig").splitlines()
    bad.write_text("\n".join(lines[:2] + [",,,,,,,,,,,,"] + lines[2:]) + "\n", encoding="utf-8-sig")
    with pytest.raises(ValueError, match=r"b\.csv row 4 "):
        read_codings(bad, sample)


def test_read_codings_refuses_a_sheet_that_is_not_utf8(sheet, tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(sheet.read_text(encoding="utf-8-sig").encode("cp1256", errors="replace"))
    with pytest.raises(ValueError, match=r"a\.csv: not UTF-8 text"):
        read_codings(path)


# --------------------------------------------------------------------------- sampling


def test_sample_is_seeded_and_independent_of_row_order(matches, demo, sample):
    shuffled = matches.sample(frac=1, random_state=0)
    assert validation_sample(shuffled, demo, per_frame=6, seed=3).equals(sample)
    assert not validation_sample(matches, demo, per_frame=6, seed=4)["item_id"].equals(sample["item_id"])


def test_sample_has_per_frame_items_of_each_frame_sorted_with_the_columns_promised(matches, sample):
    assert list(sample.columns) == list(SAMPLE_COLUMNS)
    expected = matches["frame"].value_counts().clip(upper=6).sort_index()
    assert sample["frame"].value_counts().sort_index().equals(expected)
    assert sample.equals(sample.sort_values(["frame", "doc_id", "start"]).reset_index(drop=True))
    assert sample["item_id"].is_unique


def test_sample_by_source_has_per_frame_items_of_each_frame_and_source(matches, demo):
    by_source = validation_sample(matches, demo, per_frame=2, seed=0, by="source")
    expected = matches.groupby(["frame", "source"]).size().clip(upper=2)
    assert by_source.groupby(["frame", "source"]).size().equals(expected)


def test_item_ids_stay_with_their_hit_across_samples_and_frames(matches, demo, sample):
    larger = validation_sample(matches, demo, per_frame=10, seed=3)
    assert set(sample["item_id"]) <= set(larger["item_id"])
    key = ["doc_id", "start", "frame"]
    assert sample.merge(larger, on=key)[["item_id_x"]].values.tolist() == sample[["item_id"]].values.tolist()
    without_cyber = validation_sample(matches[matches["frame"] != "cyber"], demo, per_frame=6, seed=3)
    assert without_cyber.equals(sample[sample["frame"] != "cyber"].reset_index(drop=True))


def test_sample_context_is_the_text_around_the_hit_as_written(demo, sample):
    texts = demo.docs.set_index("doc_id")["text"]
    for row in sample.itertuples():
        text = texts[row.doc_id]
        assert text[row.start:row.end] == row.surface
        assert text[:row.start].rstrip().endswith(row.before) and text[row.end:].lstrip().startswith(row.after)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.sampled_from(["threat", "cyber", "nuclear"]), st.integers(0, 4)),
                min_size=1, max_size=40, unique=True),
       st.integers(1, 4), st.integers(0, 3))
def test_sample_takes_the_lowest_ranks_of_each_stratum_whatever_the_hits(hits, per_frame, seed):
    docs = pd.DataFrame({"doc_id": [str(d) for d in range(4)], "source": ["أ", "ب", "أ", "ب"],
                         "text": ["كلمة " * 5] * 4})
    matches = pd.DataFrame([{"doc_id": str(d), "source": docs["source"][d], "frame": f, "term": "كلمة",
                             "surface": "كلمة", "start": 5 * k, "end": 5 * k + 4} for d, f, k in hits])
    drawn = validation_sample(matches, docs, per_frame=per_frame, seed=seed, by="source")
    sizes = matches.groupby(["frame", "source"]).size().clip(upper=per_frame)
    assert drawn.groupby(["frame", "source"]).size().equals(sizes)
    one_more = validation_sample(matches, docs, per_frame=per_frame + 1, seed=seed, by="source")
    assert set(drawn["item_id"]) <= set(one_more["item_id"])
    assert drawn["item_id"].is_unique and drawn["item_id"].str.fullmatch(r"v[0-9a-f]{12}").all()


def test_sample_refuses_matches_from_another_corpus(matches):
    docs = pd.DataFrame({"doc_id": ["x"], "source": ["أ"], "text": ["نص"]})
    with pytest.raises(ValueError, match="not in the corpus"):
        validation_sample(matches, docs)


# --------------------------------------------------------------------------- sheets


def hostile_sample():
    texts = ["=HYPERLINK(\"http://x\",\"اضغط\")", "+1", "-2 قتيل", "@SUM(A1)", "'= already", "\tقال", "عادي"]
    n = len(texts)
    return pd.DataFrame({"item_id": [f"v{i:012x}" for i in range(n)], "frame": ["threat"] * n, "term": ["تهديد"] * n,
                         "doc_id": [str(i) for i in range(n)], "source": ["<b>أ</b>"] * n, "before": texts,
                         "surface": ["تهديد"] * n, "after": ["<script>alert(1)</script>"] * n,
                         "start": range(n), "end": range(5, n + 5)})


def test_sheet_cells_that_a_spreadsheet_would_run_start_with_an_apostrophe(tmp_path):
    sample = hostile_sample()
    path, _ = write_coding_sheet(sample, tmp_path / "s.csv")
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == list(SHEET_COLUMNS)
    written = [row["before"] for row in rows]
    assert written[:6] == ["'" + text for text in sample["before"][:6]]
    assert written[6] == "عادي"
    assert all(not cell.startswith(("=", "+", "-", "@", "\t")) for row in rows for cell in row.values())
    assert read_sample(path).equals(sample)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from("=+-@'\t\r\n ,;\"عقx1"), max_size=8), min_size=1, max_size=4))
def test_sheet_round_trip_keeps_any_text(tmp_path_factory, texts):
    n = len(texts)
    sample = hostile_sample().iloc[:1].reindex([0] * n).reset_index(drop=True)
    sample = sample.assign(item_id=[f"v{i}" for i in range(n)], before=texts, term=texts[::-1])
    path, _ = write_coding_sheet(sample, tmp_path_factory.mktemp("s") / "s.csv")
    assert read_sample(path).equals(sample.astype({"before": "str", "term": "str"}))


def test_reading_view_escapes_corpus_text_and_shows_ids_and_frame_descriptions(tmp_path):
    from analysis.lexicon import load_lexicon

    sample = hostile_sample()
    _, view = write_coding_sheet(sample, tmp_path / "s.csv", "international-news")
    page = view.read_text(encoding="utf-8")
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>أ</b>" not in page and "&lt;b&gt;أ&lt;/b&gt;" in page
    assert all(item in page for item in sample["item_id"])
    threat = next(f for f in load_lexicon("international-news").frames if f.id == "threat")
    assert threat.label_en in page and threat.label_ar in page
    assert 'dir="rtl"' in page and "<mark>تهديد</mark>" in page
    assert "http" not in page.replace("http://x", "")  # nothing to fetch: the page is self-contained


def test_sheet_is_utf8_with_a_byte_order_mark_and_crlf(sample, tmp_path):
    data = write_coding_sheet(sample, tmp_path / "s.csv")[0].read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and data.count(b"\r\n") >= len(sample) + 1


def test_read_sample_reads_a_sheet_resaved_with_semicolons(sample, sheet, tmp_path):
    path = fill_sheet(sheet, tmp_path / "a.csv", {}, "a", delimiter=";")
    assert read_sample(path).equals(sample)


def test_xlsx_sheet_holds_text_cells_never_formulas_on_a_right_to_left_sheet(tmp_path):
    import zipfile

    from openpyxl import load_workbook

    sample = hostile_sample()
    path, view = write_coding_sheet(sample, tmp_path / "s.xlsx", "international-news")
    assert view == tmp_path / "s.html"
    with zipfile.ZipFile(path) as archive:
        xml = "".join(archive.read(name).decode("utf-8") for name in archive.namelist() if name.endswith(".xml"))
    assert "<f>" not in xml and "HYPERLINK" in xml
    book = load_workbook(path)
    assert book.sheetnames == ["coding", "frames"] and book["coding"].sheet_view.rightToLeft
    assert [c.value for c in book["coding"][1]] == list(SHEET_COLUMNS)
    assert "threat" in [c.value for c in book["frames"]["A"]]
    assert read_sample(path).equals(sample)


def test_xlsx_sheet_filled_in_by_a_spreadsheet_is_read_like_a_csv_sheet(sample, tmp_path):
    from openpyxl import load_workbook

    path, _ = write_coding_sheet(sample, tmp_path / "s.xlsx")
    book = load_workbook(path)
    sheet = book["coding"]
    code, coder = list(SHEET_COLUMNS).index("code") + 1, list(SHEET_COLUMNS).index("coder") + 1
    sheet.cell(2, code, 1)
    sheet.cell(3, code, 0.0)
    sheet.cell(2, coder, "سارة")
    book.save(tmp_path / "sara.xlsx")
    csv_sheet = fill_sheet(write_coding_sheet(sample, tmp_path / "s.csv")[0], tmp_path / "omar.csv",
                           {sample["item_id"].iloc[0]: "0"}, "Omar")
    codings = read_codings([tmp_path / "sara.xlsx", csv_sheet], read_sample(path))
    assert codings.values.tolist() == [[sample["item_id"].iloc[0], "Omar", 0],
                                       *sorted([[sample["item_id"].iloc[0], "سارة", 1],
                                                [sample["item_id"].iloc[1], "سارة", 0]])]
    sheet.cell(4, code, "x")
    book.save(tmp_path / "bad.xlsx")
    with pytest.raises(ValueError, match=r"bad\.xlsx row 4 \(item v\w+\): code 'x' is not 0, 1 or blank"):
        read_codings(tmp_path / "bad.xlsx")


def test_xlsx_sheet_writes_control_characters_as_replacement_characters(tmp_path):
    sample = hostile_sample().iloc[:1].assign(before="قال\x01 إن")
    path, _ = write_coding_sheet(sample, tmp_path / "s.xlsx")
    assert read_sample(path)["before"].tolist() == ["قال\ufffd إن"]


def test_read_codings_refuses_a_file_that_is_not_a_workbook(tmp_path):
    (tmp_path / "a.xlsx").write_text("item_id,code,coder\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"a\.xlsx: not a readable \.xlsx workbook"):
        read_codings(tmp_path / "a.xlsx")


def test_a_judged_sample_reads_back_as_its_sample_and_one_coder_s_codes(sample, tmp_path):
    from analysis.lexicon import load_lexicon

    judged = pd.DataFrame({"item_id": sample["item_id"], "code": [i % 2 for i in range(len(sample))],
                           "note": [f"سبب {i}" for i in range(len(sample))]})
    path = write_judged_sample(sample, judged.iloc[::-1], tmp_path / "v.csv", "مقيّم", "international-news")
    assert read_sample(path).equals(sample)
    codings = read_codings(path, sample)
    assert codings.set_index("item_id")["code"].to_dict() == judged.set_index("item_id")["code"].to_dict()
    table = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    assert set(table["lexicon_sha256"]) == {load_lexicon("international-news").sha256}
    assert table["note"].tolist() == judged["note"].tolist() and set(table["coder"]) == {"مقيّم"}
    precision = precision_table(codings, sample)
    assert precision["valid"].sum() == judged["code"].sum()


@pytest.mark.parametrize("change, message", [
    (lambda j: j.iloc[1:], "has no judgement"),
    (lambda j: pd.concat([j, j.iloc[:1]]), "is judged twice"),
    (lambda j: j.assign(code=[2] + [1] * (len(j) - 1)), "not 0 or 1"),
    (lambda j: j.assign(note=[""] + ["x"] * (len(j) - 1)), "has no reason"),
    (lambda j: pd.concat([j, pd.DataFrame({"item_id": ["vnone"], "code": [1], "note": ["x"]})]), "not in the sample"),
])
def test_a_judged_sample_needs_one_judgement_with_a_reason_per_item(sample, tmp_path, change, message):
    judged = pd.DataFrame({"item_id": sample["item_id"], "code": 1, "note": "x"})
    with pytest.raises(ValueError, match=message):
        write_judged_sample(sample, change(judged), tmp_path / "v.csv", "a", "international-news")
    assert not (tmp_path / "v.csv").exists()


# --------------------------------------------------------------------------- adjusted rates


def test_adjusted_interval_is_the_precision_interval_times_the_rate_when_the_rate_is_certain():
    ft = pd.DataFrame({"source": ["أ", "ب"], "frame": ["threat", "cyber"], "rate_per_1k": [4.0, 2.0],
                       "ci_low": [4.0, 1.0], "ci_high": [4.0, 3.0]})
    pt = pd.DataFrame({"frame": ["threat"], "n": [40], "valid": [30], "precision": [0.75],
                       "ci_low": [0.6], "ci_high": [0.86]})
    table = adjusted_frame_table(ft, pt, n_draws=200_000, seed=1)
    row = table.iloc[0]
    assert row["adjusted_rate_per_1k"] == 3.0
    expected = 4.0 * beta.ppf([0.025, 0.975], 30.5, 10.5)
    assert [row["adjusted_ci_low"], row["adjusted_ci_high"]] == pytest.approx(expected, rel=5e-3)
    assert table.iloc[1][["precision", "adjusted_rate_per_1k", "adjusted_ci_low"]].isna().all()
    assert list(table.columns) == list(ft.columns) + ["precision", "adjusted_rate_per_1k", "adjusted_ci_low",
                                                      "adjusted_ci_high"]


def test_adjusted_interval_is_wider_than_either_source_of_uncertainty_and_seeded():
    ft = pd.DataFrame({"frame": ["threat"], "rate_per_1k": [4.0], "ci_low": [3.0], "ci_high": [5.0]})
    pt = pd.DataFrame({"frame": ["threat"], "n": [40], "valid": [30], "precision": [0.75]})
    row = adjusted_frame_table(ft, pt, seed=2).iloc[0]
    width = row["adjusted_ci_high"] - row["adjusted_ci_low"]
    rate_only = 0.75 * (5.0 - 3.0)
    precision_only = 4.0 * np.diff(beta.ppf([0.025, 0.975], 30.5, 10.5))[0]
    assert width > max(rate_only, precision_only)
    assert width == pytest.approx(math.hypot(rate_only, precision_only), rel=0.1)
    assert adjusted_frame_table(ft, pt, seed=2).equals(adjusted_frame_table(ft, pt, seed=2))


def test_adjusted_rates_join_a_precision_table_by_frame_and_source():
    ft = pd.DataFrame({"source": ["أ", "ب"], "frame": ["threat"] * 2, "rate_per_1k": [4.0, 4.0],
                       "ci_low": [4.0] * 2, "ci_high": [4.0] * 2})
    pt = pd.DataFrame({"frame": ["threat"] * 2, "source": ["أ", "ب"], "n": [10, 10], "valid": [10, 5],
                       "precision": [1.0, 0.5]})
    assert adjusted_frame_table(ft, pt)["adjusted_rate_per_1k"].tolist() == [4.0, 2.0]
    with pytest.raises(ValueError, match=r"grouped by \['source'\], which frame_table lacks"):
        adjusted_frame_table(ft.drop(columns="source").iloc[:1], pt)


def test_adjusted_intervals_of_one_outlet_do_not_move_when_another_is_dropped():
    ft = pd.DataFrame({"source": ["أ", "أ", "ب", "ب"], "frame": ["threat", "cyber"] * 2,
                       "rate_per_1k": [4.0, 2.0, 3.0, 1.0], "ci_low": [3.0, 1.0, 2.0, 0.5],
                       "ci_high": [5.0, 3.0, 4.0, 1.5]})
    pt = pd.DataFrame({"frame": ["cyber", "threat"], "n": [40, 40], "valid": [35, 30],
                       "precision": [0.875, 0.75]})
    both = adjusted_frame_table(ft, pt, n_draws=500, seed=3)
    alone = adjusted_frame_table(ft[ft["source"] == "ب"], pt, n_draws=500, seed=3)
    columns = ["adjusted_ci_low", "adjusted_ci_high"]
    assert both.loc[both["source"] == "ب", columns].to_numpy().tolist() == alone[columns].to_numpy().tolist()
    labelled = adjusted_frame_table(ft.assign(frame_label=ft["frame"].str.title()), pt, n_draws=500, seed=3)
    assert labelled[columns].equals(both[columns])  # labels are not part of a row's key
    # the rows' streams differ: two rows with the same inputs get different Monte Carlo intervals
    twins = pd.DataFrame({"source": ["أ", "ب"], "frame": ["threat"] * 2, "rate_per_1k": [4.0] * 2,
                          "ci_low": [3.0] * 2, "ci_high": [5.0] * 2})
    low = adjusted_frame_table(twins, pt, n_draws=500, seed=3)["adjusted_ci_low"]
    assert low.iloc[0] != low.iloc[1]


# --------------------------------------------------------------------------- command line


def test_validate_sample_then_score_on_the_command_line(tmp_path, capsys):
    from analysis.cli import main

    sheet = tmp_path / "sheet.csv"
    assert main(["validate", "sample", "--per-frame", "4", "--seed", "2", "--out", str(sheet), "--no-progress"]) == 0
    assert "items of 8 frames" in capsys.readouterr().err and sheet.with_suffix(".html").exists()
    sample = read_sample(sheet)
    items = sample["item_id"].tolist()
    a = fill_sheet(sheet, tmp_path / "a.csv", {item: str(i % 2) for i, item in enumerate(items)}, "a")
    b = fill_sheet(sheet, tmp_path / "b.csv", {item: str(int(i % 3 == 0)) for i, item in enumerate(items)}, "b")
    out = tmp_path / "precision.csv"
    assert main(["validate", "score", str(a), str(b), "--sample", str(sheet), "--by", "frame,term",
                 "--out", str(out)]) == 0
    printed = capsys.readouterr().err
    codings = read_codings([a, b], sample)
    written = pd.read_csv(out)
    expected = precision_table(codings, sample, by=["frame", "term"])
    assert written[["frame", "term", "n", "valid"]].values.tolist() == expected[["frame", "term", "n", "valid"]].values.tolist()
    lines = printed.strip().splitlines()
    start = lines.index(next(line for line in lines if line.split()[:1] == ["alpha"]))
    assert lines[start].split() == ["alpha", "percent_agreement", "items", "coders"]
    assert float(lines[start + 1].split()[0]) == pytest.approx(agreement(codings).iloc[0]["alpha"], abs=1e-5)
    assert lines[start + 2].split() == ["frame", "alpha", "percent_agreement", "items", "coders"]
    assert len(lines) == start + 3 + sample["frame"].nunique()


def test_validate_score_reports_a_bad_sheet_in_one_line(tmp_path, capsys):
    from analysis.cli import main

    sheet = tmp_path / "sheet.csv"
    assert main(["validate", "sample", "--per-frame", "1", "--out", str(sheet), "--no-progress"]) == 0
    item = read_sample(sheet)["item_id"].iloc[0]
    path = fill_sheet(sheet, tmp_path / "a.csv", {item: "نعم"}, "a")
    capsys.readouterr()
    assert main(["validate", "score", str(path)]) == 1
    assert capsys.readouterr().err == f"error: {path} row 2 (item {item}): code 'نعم' is not 0, 1 or blank\n"


def test_report_passes_coding_sheets_to_the_notebooks_as_absolute_paths(tmp_path, monkeypatch, capsys):
    import analysis.report
    from analysis.cli import main

    calls = []
    monkeypatch.setattr(analysis.report, "build_report", lambda **kwargs: calls.append(kwargs) or tmp_path / "i.html")
    (tmp_path / "a.csv").write_text("item_id,code,coder\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["report", "--codings", "a.csv", "--out", str(tmp_path / "out")]) == 0
    assert calls[0]["parameters"] == {"codings": [str(tmp_path / "a.csv")]}
    assert main(["report", "--codings", "a.csv", "b.csv"]) == 1
    assert capsys.readouterr().err.endswith("error: coding sheet b.csv: no such file\n")
    assert main(["report"]) == 0 and calls[-1]["parameters"] is None


# --------------------------------------------------------------------------- notebook 03


@pytest.mark.slow
def test_notebook_03_shows_precision_agreement_and_adjusted_rates_when_given_codings(demo, sample, tmp_path):
    from analysis.compare import frame_table
    from analysis.report import build_report, notebook_paths

    sheet, _ = write_coding_sheet(sample, tmp_path / "sheet.csv")
    items = sample["item_id"].tolist()
    paths = [fill_sheet(sheet, tmp_path / "a.csv", {item: str(i % 2) for i, item in enumerate(items)}, "a"),
             fill_sheet(sheet, tmp_path / "b.csv", {item: str(int(i % 3 > 0)) for i, item in enumerate(items)}, "b")]
    notebook = [path for path in notebook_paths() if path.stem == "03_framing"]
    index = build_report(out=tmp_path / "out", notebooks=notebook,
                         parameters={"codings": [str(p) for p in paths], "n_boot": 100})
    page = (index.parent / "03_framing.html").read_text(encoding="utf-8")
    codings = read_codings(paths, sample)
    assert f"{agreement(codings).iloc[0]['alpha']:.4g}" in page
    assert f"{len(codings):,} codes from 2 coding sheet(s)." in page
    rates = frame_table(demo, "international-news", n_boot=100, seed=0)
    adjusted = adjusted_frame_table(rates, precision_table(codings, sample), seed=0)
    assert all(f"<td class=\"af-num\" dir=\"ltr\">{value:.4g}</td>" in page for value in adjusted["adjusted_ci_high"].iloc[:3])
