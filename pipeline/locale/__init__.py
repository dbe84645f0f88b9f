"""Message catalogs: tierbook.pot, and per language LC_MESSAGES/tierbook.po and its compiled .mo."""
