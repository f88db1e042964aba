"""The search index's tables, and how their row ids are laid out.

Schema 3 (migrations 2 and 3 replace the earlier schemas' rows: the next ``banana
index`` builds them again from the library):

* ``episodes``: one row per episode, with the file state that decides whether it must
  be indexed again, and its episode-level text: ``title``, ``people`` (speakers and the
  guests the intro names) and ``topics`` (segment and chapter titles, glossary terms,
  names mentioned), with ``stems`` of title and topics. ``episodes_fts`` indexes them.
* ``pieces``: what was said, one row per utterance (a long one cut at sentence ends
  into pieces of at most ``PIECE_MAX_SECONDS``): speaker, start and end, and where its
  text lies in its passage's text.
* ``passages``: consecutive pieces making up ``PASSAGE_MIN_SECONDS`` to
  ``PASSAGE_MAX_SECONDS`` of talk, never crossing a segment boundary: the unit a search
  ranks. ``words`` is their plain text, ``stems`` the same words stemmed (one stem per
  word, so phrases line up), ``who`` their speakers; ``passages_fts`` indexes the three
  (``words`` and ``who`` unstemmed).
* ``entries``: segment titles and glossary entries, for ``--in segments|glossary``,
  with ``entries_fts`` over their text and stems.
* ``stem_docs``: how many passages hold each stem (a query's common words, and the
  rarity of its words, without walking FTS5's doclists).
* ``settings``: ``stemmer``, the stemmer every ``stems`` column was written with.

Row ids: ``episode id << EPISODE_SHIFT | position`` in ``pieces`` and ``passages``;
``entries`` put a kind code above the position (``KIND_SHIFT``). So an episode owns one
id range in every table, and a hit's episode is its id shifted, without a join.
"""

from __future__ import annotations

INDEX_FILE = "index.sqlite3"

EPISODE_SHIFT = 21  # positions below: up to 2**21 pieces or passages in one episode
KIND_SHIFT = 19  # entries: up to 2**19 entries of one kind per episode, kind code above
KIND_CODES = {"segment": 1, "glossary": 2}  # (0 was the utterance, in schema 1)

TOKENIZER = "unicode61 remove_diacritics 2"


def _external_fts(table: str, columns: tuple[str, ...]) -> list[str]:
    """An FTS5 index over ``columns`` of ``table`` (external content), kept in sync by
    triggers: insert, delete, and an update of an indexed column."""
    cols = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    fts = f"{table}_fts"
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5({cols}, content='{table}', content_rowid='id', "
        f"tokenize='{TOKENIZER}')",
        f"CREATE TRIGGER {table}_ai AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new}); END",
        f"CREATE TRIGGER {table}_ad AFTER DELETE ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old}); END",
        f"CREATE TRIGGER {table}_au AFTER UPDATE OF {cols} ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old}); "
        f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new}); END",
    ]


PIECES = """CREATE TABLE pieces (
            id INTEGER PRIMARY KEY,
            turn INTEGER NOT NULL,
            speaker TEXT,
            start REAL NOT NULL,
            end REAL NOT NULL,
            offset INTEGER NOT NULL,
            length INTEGER NOT NULL
        )"""
PASSAGES = """CREATE TABLE passages (
            id INTEGER PRIMARY KEY,
            first_piece INTEGER NOT NULL,
            last_piece INTEGER NOT NULL,
            start REAL NOT NULL,
            end REAL NOT NULL,
            words TEXT NOT NULL,
            stems TEXT NOT NULL,
            who TEXT NOT NULL
        )"""
ENTRIES = """CREATE TABLE entries (
            id INTEGER PRIMARY KEY,
            speaker TEXT,
            start REAL NOT NULL,
            end REAL NOT NULL,
            first_turn INTEGER,
            last_turn INTEGER,
            text TEXT NOT NULL,
            stems TEXT NOT NULL
        )"""


