"""Arabic normalization, tokenization and stopwords."""

import json
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import charsets
from analysis.text import NormalizeOptions, has_arabic, normalize, stopwords, text_direction, token_spans, tokenize

ALL_OFF = {f: False for f in NormalizeOptions().as_dict()}


@pytest.mark.parametrize(
    "step, raw, expected",
    [
        ("diacritics", "مُوَاجَهَةٌ", "مواجهة"),
        ("diacritics", "هٰذا", "هذا"),  # superscript alef
        ("tatweel", "عقوبـــات", "عقوبات"),
        ("alef", "أإآٱ", "اااا"),
        ("alef_maqsura", "إلى مستوى", "إلي مستوي"),
        ("persian", "یک کشور", "يك كشور"),
        ("persian", "خانۀ ھذه", "خانه هذه"),
        ("digits", "٢٠٢١ و۱۴۰۰ و٣٫٥", "2021 و1400 و3.5"),
        ("controls", "واشنطن\u200c\u200fموسكو\u202b", "واشنطنموسكو"),
        ("presentation_forms", "\ufefb\ufe8e\ufee3", "لاام"),
        ("teh_marbuta", "مواجهة", "مواجهه"),
    ],
)
def test_each_step_does_its_job_alone_and_only_when_switched_on(step, raw, expected):
    assert normalize(raw, **{**ALL_OFF, step: True}) == expected
    assert normalize(raw, **ALL_OFF) == raw


def test_default_keeps_teh_marbuta_and_applies_everything_else():
    assert normalize("المُواجَهةُ الأمريكيّة إلى") == "المواجهة الامريكية الي"


def test_options_object_and_overrides_combine():
    assert normalize("أحمد", NormalizeOptions(alef=False)) == "أحمد"
    assert normalize("أحمد", {"alef": False}, alef=True) == "احمد"


def test_unknown_option_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown normalization option.*hamza"):
        normalize("نص", hamza=True)


def test_tokenize_never_keeps_punctuation_glued():
    text = "“المواجهة» «العقوبات»، (محادثات) وموسكو؛ هل؟ قال: ...روسيا!"
    assert tokenize(text) == ["المواجهة", "العقوبات", "محادثات", "وموسكو", "هل", "قال", "روسيا"]


def test_tokenize_keeps_latin_words_numbers_and_decimals():
    assert tokenize("نظام S-400 وخط Nord Stream 2 بقيمة 9.5 مليار، ١٤٠٠") == [
        "نظام", "S", "400", "وخط", "Nord", "Stream", "2", "بقيمة", "9.5", "مليار", "١٤٠٠"]


def test_token_spans_point_back_into_the_text(seed_text):
    for token, start, end in token_spans(seed_text):
        assert seed_text[start:end] == token


def test_seed_article_quote_glued_confrontation_is_one_clean_token(seed_text):
    tokens = [normalize(t) for t in tokenize(seed_text)]
    assert "“المواجهة" not in tokens
    # “المواجهة الموجهة أو المستقرة” and “المواجهة …” : every occurrence, glued or not, is the same token.
    glued = seed_text.count("“المواجهة")
    assert glued >= 1
    assert tokens.count("المواجهة") == seed_text.count("المواجهة")


def test_stopwords_are_normalized_like_text_and_switchable():
    words = stopwords()
    assert {"في", "من", "علي", "الي", "ان"} <= words  # على/إلى/أن after normalization
    assert all(w == normalize(w) for w in words)
    assert not {"عقوبات", "مواجهة", "روسيا"} & words


# ---------------------------------------------------------------- properties

arabic_text = st.text(
    alphabet=st.sampled_from(
        [chr(c) for c in range(0x0600, 0x0700)] + list(" \n،؛؟«»“”.-") + list(charsets.CONTROLS)
        + [chr(c) for c in range(0xFE70, 0xFEFD)] + list("abcXYZ0123456789")
    ),
    max_size=80,
)
any_text = st.one_of(arabic_text, st.text(max_size=80))
options = st.builds(NormalizeOptions, **{f: st.booleans() for f in NormalizeOptions().as_dict()})


@settings(max_examples=300, deadline=None)
@given(any_text, options)
def test_normalize_is_idempotent(text, opts):
    once = normalize(text, opts)
    assert normalize(once, opts) == once


@settings(max_examples=300, deadline=None)
@given(any_text, options)
def test_normalize_loses_no_character_the_options_do_not_touch(text, opts):
    from analysis.text import _translation_table

    table = _translation_table(opts)
    touched = set(table) | {ch for value in table.values() for ch in value}
    keep = lambda s: [ch for ch in s if ch not in touched]  # noqa: E731
    assert keep(normalize(text, opts)) == keep(text)


