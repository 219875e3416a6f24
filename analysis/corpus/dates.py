"""Publication dates: ISO 8601 or any layout, Arabic month names of every region, Hijri and Persian solar dates, the day/month order decided per file, implausible years kept as NaT."""

from __future__ import annotations

import functools
import re

import numpy as np
import pandas as pd

from analysis.corpus.columns import _present
from analysis.text import normalize


# Dates outside this window are taken for another calendar (Hijri 1443, Persian 1400) or typos.
PLAUSIBLE_YEARS = (1800, 2100)


# Arabic-Indic and Persian digits, for dates written ٢٠٢١-٠٣-٠١.
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "0123456789" * 2)
# dd/mm/yyyy or mm/dd/yyyy (also with . or -): the first two numbers.
_DAY_MONTH = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-]\d{2,4}(?!\d)")
_ARABIC_LETTER = re.compile("[\u0600-\u06ff]")
# dateparser, the last resort, reads absolute dates only: a relative one ("منذ 3 ساعات") or
# one missing its day would depend on the day the corpus is loaded.
_DATEPARSER_SETTINGS = {"PARSERS": ["custom-formats", "absolute-time"], "REQUIRE_PARTS": ["day", "month", "year"],
                        "RETURN_AS_TIMEZONE_AWARE": False, "STRICT_PARSING": True}



def _parse_dates(values: pd.Series, dayfirst: bool | None, files: pd.Series
                 ) -> tuple[pd.Series, pd.Series, list[tuple[int, str]]]:
    """Dates as naive UTC datetime64[ns], the calendar each was written in, and (position, message) warnings.

    ISO 8601 first; then Arabic month names (:func:`parse_arabic_date`: Gregorian in
    every regional variant, Hijri converted with Umm al-Qura, Persian solar where a
    Persian month or era mark says so); then any other layout pandas reads; then
    ``dateparser`` on the distinct strings still unread. Arabic-Indic and Persian digits
    are read as digits. Offsets may differ from row to row. "now" and "today" are not
    dates of publication. Years outside ``PLAUSIBLE_YEARS`` (a Hijri or Persian year
    written with a Gregorian month, such as يونيو 1400) become NaT with a warning. The
    day/month order of dates such as 03/04/2021 is decided per file (``files``).
    Calendars are ``gregorian``, ``hijri``, ``persian`` or None where there is no date.
    """
    given = _present(values)
    strings = values[given].astype(str).str.translate(_DIGITS).str.strip()
    strings = strings[~strings.str.lower().isin(["now", "today"])]
    parsed = pd.to_datetime(strings, errors="coerce", format="ISO8601", utc=True).astype("datetime64[us, UTC]")
    calendar = pd.Series(np.where(parsed.notna(), "gregorian", None), index=strings.index, dtype=object)
    unread = strings[parsed.isna()]
    arabic = unread.index[unread.str.contains(_ARABIC_LETTER)]
    if len(arabic):
        named = _parse_arabic_dates(strings[arabic])
        found = named["date"].notna()
        parsed[named.index[found]] = named["date"][found].dt.tz_localize("UTC")
        calendar[named.index[found]] = named["calendar"][found]
    retry = parsed.isna()
    position = pd.Series(np.arange(len(values)), index=values.index)
    warnings = []
    for _, group in strings[retry].groupby(files[retry[retry].index], sort=False):
        order, order_warning = _day_month_order(group, dayfirst)
        if order_warning:
            warnings.append((position[order_warning[0]], order_warning[1]))
        parsed[group.index] = pd.to_datetime(group, errors="coerce", format="mixed", dayfirst=order,
                                             utc=True).astype("datetime64[us, UTC]")
    unread = parsed.isna()
    if unread.any():
        parsed[unread[unread].index] = _dateparser_dates(strings[unread], dayfirst)
    calendar[retry & parsed.notna()] = "gregorian"
    years = parsed.dt.year
    implausible = parsed.index[(years < PLAUSIBLE_YEARS[0]) | (years > PLAUSIBLE_YEARS[1])]
    parsed[implausible] = pd.NaT
    calendar[implausible] = None
    dates = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    dates[parsed.index] = parsed.dt.tz_convert(None).astype("datetime64[ns]")
    calendars = pd.Series(None, index=values.index, dtype=object)
    calendars[calendar.index] = calendar
    for label in values.index[given & dates.isna()]:
        if label in implausible:
            message = (f"date {values[label]!r} is outside {PLAUSIBLE_YEARS[0]}–{PLAUSIBLE_YEARS[1]} "
                       "(another calendar, e.g. Hijri or Persian?); kept with no date")
        else:
            message = f"date {values[label]!r} not understood; kept with no date"
        warnings.append((position[label], message))
    return dates, calendars, sorted(warnings)


