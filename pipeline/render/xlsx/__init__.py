"""The workbook outputs: the annotated workbook (analysis sheets built with xlsxwriter, merged
into the user's package by ``pipeline.ooxml``) and the portfolio book."""
