"""Compare frames and terms across outlets and periods: intervals, tests, distinctive terms, co-occurrence."""

from __future__ import annotations

import dataclasses
import hashlib
import warnings
from itertools import combinations

import numpy as np
import pandas as pd

from analysis.corpus import Corpus
from analysis.frames import _names, _rate, aggregate_frame_counts, count_frames, doc_frame_counts
from analysis.lexicon import Lexicon
from analysis.limits import MAX_RESAMPLES, check_count
from analysis.text import NormalizeOptions

__all__ = [
    "frame_rate_ci",
    "group_rng",
    "frame_table",
    "frame_table_of_counts",
    "frames_over_time",
    "frame_association",
    "pairwise_frame_tests",
    "pairwise_rate_tests",
    "frame_cooccurrence",
    "log_odds_dirichlet",
    "keyness_g2",
]

PERIODS = ("day", "week", "month", "year")
CORRECTIONS = ("holm", "fdr_bh", "bonferroni")
_BOOT_CELLS = 4_000_000  # resampling weights drawn at a time (bounds memory)


# --------------------------------------------------------------------------- frame rates


def _doc_matrix(doc_counts: pd.DataFrame, names: list[str]):
    """Hits (documents × frames), tokens and group code per document, groups and frames."""
    frames = pd.unique(doc_counts["frame"])
    frame_code = pd.Categorical(doc_counts["frame"], categories=frames).codes
    doc_code = doc_counts.groupby(names + ["doc_id"], sort=True, dropna=False).ngroup().to_numpy()
    n_docs = int(doc_code.max(initial=-1)) + 1
    hits = np.zeros((n_docs, len(frames)))
    np.add.at(hits, (doc_code, frame_code), doc_counts["hits"].to_numpy(dtype=float))
    tokens = np.zeros(n_docs)
    tokens[doc_code] = doc_counts["tokens"].to_numpy(dtype=float)
    first_row = np.unique(doc_code, return_index=True)[1]
    keys = doc_counts[names].iloc[first_row].reset_index(drop=True)
    group = keys.groupby(names, sort=True, dropna=False).ngroup().to_numpy() if names else np.zeros(n_docs, int)
    groups = keys.iloc[np.unique(group, return_index=True)[1]].reset_index(drop=True) if names else pd.DataFrame(index=[0])
    return hits, tokens, group, groups, frames


def _group_rows(groups: pd.DataFrame, names: list[str], g: int, n: int) -> pd.DataFrame:
    """The key columns of group ``g`` repeated on ``n`` rows (dtypes kept)."""
    return groups[names].iloc[[g] * n].reset_index(drop=True)


def group_rng(seed: int, key) -> np.random.Generator:
    """The random generator of one group: a stream derived from ``seed`` and the group's key.

    The key (a value, or the list of a group's values of its ``by`` columns) is
    written as text and hashed with BLAKE2b, which, unlike Python's ``hash``, is the
    same in every session; ``numpy.random.SeedSequence([seed, *hash words])`` seeds
    the generator. A group's draws therefore depend on its name and the seed only,
    not on which other groups are in the table.

    Parameters
    ----------
    seed : a non-negative integer.
    key : the group's key (e.g. an outlet's name), or a list of them for several columns.

    Returns
    -------
    numpy.random.Generator

    Examples
    --------
    >>> bool(group_rng(0, "عكاظ").integers(1000) == group_rng(0, ["عكاظ"]).integers(1000))
    True
    >>> bool(group_rng(0, "عكاظ").integers(10**9) != group_rng(0, "سبق").integers(10**9))
    True
    """
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, not {seed!r}")
    parts = key if isinstance(key, (list, tuple)) else [key]
    text = "\x1f".join("<NA>" if pd.isna(part) else str(part) for part in parts)
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()
    words = np.frombuffer(digest, dtype="<u4").tolist()
    return np.random.default_rng(np.random.SeedSequence([int(seed), *words]))


