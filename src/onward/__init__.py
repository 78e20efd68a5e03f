"""onward: detect job-rejection e-mails, draft feedback requests, and report the patterns."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("onward")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0+unknown"