# Each migration is a list of statements; never edit one that has shipped, append.
MIGRATIONS: list[list[str]] = [
    # 1: episodes, entries, and an external-content FTS5 index kept in sync by triggers.
    [
        """CREATE TABLE episodes (
            id INTEGER PRIMARY KEY,
            slug TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL,
            audio_url TEXT,
            mtime_ns INTEGER NOT NULL,
            size INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            analysed INTEGER NOT NULL DEFAULT 0,
            entries INTEGER NOT NULL DEFAULT 0,
            indexed_at REAL NOT NULL
        )""",
        # id = episode id << EPISODE_SHIFT | kind code << KIND_SHIFT | position: an
        # FTS hit's episode and kind come from its rowid without a join.
        """CREATE TABLE entries (
            id INTEGER PRIMARY KEY,
            speaker TEXT,
            start REAL NOT NULL,
            end REAL NOT NULL,
            first_turn INTEGER,
            last_turn INTEGER,
            text TEXT NOT NULL
        )""",
        """CREATE VIRTUAL TABLE entries_fts USING fts5(
            text, content='entries', content_rowid='id', tokenize='porter unicode61'
        )""",
        """CREATE TRIGGER entries_ai AFTER INSERT ON entries BEGIN
            INSERT INTO entries_fts(rowid, text) VALUES (new.id, new.text);
        END""",
        """CREATE TRIGGER entries_ad AFTER DELETE ON entries BEGIN
            INSERT INTO entries_fts(entries_fts, rowid, text) VALUES ('delete', old.id, old.text);
        END""",
    ],
    # 2: passages ranked instead of single utterances, exact words beside stems, the
    # episode-level text (title, people, topics). The schema-1 tables go; every
    # episode is indexed again by the next update.
    [
        "DROP TRIGGER IF EXISTS entries_ai",
        "DROP TRIGGER IF EXISTS entries_ad",
        "DROP TABLE IF EXISTS entries_fts",
        "DROP TABLE IF EXISTS entries",
        "DROP TABLE IF EXISTS episodes",
        "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        """CREATE TABLE episodes (
            id INTEGER PRIMARY KEY,
            slug TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL,
            audio_url TEXT,
            mtime_ns INTEGER NOT NULL,
            size INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            analysed INTEGER NOT NULL DEFAULT 0,
            pieces INTEGER NOT NULL DEFAULT 0,
            passages INTEGER NOT NULL DEFAULT 0,
            entries INTEGER NOT NULL DEFAULT 0,
            indexed_at REAL NOT NULL,
            people TEXT NOT NULL DEFAULT '',
            topics TEXT NOT NULL DEFAULT '',
            stems TEXT NOT NULL DEFAULT ''
        )""",
        *_external_fts("episodes", ("title", "people", "topics", "stems")),
        PIECES,
        PASSAGES,
        *_external_fts("passages", ("words", "stems", "who")),
        "CREATE VIRTUAL TABLE passages_vocab USING fts5vocab(passages_fts, 'col')",
        ENTRIES,
        *_external_fts("entries", ("text", "stems")),
    ],
    # 3: how many passages hold each stem, kept as passages come and go: a query's
    # common words are known without walking their doclists (fts5vocab does, ~20 ms for
    # a word in most of 177,000 passages). The schema-2 rows go (their stems were never
    # counted); the next update indexes every episode again.
    [
        *(f"DROP TRIGGER IF EXISTS {table}_{event}" for table in ("episodes", "passages", "entries")
          for event in ("ai", "ad", "au")),
        *(f"DROP TABLE IF EXISTS {table}" for table in (
            "passages_vocab", "passages_fts", "episodes_fts", "entries_fts", "passages", "pieces",
            "entries")),
        "DELETE FROM episodes",
        *_external_fts("episodes", ("title", "people", "topics", "stems")),
        PIECES,
        PASSAGES,
        *_external_fts("passages", ("words", "stems", "who")),
        ENTRIES,
        *_external_fts("entries", ("text", "stems")),
        "CREATE TABLE stem_docs (term TEXT PRIMARY KEY, docs INTEGER NOT NULL) WITHOUT ROWID",
    ],
]

SCHEMA_VERSION = len(MIGRATIONS)


def id_range(episode_id: int) -> tuple[int, int]:
    """The first and last row id an episode can own, in every table."""
    return episode_id << EPISODE_SHIFT, ((episode_id + 1) << EPISODE_SHIFT) - 1


def row_id(episode_id: int, position: int) -> int:
    return (episode_id << EPISODE_SHIFT) | position


def entry_id(episode_id: int, kind: str, position: int) -> int:
    return (episode_id << EPISODE_SHIFT) | (KIND_CODES[kind] << KIND_SHIFT) | position
