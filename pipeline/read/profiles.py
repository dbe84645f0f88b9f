"""Accounting exports as data: one small profile per layout, recognised by its header.

A profile says which header label is which field (where aliases alone would guess wrong, such
as an invoice ``Total`` repeated on every line item beside the line's own amount), where the
client comes from (a heading row above its lines), which transaction types are sales and which
are credits. Supporting a new export means adding a profile here and a test that builds that
export from a known ledger; the reader has no branch per package.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from pipeline.read.columns import normalise


@dataclass(frozen=True)
class Profile:
    name: str
    detect: tuple[str, ...]  # header labels (normalised) that together identify the export
    # label (normalised) -> field; None keeps a column that names no field from an alias
    columns: Mapping[str, str | None] = field(default_factory=dict)
    client_from_headings: bool = False  # the client stands on a heading row above its lines
    type_label: str | None = None  # the transaction-type column (normalised label)
    sale_types: tuple[str, ...] = ()  # types that are sales; other types are left out
    credit_types: tuple[str, ...] = ()  # types that are credit notes (amounts made negative)
    void_memo: str | None = None  # a description (lower case) that marks a voided transaction
    titled: bool = False  # a report: title rows stand above the header, never on row 1
    blank_first: bool = False  # the first header cell is blank (client headings stand there)
    gapped: bool = False  # QuickBooks Desktop: a blank header cell between labelled ones
    dates: str | None = None  # the order the export writes a date's numbers in (US: mdy)
    # Shops and processors: where the customer is, first non-blank wins (billing name, e-mail).
    client_columns: tuple[str, ...] = ()
    # An order's fields (total, status, customer, date) on its first line only, its other lines
    # carrying the items: those fields are carried down and the total taken once.
    first_line_only: bool = False
    status_label: str | None = None  # the column saying whether an order or payment happened
    # Status values (normalised) that are no sale, each with why: pending, voided, failed.
    not_sales: Mapping[str, str] = field(default_factory=dict)
    # Status values that are the only sales (Wave's income lines); others set aside with why.
    only_statuses: tuple[str, ...] = ()
    other_status: str = "a row with status '{}', not a sale"
    # An amount refunded (or debited), taken off the amount: the first of these labels present,
    # in the same order as the amounts the profile prefers (converted before charged).
    refunded_labels: tuple[str, ...] = ()
    sale_pattern: str | None = None  # types (normalised) that are sales, as a pattern
    not_sale_pattern: str | None = None  # ... unless they match this (holds, releases)
    # A processor's own outgoings (a negative amount of a type that is no refund) are no sale.
    incoming_only: bool = False
    paid: bool = False  # every sale it keeps was paid when it happened (shops, processors)

    def matches(
        self, labels: set[str], header_index: int, first_blank: bool, gapped: bool = False
    ) -> bool:
        """The export's columns, and where it has them its title rows and blank first cell, so
        a user's own sheet that happens to use a few of the same names stays a plain ledger."""
        return (
            set(self.detect) <= labels
            and (not self.titled or header_index > 0)
            and (not self.blank_first or first_blank)
            and (not self.gapped or gapped)
        )


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
    sale_types=("invoice", "salesreceipt", "creditmemo", "refundreceipt", "refund"),
    credit_types=("creditmemo", "refundreceipt", "refund"),
)


_STRIPE = Profile(
    name="Stripe: payments export",
    detect=("id", "amount", "amountrefunded", "currency", "captured", "status"),
    columns={
        "id": "invoice_no",
        "invoicenumber": "invoice_no",
        "created(utc)": "invoice_date",
        "createddate(utc)": "invoice_date",
        # What the account was paid in its own (settlement) currency, where the export has
        # it: a business charging in euros, dollars and pesos is paid in one currency.
        "convertedamount": "amount",
        "convertedcurrency": "currency",
        "amount": "amount",
        "currency": "currency",
        "status": "status",
        "description": "description",
    },
    client_columns=("customerdescription", "customeremail", "customerid", "cardname"),
    status_label="status",
    not_sales={
        "failed": "a failed charge, not a sale",
        "canceled": "a cancelled charge, not a sale",
        "requirespaymentmethod": "a charge never paid, not a sale",
        "uncaptured": "a hold on a card, never captured, not a sale",
        "blocked": "a blocked charge, not a sale",
    },
    refunded_labels=("convertedamountrefunded", "amountrefunded"),
    paid=True,
)