def _dateparser_dates(strings: pd.Series, dayfirst: bool | None) -> pd.Series:
    """``dateparser`` on each distinct string (Arabic and English, absolute dates only), as UTC."""
    import dateparser

    settings = {**_DATEPARSER_SETTINGS, "DATE_ORDER": "DMY" if dayfirst else "MDY"}
    distinct = pd.unique(strings.to_numpy())
    read = {s: dateparser.parse(s, languages=["ar", "en"], settings=settings) for s in distinct}
    stamps = pd.Series([read[s] for s in strings.to_numpy()], index=strings.index, dtype=object)
    return pd.to_datetime(stamps, errors="coerce", utc=True).astype("datetime64[us, UTC]")


def _day_month_order(strings: pd.Series, dayfirst: bool | None) -> tuple[bool, tuple | None]:
    """Whether to read dd/mm/yyyy-like dates day first, and a (label, message) warning when unsure.

    The file decides when it can: 25/04/2021 is day first, 04/25/2021 month first.
    Without such evidence ``dayfirst`` decides (month first when None), with a warning
    that 03/04/2021 could be read either way.
    """
    parts = strings.str.extract(_DAY_MONTH).dropna().astype(int)
    day_first = parts[(parts[0] > 12) & (parts[1] <= 12)]
    month_first = parts[(parts[1] > 12) & (parts[0] <= 12)]
    ambiguous = parts[(parts[0] <= 12) & (parts[1] <= 12) & (parts[0] != parts[1])]
    if len(day_first) and len(month_first):
        label = day_first.index[0]
        return bool(dayfirst), (label, f"dates mix day/month ({strings[day_first.index[0]]!r}) and month/day "
                                       f"({strings[month_first.index[0]]!r}) orders; ambiguous ones read "
                                       f"{'day' if dayfirst else 'month'} first")
    evidence = True if len(day_first) else False if len(month_first) else None
    if evidence is not None and dayfirst in (None, evidence):
        return evidence, None
    if evidence is not None:
        label = (day_first if evidence else month_first).index[0]
        return evidence, (label, f"dayfirst={dayfirst} given, but dates such as {strings[label]!r} can only be "
                                 f"{'day' if evidence else 'month'} first; the file is read that way")
    if len(ambiguous) and dayfirst is None:
        label = ambiguous.index[0]
        return False, (label, f"{len(ambiguous)} date(s) such as {strings[label]!r} read month/day "
                              "(ambiguous: pass dayfirst=True for day/month)")
    return bool(dayfirst), None


# Month names as written, each with its calendar and month number. Spellings are
# normalized with analysis.text.normalize before lookup, so أبريل and ابريل are one entry.
_MONTHS = {
    "gregorian": {
        # Egypt, the Gulf, most of the press
        "يناير": 1, "فبراير": 2, "مارس": 3, "أبريل": 4, "إبريل": 4, "مايو": 5, "يونيو": 6, "يونيه": 6,
        "يوليو": 7, "يوليه": 7, "أغسطس": 8, "سبتمبر": 9, "أكتوبر": 10, "نوفمبر": 11, "ديسمبر": 12,
        # Levant and Iraq (Syriac names)
        "كانون الثاني": 1, "شباط": 2, "آذار": 3, "نيسان": 4, "أيار": 5, "حزيران": 6, "تموز": 7,
        "آب": 8, "أيلول": 9, "تشرين الأول": 10, "تشرين الثاني": 11, "كانون الأول": 12,
        # Algeria and Tunisia (French names)
        "جانفي": 1, "فيفري": 2, "أفريل": 4, "ماي": 5, "جوان": 6, "جويلية": 7, "أوت": 8,
        # Morocco
        "يوليوز": 7, "غشت": 8, "شتنبر": 9, "نونبر": 11, "دجنبر": 12,
    },
    "hijri": {
        "محرم": 1, "صفر": 2, "ربيع الأول": 3, "ربيع الثاني": 4, "ربيع الآخر": 4, "جمادى الأولى": 5,
        "جمادى الأول": 5, "جمادى الثانية": 6, "جمادى الآخرة": 6, "جمادى الثاني": 6, "رجب": 7, "شعبان": 8,
        "رمضان": 9, "شوال": 10, "ذو القعدة": 11, "ذي القعدة": 11, "ذو الحجة": 12, "ذي الحجة": 12,
    },
    "persian": {
        "فروردین": 1, "اردیبهشت": 2, "خرداد": 3, "تیر": 4, "مرداد": 5, "شهریور": 6, "مهر": 7,
        "آبان": 8, "آذر": 9, "دی": 10, "بهمن": 11, "اسفند": 12,
    },
}
_WEEKDAYS = ["الأحد", "الاثنين", "الإثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت"]
# Era marks: هـ (Hijri), م (Gregorian), هـ.ش / ش (Persian solar).
_ERAS = {"ه": "hijri", "هـ": "hijri", "م": "gregorian", "هش": "persian", "ش": "persian"}


