"""The model stage: a ``Ledger`` and a ``Config`` in, one frozen ``Analysis`` out
(``analysis.analyse``): windows, client figures, concentration, tiers, grades, roles, lapse and
BG/NBD, trend, replacement burden, working styles, and the portfolio's risk rule. It reads
and writes no file and knows nothing of Excel or HTML."""
