"""The read stage: a path in, raw text frames out (``sheets.read_workbook``).

``guard`` refuses what must not be parsed; ``sheets`` opens the file (calamine, ``delimited``
for text exports, ``columnar`` for Parquet and large CSV), finds the invoice, Clients and
Settings sheets and their header rows; ``columns`` maps header names to fields; ``profiles``
describes the accounting exports, as data; ``formulas`` refuses formulas never calculated.
"""
