"""The web: the library as pages a listener reads, searches and plays.

``banana serve`` runs ``app`` (Starlette on uvicorn); ``banana site`` writes the same
pages as a static site (``site``) whose search is Pagefind's, in the browser. Both
read the library, the search index and the publishers; nothing below imports this.

``views``
    what a page shows, gathered from the library: an episode's card (home page), the
    whole episode (transcript, notes with chapters, glossary and the teaser's verified
    answers, the audio), the show's glossary; and ``Catalog``, which keeps them while
    the files they come from are unchanged.
``render``
    the Jinja2 templates (autoescaped) and ``Links``, the one place that knows the URLs
    of the server and of the static site; the Content-Security-Policy of both.
``app``
    the Starlette application: pages, the JSON API, the local audio file with HTTP
    Range requests, the security headers, the 404 page.
``site``
    the static site, written incrementally (an episode's page is rendered again only
    when one of the files it is made from changed), then indexed by Pagefind.

Templates and the CSS and JavaScript the pages load are package data
(``banana/web/templates``, ``banana/web/static``). Pages read without JavaScript;
``static/banana.js`` adds seeking (chapters, transcript lines, ``#t=SECONDS``) and
highlights the line being spoken; ``static/search.js`` runs the static site's search.
"""
