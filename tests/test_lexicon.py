"""Tests for analysis.lexicon: the YAML format, its validation and the bundled lexicons."""

import hashlib
import textwrap

import pandas as pd
import pytest

from analysis.frames import frame_matches
from analysis.lexicon import Lexicon, bundled_lexicons, label_frames, load_lexicon, term_words
from analysis.paths import LEXICON_DIR
from analysis.text import normalize

VALID = """\
name: my-lexicon
frames:
  - id: sanctions
    label_en: Sanctions and economic pressure
    label_ar: العقوبات
    description: optional text
    terms: [عقوبة, عقوبات, حظر اقتصادي]
    exclude: []
  - id: talks
    terms: [محادثات, تفاوض*]
"""


def write(tmp_path, text, name="my.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_the_documented_shape_loads(tmp_path):
    path = write(tmp_path, VALID)
    lex = load_lexicon(path)
    assert isinstance(lex, Lexicon)
    assert lex.name == "my-lexicon"
    assert lex.frame_ids == ("sanctions", "talks")
    assert lex.frames[0].terms == ("عقوبة", "عقوبات", "حظر اقتصادي")
    assert lex.frames[0].label_ar == "العقوبات"
    assert lex.frames[1].label_en == "talks"  # labels default to the id
    assert lex.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert lex.path == str(path)


def test_loading_a_string_path_works_like_the_command_line(tmp_path):
    path = write(tmp_path, VALID)
    assert load_lexicon(str(path)).frame_ids == ("sanctions", "talks")


def test_a_lexicon_object_is_returned_unchanged(tmp_path):
    lex = load_lexicon(write(tmp_path, VALID))
    assert load_lexicon(lex) is lex


def test_frame_table_is_tidy_one_row_per_term(tmp_path):
    table = load_lexicon(write(tmp_path, VALID)).frame_table()
    assert list(table.columns) == ["frame", "label_en", "label_ar", "term"]
    assert table["term"].tolist() == ["عقوبة", "عقوبات", "حظر اقتصادي", "محادثات", "تفاوض*"]
    assert table["frame"].tolist() == ["sanctions"] * 3 + ["talks"] * 2


def test_lexicons_are_frozen_and_hashable(tmp_path):
    lex = load_lexicon(write(tmp_path, VALID))
    with pytest.raises(AttributeError):
        lex.name = "other"
    assert hash(lex) == hash(load_lexicon(write(tmp_path, VALID)))


@pytest.mark.parametrize(
    "text, message",
    [
        ("- a\n- b\n", r"my\.yaml: the file must be a mapping"),
        ("frames: []\n", r"my\.yaml: 'name' must be a non-empty string"),
        ("name: x\nframes: []\n", r"my\.yaml: 'frames' must be a non-empty list"),
        ("name: x\nframe: []\n", r"my\.yaml: unknown key\(s\) \['frame'\]"),
        ("name: x\nframes: [{id: a, terms: [x]}, {id: b, terms: [y]}, {id: cyber, terms: []}]\n",
         r"my\.yaml: frames\[2\] \(id 'cyber'\): 'terms' must be a non-empty list"),
        ("name: x\nframes: [{id: cyber}]\n", r"frames\[0\] \(id 'cyber'\): 'terms' must be a non-empty list"),
        ("name: x\nframes: [{id: cyber, terms: سيبراني}]\n", r"'terms' must be a non-empty list"),
        ("name: x\nframes: [{id: a, terms: [حرب]}, {id: a, terms: [سلام]}]\n",
         r"frames\[1\]: duplicate frame id 'a'"),
        ("name: x\nframes: [{id: a b, terms: [حرب]}]\n", r"frames\[0\]: 'id' must be a word without spaces"),
        ("name: x\nframes: [{terms: [حرب]}]\n", r"frames\[0\]: 'id' must be"),
        ("name: x\nframes: [{id: a, terms: [حرب], term: [سلام]}]\n", r"\(id 'a'\): unknown key\(s\) \['term'\]"),
        ("name: x\nframes: [{id: a, terms: ['،؟!']}]\n", r"\(id 'a'\): 'terms' entry '،؟!' has no word left"),
        ("name: x\nframes: [{id: a, terms: ['ً']}]\n", r"has no word left after normalization"),
        ("name: x\nframes: [{id: a, terms: [أزمة, ازمة]}]\n", r"lists 'ازمة' and 'أزمة', the same term"),
        ("name: x\nframes: [{id: a, terms: [حرب, 3]}]\n", r"'terms' entry 3 must be a string"),
        ("name: x\nframes: [{id: a, terms: ['حر*ب']}]\n", r"'\*' is only allowed at the end"),
        ("name: x\nframes: [{id: a, terms: ['حرب *']}]\n", r"'\*' must follow a word directly"),
        ("name: x\nframes: [{id: a, terms: [حرب], exclude: حرب باردة}]\n", r"'exclude' must be a list"),
        ("name: x\nframes: [{id: a, terms: [حرب], label_ar: [x]}]\n", r"'label_ar' must be a string"),
        ("name: x\nframes: [{id: a, terms: [حرب\n", r"my\.yaml: not a readable UTF-8 YAML file"),
    ],
)
def test_invalid_lexicons_fail_with_the_file_and_entry_named(tmp_path, text, message):
    with pytest.raises(ValueError, match=message):
        load_lexicon(write(tmp_path, text))


def test_a_file_that_is_not_utf8_is_refused(tmp_path):
    path = tmp_path / "cp1256.yaml"
    path.write_bytes("name: x\nframes: [{id: a, terms: [حرب]}]\n".encode("cp1256"))
    with pytest.raises(ValueError, match="cp1256.yaml: not a readable UTF-8"):
        load_lexicon(path)


def test_regression_deeply_nested_yaml_is_a_value_error_naming_the_file(tmp_path):
    path = write(tmp_path, "name: t\nframes: " + "[" * 1000 + "]" * 1000 + "\n", name="deep.yaml")
    with pytest.raises(ValueError, match="(?s)deep.yaml: not a readable (lexicon|UTF-8 YAML file).*nest"):
        load_lexicon(path)


def test_an_unknown_name_lists_the_bundled_lexicons():
    with pytest.raises(FileNotFoundError, match="international-news"):
        load_lexicon("no-such-lexicon")


def test_term_words_normalizes_like_the_text():
    assert term_words("الحظرُ الاقتصاديّ") == (("الحظر", "الاقتصادي"), False)
    assert term_words(" تفاوض* ") == (("تفاوض",), True)
    assert term_words("حلف شمال الأطلسي") == ((normalize("حلف"), "شمال", "الاطلسي"), False)


# --------------------------------------------------------------------------- bundled lexicons


def test_three_lexicons_are_bundled():
    assert {"international-news", "semetko-valkenburg", "actors"} <= set(bundled_lexicons())


@pytest.mark.parametrize("name", ["international-news", "semetko-valkenburg", "actors"])
def test_bundled_lexicons_load_by_name_and_hash_their_file(name):
    lex = load_lexicon(name)
    path = LEXICON_DIR / f"{name}.yaml"
    assert lex.name == name
    assert lex.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert all(frame.label_en and frame.label_ar for frame in lex.frames)


def test_international_news_has_the_eight_frames_with_rich_term_lists():
    lex = load_lexicon("international-news")
    assert lex.frame_ids == (
        "confrontation", "sanctions", "diplomacy", "military", "nuclear", "cyber", "threat", "deescalation",
    )
    for frame in lex.frames:
        # A polysemous word restricted to its collocations (عقوبات: رفع العقوبات, العقوبات
        # الأمريكية, عقوبات على إيران...) takes more entries than the word alone did.
        assert 15 <= len(frame.terms) + len(frame.verbs) <= 80, frame.id
        assert any(" " in term for term in frame.terms), f"{frame.id} has no multi-word expression"


def test_semetko_valkenburg_has_the_five_generic_frames_and_cites_the_paper():
    lex = load_lexicon("semetko-valkenburg")
    assert lex.frame_ids == ("conflict", "economic", "human_interest", "morality", "responsibility")
    assert "Semetko" in lex.description and "Valkenburg" in lex.description and "2000" in lex.description
    assert all(len(frame.terms) >= 15 for frame in lex.frames)


def test_actor_lexicon_names_the_actors_with_their_usual_names():
    lex = load_lexicon("actors")
    assert lex.frame_ids == ("russia", "united_states", "ukraine", "china", "eu", "nato",
                             "iran", "yemen", "houthis", "isis", "gulf_states", "saudi_arabia")
    terms = {frame.id: set(frame.terms) for frame in lex.frames}
    assert {"روسيا", "موسكو", "الكرملين", "بوتين"} <= terms["russia"]
    assert {"الولايات المتحدة", "واشنطن", "البيت الأبيض", "بايدن"} <= terms["united_states"]
    assert {"الناتو", "حلف شمال الأطلسي", "NATO"} <= terms["nato"]
    assert {"إيران", "طهران"} <= terms["iran"] and {"الحوثيين", "أنصار الله"} <= terms["houthis"]
    assert {"داعش", "تنظيم الدولة"} <= terms["isis"] and {"السعودية", "المملكة"} <= terms["saudi_arabia"]
    assert "كيف" not in terms["ukraine"]  # "how"; the capital is written كييف
    assert "عمان" not in terms["gulf_states"]  # also Amman; Oman is سلطنة عمان


@pytest.mark.parametrize("text, actor", [
    ("صادرات أمريكا اللاتينية", "united_states"), ("بطولة كوبا أمريكا", "united_states"),
    ("ارتفع الخام الأمريكي", "united_states"), ("دوري أبطال أوروبا", "eu"),
    ("تحدثت المملكة المتحدة", "saudi_arabia"), ("الدوري السعودي للمحترفين", "saudi_arabia"),
])
def test_actor_lexicon_leaves_out_names_that_are_not_the_actor(text, actor):
    docs = pd.DataFrame({"doc_id": ["1"], "source": ["أ"], "text": [text]})
    assert actor not in set(frame_matches(docs, "actors")["frame"])


@pytest.mark.parametrize("text, actor", [
    ("قالت الولايات المتحدة", "united_states"), ("الاتحاد الأوروبي", "eu"), ("طهران", "iran"),
    ("ميليشيات الحوثي", "houthis"), ("تنظيم داعش", "isis"), ("دول مجلس التعاون", "gulf_states"),
    ("أكدت المملكة", "saudi_arabia"), ("الحكومة اليمنية", "yemen"),
])
def test_actor_lexicon_finds_each_actor(text, actor):
    docs = pd.DataFrame({"doc_id": ["1"], "source": ["أ"], "text": [text]})
    assert actor in set(frame_matches(docs, "actors")["frame"])


VERBS = """\
name: with-verbs
frames:
  - id: threat
    terms: [تهديد, تحذير]
    verbs: [هدد, يهدد, حذر]
  - id: blame
    verbs: [اتهم]
"""


def test_verbs_load_beside_terms_and_a_frame_may_have_only_verbs(tmp_path):
    lex = load_lexicon(write(tmp_path, VERBS))
    assert lex.frames[0].terms == ("تهديد", "تحذير")
    assert lex.frames[0].verbs == ("هدد", "يهدد", "حذر")
    assert lex.frames[1].terms == () and lex.frames[1].verbs == ("اتهم",)
    assert lex.frame_table()["term"].tolist() == ["تهديد", "تحذير", "هدد", "يهدد", "حذر", "اتهم"]


def test_a_lexicon_without_verbs_has_none(tmp_path):
    lex = load_lexicon(write(tmp_path, VALID))
    assert all(frame.verbs == () for frame in lex.frames)


@pytest.mark.parametrize("frame, message", [
    ("  - id: t\n    terms: [تهديد, هدد]\n    verbs: [هدّد]\n", r"\['هدد'\] listed both in 'terms' and in 'verbs'"),
    ("  - id: t\n    verbs: []\n", "'terms' must be a non-empty list"),
    ("  - id: t\n    verbs: هدد\n", "'verbs' must be a list"),
    ("  - id: t\n    verbs: [هدد, هدّد]\n", "'verbs' lists 'هدّد' and 'هدد'"),
])
def test_malformed_verbs_fail_clearly(tmp_path, frame, message):
    with pytest.raises(ValueError, match=message):
        load_lexicon(write(tmp_path, "name: v\nframes:\n" + frame))
VALIDATION_SHEETS = sorted((LEXICON_DIR / "validation").glob("*.csv"))


@pytest.mark.parametrize("path", VALIDATION_SHEETS, ids=[p.stem for p in VALIDATION_SHEETS])
def test_each_shipped_validation_sheet_judges_the_lexicon_as_shipped_with_40_hits_per_frame(path):
    from analysis.validation import precision_table, read_codings, read_sample

    lexicon = load_lexicon(path.stem)
    sheet = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert set(sheet["lexicon_sha256"]) == {lexicon.sha256}, "the lexicon changed since it was validated: redraw"
    assert (sheet["note"].str.strip() != "").all()
    sample = read_sample(path)
    table = precision_table(read_codings(path, sample), sample)
    assert table["frame"].tolist() == sorted(lexicon.frame_ids)
    assert (table["n"] >= 40).all() and (table["uncoded"] == 0).all()


@pytest.mark.parametrize("labels", ["en", "ar", "both"])
def test_label_frames_speaks_english_arabic_or_both(labels):
    lexicon = load_lexicon("international-news")
    frame = next(f for f in lexicon.frames if f.id == "sanctions")
    expected = {"en": frame.label_en, "ar": frame.label_ar, "both": f"{frame.label_en} / {frame.label_ar}"}[labels]
    table = pd.DataFrame({"frame": ["sanctions", "unknown"]})
    assert frame.label_ar != frame.label_en and any("\u0600" <= ch <= "\u06ff" for ch in frame.label_ar)
    assert label_frames(table, lexicon, labels=labels)["frame_label"].tolist() == [expected, "unknown"]


def test_label_frames_rejects_an_unknown_language():
    with pytest.raises(ValueError, match="labels"):
        label_frames(pd.DataFrame({"frame": ["sanctions"]}), "international-news", labels="fr")
