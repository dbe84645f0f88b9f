"""Accounting exports as data: one small profile per layout, recognised by its header.

A profile says which header label is which field (where aliases alone would guess wrong, such
as an invoice ``Total`` repeated on every line item beside the line's own amount), where the
client comes from (a heading row above its lines), which transaction types are sales and which
are credits. Supporting a new export means adding a profile here (or, for shop orders and
payment processors, in ``shops``) and a test that builds that export from a known ledger; the
reader has no branch per package.
"""

from __future__ import annotations

from dataclasses import replace

from pipeline.read.columns import normalise
from pipeline.read.profile import Profile
from pipeline.read.shops import SHOP_PROFILES

__all__ = ["PROFILES", "Profile", "find_profile"]


# A credit memo is a credit note in the UK and Canadian editions, an adjustment note in the
# Australian; an Australian invoice is a tax invoice.
_QB_CREDITS = ("creditmemo", "creditnote", "adjustmentnote")

_QBO_BY_CUSTOMER = Profile(
    name="QuickBooks Online: Sales by Customer Detail",
    dates="mdy",
    detect=("date", "transactiontype", "num", "amount", "balance"),
    columns={
        "date": "invoice_date",
        "num": "invoice_no",
        "amount": "amount",
        "customerfullname": "client",
        "customer": "client",
        "memo/description": "description",
        "duedate": "due_date",
    },
    client_from_headings=True,
    titled=True,
    blank_first=True,
    type_label="transactiontype",
    sale_types=("invoice", "taxinvoice", "salesreceipt", *_QB_CREDITS, "refundreceipt", "refund"),
    credit_types=(*_QB_CREDITS, "refundreceipt", "refund"),
)


_BY_ACCOUNT = (
    "this is {0}'s Transaction Detail by Account (or General Ledger) report. It lists each "
    "invoice twice, under Accounts Receivable and under an income account, beside payments, "
    "tax and bank lines, so its amounts cannot be read as sales. In {0} run {1} and export "
    "that instead."
)

