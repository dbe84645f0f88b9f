"""tierbook: tier a small business's clients and measure its dependence on the top ones.

The library, for scripts (the ``tierbook`` command is a doorway to the same functions):

- ``pipeline.report.report(source, out_dir, options)`` writes one input's three report files
  and returns the ``Analysis`` they were rendered from;
- ``pipeline.inspect.inspect(path)`` says how a file is read, as text;
- ``pipeline.portfolio.write_portfolio(out_dir, done, failures)`` writes a batch's portfolio;
- every error raised on purpose is a ``pipeline.errors.TierbookError``, with its exit code.

None of them prints, finds files in folders, or changes the caller's interpreter settings.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("tierbook")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"
