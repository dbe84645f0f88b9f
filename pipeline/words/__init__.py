"""Words: the model's figures and labels as sentences people read, in five languages.

``i18n`` holds the messages and number, money and date formats of one language (gettext and
Babel); ``labels`` names tiers, grades, roles and verdicts; ``reasons`` says why each client
carries its labels; ``sentences`` words the business as a whole; ``rows`` gives every output
the same client rows with their reasons. Nothing here knows a file format.
"""
