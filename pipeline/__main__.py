"""``python -m pipeline`` is the same as the ``tierbook`` command."""

from pipeline.edge.launch import run

if __name__ == "__main__":
    run()
