"""Draw one picture of each chart type into docs/images/ (the README's figures).

    python docs/make_images.py                      # the bundled demo corpus
    python docs/make_images.py --corpus ../shared/corpora/saudinewsnet --sources 3

Every table comes from the project's own functions; this script only picks and draws.
"""

from __future__ import annotations

import argparse

import pandas as pd

from analysis import charts
from analysis.compare import frame_table, frames_over_time, log_odds_dirichlet
from analysis.corpus import load_corpus
from analysis.frames import actor_frame_counts
from analysis.lexicon import load_lexicon
from analysis.paths import DEMO_CORPUS, PROJECT_ROOT
from analysis.terms import count_terms, top_terms

IMAGE_DIR = PROJECT_ROOT / "docs" / "images"
LEXICON = "international-news"
ACTORS = "actors"
TOP_TERMS = 8
WORDCLOUD_TERMS = 60
# English glosses of the demo corpus's most frequent and most distinctive terms, for readers without Arabic.
GLOSSES = {
    "الاستراتيجي": "strategic", "الاستقرار": "stability", "الاسواق": "the markets",
    "الاوروبية": "European", "الاوكرانية": "Ukrainian", "الحوار": "the dialogue",
    "الخبير": "the expert", "الدفاع": "defence", "الروسي": "Russian (m.)", "الروسية": "Russian (f.)",
    "الصين": "China", "الطاقة": "energy", "الطرفين": "the two sides", "العسكري": "military",
    "العقوبات": "the sanctions", "الغاز": "gas", "القمة": "the summit", "القوات": "the forces",
    "الكرملين": "the Kremlin", "اوكرانيا": "Ukraine", "جنيف": "Geneva", "روسيا": "Russia",
    "قرب": "near", "موسكو": "Moscow", "واشنطن": "Washington", "اتهم": "accused",
    "اسعار": "prices", "الاراضي": "the territories", "التهديد": "the threat",
    "الخطاب": "the rhetoric", "الدبلوماسي": "diplomatic", "الصراع": "the conflict",
    "بناء": "building", "جندي": "soldier", "دبلوماسية": "diplomacy", "طلعات": "sorties",
    "والصين": "and China", "وزارة": "ministry", "التصعيد": "escalation", "الحدود": "the border",
    "المحادثات": "the talks", "المفاوضات": "the negotiations", "الحشود": "the build-up",
    "العبيدي": "al-Obeidi (name)", "الحداد": "al-Haddad (name)", "الخطيب": "al-Khatib (name)",
    "النجار": "al-Najjar (name)", "رامي": "Rami (name)", "سامر": "Samer (name)",
    "عادل": "Adel (name)", "كريم": "Karim (name)", "ماجد": "Majed (name)", "منصور": "Mansour (name)",
    "البحر": "the sea", "الثقة": "trust",
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(DEMO_CORPUS), help="corpus file or folder (default: the demo corpus)")
    parser.add_argument("--sources", type=int, default=4, help="draw the N largest sources")
    args = parser.parse_args(argv)

    docs = load_corpus(args.corpus, progress=False).docs
    largest = docs["source"].value_counts().sort_index().sort_values(ascending=False, kind="stable")
    docs = docs[docs["source"].isin(largest.index[: args.sources])]
    frames = load_lexicon(LEXICON).frame_table().drop_duplicates("frame")[["frame", "label_en", "label_ar"]]
    actors = load_lexicon(ACTORS).frame_table().drop_duplicates("frame")
    actor_names = dict(zip(actors["frame"], actors["label_ar"]))

    terms = count_terms(docs, by="source")
    rates = frame_table(docs, LEXICON).merge(frames, on="frame")
    weekly = frames_over_time(docs, LEXICON, freq="week").rename(columns={"week": "period"})
    near = actor_frame_counts(docs, LEXICON, ACTORS).merge(frames, on="frame")
    distinctive = log_odds_dirichlet(terms).sort_values(["source", "z", "term"], ascending=[True, False, True])

    figures = {
        "top_terms": charts.plot_top_terms(with_glosses(top_terms(terms, TOP_TERMS, by="source")), n=TOP_TERMS),
        "distinctive_terms": charts.plot_distinctive_terms(
            with_glosses(distinctive.groupby("source", sort=False).head(TOP_TERMS)), score="z", n=TOP_TERMS,
            xlabel="Weighted log-odds ratio (z-score)"),
        "frame_rates": charts.plot_frame_rates(rates, frame_label="label_en"),
        "frame_heatmap": charts.plot_frame_heatmap(rates, frame_label="label_ar"),
        "frames_over_time": charts.plot_frames_over_time(weekly.merge(frames, on="frame"), frame_label="label_en"),
        "wordclouds": charts.plot_wordclouds(terms, max_words=WORDCLOUD_TERMS),
        "actor_frame_heatmap": charts.plot_actor_frame_heatmap(
            near.assign(actor=near["actor"].map(actor_names)).query("hits > 0"), frame_label="label_ar"),
    }
    for name, fig in figures.items():
        print(*charts.save_figure(fig, name, IMAGE_DIR, ("png",), data=False))


def with_glosses(table: pd.DataFrame) -> pd.DataFrame:
    return table.assign(gloss=table["term"].map(GLOSSES))


if __name__ == "__main__":
    main()
