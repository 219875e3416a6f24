"""Corpus ingestion: formats, encodings, column detection, accounting of every row."""

import io
import json
import zipfile

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.corpus import CorpusError, as_docs, detect_encoding, group_keys, load_corpus
from analysis.text import normalize

ARTICLES = [
    {"source": "الرائد", "date": "2021-11-02", "title": "محادثات جنيف", "text": "بدأت المحادثات في جنيف."},
    {"source": "الميزان", "date": "2021-11-05", "title": "عقوبات جديدة", "text": "فرضت واشنطن عقوبات جديدة."},
    {"source": "الميزان", "date": "2021-11-09", "title": "حشود", "text": "حشود عسكرية على الحدود."},
]


def accounted(corpus):
    r = corpus.report
    return r.rows_read == r.rows_kept + len(r.rejected) and r.rows_kept == len(corpus.docs)


def write_csv(path, rows, sep=",", encoding="utf-8"):
    pd.DataFrame(rows).to_csv(path, sep=sep, index=False, encoding=encoding)


# ---------------------------------------------------------------- formats

def test_csv_keeps_every_row_with_standard_columns(tmp_path):
    write_csv(tmp_path / "a.csv", ARTICLES)
    corpus = load_corpus(tmp_path / "a.csv")
    docs = corpus.docs
    assert list(docs.columns[:6]) == ["doc_id", "source", "date", "title", "url", "text"]
    assert docs["text"].tolist() == [a["text"] for a in ARTICLES]
    assert docs["date"].dtype.kind == "M"
    assert docs["doc_id"].is_unique
    assert accounted(corpus)


