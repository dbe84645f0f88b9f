"""The .xlsx package engine: the user's workbook extended at the zip level, never re-saved.

One job per module: ``zipwriter`` (members copied as their compressed bytes, or deflated on
threads), ``xmltext`` (edits to XML text), ``parts`` (relationships, content types, names),
``styles``, ``notes``, ``sheetdata`` (a sheet's rows streamed with cells spliced in),
``bulkrows`` (a long table's rows as sheet XML), ``plan`` (where new columns go), ``bodies``
(the data sheets, made ahead) and ``merge`` (everything into one package). It knows nothing of
what the figures mean: it is given cells and parts, and writes them.
"""
