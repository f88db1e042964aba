"""Show profiles: a show's name, hosts and recurring segments with their cue phrases.

A profile is a TOML file::

    [show]
    name = "Practical AI"
    hosts = ["Daniel Whitenack", "Chris Benson"]

    [segments.resources]          # the key is the segment's kind
    title = "Learning resources"
    cues = ["learning resources"] # phrases that open the segment

Optional keys of a segment table (all have defaults):

``end_cues``
    phrases that close the segment; the turn that says one still belongs to it.
``next_cues``
    phrases that open what *follows* the segment (the turn that says one does not
    belong to it), e.g. "let's dive in" after an intro.
``position``
    where the segment lives: ``"start"``, ``"end"`` or ``"any"`` (default).
``max_words``
    the longest the segment runs when no end cue or next segment stops it earlier.
``explains``
    ``true`` for an explainer segment: the glossary takes its term from it.
``puzzle``
    ``true`` for a puzzle segment: ``banana teaser`` reads the puzzle from it.
``answers``
    ``true`` for the segment that announces the previous puzzle's answer.

A ``[topics]`` table may set ``penalty``: how coarse the show's chapters are (the cost of
one more topic; the default is the setting chosen across five shows; Banana Data, whose
episodes are a few named segments and two news topics, sets 8 in its own profile); and
``method``: ``"dcm"`` (the default: a chapter where the words change) or ``"questions"``
(an interview show: a chapter at the host's next question on a new subject).

A cue phrase matches regardless of case and punctuation, with or without spaces
between its words ("brain teaser" also finds "brainteaser" and "brain-teaser"),
and with a plural ending on its last word. ``*`` in a cue stands for up to three
words ("answer to * brain teaser").

The built-in default profile (``banana/analysis/profiles/banana-data.toml``) is the
one place this show's cue phrases live. A show's own profile sits at
``<library>/<slug of the show>/show.toml`` (``Library.profile_for`` finds it); it inherits the default's ``intro`` and
``outro`` segments unless it defines its own, and nothing else, unless it says
``extends = "built-in"`` (top level): then it starts from every built-in segment and
adds or replaces segments by kind.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from banana.errors import ProfileError

# What a profile's [topics] method may choose (analysis.topics.METHODS has two more, kept
# for comparison in bench/bench_topics.py).
TOPIC_METHODS = ("dcm", "questions")

DEFAULT_PROFILE_RESOURCE = "banana-data.toml"
POSITIONS = ("start", "end", "any")
INHERITED_KINDS = ("intro", "outro")  # what every show's profile gets from the default
EXTENDS = ("built-in",)  # extends = "built-in": start from every segment of the default
RESERVED_KINDS = ("topic",)  # made by topic segmentation, never by cues
# What a segment does, as its profile flags it; consumers select segments by role.
EXPLAINS, PUZZLE, ANSWERS = "explains", "puzzle", "answers"
ROLES = (EXPLAINS, PUZZLE, ANSWERS)
SCHEMA = 1

_SEGMENT_KEYS = {"title", "cues", "end_cues", "next_cues", "position", "max_words",
                 "explains", "puzzle", "answers"}


@dataclass(frozen=True)
class SegmentSpec:
    """One recurring segment of a show, as its profile describes it."""

    kind: str
    title: str
    cues: tuple[str, ...]
    end_cues: tuple[str, ...] = ()
    next_cues: tuple[str, ...] = ()
    position: str = "any"
    max_words: int | None = None
    explains: bool = False
    puzzle: bool = False
    answers: bool = False

    def __post_init__(self) -> None:
        for name in ("cues", "end_cues", "next_cues"):
            object.__setattr__(self, name, tuple(getattr(self, name)))

    @property
    def role(self) -> str | None:
        """``explains``, ``puzzle``, ``answers`` or None, from the profile's flags."""
        return next((role for role in ROLES if getattr(self, role)), None)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"title": self.title, "cues": list(self.cues)}
        if self.end_cues:
            data["end_cues"] = list(self.end_cues)
        if self.next_cues:
            data["next_cues"] = list(self.next_cues)
        if self.position != "any":
            data["position"] = self.position
        if self.max_words is not None:
            data["max_words"] = self.max_words
        for flag in ROLES:
            if getattr(self, flag):
                data[flag] = True
        return data

    @classmethod
    def from_dict(cls, kind: str, data: Any, *, where: str = "profile") -> SegmentSpec:
        ctx = f"{where}: [segments.{kind}]"
        if not isinstance(data, dict):
            raise ProfileError(f"{ctx} must be a table")
        unknown = sorted(set(data) - _SEGMENT_KEYS)
        if unknown:
            raise ProfileError(f"{ctx} has unknown key(s) {', '.join(unknown)} "
                               f"(known: {', '.join(sorted(_SEGMENT_KEYS))})")
        if kind in RESERVED_KINDS:
            raise ProfileError(f"{ctx}: {kind!r} is reserved for topic segmentation")
        cues = _phrases(data.get("cues"), f"{ctx} cues")
        if not cues:
            raise ProfileError(f"{ctx} needs at least one phrase in 'cues'")
        title = data.get("title", kind.replace("-", " ").replace("_", " ").capitalize())
        if not isinstance(title, str) or not title.strip():
            raise ProfileError(f"{ctx} 'title' must be a non-empty string")
        position = data.get("position", "any")
        if position not in POSITIONS:
            raise ProfileError(f"{ctx} 'position' must be one of {', '.join(POSITIONS)}, "
                               f"not {position!r}")
        max_words = data.get("max_words")
        if max_words is not None and (isinstance(max_words, bool)
                                      or not isinstance(max_words, int) or max_words <= 0):
            raise ProfileError(f"{ctx} 'max_words' must be a positive integer")
        flags = {}
        for flag in ROLES:
            value = data.get(flag, False)
            if not isinstance(value, bool):
                raise ProfileError(f"{ctx} '{flag}' must be true or false")
            flags[flag] = value
        return cls(
            kind=kind,
            title=title.strip(),
            cues=cues,
            end_cues=_phrases(data.get("end_cues"), f"{ctx} end_cues"),
            next_cues=_phrases(data.get("next_cues"), f"{ctx} next_cues"),
            position=position,
            max_words=max_words,
            **flags,
        )


