"""Analysis: what an episode's transcript says — its segments (named ones from the
show profile, topics between them), the terms explained on air, the names mentioned,
the brain teaser — computed from the transcript alone (``analyse``).

Modules, bottom up: ``words`` (the shared text toolkit), ``numbers`` (numbers in
words), ``profile`` (a show's segments and their roles), ``doc`` (a transcript
normalised for matching), ``opwords`` (the words naming and applying each solver
operator), ``puzzle`` and ``spoken`` (the teaser and spoken arithmetic, as solver
queries and expressions), ``terms``, ``topics``, ``titles``,
``segments``, ``glossary``, ``mentions``, ``summary``, and ``episode`` (``analyse``).
"""

from banana.analysis.episode import MAX_ANALYSED_WORDS, SCHEMA, Analysis, analyse

__all__ = ["MAX_ANALYSED_WORDS", "SCHEMA", "Analysis", "analyse"]
