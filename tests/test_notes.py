"""Show notes: Markdown under a limit, one escaped self-contained HTML page, JSON; the
extractive summary."""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from banana.publish.chapters import Chapter
from banana.errors import ChapterError
from banana.analysis.spoken import AnnouncedAnswer
from banana.publish.document import (Bullets, Code, Document, Ident, Link, Note, Paragraph, Quote,
                                     Run, Span, Spoiler, Strong, Text)
from banana.publish.layout import EVERYTHING, Budget, Layout, fit, layout
from banana.publish.markup import WRITERS, MarkdownWriter
from banana.publish.notes import (DEFAULT_MAX_CHARS, FORMATS, GlossaryNote, MentionNote, Notes,
                                  SolutionNote, TeaserNote, build_notes, find_links, md_escape,
                                  render)
from banana.analysis.segments import Segment
from banana.analysis.summary import Sentence, summarise
from banana.transcript import Transcript, Utterance, format_timestamp

from conftest import BANANA_DATA, SAMPLES, need

analysis_mod = pytest.importorskip("banana.analysis", reason="episode analysis not available yet")
from banana.analysis.glossary import GlossaryEntry
from banana.analysis.mentions import Mention  # noqa: E402
from banana.analysis.puzzle import TeaserQuery, solve_query  # noqa: E402

XSS_ALERT = "<script>alert(1)</script>"
XSS_SCRIPT = "<script>document.title='PWNED'</script>"  # a browser test would see it run
XSS_IMG = "<img src=x onerror=\"document.body.setAttribute('data-pwned','1')\">"

TURNS = [
    ("Ada Host", "Welcome to the Test Show, I'm Ada. Today we look at data pipelines and "
                 "model monitoring for busy teams."),
    ("Ben Guest", "And I'm Ben. Thanks for having me on the show today."),
    ("Ada Host", f"Someone sent us {XSS_ALERT} and {XSS_SCRIPT} in a comment, and also "
                 f"{XSS_IMG} which was rude."),
    ("Ben Guest", "Data pipelines move raw data from source systems into the warehouse every night."),
    ("Ada Host", "When data pipelines break silently, the warehouse fills with stale data and "
                 "nobody notices for weeks."),
    ("Ben Guest", "Monitoring the data pipelines with freshness checks catches stale warehouse "
                  "tables before the dashboards go wrong."),
    ("Ada Host", "Now it's time for In English Please. Ben, what is an autoencoder?"),
    ("Ben Guest", "An autoencoder is a neural network that learns to squeeze its input into a small "
                  f"code and rebuild the same input from that code, even input like {XSS_ALERT} or "
                  f"{XSS_IMG}. The small code keeps only the important parts of the input."),
    ("Ada Host", "Thanks for explaining that in English."),
    ("Ben Guest", "Model monitoring watches the predictions of a deployed model for drift in the "
                  "input data over time, see example.org/monitoring for a guide."),
    ("Ada Host", "Drift in the input data means the model sees data unlike its training data, "
                 "so model monitoring should alert the team early."),
    ("Ada Host", "Time for the brain teaser. Make five using the number two exactly twice, with "
                 "any math symbols you like."),
    ("Ben Guest", "That's all for today, thanks for listening."),
]
# (kind, title, first turn, last turn, term, role)
SEGMENTS = [
    ("intro", "Intro", 0, 1, None, None),
    ("topic", "Pipelines <b>and</b> warehouses", 2, 5, None, None),
    ("explainer", "In English Please", 6, 8, "autoencoder", "explains"),
    ("topic", "Model monitoring", 9, 10, None, None),
    ("teaser", "Brain teaser", 11, 11, None, "puzzle"),
    ("outro", "Sign-off", 12, 12, None, None),
]
SECONDS_PER_TURN = 20.0


def make_transcript(title=f"Pipelines {XSS_SCRIPT}", turns=TURNS) -> Transcript:
    utts = [Utterance(i * SECONDS_PER_TURN, (i + 1) * SECONDS_PER_TURN, text, speaker)
            for i, (speaker, text) in enumerate(turns)]
    return Transcript.build(utts, title=title, show="Test Show", language="en")


