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
