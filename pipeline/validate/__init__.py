"""The validate stage: raw sheet text in, a typed ``Ledger`` and its data issues out.

``ledger.build_ledger`` runs the checks; ``records`` is the contract it hands on (the model
imports nothing else from here). One module per job: ``text``, ``dates`` and ``amounts``
parse cells, ``fields`` names a sheet's columns, ``invoices`` and ``clients`` check each
sheet, ``duplicates``, ``names`` and ``currency`` check across rows, ``issues`` words them.
"""
