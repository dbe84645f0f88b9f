"""Shop orders, payment processors and journal exports: what is a sale in each layout.

Each tiny export is written in the layout its program documents (the header as the program
writes it; no customer data) and its figures worked out by hand in the comments. Real exports
of the same programs are checked in tests/test_real_files.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.edge.cli import main

SHOPIFY_HEADER = (
    "Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,"
    "Currency,Subtotal,Shipping,Taxes,Total,Discount Code,Discount Amount,Shipping Method,"
    "Created at,Lineitem quantity,Lineitem name,Lineitem price,Billing Name,Billing Address1,"
    "Refunded Amount,Id"
)


def summary(path: Path, tmp_path: Path, *options: str) -> dict:
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["report", str(path), "--out", str(out), *options])
    assert result.exit_code == 0, result.output
    return json.loads((out / path.stem / f"{path.stem}.summary.json").read_text())


def write(path: Path, *lines: str) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def revenue(data: dict) -> dict[str, float]:
    return {c["client"]: c["revenue"] for c in data["clients"]}


def set_aside(data: dict) -> list[tuple[int, str]]:
    return [(i["row"], i["problem"]) for i in data["data_issues"]]


def test_shopify_orders_total_once_from_the_first_line_refunds_taken_off(tmp_path):
    path = write(
        tmp_path / "orders_export.csv",
        SHOPIFY_HEADER,
        # #1001: two lines, total 100 on the first; the second line carries only its item
        "#1001,ann@x.com,paid,2026-01-05 10:00:00 +0000,fulfilled,,no,GBP,90.00,10.00,0.00,"
        '100.00,,0.00,Standard,2026-01-05 09:59:00 +0000,1,Mug,50.00,Ann Smith,"1 High St\nLeeds",'
        "0.00,111",
        "#1001,ann@x.com,,,,,,,,,,,,,,2026-01-05 09:59:00 +0000,1,Cup,40.00,,,,",
        # #1002: 50 less 20 refunded = 30; no billing name, so the e-mail is the customer
        "#1002,bob@x.com,partially_refunded,2026-02-05 10:00:00 +0000,fulfilled,,no,GBP,50.00,"
        "0.00,0.00,50.00,,0.00,Standard,2026-02-05 09:00:00 +0000,2,Mug,25.00,,,20.00,112",
        # #1003 pending: no sale
        "#1003,cy@x.com,pending,,,,no,GBP,30.00,0.00,0.00,30.00,,0.00,Standard,"
        "2026-03-05 09:00:00 +0000,1,Mug,30.00,Cy,,0.00,113",
        # #1004 refunded in full: 60 less 60
        "#1004,ann@x.com,refunded,2026-03-06 10:00:00 +0000,,,no,GBP,60.00,0.00,0.00,60.00,,"
        "0.00,Standard,2026-03-06 09:00:00 +0000,1,Mug,60.00,Ann Smith,,60.00,114",
    )
    data = summary(path, tmp_path)
    assert data["currency"] == "GBP"
    assert revenue(data) == {"Ann Smith": 100.0, "bob@x.com": 30.0}
    assert data["totals"]["invoices"] == 3
    assert set_aside(data) == [(5, "an order not paid yet (pending), not a sale")]


def test_paypal_activity_counts_completed_payments_in_and_refunds_only(tmp_path):
    header = (
        '"Date","Time","TimeZone","Name","Type","Status","Currency","Gross","Fee","Net",'
        '"From Email Address","To Email Address","Transaction ID","Item Title","Balance"'
    )
    path = write(
        tmp_path / "Download.CSV",
        header,
        '"13/01/2026","10:00:00","GMT","Ann Smith","Express Checkout Payment","Completed","GBP",'
        '"100.00","-3.20","96.80","ann@x.com","me@biz.com","1A","Mug","96.80"',
        '"14/01/2026","10:00:00","GMT","Ann Smith","Payment Refund","Completed","GBP","-20.00",'
        '"0.60","-19.40","me@biz.com","ann@x.com","2B","Mug","77.40"',
        '"15/01/2026","10:00:00","GMT","Office Depot","Express Checkout Payment","Completed",'
        '"GBP","-45.00","0.00","-45.00","me@biz.com","od@x.com","3C","Paper","32.40"',
        '"16/01/2026","10:00:00","GMT","","General Currency Conversion","Completed","GBP",'
        '"10.00","0.00","10.00","","","4D","","42.40"',
        '"17/01/2026","10:00:00","GMT","Bob Jones","Website Payment","Pending","GBP","70.00",'
        '"-2.00","68.00","bob@x.com","me@biz.com","5E","Cup","42.40"',
        '"18/01/2026","10:00:00","GMT","Bob Jones","Website Payment","Completed","GBP","80.00",'
        '"-2.00","78.00","bob@x.com","me@biz.com","6F","Cup","120.40"',
        '"19/01/2026","10:00:00","GMT","","General Withdrawal","Completed","GBP","-100.00",'
        '"0.00","-100.00","","","7G","","20.40"',
    )
    data = summary(path, tmp_path)
    assert revenue(data) == {"Ann Smith": 80.0, "Bob Jones": 80.0}  # gross, before PayPal's fee
    assert set_aside(data) == [
        (4, "money the business paid out (a purchase or a fee), not a sale"),
        (5, "a General Currency Conversion, not a sale"),
        (6, "a payment with status 'Pending' (not completed), not a sale"),
        (8, "a General Withdrawal, not a sale"),
    ]


def test_stripe_payments_failed_charges_out_refunds_off(tmp_path):
    path = write(
        tmp_path / "unified_payments.csv",
        "id,Created date (UTC),Amount,Amount Refunded,Currency,Captured,Converted Amount,"
        "Converted Currency,Description,Fee,Status,Customer ID,Customer Description,"
        "Customer Email,Invoice ID",
        "ch_1,2026-01-05 10:00:00,120.00,0.00,eur,true,120.00,eur,Design,3.78,Paid,cus_A,"
        "Acme GmbH,a@acme.de,in_1",
        "ch_2,2026-01-06 10:00:00,80.00,30.00,eur,true,80.00,eur,Design,2.62,Partially refunded,"
        "cus_B,,b@birch.de,in_2",
        "ch_3,2026-01-07 10:00:00,99.00,0.00,eur,false,0.00,eur,Design,0.00,Failed,cus_A,"
        "Acme GmbH,a@acme.de,",
        "ch_4,2026-01-08 10:00:00,40.00,40.00,eur,true,40.00,eur,Design,1.46,Refunded,cus_A,"
        "Acme GmbH,a@acme.de,in_3",
    )
    data = summary(path, tmp_path)
    assert data["currency"] == "EUR"
    assert revenue(data) == {"Acme GmbH": 120.0, "b@birch.de": 50.0}
    assert set_aside(data) == [(4, "a failed charge, not a sale")]


def test_stripe_payments_in_the_currency_the_account_was_paid_in(tmp_path):
    """Charged in dollars and euros, paid out in pounds: the converted amounts are the sales,
    and a refund is taken off in pounds too."""
    path = write(
        tmp_path / "payments.csv",
        "id,Created date (UTC),Amount,Amount Refunded,Currency,Captured,Converted Amount,"
        "Converted Amount Refunded,Converted Currency,Status,Customer ID,Customer Email",
        # 100 USD paid as 78.00 GBP
        "ch_1,2026-01-05 10:00:00,100.00,0.00,usd,true,78.00,0.00,gbp,Paid,cus_A,a@x.com",
        # 50 EUR paid as 42.50 GBP, 20 EUR refunded as 17.00 GBP: 25.50
        "ch_2,2026-01-06 10:00:00,50.00,20.00,eur,true,42.50,17.00,gbp,Partially refunded,"
        "cus_B,b@x.com",
    )
    data = summary(path, tmp_path)
    assert data["currency"] == "GBP"
    assert revenue(data) == {"a@x.com": 78.0, "b@x.com": 25.5}


def test_stripe_payments_with_chosen_columns(tmp_path):
    """The dashboard lets a user choose columns: without the charge id and refunds it is still
    Stripe's (Captured, Converted Amount), read the same way."""
    path = write(
        tmp_path / "payments.csv",
        "Created date (UTC);Amount;Currency;Captured;Converted Amount;Converted Currency;Fee;"
        "Status;Customer ID;Invoice Number",
        "2026-01-05 10:00:00;9.00;eur;TRUE;350.00;thb;26.00;Paid;cus_A;A-0001",
        "2026-01-06 10:00:00;15.00;usd;TRUE;530.00;thb;35.00;Paid;cus_A;A-0002",
        "2026-01-07 10:00:00;15.00;usd;FALSE;530.00;thb;0.00;Failed;cus_B;B-0001",
    )
    data = summary(path, tmp_path)
    assert data["currency"] == "THB"
    assert revenue(data) == {"cus_A": 880.0}
    assert set_aside(data) == [(4, "a failed charge, not a sale")]


