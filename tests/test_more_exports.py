"""More shops, processors and accounting packages: WooCommerce, Square orders, Stripe invoices,
MYOB, Sage 50 and Odoo. Each tiny export is written with the header its program (or its most
used export plugin) writes, and its figures are worked out by hand in the comments. No real
export of these was found under a licence that allows keeping it; the headers follow the
programs' documented layouts."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from pipeline.edge.cli import main
from tests.test_sales_exports import revenue, set_aside, summary, write

WOO_ADVANCED = (
    "Order Number,Order Status,Order Date,Customer Note,First Name (Billing),"
    "Last Name (Billing),Company (Billing),Address 1&2 (Billing),City (Billing),"
    "Email (Billing),Paid Date,Payment Method Title,Cart Discount Amount,Order Subtotal Amount,"
    "Order Shipping Amount,Order Refund Amount,Order Total Amount,Order Total Tax Amount,SKU,"
    "Item #,Item Name,Quantity (- Refund),Item Cost"
)


def test_woocommerce_orders_total_once_pending_and_cancelled_out(tmp_path):
    path = write(
        tmp_path / "orders-2026.csv",
        WOO_ADVANCED,
        # 1001: two items, total 120 on the first row only; a company, so the company is the client
        "1001,Completed,2026-01-10 09:00,,Ann,Smith,Smith & Co,1 High St,Leeds,ann@x.com,"
        "2026-01-10 09:05,Card,0,100,20,0,120,0,M1,1,Mug,1,50",
        "1001,,,,,,,,,,,,,,,,,,C1,2,Cup,1,50",
        # 1002: processing (paid, not shipped) 80 less a refund written negative (-30): 50
        '1002,Processing,2026-02-10 09:00,"Leave at the door,\nplease",Bob,Jones,,2 Low St,York,'
        "bob@x.com,2026-02-10 09:01,Card,0,80,0,-30,80,0,M1,3,Mug,2,40",
        # 1003 pending payment, 1004 on hold, 1005 cancelled: no sales
        "1003,Pending payment,2026-03-01 09:00,,Cy,Lee,,,,cy@x.com,,BACS,0,60,0,0,60,0,M1,4,Mug,1,60",
        "1004,On hold,2026-03-02 09:00,,Cy,Lee,,,,cy@x.com,,BACS,0,70,0,0,70,0,M1,5,Mug,1,70",
        "1005,Cancelled,2026-03-03 09:00,,Di,Ray,,,,di@x.com,,Card,0,90,0,0,90,0,M1,6,Mug,1,90",
        # 1006: refunded in full (40 less 40); no names, so the e-mail
        "1006,Refunded,2026-03-04 09:00,,,,,,,eve@x.com,2026-03-04 09:02,Card,0,40,0,40,40,0,"
        "M1,7,Mug,1,40",
    )
    data = summary(path, tmp_path)
    assert revenue(data) == {"Smith & Co": 120.0, "Bob Jones": 50.0, "eve@x.com": 0.0}
    assert data["totals"]["revenue"] == 170.0
    assert set_aside(data) == [
        # records, as a spreadsheet numbers them: the note's line break is inside row 4
        (5, "an order not paid yet (pending payment), not a sale"),
        (6, "an order on hold, awaiting payment, not a sale"),
        (7, "a cancelled order, not a sale"),
    ]


def test_woocommerce_order_csv_export_slugs_and_billing_names(tmp_path):
    path = write(
        tmp_path / "wc-orders.csv",
        "order_id,order_number,order_date,status,shipping_total,tax_total,order_total,"
        "refunded_total,order_currency,billing_first_name,billing_last_name,billing_company,"
        "billing_email",
        # 500 + 250 - 50 refunded for Ann; Bob's failed order is no sale
        "11,A-11,2026-04-01 10:00:00,completed,10,0,500,0,EUR,Ann,Smith,,ann@x.com",
        "12,A-12,2026-05-01 10:00:00,wc-processing,0,0,250,50,EUR,Ann,Smith,,ann@x.com",
        "13,A-13,2026-05-02 10:00:00,failed,0,0,75,0,EUR,Bob,Jones,,bob@x.com",
        "14,A-14,2026-05-03 10:00:00,on-hold,0,0,75,0,EUR,Bob,Jones,,bob@x.com",
    )
    data = summary(path, tmp_path)
    assert data["currency"] == "EUR"
    assert revenue(data) == {"Ann Smith": 700.0}
    assert set_aside(data) == [
        (4, "a failed order (payment failed), not a sale"),
        (5, "an order on hold, awaiting payment, not a sale"),
    ]


SQUARE_ORDERS = (
    "Order,Order Name,Order Date,Currency,Order Subtotal,Order Shipping Price,Order Tax Total,"
    "Order Total,Order Refunded Amount,Fulfillment Date,Fulfillment Type,Fulfillment Status,"
    "Channels,Fulfillment Location,Fulfillment Notes,Recipient Name,Recipient Email,"
    "Item Quantity,Item Name,Item SKU,Item Variation,Item Modifiers,Item Price,"
    "Item Options Total Price,Item Total Price"
)


def test_square_orders_total_once_per_order_refunds_off_cancelled_out(tmp_path):
    path = write(
        tmp_path / "orders-2026-01-01-2026-06-30.csv",
        SQUARE_ORDERS,
        # A1: two items, the order's 43.20 total repeated on each row: 43.20 once
        'A1,Online A1,2026-01-05,USD,40.00,,3.20,43.20,,"01/05/2026, 1:58 PM",Pickup,Completed,'
        "Online,Shop,,Diana O.,diana@x.com,1,Sandwich,,Regular,,25.00,0,25.00",
        'A1,Online A1,2026-01-05,USD,40.00,,3.20,43.20,,"01/05/2026, 1:58 PM",Pickup,Completed,'
        "Online,Shop,,Diana O.,diana@x.com,1,Salad,,Regular,,15.00,0,15.00",
        # A2: 100 less 10 refunded: 90; no name, so the e-mail
        "A2,Online A2,2026-02-05,USD,100.00,,0.00,100.00,10.00,,Shipment,Completed,Online,Shop,,"
        ",sam@x.com,4,Sauce,,Jar,,25.00,0,100.00",
        # A3 cancelled
        "A3,Online A3,2026-03-05,USD,60.00,,0.00,60.00,,,Pickup,Canceled,Online,Shop,,Diana O.,"
        "diana@x.com,2,Salad,,Regular,,30.00,0,60.00",
    )
    data = summary(path, tmp_path)
    assert data["currency"] == "USD"
    assert revenue(data) == {"Diana O.": 43.2, "sam@x.com": 90.0}
    assert data["totals"]["invoices"] == 2
    assert set_aside(data) == [(5, "a cancelled order, not a sale")]


def test_stripe_invoices_open_and_paid_count_drafts_and_voids_do_not(tmp_path):
    path = write(
        tmp_path / "invoices.csv",
        "id,Amount Due,Amount Paid,Amount Remaining,Attempt Count,Attempted,Billing,Currency,"
        "Customer,Date (UTC),Description,Due Date (UTC),Number,Paid,Status,Subtotal,Tax,Total,"
        "Customer Name,Customer Email",
        # paid 1,200 (1,000 + 200 tax: the total billed); open 300 not paid yet
        "in_1,1200.00,1200.00,0.00,1,true,send_invoice,gbp,cus_A,2026-01-05 10:00,Retainer,"
        "2026-02-04 10:00,A-0001,true,paid,1000.00,200.00,1200.00,Acme Ltd,ap@acme.co.uk",
        "in_2,300.00,0.00,300.00,0,false,send_invoice,gbp,cus_B,2026-02-05 10:00,Audit,"
        "2026-03-07 10:00,A-0002,false,open,300.00,0.00,300.00,,books@birch.co.uk",
        "in_3,500.00,0.00,500.00,0,false,send_invoice,gbp,cus_A,2026-03-05 10:00,Extra,,,false,"
        "draft,500.00,0.00,500.00,Acme Ltd,ap@acme.co.uk",
        "in_4,800.00,0.00,0.00,0,false,send_invoice,gbp,cus_B,2026-03-06 10:00,Audit,"
        "2026-04-05 10:00,A-0003,false,void,800.00,0.00,800.00,,books@birch.co.uk",
    )
    data = summary(path, tmp_path)
    assert data["currency"] == "GBP"
    assert revenue(data) == {"Acme Ltd": 1200.0, "books@birch.co.uk": 300.0}
    assert set_aside(data) == [
        (4, "a draft invoice, never sent, not a sale"),
        (5, "a voided invoice, not a sale"),
    ]


MYOB_ITEM_SALES = (
    "Co./Last Name\tFirst Name\tAddr 1 - Line 1\t           - Line 2\tInclusive\tInvoice #\tDate\t"
    "Customer PO\tShip Via\tDelivery Status\tItem Number\tQuantity\tDescription\tPrice\t"
    "Inc-Tax Price\tDiscount\tTotal\tInc-Tax Total\tJob\tComment\tJournal Memo\tTax Code\t"
    "GST Amount\tFreight Amount\tSale Status\tCurrency Code\tAmount Paid\tCard ID\tRecord ID"
)


def myob_row(cells: str) -> str:
    """A row of MYOB's tab-separated export, written here with | between its cells."""
    return cells.replace("|", "\t")


