"""Banana: a podcast companion toolkit."""

import importlib


def __getattr__(name: str) -> str:
    """``__version__``, from the package metadata when first asked for: importing
    ``importlib.metadata`` costs more than a search does, and only ``--version`` needs it."""
    if name != "__version__":
        raise AttributeError(f"module 'banana' has no attribute {name!r}")
    metadata = importlib.import_module("importlib.metadata")
    try:
        version = metadata.version("banana")
    except metadata.PackageNotFoundError:  # running from a source tree never installed
        version = "0.0.0+unknown"
    globals()["__version__"] = version
    return version
