"""Every page of ``banana serve`` on shows nobody tuned for: a check, not a timing.

A few episodes of each show in ../shared/corpus (Brain Science, Founders Talk, JS Party,
Ship It, Practical AI) are imported with ``banana import`` into a fresh library, then the
application answers, in process: the home page and its later pages, every episode page
and its JSON, the glossary, the solver, and searches (among them malformed ones). Any
answer of 500 or more, a page that is not 200, or an inline script in a page is listed;
per episode, the page's size, chapters and timed lines are printed. Exit 1 if anything
is listed.

    python bench/web_shows.py                  # 6 episodes a show
    python bench/web_shows.py --per-show 20 --work bench/out/web-shows
"""

from __future__ import annotations

import argparse
import random
import re
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from starlette.testclient import TestClient  # noqa: E402

from banana.library import Library  # noqa: E402
from banana.web.app import create_app  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus"
SHOWS = {"brain-science": CORPUS / "changelog" / "brainscience",
         "founders-talk": CORPUS / "changelog" / "founderstalk",
         "js-party": CORPUS / "changelog" / "jsparty",
         "ship-it": CORPUS / "changelog" / "shipit",
         "practical-ai": CORPUS / "practicalai"}
QUERIES = ("kubernetes", "react hooks", "founder", '"open source"', "burnout", "AI", "why*",
           "x AND", "(((", "NOT", '"')


def pick(per_show: int, seed: int) -> list[Path]:
    rng = random.Random(seed)
    chosen: list[Path] = []
    for folder in SHOWS.values():
        files = sorted(folder.glob("*.md"))
        chosen += rng.sample(files, min(per_show, len(files)))
    return chosen


def sweep(library: Library) -> list[str]:
    problems: list[str] = []
    app = create_app(library)
    with TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False) as client:
        def get(url: str, **params) -> str:
            answer = client.get(url, params=params or None)
            if answer.status_code != 200:
                problems.append(f"{url} {params or ''}: {answer.status_code}")
            return answer.text

        get("/")
        for page in (2, 3):
            get("/", page=page)
        for slug in library.slugs():
            html = get(f"/episodes/{slug}")
            get(f"/api/episodes/{slug}")
            if re.search(r"<script(?![^>]*\bsrc=)", html):
                problems.append(f"/episodes/{slug}: an inline script")
            nav = re.search(r'<nav class="chapters".*?</nav>', html, re.S)
            chapters = nav.group().count("<li>") if nav else 0
            timed = len(re.findall(r"data-start", html))
            print(f"{slug:32s} {len(html) // 1024:4d} KB  {chapters:2d} chapters  {timed:4d} timed lines")
        get("/glossary")
        get("/solve", numbers="3 3 8 8", target="24")
        for query in QUERIES:
            for url in ("/search", "/api/search"):
                answer = client.get(url, params={"q": query})
                if answer.status_code >= 500:
                    problems.append(f"{url}?q={query}: {answer.status_code}")
            print(f"search {query!r}: {client.get('/api/search', params={'q': query}).status_code}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-show", type=int, default=6)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--work", type=Path, help="keep the library here (default: a temporary folder)")
    args = parser.parse_args()
    missing = [str(f) for f in SHOWS.values() if not f.is_dir()]
    if missing:
        print(f"the shared corpus is not beside the checkout: {', '.join(missing)}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as temp:
        root = (args.work or Path(temp)) / "library"
        files = pick(args.per_show, args.seed)
        subprocess.run([sys.executable, "-m", "banana", "--library", str(root), "import", *map(str, files)],
                       check=True, cwd=REPO, stdout=subprocess.DEVNULL)
        problems = sweep(Library(root))
    print(f"{len(files)} episodes of {len(SHOWS)} shows: "
          + ("every page answered" if not problems else f"{len(problems)} problems"))
    for line in problems:
        print("  " + line)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