def _key(name: str) -> str:
    return " ".join(normalize(name).split())


@functools.cache
def _month_table() -> dict[str, tuple[str, int]]:
    table = {}
    for calendar, months in _MONTHS.items():
        for name, number in months.items():
            table[_key(name)] = (calendar, number)
    return table


@functools.cache
def _pattern() -> re.Pattern:
    months = "|".join(sorted((re.escape(m).replace(r"\ ", r"\s+") for m in _month_table()), key=len, reverse=True))
    weekdays = "|".join(re.escape(_key(d)) for d in _WEEKDAYS)
    era = r"(?P<era>ه\.?\s*ش|هـ|ه|م|ش)\.?(?!\w)"
    clock = r"(?:\s*[,،\-–]?\s*(?:الساعه\s*)?(?P<clock>\d{1,2}:\d{2}(?::\d{2})?)(?:\s*(?P<half>ص|م|صباحا|مساء))?)?"
    day_first = rf"(?P<day>\d{{1,2}})(?:\s*(?:[/\-.]|\s)\s*|\s+)(?P<month>{months})"
    month_first = rf"(?P<month2>{months})\s+(?P<day2>\d{{1,2}})"
    return re.compile(
        rf"^\s*(?:(?:{weekdays})\s*[,،]?\s*)?(?:{day_first}|{month_first}|(?P<month3>{months}))"
        rf"\s*[,،/\-.]?\s*(?P<year>\d{{4}})\s*(?:{era})?{clock}\s*$")


def parse_arabic_date(text: str) -> tuple[pd.Timestamp | None, str | None]:
    """A date written with Arabic month names, and the calendar it was written in.

    Returns ``(timestamp, calendar)`` with calendar ``"gregorian"``, ``"hijri"`` or
    ``"persian"``, or ``(None, None)`` when the string is not such a date. Hijri dates are
    converted with the Umm al-Qura calendar (``hijridate``), Persian solar dates with
    ``jdatetime``; digits may be Arabic-Indic or Persian.

    Examples
    --------
    >>> parse_arabic_date("٣ مارس ٢٠٢١")
    (Timestamp('2021-03-03 00:00:00'), 'gregorian')
    >>> parse_arabic_date("الأربعاء 15 رمضان 1436 هـ")
    (Timestamp('2015-07-02 00:00:00'), 'hijri')
    >>> parse_arabic_date("3 كانون الثاني 2021")
    (Timestamp('2021-01-03 00:00:00'), 'gregorian')
    """
    match = _pattern().match(_key(text))
    if match is None:
        return None, None
    groups = match.groupdict()
    name = groups["month"] or groups["month2"] or groups["month3"]
    calendar, month = _month_table()[" ".join(name.split())]
    day = int(groups["day"] or groups["day2"] or 1)
    year = int(groups["year"])
    era = _ERAS.get(re.sub(r"[\s.]", "", groups["era"] or ""))
    if era not in (None, calendar):
        return None, None  # a month of one calendar with the era mark of another: not guessed
    try:
        if calendar == "hijri":
            from hijridate import Hijri

            value = Hijri(year, month, day).to_gregorian()
        elif calendar == "persian":
            import jdatetime

            value = jdatetime.date(year, month, day).togregorian()
        else:
            value = pd.Timestamp(year=year, month=month, day=day)
    except (ValueError, OverflowError):
        return None, None
    stamp = pd.Timestamp(value)
    if groups["clock"]:
        hours, minutes, *seconds = (int(x) for x in groups["clock"].split(":"))
        if groups["half"] in ("م", "مساء") and hours < 12:
            hours += 12
        if hours > 23 or minutes > 59:
            return None, None
        stamp = stamp + pd.Timedelta(hours=hours, minutes=minutes, seconds=seconds[0] if seconds else 0)
    return stamp, calendar


def _parse_arabic_dates(strings: pd.Series) -> pd.DataFrame:
    """:func:`parse_arabic_date` over a Series, each distinct string parsed once.

    Returns a DataFrame with the same index and columns ``date`` (datetime64[us], NaT
    where the string is not an Arabic date) and ``calendar`` (string or None).

    Examples
    --------
    >>> _parse_arabic_dates(pd.Series(["3 يناير 2021", "3 يناير 2021", "غدا"]))["date"].dt.day.tolist()
    [3.0, 3.0, nan]
    """
    distinct = pd.unique(strings.to_numpy())
    parsed = [parse_arabic_date(s) for s in distinct]
    dates = pd.Series([p[0] if p[0] is not None else pd.NaT for p in parsed], index=distinct, dtype="datetime64[us]")
    calendars = pd.Series([p[1] for p in parsed], index=distinct, dtype=object)
    return pd.DataFrame({"date": dates.reindex(strings.to_numpy()).to_numpy(),
                         "calendar": calendars.reindex(strings.to_numpy()).to_numpy()}, index=strings.index)
