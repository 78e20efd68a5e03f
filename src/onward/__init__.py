"""onward: detect job-rejection emails, draft feedback requests, and report the patterns."""

from typing import Any


def __getattr__(name: str) -> Any:
    # looked up when asked for: importlib.metadata costs a tenth of the start of a one-message run
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("onward")
        except PackageNotFoundError:  # running from a source tree without install
            return "0+unknown"
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