def test_quickbooks_online_transaction_list_counts_invoices_not_payments(tmp_path):
    """QuickBooks Online's Transaction List by Customer: each customer's invoices beside the
    payments that settle them. Only invoices (less credit memos) are sales; the ledger
    account ("Accounts Receivable", "Cash") is never read as the client."""
    path = write(
        tmp_path / "Transaction_List_by_Customer.csv",
        "Plenty Ltd,,,,,,,",
        "Transaction List by Customer,,,,,,,",
        "January 1 - May 20 2026,,,,,,,",
        ",,,,,,,",
        ",Date,Transaction Type,Num,Posting,Memo/Description,Account,Amount",
        "Corner Shop,,,,,,,",
        ",01/08/2026,Invoice,3-1,Yes,,Accounts Receivable (A/R),339.17",
        ",01/10/2026,Payment,,Yes,,Cash,339.17",
        ",02/09/2026,Credit Memo,3-2,Yes,,Accounts Receivable (A/R),39.17",
        "Total for Corner Shop,,,,,,,",
        "Deli Two,,,,,,,",
        ",03/01/2026,Invoice,3-3,Yes,,Accounts Receivable (A/R),500.00",
        "Total for Deli Two,,,,,,,",
    )
    data = summary(path, tmp_path)
    # Corner Shop 339.17 - 39.17 = 300.00; Deli Two 500.00
    assert revenue(data) == {"Corner Shop": 300.0, "Deli Two": 500.0}
    assert data["dates"]["order"] == "mdy"
    assert (8, "a Payment, not a sale") in set_aside(data)