def test_myob_item_sales_lines_before_tax_orders_and_quotes_out(tmp_path):
    path = write(
        tmp_path / "ITEMSALE.TXT",
        MYOB_ITEM_SALES,
        # 00000101 for the company Harbour Cafe: 2 lines, 100 + 50 before tax = 150
        myob_row(
            "Harbour Cafe||1 Quay|||00000101|3/02/2026|||A|B1|2|Beans|$50.00|"
            "$55.00|0%|$100.00|$110.00|||Sale|GST|$15.00|$0.00|I|AUD|$165.00|*None|"
            "12"
        ),
        myob_row(
            "Harbour Cafe||1 Quay|||00000101|3/02/2026|||A|B2|1|Filters|$50.00|"
            "$55.00|0%|$50.00|$55.00|||Sale|GST|$15.00|$0.00|I|AUD|$165.00|*None|"
            "12"
        ),
        "",  # MYOB leaves a blank row after each sale
        # 00000102 for a person, Jane Citizen: 80 before tax
        myob_row(
            "Citizen|Jane|2 Hill Rd|||00000102|15/03/2026|||A|B1|1|Beans|$80.00|"
            "$88.00|0%|$80.00|$88.00|||Sale|GST|$8.00|$0.00|I|AUD|$0.00|*None|13"
        ),
        "",
        # an order and a quote: no sales
        myob_row(
            "Harbour Cafe||1 Quay|||00000103|20/03/2026|||A|B1|9|Beans|$50.00|"
            "$55.00|0%|$450.00|$495.00|||Sale|GST|$45.00|$0.00|O|AUD|$0.00|*None|"
            "12"
        ),
        "",
        myob_row(
            "Citizen|Jane|2 Hill Rd|||00000104|21/03/2026|||A|B1|5|Beans|$80.00|"
            "$88.00|0%|$400.00|$440.00|||Sale|GST|$40.00|$0.00|Q|AUD|$0.00|*None|"
            "13"
        ),
    )
    data = summary(path, tmp_path)
    assert data["currency"] == "AUD"
    assert data["as_of"] == "2026-03-15"  # 15/03: day first, as MYOB writes it in Australia
    assert revenue(data) == {"Harbour Cafe": 150.0, "Jane Citizen": 80.0}
    assert data["totals"]["invoices"] == 2
    # the blank line after each sale is MYOB's layout, not a problem
    assert [i for i in set_aside(data) if i[0] > 1] == [
        (7, "an order, not invoiced yet, not a sale"),
        (9, "a quote, not a sale"),
    ]


