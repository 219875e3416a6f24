"""Publication dates as Arabic news writes them: regional month names, Arabic-Indic digits, Hijri and Persian calendars."""

import pandas as pd
import pytest

from analysis.corpus import load_corpus
from analysis.corpus.dates import _parse_dates, parse_arabic_date

# (as written, expected date, calendar). Hijri dates are days everyone in the Gulf knows (1 Ramadan and Eid
# al-Fitr 1436, the 1437 new year), Persian ones Nowruz 1399 and the seed article's month; not our own output.
DATES = [
    ("3 مارس 2021", "2021-03-03", "gregorian"),
    ("٣ مارس ٢٠٢١", "2021-03-03", "gregorian"),
    ("۳ مارس ۲۰۲۱", "2021-03-03", "gregorian"),
    ("3 يناير 2021", "2021-01-03", "gregorian"),
    ("الخميس 3 ديسمبر 2015", "2015-12-03", "gregorian"),
    ("الأربعاء، 22 يوليو 2015م", "2015-07-22", "gregorian"),
    ("5 إبريل 2016", "2016-04-05", "gregorian"),
    ("5 ابريل 2016", "2016-04-05", "gregorian"),
    ("12 يونيه 2014", "2014-06-12", "gregorian"),
    ("مايو 2015", "2015-05-01", "gregorian"),
    ("3 كانون الثاني 2021", "2021-01-03", "gregorian"),
    ("14 شباط 2005", "2005-02-14", "gregorian"),
    ("آذار 8، 2011", "2011-03-08", "gregorian"),
    ("1 تشرين الأول 2019", "2019-10-01", "gregorian"),
    ("25 كانون الأول 2020", "2020-12-25", "gregorian"),
    ("3 جانفي 2021", "2021-01-03", "gregorian"),
    ("12 أوت 2019", "2019-08-12", "gregorian"),
    ("5 جويلية 1962", "1962-07-05", "gregorian"),
    ("5 شتنبر 2018", "2018-09-05", "gregorian"),
    ("30 غشت 2017", "2017-08-30", "gregorian"),
    ("15 رمضان 1436 هـ", "2015-07-02", "hijri"),
    ("1 محرم 1437", "2015-10-14", "hijri"),
    ("الخميس، 1 رمضان 1436هـ", "2015-06-18", "hijri"),
    ("1 شوال 1436 ه", "2015-07-17", "hijri"),
    ("1 خرداد 1400 ه.ش", "2021-05-22", "persian"),
    ("۱ خرداد ۱۴۰۰", "2021-05-22", "persian"),
    ("1 فروردین 1399", "2020-03-20", "persian"),
    ("3 مارس 2021 - 02:42 م", "2021-03-03 14:42", "gregorian"),
]


@pytest.mark.parametrize("text, expected, calendar", DATES)
def test_arabic_dates_are_read_in_their_calendar(text, expected, calendar):
    assert parse_arabic_date(text) == (pd.Timestamp(expected), calendar)


@pytest.mark.parametrize("text", ["15 رمضان 1436 م", "3 مارس 2021 هـ", "31 فبراير 2021", "غدا", "3 عقوبات 2021", ""])
def test_contradictory_impossible_or_non_dates_are_not_guessed(text):
    assert parse_arabic_date(text) == (None, None)


def test_load_corpus_reads_every_calendar_and_reports_it_per_file(tmp_path):
    rows = pd.DataFrame({"text": ["نص"] * 4, "source": ["أ"] * 4,
                         "date": ["3 مارس 2021", "15 رمضان 1436 هـ", "2015-07-21", "يونيو 1400"]})
    rows.to_csv(tmp_path / "a.csv", index=False)
    pd.DataFrame({"text": ["نص"], "source": ["ب"], "date": ["2015-07-21"]}).to_csv(tmp_path / "b.csv", index=False)
    corpus = load_corpus(tmp_path, progress=False)
    assert corpus.docs["date"].dt.strftime("%Y-%m-%d").fillna("").tolist() == [
        "2021-03-03", "2015-07-02", "2015-07-21", "", "2015-07-21"]
    assert corpus.report.files.set_index("file")["calendar"].to_dict() == {"a.csv": "gregorian+hijri", "b.csv": "gregorian"}
    # A Persian or Hijri year written with a Gregorian month (the seed's "يونيو 1400") keeps today's warning.
    assert corpus.report.warnings["message"].str.contains("another calendar").tolist() == [True]


def test_dateparser_reads_what_pandas_cannot_but_never_relative_dates():
    values = pd.Series(["Tuesday 3rd of March 2021", "منذ 3 ساعات", "yesterday"])
    dates, calendars, warnings = _parse_dates(values, None, pd.Series(["f"] * 3))
    assert dates.iloc[0] == pd.Timestamp("2021-03-03") and dates.iloc[1:].isna().all()
    assert calendars.tolist() == ["gregorian", None, None]
    assert [position for position, _ in warnings] == [1, 2]