def test_tsv_json_jsonl_parquet_and_zip_give_the_same_documents(tmp_path):
    write_csv(tmp_path / "a.tsv", ARTICLES, sep="\t")
    (tmp_path / "a.json").write_text(json.dumps(ARTICLES, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "a.jsonl").write_text("\n".join(json.dumps(a, ensure_ascii=False) for a in ARTICLES), encoding="utf-8")
    pd.DataFrame(ARTICLES).to_parquet(tmp_path / "a.parquet")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("inner/a.json", json.dumps(ARTICLES, ensure_ascii=False))
    (tmp_path / "a.zip").write_bytes(buffer.getvalue())
    for name in ["a.tsv", "a.json", "a.jsonl", "a.parquet", "a.zip"]:
        docs = load_corpus(tmp_path / name).docs
        assert docs[["source", "title", "text"]].to_dict("records") == [
            {k: a[k] for k in ("source", "title", "text")} for a in ARTICLES], name
        assert docs["date"].dt.strftime("%Y-%m-%d").tolist() == [a["date"] for a in ARTICLES], name


def test_a_folder_mixing_formats_reads_them_all_in_sorted_order(tmp_path):
    write_csv(tmp_path / "b.csv", ARTICLES[:1])
    (tmp_path / "a.jsonl").write_text(json.dumps(ARTICLES[1], ensure_ascii=False), encoding="utf-8")
    (tmp_path / "notes.md").write_text("not a corpus file")
    corpus = load_corpus(tmp_path)
    assert corpus.docs["file"].tolist() == ["a.jsonl", "b.csv"]
    skipped = corpus.report.files.set_index("file").loc["notes.md"]
    assert skipped["status"] == "skipped" and ".md" in skipped["note"]
    assert corpus.report.files_read == 2


def test_txt_folder_takes_source_from_subfolder_and_metadata_from_sidecar(tmp_path):
    (tmp_path / "الرائد").mkdir()
    (tmp_path / "الرائد" / "1.txt").write_text("محادثات جنيف\nبدأت المحادثات.", encoding="utf-8")
    (tmp_path / "loose").mkdir()
    (tmp_path / "loose" / "2.txt").write_text("نص بلا مصدر في الملف", encoding="utf-8")
    (tmp_path / "loose" / "metadata.csv").write_text("file,source,date\n2.txt,الميزان,2021-12-01\n", encoding="utf-8")
    docs = load_corpus(tmp_path).docs.set_index("file")
    assert docs.loc["الرائد/1.txt", "source"] == "الرائد"
    assert docs.loc["الرائد/1.txt", "title"] == "محادثات جنيف"
    assert docs.loc["الرائد/1.txt", "text"] == "محادثات جنيف\nبدأت المحادثات."
    assert docs.loc["loose/2.txt", "source"] == "الميزان"
    assert docs.loc["loose/2.txt", "date"] == pd.Timestamp("2021-12-01")


def test_a_sidecar_inside_a_zip_is_metadata_not_a_document(tmp_path):
    import zipfile

    with zipfile.ZipFile(tmp_path / "archive.zip", "w") as archive:
        archive.writestr("loose/2.txt", "نص بلا مصدر في الملف")
        archive.writestr("loose/metadata.csv", "file,source,date\n2.txt,الميزان,2021-12-01\n")
        archive.writestr("3.txt", "نص آخر")
        archive.writestr("metadata.csv", "file,source\n3.txt,الجسر\n")
    corpus = load_corpus(tmp_path / "archive.zip")
    docs = corpus.docs.set_index("file")
    assert sorted(docs.index) == ["archive.zip!3.txt", "archive.zip!loose/2.txt"]
    assert docs.loc["archive.zip!loose/2.txt", ["source", "date"]].tolist() == ["الميزان", pd.Timestamp("2021-12-01")]
    assert docs.loc["archive.zip!3.txt", "source"] == "الجسر"
    assert corpus.report.rows_read == 2 and corpus.report.rejected.empty
    notes = corpus.report.files.set_index("file")["note"]
    assert notes["archive.zip!loose/metadata.csv"] == "sidecar metadata for 1 file(s)"


def test_single_txt_file_is_one_document(seed_text):
    from analysis.paths import SEED_ARTICLE

    corpus = load_corpus(SEED_ARTICLE)
    assert len(corpus.docs) == 1
    assert corpus.docs["text"].iloc[0] == seed_text
    assert corpus.docs["title"].iloc[0].startswith("مساع بين موسكو وواشنطن")


# ---------------------------------------------------------------- encodings

@pytest.mark.parametrize("encoding, expected", [
    ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("utf-16", "utf-16"), ("cp1256", "cp1256"),
])
def test_encodings_are_detected_per_file_and_reported(tmp_path, encoding, expected):
    path = tmp_path / f"{encoding}.csv"
    write_csv(path, ARTICLES, encoding=encoding)
    corpus = load_corpus(path)
    assert corpus.report.encodings == {path.name: expected}
    assert corpus.docs["text"].tolist() == [a["text"] for a in ARTICLES]


def test_encoding_can_be_forced(tmp_path):
    path = tmp_path / "a.csv"
    write_csv(path, ARTICLES, encoding="cp1256")
    corpus = load_corpus(path, encoding="cp1256")
    assert corpus.docs["source"].tolist() == [a["source"] for a in ARTICLES]
    with pytest.raises(CorpusError, match="unknown encoding"):
        load_corpus(path, encoding="klingon")


def test_windows_1256_is_never_the_first_guess():
    assert detect_encoding("العقوبات".encode("utf-8")) == "utf-8"
    assert detect_encoding("العقوبات".encode("cp1256")) == "cp1256"
    assert detect_encoding("العقوبات على موسكو".encode("utf-16-le")) == "utf-16-le"


def test_damaged_utf8_rows_are_rejected_not_mojibaked(tmp_path):
    good = json.dumps(ARTICLES[0], ensure_ascii=False).encode()
    bad = json.dumps(ARTICLES[1], ensure_ascii=False).encode().replace("عقوبات".encode(), b"\xd9\xff\xfe")
    lines = [good] * 60 + [bad]
    (tmp_path / "a.jsonl").write_bytes(b"\n".join(lines))
    corpus = load_corpus(tmp_path / "a.jsonl")
    assert corpus.report.encodings == {"a.jsonl": "utf-8"}
    assert len(corpus.docs) == 60
    assert corpus.report.rejected["reason"].str.contains("undecodable").tolist() == [True]
    assert corpus.report.rejected["location"].tolist() == ["line 61"]


# ---------------------------------------------------------------- columns

def test_arabic_and_english_column_names_are_recognised(tmp_path):
    rows = [{"المصدر": "الرائد", "التاريخ": "2021-11-02", "العنوان": "قمة", "النص": "انعقدت القمة."}]
    write_csv(tmp_path / "ar.csv", rows)
    rows = [{"newspaper": "x", "published": "2021-11-02", "headline": "h", "body": "انعقدت القمة."}]
    write_csv(tmp_path / "en.csv", rows)
    docs = load_corpus(tmp_path).docs
    assert docs[["source", "title", "text"]].values.tolist() == [
        ["الرائد", "قمة", "انعقدت القمة."], ["x", "h", "انعقدت القمة."]]
    assert docs["date"].notna().all()


def test_columns_can_be_overridden_and_other_metadata_is_kept(tmp_path):
    rows = [{"outlet_name": "الرائد", "story": "نص", "text": "ليس هذا", "section": "سياسة"}]
    write_csv(tmp_path / "a.csv", rows)
    docs = load_corpus(tmp_path / "a.csv", text="story", source="outlet_name").docs
    assert docs["text"].tolist() == ["نص"] and docs["source"].tolist() == ["الرائد"]
    assert docs["section"].tolist() == ["سياسة"]


# ---------------------------------------------------------------- rejections

def test_empty_text_and_missing_source_are_rejected_with_reasons(tmp_path):
    rows = ARTICLES + [
        {"source": "الرائد", "date": "2021-11-02", "title": "t", "text": "   "},
        {"source": "", "date": "2021-11-02", "title": "t", "text": "نص بلا مصدر"},
    ]
    write_csv(tmp_path / "a.csv", rows)
    corpus = load_corpus(tmp_path / "a.csv")
    assert corpus.report.rejected[["location", "reason"]].values.tolist() == [
        ["line 5", "empty text"],
        ["line 6", "missing source (give default_source=... or a source column; command line: --default-source or --source-column)"],
    ]
    assert accounted(corpus)
    assert len(load_corpus(tmp_path / "a.csv", default_source="غير معروف").docs) == 4


def test_malformed_jsonl_line_is_rejected_and_the_rest_kept(tmp_path):
    lines = [json.dumps(a, ensure_ascii=False) for a in ARTICLES]
    lines.insert(1, '{"source": "x", "text": ')
    (tmp_path / "a.jsonl").write_text("\n".join(lines), encoding="utf-8")
    corpus = load_corpus(tmp_path / "a.jsonl")
    assert len(corpus.docs) == 3
    assert corpus.report.rejected["location"].tolist() == ["line 2"]
    assert corpus.report.rejected["reason"].iloc[0].startswith("invalid JSON")


def test_unreadable_file_is_reported_not_fatal(tmp_path):
    write_csv(tmp_path / "a.csv", ARTICLES)
    (tmp_path / "b.json").write_text('[{"text": "نص"', encoding="utf-8")
    corpus = load_corpus(tmp_path)
    assert len(corpus.docs) == 3
    row = corpus.report.files.set_index("file").loc["b.json"]
    assert row["status"] == "unreadable" and "line 1" in row["note"]


def test_missing_path_is_a_clear_error(tmp_path):
    with pytest.raises(CorpusError, match="no such file or folder"):
        load_corpus(tmp_path / "nothing-here")


def test_implausible_dates_are_kept_without_date_and_warned(tmp_path):
    rows = [dict(ARTICLES[0], date="1400-03-12"), dict(ARTICLES[1], date="not a date")]
    write_csv(tmp_path / "a.csv", rows)
    corpus = load_corpus(tmp_path / "a.csv")
    assert len(corpus.docs) == 2 and corpus.docs["date"].isna().all()
    messages = corpus.report.warnings["message"].tolist()
    assert any("1400-03-12" in m and "calendar" in m for m in messages)
    assert any("not a date" in m for m in messages)


# ---------------------------------------------------------------- duplicates

def test_duplicates_are_flagged_by_normalized_text_and_dropped_only_on_request(tmp_path):
    rows = ARTICLES + [dict(ARTICLES[1], source="الرائد", text="فَرَضَت واشنطن  عقوبات جديدة.")]
    write_csv(tmp_path / "a.csv", rows)
    corpus = load_corpus(tmp_path / "a.csv")
    assert corpus.docs["is_duplicate"].tolist() == [False, False, False, True]
    assert corpus.docs["duplicate_of"].iloc[3] == corpus.docs["doc_id"].iloc[1]
    assert corpus.report.duplicates == 1
    dropped = load_corpus(tmp_path / "a.csv", drop_duplicates=True)
    assert len(dropped.docs) == 3 and accounted(dropped)
    assert dropped.report.rejected["reason"].str.startswith("duplicate of").tolist() == [True]


# Letters, marks, tatweel, presentation forms (one that becomes two letters, a ligature kept),
# Persian letters, digits, invisible controls, a lone surrogate and every kind of space.
_KEYED = (["فَرَضَت", "واشنطن", "عقوبـات", "إلى", "الى", "٢٠١٥", "2015", "a", "ﻻ", "لا", "ﷺ", "ﭐ", "یک", "يك", "\ud800"]
          + [" ", "  ", "\n", "\t", "\u00a0", "\u2028", "\u3000", "\x1c", "\x85", "\u200b", "\u064e", "ـ", ""])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_KEYED), max_size=12).map("".join), min_size=1, max_size=12),
       st.sampled_from([(2**16, 2**20), (3, 7), (5, 1)]))