def test_square_transactions_net_sales_payments_and_refunds(tmp_path):
    path = write(
        tmp_path / "transactions.csv",
        "Date,Time,Time Zone,Gross Sales,Discounts,Service Charges,Net Sales,Gift Card Sales,Tax,"
        "Tip,Partial Refunds,Total Collected,Source,Transaction ID,Payment ID,Event Type,"
        "Customer ID,Customer Name",
        "2026-01-05,10:00:00,Eastern Time,$50.00,-$5.00,$0.00,$45.00,$0.00,$4.00,$5.00,$0.00,"
        "$54.00,Point of Sale,T1,P1,Payment,C1,Ann Smith",
        "2026-01-06,10:00:00,Eastern Time,-$20.00,$0.00,$0.00,-$20.00,$0.00,-$1.60,$0.00,$0.00,"
        "-$21.60,Point of Sale,T2,P2,Refund,C1,Ann Smith",
        "2026-01-07,10:00:00,Eastern Time,$30.00,$0.00,$0.00,$30.00,$0.00,$2.40,$0.00,$0.00,"
        "$32.40,Point of Sale,T3,P3,Payment,C2,Bob Jones",
    )
    data = summary(path, tmp_path)
    # net sales: after discounts, before tax and tips; the refund counts negative
    assert revenue(data) == {"Ann Smith": 25.0, "Bob Jones": 30.0}


