"""The user's sheets fitted to the pages across they printed on before tierbook's columns."""

from __future__ import annotations

from xml.dom import minidom

from pipeline.ooxml.printfit import column_pixels, fitted, pages_across, printable_pixels

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def _sheet(inner_before: str = "", cols: str = "", after: str = "") -> str:
    return (
        f'<worksheet {NS}>{inner_before}<dimension ref="A1:E9"/>{cols}'
        f"<sheetData/>{after}</worksheet>"
    )


# Letter portrait with the default 0.7" side margins: 7.1" = 681.6 px across.
FOUR_WIDE = '<cols><col min="1" max="4" width="20" customWidth="1"/></cols>'  # 145 px each


def test_the_page_s_width_comes_from_paper_orientation_and_margins():
    assert printable_pixels(_sheet(), "") == 7.1 * 96
    a4_landscape = _sheet(
        after='<pageMargins left="0.5" right="0.5" top="1" bottom="1" header="0" footer="0"/><pageSetup paperSize="9" orientation="landscape"/>'
    )
    assert round(printable_pixels(a4_landscape, ""), 1) == round((11.69 - 1.0) * 96, 1)
    assert column_pixels(20) == 145 and column_pixels(8.43) == 64
    # whole columns per page: 4 x 145 = 580 fit, a fifth does not
    assert pages_across([145] * 4, 681.6) == 1 and pages_across([145] * 5, 681.6) == 2


def test_new_columns_that_would_spill_onto_pages_of_their_own_are_fitted_in():
    sheet = _sheet(
        cols=FOUR_WIDE,
        after='<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/><tableParts count="0"/>',
    )
    # columns 5-9 are tierbook's (default width): one page across before, two after
    out, across = fitted(sheet, "", 5, 9)
    assert across == 1
    minidom.parseString(out)  # still well-formed
    assert out.index("<sheetPr>") < out.index("<dimension")
    assert '<pageSetUpPr fitToPage="1"/>' in out
    # pageSetup after pageMargins and before tableParts, as the schema orders them
    assert (
        out.index("<pageMargins")
        < out.index('<pageSetup fitToWidth="1" fitToHeight="0"/>')
        < out.index("<tableParts")
    )


def test_never_below_sixty_percent_the_sheet_takes_more_pages_across():
    sheet = _sheet(
        cols='<cols><col min="1" max="4" width="20"/><col min="5" max="20" width="30"/></cols>'
    )
    # before: 4 x 145 px on one page; after: + 16 x 215 = 4,020 px; at 60% that needs 4 pages
    out, across = fitted(sheet, "", 5, 20)
    assert across == 4 and 'fitToWidth="4"' in out


def test_the_user_s_own_fit_and_page_setup_are_respected_or_kept():
    own_fit = _sheet(inner_before='<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>', cols=FOUR_WIDE)
    assert fitted(own_fit, "", 5, 9) == (own_fit, None)
    with_setup = _sheet(
        inner_before='<sheetPr codeName="Sheet1"/>',
        cols=FOUR_WIDE,
        after='<pageSetup paperSize="1" fitToWidth="3" orientation="portrait" r:id="rId1" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"/>',
    )
    out, across = fitted(with_setup, "", 5, 9)
    assert across == 1
    assert '<sheetPr codeName="Sheet1"><pageSetUpPr fitToPage="1"/></sheetPr>' in out
    assert 'orientation="portrait"' in out and 'fitToWidth="1" fitToHeight="0"' in out
    assert out.count("fitToWidth") == 1
    minidom.parseString(out)


def test_columns_that_fit_on_the_pages_there_were_change_nothing():
    narrow = _sheet(cols='<cols><col min="1" max="2" width="10"/></cols>')
    assert fitted(narrow, "", 3, 5) == (narrow, None)


def _annotated(tmp_path, print_area: str | None):
    import openpyxl

    from pipeline.report import report
    from tests.conftest import inv, write_workbook

    book = write_workbook(
        tmp_path / "wide.xlsx",
        [inv(str(i), f"Client {i % 3}", f"2026-0{1 + i % 6}-10", 100 * i) for i in range(1, 9)],
    )
    wb = openpyxl.load_workbook(book)
    ws = wb["Invoices"]
    # 7 x 75 px on one Letter page across (672 px inside openpyxl's margins); tierbook's five
    # columns (5 x 117 px) would spill onto a second; fitted, the page prints at 61%
    for letter in "ABCDEFG":
        ws.column_dimensions[letter].width = 10
    if print_area:
        ws.print_area = print_area
    wb.save(book)
    result = report(book, tmp_path / "out")
    return openpyxl.load_workbook(result.folder / "wide.annotated.xlsx")["Invoices"]


def test_a_user_s_sheet_is_fitted_in_the_annotated_workbook(tmp_path):
    ws = _annotated(tmp_path, None)
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0


def test_a_sheet_bounded_by_a_print_area_is_left_as_the_user_set_it(tmp_path):
    ws = _annotated(tmp_path, "A1:F9")
    setup = ws.sheet_properties.pageSetUpPr
    assert setup is None or not setup.fitToPage
    assert ws.print_area == "'Invoices'!$A$1:$F$9"


def test_a_legacy_drawing_goes_in_schema_order_even_after_a_self_closed_sheet_data():
    """Found while fitting pages: a sheet with no rows (``<sheetData/>``) used to get its
    ``<legacyDrawing>`` after ``<tableParts>``, which Excel refuses."""
    from pipeline.ooxml.notes import insert_legacy_drawing

    sheet = _sheet(
        after='<pageMargins left="1" right="1" top="1" bottom="1" header="0" footer="0"/><tableParts count="0"/>'
    )
    out = insert_legacy_drawing(sheet, "rId9")
    assert out.index("<pageMargins") < out.index("<legacyDrawing") < out.index("<tableParts")
    minidom.parseString(out)
