"""The search index (banana/index.py) on real SQLite: incremental updates, stemming,
query syntax, filters, concurrency and recovery from a killed indexer."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from banana.analysis import analyse
from banana.analysis import episode as episode_module
from banana.errors import EpisodeNotFound, IndexCorrupt, LibraryError, QueryError, ReadOnlyLibrary
from banana.library import Library
from banana.pipeline import store_episode
from banana.search import archive as archive_module
from banana.search import index as index_module
from banana.search.index import INDEX_FILE, MIGRATIONS, SCHEMA_VERSION, SearchIndex
from banana.search import ranking
from banana.search.ranking import Weights
from banana.search.query import MAX_QUERY_CHARS, MAX_QUERY_DEPTH, MAX_SCORED_TERMS, parse_query
from banana.transcript import Transcript, Utterance
from conftest import PRACTICAL_AI, need

REPO = Path(__file__).resolve().parent.parent


# 35 s a turn: each turn is a passage of its own (two would be over a passage's 60 s),
# so these tests see matching as it is for one piece of talk; passages of several
# short turns are tested in test_search_ranking.py.
TURN_SECONDS = 35.0


def episode(*turns: tuple[str, str], title: str = "", audio_url: str | None = None,
            seconds_per_turn: float = TURN_SECONDS) -> Transcript:
    """A transcript from (speaker, text) pairs, one turn every ``seconds_per_turn``."""
    utterances = [Utterance(start=i * seconds_per_turn, end=(i + 1) * seconds_per_turn,
                            text=text, speaker=speaker)
                  for i, (speaker, text) in enumerate(turns)]
    return Transcript.build(utterances, title=title, audio_url=audio_url)


ANNA, BEN = "Anna Alvarez", "Ben Brooks"

EPISODES = {
    "ep-1": episode(
        (ANNA, "Welcome to the show about bananas and gardening."),
        (BEN, "Today we explained how federated learning keeps data on your phone."),
        (ANNA, "Deep learning models need lots of data."),
        (BEN, "A banana split is a dessert, not a data split."),
        title="Federated bananas", audio_url="https://example.com/ep1.mp3"),
    "ep-2": episode(
        (BEN, "Deepfakes are made with generative models."),
        (ANNA, "Explaining a model to a regulator is hard."),
        (BEN, "Learning rates, learning curves, deep nets."),
        title="Deepfakes"),
    "ep-3": episode(
        (ANNA, "Reinforcement learning trains agents with rewards."),
        (ANNA, "The learning signal is sparse; exploration is the deep problem here."),
        title="Rewards"),
}


@pytest.fixture
def lib(library) -> Library:
    """The test's library with EPISODES saved (not yet indexed)."""
    lib = Library(library)
    for slug, transcript in EPISODES.items():
        lib.save(transcript, slug)
    return lib


@pytest.fixture
def ix(lib) -> SearchIndex:
    """EPISODES indexed: utterances only, so counts are exact (analysis is tested below).
    Every matching passage is a hit here, however close to another (``spread=1``):
    these tests are about what matches."""
    ix = SearchIndex(lib, analysis=False, weights=Weights(spread=1))
    ix.update()
    return ix


def where(results) -> list[tuple[str, int]]:
    return [(h.episode, h.turn) for h in results.hits]


# --- incremental updates ------------------------------------------------------------


def test_update_indexes_new_then_only_changes(lib):
    ix = SearchIndex(lib, analysis=False)
    first = ix.update()
    assert sorted(first.added) == ["ep-1", "ep-2", "ep-3"]
    assert (first.updated, first.removed, first.unchanged) == ([], [], 0)
    assert ix.stats()["passages"] == 9 and ix.stats()["episodes"] == 3
    assert ix.path == lib.root / INDEX_FILE

    again = ix.update()
    assert (again.added, again.updated, again.removed, again.unchanged) == ([], [], [], 3)

    # A changed episode is re-indexed: old words gone, new words found.
    lib.save(episode((BEN, "Now this episode is about quantum annealing.")), "ep-2")
    changed = ix.update()
    assert (changed.added, changed.updated, changed.unchanged) == ([], ["ep-2"], 2)
    assert ix.search("annealing").total == 1
    assert ix.search("deepfakes").total == 0
    assert ix.episode_counts("passage") == {"ep-1": 4, "ep-2": 1, "ep-3": 2}
    assert ix.episode_counts() == {"ep-1": 8, "ep-2": 2, "ep-3": 4}  # pieces and passages

    # Same bytes rewritten (new mtime): hashed, found unchanged, rows untouched.
    lib.save(EPISODES["ep-1"], "ep-1")
    rewritten = ix.update()
    assert rewritten.changed == 0 and rewritten.unchanged == 3

    # A removed episode is dropped with its rows.
    shutil.rmtree(lib.episode_dir("ep-3"))
    removed = ix.update()
    assert removed.removed == ["ep-3"]
    assert ix.search("reinforcement").total == 0
    assert ix.stats() == {"episodes": 2, "passages": 5, "pieces": 5, "segment": 0, "glossary": 0}
    ix.integrity_check()


