"""The HTML outputs: the briefing, the portfolio page, and the SVG charts both inline."""