def test_duplicate_keys_are_equal_exactly_when_the_normalized_words_are(texts, sizes):
    """Keys are computed in batches of pieces cut at spaces; whatever the sizes, two texts
    share a key exactly when ``normalize(text).split()`` is the same."""
    from analysis.corpus import duplicates

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(duplicates, "_KEY_CHUNK", sizes[0])
        patch.setattr(duplicates, "_KEY_BATCH", sizes[1])
        keys = duplicates.text_keys(pd.Series(texts, dtype=object))
    words = [tuple(normalize(text).split()) for text in texts]
    assert len(keys) == len(texts)
    assert all((keys[i] == keys[j]) == (words[i] == words[j]) for i in range(len(texts)) for j in range(len(texts)))


def test_the_duplicate_key_table_splits_where_str_split_does():
    from analysis.corpus.duplicates import _code_tables

    space = _code_tables()[-1]
    assert [c for c in range(0x110000) if space[c]] == [c for c in range(0x110000) if chr(c).isspace()]


# ---------------------------------------------------------------- helpers

def test_as_docs_rejects_tables_without_the_needed_columns():
    with pytest.raises(ValueError, match="lacks column"):
        as_docs(pd.DataFrame({"text": ["نص"]}))


def test_group_keys_rejects_unknown_groupings():
    docs = pd.DataFrame({"source": ["a"], "text": ["نص"]})
    with pytest.raises(ValueError, match="cannot group by 'outlet'"):
        group_keys(docs, "outlet")
    with pytest.raises(ValueError, match="no 'date' column"):
        group_keys(docs, "month")