PROFILES: tuple[Profile, ...] = (
    # Account by account, each invoice twice (under receivables and under income) and beside
    # the payments, taxes and bank lines: no reading of its amounts is the sales.
    Profile(
        name="QuickBooks Desktop: Transaction Detail by Account or General Ledger",
        detect=("type", "date", "num", "name", "split"),
        refusal=_BY_ACCOUNT.format(
            "QuickBooks Desktop", "Reports > Sales > Sales by Customer Detail"
        ),
    ),
    Profile(
        name="QuickBooks Desktop: Excel export",
        dates="mdy",
        detect=("type", "date", "num", "name", "amount"),
        columns={
            "date": "invoice_date",
            "num": "invoice_no",
            "name": "client",
            "memo": "description",
            "amount": "amount",
            "duedate": "due_date",
        },
        client_from_headings=True,
        gapped=True,
        type_label="type",
        sale_types=("invoice", "taxinvoice", "salesreceipt", *_QB_CREDITS),
        credit_types=_QB_CREDITS,
    ),
    # Every transaction of each customer, laid out as above: invoices beside the payments that
    # settle them, which are the same money again and no sale.
    replace(
        _QBO_BY_CUSTOMER,
        name="QuickBooks Online: Transaction List by Customer",
        detect=("date", "transactiontype", "num", "posting", "account", "amount"),
        columns={
            **_QBO_BY_CUSTOMER.columns,
            "account": None,  # the ledger account (A/R, Cash), never the client
        },
    ),
    Profile(
        name="QuickBooks Online: Transaction Detail by Account or General Ledger",
        detect=("date", "transactiontype", "num", "split", "amount"),
        refusal=_BY_ACCOUNT.format("QuickBooks Online", "Reports > Sales by customer detail"),
    ),
    _QBO_BY_CUSTOMER,
    Profile(
        name="QuickBooks Online: Invoice List",
        dates="mdy",
        detect=("date", "transactiontype", "num", "name", "amount", "openbalance"),
        columns={
            "date": "invoice_date",
            "num": "invoice_no",
            "name": "client",
            "amount": "amount",
            "duedate": "due_date",
            "memo/description": "description",
        },
        type_label="transactiontype",
        sale_types=("invoice", "taxinvoice", "salesreceipt", *_QB_CREDITS),
        credit_types=_QB_CREDITS,
        titled=True,
        void_memo="voided",  # a voided invoice stays in the list at 0.00 with the memo "Voided"
    ),
    Profile(
        name="Xero: sales invoice export",
        dates="dmy",
        detect=("contactname", "invoicenumber", "invoicedate", "lineamount"),
        columns={
            "contactname": "client",
            "invoicenumber": "invoice_no",
            "invoicedate": "invoice_date",
            "duedate": "due_date",
            "lineamount": "amount",
            "status": "status",
            "currency": "currency",
            "reference": "project",
            "description": "description",
        },
        type_label="type",
        credit_types=("salescreditnote", "accreccredit", "creditnote"),
    ),
    Profile(
        name="Zoho Books: invoice export",
        detect=("invoicenumber", "invoicestatus", "customername", "itemtotal"),
        columns={
            "invoicedate": "invoice_date",
            "invoicenumber": "invoice_no",
            "invoicestatus": "status",
            "customername": "client",
            "duedate": "due_date",
            "currencycode": "currency",
            "itemtotal": "amount",
            "itemdesc": "description",
            "projectname": "project",
        },
    ),
    Profile(
        name="FreshBooks: invoice details",
        dates="mdy",
        detect=("clientname", "invoice#", "dateissued", "linetotal"),
        columns={
            "clientname": "client",
            "invoice#": "invoice_no",
            "dateissued": "invoice_date",
            "invoicestatus": "status",
            "datepaid": "paid_date",
            "duedate": "due_date",
            "linetotal": "amount",
            "currency": "currency",
            "itemdescription": "description",
        },
    ),
    Profile(
        name="Xero: Receivable Invoice Detail",
        detect=("invoicenumber", "lineamount(ex)"),
        columns={
            "contact": "client",
            "invoicenumber": "invoice_no",
            "invoicedate": "invoice_date",
            "duedate": "due_date",
            "lineamount(ex)": "amount",
            "status": "status",
            "currency": "currency",
            "description": "description",
        },
    ),
    Profile(
        name="ERPNext: Sales Invoice data export",
        # Frappe's Data Export: the invoice's fields on its first row, its further items on
        # rows below with those fields blank (read as no row of their own).
        detect=("id", "series", "company", "customer", "nettotal", "grandtotal", "debitto"),
        columns={
            "id": "invoice_no",
            "customername": "client",
            "customer": "client",
            "postingdate": "invoice_date",
            "date": "invoice_date",
            "paymentduedate": "due_date",
            "duedate": "due_date",
            # Before tax, as the line amounts of the other packages; a return is negative.
            "nettotal": "amount",
            "currency": "currency",
            "status": "status",
            "project": "project",
            "total": None,
        },
    ),
    Profile(
        name="Invoice Ninja: invoice export",
        # Its own export (v4): a title and a section line above the header, one row per item,
        # the invoice's Amount (its total) repeated on each.
        detect=("client", "invoicenumber", "amount", "paid", "ponumber", "itemproduct", "itemcost"),
        columns={
            "client": "client",
            "invoicenumber": "invoice_no",
            "invoicedate": "invoice_date",
            "duedate": "due_date",
            "amount": "amount",
            "status": "status",
            "itemproduct": "description",
            # The items' own figures and the amount paid are not the invoice's amount.
            "itemquantity": None,
            "itemcost": None,
            "discount": None,
            "paid": None,
            "partial/deposit": None,
        },
        first_line_only=True,
        titled=True,
    ),
    Profile(
        name="Invoice2go: invoice export",
        # One row per document; "State" is the app's sync state, never the invoice's.
        detect=("documentnumber", "documentdate", "documentstatus", "totalamount", "currencycode"),
        columns={
            "documentnumber": "invoice_no",
            "documentdate": "invoice_date",
            "name": "client",
            "totalamount": "amount",
            "currencycode": "currency",
            "documentstatus": "status",
            "datepaid": "paid_date",
            "state": None,
            "createddate": None,
            "discount": None,
        },
    ),
    Profile(
        name="MYOB AccountRight: sales export",
        dates="dmy",
        # Item or service sales: one row per line, a blank row between sales; orders and
        # quotes in the same file are no sales.
        detect=("co/lastname", "firstname", "date", "salestatus"),
        columns={
            "invoice#": "invoice_no",
            "invoiceno": "invoice_no",
            "date": "invoice_date",
            "total": "amount",  # item sales, before tax
            "amount": "amount",  # service sales, before tax
            "currencycode": "currency",
            "description": "description",
            "job": "project",
            "salestatus": None,  # I, O or Q: which rows are sales, never a payment status
            "co/lastname": None,
            "inctaxtotal": None,
            "inctaxamount": None,
            "price": None,
            "inctaxprice": None,
            "discount": None,
            "quantity": None,
            "amountpaid": None,
            "freightamount": None,
            "inctaxfreightamount": None,
            "shippingdate": None,
            "taxamount": None,
            "gstamount": None,
        },
        client_columns=("firstname+co/lastname",),
        status_label="salestatus",
        not_sales={
            "o": "an order, not invoiced yet, not a sale",
            "q": "a quote, not a sale",
        },
        blank_separated=True,
    ),
    Profile(
        name="Sage 50: audit trail transactions",
        dates="dmy",
        # One row per transaction of every kind: sales invoices (SI) and credits (SC) are the
        # sales; receipts, purchases, bank and journal entries are not.
        detect=("type", "accountreference", "nominala/cref", "date", "netamount"),
        columns={
            "accountreference": "client",
            "accountref": "client",
            "reference": "invoice_no",
            "date": "invoice_date",
            "netamount": "amount",
            "details": "description",
            "projectrefn": "project",
            "taxamount": None,
            "nominala/cref": None,
            "extrareference": None,
        },
        type_label="type",
        sale_types=("si", "sc"),
        credit_types=("sc",),
    ),
    Profile(
        name="Odoo: customer invoices export",
        # Invoices and credit notes with their signed amounts before tax; drafts and
        # cancelled ones are no sales, nor are vendor bills in the same list.
        detect=("number", "invoice/billdate", "status"),
        columns={
            "number": "invoice_no",
            "invoicepartnerdisplayname": "client",
            "customer": "client",
            "partner": "client",
            "invoice/billdate": "invoice_date",
            "duedate": "due_date",
            "untaxedamountsigned": "amount",
            "taxexcluded": "amount",
            "untaxedamount": "amount",
            "currency": "currency",
            # Paid, not paid, in payment: the invoice's payment; its Status (draft, posted,
            # cancelled) is read by the rules below.
            "paymentstatus": "status",
            "status": None,
            "totalsigned": None,
            "total": None,
            "totalincurrency": None,
            "amountdue": None,
        },
        type_label="type",
        sale_types=("customerinvoice", "customercreditnote", "invoice", "creditnote"),
        credit_types=("customercreditnote", "creditnote"),
        status_label="status",
        not_sales={
            "draft": "a draft invoice, not a sale",
            "cancelled": "a cancelled invoice, not a sale",
            "cancel": "a cancelled invoice, not a sale",
        },
    ),
    _ODOO_ORDERS := Profile(
        name="Odoo: sales orders export",
        # Its list export: the order's fields on its first row, its further lines below with
        # those fields blank (read as no row of their own).
        detect=("orderreference", "creationdate", "customer", "status", "total"),
        columns={
            "orderreference": "invoice_no",
            "customer": "client",
            "orderdate": "invoice_date",
            "creationdate": "invoice_date",
            "untaxedamount": "amount",
            "total": "amount",
            "currency": "currency",
            "status": None,  # the order's stage (quotation, sales order), read by the rules
            "invoicestatus": None,
            "expirationdate": None,
        },
        status_label="status",
        not_sales={
            "quotation": "a quotation, not a sale",
            "quotationsent": "a quotation sent, not a sale yet",
            "draft": "a quotation, not a sale",
            "sent": "a quotation sent, not a sale yet",
            "cancelled": "a cancelled order, not a sale",
            "cancel": "a cancelled order, not a sale",
        },
    ),
    # Later versions call the order's date "Order Date".
    replace(
        _ODOO_ORDERS,
        detect=("orderreference", "orderdate", "customer", "status", "total"),
    ),
    *SHOP_PROFILES,
    Profile(
        name="Wave: transactions export",
        detect=("transactionid", "transactiondate", "accountname", "accountgroup", "customer"),
        columns={
            "transactiondate": "invoice_date",
            "customer": "client",
            "invoicenumber": "invoice_no",
            "creditamount(twocolumnapproach)": "amount",
            "transactiondescription": "description",
        },
        status_label="accountgroup",
        only_statuses=("income",),
        other_status="a line of a '{}' account (bank, tax, receivable), not income",
        refunded_labels=("debitamount(twocolumnapproach)",),
    ),
)


def find_profile(labels: list[str | None], header_index: int = 0) -> Profile | None:
    """The export a header row belongs to, or None for an ordinary sheet."""
    found = {normalise(label) for label in labels if label is not None and str(label).strip()}
    first_blank = not labels or labels[0] is None or not str(labels[0]).strip()
    filled = [i for i, label in enumerate(labels) if label is not None and str(label).strip()]
    gapped = len(filled) > 2 and all(b - a == 2 for a, b in zip(filled, filled[1:], strict=False))
    return next((p for p in PROFILES if p.matches(found, header_index, first_blank, gapped)), None)
