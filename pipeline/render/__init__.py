"""The render stage: one ``Analysis`` (and where it came from) into the bytes of each output.

``xlsx/`` makes the annotated workbook (analysis sheets, annotation columns) and the portfolio
book, ``html/`` the briefing, the portfolio page and their charts, ``json.py`` summary.json;
``templates.py`` is the one Jinja environment. Render never computes a figure: what it shows,
the model gave it, and the words for it come from ``pipeline.words``.
"""