def test_sage_50_audit_trail_sales_invoices_and_credits_only(tmp_path):
    path = write(
        tmp_path / "AUDIT.CSV",
        "Type,Account Reference,Nominal A/C Ref,Department Code,Date,Reference,Details,"
        "Net Amount,Tax Code,Tax Amount,Exchange Rate,Extra Reference,User Name",
        # ACME01: 1,000 + 500 - a 200 credit (written positive, SC) = 1,300
        "SI,ACME01,4000,0,05/01/2026,INV001,Consulting,1000.00,T1,200.00,,,MANAGER",
        "SI,ACME01,4000,0,05/02/2026,INV002,Consulting,500.00,T1,100.00,,,MANAGER",
        "SC,ACME01,4000,0,10/02/2026,CRN001,Credit,200.00,T1,40.00,,,MANAGER",
        "SR,ACME01,1200,0,20/02/2026,INV001,Receipt,1200.00,T9,0.00,,,MANAGER",
        "SI,BIRCH1,4000,0,12/03/2026,INV003,Design,700.00,T1,140.00,,,MANAGER",
        "PI,OFFICE,7500,0,13/03/2026,P123,Paper,45.00,T1,9.00,,,MANAGER",
        "BP,1200,7900,0,14/03/2026,DD,Bank charges,12.00,T2,0.00,,,MANAGER",
    )
    data = summary(path, tmp_path)
    assert revenue(data) == {"ACME01": 1300.0, "BIRCH1": 700.0}
    assert data["totals"]["credits"] == -200.0
    assert data["as_of"] == "2026-03-12"
    assert [i for i in set_aside(data) if i[0] > 1] == [
        (5, "a SR, not a sale"),
        (7, "a PI, not a sale"),
        (8, "a BP, not a sale"),
    ]
    assert "day first" in " ".join(i["action"] for i in data["data_issues"] if i["row"] == 1)