def make_analysis(transcript: Transcript, *, mentions=("Airflow", "Snowflake", XSS_IMG)):
    utts = transcript.utterances
    segments = tuple(Segment(kind, title, utts[a].start, utts[b].end, a, b, term, role)
                     for kind, title, a, b, term, role in SEGMENTS)
    glossary = (GlossaryEntry(term="autoencoder", explanation=utts[7].text, episode="test",
                              speaker=utts[7].speaker, start=utts[6].start),)
    found = tuple(Mention(term=m, episode="test", start=utts[3 + i].start, turn=3 + i, count=1)
                  for i, m in enumerate(mentions))
    teaser = TeaserQuery(statement=utts[11].text, numbers=(2, 2), target=5, ops=("wild",))
    return analysis_mod.Analysis(segments=segments, glossary=glossary, mentions=found, teaser=teaser)


@pytest.fixture(scope="module")
def solutions():
    """The solver's real answers to make 5 from 2, 2 (solved once for the module)."""

    return solve_query(TeaserQuery(statement="", numbers=(2, 2), target=5, ops=("wild",)))


@pytest.fixture
def episode(solutions):
    transcript = make_transcript()
    analysis = make_analysis(transcript)
    notes = build_notes(transcript, analysis, episode="test-episode", solutions=solutions,
                        previous_answer=AnnouncedAnswer(said="Three plus point three, over point three.",
                                                        expression="(3+.3)/.3", puzzle="make 11 from 3, 3, 3",
                                                        correct=True, start=5.0))
    return transcript, analysis, notes


# --- what the notes hold --------------------------------------------------------------------

def test_notes_hold_every_part(episode, solutions):
    transcript, analysis, notes = episode
    assert notes.title == transcript.title
    assert [c.title for c in notes.chapters] == [
        "Intro", "Pipelines <b>and</b> warehouses", "In English Please: autoencoder",
        "Model monitoring", "Brain teaser", "Sign-off"]
    assert [c.start for c in notes.chapters] == [0.0, 40.0, 120.0, 180.0, 220.0, 240.0]
    assert notes.glossary[0].term == "autoencoder"
    assert [m.name for m in notes.mentions] == ["Airflow", "Snowflake", XSS_IMG]
    assert [m.url for m in notes.links] == ["https://example.org/monitoring"]
    assert notes.teaser.numbers == (2, 2) and notes.teaser.target == "5"
    assert [s.text for s in notes.teaser.solutions] == [s.text for s in solutions]
    assert notes.teaser.start == 220.0


def test_summary_sentences_come_from_the_episode(episode):
    transcript, _, notes = episode
    assert 1 <= len(notes.summary) <= 3
    for s in notes.summary:
        u = transcript.utterances[s.turn]
        assert s.text in u.text and s.speaker == u.speaker
        assert u.start <= s.start <= u.end
        # chosen from the intro and topics only, not the explainer, teaser or sign-off
        assert s.turn in {0, 1, 2, 3, 4, 5, 9, 10}


def test_markdown_has_every_part(episode, solutions):
    _, _, notes = episode
    md = render(notes, "md")
    assert len(md) < DEFAULT_MAX_CHARS
    assert md.startswith("# Pipelines \\<script\\>")
    assert "## In this episode" in md
    for c in notes.chapters:
        assert f"- [{int(c.start) // 60:02d}:{int(c.start) % 60:02d}] {md_escape(c.title)}\n" in md
    assert "## In English Please: autoencoder" in md
    assert "> An autoencoder is a neural network" in md
    assert "Airflow (01:00)" in md and "<https://example.org/monitoring> (03:00)" in md
    assert "## Brain teaser" in md and "Puzzle: make **5** from 2, 2" in md
    assert "## Last episode's brain teaser" in md and "`(3+.3)/.3` ✓" in md


def test_markdown_answers_are_behind_a_spoiler(episode, solutions):
    _, _, notes = episode
    md = render(notes, "md")
    opened, closed = md.index("<details>"), md.index("</details>")
    summary_line = md[opened:].splitlines()[1]
    assert summary_line.startswith("<summary>Spoiler:") and summary_line.endswith("</summary>")
    for s in solutions:
        shown = f"`{s.unicode}`"  # as a code span: Γ(2)÷.2 is also inside ⌈Γ(2)÷.2̄⌉
        assert md.count(shown) == 1
        assert opened < md.index(shown) < closed
    # a blank line after <summary> and before </details>, so Markdown inside is rendered
    assert "</summary>\n\n- " in md and "\n\n</details>" in md


