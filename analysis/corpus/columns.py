"""Input column names mapped to the standard columns (doc_id, source, date, title, url, text) by English and Arabic aliases or overrides."""

from __future__ import annotations

import re

import pandas as pd


STANDARD = ["doc_id", "source", "date", "title", "url", "text"]
ADDED_COLUMNS = ["file", "location", "is_duplicate", "duplicate_of"]
# Working columns of the loader: an input column so named is renamed like an added one.
INTERNAL_COLUMNS = ["_damage", "_calendar"]

# Column names recognised in the input (compared lower-cased, spaces and dashes as "_").
COLUMN_ALIASES = {
    "text": ["text", "content", "body", "article", "article_text", "full_text", "story",
             "النص", "نص", "المحتوى", "المتن", "نص_المقال"],
    "source": ["source", "outlet", "newspaper", "publisher", "publication", "media", "site",
               "media_name", "source_name", "sourcecommonname", "source_title",  # Media Cloud, GDELT, Event Registry
               "المصدر", "الصحيفة", "الجريدة", "الناشر", "الموقع"],
    "date": ["date", "published", "published_at", "publish_date", "pub_date", "date_published",
             "datetime", "timestamp", "date_extracted", "dateadded", "seendate",
             "التاريخ", "تاريخ", "تاريخ_النشر"],
    "title": ["title", "headline", "head_line", "heading", "العنوان", "عنوان"],
    "url": ["url", "link", "href", "documentidentifier", "الرابط", "رابط"],
    "doc_id": ["doc_id", "id", "article_id", "docid", "stories_id", "المعرف"],
}


def _names(given: str | list[str] | tuple[str, ...]) -> list[str]:
    """An override's candidate column names, in order (``source=["media_name", "outlet"]``)."""
    return [given] if isinstance(given, str) else list(given)


def _canonical(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", str(name).strip().lower())


def _map_columns(columns: list[str], overrides: dict[str, str | None]) -> dict[str, str]:
    """Input column → standard name, from overrides first, then aliases."""
    mapping: dict[str, str] = {}
    canonical = {_canonical(c): c for c in reversed(columns)}
    for standard, aliases in COLUMN_ALIASES.items():
        given = overrides.get(standard)
        if given is not None:
            found = next((name for name in _names(given) if name in columns), None)
            if found is not None:
                mapping[found] = standard
            continue
        for alias in aliases:
            if alias in canonical and canonical[alias] not in mapping:
                mapping[canonical[alias]] = standard
                break
    # An unmapped input column already named like a standard one, or like a column the
    # loader adds (file, location…), keeps its data under another name.
    for column in columns:
        if column not in mapping and (column in mapping.values() or column in ADDED_COLUMNS + INTERNAL_COLUMNS):
            mapping[column] = f"{column}_input"
    return mapping


def _absent_overrides(columns: list, overrides: dict[str, str | None]) -> dict[str, str]:
    """A column asked for (``text="body"``) that a file lacks is never replaced by its "text" column."""
    return {standard: f"{standard}_input" for standard, given in overrides.items()
            if given is not None and not any(name in columns for name in _names(given)) and standard in columns}


def _present(values: pd.Series) -> pd.Series:
    """Values that are not missing, empty, only whitespace or "nan" (told without a stripped copy of each)."""
    text = values.astype(str)
    return values.notna() & (text != "") & ~text.str.isspace() & (text != "nan")
