"""The errors Banana raises for bad input; the CLI turns each into a one-line message."""


class BananaError(Exception):
    """Base class: anything the user can fix by changing their input."""


class OptionError(BananaError):
    """A command-line option's value cannot be used (the CLI exits 2, as for a usage error)."""


class FormatError(BananaError):
    """A file could not be read as the transcript format it claims to be (or any format)."""


class EpisodeNotFound(BananaError):
    """An episode slug or path does not name an episode."""


class LibraryError(BananaError):
    """The library folder cannot be read or written."""


class PuzzleError(BananaError):
    """A solver query is malformed or would exceed the search bounds."""


class AudioError(BananaError):
    """An audio file cannot be decoded."""


class ModelError(BananaError):
    """A whisper model cannot be found or loaded."""


class QueryError(BananaError):
    """A search query cannot be run."""


class ProfileError(BananaError):
    """A show profile is missing or malformed."""


class AnalysisError(BananaError):
    """An episode cannot be analysed (segments, glossary, teaser) as it is."""


class ChapterError(BananaError):
    """Chapters or notes cannot be made as asked (an episode too short, no segments)."""


class IndexCorrupt(LibraryError):
    """The search index file is damaged: ``banana index --rebuild`` sets it aside and
    builds a new one."""


class ReadOnlyLibrary(LibraryError):
    """This user cannot write the library folder: searching works, updating does not."""


class FeedError(BananaError):
    """A podcast feed cannot be read, stored or published as asked."""


class FetchError(FeedError):
    """Something a feed links to could not be fetched (HTTP error, timeout, too large,
    wrong content type, cut short)."""