def test_markdown_escapes_transcript_text(episode):
    _, _, notes = episode
    md = render(notes, "md")
    # every "<" is escaped except in the notes' own spoiler tags and autolinks
    own = re.sub(r"</?(?:details|summary)>|<https://[^\s<>]+>", "", md)
    assert re.search(r"(?<!\\)<", own) is None
    assert "\\<script\\>alert(1)\\</script\\>" in md and "\\<img src=x onerror=" in md
    assert md_escape("a_b *c* [d](e) <f> `g` #h |i| ~j~ &k; \\l") == (
        "a\\_b \\*c\\* \\[d\\](e) \\<f\\> \\`g\\` \\#h \\|i\\| \\~j\\~ \\&k; \\\\l")


def test_no_teaser_and_no_glossary_leave_their_sections_out():
    transcript = make_transcript(title="Plain")
    analysis = make_analysis(transcript).__class__(segments=make_analysis(transcript).segments[:2])
    md = render(build_notes(transcript, analysis), "md")
    assert "## Chapters" in md
    for heading in ("In English Please", "Brain teaser", "Last episode"):
        assert f"## {heading}" not in md
    # mentions come from the analysis (none here); links from the transcript text
    assert "Tools, companies" not in md and "<https://example.org/monitoring>" in md


# --- the Markdown limit -------------------------------------------------------------------------

def big_notes(solutions, *, words=400) -> Notes:
    """Notes far over 4,000 characters: long quotes, many chapters, mentions and links."""
    long_text = " ".join(f"word{i}" for i in range(words))
    return Notes(
        title="A long title " * 8, episode="big-episode", show="Test Show", duration=3600,
        summary=tuple(Sentence(text=f"Summary sentence number {i} says {long_text[:300]}.",
                               turn=i, start=i * 60.0, speaker="Ada") for i in range(3)),
        chapters=tuple(Chapter(i * 100.0, (i + 1) * 100.0, f"Chapter {i} about things")
                       for i in range(30)),
        glossary=(GlossaryNote("autoencoder", long_text, "Ben", 600.0, "In English Please"),),
        mentions=tuple(MentionNote(f"Tool{i}", "mention", i * 10.0) for i in range(60)),
        links=tuple(MentionNote(f"site{i}.com", "link", i * 10.0, f"https://site{i}.com")
                    for i in range(20)),
        teaser=TeaserNote(statement=long_text, numbers=(2, 2), target="5", ops=("wild",),
                          start=3000.0, solutions=tuple(SolutionNote.of(s) for s in solutions)),
        previous_answer=AnnouncedAnswer(said=long_text, expression="(3+.3)/.3", correct=True),
    )


def assert_quotes_cut_at_words(md: str, originals: list[str]) -> None:
    """Every quoted passage is whole or a word-boundary prefix marked with …"""
    for line in md.splitlines():
        if not line.startswith("> "):
            continue
        quoted = line[2:].split(" — [")[0].replace("\\", "")
        if any(quoted == o for o in originals):
            continue
        assert quoted.endswith("…"), f"cut without saying so: {quoted[-30:]!r}"
        kept = quoted[:-1]
        assert any(o.startswith(kept) and o[len(kept)] in " ,;:" for o in originals), quoted[-40:]


@pytest.mark.parametrize("max_chars", [500, 800, 1500, 2500, 4000, 10_000])
def test_markdown_stays_under_the_limit(solutions, max_chars):
    notes = big_notes(solutions)
    md = render(notes, "md", max_chars=max_chars)
    assert len(md) < max_chars
    assert md.startswith("# A long title")
    originals = [notes.glossary[0].explanation, notes.teaser.statement, notes.previous_answer.said]
    assert_quotes_cut_at_words(md, originals)
    full = render(notes, "md", max_chars=1_000_000)
    if len(full) >= max_chars:
        assert re.search(rf"\*Shortened to fit {max_chars:,} characters: [a-z ,]+ trimmed\.\*\n$", md)
    else:
        assert md == full


def test_trimming_takes_lower_priority_parts_first(solutions):
    notes = big_notes(solutions)
    md = render(notes, "md", max_chars=4000)
    assert "links" in md.splitlines()[-1] and "mentions" in md.splitlines()[-1]
    # the key parts are still there
    for part in ("## Chapters", "## In English Please: autoencoder", "## Brain teaser", "<details>"):
        assert part in md
    assert md.count("\n- [") == 30  # every chapter