def test_update_never_drops_an_episode_saved_while_it_ran(ix, lib, monkeypatch):
    # As if another process saved (and indexed) ep-3 after this update listed the library.
    monkeypatch.setattr(lib, "slugs", lambda: ["ep-1", "ep-2"])
    report = ix.update()
    assert report.removed == [] and ix.stats()["episodes"] == 3


def test_rebuild_reindexes_everything(ix):
    report = ix.update(rebuild=True)
    assert sorted(report.updated) == ["ep-1", "ep-2", "ep-3"]
    assert ix.stats()["passages"] == 9


def test_storing_an_episode_updates_the_index(library):
    lib = Library(library)
    store_episode(lib, episode((ANNA, "Pineapples on pizza are controversial.")), "pizza")
    assert [h.episode for h in SearchIndex(lib).search("pineapple").hits] == ["pizza"]
    store_episode(lib, episode((ANNA, "Anchovies on pizza are worse.")), "pizza")
    ix = SearchIndex(lib)
    assert ix.search("pineapple").total == 0 and ix.search("anchovies").total == 1
    assert ix.update().changed == 0  # store left nothing for `banana index` to do


def test_unreadable_episode_is_reported_and_others_indexed(lib):
    lib.transcript_path("ep-2").write_text("{ not json", encoding="utf-8")
    report = SearchIndex(lib, analysis=False).update()
    assert [slug for slug, _ in report.failed] == ["ep-2"]
    assert "invalid JSON" in report.failed[0][1]
    assert sorted(report.added) == ["ep-1", "ep-3"]


