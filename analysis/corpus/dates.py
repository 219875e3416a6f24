"""Publication dates: ISO 8601 or any layout, Arabic-Indic digits, the day/month order decided per file, implausible years kept as NaT."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from analysis.corpus.columns import _present


# Dates outside this window are taken for another calendar (Hijri 1443, Persian 1400) or typos.
PLAUSIBLE_YEARS = (1800, 2100)


# Arabic-Indic and Persian digits, for dates written ٢٠٢١-٠٣-٠١.
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "0123456789" * 2)
# dd/mm/yyyy or mm/dd/yyyy (also with . or -): the first two numbers.
_DAY_MONTH = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-]\d{2,4}(?!\d)")


def _parse_dates(values: pd.Series, dayfirst: bool | None, files: pd.Series) -> tuple[pd.Series, list[tuple[int, str]]]:
    """Dates as naive UTC datetime64[ns], and (position, message) warnings for those not kept.

    ISO 8601 first, then any other layout; Arabic-Indic and Persian digits are read as
    digits. Offsets may differ from row to row. "now" and "today" are not dates of
    publication. Years outside ``PLAUSIBLE_YEARS`` (Hijri 1443, Persian 1400) become NaT.
    The day/month order of dates such as 03/04/2021 is decided per file (``files``).
    """
    given = _present(values)
    strings = values[given].astype(str).str.translate(_DIGITS).str.strip()
    strings = strings[~strings.str.lower().isin(["now", "today"])]
    parsed = pd.to_datetime(strings, errors="coerce", format="ISO8601", utc=True).astype("datetime64[us, UTC]")
    retry = parsed.isna()
    position = pd.Series(np.arange(len(values)), index=values.index)
    warnings = []
    for _, group in strings[retry].groupby(files[retry[retry].index], sort=False):
        order, order_warning = _day_month_order(group, dayfirst)
        if order_warning:
            warnings.append((position[order_warning[0]], order_warning[1]))
        parsed[group.index] = pd.to_datetime(group, errors="coerce", format="mixed", dayfirst=order,
                                             utc=True).astype("datetime64[us, UTC]")
    years = parsed.dt.year
    implausible = parsed.index[(years < PLAUSIBLE_YEARS[0]) | (years > PLAUSIBLE_YEARS[1])]
    parsed[implausible] = pd.NaT
    dates = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    dates[parsed.index] = parsed.dt.tz_convert(None).astype("datetime64[ns]")
    for label in values.index[given & dates.isna()]:
        if label in implausible:
            message = (f"date {values[label]!r} is outside {PLAUSIBLE_YEARS[0]}–{PLAUSIBLE_YEARS[1]} "
                       "(another calendar, e.g. Hijri or Persian?); kept with no date")
        else:
            message = f"date {values[label]!r} not understood; kept with no date"
        warnings.append((position[label], message))
    return dates, sorted(warnings)


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
