"""Draw one picture of each chart type into docs/images/ (the README's figures).

    python docs/make_images.py                      # the bundled demo corpus
    python docs/make_images.py --corpus ../shared/corpora/saudinewsnet

Tables come from the project's own counting functions; the two statistics that the
charts need beyond them (Poisson intervals, weighted log-odds) are computed here.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
from scipy import stats

from analysis import charts
from analysis.corpus import load_corpus
from analysis.frames import actor_frame_counts, count_frames
from analysis.lexicon import load_lexicon
from analysis.paths import DEMO_CORPUS, PROJECT_ROOT
from analysis.terms import count_terms

IMAGE_DIR = PROJECT_ROOT / "docs" / "images"
LEXICON = "international-news"
ACTORS = "actors"
TOP_TERMS = 8
MIN_KEYNESS_COUNT = 20
PRIOR_SCALE = 0.01
CONFIDENCE = 0.95
WORDCLOUD_TERMS = 60
GLOSSES = {
    "السعودية": "Saudi Arabia",
    "المملكة": "the Kingdom",
    "الله": "God",
    "العام": "the year / public",
    "رئيس": "president / head",
    "المنطقة": "the region",
    "منطقة": "region",
    "العمل": "work",
    "داعش": "ISIS",
    "إيران": "Iran",
    "العالم": "the world",
    "العيد": "the Eid holiday",
    "محمد": "Muhammad",
    "الرياض": "Riyadh",
    "جدة": "Jeddah",
    "مكة": "Mecca",
    "الملك": "the King",
    "الأمير": "the Prince",
    "وزارة": "ministry",
    "الدولة": "the state",
    "الشركة": "the company",
    "السوق": "the market",
    "النفط": "oil",
    "اليمن": "Yemen",
    "مجلس": "council",
    "الأمن": "security",
    "التعليم": "education",
    "الصحة": "health",
    "خلال": "during",
    "عبدالله": "Abdullah",
    "الاتفاق": "the agreement",
    "النووي": "nuclear",
    "الرئيس": "the president",
    "الحوثيين": "the Houthis",
    "الهلال": "Al-Hilal (club)",
    "النصر": "Al-Nassr (club)",
    "الفريق": "the team",
    "المباراة": "the match",
    "الدوري": "the league",
    "الأسهم": "shares",
    "ريال": "riyal",
    "مليون": "million",
    "مليار": "billion",
    "العربية": "Arabic / Arab",
    "عبدالعزيز": "Abdulaziz",
    "عبد": "Abd (name part)",
    "د": "Dr.",
    "الاستاذ": "Professor / Mr.",
    "العزيز": "al-Aziz (name part)",
    "مقالات": "articles",
    "الجزيرة": "Al-Jazirah",
    "معالي": "His Excellency",
    "الرس": "Ar Rass (town)",
    "الاميركية": "American",
    "المئة": "percent",
    "بالمئة": "percent",
    "الفيلم": "the film",
    "المريض": "the patient",
    "دبي": "Dubai",
    "الشرقية": "Eastern Province",
    "اليونان": "Greece",
    "الاحساء": "Al-Ahsa",
    "الدمام": "Dammam",
    "القطيف": "Qatif",
    "نقطة": "point",
    "اليورو": "the euro",
    "الاسهم": "shares",
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(DEMO_CORPUS), help="corpus file or folder (default: the demo corpus)")
    parser.add_argument("--sources", type=int, default=3, help="draw the N largest sources")
    args = parser.parse_args(argv)

    docs = load_corpus(args.corpus, progress=False).docs
    largest = docs["source"].value_counts().sort_index().sort_values(ascending=False, kind="stable")
    docs = docs[docs["source"].isin(largest.index[: args.sources])]
    frames = load_lexicon(LEXICON).frame_table().drop_duplicates("frame")[["frame", "label_en", "label_ar"]]
    actors = load_lexicon(ACTORS).frame_table().drop_duplicates("frame")
    actor_names = dict(zip(actors["frame"], actors["label_ar"]))

    terms = count_terms(docs, by="source")
    rates = with_poisson_interval(count_frames(docs, LEXICON).merge(frames, on="frame"))
    daily = count_frames(docs, LEXICON, by=["source", "day"]).rename(columns={"day": "period"})
    near = actor_frame_counts(docs, LEXICON, ACTORS).merge(frames, on="frame")

    figures = {
        "top_terms": charts.plot_top_terms(with_glosses(top(terms, "per_10k")), n=TOP_TERMS),
        "distinctive_terms": charts.plot_distinctive_terms(
            with_glosses(top(weighted_log_odds(terms), "z")), score="z", n=TOP_TERMS,
            xlabel="Weighted log-odds ratio (z-score)"),
        "frame_rates": charts.plot_frame_rates(rates, frame_label="label_en"),
        "frame_heatmap": charts.plot_frame_heatmap(rates, frame_label="label_ar"),
        "frames_over_time": charts.plot_frames_over_time(daily.merge(frames, on="frame"), frame_label="label_en"),
        "wordclouds": charts.plot_wordclouds(terms, max_words=WORDCLOUD_TERMS),
        "actor_frame_heatmap": charts.plot_actor_frame_heatmap(
            near.assign(actor=near["actor"].map(actor_names)).query("hits > 0"), frame_label="label_ar"),
    }
    for name, fig in figures.items():
        print(*charts.save_figure(fig, name, IMAGE_DIR, ("png",)))


def top(table: pd.DataFrame, column: str) -> pd.DataFrame:
    """The ``TOP_TERMS`` rows of each source with the largest ``column``."""
    ordered = table.sort_values(["source", column, "term"], ascending=[True, False, True])
    return ordered.groupby("source", sort=False).head(TOP_TERMS)


def with_glosses(table: pd.DataFrame) -> pd.DataFrame:
    return table.assign(gloss=table["term"].map(GLOSSES))


def with_poisson_interval(table: pd.DataFrame) -> pd.DataFrame:
    """Exact (Garwood) Poisson interval of each rate per 1,000 tokens."""
    tail = (1 - CONFIDENCE) / 2
    hits, scale = table["hits"].to_numpy(), 1000 / table["tokens"].to_numpy()
    low = np.where(hits > 0, stats.chi2.ppf(tail, 2 * hits) / 2, 0.0)
    high = stats.chi2.ppf(1 - tail, 2 * hits + 2) / 2
    return table.assign(ci_low=low * scale, ci_high=high * scale)


def weighted_log_odds(terms: pd.DataFrame) -> pd.DataFrame:
    """Each source against the others: log-odds ratio with an informative Dirichlet prior, as a z-score."""
    counts = terms.pivot_table(index="term", columns="source", values="count", fill_value=0, aggfunc="sum")
    counts = counts[counts.sum(axis=1) >= MIN_KEYNESS_COUNT]
    prior = PRIOR_SCALE * counts.sum(axis=1).to_numpy() * len(counts.columns)
    prior_total = prior.sum()
    rows = []
    for source in counts.columns:
        own, rest = counts[source].to_numpy(float), counts.drop(columns=source).sum(axis=1).to_numpy(float)
        own_odds = np.log((own + prior) / (own.sum() + prior_total - own - prior))
        rest_odds = np.log((rest + prior) / (rest.sum() + prior_total - rest - prior))
        z = (own_odds - rest_odds) / np.sqrt(1 / (own + prior) + 1 / (rest + prior))
        rows.append(pd.DataFrame({"source": source, "term": counts.index, "z": z}))
    return pd.concat(rows, ignore_index=True)


if __name__ == "__main__":
    main()