@dataclass(frozen=True)
class Profile:
    """A show: its name, hosts, recurring segments and technical vocabulary."""

    name: str = ""
    hosts: tuple[str, ...] = ()
    segments: tuple[SegmentSpec, ...] = ()
    terms: tuple[str, ...] = ()  # technical vocabulary reported as mentions
    # How coarse the show's chapters are: the cost of one more topic (see
    # analysis.topics); None uses the setting chosen across shows.
    topic_penalty: float | None = None
    topic_method: str | None = None  # None: analysis.topics.DEFAULT_METHOD
    source: str = ""  # where the profile came from (a path or "built-in")

    def __post_init__(self) -> None:
        object.__setattr__(self, "hosts", tuple(self.hosts))
        object.__setattr__(self, "segments", tuple(self.segments))
        object.__setattr__(self, "terms", tuple(self.terms))

    def segment(self, kind: str) -> SegmentSpec | None:
        return next((s for s in self.segments if s.kind == kind), None)

    def with_role(self, role: str) -> list[SegmentSpec]:
        """The segments that play ``role`` (``explains``, ``puzzle``, ``answers``)."""
        return [s for s in self.segments if s.role == role]

    @property
    def fingerprint(self) -> str:
        """A digest of everything the profile says: a stored analysis made with another
        profile is stale."""
        text = json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(s.kind for s in self.segments)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "schema": SCHEMA,
            "show": {"name": self.name, "hosts": list(self.hosts)},
            "segments": {s.kind: s.to_dict() for s in self.segments},
        }
        if self.terms:
            data["mentions"] = {"terms": list(self.terms)}
        topics = {key: value for key, value in (("penalty", self.topic_penalty),
                                                 ("method", self.topic_method)) if value is not None}
        if topics:
            data["topics"] = topics
        return data

    @classmethod
    def from_dict(cls, data: Any, *, source: str = "profile",
                  inherit: Profile | None = None) -> Profile:
        """Read a parsed profile; ``inherit`` supplies the intro/outro it does not define."""
        if not isinstance(data, dict):
            raise ProfileError(f"{source}: a profile must be a TOML table")
        schema = data.get("schema", SCHEMA)
        if schema != SCHEMA:
            raise ProfileError(f"{source}: unsupported profile schema {schema!r} "
                               f"(this Banana reads {SCHEMA})")
        show = data.get("show", {})
        if not isinstance(show, dict):
            raise ProfileError(f"{source}: [show] must be a table")
        name = show.get("name", "")
        if not isinstance(name, str):
            raise ProfileError(f"{source}: show name must be a string")
        hosts = _phrases(show.get("hosts"), f"{source}: show hosts")
        table = data.get("segments", {})
        if not isinstance(table, dict):
            raise ProfileError(f"{source}: [segments] must be a table of tables")
        segments = [SegmentSpec.from_dict(kind, spec, where=source) for kind, spec in table.items()]
        extends = data.get("extends")
        if extends is not None and extends not in EXTENDS:
            raise ProfileError(f"{source}: 'extends' can only be {' or '.join(map(repr, EXTENDS))}, "
                               f"not {extends!r}")
        if extends is not None and inherit is None:
            inherit = default_profile()
        if inherit is not None:
            own = {s.kind for s in segments}
            kinds = None if extends else INHERITED_KINDS
            inherited = [s for s in inherit.segments
                         if (kinds is None or s.kind in kinds) and s.kind not in own]
            segments = segments + inherited
            if not hosts and extends:
                hosts = inherit.hosts
            if not name and extends:
                name = inherit.name
        mentions = data.get("mentions", {})
        if not isinstance(mentions, dict):
            raise ProfileError(f"{source}: [mentions] must be a table")
        terms = _phrases(mentions.get("terms"), f"{source}: mentions terms")
        if inherit is not None and not terms:
            terms = inherit.terms
        topics = data.get("topics", {})
        if not isinstance(topics, dict) or set(topics) - {"penalty", "method"}:
            raise ProfileError(f"{source}: [topics] may only set 'penalty' and 'method'")
        method = topics.get("method")
        if method is not None and method not in TOPIC_METHODS:
            raise ProfileError(f"{source}: [topics] method must be one of "
                               f"{', '.join(map(repr, TOPIC_METHODS))}, not {method!r}")
        penalty = topics.get("penalty")
        if penalty is not None and (isinstance(penalty, bool) or not isinstance(penalty, (int, float))
                                    or not 0 < penalty <= 100):
            raise ProfileError(f"{source}: [topics] penalty must be a number above 0 (at most 100)")
        if extends and inherit is not None:
            penalty = inherit.topic_penalty if penalty is None else penalty
            method = inherit.topic_method if method is None else method
        return cls(name=name.strip(), hosts=hosts, segments=tuple(segments), terms=terms,
                   topic_penalty=None if penalty is None else float(penalty),
                   topic_method=method, source=source)


def _phrases(value: Any, ctx: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ProfileError(f"{ctx} must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def parse_profile(text: str, *, source: str = "profile", inherit: Profile | None = None) -> Profile:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{source}: not valid TOML: {exc}") from None
    return Profile.from_dict(data, source=source, inherit=inherit)


@cache
def default_profile() -> Profile:
    """The built-in profile (this show's segments), read once from package data."""
    text = resources.files("banana.analysis").joinpath("profiles", DEFAULT_PROFILE_RESOURCE)
    return parse_profile(text.read_text(encoding="utf-8"), source="built-in")


def load_profile(path: Path | str) -> Profile:
    """A profile file; it inherits the default's intro and outro unless it defines them."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProfileError(f"{path}: no such profile file") from None
    except IsADirectoryError:
        raise ProfileError(f"{path}: is a folder, not a profile file") from None
    except UnicodeDecodeError:
        raise ProfileError(f"{path}: profile is not UTF-8 text") from None
    except OSError as exc:
        raise ProfileError(f"{path}: cannot read profile: {exc.strerror or exc}") from None
    return parse_profile(text, source=str(path), inherit=default_profile())