def test_odoo_invoices_signed_before_tax_drafts_cancelled_and_bills_out(tmp_path):
    path = write(
        tmp_path / "account.move.csv",
        '"Number","Invoice Partner Display Name","Invoice/Bill Date","Due Date","Type",'
        '"Untaxed Amount Signed","Total Signed","Currency","Payment Status","Status"',
        # Deco Addict: 1,000 - 250 (a credit note, signed negative) = 750; Azure 400
        '"INV/2026/00001","Deco Addict","2026-01-10","2026-02-09","Customer Invoice",1000.0,'
        '1150.0,"EUR","Paid","Posted"',
        '"RINV/2026/00001","Deco Addict","2026-01-20","2026-01-20","Customer Credit Note",-250.0,'
        '-287.5,"EUR","Paid","Posted"',
        '"INV/2026/00002","Azure Interior","2026-02-10","2026-03-12","Customer Invoice",400.0,'
        '460.0,"EUR","Not Paid","Posted"',
        '"/","Azure Interior","","","Customer Invoice",900.0,1035.0,"EUR","Not Paid","Draft"',
        '"INV/2026/00003","Deco Addict","2026-02-11","2026-03-13","Customer Invoice",300.0,'
        '345.0,"EUR","Not Paid","Cancelled"',
        '"BILL/2026/02/0001","Wood Corner","2026-02-12","2026-03-14","Vendor Bill",-80.0,-92.0,'
        '"EUR","Not Paid","Posted"',
    )
    data = summary(path, tmp_path)
    assert revenue(data) == {"Deco Addict": 750.0, "Azure Interior": 400.0}
    assert data["totals"]["credits"] == -250.0
    problems = set_aside(data)
    assert (5, "a draft invoice, not a sale") in problems
    assert (6, "a cancelled invoice, not a sale") in problems
    assert (7, "a Vendor Bill, not a sale") in problems


def test_odoo_sales_orders_confirmed_only(tmp_path):
    path = write(
        tmp_path / "sale.order.csv",
        "Order Reference,Creation Date,Customer,Salesperson,Untaxed Amount,Total,Status",
        "S00001,2026-01-05 10:00:00,Deco Addict,Mitchell Admin,1000.00,1150.00,Sales Order",
        "S00002,2026-02-05 10:00:00,Deco Addict,Mitchell Admin,500.00,575.00,Quotation",
        "S00003,2026-03-05 10:00:00,Gemini Furniture,Mitchell Admin,200.00,230.00,Locked",
        "S00004,2026-03-06 10:00:00,Gemini Furniture,Mitchell Admin,300.00,345.00,Quotation Sent",
        "S00005,2026-03-07 10:00:00,Gemini Furniture,Mitchell Admin,900.00,1035.00,Cancelled",
    )
    data = summary(path, tmp_path)
    assert revenue(data) == {"Deco Addict": 1000.0, "Gemini Furniture": 200.0}
    assert set_aside(data) == [
        (3, "a quotation, not a sale"),
        (5, "a quotation sent, not a sale yet"),
        (6, "a cancelled order, not a sale"),
    ]