def test_wave_transactions_income_lines_only(tmp_path):
    header = (
        "Transaction ID,Transaction Date,Account Name,Transaction Description,"
        "Transaction Line Description,Amount (One column),Debit Amount (Two Column Approach),"
        "Credit Amount (Two Column Approach),Other Accounts for this Transaction,Customer,Vendor,"
        "Invoice Number,Bill Number,Notes / Memo,Amount Before Sales Tax,Sales Tax Amount,"
        "Sales Tax Name,Transaction Date Added,Transaction Date Last Modified,Account Group,"
        "Account Type,Account ID"
    )

    def line(tid, day, account, debit, credit, customer, invoice, group):
        amount = debit or f"-{credit}"
        return (
            f"{tid},{day},{account},Invoice {invoice},,{amount},{debit},{credit},,{customer},,"
            f"{invoice},,,,,,{day},{day},{group},,1"
        )

    path = write(
        tmp_path / "wave.csv",
        header,
        # invoice 7: 1,100 receivable = 1,000 sales + 100 tax
        line(1, "2026-01-05", "Accounts Receivable", "1100.00", "", "Acme", 7, "Assets"),
        line(1, "2026-01-05", "Sales", "", "1000.00", "Acme", 7, "Income"),
        line(1, "2026-01-05", "GST", "", "100.00", "Acme", 7, "Liabilities"),
        # its payment: bank and receivable, no income
        line(2, "2026-01-20", "Bank", "1100.00", "", "Acme", 7, "Assets"),
        line(2, "2026-01-20", "Accounts Receivable", "", "1100.00", "Acme", 7, "Assets"),
        # a credit on income: 200 back to Birch after a 500 sale
        line(3, "2026-02-05", "Sales", "", "500.00", "Birch", 8, "Income"),
        line(4, "2026-02-10", "Sales", "200.00", "", "Birch", 9, "Income"),
    )
    data = summary(path, tmp_path)
    assert revenue(data) == {"Acme": 1000.0, "Birch": 300.0}
    assert data["totals"]["revenue"] == 1300.0
    assert len(data["data_issues"]) == 4  # the bank, receivable and tax lines, each with why


def test_etsy_sold_orders_month_first_and_cancelled_out(tmp_path):
    path = write(
        tmp_path / "EtsySoldOrders2026.csv",
        "Sale Date,Order ID,Buyer User ID,Full Name,First Name,Last Name,Number of Items,"
        "Payment Method,Date Shipped,Currency,Order Value,Discount Amount,Shipping,Sales Tax,"
        "Order Total,Status,Card Processing Fees,Order Net,Adjusted Order Total,Buyer",
        "01/05/26,101,u1,Ann Smith,Ann,Smith,1,Other,01/07/26,USD,20.00,0,5.00,0,25.00,Completed,"
        "1.00,24.00,,annsmith",
        "01/13/26,102,u2,Bob Jones,Bob,Jones,2,Other,01/15/26,USD,40.00,0,0,0,40.00,Completed,"
        "1.50,38.50,,bobj",
        "02/01/26,103,u1,Ann Smith,Ann,Smith,1,Other,,USD,10.00,0,0,0,10.00,Canceled,0,0,,annsmith",
    )
    data = summary(path, tmp_path)
    assert data["dates"]["order"] == "mdy"
    assert revenue(data) == {"Ann Smith": 25.0, "Bob Jones": 40.0}
    assert set_aside(data) == [(4, "a cancelled order, not a sale")]


