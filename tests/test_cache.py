"""The corpus cache (analysis.corpus.cache): reuse while the inputs hold, rebuild on any change, never trust a damaged entry."""

import json
import os
import subprocess
import sys

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import analysis.corpus.cache as cache_module
from analysis.cli import main
from analysis.corpus import CacheError, load_corpus, read_snapshot, select_documents, write_snapshot
from analysis.corpus.cache import SUFFIX, clear_cache

ARTICLES = [
    {"source": "الرياض", "date": "2015-08-01", "text": "فرضت واشنطن عقوبات جديدة على موسكو"},
    {"source": "عكاظ", "date": "2015-08-02", "text": "محادثات بين روسيا والولايات المتحدة"},
    {"source": "الرياض", "date": "2015-08-03", "text": "فرضت واشنطن عقوبات جديدة على موسكو"},
]


def _corpus(folder, articles=ARTICLES, name="news.jsonl"):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in articles), encoding="utf-8")
    return folder


def _same(a, b) -> None:
    assert a.docs.equals(b.docs) and list(a.docs.dtypes) == list(b.docs.dtypes)
    for name in ("files", "rejected", "warnings"):
        assert getattr(a.report, name).equals(getattr(b.report, name)), name
    assert (a.report.duplicates, a.report.duplicates_dropped, a.path) == (b.report.duplicates, b.report.duplicates_dropped, b.path)
    assert a.report.fingerprint == b.report.fingerprint


@pytest.fixture
def store(tmp_path):
    return tmp_path / "cache"


def test_second_load_comes_from_the_cache_and_equals_a_fresh_load(tmp_path, store):
    root = _corpus(tmp_path / "corpus")
    first = load_corpus(root, cache=store)
    second = load_corpus(root, cache=store)
    fresh = load_corpus(root, cache=False)
    assert first.report.cache.startswith("stored in the cache")
    assert second.report.cache.startswith("read from the cache")
    assert fresh.report.cache == "not used (cache=False)"
    assert "cache: read from the cache" in second.report.summary()
    _same(second, fresh)
    assert second.docs["is_duplicate"].tolist() == [False, False, True]


def test_cache_false_writes_nothing_and_the_environment_names_the_folder(tmp_path, store, monkeypatch):
    root = _corpus(tmp_path / "corpus")
    load_corpus(root, cache=False)
    assert not store.exists()
    monkeypatch.setenv("ARABIC_FRAMING_CACHE", str(store))
    load_corpus(root)
    assert len(list(store.glob(f"*{SUFFIX}"))) == 1


@pytest.mark.parametrize("change", ["edited", "same size and time", "added", "removed", "options", "version"])
def test_any_change_of_inputs_options_or_code_rebuilds(tmp_path, store, change, monkeypatch):
    root = _corpus(tmp_path / "corpus")
    _corpus(root, ARTICLES[:1], name="extra.jsonl")
    before = load_corpus(root, cache=store)
    path = root / "news.jsonl"
    options = {}
    if change == "edited":
        _corpus(root, ARTICLES + [{"source": "عكاظ", "text": "خبر جديد"}])
    elif change == "same size and time":  # only the content hash can tell
        info = path.stat()
        data = path.read_bytes()
        path.write_bytes(data.replace("عقوبات".encode(), "حصارات".encode(), 1))
        os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
        assert path.stat().st_size == info.st_size
    elif change == "added":
        _corpus(root, [{"source": "عكاظ", "text": "خبر جديد"}], name="more.jsonl")
    elif change == "removed":
        (root / "extra.jsonl").unlink()
    elif change == "options":
        options = {"drop_duplicates": True}
    else:
        monkeypatch.setattr(cache_module, "_code_fingerprint", lambda: "9.9.9+other")
    after = load_corpus(root, cache=store, **options)
    assert after.report.cache.startswith("stored in the cache"), after.report.cache
    _same(after, load_corpus(root, cache=False, **options))
    assert not after.docs.equals(before.docs) or change in ("version",)
    assert load_corpus(root, cache=store, **options).report.cache.startswith("read from the cache")
    if change != "options":  # one slot per corpus and options: a changed corpus replaces its entry
        assert len(list(store.glob(f"*{SUFFIX}"))) == 1