@settings(max_examples=300, deadline=None)
@given(any_text, options)
def test_normalize_equals_translating_with_its_table(text, opts):
    """The fast path (str.replace for frequent letters, a regex for the rest) is one pass of the table."""
    from analysis.text import _translation_table

    assert normalize(text, opts) == text.translate(str.maketrans(_translation_table(opts)))


@settings(max_examples=300, deadline=None)
@given(any_text)
def test_tokenizing_then_normalizing_equals_normalizing_then_tokenizing(text):
    assert [normalize(t) for t in tokenize(text)] == tokenize(normalize(text))


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_arbitrary_unicode_never_crashes(text):
    for token, start, end in token_spans(normalize(text)):
        assert token
        assert start < end


def test_all_steps_off_is_the_identity():
    text = "أَلْـمُواجَهَةُ ۱۴۰۰ ی\u200c"
    assert normalize(text, **ALL_OFF) == text


# ---------------------------------------------------------------- CAMeL Tools agreement

def _saudinewsnet_sample(n=200):
    from analysis.paths import SAUDINEWSNET

    archive = SAUDINEWSNET / "2015-08-01.zip"
    if not archive.exists():
        pytest.skip(f"SaudiNewsNet not found at {SAUDINEWSNET} (../shared is absent)")
    with zipfile.ZipFile(archive) as zf:
        articles = json.loads(zf.read(zf.namelist()[0]))
    return [a["content"] for a in articles[:n] if a["content"]]


@pytest.fixture(scope="module")
def camel():
    return pytest.importorskip("camel_tools.utils.normalize", reason="camel-tools not installed (make install adds it)")


@pytest.fixture(scope="module")
def camel_dediac():
    return pytest.importorskip("camel_tools.utils.dediac", reason="camel-tools not installed (make install adds it)")


def _agreement_cases(seed_text):
    return [seed_text, *_saudinewsnet_sample()]


@pytest.mark.shared
def test_alef_normalization_agrees_with_camel_tools(camel, seed_text):
    for text in _agreement_cases(seed_text):
        assert normalize(text, **{**ALL_OFF, "alef": True}) == camel.normalize_alef_ar(text)


@pytest.mark.shared
def test_alef_maqsura_normalization_agrees_with_camel_tools(camel, seed_text):
    for text in _agreement_cases(seed_text):
        assert normalize(text, **{**ALL_OFF, "alef_maqsura": True}) == camel.normalize_alef_maksura_ar(text)


@pytest.mark.shared
def test_teh_marbuta_normalization_agrees_with_camel_tools(camel, seed_text):
    for text in _agreement_cases(seed_text):
        assert normalize(text, **{**ALL_OFF, "teh_marbuta": True}) == camel.normalize_teh_marbuta_ar(text)


@pytest.mark.shared
def test_diacritic_stripping_agrees_with_camel_tools_on_their_marks(camel_dediac, seed_text):
    from camel_tools.utils.charsets import AR_DIAC_CHARSET

    # We strip CAMeL's tashkeel and also Quranic and extended marks (e.g. maddah above).
    assert set(AR_DIAC_CHARSET) <= set(charsets.DIACRITICS)
    extra = str.maketrans(dict.fromkeys(set(charsets.DIACRITICS) - set(AR_DIAC_CHARSET)))
    cases = _agreement_cases(seed_text) + ["مُوَاجَهَةٌ شَرِسَةٌ هٰذِهِ ذٓودا"]
    for text in cases:
        assert normalize(text, **{**ALL_OFF, "diacritics": True}) == camel_dediac.dediac_ar(text).translate(extra)


# --- direction -------------------------------------------------------------------------


def test_text_direction_follows_the_predominant_script_not_the_first_letter():
    assert text_direction("موسكو: 15 of 39 occurrences, sampled at random.") == "ltr"  # English sentence, Arabic first
    assert text_direction("قال CNN إن موسكو") == text_direction("SMS تبدا") == "rtl"
    assert text_direction("2015-07-21 02:42") == text_direction("-1.5") == text_direction("") == "ltr"
    assert text_direction("١٥ يوليو") == "rtl"


def test_accented_latin_letters_count_as_latin():
    assert text_direction("Turin تورينو") == text_direction("Rome روما") == "rtl"  # fewer or as many Latin letters
    assert text_direction("Zürich زيورخ") == "ltr"  # six Latin letters, ü among them, and five Arabic


@given(st.text(alphabet="abcéüصسعكز 12-:", max_size=30))
def test_direction_is_rtl_exactly_when_arabic_letters_are_at_least_the_latin_ones(text):
    arabic = sum(ch in "صسعكز" for ch in text)
    latin = sum(ch in "abcéü" for ch in text)
    assert text_direction(text) == ("rtl" if arabic and arabic >= latin else "ltr")
    assert has_arabic(text) == (arabic > 0)
