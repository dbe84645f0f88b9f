"""Jinja templates of the briefing and annotation text, shipped inside the package as pipeline.templates."""