def test_default_limit_is_4000(solutions):
    md = render(big_notes(solutions), "md")
    assert len(md) < 4000
    with pytest.raises(ChapterError, match="at least 500"):
        render(big_notes(solutions), "md", max_chars=499)


words = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12)
texts = st.lists(words, min_size=0, max_size=120).map(" ".join)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(title=texts, explanation=texts, statement=texts, said=texts,
       chapters=st.lists(texts, max_size=40), mentions=st.lists(words, max_size=50),
       max_chars=st.integers(500, 6000))
def test_markdown_limit_holds_for_any_notes(title, explanation, statement, said, chapters,
                                            mentions, max_chars):
    notes = Notes(
        title=title or "t", episode="e", show="s", duration=100.0,
        chapters=tuple(Chapter(i, i + 1, c or "c") for i, c in enumerate(chapters)),
        glossary=(GlossaryNote(title[:30] or "term", explanation, "Ben", 1.0),),
        mentions=tuple(MentionNote(m, "mention", 1.0) for m in mentions),
        teaser=TeaserNote(statement=statement, numbers=(2, 2), target="5", ops=("wild",)),
        previous_answer=AnnouncedAnswer(said=said),
    )
    md = render(notes, "md", max_chars=max_chars)
    assert len(md) < max_chars
    assert md.startswith("# ")


# --- HTML ---------------------------------------------------------------------------------------

VOID = {"meta", "br", "hr", "img", "link", "input", "source", "wbr"}
ALLOWED_TAGS = {"html", "head", "meta", "title", "style", "body", "main", "h1", "h2", "p",
                "section", "ul", "ol", "li", "time", "span", "code", "blockquote", "details",
                "summary", "strong", "a"}