# ---------------------------------------------------------------- real corpora

def test_demo_corpus_is_four_outlets_of_at_least_ten_articles():
    corpus = load_corpus()
    assert accounted(corpus) and len(corpus.report.rejected) == 0
    counts = corpus.docs["source"].value_counts()
    assert len(counts) == 4 and counts.min() >= 10
    span = corpus.docs["date"].max() - corpus.docs["date"].min()
    assert span >= pd.Timedelta(weeks=3)
    assert corpus.docs["is_duplicate"].sum() >= 1  # the wire copy


@pytest.mark.shared
@pytest.mark.slow
def test_saudinewsnet_every_article_is_accounted_for(saudinewsnet, saudinewsnet_dir):
    expected = {}
    for archive in sorted(saudinewsnet_dir.glob("*.zip")):
        with zipfile.ZipFile(archive) as zf:
            for name in zf.namelist():
                for article in json.loads(zf.read(name)):
                    key = article["source"]
                    expected[key] = expected.get(key, 0) + 1
    report = saudinewsnet.report
    assert report.rows_read == sum(expected.values()) == 31030
    assert accounted(saudinewsnet)
    kept = saudinewsnet.docs["source"].value_counts()
    assert len(kept) == 14
    assert set(report.rejected["reason"]) == {"empty text"}
    # per source: kept + rejected (looked up by file and location) == articles in the zips
    rejected_sources = _sources_of_rejected(report.rejected, saudinewsnet_dir)
    for source, n in expected.items():
        assert kept.get(source, 0) + rejected_sources.get(source, 0) == n, source


def _sources_of_rejected(rejected, folder):
    """Source of each rejected article, looked up in the zips by file and location."""
    counts = {}
    for file, rows in rejected.groupby("file"):
        archive, member = file.split("!")
        with zipfile.ZipFile(folder / archive) as zf:
            articles = json.loads(zf.read(member))
        for location in rows["location"]:
            article = articles[int(location.split()[1]) - 1]
            assert not article["content"].strip()
            counts[article["source"]] = counts.get(article["source"], 0) + 1
    return counts