PROFILES: tuple[Profile, ...] = (
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
        sale_types=("invoice", "salesreceipt", "creditmemo"),
        credit_types=("creditmemo",),
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
        sale_types=("invoice", "creditmemo", "salesreceipt"),
        credit_types=("creditmemo",),
        titled=True,
        void_memo="voided",  # a voided invoice stays in the list at 0.00 with the memo "Voided"
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
        name="Shopify: orders export",
        detect=("name", "email", "financialstatus", "lineitemquantity", "total", "createdat"),
        columns={
            "name": "invoice_no",
            "createdat": "invoice_date",
            "paidat": "paid_date",
            "total": "amount",
            "currency": "currency",
            "financialstatus": "status",
            "lineitemname": "description",
        },
        client_columns=("billingname", "email"),
        first_line_only=True,
        status_label="financialstatus",
        not_sales={
            "pending": "an order not paid yet (pending), not a sale",
            "authorized": "a payment authorised, never captured, not a sale",
            "voided": "a voided order, not a sale",
            "expired": "an order whose payment expired, not a sale",
        },
        refunded_labels=("refundedamount",),
        paid=True,
    ),
    Profile(
        name="Etsy: sold orders",
        dates="mdy",
        detect=("saledate", "orderid", "buyeruserid", "ordertotal"),
        columns={
            "saledate": "invoice_date",
            "orderid": "invoice_no",
            "ordertotal": "amount",
            "currency": "currency",
            "status": "status",
        },
        client_columns=("fullname", "buyer", "buyeruserid"),
        status_label="status",
        not_sales={
            "canceled": "a cancelled order, not a sale",
            "cancelled": "a cancelled order, not a sale",
        },
        paid=True,
    ),
    Profile(
        name="Etsy: sold order items",
        dates="mdy",
        # One line per item sold, the order's id on each: its items' totals are the order's.
        detect=("saledate", "itemname", "buyer", "itemtotal", "listingid", "orderid"),
        columns={
            "saledate": "invoice_date",
            "orderid": "invoice_no",
            "itemtotal": "amount",
            "currency": "currency",
            "datepaid": "paid_date",
            "itemname": "description",
            # The item total is the line's amount; its parts are not read again.
            "quantity": None,
            "price": None,
            "discountamount": None,
        },
        client_columns=("buyer", "shipname"),
        paid=True,
    ),
    _STRIPE,
    # The same export with columns chosen in the dashboard: no charge id or refunds, but
    # Stripe's own "Captured" and "Converted Amount" beside the date.
    replace(
        _STRIPE,
        name="Stripe: payments export (chosen columns)",
        detect=("createddate(utc)", "amount", "currency", "captured", "convertedamount", "status"),
    ),
    Profile(
        name="PayPal: activity download",
        detect=("date", "time", "timezone", "name", "type", "status", "gross", "fee", "net"),
        columns={
            "date": "invoice_date",
            "name": "client",
            "gross": "amount",
            "currency": "currency",
            "transactionid": "invoice_no",
            "status": "status",
            "itemtitle": "description",
        },
        client_columns=("name", "fromemailaddress"),
        type_label="type",
        sale_pattern=r"payment|received|virtualterminal|donation",
        not_sale_pattern=r"hold|release|conversion|withdrawal|transfer|deposit|authori[sz]",
        credit_types=("paymentrefund", "refund", "chargeback", "paymentreversal", "reversal"),
        status_label="status",
        only_statuses=("completed", "refunded", "partiallyrefunded", "cleared"),
        other_status="a payment with status '{}' (not completed), not a sale",
        incoming_only=True,
        paid=True,
    ),
    Profile(
        name="Square: transactions",
        detect=("date", "time", "grosssales", "netsales", "totalcollected", "eventtype"),
        columns={
            "date": "invoice_date",
            "netsales": "amount",
            "transactionid": "invoice_no",
            "description": "description",
        },
        client_columns=("customername", "customerid"),
        type_label="eventtype",
        sale_types=("payment",),
        credit_types=("refund",),
        paid=True,
    ),
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
