"""Shop orders and payment processors as profiles: where the customer is, which orders or
payments happened, and the refunds taken off. Each is recognised by its own columns together,
so a user's plain sheet with a few of the same names stays a plain ledger."""

from __future__ import annotations

from dataclasses import replace

from pipeline.read.profile import Profile

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


# WooCommerce order statuses, as labels ("Pending payment") or slugs ("wc-on-hold"), compared
# without spaces, dashes or underscores.
_WOO_NOT_SALES = {
    **{
        status: "an order not paid yet (pending payment), not a sale"
        for status in ("pending", "pendingpayment", "wcpending")
    },
    **{
        status: "an order on hold, awaiting payment, not a sale"
        for status in ("onhold", "wconhold")
    },
    **{
        status: "a cancelled order, not a sale"
        for status in ("cancelled", "canceled", "wccancelled")
    },
    **{status: "a failed order (payment failed), not a sale" for status in ("failed", "wcfailed")},
    **{
        status: "a draft order (checkout not finished), not a sale"
        for status in ("draft", "checkoutdraft", "wccheckoutdraft")
    },
}

_WOO_ADVANCED = Profile(
    name="WooCommerce: orders export (Advanced Order Export)",
    # One row per item, the order's fields on its first row (or on every row).
    detect=("ordernumber", "orderstatus", "orderdate", "ordertotalamount"),
    columns={
        "ordernumber": "invoice_no",
        "orderdate": "invoice_date",
        "paiddate": "paid_date",
        "ordertotalamount": "amount",
        "ordercurrency": "currency",
        "currency": "currency",
        "orderstatus": "status",
        "itemname": "description",
        "ordersubtotalamount": None,
        "ordershippingamount": None,
        "ordertotaltaxamount": None,
        "cartdiscountamount": None,
        "discountamount": None,
        "itemcost": None,
        "quantity(refund)": None,
    },
    client_columns=(
        "company(billing)",
        "firstname(billing)+lastname(billing)",
        "fullname(billing)",
        "email(billing)",
        "email(shipping)",
    ),
    first_line_only=True,
    status_label="orderstatus",
    not_sales=_WOO_NOT_SALES,
    refunded_labels=("orderrefundamount",),
    paid=True,
)

SHOP_PROFILES: tuple[Profile, ...] = (
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
    _WOO_ADVANCED,
    Profile(
        name="WooCommerce: orders export (Customer/Order CSV Export)",
        detect=("ordernumber", "orderdate", "status", "ordertotal", "billingemail"),
        columns={
            "ordernumber": "invoice_no",
            "orderdate": "invoice_date",
            "paiddate": "paid_date",
            "datepaid": "paid_date",
            "ordertotal": "amount",
            "ordercurrency": "currency",
            "status": "status",
            "orderid": None,
            "shippingtotal": None,
            "taxtotal": None,
            "carttotal": None,
            "discounttotal": None,
            "cartdiscount": None,
            "orderdiscount": None,
            "itemtotal": None,
            "itemprice": None,
            "itemquantity": None,
        },
        client_columns=(
            "billingcompany",
            "billingfirstname+billinglastname",
            "billingfullname",
            "billingemail",
        ),
        first_line_only=True,
        status_label="status",
        not_sales=_WOO_NOT_SALES,
        refunded_labels=("refundedtotal", "orderrefunded"),
        paid=True,
    ),
    Profile(
        name="Square: orders export",
        # One row per item, the order's fields repeated on each: its total taken once.
        detect=("order", "orderdate", "ordertotal", "orderrefundedamount", "itemtotalprice"),
        columns={
            "order": "invoice_no",
            "orderdate": "invoice_date",
            "ordertotal": "amount",
            "currency": "currency",
            "fulfillmentstatus": "status",
            "itemname": "description",
            "ordername": None,
            "ordersubtotal": None,
            "ordershippingprice": None,
            "ordertaxtotal": None,
            "fulfillmentdate": None,
            "itemquantity": None,
            "itemprice": None,
            "itemoptionstotalprice": None,
            "itemdiscount": None,
            "itemtax": None,
            "itemtotalprice": None,
        },
        client_columns=("recipientname", "recipientemail"),
        first_line_only=True,
        status_label="fulfillmentstatus",
        not_sales={
            "canceled": "a cancelled order, not a sale",
            "cancelled": "a cancelled order, not a sale",
            "failed": "an order that failed, not a sale",
        },
        refunded_labels=("orderrefundedamount",),
        paid=True,
    ),
    Profile(
        name="Stripe: invoices export",
        # One row per invoice: its total (after discounts, with tax) is what the customer was
        # billed; open invoices are sales not paid yet, drafts and voided ones no sales.
        detect=("id", "amountdue", "amountpaid", "amountremaining", "status", "total"),
        columns={
            "number": "invoice_no",
            "id": "invoice_no",
            "date(utc)": "invoice_date",
            "createddate(utc)": "invoice_date",
            "finalizedat(utc)": None,
            "duedate(utc)": "due_date",
            "paidat(utc)": "paid_date",
            "total": "amount",
            "currency": "currency",
            "status": "status",
            "description": "description",
            "amountdue": None,
            "amountpaid": None,
            "amountremaining": None,
            "subtotal": None,
            "tax": None,
            "startingbalance": None,
            "endingbalance": None,
            "applicationfee": None,
            "customer": None,
        },
        client_columns=("customername", "customerdescription", "customeremail", "customer"),
        status_label="status",
        not_sales={
            "draft": "a draft invoice, never sent, not a sale",
            "void": "a voided invoice, not a sale",
            "voided": "a voided invoice, not a sale",
            "deleted": "a deleted invoice, not a sale",
        },
    ),
)