class PageChecker(HTMLParser):
    """Collects tags, attributes and text, and checks that every tag is closed in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.text: list[str] = []
        self.errors: list[str] = []
        self.decl: list[str] = []
        self.css: list[str] = []

    def handle_decl(self, decl):
        self.decl.append(decl)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += attrs
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:]}")
        else:
            self.stack.pop()

    def handle_data(self, data):
        if self.stack and self.stack[-1] == "style":
            self.css.append(data)
        else:
            self.text.append(data)


def check_page(page: str) -> PageChecker:
    assert page.startswith("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">")
    checker = PageChecker()
    checker.feed(page)
    checker.close()
    assert checker.errors == [] and checker.stack == []
    assert checker.decl == ["doctype html"]
    assert set(checker.tags) <= ALLOWED_TAGS, set(checker.tags) - ALLOWED_TAGS
    # self-contained: no scripts, no external resources (tags are checked above)
    assert not re.search(r"@import|url\(", "".join(checker.css), re.IGNORECASE)
    for name, value in checker.attrs:
        assert not name.startswith("on") and name not in ("src", "srcset", "style"), name
        if name == "href":
            assert re.match(r"https?://[^\s\"'<>]+$", value), value
    return checker


def test_html_is_one_valid_self_contained_page(episode):
    _, _, notes = episode
    page = render(notes, "html")
    checker = check_page(page)
    assert page.count("<title>") == 1 and "<style>" in page
    i = checker.attrs.index(("http-equiv", "Content-Security-Policy"))
    assert checker.attrs[i + 1][0] == "content"
    csp = checker.attrs[i + 1][1]
    assert "script-src 'none'" in csp and "default-src 'none'" in csp
    assert checker.tags.count("details") == 1 and checker.tags.count("summary") == 1
    assert '<ol class="chapters">' in page
    assert checker.tags.count("li") >= len(notes.chapters)


def test_html_escapes_all_transcript_text(episode):
    transcript, _, notes = episode
    page = render(notes, "html")
    check_page(page)
    # the markup in the transcript is text on the page, exactly as said
    text = "".join(_text(page))
    assert XSS_ALERT in text and XSS_SCRIPT in text and XSS_IMG in text
    assert "Pipelines <b>and</b> warehouses" in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;script&gt;document.title=&#x27;PWNED&#x27;" in page
    assert "&lt;img src=x onerror=&quot;" in page


def _text(page: str) -> list[str]:
    checker = PageChecker()
    checker.feed(page)
    return checker.text


@pytest.mark.parametrize("field", ["title", "show", "speaker", "term", "mention", "chapter", "url",
                                   "language"])
def test_html_escapes_every_field(field):
    evil = '"><script>alert(1)</script><a href="javascript:alert(1)">'
    notes = Notes(
        title=evil if field == "title" else "T",
        show=evil if field == "show" else "S",
        language=evil if field == "language" else "en",
        summary=(Sentence("A sentence of the episode.", 0, 0.0, evil if field == "speaker" else "A"),),
        chapters=(Chapter(0, 10, evil if field == "chapter" else "Intro"),),
        glossary=(GlossaryNote(evil if field == "term" else "term", "explained", "B", 1.0),),
        mentions=(MentionNote(evil if field == "mention" else "Tool", "mention", 2.0),),
        links=(MentionNote("x", "link", 3.0, "https://x.org/" + evil if field == "url" else None),),
        audio_url=None,
    )
    page = render(notes, "html")
    check_page(page)  # no script or other injected element, no on* attribute, http(s) hrefs only
    if field == "url":  # a URL with a quote in it is not linked at all
        assert 'href="https://x.org' not in page
    elif field != "language":  # (an invalid language code falls back to "en")
        assert evil in "".join(_text(page))


def test_json_round_trips(episode):
    _, _, notes = episode
    data = json.loads(render(notes, "json"))
    assert data["schema"] == 1
    assert Notes.from_dict(data) == notes


def test_unknown_format_is_a_clear_error(episode):
    transcript, analysis, _ = episode
    with pytest.raises(ChapterError, match="unknown notes format 'pdf'"):
        render(build_notes(transcript, analysis, solutions=()), "pdf")


# --- links ---------------------------------------------------------------------------------------

def test_links_found_in_text_and_speech():
    t = Transcript.build([
        Utterance(0, 5, "Go to https://example.org/a?b=1. Or mail me@secret.com please."),
        Utterance(5, 9, "Our site is dataiku dot com, and www.example.net/x too; see https://example.org/a?b=1"),
        Utterance(9, 12, "Version 2.0 of pandas.read_csv is not a link."),
    ])
    assert [(m.url, m.start) for m in find_links(t)] == [
        ("https://example.org/a?b=1", 0.0), ("https://www.example.net/x", 5.0),
        ("https://dataiku.com", 5.0)]


# --- summary ---------------------------------------------------------------------------------

def test_summary_prefers_the_central_sentence():
    turns = [
        "Data pipelines feed the warehouse with fresh data every single night.",
        "The weather was nice and sunny yesterday afternoon by the river.",
        "Warehouse tables go stale when data pipelines break without any alert.",
        "My cat likes to sleep on the keyboard during long video calls.",
        "Alerts on data pipelines keep the warehouse tables fresh and trusted by everyone.",
    ]
    t = Transcript.build([Utterance(i * 10, i * 10 + 10, s, "A") for i, s in enumerate(turns)])
    chosen = summarise(t, sentences_max=1)
    assert [s.text for s in chosen] == [turns[4]] or [s.text for s in chosen] == [turns[2]]
    assert "cat" not in chosen[0].text and "weather" not in chosen[0].text
    two = summarise(t, sentences_max=2)
    assert [s.turn for s in two] == sorted(s.turn for s in two)  # episode order


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.txt")), ids=lambda p: p.stem)
def test_sample_summaries_are_verbatim(path):
    from banana.analysis import analyse
    from banana.formats import read_transcript

    transcript = read_transcript(path)
    analysis = analyse(transcript)
    chosen = summarise(transcript, segments=analysis.segments)
    assert 2 <= len(chosen) <= 3
    assert sum(len(s.text) for s in chosen) <= 600
    kinds = {t: s.kind for s in analysis.segments for t in s.turns}
    for s in chosen:
        assert s.text in transcript.utterances[s.turn].text
        assert kinds[s.turn] in ("intro", "topic")


# --- the real episodes -------------------------------------------------------------------------

def sympy_value(text: str):
    """The exact value of a solver answer's plain-text form, by sympy's own parser."""
    import sympy
    from sympy.parsing.sympy_parser import (convert_xor, factorial_notation, parse_expr,
                                            rationalize, standard_transformations)

    source = re.sub(r"(?<![\d.])\.(\d)", r"0.\1", text.replace("ceil(", "ceiling("))
    expr = parse_expr(source, transformations=standard_transformations
                      + (factorial_notation, convert_xor, rationalize),
                      local_dict={"gamma": sympy.gamma, "ceiling": sympy.ceiling,
                                  "floor": sympy.floor, "sqrt": sympy.sqrt})
    return sympy.nsimplify(sympy.simplify(expr))


def test_banana_data_notes():
    from banana.analysis import analyse
    from banana.formats import read_transcript

    transcript = read_transcript(need(BANANA_DATA))
    analysis = analyse(transcript)
    notes = build_notes(transcript, analysis, episode="s03e01")
    md = render(notes, "md")
    assert len(md) < DEFAULT_MAX_CHARS
    # the autoencoder glossary entry
    heading = next(line for line in md.splitlines() if line.startswith("## In English Please:"))
    assert "autoencoder" in heading.lower()
    assert "autoencoder" in notes.glossary[0].explanation.lower()
    # chapters matching the segments, in order, with their times
    assert len(notes.chapters) == len(analysis.segments)
    for c, s in zip(notes.chapters, analysis.segments):
        assert c.title.startswith(s.title)
        assert c.start == (0.0 if s is analysis.segments[0] else s.start)
    chapter_lines = [line for line in md.splitlines() if re.match(r"- \[\d\d:\d\d\] ", line)]
    assert len(chapter_lines) == len(analysis.segments)
    # the teaser with a verified answer, checked here independently of the solver
    assert notes.teaser.numbers == (2, 2) and notes.teaser.target == "5"
    assert notes.teaser.verified
    checked = [s for s in notes.teaser.verified if "%" not in s.text and ".(" not in s.text]
    assert checked
    for s in checked:
        assert sympy_value(s.text) == 5, s.text
        assert sorted(re.findall(r"\d", s.text)) == ["2", "2"], s.text
    spoiler = md[md.index("<details>"):md.index("</details>")]
    assert notes.teaser.verified[0].unicode in spoiler
    page = render(notes, "html")
    check_page(page)
    assert "<details><summary>Spoiler" in page


def test_sample_notes_show_the_previous_answer():
    from banana.analysis import analyse
    from banana.formats import read_transcript

    from banana.publish.teasers import previous_answer

    transcript = read_transcript(SAMPLES / "s01e02-leaderboards-and-model-drift.txt")
    analysis = analyse(transcript)
    notes = build_notes(transcript, analysis, solutions=(),
                        previous_answer=previous_answer(None, None, transcript, analysis))
    p = notes.previous_answer
    assert p is not None and p.correct is True
    assert p.puzzle == "make 11 from 3, 3, 3"
    assert p.expression == "(3+.3)/.3"
    assert p.said in " ".join(u.text for u in transcript.utterances)
    md = render(notes, "md")
    assert "`(3+.3)/.3` ✓" in md


# --- golden files ----------------------------------------------------------------------------------

GOLDEN = Path(__file__).parent / "golden"


def golden_notes() -> Notes:
    """Hand-made notes touching every part (no analysis or solver, so the goldens only
    change when rendering does)."""
    return Notes(
        title="Pipelines & <b>Privacy</b>", episode="s09e09-golden", show="Test Show",
        duration=1865.0, estimated=True, language="en", audio_url="https://example.org/ep.mp3",
        summary=(Sentence("Today we look at data pipelines and *model* monitoring.", 0, 12.0, "Ada"),
                 Sentence(f"Someone sent us {XSS_ALERT} in a comment.", 4, 310.5, "Ben")),
        chapters=(Chapter(0, 65, "Intro"), Chapter(65, 700, "Pipelines <and> warehouses"),
                  Chapter(700, 900, "In English Please: autoencoder"),
                  Chapter(900, 1800, "Model monitoring"), Chapter(1800, 1865, "Brain teaser")),
        glossary=(GlossaryNote("autoencoder", "An autoencoder squeezes its input into a small code "
                               "and rebuilds the input from it.", "Ben", 700.0, "In English Please"),),
        mentions=(MentionNote("Airflow", "mention", 70.0), MentionNote("C#", "mention", 80.0)),
        links=(MentionNote("example.org/monitoring", "link", 950.0, "https://example.org/monitoring"),),
        teaser=TeaserNote(statement="Make five using the number two twice, any symbols you like.",
                          numbers=(2, 2), target="5", ops=("wild",), start=1800.0,
                          solutions=(SolutionNote("sqrt(.2)^-2", "(√.2)⁻²", "5", True),
                                     SolutionNote("unverified", "unverified", "5", False))),
        previous_answer=AnnouncedAnswer(said="Three plus point three, over point three.",
                                       expression="(3+.3)/.3", puzzle="make 11 from 3, 3, 3",
                                       correct=True, start=30.0),
    )


@pytest.mark.parametrize("fmt, name", [("md", "notes.md"), ("html", "notes.html"), ("json", "notes.json")])
def test_golden(fmt, name):
    """Rendered notes match tests/golden/ (BANANA_UPDATE_GOLDEN=1 rewrites them; review the diff)."""
    import os

    text = render(golden_notes(), fmt)
    path = GOLDEN / name
    if os.environ.get("BANANA_UPDATE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")
    if fmt == "html":
        check_page(text)
    if fmt == "json":
        assert Notes.from_dict(json.loads(text)) == golden_notes()


# --- one layout, two writers ---------------------------------------------------------------------

def plain(parts) -> str:
    """The words of inline parts as a reader sees them (no escaping, no markup)."""
    out = []
    for p in parts:
        if isinstance(p, str):
            out.append(p)
        elif isinstance(p, Span):
            out.append(plain(p.parts))
        elif isinstance(p, (Text, Strong, Code, Ident, Link)):
            out.append(p.text)
        else:  # Stamp, Time
            out.append(format_timestamp(p.seconds))
    return "".join(out)


def wording(doc: Document):
    """Every piece of the layout's own wording: the str parts and the labels."""
    def parts(ps):
        for p in ps:
            if isinstance(p, str):
                yield p
            elif isinstance(p, Span):
                yield from parts(p.parts)

    def blocks(bs):
        for b in bs:
            if isinstance(b, (Paragraph, Note, Quote)):
                yield from parts(b.parts)
            elif isinstance(b, Bullets):
                for item in b.items:
                    yield from parts(item)
            elif isinstance(b, Run):
                yield b.label
            elif isinstance(b, Spoiler):
                yield b.label
                yield from blocks([b.bullets])

    for m in doc.meta:
        yield from parts((m,))
    for s in doc.sections:
        yield s.key
        yield from parts(s.heading)
        yield from blocks(s.blocks)
    yield from blocks(doc.footer)


