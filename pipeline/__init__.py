"""tierbook: tier a small business's clients and measure its dependence on the top ones."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("tierbook")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"