def test_media_cloud_export_keeps_every_row(tmp_path):
    """Regression: a Media Cloud export (media_name, publish_date) lost every row as "missing source"."""
    pd.DataFrame({"stories_id": [101, 102], "media_name": ["الرياض", "عكاظ"],
                  "publish_date": ["2015-07-21 02:42:00", "2015-07-22 10:00:00"], "title": ["أ", "ب"],
                  "url": ["https://a.example/1", "https://b.example/2"], "text": ["المحادثات", "العقوبات"]}
                 ).to_csv(tmp_path / "mediacloud.csv", index=False)
    corpus = load_corpus(tmp_path / "mediacloud.csv", progress=False)
    assert corpus.report.rejected.empty
    assert corpus.docs[["doc_id", "source", "url"]].values.tolist() == [
        ["101", "الرياض", "https://a.example/1"], ["102", "عكاظ", "https://b.example/2"]]
    assert corpus.docs["date"].dt.strftime("%Y-%m-%d").tolist() == ["2015-07-21", "2015-07-22"]


def test_event_registry_and_gdelt_style_columns_are_recognised(tmp_path):
    records = [{"uri": "1", "source_name": "واس", "dateTime": "2015-07-21T02:42:00Z", "title": "أ", "body": "نص الخبر"}]
    (tmp_path / "er.json").write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    corpus = load_corpus(tmp_path / "er.json", progress=False)
    assert corpus.docs[["source", "text"]].values.tolist() == [["واس", "نص الخبر"]]
    assert corpus.docs["date"].iloc[0] == pd.Timestamp("2015-07-21 02:42:00")


def test_an_override_may_list_several_names_and_the_first_present_wins(tmp_path):
    pd.DataFrame({"outlet_name": ["أ"], "article": ["نص"]}).to_csv(tmp_path / "a.csv", index=False)
    pd.DataFrame({"paper": ["ب"], "article": ["نص آخر"]}).to_csv(tmp_path / "b.csv", index=False)
    corpus = load_corpus(tmp_path, source=["paper", "outlet_name"], progress=False)
    assert sorted(corpus.docs["source"]) == ["أ", "ب"]
    with pytest.raises(CorpusError, match=r"source= must be a column name or a list"):
        load_corpus(tmp_path, source=["paper", 3])


def test_iso_8859_6_file_is_detected_not_read_as_windows_1256(tmp_path):
    """Regression: ISO-8859-6 bytes were decoded as Windows-1256 without a warning, giving mojibake."""
    text = "أعلنت وزارة الخارجية الروسية أن المحادثات مع الولايات المتحدة ستستأنف في جنيف"
    (tmp_path / "iso.csv").write_bytes(f"source,text\nواس,{text}\nواس,{text} غدا\n".encode("iso-8859-6"))
    (tmp_path / "win.csv").write_bytes(f"source,text\nواس,{text}\n".encode("cp1256"))
    corpus = load_corpus(tmp_path, progress=False)
    assert corpus.report.files.set_index("file")["encoding"].to_dict() == {"iso.csv": "iso8859-6", "win.csv": "cp1256"}
    assert corpus.docs["text"].tolist() == [text, f"{text} غدا", text]


def test_a_missing_relative_path_names_where_it_was_looked_for(tmp_path, monkeypatch):
    """A notebook's working directory is its folder: the error says what a relative path resolved to."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CorpusError) as err:
        load_corpus("data/news.csv")
    assert f"resolved to {tmp_path / 'data' / 'news.csv'}" in str(err.value)
    assert f"working directory {tmp_path}" in str(err.value)


def test_corpus_and_ingest_report_display_as_html_tables_with_rejected_rows_and_warnings(tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_text("source,text,date\n<b>عكاظ</b>,خبر عن موسكو,2015-07-21\nعكاظ,,2015-07-22\n"
                    "سبق,خبر آخر,1400-03-01\n", encoding="utf-8")
    corpus = load_corpus(path, progress=False)
    page = corpus._repr_html_()
    assert page.index("<h4>Corpus</h4>") < page.index("<h4>Ingest report</h4>")
    assert "<b>" not in page and "&lt;b&gt;عكاظ&lt;/b&gt;" in page  # source names are data
    assert '<td dir="ltr">rows rejected</td><td class="af-num" dir="ltr">1</td>' in page
    assert "<details open><summary>Rejected rows (1)</summary>" in page and ">line 3</td>" in page
    assert "<details open><summary>Warnings (1)</summary>" in page and "1400-03-01" in page
    assert '<td dir="ltr">2015-07-21 to 2015-07-21 (1 undated)</td>' in page
    assert repr(corpus.report) == f"<IngestReport: {corpus.report.summary()}>"  # not the tables' 70 lines