def test_both_writers_show_the_layouts_sections_in_order(episode, solutions):
    for notes in (golden_notes(), big_notes(solutions), episode[2]):
        sections = layout(notes).sections
        headings = [plain(s.heading) for s in sections]
        assert headings[:2] == ["In this episode", "Chapters"] and len(headings) >= 6
        md = render(notes, "md", max_chars=1_000_000)
        assert [line[3:] for line in md.splitlines() if line.startswith("## ")] == [
            md_escape(heading) for heading in headings]
        assert [s.key for s in layout(notes, Budget()).sections] == [s.key for s in sections]
        page = render(notes, "html")
        assert [html.unescape(x) for x in re.findall(r"<h2>(.*?)</h2>", page)] == headings
        assert re.findall(r'<section (?:id|class)="([\w-]+)"', page) == [s.key for s in sections]


def test_writers_are_picked_by_format_name():
    assert FORMATS == ("md", "html", "json")
    assert set(WRITERS) == {"md", "html"}  # json is Notes.to_dict, not a layout
    doc = layout(golden_notes())
    assert WRITERS["html"]().write(doc) == render(golden_notes(), "html")
    assert WRITERS["md"]().write(layout(golden_notes(), Budget())) == render(golden_notes(), "md")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=texts, max_chars=st.integers(500, 3000))