@pytest.mark.parametrize(
    ("header", "layout"),
    [
        (WOO_ADVANCED, "WooCommerce: orders export (Advanced Order Export)"),
        (SQUARE_ORDERS, "Square: orders export"),
        (MYOB_ITEM_SALES.replace("\t", ","), "MYOB AccountRight: sales export"),
    ],
)
def test_inspect_names_the_layout(tmp_path, header, layout):
    path = write(tmp_path / "export.csv", header)
    result = CliRunner().invoke(main, ["inspect", str(path)])
    assert f"layout: {layout}" in result.output, result.output


@pytest.mark.parametrize(
    "header",
    [
        "Order Number,Status,Order Date,Total,Email",  # a shop-like sheet of the user's own
        "Order,Order Date,Order Total,Customer",  # Square-like, without refunds or items
        "Type,Account,Date,Reference,Net Amount",  # Sage-like, without its nominal code
        "Number,Customer,Invoice Date,Status,Total",  # Odoo-like, without its field names
        "Order Reference,Customer,Status,Total",  # Odoo sales-like, without the salesperson
        "Last Name,First Name,Date,Amount,Status",  # MYOB-like, without its card name
        "id,Amount Due,Status,Total,Customer",  # Stripe-invoice-like, without paid and remaining
    ],
)
def test_a_users_own_sheet_like_these_exports_stays_a_plain_ledger(tmp_path, header):
    path = write(tmp_path / "own.csv", header, ",".join("1" for _ in header.split(",")))
    result = CliRunner().invoke(main, ["inspect", str(path)])
    assert "layout: no export recognised" in result.output, result.output


@pytest.mark.parametrize(
    ("header", "program"),
    [
        ("Type,Date,Num,Adj,Name,Memo,Split,Amount,Balance", "QuickBooks Desktop"),
        (
            "Date,Transaction Type,Num,Name,Memo/Description,Split,Amount,Balance",
            "QuickBooks Online",
        ),
    ],
)
def test_an_account_by_account_report_is_refused_with_the_report_to_export(
    tmp_path, header, program
):
    """Each invoice stands twice in it (receivable and income): no reading of it is the sales."""
    path = write(
        tmp_path / "ledger.csv",
        "Accounts Receivable",
        header,
        *(
            ",".join(
                {
                    "Type": "Invoice",
                    "Transaction Type": "Invoice",
                    "Date": "01/05/2026",
                    "Num": "1001",
                    "Name": "Acme",
                    "Split": split,
                    "Amount": "100.00",
                    "Balance": "100.00",
                }.get(label, "")
                for label in header.split(",")
            )
            for split in ("Sales", "Accounts Receivable")
        ),
    )
    result = CliRunner().invoke(main, ["report", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    said = " ".join(result.output.split())
    assert f"ledger.csv, sheet 'ledger', header on row 2: this is {program}'s" in said
    assert "lists each invoice twice" in said and "export that instead" in said
    assert not (tmp_path / "out" / "ledger").exists()


def test_a_uk_quickbooks_credit_note_reduces_revenue(tmp_path):
    path = write(
        tmp_path / "invoices.csv",
        "Northwind Ltd",
        "Invoice List",
        "Date,Transaction Type,Num,Name,Memo/Description,Due Date,Amount,Open Balance",
        "14/01/2026,Invoice,1001,Acme,,13/02/2026,500.00,0.00",
        "20/01/2026,Credit Note,CN1,Acme,,20/01/2026,100.00,0.00",
        "21/01/2026,Invoice,1002,Birch,,20/02/2026,300.00,300.00",
    )
    data = summary(path, tmp_path)
    assert revenue(data) == {"Acme": 400.0, "Birch": 300.0}
    assert data["totals"]["credits"] == -100.0