def test_etsy_sold_order_items_add_up_to_their_orders(tmp_path):
    path = write(
        tmp_path / "EtsySoldOrderItems2026.csv",
        "Sale Date,Item Name,Buyer,Quantity,Price,Coupon Code,Coupon Details,Discount Amount,"
        "Shipping Discount,Order Shipping,Order Sales Tax,Item Total,Currency,Transaction ID,"
        "Listing ID,Date Paid,Date Shipped,Ship Name,Order ID",
        # order 1: two items, 2 x 14 = 28 and 16, so 44 from ann
        "01/15/2026,Mask - Cats,ann,2,14,,,0,0,3.64,0,28,USD,11,101,01/15/2026,,Ann Smith,1",
        "01/15/2026,Mask - Dogs,ann,1,16,,,0,0,3.64,0,16,USD,12,102,01/15/2026,,Ann Smith,1",
        # order 2: no buyer name, so the name it was shipped to; 13 January, month first
        "01/13/2026,Mask - Cats,,1,14,,,0,0,3.54,0,14,USD,13,101,01/13/2026,,Bob Jones,2",
    )
    data = summary(path, tmp_path)
    assert revenue(data) == {"ann": 44.0, "Bob Jones": 14.0}
    assert data["totals"]["invoices"] == 2
    assert data["as_of"] == "2026-01-15"


def test_erpnext_invoices_returns_and_cancelled(tmp_path):
    """ERPNext's Data Export of Sales Invoices: one row per invoice with its first item, more
    items below with the invoice columns blank; a return is written negative, a cancelled
    invoice stays in the list."""
    path = write(
        tmp_path / "Sales Invoice.csv",
        '"ID","Series","Company","Date","Currency","Grand Total","Debit To","Customer",'
        '"Customer Name","Payment Due Date","Is Return (Credit Note)","Total","Net Total",'
        '"Status","Amount (Items)"',
        # 1: two items 600 + 400, net 1,000 (grand total 1,170 with tax), partly paid
        '"S-1","ACC-SINV-.YYYY.-","Demo","2026-01-10","EUR",1170.0,"Debtors","C-1","Acme Ltd",'
        '"2026-02-09",0,1000.0,1000.0,"Partly Paid",600.0',
        '"","","","","",,"","","","",,,,"",400.0',
        # 2: a return of 200 against S-1
        '"S-2","ACC-SINV-.YYYY.-","Demo","2026-01-20","EUR",-234.0,"Debtors","C-1","Acme Ltd",'
        '"2026-01-20",1,-200.0,-200.0,"Return",-200.0',
        # 3: cancelled, no revenue
        '"S-3","ACC-SINV-.YYYY.-","Demo","2026-01-25","EUR",117.0,"Debtors","C-2","Birch Co",'
        '"2026-02-24",0,100.0,100.0,"Cancelled",100.0',
        # 4: 300, unpaid
        '"S-4","ACC-SINV-.YYYY.-","Demo","2026-01-30","EUR",351.0,"Debtors","C-2","Birch Co",'
        '"2026-03-01",0,300.0,300.0,"Unpaid",300.0',
    )
    data = summary(path, tmp_path)
    assert data["currency"] == "EUR"
    # Acme 1,000 - 200 = 800; Birch 300 (the cancelled 100 is void)
    assert revenue(data) == {"Acme Ltd": 800.0, "Birch Co": 300.0}
    assert data["totals"]["credits"] == -200.0
    assert data["totals"]["invoices"] == 3


@pytest.mark.parametrize(
    "header",
    [
        "Name,Email,Status,Total,Created at",  # a shop-like sheet of the user's own
        "Date,Name,Type,Status,Gross,Net",  # PayPal-like, without its time and fee columns
        "id,Created,Amount,Currency,Status,Customer",  # Stripe-like, without refunds or capture
        "Transaction Date,Account Name,Customer,Amount",  # Wave-like, without its account group
        # Stripe-like, without Stripe's capture flag and converted amount
        "Created date (UTC),Amount,Currency,Status,Customer ID",
        "Date,Transaction Type,Num,Account,Amount",  # QuickBooks-like, no posting flag or titles
    ],
)
def test_a_users_own_sheet_with_export_like_names_stays_a_plain_ledger(tmp_path, header):
    labels = header.split(",")
    values = {
        "Name": "Acme",
        "Customer": "Acme",
        "Email": "a@x.com",
        "Status": "pending",
        "Type": "Refund",
        "Total": "100",
        "Gross": "100",
        "Net": "90",
        "Amount": "100",
        "Created at": "2026-01-05",
        "Created": "2026-01-05",
        "Date": "2026-01-05",
        "Transaction Date": "2026-01-05",
        "id": "1",
        "Currency": "EUR",
        "Account Name": "Sales",
        "Created date (UTC)": "2026-01-05",
        "Customer ID": "Acme",
        "Transaction Type": "Invoice",
        "Num": "1",
        "Account": "Acme",
    }
    path = write(tmp_path / "own.csv", header, ",".join(values[x] for x in labels))
    result = CliRunner().invoke(main, ["inspect", str(path)])
    assert "layout: no export recognised" in result.output, result.output


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1,234.56", 1234.56),
        ("$12.00", 12.0),
        ("-3.5", -3.5),
        ("(7.00)", -7.0),
        ("1.234,56", 1234.56),
        ("12,5", 12.5),
        ("-12,431.37", -12431.37),
        ("1,234", 1234.0),
        ("abc", None),
    ],
)
def test_a_refund_or_an_outgoing_amount_is_read_in_any_common_writing(text, value):
    import polars as pl

    from pipeline.read.reshape import _number

    got = pl.DataFrame({"t": [text]}).select(_number(pl.col("t"))).item()
    assert got == (pytest.approx(value) if value is not None else None)