def test_the_layouts_own_wording_needs_no_escaping(text, max_chars):
    """Writers write str parts as they are, so no transcript text may end up in one."""
    hostile = f"{text} <b>&amp;</b> *x* `y` [z](w) #h |p| ~s~ _u_ \\ '\""
    notes = Notes(title=hostile, episode=hostile, show=hostile, duration=100.0,
                  summary=(Sentence(hostile, 0, 1.0, hostile),),
                  chapters=tuple(Chapter(i, i + 1, hostile) for i in range(6)),
                  glossary=(GlossaryNote(hostile, hostile, hostile, 1.0, hostile),),
                  mentions=(MentionNote(hostile, "mention", 2.0),),
                  links=(MentionNote(hostile, "link", 3.0, "https://example.org/" + hostile),
                         MentionNote(hostile, "link", 4.0, "https://example.org/a")),
                  teaser=TeaserNote(hostile, (2, 2), hostile, (hostile,), 5.0,
                                    (SolutionNote(hostile, hostile, hostile, True),)),
                  previous_answer=AnnouncedAnswer(said=hostile, expression=hostile, puzzle=hostile,
                                                  correct=False, start=6.0),
                  previous_heading=hostile)
    steps = [Budget(max_chars=max_chars, trimmed=("links", "quotes")), EVERYTHING]
    for budget in steps:
        for words in wording(layout(notes, budget)):
            assert not set(words) & set("<>&\\`*_{}[]#|~\""), words