@pytest.mark.parametrize("piece", [None, 1024])
@pytest.mark.parametrize("damage", ["flipped byte", "truncated", "empty", "foreign"])
def test_a_damaged_entry_is_detected_and_rebuilt(tmp_path, store, damage, piece, monkeypatch):
    if piece is not None:  # the checksum's pieces, verified in parallel: a byte flipped in any of many
        monkeypatch.setattr(cache_module, "_PIECE", piece)
    root = _corpus(tmp_path / "corpus")
    load_corpus(root, cache=store)
    (entry,) = store.glob(f"*{SUFFIX}")
    data = bytearray(entry.read_bytes())
    if damage == "flipped byte":
        data[len(data) // 2] ^= 0xFF
        assert piece is None or len(data) > 4 * piece
    elif damage == "truncated":
        data = data[: len(data) // 2]
    elif damage == "empty":
        data = b""
    else:
        data = b"PAR1" + bytes(data[4:])
    entry.write_bytes(bytes(data))
    with pytest.raises(CacheError):
        read_snapshot(entry)
    again = load_corpus(root, cache=store)
    assert again.report.cache.startswith("stored in the cache") and "rebuilt" in again.report.cache
    _same(again, load_corpus(root, cache=False))
    assert load_corpus(root, cache=store).report.cache.startswith("read from the cache")


def test_inputs_changed_while_loading_are_not_stored(tmp_path, store, monkeypatch):
    import analysis.corpus.load as load_module

    root = _corpus(tmp_path / "corpus")
    real = load_module._load

    def load_then_edit(*args):
        corpus = real(*args)
        _corpus(root, ARTICLES[:2])
        return corpus

    monkeypatch.setattr(load_module, "_load", load_then_edit)
    corpus = load_corpus(root, cache=store)
    assert corpus.report.cache == "not stored: input files changed while they were read"
    assert not list(store.glob(f"*{SUFFIX}"))


def test_a_table_arrow_cannot_give_back_is_not_stored(tmp_path, store):
    root = _corpus(tmp_path / "corpus", [{"source": "عكاظ", "text": "خبر", "page": 3},
                                         {"source": "عكاظ", "text": "خبر آخر", "page": "A3"}])
    corpus = load_corpus(root, cache=store)
    assert corpus.report.cache.startswith("not stored: ")
    assert corpus.docs["page"].tolist() == [3, "A3"]
    assert not list(store.glob(f"*{SUFFIX}"))


_LOADER = """
import hashlib, sys
import pandas as pd
from analysis.corpus import load_corpus
corpus = load_corpus(sys.argv[1], cache=sys.argv[2])
print(hashlib.sha256(pd.util.hash_pandas_object(corpus.docs).values.tobytes()).hexdigest(), corpus.report.cache.split(" (")[0])
"""


def test_two_processes_loading_at_once_both_get_the_corpus(tmp_path, store):
    articles = [{"source": f"s{i % 3}", "text": f"نص رقم {i} عن العقوبات والمحادثات " * 20} for i in range(3000)]
    root = _corpus(tmp_path / "corpus", articles)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    runs = [subprocess.Popen([sys.executable, "-c", _LOADER, str(root), str(store)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=env) for _ in range(2)]
    outputs = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], [err for _, err in outputs]
    import hashlib

    expected = hashlib.sha256(pd.util.hash_pandas_object(load_corpus(root, cache=False).docs).values.tobytes()).hexdigest()
    assert [out.split()[0] for out, _ in outputs] == [expected, expected]
    assert not list(store.glob(".*.part"))  # no partial file left behind
    assert load_corpus(root, cache=store).report.cache.startswith("read from the cache")


def test_every_attribute_travels_in_a_snapshot_and_load_corpus_reads_it(tmp_path):
    root = _corpus(tmp_path / "corpus")
    chosen = select_documents(load_corpus(root, cache=False), "عقوبات")
    path = write_snapshot(chosen, tmp_path / f"story{SUFFIX}")
    back = load_corpus(path)
    _same(back, chosen)
    assert back.selection == chosen.selection and back.selection.counts.equals(chosen.selection.counts)
    assert back.report.cache == f"read from the snapshot {path}"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["أ", "ب", " ج "]), st.one_of(st.none(), st.text(max_size=30))),
                min_size=1, max_size=12))