def _bootstrap_rates(hits: np.ndarray, tokens: np.ndarray, n_boot: int, rng) -> np.ndarray:
    """Rates per 1,000 tokens (resamples × frames) over documents drawn with replacement."""
    n = len(tokens)
    chunk = max(1, _BOOT_CELLS // max(n, 1))
    rates = []
    for start in range(0, n_boot, chunk):
        size = min(chunk, n_boot - start)
        draws = rng.integers(0, n, size=(size, n)) + np.arange(size)[:, None] * n
        weights = np.bincount(draws.ravel(), minlength=size * n).reshape(size, n).astype(float)
        rates.append(_rate(weights @ hits, np.broadcast_to((weights @ tokens)[:, None], (size, hits.shape[1]))))
    return np.vstack(rates)


def frame_rate_ci(
    doc_counts: pd.DataFrame,
    by: str | list[str] | None = "source",
    n_boot: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> pd.DataFrame:
    """Frame rates per 1,000 tokens with percentile bootstrap intervals over documents.

    Each resample draws the group's documents with replacement and recomputes
    hits / tokens, so the interval reflects how hits cluster in documents. Each
    group has its own random stream, derived from ``seed`` and the group's key
    (:func:`group_rng`), so adding or dropping an outlet leaves the other outlets'
    intervals unchanged.

    Parameters
    ----------
    doc_counts : a :func:`analysis.frames.doc_frame_counts` table with the ``by`` columns.
    by : grouping column(s) of ``doc_counts``; None for the whole corpus.
    n_boot : number of resamples.
    seed : seed of the random generator; the same seed gives the same intervals.
    level : coverage of the interval.

    Returns
    -------
    DataFrame
        The ``by`` columns, ``frame``, ``rate_per_1k``, ``ci_low``, ``ci_high``,
        ``n_docs``. Groups sorted, frames in the order of ``doc_counts``.

    Examples
    --------
    >>> dc = pd.DataFrame({"doc_id": ["1", "2", "3"], "source": ["أ"] * 3, "frame": ["cyber"] * 3,
    ...                    "hits": [1, 3, 0], "tokens": [100, 100, 200]})
    >>> row = frame_rate_ci(dc, n_boot=200).iloc[0]
    >>> float(row["rate_per_1k"]), bool(row["ci_low"] <= 10 <= row["ci_high"]), int(row["n_docs"])
    (10.0, True, 3)
    """
    n_boot = check_count("n_boot", n_boot, MAX_RESAMPLES)
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, not {level!r}")
    names = _names(by, doc_counts)
    hits, tokens, group, groups, frames = _doc_matrix(doc_counts, names)
    tail = (1 - level) / 2 * 100
    parts = []
    for g in range(len(groups)):
        mine = group == g
        rng = group_rng(seed, groups[names].iloc[g].tolist())
        boot = _bootstrap_rates(hits[mine], tokens[mine], n_boot, rng)
        with warnings.catch_warnings():  # an all-empty resample has no rate
            warnings.simplefilter("ignore", RuntimeWarning)
            low, high = np.nanpercentile(boot, [tail, 100 - tail], axis=0)
        part = _group_rows(groups, names, g, len(frames)).assign(
            frame=frames,
            rate_per_1k=_rate(hits[mine].sum(0), np.full(len(frames), tokens[mine].sum())),
            ci_low=low,
            ci_high=high,
            n_docs=int(mine.sum()),
        )
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def frame_table(
    corpus: Corpus | pd.DataFrame,
    lexicon: Lexicon | str,
    by: str | list[str] | None = "source",
    n_boot: int = 1000,
    seed: int = 0,
    options: NormalizeOptions | dict | None = None,
) -> pd.DataFrame:
    """Frame counts per group with a bootstrap 95% interval of the rate: the ``frames`` command's table.

    Parameters
    ----------
    corpus : a Corpus or a documents DataFrame.
    lexicon : a Lexicon, a YAML path or a bundled name.
    by : grouping as in :func:`analysis.frames.count_frames`, or None.
    n_boot, seed : bootstrap resamples and seed (see :func:`frame_rate_ci`).
    options : normalization options.

    Returns
    -------
    DataFrame
        The columns of :func:`analysis.frames.count_frames` (the ``by`` columns,
        ``frame``, ``hits``, ``docs_with_hit``, ``docs``, ``tokens``, ``rate_per_1k``,
        ``doc_share``) then ``ci_low`` and ``ci_high`` of ``rate_per_1k``.

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": ["1", "2"], "source": ["أ", "أ"],
    ...                      "text": ["عقوبات جديدة على موسكو", "محادثات في جنيف"]})
    >>> row = frame_table(docs, "international-news", n_boot=100).set_index("frame").loc["sanctions"]
    >>> int(row["hits"]), int(row["tokens"]), round(float(row["rate_per_1k"]), 2), bool(row["ci_low"] <= row["ci_high"])
    (1, 7, 142.86, True)
    """
    return frame_table_of_counts(doc_frame_counts(corpus, lexicon, by, options), by, n_boot, seed)


def frame_table_of_counts(doc_counts: pd.DataFrame, by: str | list[str] | None = "source", n_boot: int = 1000,
                          seed: int = 0) -> pd.DataFrame:
    """:func:`frame_table` from per-document frame counts, e.g. gathered partition by partition.

    Parameters
    ----------
    doc_counts : a :func:`analysis.frames.doc_frame_counts` table (or several concatenated).
    by, n_boot, seed : as in :func:`frame_table`.

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": ["1", "2"], "source": ["أ", "أ"],
    ...                      "text": ["عقوبات جديدة على موسكو", "محادثات في جنيف"]})
    >>> counts = doc_frame_counts(docs, "international-news")
    >>> frame_table_of_counts(counts, n_boot=100).equals(frame_table(docs, "international-news", n_boot=100))
    True
    """
    names = _names(by, doc_counts)
    intervals = frame_rate_ci(doc_counts, by, n_boot, seed)[names + ["frame", "ci_low", "ci_high"]]
    return aggregate_frame_counts(doc_counts, by).merge(intervals, on=names + ["frame"], how="left", validate="1:1")


def frames_over_time(
    corpus: Corpus | pd.DataFrame,
    lexicon: Lexicon | str,
    freq: str = "month",
    by: str | list[str] | None = "source",
    options: NormalizeOptions | dict | None = None,
) -> pd.DataFrame:
    """Frame counts per period (day, week, month, year) and group.

    Parameters
    ----------
    corpus, lexicon, options : as in :func:`analysis.frames.count_frames`.
    freq : ``"day"``, ``"week"`` (weeks start on Monday), ``"month"`` or ``"year"``.
    by : grouping column(s) besides time, or None.

    Returns
    -------
    DataFrame
        :func:`analysis.frames.count_frames` grouped by ``by`` then the period column
        (named ``freq``, holding the period's first day).

    Examples
    --------
    >>> docs = pd.DataFrame({"doc_id": ["1", "2"], "source": ["أ", "أ"], "text": ["عقوبات جديدة", "محادثات"],
    ...                      "date": pd.to_datetime(["2021-11-03", "2021-12-09"])})
    >>> t = frames_over_time(docs, "international-news")
    >>> t.query("hits > 0")[["month", "frame"]].astype(str).values.tolist()
    [['2021-11-01', 'sanctions'], ['2021-12-01', 'diplomacy']]
    """
    if freq not in PERIODS:
        raise ValueError(f"freq must be one of {', '.join(PERIODS)}, not {freq!r}")
    groups = [] if by is None else [by] if isinstance(by, str) else list(by)
    return count_frames(corpus, lexicon, by=groups + [freq], options=options)


# --------------------------------------------------------------------------- tests between groups


def _chi2_statistic(tables: np.ndarray) -> np.ndarray:
    """Pearson's χ² of each groups × frames table in a stack (…, groups, frames); empty rows add nothing."""
    n = tables.sum(axis=(-2, -1), keepdims=True)
    expected = tables.sum(axis=-1, keepdims=True) * tables.sum(axis=-2, keepdims=True) / n
    with np.errstate(divide="ignore", invalid="ignore"):
        cells = np.where(expected > 0, (tables - expected) ** 2 / expected, 0.0)
    return cells.sum(axis=(-2, -1))


def _permuted_tables(hits: np.ndarray, group: np.ndarray, n_groups: int, n_permutations: int, rng) -> np.ndarray:
    """Groups × frames tables of hits (permutations × groups × frames) with group labels shuffled over documents.

    Each permutation shuffles the labels of all documents and keeps those that fall on
    documents with a hit (the others add nothing to the table). The tables are the
    product of the shuffled one-hot group indicators with the documents × frames hit
    matrix, computed as one weighted ``bincount`` per frame over a chunk of at most
    ``_BOOT_CELLS`` labels (a sparse matrix product took twice as long on SaudiNewsNet).
    """
    used = hits[hits.sum(axis=1) > 0]
    m, n_frames = used.shape
    chunk = max(1, _BOOT_CELLS // max(len(group), 1))
    tables = []
    for start in range(0, n_permutations, chunk):
        size = min(chunk, n_permutations - start)
        labels = rng.permuted(np.broadcast_to(group, (size, len(group))), axis=1)[:, :m]
        cells = (np.arange(size)[:, None] * n_groups + labels).ravel()
        counts = [np.bincount(cells, weights=np.tile(used[:, f], size), minlength=size * n_groups) for f in range(n_frames)]
        tables.append(np.stack(counts, axis=1).reshape(size, n_groups, n_frames))
    return np.concatenate(tables)


def frame_association(
    doc_counts: pd.DataFrame,
    by: str | list[str] = "source",
    n_permutations: int = 999,
    seed: int = 0,
) -> pd.DataFrame:
    """Is the frame profile associated with the group? χ², Cramér's V and a permutation test over documents.

    The statistic is Pearson's χ² of the groups × frames table of hits, and Cramér's
    V = sqrt(χ² / (n (k − 1))) its size (n hits, k the smaller of the numbers of
    groups and frames with hits; 0 = every group has the same frame profile, 1 = each
    frame belongs to one group). The asymptotic χ² p-value treats every hit as an
    independent draw; hits cluster in articles (an article that uses a frame word
    usually uses it several times), so on news it rejects a true null far more often
    than its level. The permutation p-value keeps each article's hits together: the
    group labels are shuffled over whole documents (group sizes kept) ``n_permutations``
    times, and ``p_value = (1 + #{χ²_perm ≥ χ²}) / (n_permutations + 1)``. ``v_null``
    is the mean V of the shuffled tables: the association that chance alone gives with
    this clustering and these group sizes, to read V against.

    Groups and frames without any hit are left out of ``dof``, ``groups``, ``frames``
    and k; a group without hits still takes part in the shuffles (its documents may
    receive hits there).

    Parameters
    ----------
    doc_counts : a :func:`analysis.frames.doc_frame_counts` table with the ``by`` columns.
    by : the grouping column(s).
    n_permutations : number of label shuffles.
    seed : seed of the shuffles (``numpy.random.default_rng(seed)``).

    Returns
    -------
    DataFrame
        One row: ``chi2``, ``dof``, ``cramers_v``, ``v_null``, ``p_value``
        (permutation), ``p_asymptotic`` (χ² distribution, hits as independent),
        ``n_permutations``, ``n`` (hits), ``docs``, ``groups``, ``frames`` (with hits).

    Examples
    --------
    >>> dc = pd.DataFrame({"doc_id": ["1", "1", "2", "2", "3", "3", "4", "4"],
    ...                    "source": ["أ"] * 4 + ["ب"] * 4, "frame": ["war", "peace"] * 4,
    ...                    "hits": [15, 5, 15, 5, 5, 15, 5, 15], "tokens": [100] * 8})
    >>> row = frame_association(dc, n_permutations=99).iloc[0]
    >>> float(row["chi2"]), float(row["cramers_v"]), bool(row["p_asymptotic"] < 1e-4), bool(row["p_value"] > 0.1)
    (20.0, 0.5, True, True)
    """
    n_permutations = check_count("n_permutations", n_permutations, MAX_RESAMPLES)
    names = _names(by, doc_counts)
    if not names:
        raise ValueError("frame_association needs at least one grouping column")
    hits, _, group, groups, _ = _doc_matrix(doc_counts, names)
    hits = hits[:, hits.sum(axis=0) > 0]
    table = np.zeros((len(groups), hits.shape[1]))
    np.add.at(table, group, hits)
    n_groups, n_frames = int((table.sum(axis=1) > 0).sum()), table.shape[1]
    if n_groups < 2 or n_frames < 2:
        raise ValueError(f"need at least two groups and two frames with hits; got {n_groups} × {n_frames}")
    from scipy import stats  # imported when used: scipy.stats takes a second to import

    n, k = table.sum(), min(n_groups, n_frames) - 1
    chi2 = float(_chi2_statistic(table))
    null = _chi2_statistic(_permuted_tables(hits, group, len(groups), n_permutations, np.random.default_rng(seed)))
    dof = (n_groups - 1) * (n_frames - 1)
    return pd.DataFrame([{
        "chi2": chi2, "dof": dof, "cramers_v": np.sqrt(chi2 / (n * k)), "v_null": np.sqrt(null / (n * k)).mean(),
        "p_value": (1 + np.sum(null >= chi2 * (1 - 1e-12))) / (n_permutations + 1),
        "p_asymptotic": stats.chi2.sf(chi2, dof), "n_permutations": int(n_permutations), "n": int(n),
        "docs": len(group), "groups": n_groups, "frames": n_frames,
    }])


def _ztest(with_hit: list[int], docs: list[int]) -> tuple[float, float]:
    pooled = sum(with_hit) / sum(docs)
    if pooled in (0.0, 1.0):  # both shares are 0 or both are 1: no difference to test
        return 0.0, 1.0
    from statsmodels.stats.proportion import proportions_ztest

    z, p = proportions_ztest(with_hit, docs)
    return float(z), float(p)


def pairwise_frame_tests(
    doc_counts: pd.DataFrame,
    by: str = "source",
    method: str = "holm",
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Compare every pair of groups on each frame: share of documents with a hit.

    A two-proportion z-test (pooled variance, ``statsmodels`` ``proportions_ztest``)
    of documents with at least one hit, so a document that repeats a word counts once.
    P-values are corrected over the whole table (all frames × pairs) with
    ``statsmodels`` ``multipletests``. When neither group or both groups have the frame
    in every document the difference is 0, z is 0 and p is 1.

    Parameters
    ----------
    doc_counts : a :func:`analysis.frames.doc_frame_counts` table.
    by : the one grouping column whose values are compared.
    method : ``"holm"`` (family-wise error), ``"fdr_bh"`` (Benjamini–Hochberg false
        discovery rate) or ``"bonferroni"``.
    alpha : level at which ``reject`` is decided.

    Returns
    -------
    DataFrame
        ``frame``, ``{by}_a``, ``{by}_b``, ``docs_a``, ``docs_with_hit_a``, ``share_a``,
        ``docs_b``, ``docs_with_hit_b``, ``share_b``, ``difference`` (share_a − share_b),
        ``z``, ``p_value``, ``p_adjusted``, ``reject``. Frames in table order, pairs
        of sorted groups.

    Examples
    --------
    >>> dc = pd.DataFrame({"doc_id": list("abcd"), "source": ["أ", "أ", "ب", "ب"],
    ...                    "frame": ["war"] * 4, "hits": [2, 1, 0, 1], "tokens": [50] * 4})
    >>> pairwise_frame_tests(dc)[["source_a", "source_b", "share_a", "share_b"]].values.tolist()
    [['أ', 'ب', 1.0, 0.5]]
    """
    if method not in CORRECTIONS:
        raise ValueError(f"method must be one of {', '.join(CORRECTIONS)}, not {method!r}")
    names = _names(by, doc_counts)
    if len(names) != 1:
        raise ValueError(f"pairwise tests compare the values of one column; got by={by!r}")
    [name] = names
    summary = aggregate_frame_counts(doc_counts, name)
    rows = []
    for frame, part in summary.groupby("frame", sort=False):
        part = part.set_index(name)
        for a, b in combinations(part.index, 2):
            z, p = _ztest([part.at[a, "docs_with_hit"], part.at[b, "docs_with_hit"]], [part.at[a, "docs"], part.at[b, "docs"]])
            rows.append({"frame": frame, f"{name}_a": a, f"{name}_b": b,
                         "docs_a": part.at[a, "docs"], "docs_with_hit_a": part.at[a, "docs_with_hit"],
                         "share_a": part.at[a, "doc_share"],
                         "docs_b": part.at[b, "docs"], "docs_with_hit_b": part.at[b, "docs_with_hit"],
                         "share_b": part.at[b, "doc_share"],
                         "difference": part.at[a, "doc_share"] - part.at[b, "doc_share"], "z": z, "p_value": p})
    table = pd.DataFrame(rows)
    if table.empty:
        raise ValueError(f"pairwise tests need at least two values of {name!r}")
    from statsmodels.stats.multitest import multipletests

    reject, adjusted, _, _ = multipletests(table["p_value"], alpha=alpha, method=method)
    return table.assign(p_adjusted=adjusted, reject=reject)


@dataclasses.dataclass(frozen=True)
class _CountFit:
    """What the rate tests use of a count regression: coefficients, their covariance, α and log-likelihood."""

    coef: np.ndarray
    cov: np.ndarray
    alpha: float
    llf: float


def _negbin_fit(y: np.ndarray, column: np.ndarray, n_columns: int, offset: np.ndarray, start: np.ndarray):
    """A negative-binomial (NB2) regression of ``y`` on one indicator per value of ``column``, with ``offset``.

    Newton's method (fast, steps in α itself) first, then BFGS on log α. Where the
    counts are not over-dispersed the likelihood is largest at α → 0, where NB2 is
    Poisson: a fit that fails there, or stops near it (α < 10⁻³) no more likely than the
    Poisson regression, gives the Poisson regression, with α = 0. None where no fit gives
    finite estimates with a covariance.
    """
    from statsmodels.discrete.discrete_model import NegativeBinomial
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, HessianInversionWarning

    exog = np.eye(n_columns)[column]
    model = NegativeBinomial(y, exog, offset=offset, loglike_method="nb2")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", HessianInversionWarning)
        warnings.simplefilter("ignore", RuntimeWarning)  # overflow while a step explores large dispersions
        for method, maxiter in (("newton", 100), ("bfgs", 500)):
            fit = model.fit(start_params=np.r_[start, 1.0], method=method, maxiter=maxiter, disp=0)
            found = _count_fit(fit, n_columns, float(fit.params[-1]))
            if found is not None:
                if found.alpha < 1e-3:  # stopped near the boundary: the maximum may be α = 0 itself
                    poisson = _poisson_fit(y, exog, offset, start, n_columns)
                    if poisson is not None and poisson.llf >= found.llf:
                        return poisson
                return found
        if not 0 <= fit.params[-1] < 1e-3:  # BFGS failed far from the Poisson boundary
            return None
        return _poisson_fit(y, exog, offset, start, n_columns)


def _poisson_fit(y: np.ndarray, exog: np.ndarray, offset: np.ndarray, start: np.ndarray, n_columns: int):
    """The Poisson regression (NB2 at α = 0) as a :class:`_CountFit`, or None where it does not converge."""
    from statsmodels.discrete.discrete_model import Poisson

    fit = Poisson(y, exog, offset=offset).fit(start_params=start, method="newton", maxiter=100, disp=0)
    return _count_fit(fit, n_columns, 0.0)


def _count_fit(fit, n_columns: int, alpha: float) -> _CountFit | None:
    """A statsmodels fit as a :class:`_CountFit`, or None unless it converged to finite estimates with a covariance."""
    try:
        cov = np.asarray(fit.cov_params())
    except ValueError:  # the Hessian could not be inverted
        return None
    if fit.mle_retvals["converged"] and np.isfinite(fit.llf) and np.isfinite(cov).all() and (np.diag(cov) > 0).all():
        return _CountFit(np.asarray(fit.params)[:n_columns], cov[:n_columns, :n_columns], alpha, float(fit.llf))
    return None


def pairwise_rate_tests(
    doc_counts: pd.DataFrame,
    by: str = "source",
    method: str = "holm",
    alpha: float = 0.05,
    level: float = 0.95,
    min_expected: float = 5.0,
) -> pd.DataFrame:
    """Compare every pair of groups on each frame's rate of hits per token, article by article.

    For each frame, a negative-binomial (NB2) regression of the hits of each article
    on one indicator per group, with ``log(tokens)`` as offset (``statsmodels``
    ``NegativeBinomial``, maximum likelihood): the group's coefficient is its log rate
    per token, the offset lets a long article have more hits than a short one, and the
    dispersion α (variance μ + αμ²) absorbs the clustering of hits within articles
    that a Poisson test (or χ² on hits) ignores; where the hits are not over-dispersed
    the model is the Poisson regression (α = 0). Why not quasi-Poisson: on SaudiNewsNet
    the variance grows with the square of the mean, as NB2 says, while quasi-Poisson's
    φμ is too small for the articles with many hits; with outlet labels shuffled over
    articles (no real difference; 20 shuffles × 3 frames × 91 pairs), the uncorrected
    5 % tests rejected 5.4 % of the pairs here, 12.0 % with quasi-Poisson and 36.5 %
    with Poisson.

    Each pair of groups that both have hits is compared by a Wald test of the
    difference of their coefficients (``rate_ratio`` = exp of it, with its interval).
    A pair where one group has hits and the other none has no finite coefficient
    difference; it is compared by a likelihood-ratio test, on the pair's articles, of
    one rate for both against a rate for the group with hits (the other's 0). A pair
    where neither group has a hit of the frame is ``untestable``: it has no p-value
    and is left out of the correction, which runs over all the other rows of the
    table at once (all frames × pairs, ``statsmodels`` ``multipletests``).
    ``small_expected`` flags pairs where either group expects fewer than
    ``min_expected`` hits under equal rates, where the tests' large-sample
    approximation is doubtful. Articles without tokens are left out. A model that
    does not converge is warned about and its pairs are untestable.

    Parameters
    ----------
    doc_counts : a :func:`analysis.frames.doc_frame_counts` table.
    by : the one grouping column whose values are compared.
    method : ``"holm"`` (family-wise error), ``"fdr_bh"`` (Benjamini–Hochberg false
        discovery rate) or ``"bonferroni"``.
    alpha : level at which ``reject`` is decided.
    level : coverage of the rate ratio's interval.
    min_expected : expected hits under which a pair is flagged ``small_expected``.

    Returns
    -------
    DataFrame
        One row per frame and pair of groups (frames in table order, pairs of sorted
        groups): ``frame``, ``{by}_a``, ``{by}_b``; ``docs_a``, ``hits_a``, ``tokens_a``,
        ``rate_a`` (hits per 1,000 tokens) and the same for ``b``; ``rate_ratio`` (the
        model's rate of a over b: 0 or inf when one side has no hit), ``ci_low``,
        ``ci_high`` (its Wald interval); ``dispersion`` (the frame model's α, 0 for Poisson);
        ``test`` (``"wald"``, ``"likelihood ratio"`` or ``"untestable"``); ``z`` (Wald
        statistic); ``p_value``; ``p_adjusted``; ``reject`` (False when untestable);
        ``min_expected`` (the smaller expected hits of the pair under equal rates);
        ``small_expected``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> dc = pd.DataFrame({"doc_id": [str(i) for i in range(60)], "source": ["أ", "ب", "ج"] * 20,
    ...                    "frame": "war", "hits": rng.poisson([3.0, 1.0, 0.0] * 20), "tokens": 100})
    >>> table = pairwise_rate_tests(dc)
    >>> table[["source_a", "source_b", "test"]].values.tolist()
    [['أ', 'ب', 'wald'], ['أ', 'ج', 'likelihood ratio'], ['ب', 'ج', 'likelihood ratio']]
    >>> bool(table["reject"].all()), bool(2 < table.loc[0, "rate_ratio"] < 4)
    (True, True)
    """
    if method not in CORRECTIONS:
        raise ValueError(f"method must be one of {', '.join(CORRECTIONS)}, not {method!r}")
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, not {level!r}")
    names = _names(by, doc_counts)
    if len(names) != 1:
        raise ValueError(f"pairwise tests compare the values of one column; got by={by!r}")
    [name] = names
    hits, tokens, group, groups, frames = _doc_matrix(doc_counts, names)
    if len(groups) < 2:
        raise ValueError(f"pairwise tests need at least two values of {name!r}")
    measured = tokens > 0
    hits, tokens, group = hits[measured], tokens[measured], group[measured]
    from scipy import stats

    n_groups = len(groups)
    docs = np.bincount(group, minlength=n_groups)
    group_tokens = np.bincount(group, tokens, minlength=n_groups)
    offset = np.log(tokens)
    z_level = stats.norm.ppf(0.5 + level / 2)
    pairs = list(combinations(range(n_groups), 2))
    a, b = np.array([p[0] for p in pairs], dtype=int), np.array([p[1] for p in pairs], dtype=int)
    parts = []
    for f, frame in enumerate(frames):
        y = hits[:, f]
        group_hits = np.bincount(group, y, minlength=n_groups)
        positive = np.flatnonzero(group_hits > 0)
        part = pd.DataFrame({"frame": frame, f"{name}_a": groups[name].to_numpy()[a],
                             f"{name}_b": groups[name].to_numpy()[b]})
        for side, idx in (("a", a), ("b", b)):
            part[f"docs_{side}"] = docs[idx]
            part[f"hits_{side}"] = group_hits[idx].astype(np.int64)
            part[f"tokens_{side}"] = group_tokens[idx].astype(np.int64)
            part[f"rate_{side}"] = _rate(group_hits[idx], group_tokens[idx])
        ratio, low, high, z, p = (np.full(len(pairs), np.nan) for _ in range(5))
        test = np.where((group_hits[a] > 0) & (group_hits[b] > 0), "wald",
                        np.where((group_hits[a] > 0) | (group_hits[b] > 0), "likelihood ratio", "untestable"))
        dispersion = np.nan
        full = None
        if len(positive):
            column = np.full(n_groups, -1)
            column[positive] = np.arange(len(positive))
            mine = column[group] >= 0
            start = np.log(group_hits[positive] / group_tokens[positive])
            full = _negbin_fit(y[mine], column[group[mine]], len(positive), offset[mine], start)
        if full is not None:
            dispersion, coef, cov = full.alpha, full.coef, full.cov
            wald = test == "wald"
            ca, cb = column[a[wald]], column[b[wald]]
            diff = coef[ca] - coef[cb]
            se = np.sqrt(cov[ca, ca] + cov[cb, cb] - 2 * cov[ca, cb])
            ratio[wald], low[wald], high[wald] = np.exp(diff), np.exp(diff - z_level * se), np.exp(diff + z_level * se)
            z[wald] = diff / se
            p[wald] = 2 * stats.norm.sf(np.abs(diff / se))
        elif len(positive):
            warnings.warn(f"the negative-binomial model of frame {frame!r} did not converge; its pairs are untestable",
                          stacklevel=2)
        for i in np.flatnonzero(test == "likelihood ratio"):
            # on the pair's articles: one rate for the group with hits (the other's is 0 and adds
            # nothing to the likelihood) against one rate for both
            other = a[i] if group_hits[a[i]] > 0 else b[i]
            alone, both = group == other, (group == a[i]) | (group == b[i])
            rates = [group_hits[other] / group_tokens[other],
                     (group_hits[a[i]] + group_hits[b[i]]) / (group_tokens[a[i]] + group_tokens[b[i]])]
            fits = [_negbin_fit(y[m], np.zeros(int(m.sum()), dtype=int), 1, offset[m], np.log([r]))
                    for m, r in ((alone, rates[0]), (both, rates[1]))]
            if None in fits:
                warnings.warn(f"the negative-binomial model of frame {frame!r} for {groups[name].iloc[a[i]]!r} and "
                              f"{groups[name].iloc[b[i]]!r} did not converge; the pair is untestable", stacklevel=2)
                continue
            p[i] = stats.chi2.sf(max(2 * (fits[0].llf - fits[1].llf), 0.0), 1)
            ratio[i] = np.inf if other == a[i] else 0.0
        pooled = (group_hits[a] + group_hits[b]) / (group_tokens[a] + group_tokens[b])
        least = np.minimum(pooled * group_tokens[a], pooled * group_tokens[b])
        parts.append(part.assign(rate_ratio=ratio, ci_low=low, ci_high=high, dispersion=dispersion, test=test,
                                 z=z, p_value=p, min_expected=least, small_expected=least < min_expected))
    table = pd.concat(parts, ignore_index=True)
    table.loc[table["p_value"].isna(), "test"] = "untestable"  # a model that failed to fit (warned above)
    from statsmodels.stats.multitest import multipletests

    testable = table["test"] != "untestable"
    adjusted = np.full(len(table), np.nan)
    reject = np.zeros(len(table), dtype=bool)
    if testable.any():
        reject[testable], adjusted[testable], _, _ = multipletests(table.loc[testable, "p_value"], alpha=alpha,
                                                                   method=method)
    columns = [c for c in table.columns if c not in ("min_expected", "small_expected")]
    return table[columns].assign(p_adjusted=adjusted, reject=reject, min_expected=table["min_expected"],
                                 small_expected=table["small_expected"])


def frame_cooccurrence(doc_counts: pd.DataFrame, by: str | list[str] | None = None) -> pd.DataFrame:
    """How often two frames occur in the same document.

    Parameters
    ----------
    doc_counts : a :func:`analysis.frames.doc_frame_counts` table.
    by : grouping column(s) to count within, or None for the whole table.

    Returns
    -------
    DataFrame
        One row per group and pair of frames (each pair once, in frame order): the
        ``by`` columns, ``frame_a``, ``frame_b``, ``docs_a``, ``docs_b`` (documents
        with a hit of each), ``docs_both``, ``jaccard`` (docs_both / documents with
        either; NaN when neither occurs).

    Examples
    --------
    >>> dc = pd.DataFrame({"doc_id": ["1", "1", "2", "2"], "frame": ["war", "peace"] * 2,
    ...                    "hits": [2, 1, 1, 0], "tokens": [9, 9, 5, 5]})
    >>> frame_cooccurrence(dc).values.tolist()
    [['war', 'peace', 2, 1, 1, 0.5]]
    """
    names = _names(by, doc_counts)
    hits, _, group, groups, frames = _doc_matrix(doc_counts, names)
    present = (hits > 0).astype(float)
    parts = []
    i, j = np.triu_indices(len(frames), k=1)
    for g in range(len(groups)):
        mine = present[group == g]
        both = mine.T @ mine
        alone = np.diag(both)
        union = alone[i] + alone[j] - both[i, j]
        parts.append(_group_rows(groups, names, g, len(i)).assign(
            frame_a=frames[i],
            frame_b=frames[j],
            docs_a=alone[i].astype(np.int64),
            docs_b=alone[j].astype(np.int64),
            docs_both=both[i, j].astype(np.int64),
            jaccard=np.divide(both[i, j], union, out=np.full(len(i), np.nan), where=union > 0),
        ))
    return pd.concat(parts, ignore_index=True)


# --------------------------------------------------------------------------- distinctive terms


def _term_matrix(term_counts: pd.DataFrame, by: str):
    """Counts as a groups × terms matrix, with the sorted groups and the terms."""
    for column in (by, "term", "count"):
        if column not in term_counts.columns:
            raise ValueError(f"term counts need columns {by!r}, 'term' and 'count'; missing {column!r}")
    if (term_counts["count"] < 0).any():
        raise ValueError("term counts must not be negative")
    missing = {name: int(term_counts[name].isna().sum()) for name in (by, "term")}
    if any(missing.values()):
        raise ValueError("term counts have missing values, which would be counted nowhere: "
                         + ", ".join(f"{n} row(s) without {name!r}" for name, n in missing.items() if n))
    group_code, groups = pd.factorize(term_counts[by], sort=True)
    term_code, terms = pd.factorize(term_counts["term"], sort=True)
    if len(groups) < 2:
        raise ValueError(f"comparing groups needs at least two values of {by!r}")
    matrix = np.zeros((len(groups), len(terms)))
    np.add.at(matrix, (group_code, term_code), term_counts["count"].to_numpy(dtype=float))
    return matrix, groups, terms


def _group_sizes(term_counts: pd.DataFrame, by: str, counts: np.ndarray, groups: pd.Index) -> np.ndarray:
    """Size of each group: its ``tokens`` where the table has them, else its total count."""
    if "tokens" in term_counts.columns:
        sizes = term_counts.groupby(by)["tokens"].max().reindex(groups).to_numpy(dtype=float)
    else:
        sizes = counts.sum(axis=1)
    empty = [str(g) for g, size in zip(groups, sizes) if not size > 0]
    if empty:
        raise ValueError(f"group(s) {empty} of {by!r} have no counts to compare")
    return sizes[:, None]


def _long(values: dict[str, np.ndarray], groups, terms, by: str, key: np.ndarray) -> pd.DataFrame:
    """Groups × terms matrices as a tidy table, sorted by group, then ``key`` descending, then term.

    >>> m = np.array([[1.0, 3.0], [2.0, 2.0]])
    >>> _long({"v": m}, ["a", "b"], ["x", "y"], "g", m).values.tolist()
    [['a', 'y', 3.0], ['a', 'x', 1.0], ['b', 'x', 2.0], ['b', 'y', 2.0]]
    """
    # Sorted row by row on the matrices and gathered once: sorting the long table instead held
    # the table, its sort keys and its sorted copy at once (keyness_g2 on SaudiNewsNet's 3.7 M
    # rows: peak +0.98 GB then, +0.52 GB now).
    names = pd.Series(np.asarray(terms), dtype="str")
    rank = np.empty(len(names), dtype=np.int64)  # of each term as text, to break ties
    rank[names.argsort(kind="stable").to_numpy()] = np.arange(len(names))
    order = np.stack([np.lexsort((rank, -row)) for row in key])
    columns = {by: pd.Series(np.asarray(groups)).array.take(np.repeat(np.arange(len(groups)), len(names))),
               "term": names.array.take(order.ravel())}
    columns.update((name, np.take_along_axis(matrix, order, axis=1).ravel()) for name, matrix in values.items())
    return pd.DataFrame(columns, copy=False)


def log_odds_dirichlet(term_counts: pd.DataFrame, by: str = "source", alpha0: float | None = None) -> pd.DataFrame:
    """Distinctive terms of each group: weighted log-odds ratio with an informative Dirichlet prior.

    Monroe, Colaresi & Quinn (2008), "Fightin' Words", Political Analysis 16(4), eq. 22:
    each group *i* against all other groups *j* together,
    ``δ = log((y_i + α_w) / (n_i + α_0 − y_i − α_w)) − log((y_j + α_w) / (n_j + α_0 − y_j − α_w))``,
    ``z = δ / sqrt(1 / (y_i + α_w) + 1 / (y_j + α_w))``, with the prior proportional to
    each term's count in the whole table: ``α_w = α_0 · y_w / N``.

    Parameters
    ----------
    term_counts : a tidy table with columns ``by``, ``term`` and ``count`` (e.g.
        :func:`analysis.terms.count_terms`); repeated rows are added up.
    by : the grouping column.
    alpha0 : total weight of the prior; None uses the table's total count N (so the
        prior of a term is its own total count, as in tidylo and Monroe et al.'s
        informative prior).

    Returns
    -------
    DataFrame
        One row per group and term seen anywhere: ``by``, ``term``, ``count``,
        ``log_odds`` (δ), ``z``. Sorted by group, then z descending, then term.

    Examples
    --------
    >>> tc = pd.DataFrame({"source": ["أ", "أ", "ب", "ب"], "term": ["حرب", "سلام"] * 2,
    ...                    "count": [30, 10, 10, 30]})
    >>> log_odds_dirichlet(tc).round(3).values.tolist()[:2]
    [['أ', 'حرب', 30.0, 0.673, 3.634], ['أ', 'سلام', 10.0, -0.673, -3.634]]
    """
    if alpha0 is not None and not alpha0 > 0:
        raise ValueError(f"alpha0 must be positive, not {alpha0!r}")
    y, groups, terms = _term_matrix(term_counts, by)
    _group_sizes(term_counts[term_counts.columns.drop("tokens", errors="ignore")], by, y, groups)
    keep = y.sum(axis=0) > 0
    if keep.sum() < 2:
        raise ValueError("log-odds need at least two terms with counts")
    y, terms = y[:, keep], terms[keep]
    total = y.sum()
    alpha_w = y.sum(axis=0) * ((alpha0 if alpha0 is not None else total) / total)
    a0 = alpha_w.sum()
    n_i = y.sum(axis=1, keepdims=True)
    y_j, n_j = y.sum(axis=0) - y, total - n_i
    delta = np.log((y + alpha_w) / (n_i + a0 - y - alpha_w)) - np.log((y_j + alpha_w) / (n_j + a0 - y_j - alpha_w))
    z = delta / np.sqrt(1 / (y + alpha_w) + 1 / (y_j + alpha_w))
    return _long({"count": y, "log_odds": delta, "z": z}, groups, terms, by, z)


def _log_ratio(a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray) -> np.ndarray:
    """``log2((a'/c) / (b'/d))`` with ``a' = a + c/(c+d)``, ``b' = b + d/(c+d)`` (see :func:`keyness_g2`).

    Written as ``log1p`` of ``(c+d)(ad − bc) / (c(b(c+d) + d))`` so that the sign comes
    from the exact cross-difference ``ad − bc`` of the counts, also at a tie.

    >>> float(_log_ratio(np.array(0.0), np.array(4.0), np.array(100.0), np.array(100.0)))  # log2(0.5 / 4.5)
    -3.169925001442312
    """
    n = c + d
    return np.log1p(n * (a * d - b * c) / (c * (b * n + d))) / np.log(2)


def keyness_g2(term_counts: pd.DataFrame, by: str = "source") -> pd.DataFrame:
    """Keyness of each term in each group against all other groups: log-likelihood G².

    Rayson & Garside (2000): with ``a``, ``b`` the term's counts in the group and in
    the rest and ``c``, ``d`` their sizes, ``E1 = c(a+b)/(c+d)``, ``E2 = d(a+b)/(c+d)``,
    ``G² = 2(a ln(a/E1) + b ln(b/E2))``, p from χ² with 1 degree of freedom. The effect
    size is Hardie's (2014) log ratio of the relative frequencies, ``log2((a/c) / (b/d))``,
    smoothed so that it is finite and its sign always agrees with over- or underuse:
    one pseudo-occurrence is shared between the group and the rest in proportion to
    their sizes, ``a' = a + c/(c+d)``, ``b' = b + d/(c+d)``. That adds the same rate
    ``1/(c+d)`` to both sides, so ``log_ratio`` > 0 exactly when ``a`` > ``E1``
    (overused), < 0 when ``a`` < ``E1``, and 0 at ``a = E1``; with groups of equal
    size it is Hardie's 0.5 added to each count. (Adding 0.5 to a zero count on one
    side only, as before, made terms a group never uses look overused.)

    Parameters
    ----------
    term_counts : a tidy table with columns ``by``, ``term`` and ``count``. Group sizes
        are its ``tokens`` column where present (running-text tokens of the group, as
        in :func:`analysis.terms.count_terms`), else the sum of the group's counts.
    by : the grouping column.

    Returns
    -------
    DataFrame
        One row per group and term: ``by``, ``term``, ``count_target``,
        ``count_reference``, ``g2``, ``p_value``, ``log_ratio``. Sorted by group, then
        terms used more than in the rest by G² descending, then those used less, the
        most underused last.

    Examples
    --------
    >>> tc = pd.DataFrame({"source": ["أ", "ب"], "term": ["عقوبات"] * 2, "count": [10, 0],
    ...                    "tokens": [1000, 1000]})
    >>> keyness_g2(tc).iloc[0][["count_target", "g2"]].astype(float).round(4).tolist()
    [10.0, 13.8629]
    """
    y, groups, terms = _term_matrix(term_counts, by)
    sizes = _group_sizes(term_counts, by, y, groups)
    a, b = y, y.sum(axis=0) - y
    c, d = sizes, sizes.sum() - sizes
    e1, e2 = c * (a + b) / (c + d), d * (a + b) / (c + d)
    with np.errstate(divide="ignore", invalid="ignore"):
        g2 = 2 * (np.where(a > 0, a * np.log(a / e1), 0.0) + np.where(b > 0, b * np.log(b / e2), 0.0))
    del e1, e2  # two more groups × terms matrices, not needed while the table is built
    log_ratio = _log_ratio(a, b, c, d)
    overused = a * d >= b * c
    from scipy import stats

    distinct, where = np.unique(g2, return_inverse=True)  # far fewer values than cells: one p-value each
    p_value = stats.chi2.sf(distinct, 1)[where.reshape(g2.shape)]
    return _long({"count_target": a, "count_reference": b, "g2": g2, "p_value": p_value,
                  "log_ratio": log_ratio}, groups, terms, by, np.where(overused, g2, -g2))