def test_a_link_without_a_time_has_no_empty_brackets():
    notes = Notes(title="T", links=(MentionNote("example.org", "link", None, "https://example.org"),))
    assert "\n- <https://example.org>\n" in render(notes, "md")  # was "- <https://example.org> ()"
    assert '<li><a href="https://example.org" rel="nofollow noopener noreferrer">example.org</a></li>' in (
        render(notes, "html"))


def test_an_address_that_cannot_be_linked_keeps_its_time_in_both_formats():
    bad = MentionNote("example.org/a b", "link", 70.0, "https://example.org/a b")  # a space
    notes = Notes(title="T", links=(bad,))
    assert "\n- example.org/a b (01:10)\n" in render(notes, "md")  # the time was left out
    assert '<li>example.org/a b <time datetime="PT70S">01:10</time></li>' in render(notes, "html")


def test_page_lists_share_the_sections_lines_and_leave_no_blank_lines():
    """Mentions without links (most episodes) and measured times (no "estimated" note)."""
    notes = Notes(title="T", chapters=(Chapter(0, 10, "Intro"), Chapter(10, 20, "Outro")),
                  mentions=(MentionNote("Airflow", "mention", 1.0),))
    page = render(notes, "html")
    check_page(page)
    assert "\n\n" not in page  # a blank line followed the mentions when there were no links
    assert '<section id="chapters"><h2>Chapters</h2><ol class="chapters">\n' in page
    assert "</ol></section>\n" in page
    links_only = render(Notes(title="T", links=(MentionNote("x.org", "link", 1.0, "https://x.org"),)), "html")
    assert '<section id="mentions"><h2>Mentioned</h2><ul>\n' in links_only
    assert "</ul></section>\n" in links_only


def test_fitting_builds_and_writes_only_the_sections_a_step_changes(solutions):
    class CountingWriter(MarkdownWriter):
        def __init__(self):
            super().__init__()
            self.documents = self.sections = 0

        def write(self, doc):
            self.documents += 1
            return super().write(doc)

        def section(self, section):
            self.sections += 1
            return super().section(section)

    notes = big_notes(solutions)
    writer = CountingWriter()
    md = fit(notes, 1500, writer.write)
    assert md == render(notes, "md", max_chars=1500) and len(md) < 1500
    n = len(layout(notes, Budget()).sections)
    assert writer.documents > 50  # one per trimming step
    # a step changes one budget figure, so at most the three sections that show quotes;
    # most steps change one (laying everything out again would write n per document)
    assert writer.sections <= n + 3 * (writer.documents - 1)
    assert writer.sections < 2 * writer.documents
    laid_out = Layout(notes)
    before, after = laid_out(Budget()), laid_out(Budget(mentions=3))
    assert [a is b for a, b in zip(before.sections, after.sections)] == [
        s.key != "mentions" for s in before.sections]


def test_summary_sentences_stand_alone():
    turns = [
        "So that was the whole thing with the pipeline and the warehouse tables.",
        "Yeah, and it broke again on Tuesday night when the schema changed upstream.",
        "It does not matter which scheduler runs the pipeline if nobody checks freshness.",
        "Freshness checks on warehouse tables catch stale data before the dashboards break.",
        "Schema changes upstream are the most common reason a nightly pipeline fails.",
    ]
    t = Transcript.build([Utterance(i * 10, i * 10 + 10, s, "A") for i, s in enumerate(turns)])
    chosen = [s.text for s in summarise(t, sentences_max=3)]
    assert chosen and all(not re.match(r"(So|Yeah|It)\b", s) for s in chosen)
    assert set(chosen) <= {turns[3], turns[4]}