def test_snapshots_give_back_what_was_loaded(tmp_path_factory, rows):
    folder = tmp_path_factory.mktemp("corpus")
    pd.DataFrame(rows, columns=["source", "text"]).to_csv(folder / "news.csv", index=False)
    corpus = load_corpus(folder, cache=False)
    back = read_snapshot(write_snapshot(corpus, folder.parent / f"{folder.name}{SUFFIX}"))
    _same(back, corpus)


def test_cli_no_cache_and_cache_clear(tmp_path, store, monkeypatch, capsys):
    monkeypatch.setenv("ARABIC_FRAMING_CACHE", str(store))
    root = _corpus(tmp_path / "corpus")
    assert main(["terms", "--corpus", str(root), "--no-cache", "--no-progress"]) == 0
    assert "cache: not used" in capsys.readouterr().err and not store.exists()
    assert main(["terms", "--corpus", str(root), "--no-progress"]) == 0
    assert main(["terms", "--corpus", str(root), "--no-progress"]) == 0
    assert "cache: read from the cache" in capsys.readouterr().err
    (store / "notes.txt").write_text("mine")
    assert main(["cache", "clear"]) == 0
    assert "removed 2 file(s)" in capsys.readouterr().err  # the corpus's entry and its token ids (terms asks for them)
    assert [p.name for p in store.iterdir()] == ["notes.txt"]  # only the cache's own files go
    assert main(["cache", "dir"]) == 0
    assert capsys.readouterr().out.strip() == str(store)
    assert clear_cache(tmp_path / "no-such-folder") == 0


@pytest.mark.shared
@pytest.mark.slow
def test_saudinewsnet_from_the_cache_equals_a_fresh_load(saudinewsnet, saudinewsnet_dir):
    fresh = saudinewsnet if saudinewsnet.report.cache.startswith("stored") else load_corpus(
        saudinewsnet_dir, progress=False, cache=False)  # the session's load, unless another test cached it first
    warm = load_corpus(saudinewsnet_dir, progress=False)
    assert warm.report.cache.startswith("read from the cache")
    _same(warm, fresh)
    assert len(warm.docs) == 30676


def test_token_ids_have_an_entry_of_their_own_that_is_checked_like_the_corpus(tmp_path, store):
    from analysis.terms import count_terms

    root = _corpus(tmp_path / "corpus")
    plain = load_corpus(root, cache=store)
    assert plain.tokens is None and len(list(store.glob(f"*{SUFFIX}"))) == 1  # frames and the rest never tokenize
    first = load_corpus(root, cache=store, token_ids=True)
    tokens = sorted(store.glob(f"*.tokens{SUFFIX}"))
    assert first.tokens is not None and len(tokens) == 1
    second = load_corpus(root, cache=store, token_ids=True)
    assert second.tokens.ids.equals(first.tokens.ids) and second.tokens.docs.equals(first.tokens.docs)
    assert count_terms(second, "source").equals(count_terms(load_corpus(root, cache=False), "source"))
    tokens[0].write_bytes(tokens[0].read_bytes()[:-40])  # damaged: rebuilt, never trusted
    again = load_corpus(root, cache=store, token_ids=True)
    assert again.tokens.ids.equals(first.tokens.ids)
    assert load_corpus(root, cache=False, token_ids=True).tokens is None  # without the cache, counting tokenizes
    _corpus(root, ARTICLES[:2])  # inputs changed: the old token ids do not describe the new corpus
    changed = load_corpus(root, cache=store, token_ids=True)
    assert changed.tokens.docs["doc_id"].tolist() == changed.docs["doc_id"].tolist()
    assert count_terms(changed).equals(count_terms(load_corpus(root, cache=False)))
    assert clear_cache(store) == 2  # one corpus entry and its token ids, replaced in place
