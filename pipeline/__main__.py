"""``python -m pipeline`` is the same as the ``tierbook`` command."""

from pipeline.cli import run

if __name__ == "__main__":
    run()