def test_fresh_index_is_migrated_and_wal(ix):
    with sqlite3.connect(ix.path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tokenizers = [sql for (sql,) in conn.execute(
            "SELECT sql FROM sqlite_master WHERE name LIKE '%_fts'")]
        stemmer = conn.execute("SELECT value FROM settings WHERE key = 'stemmer'").fetchone()
    assert len(tokenizers) == 3
    assert all("unicode61 remove_diacritics 2" in sql and "porter" not in sql for sql in tokenizers)
    assert stemmer == ("porter2",)  # stems are written in Python, exact words beside them


def test_a_schema_1_index_is_migrated_and_rebuilt_by_the_next_update(lib):
    with sqlite3.connect(lib.root / INDEX_FILE) as conn:  # what the previous Banana left
        for statement in MIGRATIONS[0]:
            conn.execute(statement)
        conn.execute("INSERT INTO episodes (slug, title, mtime_ns, size, sha256, indexed_at)"
                     " VALUES ('ep-1', 'old', 0, 0, 'x', 0)")
        conn.execute("INSERT INTO entries (id, start, end, text) VALUES (1, 0, 1, 'old words')")
        conn.execute("PRAGMA user_version = 1")
    conn.close()
    ix = SearchIndex(lib, analysis=False)
    assert ix.needs_building()  # migrated on opening: its old rows are gone
    report = ix.update()
    assert sorted(report.added) == ["ep-1", "ep-2", "ep-3"]
    assert ix.search("old words").total == 0 and ix.search("reinforcement").total == 1
    assert not ix.needs_building()
    ix.integrity_check()


def test_index_from_a_newer_banana_is_refused(ix):
    with sqlite3.connect(ix.path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(LibraryError, match="newer"):
        ix.search("banana")


def test_garbage_index_file_is_a_clear_error_that_suggests_rebuild(lib):
    (lib.root / INDEX_FILE).write_bytes(b"this is not a database" * 100)
    for action in (lambda ix: ix.update(), lambda ix: ix.search("banana"), lambda ix: ix.stats()):
        with pytest.raises(IndexCorrupt, match=r"is damaged \(file is not a database\); "
                                               r"rebuild it with `banana index --rebuild`"):
            action(SearchIndex(lib))


def _garbage_index(lib) -> dict[str, bytes]:
    """An index file (and -wal, -shm) of garbage; returns what was written, by suffix."""
    written = {"": b"this is not a database" * 100, "-wal": b"not a wal either", "-shm": b"shm"}
    for suffix, data in written.items():
        Path(f"{lib.root / INDEX_FILE}{suffix}").write_bytes(data)
    return written


def test_rebuild_sets_a_garbage_index_aside_and_builds_a_new_one(lib):
    written = _garbage_index(lib)
    ix = SearchIndex(lib, analysis=False)
    report = ix.update(rebuild=True)
    aside = report.set_aside
    assert aside.parent == lib.root and aside.name.startswith(f"{INDEX_FILE}.corrupt-")
    for suffix, data in written.items():  # moved whole, the -wal beside its file
        assert Path(f"{aside}{suffix}").read_bytes() == data
    assert sorted(report.added) == ["ep-1", "ep-2", "ep-3"] and report.failed == []
    assert ix.search("reinforcement").total == 1
    ix.integrity_check()
    assert ix.update(rebuild=True).set_aside is None  # a sound index stays where it is
    # Set aside twice in one second: the second does not overwrite the first.
    _garbage_index(lib)
    again = ix.update(rebuild=True).set_aside
    assert again != aside and again.exists() and aside.exists()


def test_rebuild_replaces_an_index_damaged_inside_fts5(ix, lib):
    # Damage only FTS5's own pages: SQLite's quick_check still says "ok", and
    # searches quietly find nothing; rebuilding trips over it and starts afresh.
    with sqlite3.connect(ix.path) as conn:
        conn.execute("UPDATE passages_fts_data SET block = zeroblob(10) WHERE id > 10")
        assert conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    conn.close()
    assert ix.search("learning").total == 0
    report = ix.update(rebuild=True)
    assert report.set_aside is not None and report.set_aside.exists()
    assert sorted(report.added) == ["ep-1", "ep-2", "ep-3"]
    assert ix.search("learning").total == 5
    ix.integrity_check()


def test_rebuild_sets_aside_an_index_with_a_damaged_page(ix, lib):
    ix.close()
    data = bytearray(ix.path.read_bytes())
    page = 4096
    assert len(data) > 4 * page
    data[2 * page:3 * page] = b"\xff" * page  # a b-tree page in the middle
    ix.path.write_bytes(bytes(data))
    report = ix.update(rebuild=True)
    assert report.set_aside is not None
    assert ix.search("learning").total == 5
    ix.integrity_check()


def _files(folder: Path) -> dict[str, str]:
    """name -> SHA-256 of every file in ``folder`` (not below)."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in folder.iterdir() if p.is_file()}


def test_read_only_index_searches_and_never_writes(ix, lib):
    ix.close()
    before = _files(lib.root)
    assert set(before) == {INDEX_FILE}  # closed cleanly: no -wal, no -shm
    ro = SearchIndex(lib, read_only=True)
    assert set(where(ro.search('"federated learning"'))) == {("ep-1", 1)}
    assert ro.stats()["episodes"] == 3
    with pytest.raises(ReadOnlyLibrary, match=r"is read-only: cannot update its search index"):
        ro.update()
    with pytest.raises(ReadOnlyLibrary, match="read-only"):
        ro.update_episode("ep-1")
    ro.close()
    assert _files(lib.root) == before  # no WAL switch, no -shm, no migration


def test_read_only_index_of_an_older_schema_is_not_migrated(ix, lib):
    with sqlite3.connect(ix.path) as conn:
        conn.execute("PRAGMA user_version = 0")
    conn.close()
    ix.close()
    before = _files(lib.root)
    with pytest.raises(ReadOnlyLibrary, match=r"older Banana \(schema 0, now 3\).*cannot be upgraded"):
        SearchIndex(lib, read_only=True).search("banana")
    assert _files(lib.root) == before


def test_read_only_index_while_a_writer_has_it_open(ix, lib):
    # The owner's process holds the index (its -wal and -shm exist): a read-only
    # reader shares them instead of opening the file immutable, and sees commits.
    with ix.connect() as writer:
        writer.execute("SELECT count(*) FROM episodes").fetchone()
        assert Path(f"{ix.path}-shm").exists()
        ro = SearchIndex(lib, read_only=True)
        assert ro.search("pineapple").total == 0
        store_episode(lib, episode((ANNA, "Pineapple.")), "ep-4")
        assert ro.search("pineapple").total == 1
        ro.close()


# --- matching and ranking -------------------------------------------------------------


@pytest.mark.parametrize("query, expected", [
    ("explaining", [("ep-2", 1), ("ep-1", 1)]),  # explaining ~ explained
    ("explained", [("ep-2", 1), ("ep-1", 1)]),
    ("models", [("ep-2", 0), ("ep-1", 2), ("ep-2", 1)]),  # model ~ models
    ("curve", [("ep-2", 2)]),
])
def test_stemming(ix, query, expected):
    assert sorted(where(ix.search(query))) == sorted(expected)


@pytest.mark.parametrize("query, expected", [
    ('"federated learning"', {("ep-1", 1)}),
    ('"learning federated"', set()),
    ("federated learning", {("ep-1", 1)}),
    ("deep*", {("ep-1", 2), ("ep-2", 0), ("ep-2", 2), ("ep-3", 1)}),  # deep, deepfakes
    ("deep", {("ep-1", 2), ("ep-2", 2), ("ep-3", 1)}),
    ('"deep learn"*', {("ep-1", 2)}),
    ("banana AND data", {("ep-1", 3)}),
    ("banana OR rewards", {("ep-1", 0), ("ep-1", 3), ("ep-3", 0)}),
    ("learning NOT deep", {("ep-1", 1), ("ep-3", 0)}),
    ("learning NOT (deep OR federated)", {("ep-3", 0)}),
    ("(banana OR reinforcement) learning", {("ep-3", 0)}),
    ("and", {("ep-1", 0)}),  # lower-case operators are words
    ("self-driving", set()),
])
def test_phrase_prefix_boolean(ix, query, expected):
    results = ix.search(query, limit=50)
    assert set(where(results)) == expected
    assert results.total == len(expected)
    assert results.note is None


def test_filters(ix):
    assert {h.speaker for h in ix.search("learning", speaker="anna").hits} == {ANNA}
    assert {h.speaker for h in ix.search("learning", speaker="BROOKS").hits} == {BEN}
    assert ix.search("learning", speaker="nobody").total == 0
    assert ix.search("learning", speaker="%").total == 0  # LIKE wildcards are literal
    assert {h.episode for h in ix.search("learning", episode="ep-3").hits} == {"ep-3"}
    assert ix.search("learning", episode="ep-3", speaker="ben").total == 0
    with pytest.raises(EpisodeNotFound, match="no episode 'ep-99'"):
        ix.search("learning", episode="ep-99")
    with pytest.raises(QueryError, match="--in"):
        ix.search("learning", within="everything")
    assert ix.search("learning", within="glossary").total == 0  # no analysis rows here


def test_hit_fields_snippet_and_url(ix):
    results = ix.search('"federated learning"')
    (hit,) = results.hits
    assert (hit.episode, hit.title, hit.speaker, hit.start, hit.end, hit.turn) == (
        "ep-1", "Federated bananas", BEN, 35.0, 70.0, 1)
    assert (hit.passage_start, hit.passage_end) == (35.0, 70.0)
    assert hit.timestamp == "00:00:35"
    assert hit.url == "https://example.com/ep1.mp3#t=35"
    assert "**federated learning**" in hit.snippet  # phrase highlighted as one run
    assert list(results.to_dict()) == ["query", "total", "any_words", "results"]
    assert list(results.to_dict()["results"][0]) == [
        "episode", "title", "speaker", "start", "end", "passage_start", "passage_end",
        "snippet", "url"]
    assert ix.search("deepfakes").hits[0].url is None  # no audio URL, no link


def test_limit_and_total(ix):
    results = ix.search("learning", limit=2)
    assert len(results.hits) == 2 and results.total == 5
    with pytest.raises(QueryError):
        ix.search("learning", limit=0)


def test_at_most_three_hits_per_episode_unless_searching_one(library):
    lib = Library(library)
    lib.save(episode(*[(ANNA, f"Mango fact number {i}.") for i in range(5)]), "mangoes")
    lib.save(episode((BEN, "A mango, once.")), "other")
    SearchIndex(lib, analysis=False).update()
    ix = SearchIndex(lib, weights=Weights(spread=1))  # every passage may be a hit
    everywhere = ix.search("mango")
    assert [h.episode for h in everywhere.hits] == ["mangoes"] * 3 + ["other"]
    assert everywhere.total == 6
    assert len(ix.search("mango", episode="mangoes").hits) == 5
    # By default two hits of one episode are five passages apart (one per discussion),
    # unless the search is within the episode.
    spread = SearchIndex(lib).search("mango")
    assert [(h.episode, h.turn) for h in spread.hits] == [("mangoes", 0), ("other", 0)]
    assert len(SearchIndex(lib).search("mango", episode="mangoes").hits) == 5


def test_searches_reuse_a_connection_and_see_new_commits(ix, lib):
    assert ix.search("pineapple").total == 0
    store_episode(lib, episode((ANNA, "Pineapple.")), "ep-4")  # another connection commits
    assert ix.search("pineapple").total == 1
    ix.close()
    assert ix.search("pineapple").total == 1


def test_huge_result_sets_rank_only_the_first_matches(ix, monkeypatch):
    monkeypatch.setattr(archive_module, "MAX_RANKED", 2)
    results = ix.search("learning", limit=10)
    assert results.total == 5  # counted in full
    assert len(results.hits) == 2 and "ranked the first 2" in results.note


def test_episode_that_is_about_the_query_ranks_first(library, monkeypatch):
    lib = Library(library)
    # One passing mention in a short turn (which bm25 alone would favour) ...
    lib.save(episode((ANNA, "Quantum computing!"), (BEN, "Anyway, back to cooking.")), "cooking")
    # ... against an episode that is about it.
    lib.save(episode(*[(BEN, f"Quantum computing point {i}: qubits decohere, so error "
                             f"correction matters for quantum computing at scale.")
                       for i in range(12)]), "quantum")
    ix = SearchIndex(lib, analysis=False)
    ix.update()
    assert ix.search("quantum computing").hits[0].episode == "quantum"
    bm25_alone = SearchIndex(lib, weights=Weights(episode=0.0, episode_text=0.0, proximity=0.0))
    assert bm25_alone.search("quantum computing").hits[0].episode == "cooking"  # gets it wrong


# --- query syntax ------------------------------------------------------------------------


@pytest.mark.parametrize("query, fts", [
    ("deep learning", '("deep" AND "learning")'),
    ('"deep learning"', '"deep learning"'),
    ("deep*", '"deep"*'),
    ("a OR b c", '("a" OR ("b" AND "c"))'),
    ("a NOT b", '("a" NOT "b")'),
    ('say "hi"" there', None),  # unbalanced quote -> plain words
])
def test_parse_query(query, fts):
    parsed = parse_query(query)
    if fts is None:
        assert parsed.note and "plain words" in parsed.note
    else:
        assert parsed.fts == fts and parsed.note is None


@pytest.mark.parametrize("query, words, reason", [
    ('"deep learning', '("deep" AND "learning")', "unbalanced quote"),
    ("deep AND", '"deep"', "ends with an operator"),
    ("AND", '"AND"', "needs a word on each side"),
    ("NEAR(", '"NEAR"', "NEAR(...) is not supported"),
    ("NEAR(deep learning, 5)", '("deep" AND "learning")', "NEAR(...) is not supported"),
    ("deep (", '"deep"', "unbalanced parenthesis"),
    ("deep )", '"deep"', "unbalanced parenthesis"),
    ("a OR OR b", '("a" AND "b")', "needs a word on each side"),
    ("de*ep", '("de" AND "ep")', "'*'"),
])
def test_malformed_queries_fall_back_to_plain_words(query, words, reason):
    parsed = parse_query(query)
    assert parsed.fts == words
    assert reason in parsed.note


@pytest.mark.parametrize("query, message", [
    ("*", "nothing to search for"),
    ("  ", "nothing to search for"),
    ('"" ()', "nothing to search for"),
    ("NOT deep", "NOT needs a word on its left"),
])
def test_queries_that_are_rejected(query, message):
    with pytest.raises(QueryError, match=message):
        parse_query(query)


@pytest.mark.parametrize("query", [
    "(" * 300 + "deep" + ")" * 300,  # a RecursionError before the bound
    "(" * 300 + "deep",  # unbalanced too: still refused, not searched as words
    "(" * (MAX_QUERY_DEPTH + 1) + "deep" + ")" * (MAX_QUERY_DEPTH + 1),
])
def test_deeply_nested_query_is_a_one_line_error(ix, query):
    with pytest.raises(QueryError, match=rf"nested \d+ deep; the most is {MAX_QUERY_DEPTH}$"):
        ix.search(query)


def test_nesting_up_to_the_bound_is_searched(ix):
    query = "learning"
    for level in range(MAX_QUERY_DEPTH):  # alternate operators, so nothing flattens
        query = f"(deep {'OR ' if level % 2 else ''}{query})"
    assert set(where(ix.search(query, limit=50))) == {("ep-1", 2), ("ep-2", 2), ("ep-3", 1)}


def test_over_long_query_is_refused_without_quoting_it_back(ix):
    query = "banana " * (MAX_QUERY_CHARS // 7 + 1)
    with pytest.raises(QueryError) as caught:
        ix.search(query)
    message = str(caught.value)
    assert message == (f"the query is {len(query):,} characters long; the most is "
                       f"{MAX_QUERY_CHARS:,}: search for a few distinctive words")
    assert ix.search("banana " * (MAX_QUERY_CHARS // 7)).total == 2  # under the cap: searched


def test_many_nots_are_one_flat_exclusion(ix):
    # 200 NOTs nested one level each overflowed FTS5's parser ("parser stack overflow").
    query = "learning " + " ".join(f"NOT w{i}" for i in range(200)) + " NOT deep"
    assert len(query) < MAX_QUERY_CHARS
    assert set(where(ix.search(query, limit=50))) == {("ep-1", 1), ("ep-3", 0)}


@pytest.mark.parametrize("query, fts", [
    ("the " * 200, '"the"'),  # 200 phrases "the": each row's instances merged 200 ways
    ("Banana banana BANANA split", '("Banana" AND "split")'),  # case folds as FTS5 does
    ("deep deep* deep", '("deep" AND "deep"*)'),  # a prefix is another term
    ("a OR b OR a OR (b)", '("a" OR "b")'),
    ("(x y) (X Y) z", '(("x" AND "y") AND "z")'),
    ('"deep learning" "Deep Learning"', '"deep learning"'),
])
def test_repeated_terms_are_searched_once(query, fts):
    assert parse_query(query).fts == fts


def _pseudo_word(n: int) -> str:
    """Words that the Porter stemmer leaves alone and that are all different."""
    return "k" + "".join("bdfgkmptvz"[int(d)] for d in str(n)) + "oq"


def test_long_plain_query_matches_exactly_and_scores_only_a_few_terms(library):
    # Ten utterances of 120 distinct words each, overlapping, so a 200-word query
    # (under the character cap) matches some utterances and not others.
    lib = Library(library)
    vocabulary = [_pseudo_word(n) for n in range(400)]
    texts = [" ".join(vocabulary[start:start + 120]) for start in range(0, 200, 20)]
    lib.save(episode(*[(ANNA, text) for text in texts]), "long")
    # Every word here is in most passages: require them all, as a query of rare words would.
    ix = SearchIndex(lib, analysis=False, weights=Weights(frequent_share=1.0, spread=1))
    ix.update()
    for first, count, repeat in [(0, 120, 1), (20, 100, 2), (40, 60, 3), (0, 140, 1)]:
        words = vocabulary[first:first + count] * repeat
        query = " ".join(words[:200])
        assert len(query) <= MAX_QUERY_CHARS
        expected = {("long", turn) for turn, text in enumerate(texts)
                    if set(query.split()) <= set(text.split())}
        results = ix.search(query, limit=50)
        # The passages with every word first, then (fewer than asked for) those with some.
        assert set(where(results)[:len(expected)]) == expected
        rest = where(results)[len(expected):]  # after them, passages with some of the words
        assert all(set(query.split()) & set(texts[turn].split()) for _, turn in rest)
        assert results.any_words == bool(rest)
        assert results.total == len(expected) + len(rest)
        parsed = parse_query(query)
        assert parsed.fts.count('"') // 2 == len(set(query.split()))  # matched on all
        if len(set(query.split())) > MAX_SCORED_TERMS:
            assert parsed.rank_fts.count('"') // 2 == MAX_SCORED_TERMS  # scored on a few
        assert all("**" in h.snippet for h in results.hits)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(list('ab "*()-:^+~é_') + ["AND", "OR", "NOT", "NEAR", " AND ",
                                                         " OR ", " NOT ", "deep", "learn*"]),
                max_size=12).map("".join)
       | st.text(max_size=30))
def test_any_query_is_searched_or_rejected_never_an_sqlite_error(ix, query):
    try:
        results = ix.search(query)
    except QueryError as exc:
        assert "\n" not in str(exc)
        assert "fts5" not in str(exc).lower()
    else:
        assert results.total >= len(results.hits)


# --- analysis rows (segments, glossary) -------------------------------------------------------


def test_segments_and_glossary_from_analysis(library):
    lib = Library(library)
    transcript = EPISODES["ep-1"]
    lib.save(transcript, "ep-1")
    SearchIndex(lib).update()
    result = analyse(transcript)
    stats = SearchIndex(lib).stats()
    assert stats["pieces"] == len(transcript.utterances)
    assert stats["segment"] == sum(1 for s in result.segments if s.title.strip()) > 0
    assert stats["glossary"] == sum(1 for g in result.glossary if g.term.strip())
    for segment in result.segments:
        hits = SearchIndex(lib).search(f'"{segment.title}"', within="segments").hits
        assert any((h.start, h.turn) == (segment.start, segment.first_turn) for h in hits)
    for entry in result.glossary[:3]:
        hits = SearchIndex(lib).search(f'"{entry.term}"', within="glossary").hits
        assert any(h.start == pytest.approx(entry.start) for h in hits)


# --- big episodes ----------------------------------------------------------------------------


def test_big_episode_is_written_in_chunks_with_progress(library, monkeypatch):
    monkeypatch.setattr(index_module, "INSERT_CHUNK_ROWS", 10)
    lib = Library(library)
    lib.save(episode(*[(ANNA, f"Mango fact number {i}.") for i in range(35)]
                     + [(BEN, "   ")]), "mangoes")  # a blank turn is not an entry
    lib.save(episode((BEN, "A mango, once.")), "small")
    calls = []
    report = SearchIndex(lib, analysis=False).update(
        entry_progress=lambda slug, done, total: calls.append((slug, done, total)))
    # Reported as each chunk is written; an episode of one chunk or less is not.
    assert calls == [("mangoes", n, 70) for n in (0, 10, 20, 30, 40, 50, 60, 70)]  # 35 + 35
    assert report.by_kind["pieces"] == 36
    assert SearchIndex(lib).episode_counts("piece") == {"mangoes": 35, "small": 1}
    SearchIndex(lib).integrity_check()


def test_episode_analysis_refuses_is_indexed_without_it_and_not_retried(library, monkeypatch):
    lib = Library(library)
    lib.save(EPISODES["ep-1"], "small")
    lib.save(EPISODES["ep-1"].replace(title="Too long"), "big")
    words = EPISODES["ep-1"].word_count
    monkeypatch.setattr(episode_module, "MAX_ANALYSED_WORDS", words - 1)  # both too long
    ix = SearchIndex(lib)
    report = ix.update()
    assert [slug for slug, _ in report.unanalysed] == ["big", "small"]
    assert f"{words:,} words" in report.unanalysed[0][1]
    assert sorted(report.added) == ["big", "small"] and report.failed == []
    assert ix.update().changed == 0  # as analysed as they will be: not read again

    monkeypatch.setattr(episode_module, "MAX_ANALYSED_WORDS", words)
    lib.save(EPISODES["ep-1"].replace(title="Small again"), "small")
    report = ix.update()
    assert report.updated == ["small"] and report.unanalysed == []
    counts = ix.episode_counts("segment")
    assert counts["big"] == 0 and counts["small"] > 0
    assert ix.episode_counts("piece") == {"big": 4, "small": 4}
    assert ix.search('"federated learning"').total == 2


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 50), max_size=30), st.integers(-5, 60))
def test_turn_finder_matches_the_linear_scan(starts, seconds):
    transcript = Transcript(tuple(Utterance(start=s, end=s + 1, text="x") for s in starts))
    expected = None
    for turn, u in enumerate(transcript.utterances):  # the scan it replaces
        if u.start <= seconds + 1e-6:
            expected = turn
        else:
            break
    assert index_module._turn_finder(transcript)(seconds) == expected


# --- concurrency and faults ------------------------------------------------------------------

SEARCHER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from banana.library import Library
    from banana.search.index import SearchIndex
    stop = Path(sys.argv[1])
    ix = SearchIndex(Library())
    searches = 0
    while not stop.exists():
        ix.search("banana OR import*", limit=5)
        ix.search('"shared words"', speaker="writer")
        searches += 2
    print(searches)
""")


def _run_env(library: Path) -> dict[str, str]:
    env = dict(os.environ, BANANA_LIBRARY=str(library), PYTHONPATH=str(REPO))
    env.pop("BANANA_DEBUG", None)
    return env


def test_two_importers_and_a_searcher_run_concurrently(library, tmp_path):
    per_writer = 25
    batches = []
    for writer in ("a", "b"):
        folder = tmp_path / writer
        folder.mkdir()
        for n in range(per_writer):
            t = episode(*[(f"Writer {writer}", f"Turn {k} of import {n}: banana shared words "
                                               f"number {k * n} from writer {writer}.")
                          for k in range(30)], title=f"{writer} {n}")
            (folder / f"{writer}-{n}.json").write_text(t.to_json(), encoding="utf-8")
        batches.append(sorted(folder.glob("*.json")))
    env = _run_env(library)
    stop = tmp_path / "stop"
    searcher = subprocess.Popen([sys.executable, "-c", SEARCHER, str(stop)], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    importers = [subprocess.Popen([sys.executable, "-m", "banana", "import", *map(str, files)],
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for files in batches]
    outputs = [p.communicate(timeout=120) for p in importers]
    stop.touch()
    search_out, search_err = searcher.communicate(timeout=60)
    for p, (out, err) in zip(importers, outputs):
        assert p.returncode == 0, err
        assert len(out.split()) == per_writer
    assert searcher.returncode == 0, search_err
    assert int(search_out) > 0

    ix = SearchIndex(Library(library))
    ix.integrity_check()
    assert ix.stats()["episodes"] == 2 * per_writer
    assert ix.stats()["pieces"] == 2 * per_writer * 30
    assert ix.update().changed == 0  # nothing left for `banana index` to do
    assert ix.search('"shared words"', speaker="writer b").total == per_writer * 30


def _episode_count(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return conn.execute("SELECT count(*) FROM episodes").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0


def test_killed_indexer_leaves_an_index_that_banana_index_repairs(library, cli):
    lib = Library(library)
    total, turns = 150, 20
    words = "model data banana learning federated deep neural podcast episode".split()
    for n in range(total):
        lib.save(episode(*[("Host" if k % 2 else "Guest",
                            " ".join(words[(n + k + j) % len(words)] for j in range(20)))
                           for k in range(turns)]), f"ep-{n}")
    proc = subprocess.Popen([sys.executable, "-m", "banana", "index"], env=_run_env(library),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    db = library / INDEX_FILE
    deadline = time.monotonic() + 60
    while _episode_count(db) < total // 5 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL

    ix = SearchIndex(lib)
    partial = ix.stats()["episodes"]
    assert total // 5 <= partial < total, "the indexer finished before it could be killed"
    ix.integrity_check()  # consistent already: each indexed episode has all its rows

    result = cli("index")
    assert result.exit_code == 0, result.output
    assert f"{total - partial} added" in result.output
    ix.integrity_check()
    assert ix.stats()["episodes"] == total == len(lib.slugs())
    assert ix.episode_counts("piece") == {slug: turns for slug in lib.slugs()}


# --- the Practical AI corpus -----------------------------------------------------------------

# Every episode that mentions federated learning (grep -il), plus three that do not;
# `python bench/bench_search.py` checks the ranking on all 299.
FEDERATED = ["practical-ai-153", "practical-ai-160"]  # the two episodes about it
CORPUS_SUBSET = FEDERATED + [f"practical-ai-{n}" for n in (
    1, 61, 69, 71, 97, 105, 110, 155, 161, 191, 272, 273)]


@pytest.fixture(scope="module")
def practical_ai(tmp_path_factory) -> SearchIndex:
    """The subset imported once per module with `banana --library DIR import FILES...`."""
    from click.testing import CliRunner

    from banana.cli import main

    need(PRACTICAL_AI)
    folder = tmp_path_factory.mktemp("practical-ai")
    files = [str(PRACTICAL_AI / f"{slug}.md") for slug in CORPUS_SUBSET]
    result = CliRunner().invoke(main, ["--library", str(folder), "import", *files],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return SearchIndex(Library(folder))


def test_practical_ai_federated_learning_episode_ranks_first(practical_ai):
    results = practical_ai.search("federated learning")
    assert results.hits[0].episode in FEDERATED
    # Both episodes' best moments (three each) come before any passing mention.
    assert {h.episode for h in results.hits[:6]} == set(FEDERATED)
    assert "**federated learning**" in results.hits[0].snippet.lower()


def test_practical_ai_stemming_and_speaker(practical_ai):
    hits = practical_ai.search("explaining", limit=50).hits
    assert any("**explained**" in h.snippet.lower() for h in hits)
    chris = practical_ai.search("federated learning", speaker="Chris Benson", limit=20)
    assert chris.total > 0 and {h.speaker for h in chris.hits} == {"Chris Benson"}
    everyone = practical_ai.search("federated learning", limit=20)
    assert not chris.any_words and chris.total < everyone.total
    assert len({h.speaker for h in everyone.hits}) > 1


def test_index_module_has_no_cli_imports():
    source = Path(index_module.__file__).read_text(encoding="utf-8")
    assert "import click" not in source and "import rich" not in source and "print(" not in source
    json.dumps(index_module.__all__)


# --- stems and their counts ---------------------------------------------------------------------


def test_a_schema_2_index_gets_its_stem_counts_by_the_next_update(ix, lib):
    with sqlite3.connect(ix.path) as conn:  # as schema 2 left it: no stem counts
        conn.execute("DROP TABLE stem_docs")
        conn.execute("PRAGMA user_version = 2")
    conn.close()
    ix.close()
    report = SearchIndex(lib, analysis=False).update()  # migrates, then indexes again
    assert sorted(report.added) == ["ep-1", "ep-2", "ep-3"]
    ix.integrity_check()  # the counts match the passages
    with sqlite3.connect(ix.path) as conn:
        assert conn.execute("SELECT docs FROM stem_docs WHERE term = 'learn'").fetchone() == (5,)
    conn.close()


def test_stem_counts_follow_episodes_in_and_out(ix, lib):
    lib.save(episode((BEN, "Learning about learning, then more learning.")), "ep-4")
    ix.update()
    ix.integrity_check()
    shutil.rmtree(lib.episode_dir("ep-1"))
    lib.save(episode((ANNA, "Nothing here.")), "ep-2")
    ix.update()
    ix.integrity_check()


def test_another_stemmer_indexes_every_episode_again(lib):
    SearchIndex(lib, analysis=False, stemmer="plural").update()
    assert SearchIndex(lib).search("explaining").total == 1  # "explained" is not a plural
    # One episode stored with another stemmer: the others are marked to be indexed again...
    SearchIndex(lib, analysis=False, stemmer="porter2").update_episode("ep-1")
    report = SearchIndex(lib, analysis=False).update()
    assert sorted(report.updated) == ["ep-2", "ep-3"]  # ... and are, by the next update
    assert SearchIndex(lib).search("explaining").total == 2
    SearchIndex(lib).integrity_check()


def test_a_long_lived_archive_counts_the_passages_other_writers_add(ix, lib):
    """A server's archive keeps the passage count (the rarity of every word depends on
    it) between searches, and counts again once another connection has committed."""
    reader = archive_module.Archive(lib.root)
    reader.search("banana")
    conn = reader._reader()
    before = reader._passage_count(conn)
    assert before == ranking.passage_count(conn) == ix.stats()["passages"]
    store_episode(lib, episode((ANNA, "Pineapples."), (BEN, "More pineapples.")), "ep-9")
    assert reader._passage_count(conn) == ranking.passage_count(conn) == before + 2