_ORDER = st.sampled_from(["#1001", "#1002", "#1003", None])
_TEXT = st.sampled_from(["Ann", "Bob", "", None])


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            _ORDER,
            _TEXT,  # billing name
            st.sampled_from(["ann@x.com", "bob@x.com", None]),  # e-mail
            st.sampled_from(["paid", "pending", "", None]),  # financial status
            st.sampled_from(["2026-01-05 10:00:00 +0000", "2026-02-01 09:00:00 +0000", None]),
            st.sampled_from(["2026-01-06 10:00:00 +0000", None]),  # paid at
            st.sampled_from(["GBP", "EUR", None]),
            st.sampled_from(["100.00", "5", None]),  # the order's total
        ),
        max_size=12,
    )
)
def test_every_line_of_an_order_takes_its_first_lines_fields(lines):
    """A shop's order fields stand on its first line only: every line takes the customer,
    date, status, currency and paid date of its order's first line (lines with no order
    number are one order), and only that first line keeps the order's total. Worked out
    here line by line, against the rows ``reshape`` gives, in their order."""
    from dataclasses import replace

    import polars as pl

    from pipeline.read.reshape import reshape
    from pipeline.read.shops import SHOP_PROFILES

    shopify = next(p for p in SHOP_PROFILES if p.name == "Shopify: orders export")
    # the first-line rule alone: no statuses set aside, no refunds, nothing marked paid
    profile = replace(shopify, not_sales={}, only_statuses=(), refunded_labels=(), paid=False)
    names = ["invoice_no", "Billing Name", "Email", "status", "invoice_date", "paid_date"]
    names += ["currency", "amount"]
    frame = pl.DataFrame(
        [(row, *line) for row, line in enumerate(lines, start=2)],
        schema={"_row": pl.UInt32, **dict.fromkeys(names, pl.String)},
        orient="row",
    ).with_columns(pl.lit(None, pl.String).alias("client"))
    where = {
        "name": "invoice_no",
        "billingname": "Billing Name",
        "email": "Email",
        "financialstatus": "status",
        "createdat": "invoice_date",
        "paidat": "paid_date",
        "currency": "currency",
        "total": "amount",
    }
    got, _left_out = reshape(frame, profile, "invoice_no", where)

    first: dict[str | None, int] = {}
    for i, line in enumerate(lines):
        first.setdefault(line[0], i)
    want = []
    for i, line in enumerate(lines):
        order = lines[first[line[0]]]
        is_first = i == first[line[0]]
        _, billing, email, status, date, paid, currency, total = order
        customer = next((c for c in (billing, email) if c is not None and c.strip()), None)
        want.append(
            (i + 2, customer, status, date, paid, currency, total if is_first else "0", line[0])
        )
    columns = ["_row", "client", "status", "invoice_date", "paid_date", "currency", "amount"]
    assert got.select(*columns, "invoice_no").rows() == want
